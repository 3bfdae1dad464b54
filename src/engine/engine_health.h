/* SPDX-License-Identifier: MIT */
/**
 * Notifications: one WARNING when a problem (a domain and a class of what
 * is wrong, plan/problems.h) appears, an OKAY when it is gone.
 * (engine_health.c)
 */
#ifndef VR_ENGINE_HEALTH_H
#define VR_ENGINE_HEALTH_H

#include "engine/engine_private.h"

/** Collects the pass's rejections and failed groups, moves e->problems
 * and logs and notifies what changed. */
void vr_engine_report_problems(vr_engine *e, const vr_pass *pass);

#endif /* VR_ENGINE_HEALTH_H */
