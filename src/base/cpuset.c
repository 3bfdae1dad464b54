/* SPDX-License-Identifier: MIT */
/**
 * vCPU sets in libvirt's cpuset syntax; see cpuset.h.
 */
#include "base/cpuset.h"
#include "base/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vr_cpuset_clear(vr_cpuset *set) { memset(set, 0, sizeof(*set)); }

void vr_cpuset_add(vr_cpuset *set, unsigned id) {
  if (id < VR_MAX_VCPUS)
    set->words[id / 64] |= UINT64_C(1) << (id % 64);
}

bool vr_cpuset_has(const vr_cpuset *set, unsigned id) {
  return id < VR_MAX_VCPUS && (set->words[id / 64] >> (id % 64)) & 1;
}

unsigned vr_cpuset_count(const vr_cpuset *set) {
  unsigned count = 0;
  for (size_t i = 0; i < VR_MAX_VCPUS / 64; i++)
    count += (unsigned)__builtin_popcountll(set->words[i]);
  return count;
}

bool vr_cpuset_is_empty(const vr_cpuset *set) {
  return vr_cpuset_next(set, 0) < 0;
}

bool vr_cpuset_equal(const vr_cpuset *a, const vr_cpuset *b) {
  return memcmp(a->words, b->words, sizeof(a->words)) == 0;
}

int vr_cpuset_first_common(const vr_cpuset *a, const vr_cpuset *b) {
  for (size_t i = 0; i < VR_MAX_VCPUS / 64; i++) {
    uint64_t both = a->words[i] & b->words[i];
    if (both)
      return (int)(i * 64) + __builtin_ctzll(both);
  }
  return -1;
}

int vr_cpuset_next(const vr_cpuset *set, unsigned from) {
  for (size_t i = from / 64; i < VR_MAX_VCPUS / 64; i++) {
    uint64_t word = set->words[i];
    if (i == from / 64)
      word &= ~UINT64_C(0) << (from % 64);
    if (word)
      return (int)(i * 64) + __builtin_ctzll(word);
  }
  return -1;
}

/* Reads one decimal id at *pos. Leading '+'/'-' and whitespace inside a
 * number are not ids; values past limit are rejected before they can
 * overflow, so "99999999999999999999" fails cleanly. */
static int parse_id(const char **pos, unsigned limit, unsigned *id) {
  uint64_t value;
  /* -ERANGE past UINT32_MAX too: reported as not below limit. */
  int rc = vr_parse_decimal(*pos, SIZE_MAX, pos, UINT32_MAX, &value);
  if (rc < 0)
    return rc;
  *id = (unsigned)value;
  return value >= limit ? -ERANGE : 0;
}

static void skip_blanks(const char **pos) {
  while (**pos == ' ' || **pos == '\t')
    (*pos)++;
}

/* Parses one comma-separated item into inclusions or exclusions. */
static int parse_item(const char *item_start, const char *item_end,
                      unsigned limit, vr_cpuset *include, vr_cpuset *exclude,
                      char *reason, size_t reason_len) {
  const char *p = item_start;
  int len = (int)(item_end - item_start);
  skip_blanks(&p);
  bool negate = false;
  if (*p == '^') {
    negate = true;
    p++;
  }
  unsigned first = 0, last = 0;
  int status = parse_id(&p, limit, &first);
  if (status == 0 || status == -ERANGE) {
    last = first;
    if (*p == '-' && !negate) {
      p++;
      int end_status = parse_id(&p, limit, &last);
      if (end_status == -EINVAL)
        status = -EINVAL;
      else if (status == 0)
        status = end_status;
    }
  }
  skip_blanks(&p);
  if (status == 0 && p != item_end)
    status = -EINVAL;
  if (status == -EINVAL) {
    snprintf(reason, reason_len, "malformed vcpus item \"%.*s\"", len,
             item_start);
    return status;
  }
  if (status == -ERANGE) {
    snprintf(reason, reason_len,
             "vcpus item \"%.*s\" names a vCPU id not below the domain's "
             "maximum of %u vCPUs",
             len, item_start, limit);
    return status;
  }
  if (first > last) {
    snprintf(reason, reason_len, "vcpus range \"%.*s\" runs backwards", len,
             item_start);
    return -EINVAL;
  }
  for (unsigned id = first; id <= last; id++)
    vr_cpuset_add(negate ? exclude : include, id);
  return 0;
}

int vr_cpuset_parse(const char *text, unsigned limit, vr_cpuset *out,
                    char *reason, size_t reason_len) {
  vr_cpuset include, exclude;
  vr_cpuset_clear(&include);
  vr_cpuset_clear(&exclude);
  vr_cpuset_clear(out);
  if (limit > VR_MAX_VCPUS)
    limit = VR_MAX_VCPUS;

  const char *item = text;
  for (;;) {
    const char *comma = strchr(item, ',');
    const char *end = comma ? comma : item + strlen(item);
    int status =
        parse_item(item, end, limit, &include, &exclude, reason, reason_len);
    if (status < 0)
      return status;
    if (!comma)
      break;
    item = comma + 1;
  }

  for (size_t i = 0; i < VR_MAX_VCPUS / 64; i++)
    include.words[i] &= ~exclude.words[i];
  if (vr_cpuset_is_empty(&include)) {
    snprintf(reason, reason_len, "vcpus \"%s\" selects no vCPU", text);
    return -EINVAL;
  }
  *out = include;
  return 0;
}

/* Appends text to buf at *used; -ENOSPC when it does not fit. */
static int append(char *buf, size_t len, size_t *used, const char *text) {
  size_t text_len = strlen(text);
  if (*used + text_len + 1 > len)
    return -ENOSPC;
  memcpy(buf + *used, text, text_len + 1);
  *used += text_len;
  return 0;
}

/* Writes the set, collapsing runs of at least min_run ids into "a-b". */
static int format_set(const vr_cpuset *set, unsigned min_run, char *buf,
                      size_t len) {
  size_t used = 0;
  if (len == 0)
    return -ENOSPC;
  buf[0] = '\0';
  int id = vr_cpuset_next(set, 0);
  while (id >= 0) {
    unsigned first = (unsigned)id, last = first;
    while (vr_cpuset_has(set, last + 1))
      last++;
    char item[32];
    if (last - first + 1 >= min_run) {
      snprintf(item, sizeof(item), "%s%u-%u", used ? "," : "", first, last);
      if (append(buf, len, &used, item) < 0)
        goto nospace;
    } else {
      for (unsigned i = first; i <= last; i++) {
        snprintf(item, sizeof(item), "%s%u", used ? "," : "", i);
        if (append(buf, len, &used, item) < 0)
          goto nospace;
      }
    }
    id = vr_cpuset_next(set, last + 1);
  }
  return (int)used;

nospace:
  buf[0] = '\0';
  return -ENOSPC;
}

int vr_cpuset_format_ranges(const vr_cpuset *set, char *buf, size_t len) {
  return format_set(set, 3, buf, len);
}

int vr_cpuset_format_list(const vr_cpuset *set, char *buf, size_t len) {
  return format_set(set, VR_MAX_VCPUS + 1, buf, len);
}
