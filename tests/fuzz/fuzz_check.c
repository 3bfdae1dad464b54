/* SPDX-License-Identifier: MIT */
/**
 * Invariants of the pure parsers; see fuzz_check.h.
 */
#include "fuzz_check.h"

#include "base/cpuset.h"
#include "resctrl/resctrl_name.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for every id below VR_MAX_VCPUS listed: four digits and a comma. */
#define LIST_MAX ((size_t)VR_MAX_VCPUS * 5 + 1)

__attribute__((format(printf, 3, 4))) static int
broken(char *why, size_t why_len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, why_len, fmt, ap);
  va_end(ap);
  return -1;
}

size_t vr_fuzz_split_limit(const uint8_t *data, size_t size, unsigned *limit) {
  if (size == 0) {
    *limit = 0;
    return 0;
  }
  uint8_t first = data[0];
  if (first < 0xF0) {
    *limit = first;
    return 1;
  }
  if (first == 0xFF) {
    *limit = UINT_MAX;
    return 1;
  }
  unsigned value = 0;
  size_t used = 1;
  for (; used < 3 && used < size; used++)
    value = value << 8 | data[used];
  *limit = value;
  return used;
}

char *vr_fuzz_text(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t len = nul ? (size_t)(nul - data) : size;
  char *text = malloc(len + 1);
  if (!text)
    return NULL;
  if (len)
    memcpy(text, data, len);
  text[len] = '\0';
  return text;
}

/* True when buf holds a NUL within len bytes and only printable ASCII
 * before it: what may go into a log line. */
static bool printable_string(const char *buf, size_t len) {
  const char *nul = memchr(buf, 0, len);
  if (!nul)
    return false;
  for (const char *p = buf; p < nul; p++) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x20 || c >= 0x7f)
      return false;
  }
  return true;
}

static int check_groups(const vr_group_list *list, unsigned max_vcpus,
                        char *members, char *why, size_t why_len) {
  unsigned limit = max_vcpus < VR_MAX_VCPUS ? max_vcpus : VR_MAX_VCPUS;
  vr_cpuset claimed, io_claimed;
  vr_cpuset_clear(&claimed);
  vr_cpuset_clear(&io_claimed);
  int emulator_groups = 0;
  for (size_t i = 0; i < list->n_groups; i++) {
    const vr_group_spec *g = &list->groups[i];
    if (!memchr(g->name, 0, sizeof(g->name)))
      return broken(why, why_len, "group %zu: name not terminated", i);
    if (!vr_group_name_valid(g->name))
      return broken(why, why_len, "group %zu: invalid name \"%s\"", i, g->name);
    for (size_t j = 0; j < i; j++)
      if (strcmp(list->groups[j].name, g->name) == 0)
        return broken(why, why_len, "groups %zu and %zu share the name %s", j,
                      i, g->name);
    /* A group holds some thread: vCPUs, iothreads (ids from 1, each in
     * one group), or the emulator threads (one group at most). */
    if (vr_cpuset_is_empty(&g->vcpus) && vr_cpuset_is_empty(&g->iothreads) &&
        !g->emulator)
      return broken(why, why_len, "group %s: no thread", g->name);
    if (vr_cpuset_has(&g->iothreads, 0))
      return broken(why, why_len, "group %s: iothread 0", g->name);
    int io_shared = vr_cpuset_first_common(&io_claimed, &g->iothreads);
    if (io_shared >= 0)
      return broken(why, why_len, "group %s: iothread %d also in another group",
                    g->name, io_shared);
    for (int id = vr_cpuset_next(&g->iothreads, 0); id >= 0;
         id = vr_cpuset_next(&g->iothreads, (unsigned)id + 1))
      vr_cpuset_add(&io_claimed, (unsigned)id);
    if (g->emulator && ++emulator_groups > 1)
      return broken(why, why_len, "group %s: a second emulator group", g->name);
    if (g->all_threads)
      return broken(why, why_len, "group %s: every thread, from metadata",
                    g->name);
    if (g->mbm != VR_MBM_NORMAL && g->mbm != VR_MBM_HIGH &&
        g->mbm != VR_MBM_OFF)
      return broken(why, why_len, "group %s: mbm priority %d", g->name,
                    (int)g->mbm);
    int high = vr_cpuset_next(&g->vcpus, limit);
    if (high >= 0)
      return broken(why, why_len, "group %s: vCPU %d not below %u", g->name,
                    high, max_vcpus);
    int shared = vr_cpuset_first_common(&claimed, &g->vcpus);
    if (shared >= 0)
      return broken(why, why_len, "group %s: vCPU %d also in another group",
                    g->name, shared);
    for (int id = vr_cpuset_next(&g->vcpus, 0); id >= 0;
         id = vr_cpuset_next(&g->vcpus, (unsigned)id + 1))
      vr_cpuset_add(&claimed, (unsigned)id);
    if (!g->members || (!g->members[0] && !vr_cpuset_is_empty(&g->vcpus)))
      return broken(why, why_len, "group %s: no member list", g->name);
    if (vr_cpuset_format_list(&g->vcpus, members, LIST_MAX) < 0 ||
        strcmp(members, g->members) != 0)
      return broken(why, why_len, "group %s: members \"%s\" but set \"%s\"",
                    g->name, g->members, members);
  }
  for (size_t i = 0; i < list->n_rejections; i++) {
    const vr_group_rejection *r = &list->rejections[i];
    if (!printable_string(r->group, sizeof(r->group)))
      return broken(why, why_len, "rejection %zu: unprintable label", i);
    if (!printable_string(r->reason, sizeof(r->reason)))
      return broken(why, why_len, "rejection %zu (%s): unprintable reason", i,
                    r->group);
    if (!r->reason[0])
      return broken(why, why_len, "rejection %zu (%s): empty reason", i,
                    r->group);
  }
  return 0;
}

int vr_fuzz_check_group_spec(const char *xml, unsigned max_vcpus, char *why,
                             size_t why_len) {
  vr_group_list list;
  int status = vr_group_spec_parse(xml, max_vcpus, &list);
  if (status == -ENOMEM) {
    if (list.n_groups || list.n_rejections || list.groups || list.rejections)
      return broken(why, why_len, "-ENOMEM with a non-empty list");
    return 0;
  }
  if (status != 0) {
    vr_group_list_clear(&list);
    return broken(why, why_len, "vr_group_spec_parse returned %d", status);
  }
  char *members = malloc(LIST_MAX);
  if (!members) {
    vr_group_list_clear(&list);
    return 0;
  }
  status = check_groups(&list, max_vcpus, members, why, why_len);
  free(members);
  vr_group_list_clear(&list);
  return status;
}

/* Formats set with format into a buffer of exactly the size it needs, so
 * that a sanitizer sees any write past it, then into one a byte short,
 * which must fail cleanly. Returns the text (heap) or NULL with why set. */
static char *format_exact(const vr_cpuset *set,
                          int (*format)(const vr_cpuset *, char *, size_t),
                          const char *form, char *why, size_t why_len) {
  char *wide = malloc(LIST_MAX);
  if (!wide) {
    broken(why, why_len, "out of memory");
    return NULL;
  }
  int len = format(set, wide, LIST_MAX);
  if (len <= 0 || (size_t)len != strlen(wide)) {
    broken(why, why_len, "%s form: returned %d for \"%s\"", form, len, wide);
    free(wide);
    return NULL;
  }
  char *exact = malloc((size_t)len + 1);
  char *short_buf = malloc((size_t)len);
  if (!exact || !short_buf) {
    broken(why, why_len, "out of memory");
    goto fail;
  }
  if (format(set, exact, (size_t)len + 1) != len || strcmp(exact, wide)) {
    broken(why, why_len, "%s form: differs in an exact buffer", form);
    goto fail;
  }
  int short_len = format(set, short_buf, (size_t)len);
  if (short_len != -ENOSPC || short_buf[0] != '\0') {
    broken(why, why_len, "%s form: a buffer one byte short gave %d", form,
           short_len);
    goto fail;
  }
  free(wide);
  free(short_buf);
  return exact;

fail:
  free(wide);
  free(exact);
  free(short_buf);
  return NULL;
}

/* Re-parses a formatted set: it must come back equal. */
static int reparse(const char *text, unsigned limit, const vr_cpuset *want,
                   const char *form, char *why, size_t why_len) {
  vr_cpuset again;
  char reason[VR_REASON_MAX] = "";
  if (vr_cpuset_parse(text, limit, &again, reason, sizeof(reason)) != 0)
    return broken(why, why_len, "%s form \"%.64s\" does not parse: %s", form,
                  text, reason);
  if (!vr_cpuset_equal(&again, want))
    return broken(why, why_len, "%s form \"%.64s\" parses to another set", form,
                  text);
  return 0;
}

int vr_fuzz_check_cpuset(const char *text, unsigned limit, char *why,
                         size_t why_len) {
  vr_cpuset set;
  char reason[VR_REASON_MAX] = "";
  int status = vr_cpuset_parse(text, limit, &set, reason, sizeof(reason));

  /* A tiny reason buffer must be truncated, not overrun, and change
   * nothing else. */
  char *tiny = malloc(5);
  if (tiny) {
    vr_cpuset again;
    int again_status = vr_cpuset_parse(text, limit, &again, tiny, 5);
    bool same = again_status == status &&
                (status != 0 || vr_cpuset_equal(&again, &set));
    free(tiny);
    if (!same)
      return broken(why, why_len, "a 5-byte reason buffer changes the result");
  }

  if (status != 0) {
    if (status != -EINVAL && status != -ERANGE)
      return broken(why, why_len, "vr_cpuset_parse returned %d", status);
    if (!reason[0])
      return broken(why, why_len, "rejected without a reason");
    if (!vr_cpuset_is_empty(&set))
      return broken(why, why_len, "rejected but the set is not empty");
    return 0;
  }

  unsigned bound = limit < VR_MAX_VCPUS ? limit : VR_MAX_VCPUS;
  if (vr_cpuset_is_empty(&set))
    return broken(why, why_len, "accepted an empty set");
  int high = vr_cpuset_next(&set, bound);
  if (high >= 0)
    return broken(why, why_len, "accepted vCPU %d, not below %u", high, limit);

  char *ranges =
      format_exact(&set, vr_cpuset_format_ranges, "ranges", why, why_len);
  if (!ranges)
    return -1;
  char *list = format_exact(&set, vr_cpuset_format_list, "list", why, why_len);
  if (!list) {
    free(ranges);
    return -1;
  }
  status = reparse(ranges, limit, &set, "ranges", why, why_len);
  if (status == 0)
    status = reparse(list, limit, &set, "list", why, why_len);
  if (status == 0 && strlen(ranges) > strlen(list))
    status =
        broken(why, why_len, "ranges form \"%.64s\" longer than list", ranges);
  if (status == 0) {
    unsigned commas = 0;
    for (const char *p = list; *p; p++)
      commas += *p == ',';
    if (commas + 1 != vr_cpuset_count(&set))
      status = broken(why, why_len, "list form has %u items for %u vCPUs",
                      commas + 1, vr_cpuset_count(&set));
  }
  free(ranges);
  free(list);
  return status;
}

int vr_fuzz_check_owned_name(const char *input, char *why, size_t why_len) {
  char prefix[64];
  const char *name = input;
  const char *newline = strchr(input, '\n');
  if (newline) {
    size_t len = (size_t)(newline - input);
    if (len >= sizeof(prefix))
      len = sizeof(prefix) - 1;
    memcpy(prefix, input, len);
    prefix[len] = '\0';
    name = newline + 1;
  } else {
    snprintf(prefix, sizeof(prefix), "vr_");
  }

  /* Guard bytes past what the header promises the callee may write. */
  char uuid[VR_UUID_STRING_LEN + 1 + 8], group[VR_GROUP_NAME_MAX + 1 + 8];
  memset(uuid, 'U', sizeof(uuid));
  memset(group, 'G', sizeof(group));
  bool ours = vr_owned_name_parse(prefix, name, uuid, group);
  if (ours != vr_owned_name_parse(prefix, name, NULL, NULL))
    return broken(why, why_len, "answer depends on the output pointers");
  if (uuid[VR_UUID_STRING_LEN + 1] != 'U' ||
      group[VR_GROUP_NAME_MAX + 1] != 'G')
    return broken(why, why_len, "wrote past the uuid or group buffer");
  if (!ours)
    return 0;

  if (!vr_group_prefix_valid(prefix) || !vr_uuid_string_valid(uuid) ||
      !vr_group_name_valid(group))
    return broken(why, why_len, "accepted \"%.128s\" with invalid parts", name);
  char built[256];
  if (vr_owned_name_format(prefix, uuid, group, built, sizeof(built)) != 0 ||
      strcmp(built, name) != 0)
    return broken(why, why_len,
                  "accepted \"%.128s\" but its parts build \"%s\"", name,
                  built);
  size_t name_len = strlen(name);
  char *short_buf = malloc(name_len);
  if (short_buf) {
    int status = vr_owned_name_format(prefix, uuid, group, short_buf, name_len);
    bool clean = status == -ENOSPC && short_buf[0] == '\0';
    free(short_buf);
    if (!clean)
      return broken(why, why_len, "a buffer one byte short gave %d", status);
  }
  return 0;
}
