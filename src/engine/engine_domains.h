/* SPDX-License-Identifier: MIT */
/**
 * The step that refreshes the domain snapshots from libvirt. (engine_domains.c)
 */
#ifndef VR_ENGINE_DOMAINS_H
#define VR_ENGINE_DOMAINS_H

#include "engine/engine_private.h"

/** Refreshes e->domains from libvirt, all of them or the
 * dirty ones; keeps what it knew while libvirt does not answer. A full
 * refresh asks only about domains it does not know (new ones, new runs,
 * the dirty ones) unless refetch. */
void vr_engine_refresh_domains(vr_engine *e, bool full, bool refetch,
                               char dirty[][VR_UUID_STRING_LEN + 1],
                               size_t n_dirty);

#endif /* VR_ENGINE_DOMAINS_H */
