/* SPDX-License-Identifier: MIT */
/* L3 monitoring domains going offline and coming back
 * (doc/design.md, "resctrl rules", Domains).
 *
 * When the last CPU of an L3 domain goes offline the kernel removes the
 * domain's mon_L3_XX directory from every group's mon_data
 * (domain_remove_cpu_mon() -> resctrl_offline_mon_domain() ->
 * rmdir_mondata_subdir_allrdtgrp(), kernfs_remove_by_name): a file of it
 * opened before reads -ENODEV (kernfs_fop_read_iter on a removed node),
 * a path lookup -ENOENT. When a CPU of it comes back the kernel makes the
 * directories again (domain_add_cpu_mon() -> resctrl_online_mon_domain()
 * -> mkdir_mondata_subdir_allrdtgrp() -> mkdir_mondata_subdir()), which
 * reads each MBM event once with rr.first set (mon_event_read(..., true))
 * and so resets the counters: they count again from zero. Occupancy is a
 * snapshot of the cache and is not reset.
 *
 * Control lines: "domain ID offline" and "domain ID online", ID a cache id
 * of --cache-ids. */
#include "emu_model.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

bool emu_domain_online(const struct emu_model *m, size_t cache) {
  return !m->domains[cache].offline;
}

uint64_t emu_domain_generation(const struct emu_model *m, size_t cache) {
  return m->domains[cache].generation;
}

int emu_domain_check_open(const struct emu_model *m, size_t cache,
                          uint64_t gen) {
  const struct emu_domain_state *d = &m->domains[cache];
  return !d->offline && d->generation == gen ? 0 : -ENODEV;
}

uint64_t emu_domain_mbm_start(const struct emu_model *m,
                              const struct emu_group *g, size_t cache) {
  uint64_t back = m->domains[cache].online_ms;
  return back > g->created_ms ? back : g->created_ms;
}

/* mkdir_mondata_subdir(): the first read of each MBM event resets it, so a
 * value a test set reads zero again; words (Unavailable, ...) stay. */
static void reset_mbm(struct emu_model *m, size_t cache) {
  unsigned n = emu_snc_nodes(m);
  for (struct emu_group *g = m->groups; g; g = g->next)
    for (int f = 0; f < EMU_NUM_FEATURES; f++) {
      if (f == EMU_LLC_OCCUPANCY)
        continue;
      if (g->values[cache][f].kind == EMU_VALUE_NUMBER)
        g->values[cache][f].number = 0;
      /* --snc: the nodes of the domain are the domains the kernel reset */
      for (unsigned k = cache * n; k < (cache + 1) * n; k++)
        if (g->node_values[k][f].kind == EMU_VALUE_NUMBER)
          g->node_values[k][f].number = 0;
    }
}

int emu_domain_control(struct emu_model *m, const char *line, uint64_t now_ms,
                       char *err, size_t errlen) {
  char word[16], id_text[32], state[16], extra[2];
  unsigned long long id;
  if (sscanf(line, " %15s %31s %15s %1s", word, id_text, state, extra) != 3 ||
      strcmp(word, "domain") != 0 ||
      (strcmp(state, "offline") != 0 && strcmp(state, "online") != 0)) {
    snprintf(err, errlen, "expected 'domain ID offline' or 'domain ID online'");
    return -EINVAL;
  }
  int ci = emu_parse_uint(id_text, UINT_MAX, &id) != 0
               ? -1
               : emu_model_cache_index(m, (unsigned)id);
  if (ci < 0) {
    snprintf(err, errlen, "no cache id '%s'", id_text);
    return -EINVAL;
  }
  struct emu_domain_state *d = &m->domains[ci];
  bool offline = strcmp(state, "offline") == 0;
  if (d->offline == offline) {
    snprintf(err, errlen, "domain %s is %s already", id_text, state);
    return -EINVAL;
  }
  d->offline = offline;
  if (offline) {
    d->generation++; /* rmdir_mondata_subdir_allrdtgrp() */
    emu_abmc_domain_offline(m, (size_t)ci);
  } else {
    d->online_ms = now_ms; /* mkdir_mondata_subdir_allrdtgrp() */
    reset_mbm(m, (size_t)ci);
  }
  return 0;
}
