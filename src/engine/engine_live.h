/* SPDX-License-Identifier: MIT */
/**
 * The live set a pass publishes for the read pass. (engine_live.c)
 */
#ifndef VR_ENGINE_LIVE_H
#define VR_ENGINE_LIVE_H

#include "engine/engine_private.h"

/** Publishes the groups the pass left readable. */
void vr_engine_publish_live(vr_engine *e, const vr_pass *pass);

/** Drops the live set and the resctrl handle (unmounted). */
void vr_engine_forget_resctrl(vr_engine *e);

#endif /* VR_ENGINE_LIVE_H */
