/* SPDX-License-Identifier: MIT */
/**
 * The per-thread view in the engine: the state read, and the threads to
 * watch between passes. (engine_threads.c)
 */
#ifndef VR_ENGINE_THREADS_H
#define VR_ENGINE_THREADS_H

#include "engine/engine_private.h"

/** Reads resctrl's state into pass->state, through the
 * kernel's per-thread view where it applies, else every tasks file. 0 or
 * -errno with a reason. */
int vr_engine_read_state(vr_engine *e, vr_pass *pass, char *reason,
                         size_t reason_len);

/** After executing, the threads to look at until the
 * next pass (none unless the pass used the per-thread view). */
void vr_engine_watch_update(vr_engine *e, const vr_pass *pass);

/** True when a watched thread is no longer where the
 * last pass left it (or cannot be looked at): a pass is due. */
bool vr_engine_threads_moved(vr_engine *e);

#endif /* VR_ENGINE_THREADS_H */
