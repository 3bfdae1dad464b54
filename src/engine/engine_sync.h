/* SPDX-License-Identifier: MIT */
/**
 * One pass from start to end, the resctrl handle it needs, and the
 * removal of every group at shutdown. (engine_sync.c)
 */
#ifndef VR_ENGINE_SYNC_H
#define VR_ENGINE_SYNC_H

#include "engine/engine_private.h"

/** One pass: refresh domains (all, or the dirty ones), reconcile, publish
 * the new live set. Runs on the worker thread (engine_sync.c). */
void vr_engine_sync(vr_engine *e, bool full, bool refetch,
                    char dirty[][VR_UUID_STRING_LEN + 1], size_t n_dirty);

/** Opens resctrl at ResctrlPath unless the engine holds it already; logs
 * what to do when it cannot (once, via c_complain) and returns false. */
bool vr_engine_ensure_resctrl(vr_engine *e);

/** KeepFilesOpen false: closes the root fd at the end of a pass, so that
 * nothing stays open in resctrl until the next one. */
void vr_engine_release_files(vr_engine *e);

/** Removes every group of ours under the root (shutdown). */
void vr_engine_remove_all(vr_engine *e);

#endif /* VR_ENGINE_SYNC_H */
