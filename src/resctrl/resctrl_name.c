/* SPDX-License-Identifier: MIT */
/**
 * Names of the resctrl groups we own; see resctrl_name.h.
 */
#include "resctrl/resctrl_name.h"

#include "base/text.h"
#include "base/vocabulary.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool vr_group_prefix_valid(const char *prefix) {
  return vr_chars_valid(prefix, VR_GROUP_PREFIX_MAX, "_");
}

bool vr_uuid_string_valid(const char *uuid) {
  if (strlen(uuid) != VR_UUID_STRING_LEN)
    return false;
  for (size_t i = 0; i < VR_UUID_STRING_LEN; i++) {
    char c = uuid[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-')
        return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

int vr_owned_name_format(const char *prefix, const char *uuid,
                         const char *group, char *buf, size_t len) {
  if (len > 0)
    buf[0] = '\0';
  if (!vr_group_prefix_valid(prefix) || !vr_uuid_string_valid(uuid) ||
      !vr_group_name_valid(group))
    return -EINVAL;
  int written = snprintf(buf, len, "%s%s_%s", prefix, uuid, group);
  if (written < 0 || (size_t)written >= len) {
    if (len > 0)
      buf[0] = '\0';
    return -ENOSPC;
  }
  return 0;
}

bool vr_owned_name_parse(const char *prefix, const char *name, char *uuid,
                         char *group) {
  size_t prefix_len = strlen(prefix);
  if (!vr_group_prefix_valid(prefix) || strncmp(name, prefix, prefix_len) != 0)
    return false;
  const char *rest = name + prefix_len;
  if (strlen(rest) < VR_UUID_STRING_LEN + 2 || rest[VR_UUID_STRING_LEN] != '_')
    return false;
  char uuid_part[VR_UUID_STRING_LEN + 1];
  memcpy(uuid_part, rest, VR_UUID_STRING_LEN);
  uuid_part[VR_UUID_STRING_LEN] = '\0';
  const char *group_part = rest + VR_UUID_STRING_LEN + 1;
  if (!vr_uuid_string_valid(uuid_part) || !vr_group_name_valid(group_part))
    return false;
  if (uuid)
    memcpy(uuid, uuid_part, VR_UUID_STRING_LEN + 1);
  if (group)
    snprintf(group, VR_GROUP_NAME_MAX + 1, "%s", group_part);
  return true;
}
