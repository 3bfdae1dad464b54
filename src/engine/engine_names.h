/* SPDX-License-Identifier: MIT */
/**
 * What names each domain's series beyond its name and UUID: the metadata
 * value of the name formats and the clashes between domains. (engine_names.c)
 */
#ifndef VR_ENGINE_NAMES_H
#define VR_ENGINE_NAMES_H

#include "engine/engine_private.h"
#include "read/readable_group.h"

/**
 * Sets name_meta and name_clash of each of the n groups from the engine's
 * running domains (the strings point into e->domains), and says once which
 * domains would share a name and so use their UUID. In an event pass a
 * change of that set asks for a full pass (the other domains' groups were
 * carried over).
 */
void vr_engine_name_groups(vr_engine *e, vr_readable_group *groups, size_t n,
                           bool event_pass);

#endif /* VR_ENGINE_NAMES_H */
