/* SPDX-License-Identifier: MIT */
/**
 * The monitoring domains at each pass (doc/design.md, "resctrl rules",
 * Domains): when every CPU of an L3 domain goes offline the kernel
 * removes mon_data/mon_L3_XX from every group (domain_remove_cpu_mon ->
 * rmdir_mondata_subdir_allrdtgrp) and makes it again, counters from zero,
 * when one comes back (domain_add_cpu_mon -> mkdir_mondata_subdir_allrdtgrp).
 * A resctrl handle's readers are laid out by its domains, so a changed
 * set of domains gets a new handle, and every live group is opened again
 * through it (engine_live.c); a domain that goes is said once, one that
 * comes (back) too, and its series go on from the carried totals.
 */
#include "engine/engine_mon_domains.h"
#include "engine/engine_live.h"

#include <string.h>

/* What a domain's id counts: an L3's is its cache id, PERF_PKG's the
 * package. */
static const char *id_words(vr_mon_resource resource) {
  return resource == VR_RES_L3 ? "cache id" : "package id";
}

/* True when mon_<resource>_<id> is among the domains of r. */
static bool has_domain(const vr_resctrl *r, vr_mon_resource resource,
                       unsigned id) {
  return vr_resctrl_cache_index(r, resource, id) >= 0;
}

/* True when r has the entry c names: a domain, or an SNC node of one. */
static bool has_entry(const vr_resctrl *r, const vr_resctrl_cache *c) {
  for (size_t i = 0; i < r->n_caches; i++)
    if (r->caches[i].resource == c->resource && r->caches[i].id == c->id &&
        r->caches[i].node == c->node)
      return true;
  return false;
}

/* SNC: a node that went or came while its L3 domain stayed (the kernel
 * removes only its mon_sub_L3_YY, mon_rmdir_one_subdir). */
static void say_node_changes(vr_engine *e, const vr_resctrl *old,
                             const vr_resctrl *fresh) {
  for (size_t i = 0; i < old->n_caches; i++)
    if (old->caches[i].node >= 0 &&
        has_domain(fresh, old->caches[i].resource, old->caches[i].id) &&
        !has_entry(fresh, &old->caches[i]))
      VR_NOTICE("resctrl at %s: SNC node %s went away (its CPUs are "
                "offline); no values for it until it comes back",
                e->cfg->resctrl_path, old->caches[i].dir);
  for (size_t i = 0; i < fresh->n_caches; i++)
    if (fresh->caches[i].node >= 0 &&
        has_domain(old, fresh->caches[i].resource, fresh->caches[i].id) &&
        !has_entry(old, &fresh->caches[i]))
      VR_NOTICE("resctrl at %s: SNC node %s appeared; reporting it",
                e->cfg->resctrl_path, fresh->caches[i].dir);
}

/* Says which domains went and which came, and remembers the ones that came
 * back for the restart hints of this pass. */
static void say_changes(vr_engine *e, const vr_resctrl *old,
                        const vr_resctrl *fresh) {
  say_node_changes(e, old, fresh);
  for (size_t i = 0; i < old->n_caches; i++)
    if (old->caches[i].node < 0 &&
        !has_domain(fresh, old->caches[i].resource, old->caches[i].id))
      VR_NOTICE("resctrl at %s: monitoring domain %s (%s %s %u) went "
                "away (its CPUs are offline); no values for it until it "
                "comes back",
                e->cfg->resctrl_path, old->caches[i].dir,
                vr_mon_resource_name(old->caches[i].resource),
                id_words(old->caches[i].resource), old->caches[i].id);
  for (size_t i = 0; i < fresh->n_caches; i++) {
    if (fresh->caches[i].node >= 0 ||
        has_domain(old, fresh->caches[i].resource, fresh->caches[i].id))
      continue;
    VR_NOTICE("resctrl at %s: monitoring domain %s (%s %s %u) "
              "appeared; reporting it",
              e->cfg->resctrl_path, fresh->caches[i].dir,
              vr_mon_resource_name(fresh->caches[i].resource),
              id_words(fresh->caches[i].resource), fresh->caches[i].id);
    if (e->n_back < VR_MAX_BACK_DOMAINS) {
      e->back[e->n_back].resource = fresh->caches[i].resource;
      e->back[e->n_back++].id = fresh->caches[i].id;
    }
  }
}

void vr_engine_recheck_domains(vr_engine *e) {
  bool changed = false;
  e->n_back = 0;
  if (!e->resctrl)
    return;
  const vr_resctrl *old = e->resctrl->r;
  if (vr_resctrl_domains_changed(old, &changed) < 0 || !changed)
    return; /* unlisted: the plan's state read tells what went wrong */
  char reason[1024] = "";
  vr_resctrl *fresh = NULL;
  vr_resctrl_ref *ref = NULL;
  int status = vr_resctrl_open(e->cfg->resctrl_path, e->cfg->sysfs_path, &fresh,
                               reason, sizeof(reason));
  if (status == 0) {
    /* The new handle keeps files open as the operator asked (KeepFilesOpen),
     * and is open for the rest of this pass. */
    vr_resctrl_set_keep_open(fresh, e->cfg->keep_files_open);
    vr_resctrl_set_sub_numa(fresh, e->cfg->report_sub_numa);
    status = vr_resctrl_attach(fresh);
    if (status < 0)
      ssnprintf(reason, sizeof(reason), "cannot open %s again: %s",
                e->cfg->resctrl_path, strerror(-status));
  }
  if (status < 0 || !(ref = vr_resctrl_ref_new(fresh))) {
    /* No domain left at all (every CPU of every L3 offline) lands here
     * too: nothing to read until one comes back. */
    vr_resctrl_close(fresh);
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "resctrl at %s changed its monitoring domains and cannot be "
                "used now (%s); checking again every %u s",
                e->cfg->resctrl_path, reason[0] ? reason : "out of memory",
                e->cfg->refresh_interval_s);
    vr_engine_forget_resctrl(e);
    return;
  }
  say_changes(e, old, fresh);
  /* Live sets read through the old handle keep their reference until
   * their last read pass is over. */
  vr_resctrl_ref_put(e->resctrl);
  e->resctrl = ref;
}
