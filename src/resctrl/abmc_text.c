/* SPDX-License-Identifier: MIT */
/**
 * The kernel's ABMC files as text; see abmc_text.h.
 */
#include "resctrl/abmc_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool vr_abmc_mode_is_event(const char *text) {
  for (const char *p = text; p && *p;) {
    size_t n = strcspn(p, "\n");
    if (n == strlen("[mbm_event]") && strncmp(p, "[mbm_event]", n) == 0)
      return true;
    p += n;
    if (*p)
      p++;
  }
  return false;
}

/* A decimal number of up to 9 digits at *p, moved past it; -1 if none. */
static long long take_number(const char **p) {
  long long v = 0;
  int digits = 0;
  while (**p >= '0' && **p <= '9' && digits < 10) {
    v = v * 10 + (**p - '0');
    (*p)++;
    digits++;
  }
  return digits == 0 || digits == 10 ? -1 : v;
}

int vr_abmc_parse_counts(const char *text, unsigned id, unsigned *count) {
  const char *p = text;
  int found = -ENOENT;
  while (*p && *p != '\n') {
    long long dom = take_number(&p);
    if (dom < 0 || *p++ != '=')
      return -EINVAL;
    long long n = take_number(&p);
    if (n < 0 || (*p && *p != ';' && *p != '\n'))
      return -EINVAL;
    if (*p == ';')
      p++;
    if ((unsigned long long)dom == id) {
      *count = (unsigned)n;
      found = 0;
    }
  }
  return found;
}

/* One "<domain id>=<e|_>;..." list: the state of domain id, if listed. */
static int parse_states(const char *p, const char *end, unsigned id,
                        bool *assigned) {
  while (p < end) {
    long long dom = take_number(&p);
    if (dom < 0 || p + 2 > end || *p != '=')
      return -EINVAL;
    char state = p[1];
    p += 2;
    if (state != 'e' && state != '_')
      return -EINVAL;
    if (p < end && *p++ != ';')
      return -EINVAL;
    if ((unsigned long long)dom == id)
      *assigned = state == 'e';
  }
  return 0;
}

int vr_abmc_parse_assignments(const char *text, const char *const *events,
                              unsigned id, unsigned *held) {
  *held = 0;
  for (const char *p = text; *p;) {
    const char *end = p + strcspn(p, "\n");
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (!colon)
      return -EINVAL;
    bool assigned = false;
    if (parse_states(colon + 1, end, id, &assigned) < 0)
      return -EINVAL;
    for (unsigned e = 0; e < VR_MBM_EVENTS && assigned; e++)
      if (events[e] && strlen(events[e]) == (size_t)(colon - p) &&
          strncmp(events[e], p, (size_t)(colon - p)) == 0)
        *held |= 1u << e;
    p = *end ? end + 1 : end;
  }
  return 0;
}
