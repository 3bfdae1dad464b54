/* SPDX-License-Identifier: MIT */
/**
 * The monitoring domains at each pass: a domain gone or back means a new
 * handle. (engine_mon_domains.c)
 */
#ifndef VR_ENGINE_MON_DOMAINS_H
#define VR_ENGINE_MON_DOMAINS_H

#include "engine/engine_private.h"

/** Lists the monitoring domains again; when they
 * changed (a domain offline, or back), says so and replaces the handle. */
void vr_engine_recheck_domains(vr_engine *e);

#endif /* VR_ENGINE_MON_DOMAINS_H */
