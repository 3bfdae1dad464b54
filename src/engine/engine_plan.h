/* SPDX-License-Identifier: MIT */
/**
 * The steps that read the placement, let reconcile decide, and carry the
 * plan out. (engine_plan.c)
 */
#ifndef VR_ENGINE_PLAN_H
#define VR_ENGINE_PLAN_H

#include "engine/engine_private.h"

/** Reads resctrl's state and lets reconcile decide; when the
 * plan changes anything, again under the root's flock (*lock_fd, else -1
 * after it returns). -ENODEV: resctrl went away (the live set is
 * dropped, the handle forgotten); -ENOMEM. */
int vr_engine_plan(vr_engine *e, vr_pass *pass, int *lock_fd);

/** Carries the plan out, noting failures and creations. */
void vr_engine_execute(vr_engine *e, vr_pass *pass);

#endif /* VR_ENGINE_PLAN_H */
