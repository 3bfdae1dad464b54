/* SPDX-License-Identifier: MIT */
/* ABMC, assignable MBM counters (Linux 6.18, AMD;
 * doc/design.md, "ABMC counters"): the doc's "mbm_assign_mode",
 * "num_mbm_cntrs", "available_mbm_cntrs", "mbm_assign_on_mkdir" and each
 * group's "mbm_L3_assignments", as fs/resctrl/monitor.c has them. In
 * "mbm_event" mode an MBM event counts only while a hardware counter is
 * assigned to it on that domain; reading it otherwise says "Unassigned"
 * (mon_event_count()), and an assignment resets the counter
 * (rdtgroup_assign_cntr() resets its state). */
#include "emu_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_mbm(enum emu_feature f) {
  return f == EMU_MBM_TOTAL_BYTES || f == EMU_MBM_LOCAL_BYTES;
}

bool emu_abmc_enabled(const struct emu_model *m) {
  return m->cfg.abmc_counters > 0;
}

/* Counters in use on a domain: one per (group, event) assigned
 * (mbm_cntr_cfg has one entry per hardware counter). */
static unsigned used(const struct emu_model *m, size_t cache) {
  unsigned n = 0;
  for (const struct emu_group *g = m->groups; g; g = g->next)
    for (int f = 0; f < EMU_NUM_FEATURES; f++)
      n += g->cntr[cache][f];
  return n;
}

/* rdtgroup_alloc_assign_cntr(): nothing to do when the event holds a
 * counter already (no reset); else the first free one (mbm_cntr_alloc(),
 * -ENOSPC when none is), assigned and reset. */
static int assign(struct emu_model *m, struct emu_group *g, size_t cache,
                  enum emu_feature f, uint64_t now_ms) {
  if (g->cntr[cache][f])
    return 0;
  if (used(m, cache) >= m->cfg.abmc_counters) {
    emu_last_cmd_printf(m, "Failed to allocate counter for %s in domain %u\n",
                        emu_feature_name(f), m->cfg.cache_ids[cache]);
    return -ENOSPC;
  }
  g->cntr[cache][f] = true;
  g->cntr_ms[cache][f] = now_ms;
  /* a value a test set is the counter's: it starts from zero again */
  if (g->values[cache][f].kind == EMU_VALUE_NUMBER)
    g->values[cache][f].number = 0;
  return 0;
}

/* rdtgroup_assign_cntr_event(): one domain, or every online one (d NULL),
 * stopping at the first that fails. */
static int assign_event(struct emu_model *m, struct emu_group *g, int cache,
                        enum emu_feature f, uint64_t now_ms) {
  if (cache >= 0)
    return assign(m, g, (size_t)cache, f, now_ms);
  for (size_t i = 0; i < m->cfg.num_caches; i++) {
    if (!emu_domain_online(m, i))
      continue;
    int ret = assign(m, g, i, f, now_ms);
    if (ret)
      return ret;
  }
  return 0;
}

/* rdtgroup_unassign_cntr_event(): frees the counter, if any. */
static void unassign_event(struct emu_model *m, struct emu_group *g, int cache,
                           enum emu_feature f) {
  for (size_t i = 0; i < m->cfg.num_caches; i++)
    if (cache < 0 || (size_t)cache == i)
      g->cntr[i][f] = false;
}

/* rdtgroup_assign_cntrs(): on mkdir (and for the default group at mount,
 * rdt_get_tree()) each enabled MBM event, total first, gets a counter on
 * every domain when mbm_assign_on_mkdir is on; a failure leaves the event
 * unassigned and the mkdir succeeds. */
void emu_abmc_group_made(struct emu_model *m, struct emu_group *g,
                         uint64_t now_ms) {
  if (!emu_abmc_enabled(m) || !m->abmc_on_mkdir)
    return;
  const enum emu_feature order[] = {EMU_MBM_TOTAL_BYTES, EMU_MBM_LOCAL_BYTES};
  for (size_t k = 0; k < 2; k++)
    if (m->cfg.features[order[k]])
      (void)assign_event(m, g, -1, order[k], now_ms);
}

/* resctrl_offline_mon_domain() -> domain_destroy_mon_state(): the
 * domain's counter table goes with it; one that comes back starts with
 * every counter free (domain_setup_mon_state(): kcalloc). */
void emu_abmc_domain_offline(struct emu_model *m, size_t cache) {
  for (struct emu_group *g = m->groups; g; g = g->next)
    for (int f = 0; f < EMU_NUM_FEATURES; f++)
      g->cntr[cache][f] = false;
}

bool emu_abmc_counts(const struct emu_model *m, const struct emu_group *g,
                     size_t cache, enum emu_feature f) {
  return !emu_abmc_enabled(m) || !is_mbm(f) || g->cntr[cache][f];
}

uint64_t emu_abmc_since(const struct emu_model *m, const struct emu_group *g,
                        size_t cache, enum emu_feature f) {
  return emu_abmc_enabled(m) && is_mbm(f) ? g->cntr_ms[cache][f] : 0;
}

/* resctrl_mbm_assign_mode_show(): the mode in use in brackets. */
int emu_abmc_show_mode(const struct emu_model *m, struct emu_buf *out) {
  (void)m;
  return emu_buf_printf(out, "[mbm_event]\ndefault\n");
}

/* resctrl_num_mbm_cntrs_show() / resctrl_available_mbm_cntrs_show():
 * "<domain id>=<count>" per online domain, ';' between, one line. */
int emu_abmc_show_counters(const struct emu_model *m, bool available,
                           struct emu_buf *out) {
  const char *sep = "";
  int ret = 0;
  for (size_t i = 0; i < m->cfg.num_caches && !ret; i++) {
    if (!emu_domain_online(m, i))
      continue;
    unsigned n = m->cfg.abmc_counters;
    if (available)
      n -= used(m, i);
    ret = emu_buf_printf(out, "%s%u=%u", sep, m->cfg.cache_ids[i], n);
    sep = ";";
  }
  return ret ? ret : emu_buf_printf(out, "\n");
}

/* resctrl_mbm_assign_on_mkdir_show(): "0" or "1"; on by default at boot
 * (the doc: "Enabled by default on boot"). */
int emu_abmc_show_on_mkdir(const struct emu_model *m, struct emu_buf *out) {
  return emu_buf_printf(out, "%u\n", m->abmc_on_mkdir ? 1u : 0u);
}

/* resctrl_mbm_assign_on_mkdir_write(): kstrtobool() - the first character
 * y/Y/t/T/1 or n/N/f/F/0, or "on"/"off". */
int emu_abmc_write_on_mkdir(struct emu_model *m, const char *buf, size_t len) {
  emu_last_cmd_clear(m);
  if (len == 0)
    return -EINVAL;
  switch (buf[0]) {
  case 'y':
  case 'Y':
  case 't':
  case 'T':
  case '1':
    m->abmc_on_mkdir = true;
    return 0;
  case 'n':
  case 'N':
  case 'f':
  case 'F':
  case '0':
    m->abmc_on_mkdir = false;
    return 0;
  case 'o':
  case 'O':
    if (len > 1 && (buf[1] == 'n' || buf[1] == 'N')) {
      m->abmc_on_mkdir = true;
      return 0;
    }
    if (len > 1 && (buf[1] == 'f' || buf[1] == 'F')) {
      m->abmc_on_mkdir = false;
      return 0;
    }
    return -EINVAL;
  default:
    return -EINVAL;
  }
}

/* mbm_L3_assignments_show(): per enabled MBM event,
 * "<event>:<domain id>=<e or _>;..." over the online domains. */
int emu_abmc_show_assignments(const struct emu_model *m,
                              const struct emu_group *g, struct emu_buf *out) {
  const enum emu_feature order[] = {EMU_MBM_TOTAL_BYTES, EMU_MBM_LOCAL_BYTES};
  int ret = 0;
  for (size_t k = 0; k < 2 && !ret; k++) {
    enum emu_feature f = order[k];
    if (!m->cfg.features[f])
      continue;
    ret = emu_buf_printf(out, "%s:", emu_feature_name(f));
    const char *sep = "";
    for (size_t i = 0; i < m->cfg.num_caches && !ret; i++) {
      if (!emu_domain_online(m, i))
        continue;
      ret = emu_buf_printf(out, "%s%u=%c", sep, m->cfg.cache_ids[i],
                           g->cntr[i][f] ? 'e' : '_');
      sep = ";";
    }
    if (!ret)
      ret = emu_buf_printf(out, "\n");
  }
  return ret;
}

/* rdtgroup_modify_assign_state(): one character, 'e' or '_'. */
static int modify(struct emu_model *m, struct emu_group *g, int cache,
                  enum emu_feature f, const char *state, uint64_t now_ms) {
  if (!state || strlen(state) != 1)
    return -EINVAL;
  if (*state == 'e')
    return assign_event(m, g, cache, f, now_ms);
  if (*state == '_') {
    unassign_event(m, g, cache, f);
    return 0;
  }
  return -EINVAL;
}

/* strim(): leading and trailing blanks off. */
static char *trim(char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\n')
    s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
    s[--n] = '\0';
  return s;
}

/* resctrl_parse_mbm_assignment(): "<event>" then ';'-separated
 * "<domain id>=<state>" items applied in order; '*' as the id means every
 * domain and ends the line. */
static int parse_line(struct emu_model *m, struct emu_group *g, char *line,
                      uint64_t now_ms) {
  char *tok = line;
  char *event = strsep(&tok, ":");
  int f = emu_feature_parse(event);
  if (f < 0 || !is_mbm((enum emu_feature)f) || !m->cfg.features[f]) {
    emu_last_cmd_printf(m, "Invalid event %s\n", event);
    return -ENOENT;
  }
  while (tok && tok[0]) {
    char *dom = trim(strsep(&tok, ";"));
    char *id = strsep(&dom, "=");
    if (id && *id == '*') {
      int ret = modify(m, g, -1, (enum emu_feature)f, dom, now_ms);
      if (ret)
        emu_last_cmd_printf(m, "Assign operation '%s:*=%s' failed\n", event,
                            dom ? dom : "(null)");
      return ret;
    }
    unsigned long long n;
    if (!id || emu_parse_uint(id, ~0UL, &n) != 0) {
      emu_last_cmd_printf(m, "Missing domain id\n");
      return -EINVAL;
    }
    int ci = n > 0xffffffffULL ? -1 : emu_model_cache_index(m, (unsigned)n);
    if (ci < 0 || !emu_domain_online(m, (size_t)ci)) {
      emu_last_cmd_printf(m, "Invalid domain id %llu\n", n);
      return -EINVAL;
    }
    int ret = modify(m, g, ci, (enum emu_feature)f, dom, now_ms);
    if (ret) {
      emu_last_cmd_printf(m, "Assign operation '%s:%llu=%s' failed\n", event, n,
                          dom ? dom : "(null)");
      return ret;
    }
  }
  return 0;
}

/* mbm_L3_assignments_write(): the write must end in a newline; each line
 * is one event's assignments; the first failing line stops the rest (what
 * came before it stays done). */
int emu_abmc_write_assignments(struct emu_model *m, struct emu_group *g,
                               const char *buf, size_t len, uint64_t now_ms) {
  if (len == 0 || buf[len - 1] != '\n')
    return -EINVAL;
  emu_last_cmd_clear(m);
  char *copy = malloc(len);
  if (!copy)
    return -ENOMEM;
  memcpy(copy, buf, len - 1);
  copy[len - 1] = '\0';
  int ret = 0;
  char *rest = copy, *line;
  while ((line = strsep(&rest, "\n")) != NULL) {
    ret = parse_line(m, g, line, now_ms);
    if (ret)
      break;
  }
  free(copy);
  return ret;
}
