/* SPDX-License-Identifier: MIT */
/**
 * ABMC: who holds the domains' assignable counters, and their coverage.
 * (engine_abmc.c)
 */
#ifndef VR_ENGINE_ABMC_H
#define VR_ENGINE_ABMC_H

#include "engine/engine_private.h"

/** Hands our groups' MBM events the domains' assignable
 * counters (ABMC), and notes each domain's coverage. */
void vr_engine_assign_counters(vr_engine *e, const vr_pass *pass);

/** The read pass's coverage values (plugin_instance host). */
void vr_engine_dispatch_coverage(vr_engine *e);

#endif /* VR_ENGINE_ABMC_H */
