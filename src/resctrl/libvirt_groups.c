/* SPDX-License-Identifier: MIT */
/**
 * libvirt's resctrl group names; see libvirt_groups.h for where each rule
 * comes from in libvirt.
 */
#include "resctrl/libvirt_groups.h"
#include "base/text.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LV_DRIVER_PREFIX "qemu-"
#define LV_ID_PREFIX "vcpus_"

/* virDomainMachineNameAppendValid's HOSTNAME_CHARS: ASCII letters, digits
 * and '-'. */
static bool lv_hostname_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-';
}

int vr_lv_machine_name(int domain_id, const char *domain_name, char *buf,
                       size_t len) {
  char out[VR_LV_MACHINE_NAME_MAX + 1];
  if (domain_id < 0 || domain_name == NULL || len == 0) {
    if (len > 0)
      buf[0] = '\0';
    return -EINVAL;
  }
  size_t n =
      (size_t)snprintf(out, sizeof(out), LV_DRIVER_PREFIX "%d-", domain_id);
  /* virDomainMachineNameAppendValid: stop once the buffer (prefix included)
   * holds 64 characters; '.' and '-' only after a kept character other than
   * those two, and never two in a row; other characters outside
   * HOSTNAME_CHARS are dropped without breaking a run (libvirt sets its
   * "skip" flag only when it keeps a character). */
  bool skip = true;
  for (const char *p = domain_name; *p != '\0'; p++) {
    if (n >= VR_LV_MACHINE_NAME_MAX)
      break;
    if (*p == '.' || *p == '-') {
      if (!skip) {
        out[n++] = *p;
        skip = true;
      }
      continue;
    }
    if (!lv_hostname_char(*p))
      continue;
    out[n++] = *p;
    skip = false;
  }
  /* virBufferTrimChars(buf, "-."): the trailing run goes, including the
   * '-' after the id when the name reduced to nothing. */
  while (n > 0 && (out[n - 1] == '-' || out[n - 1] == '.'))
    n--;
  out[n] = '\0';
  if (n + 1 > len) {
    buf[0] = '\0';
    return -ENOSPC;
  }
  memcpy(buf, out, n + 1);
  return (int)n;
}

int vr_lv_cpuset_format(const vr_cpuset *set, char *buf, size_t len) {
  if (len == 0)
    return -ENOSPC;
  buf[0] = '\0';
  int start = vr_cpuset_next(set, 0);
  if (start < 0)
    return -EINVAL;
  size_t used = 0;
  while (start >= 0) {
    int end = start;
    while (vr_cpuset_next(set, (unsigned)end + 1) == end + 1)
      end++;
    /* virBitmapFormat: a single id alone, any longer run as "a-b". */
    int n = end == start ? snprintf(buf + used, len - used, "%s%d",
                                    used ? "," : "", start)
                         : snprintf(buf + used, len - used, "%s%d-%d",
                                    used ? "," : "", start, end);
    if (n < 0 || (size_t)n >= len - used) {
      buf[0] = '\0';
      return -ENOSPC;
    }
    used += (size_t)n;
    start = vr_cpuset_next(set, (unsigned)end + 1);
  }
  return (int)used;
}

int vr_lv_group_name(const char *machine, const vr_cpuset *vcpus, char *buf,
                     size_t len) {
  char set[VR_LV_GROUP_NAME_MAX + 1];
  if (len == 0)
    return -ENOSPC;
  buf[0] = '\0';
  int rc = vr_lv_cpuset_format(vcpus, set, sizeof(set));
  if (rc < 0)
    return rc;
  int n = snprintf(buf, len, "%s-" LV_ID_PREFIX "%s", machine, set);
  if (n < 0 || (size_t)n >= len) {
    buf[0] = '\0';
    return -ENOSPC;
  }
  return n;
}

/* True when text is what virDomainMachineNameAppendValid can leave after
 * "qemu-<id>-": hostname characters and '.', no '.'/'-' first, last or
 * next to another. Empty is allowed (a name of only other characters). */
static bool lv_reduced_name_valid(const char *text, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = text[i];
    bool sep = c == '.' || c == '-';
    if (!sep && !lv_hostname_char(c))
      return false;
    if (sep &&
        (i == 0 || i + 1 == n || text[i - 1] == '.' || text[i - 1] == '-'))
      return false;
  }
  return true;
}

/* Reads "<id>-" at *p: a decimal int as "%d" writes it (no leading
 * zero, no sign). */
static bool lv_parse_domain_id(const char **p, int *id) {
  const char *end;
  uint64_t value;
  if (vr_parse_decimal(*p, SIZE_MAX, &end, INT_MAX, &value) != 0 ||
      (end - *p > 1 && **p == '0') || *end != '-')
    return false;
  *id = (int)value;
  *p = end + 1;
  return true;
}

bool vr_lv_group_name_parse(const char *name, vr_lv_group *out) {
  vr_lv_group g;
  memset(&g, 0, sizeof(g));
  g.kind = VR_LV_CTRL_MON;
  size_t total = strlen(name);
  if (total > VR_LV_GROUP_NAME_MAX ||
      strncmp(name, LV_DRIVER_PREFIX, strlen(LV_DRIVER_PREFIX)) != 0)
    return false;
  const char *p = name + strlen(LV_DRIVER_PREFIX);
  if (!lv_parse_domain_id(&p, &g.domain_id))
    return false;
  /* The reduced name never holds '_' (not in HOSTNAME_CHARS), so the first
   * '_' is the one of "vcpus_", and the id split is unambiguous. */
  const char *underscore = strchr(p, '_');
  if (underscore == NULL)
    return false;
  size_t head = (size_t)(underscore - p);      /* "<name>-vcpus" or "vcpus" */
  const size_t tag = strlen(LV_ID_PREFIX) - 1; /* "vcpus" */
  size_t name_len;
  if (head == tag) {
    name_len = 0;
  } else if (head > tag + 1 && p[head - tag - 1] == '-') {
    name_len = head - tag - 1;
  } else {
    return false;
  }
  if (strncmp(p + head - tag, LV_ID_PREFIX, tag) != 0 ||
      !lv_reduced_name_valid(p, name_len))
    return false;
  memcpy(g.name, p, name_len);
  g.name[name_len] = '\0';
  size_t machine_len = (size_t)(p - name) + name_len;
  if (name_len == 0)
    machine_len--; /* "qemu-<id>": libvirt trimmed the '-' */
  if (machine_len > VR_LV_MACHINE_NAME_MAX)
    return false;
  memcpy(g.machine, name, machine_len);
  g.machine[machine_len] = '\0';

  const char *set = underscore + 1;
  char reason[64];
  char again[VR_LV_GROUP_NAME_MAX + 1];
  /* Only virBitmapFormat's own output is libvirt's: parse, then require
   * that formatting the set gives back the same text. */
  if (vr_cpuset_parse(set, VR_MAX_VCPUS, &g.vcpus, reason, sizeof(reason)) !=
          0 ||
      vr_lv_cpuset_format(&g.vcpus, again, sizeof(again)) < 0 ||
      strcmp(again, set) != 0)
    return false;
  if (vr_copy_field(g.id, sizeof(g.id), underscore - tag) != 0)
    return false;
  if (out != NULL)
    *out = g;
  return true;
}

bool vr_lv_group_path_parse(const char *relpath, vr_lv_group *out) {
  static const char mon_dir[] = "mon_groups/";
  char ctrl[VR_LV_GROUP_NAME_MAX + 1];
  vr_lv_group g, alloc;
  const char *slash = strchr(relpath, '/');
  if (slash == NULL) {
    if (!vr_lv_group_name_parse(relpath, &g))
      return false;
    goto found;
  }
  ctrl[0] = '\0';
  const char *mon = relpath;
  if (strncmp(relpath, mon_dir, strlen(mon_dir)) != 0) {
    /* "<ctrl>/mon_groups/<name>": libvirt puts a monitor only under its
     * own allocation (virResctrlMonitorDeterminePath), so the parent must
     * be a libvirt CTRL_MON name of the same machine. */
    size_t ctrl_len = (size_t)(slash - relpath);
    if (ctrl_len > VR_LV_GROUP_NAME_MAX)
      return false;
    memcpy(ctrl, relpath, ctrl_len);
    ctrl[ctrl_len] = '\0';
    mon = slash + 1;
    if (strncmp(mon, mon_dir, strlen(mon_dir)) != 0 ||
        !vr_lv_group_name_parse(ctrl, &alloc))
      return false;
  }
  mon += strlen(mon_dir);
  if (strchr(mon, '/') != NULL || !vr_lv_group_name_parse(mon, &g) ||
      (ctrl[0] != '\0' && strcmp(alloc.machine, g.machine) != 0))
    return false;
  g.kind = VR_LV_MON;
  memcpy(g.alloc, ctrl, sizeof(ctrl));
found:
  if (out != NULL)
    *out = g;
  return true;
}
