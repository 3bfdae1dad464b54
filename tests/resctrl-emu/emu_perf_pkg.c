/* SPDX-License-Identifier: MIT */
/* Per-package telemetry (doc/design.md, "The metric table"): Linux 7.0's
 * PERF_PKG monitoring resource (Intel's RMID-based telemetry, fs/resctrl with
 * arch/x86/kernel/cpu/resctrl/intel_aet.c), with --perf-pkg IDS.
 *
 * - The kernel adds info/PERF_PKG_MON (mon_features, num_rmids) and in each
 *   group's mon_data one mon_PERF_PKG_YY per package
 *   (mkdir_mondata_subdir: "mon_%s_%02d", YY the package id), holding the
 *   energy group's events core_energy (Joules) and activity (Farads).
 * - Those events are binary fixed-point counters (18 fraction bits) that
 *   print_event_value() shows as a decimal fraction. A test sets a value
 *   with a control line "GROUP pkg:<id> core_energy|activity <value>"
 *   (decimal, at most six fraction digits) and a group's file reads it
 *   back exactly as written; one never set reads "0.000000".
 * - mon_event_count(): a CTRL_MON group reads its own counter plus those
 *   of its MON groups; a sum is printed with six places, the precision
 *   print_event_value() gives 18 fraction bits.
 * - info/PERF_PKG_MON/num_rmids: the RMIDs the telemetry counts (intel_aet.c
 *   enable_events(): the smallest of its event groups'), L3's unless
 *   --perf-pkg-rmids says otherwise; the system's RMIDs are the smaller of
 *   the two (emu_model_init). */
#include "emu_model.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pkg_events[EMU_PKG_EVENTS] = {"core_energy",
                                                       "activity"};

const char *emu_pkg_event_name(unsigned event) {
  return event < EMU_PKG_EVENTS ? pkg_events[event] : NULL;
}

int emu_pkg_index(const struct emu_model *m, unsigned pkg_id) {
  for (size_t i = 0; i < m->cfg.num_pkgs; i++)
    if (m->cfg.pkg_ids[i] == pkg_id)
      return (int)i;
  return -1;
}

/* A value as the control channel takes it: digits, and optionally '.' and
 * one to six digits (the six places of an 18-bit fraction). Its value in
 * millionths into *micro. */
static int parse_joules(const char *s, unsigned long long *micro) {
  const char *dot = strchr(s, '.');
  char whole[32];
  size_t wl = dot ? (size_t)(dot - s) : strlen(s);
  unsigned long long w, frac = 0;
  if (wl == 0 || wl >= sizeof(whole))
    return -EINVAL;
  memcpy(whole, s, wl);
  whole[wl] = '\0';
  if (emu_parse_uint(whole, ULLONG_MAX / 1000000 - 1, &w) != 0)
    return -EINVAL;
  if (dot) {
    size_t fl = strlen(dot + 1);
    if (fl < 1 || fl > 6)
      return -EINVAL;
    for (size_t i = 0; i < 6; i++) {
      char c = i < fl ? dot[1 + i] : '0';
      if (c < '0' || c > '9')
        return -EINVAL;
      frac = frac * 10 + (unsigned long long)(c - '0');
    }
  }
  *micro = w * 1000000 + frac;
  return 0;
}

int emu_pkg_control(struct emu_model *m, struct emu_group *g,
                    const char *id_text, const char *event, const char *value,
                    char *err, size_t errlen) {
  unsigned long long id, micro;
  int pi = emu_parse_uint(id_text, UINT_MAX, &id) != 0
               ? -1
               : emu_pkg_index(m, (unsigned)id);
  unsigned e = 0;
  while (e < EMU_PKG_EVENTS && strcmp(event, pkg_events[e]) != 0)
    e++;
  if (pi < 0) {
    snprintf(err, errlen, "no package '%s' (--perf-pkg)", id_text);
    return -EINVAL;
  }
  if (e == EMU_PKG_EVENTS) {
    snprintf(err, errlen, "no PERF_PKG event '%s'", event);
    return -EINVAL;
  }
  if (parse_joules(value, &micro) != 0 ||
      strlen(value) >= sizeof(g->pkg_values[0][0])) {
    snprintf(err, errlen,
             "bad value '%s' (decimal, at most six fraction digits)", value);
    return -EINVAL;
  }
  snprintf(g->pkg_values[pi][e], sizeof(g->pkg_values[pi][e]), "%s", value);
  return 0;
}

/* One group's own counter in millionths (0 when never set). */
static unsigned long long own_micro(const struct emu_group *g, size_t pkg,
                                    unsigned event) {
  unsigned long long micro = 0;
  if (g->pkg_values[pkg][event][0])
    parse_joules(g->pkg_values[pkg][event], &micro);
  return micro;
}

int emu_pkg_show(struct emu_model *m, const struct emu_group *g, size_t pkg,
                 unsigned event, struct emu_buf *out) {
  bool summed = false;
  unsigned long long sum = own_micro(g, pkg, event);
  for (const struct emu_group *c = m->groups; g->type == EMU_CTRL_MON && c;
       c = c->next) {
    if (c->type != EMU_MON || c->parent != g)
      continue;
    sum += own_micro(c, pkg, event);
    summed = true;
  }
  if (!summed && g->pkg_values[pkg][event][0])
    return emu_buf_printf(out, "%s\n", g->pkg_values[pkg][event]);
  return emu_buf_printf(out, "%llu.%06llu\n", sum / 1000000, sum % 1000000);
}
