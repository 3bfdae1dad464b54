/* SPDX-License-Identifier: MIT */
/**
 * Notifications: one per change of state, an OKAY when it clears.
 * (engine_health.c)
 */
#ifndef VR_ENGINE_HEALTH_H
#define VR_ENGINE_HEALTH_H

#include "engine/engine_private.h"

/** One WARNING per change of state, an OKAY when it
 * clears; rejections, outcomes, then the sweep of what was not seen. */
void vr_engine_report_rejections(vr_engine *e, const vr_desired_set *d);

void vr_engine_report_outcomes(vr_engine *e, const vr_pass *pass);

void vr_engine_health_sweep(vr_engine *e);

void vr_health_table_clear(vr_health_table *t);

#endif /* VR_ENGINE_HEALTH_H */
