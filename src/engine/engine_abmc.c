/* SPDX-License-Identifier: MIT */
/**
 * The ABMC step of a pass (Linux 6.18, AMD; doc/design.md, "ABMC
 * counters"): in the kernel's "mbm_event" mode an MBM event counts only
 * while one of its L3 domain's few hardware counters is assigned to it, and
 * reads "Unassigned" otherwise. Each pass reads the free counters and our
 * groups' assignments, lets mbm_assign.c decide who holds which, writes the
 * changes (frees first, then assigns) to our own groups' mbm_L3_assignments
 * only, and keeps each domain's coverage (events counted / events wanted)
 * for the read pass, with one WARNING when it drops below 100 % and an
 * OKAY when it is whole again.
 */
#include "engine/engine_abmc.h"
#include "plan/mbm_assign.h"
#include "resctrl/resctrl_abmc.h"

#include <stdlib.h>
#include <string.h>

/* Bit e of an event mask is this feature (mbm_assign.h). */
static const vr_resctrl_feature mbm_events[VR_MBM_EVENTS] = {
    VR_FEAT_MBM_TOTAL_BYTES, VR_FEAT_MBM_LOCAL_BYTES};

/* One of our groups this pass: where it is, its assignments' text. */
typedef struct {
  const char *ctrl, *name, *domain, *group;
  vr_mbm_priority priority;
  char text[512];
  bool readable;
} abmc_group;

/* The MBM events we dispatch, as event bits. */
static unsigned wanted_events(const vr_engine *e, const vr_resctrl *r) {
  unsigned bits = 0;
  for (unsigned k = 0; k < VR_MBM_EVENTS && e->cfg->report_bandwidth; k++)
    if (r->features & (1u << mbm_events[k]))
      bits |= 1u << k;
  return bits;
}

/* One WARNING when a domain's coverage drops below 100 %, one OKAY when it
 * is whole again (worker thread). */
static void say_coverage(vr_abmc_domain *d) {
  bool short_now = d->counted < d->wanted;
  if (short_now == d->warned)
    return;
  d->warned = short_now;
  notification_t n = {
      .severity = short_now ? NOTIF_WARNING : NOTIF_OKAY,
      .time = cdtime(),
      .plugin = VR_SERIES_PLUGIN,
      .plugin_instance = "host",
      .type = "percent",
  };
  sstrncpy(n.host, hostname_g, sizeof(n.host));
  ssnprintf(n.type_instance, sizeof(n.type_instance), "mbm-coverage-%u", d->id);
  if (short_now)
    ssnprintf(n.message, sizeof(n.message),
              "L3 cache %u: only %u of %u MBM events of our groups have an "
              "ABMC counter (num_mbm_cntrs is too small); the others give "
              "no bandwidth value. mbm=\"high\" in a group's metadata "
              "serves it first",
              d->id, d->counted, d->wanted);
  else
    ssnprintf(n.message, sizeof(n.message),
              "L3 cache %u: every MBM event of our groups has an ABMC "
              "counter again",
              d->id);
  vr_notify_logged(&n);
}

/* Writes one domain's decisions: every free first, so that the counters
 * they give back are there for the assigns. Returns the events whose
 * assign failed (another tool took the counter meanwhile). */
static unsigned apply(vr_engine *e, const vr_resctrl *r, abmc_group *groups,
                      const vr_mbm_decision *d, size_t n, unsigned id) {
  unsigned failed = 0;
  char reason[1024];
  for (int pass = 0; pass < 2; pass++) {
    bool assign = pass == 1;
    for (size_t i = 0; i < n; i++) {
      unsigned bits = assign ? d[i].assign : d[i].unassign;
      for (unsigned k = 0; k < VR_MBM_EVENTS; k++) {
        if (!(bits & (1u << k)))
          continue;
        int status =
            vr_resctrl_abmc_group_write(r, groups[i].ctrl, groups[i].name,
                                        vr_resctrl_feature_name(mbm_events[k]),
                                        id, assign, reason, sizeof(reason));
        if (status == 0)
          continue;
        if (assign)
          failed++;
        VR_COMPLAIN(LOG_WARNING, &e->abmc_complaint,
                    "domain %s group %s: cannot %s its ABMC counter on L3 "
                    "cache %u: %s",
                    groups[i].domain, groups[i].group,
                    assign ? "assign" : "free", id, reason);
      }
    }
  }
  return failed;
}

/* Decides and applies one L3 domain; fills its coverage. */
static void one_domain(vr_engine *e, const vr_resctrl *r, abmc_group *groups,
                       size_t n, const char *available, unsigned wanted,
                       vr_abmc_domain *out) {
  const char *names[VR_MBM_EVENTS];
  for (unsigned k = 0; k < VR_MBM_EVENTS; k++)
    names[k] = vr_resctrl_feature_name(mbm_events[k]);
  vr_mbm_group *in = calloc(n + 1, sizeof(*in));
  vr_mbm_decision *d = calloc(n + 1, sizeof(*d));
  vr_mbm_coverage cov = {0};
  unsigned n_free = 0;
  if (!in || !d)
    goto out;
  if (vr_abmc_parse_counts(available, out->id, &n_free) < 0)
    n_free = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned held = 0;
    if (!groups[i].readable ||
        vr_abmc_parse_assignments(groups[i].text, names, out->id, &held) < 0)
      held = 0;
    in[i] = (vr_mbm_group){.priority = groups[i].priority,
                           .key = groups[i].name,
                           .wanted = groups[i].readable ? wanted : 0,
                           .held = held};
  }
  if (vr_mbm_decide(in, n, n_free, d, &cov) < 0)
    goto out;
  cov.counted -= apply(e, r, groups, d, n, out->id);
out:
  out->wanted = cov.wanted;
  out->counted = cov.counted;
  free(in);
  free(d);
}

/* Our groups of this pass that exist: an OK outcome whose create and
 * assigns did not fail; each one's assignments read once. */
static size_t our_groups(const vr_pass *pass, const vr_resctrl *r,
                         abmc_group *out) {
  size_t n = 0;
  for (size_t i = 0; i < pass->desired.n; i++) {
    const vr_group_outcome *o = &pass->plan.outcomes[i];
    if (o->kind != VR_OUTCOME_OK || pass->failure[i].kind != VR_HEALTH_UNKNOWN)
      continue;
    abmc_group *g = &out[n++];
    *g = (abmc_group){.ctrl = o->ctrl,
                      .name = o->name,
                      .domain = pass->desired.groups[i].domain,
                      .group = pass->desired.groups[i].group,
                      .priority = pass->desired.groups[i].mbm};
    g->readable = vr_resctrl_abmc_group_read(r, o->ctrl, o->name, g->text,
                                             sizeof(g->text)) == 0;
  }
  return n;
}

void vr_engine_assign_counters(vr_engine *e, const vr_pass *pass) {
  const vr_resctrl *r = e->resctrl->r;
  vr_abmc_domain fresh[VR_MAX_ABMC_DOMAINS];
  size_t n_fresh = 0;
  char available[1024];
  bool active = false;
  abmc_group *groups = NULL;
  unsigned wanted = wanted_events(e, r);
  if (wanted == 0 ||
      vr_resctrl_abmc_info(r, &active, available, sizeof(available)) < 0 ||
      !active)
    goto publish;
  groups = calloc(pass->desired.n + 1, sizeof(*groups));
  if (!groups)
    goto publish;
  size_t n = our_groups(pass, r, groups);
  for (size_t c = 0; c < r->n_caches && n_fresh < VR_MAX_ABMC_DOMAINS; c++) {
    if (r->caches[c].resource != VR_RES_L3)
      continue;
    vr_abmc_domain *d = &fresh[n_fresh++];
    *d = (vr_abmc_domain){.id = r->caches[c].id};
    one_domain(e, r, groups, n, available, wanted, d);
  }
  VR_RELEASE(LOG_INFO, &e->abmc_complaint,
             "ABMC counters are assigned again as asked");

publish:
  /* Notification state carries over per domain id; a domain gone (or ABMC
   * off) that had warned gets its OKAY. */
  for (size_t i = 0; i < e->n_abmc; i++) {
    bool kept = false;
    for (size_t j = 0; j < n_fresh; j++)
      if (fresh[j].id == e->abmc[i].id) {
        fresh[j].warned = e->abmc[i].warned;
        kept = true;
      }
    /* Said from a copy: the read pass copies e->abmc under abmc_lock,
     * and this runs without it. */
    if (!kept && e->abmc[i].warned) {
      vr_abmc_domain gone = e->abmc[i];
      gone.counted = gone.wanted;
      say_coverage(&gone);
    }
  }
  for (size_t j = 0; j < n_fresh; j++)
    say_coverage(&fresh[j]);
  vr_mutex_lock(&e->abmc_lock);
  memcpy(e->abmc, fresh, n_fresh * sizeof(*fresh));
  e->n_abmc = n_fresh;
  vr_mutex_unlock(&e->abmc_lock);
  free(groups);
}

void vr_engine_dispatch_coverage(vr_engine *e) {
  vr_abmc_domain copy[VR_MAX_ABMC_DOMAINS];
  vr_mutex_lock(&e->abmc_lock);
  size_t n = e->n_abmc;
  memcpy(copy, e->abmc, n * sizeof(*copy));
  vr_mutex_unlock(&e->abmc_lock);
  if (n == 0)
    return;
  value_t value;
  value_list_t vl = VALUE_LIST_INIT;
  vl.values = &value;
  vl.values_len = 1;
  sstrncpy(vl.plugin, VR_SERIES_PLUGIN, sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, "host", sizeof(vl.plugin_instance));
  sstrncpy(vl.type, "percent", sizeof(vl.type));
  for (size_t i = 0; i < n; i++) {
    /* nothing wanted on this domain: no coverage to speak of */
    if (copy[i].wanted == 0)
      continue;
    vr_mbm_coverage c = {.wanted = copy[i].wanted, .counted = copy[i].counted};
    value.gauge = vr_mbm_coverage_percent(&c);
    ssnprintf(vl.type_instance, sizeof(vl.type_instance), "mbm-coverage-%u",
              copy[i].id);
    plugin_dispatch_values(&vl);
  }
}
