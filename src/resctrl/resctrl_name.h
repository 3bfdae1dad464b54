/* SPDX-License-Identifier: MIT */
/**
 * The names of the resctrl groups this plugin owns:
 * <GroupPrefix><domain-uuid>_<group>, e.g.
 * "vr_0f8fad5b-d9cb-469f-a165-70867728950e_db".
 *
 * A directory is ours only when its whole name has that shape; anything
 * else is never renamed, written or removed (doc/design.md, "resctrl rules").
 * Pure.
 */
#ifndef VR_RESCTRL_NAME_H
#define VR_RESCTRL_NAME_H

#include "base/vocabulary.h"

#include <stdbool.h>
#include <stddef.h>

#define VR_GROUP_PREFIX_MAX 16

/** 1-16 characters of [A-Za-z0-9_]. */
bool vr_group_prefix_valid(const char *prefix);

/** A UUID string as libvirt prints it: 8-4-4-4-12 lowercase hex digits. */
bool vr_uuid_string_valid(const char *uuid);

/**
 * Builds our directory name. Fails with -EINVAL when prefix, uuid or group
 * is not valid (so a bad name can never reach mkdir), -ENOSPC when buf is
 * too small.
 */
int vr_owned_name_format(const char *prefix, const char *uuid,
                         const char *group, char *buf, size_t len);

/**
 * True when name is ours under prefix; then uuid (37 bytes) and group
 * (VR_GROUP_NAME_MAX + 1 bytes) receive its parts when not NULL.
 */
bool vr_owned_name_parse(const char *prefix, const char *name, char *uuid,
                         char *group);

#endif /* VR_RESCTRL_NAME_H */
