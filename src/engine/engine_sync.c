/* SPDX-License-Identifier: MIT */
/**
 * One resync pass of the engine's worker, as a sequence of steps: refresh
 * the domains, make sure resctrl is there, build the desired groups,
 * plan (under the root's flock when the plan changes anything,
 * engine_plan.c), execute, report what is wrong (rejected metadata and
 * failed groups, as problems that changed), publish the live set. Each step is
 * in its own file (engine_private.h lists them).
 */
#include "engine/engine_sync.h"
#include "base/vr_defaults.h"
#include "engine/engine_abmc.h"
#include "engine/engine_domains.h"
#include "engine/engine_health.h"
#include "engine/engine_live.h"
#include "engine/engine_mon_domains.h"
#include "engine/engine_plan.h"
#include "engine/engine_scope.h"
#include "engine/engine_threads.h"
#include "resctrl/resctrl_groups.h"
#include "resctrl/resctrl_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Keeps the handle only while ResctrlPath is still the mount it was opened
 * on. After `umount -l` (the only unmount the kernel's do_umount allows
 * while our files are open: else EBUSY) the held descriptors read the
 * detached tree forever and keep its superblock alive, so that the next
 * `mount -t resctrl` fails with EBUSY (rdt_get_tree: resctrl is mounted
 * once). A stat and a statfs per resync notice it; dropping the live set
 * closes every file we held there.
 */
/* The domains (not SNC nodes) of one resource: L3 caches, packages. */
static size_t count_domains(const vr_resctrl *r, vr_mon_resource resource) {
  size_t n = 0;
  for (size_t i = 0; i < r->n_caches; i++)
    n += r->caches[i].resource == resource && r->caches[i].node < 0;
  return n;
}

static bool keep_held_resctrl(vr_engine *e) {
  vr_resctrl *r = e->resctrl->r;
  if (vr_resctrl_same_mount(r)) {
    int status = vr_resctrl_attach(r);
    if (status == 0)
      return true;
    if (status != -ESTALE)
      VR_WARNING("cannot open %s again: %s; reopening resctrl",
                 e->cfg->resctrl_path, strerror(-status));
  }
  VR_WARNING("resctrl at %s is no longer the mount the plugin opened "
             "(unmounted or mounted again): closing every file held there",
             e->cfg->resctrl_path);
  vr_engine_forget_resctrl(e);
  return false;
}

/* Opens resctrl when it is not open: it may be mounted late, or again. */
bool vr_engine_ensure_resctrl(vr_engine *e) {
  if (e->resctrl && keep_held_resctrl(e))
    return true;
  char reason[1024] = "";
  vr_resctrl *r = NULL;
  int status = vr_resctrl_open(e->cfg->resctrl_path, e->cfg->sysfs_path, &r,
                               reason, sizeof(reason));
  if (status < 0) {
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "%s; checking again every %u s", reason,
                e->cfg->refresh_interval_s);
    return false;
  }
  /* Closed again at the end of each pass (vr_engine_release_files) and
   * opened by vr_resctrl_attach at the next. */
  vr_resctrl_set_keep_open(r, e->cfg->keep_files_open);
  vr_resctrl_set_sub_numa(r, e->cfg->report_sub_numa);
  status = vr_resctrl_attach(r);
  if (status < 0) {
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "cannot open %s again: %s; checking again every %u s",
                e->cfg->resctrl_path, strerror(-status),
                e->cfg->refresh_interval_s);
    vr_resctrl_close(r);
    return false;
  }
  e->resctrl = vr_resctrl_ref_new(r);
  if (!e->resctrl) {
    vr_resctrl_close(r);
    return false;
  }
  VR_RELEASE(LOG_INFO, &e->resctrl_complaint, "resctrl at %s is usable",
             e->cfg->resctrl_path);
  VR_INFO("resctrl at %s: %zu L3 cache id(s), features 0x%x, %s",
          e->cfg->resctrl_path, count_domains(r, VR_RES_L3), r->features,
          r->alloc_capable ? "with allocation" : "monitoring only");
  /* SNC: the kernel's num_rmids is the hardware's divided by the nodes per
   * L3 (rdt_get_mon_l3_config), and each node has its mon_sub_L3_YY. */
  if (r->n_nodes > 0)
    VR_INFO("resctrl at %s: Sub-NUMA Clustering, %zu SNC node(s) below the "
            "L3 domains (num_rmids %u); %s",
            e->cfg->resctrl_path, r->n_nodes, r->num_rmids,
            e->cfg->report_sub_numa
                ? "reporting each node (ReportSubNUMA true)"
                : "reporting each L3's sum (ReportSubNUMA false)");
  /* PERF_PKG (Linux 7.0): a group's RMID counts in L3 and in the
   * telemetry, so the smaller count is the group limit. */
  if (r->pkg_num_rmids)
    VR_INFO("resctrl at %s: PERF_PKG energy telemetry on %zu package(s), "
            "%s; num_rmids L3 %u, PERF_PKG %u: at most %u groups",
            e->cfg->resctrl_path, count_domains(r, VR_RES_PERF_PKG),
            e->cfg->report_energy ? "reporting power (ReportEnergy true)"
                                  : "not reported (ReportEnergy false)",
            r->l3_num_rmids, r->pkg_num_rmids, r->num_rmids);
  /* A newer kernel may offer resources or events this plugin does not
   * know (PERF_PKG, a new mon_features line): skipped, said once. */
  if (r->unknown[0] && strcmp(r->unknown, e->unknown_said) != 0)
    VR_NOTICE("resctrl at %s offers monitoring this plugin does not know, "
              "skipped: %s",
              e->cfg->resctrl_path, r->unknown);
  sstrncpy(e->unknown_said, r->unknown, sizeof(e->unknown_said));
  return true;
}

static void say_odd_line(void *arg, const char *line) {
  (void)arg;
  VR_WARNING("%s", line);
}

/* Files refused for what they are (a FIFO, a device, a tasks file over
 * its cap: resctrl_io.h), noted by this pass or by read passes since the
 * last: one warning each, for the handle's lifetime. */
static void say_odd_files(vr_engine *e) {
  if (e->resctrl)
    vr_resctrl_odd_take(e->resctrl->r, say_odd_line, NULL);
}

void vr_engine_release_files(vr_engine *e) {
  if (e->resctrl)
    vr_resctrl_detach(e->resctrl->r);
}

static void pass_clear(vr_pass *pass) {
  vr_resctrl_state_free(&pass->state);
  vr_plan_clear(&pass->plan);
  vr_desired_clear(&pass->desired);
  vr_lv_monitors_clear(&pass->libvirt);
  free(pass->failure);
  free(pass->created);
  free(pass->waits);
  free(pass->scope_domains.domains); /* shallow copies: nothing else */
  memset(pass, 0, sizeof(*pass));
}

/* The domains whose mkdir found no RMID, free or in limbo (ENOSPC), for the
 * next plan's fairness (plan/rmid_share.h). A group that did not try
 * (deferred, yielded) says nothing. An event pass saw only its domains: the
 * entries of the others stay. Out of memory: the list is forgotten (no
 * group is taken back until a pass sees ENOSPC again). */
static void note_starved(vr_engine *e, const vr_pass *pass) {
  size_t keep = 0, add = 0;
  for (size_t k = 0; pass->scope && k < e->n_starved; k++)
    if (!vr_pass_in_scope(pass, e->starved[k]))
      memmove(e->starved[keep++], e->starved[k], sizeof(e->starved[k]));
  for (size_t i = 0; i < pass->desired.n && pass->failure && pass->waits; i++)
    add += pass->waits[i].verdict == VR_RMID_SERVED &&
           pass->failure[i].kind == VR_HEALTH_RMID_EXHAUSTED;
  void *grown = keep + add
                    ? realloc(e->starved, (keep + add) * sizeof(*e->starved))
                    : NULL;
  if (!grown) {
    free(e->starved);
    e->starved = NULL;
    e->n_starved = 0;
    return;
  }
  e->starved = grown;
  e->n_starved = keep;
  for (size_t i = 0; i < pass->desired.n && add; i++)
    if (pass->waits[i].verdict == VR_RMID_SERVED &&
        pass->failure[i].kind == VR_HEALTH_RMID_EXHAUSTED)
      sstrncpy(e->starved[e->n_starved++], pass->desired.groups[i].uuid,
               sizeof(e->starved[0]));
}

void vr_engine_sync(vr_engine *e, bool full, bool refetch,
                    char dirty[][VR_UUID_STRING_LEN + 1], size_t n_dirty) {
  vr_pass pass;
  int lock_fd = -1;
  memset(&pass, 0, sizeof(pass));
  e->rmid_retry_wanted = false;

  /* An event pass after a full list can be scoped to its domains. */
  bool scoped = !full && e->have_domains;
  vr_engine_refresh_domains(e, full, refetch, dirty, n_dirty);
  if (!vr_engine_ensure_resctrl(e))
    return;
  /* After ensure: with KeepFilesOpen false the root is open only from
   * there to the end of the pass, and the recheck lists mon_data through it. */
  vr_engine_recheck_domains(e);
  if (!e->resctrl)
    return;
  /* Until libvirt has answered once, we cannot tell our groups of running
   * domains from stale ones: prune nothing. */
  if (!e->have_domains)
    goto out;
  if (scoped)
    scoped = vr_engine_scope_pass(e, &pass, dirty, n_dirty);
  if (vr_desired_build_capped(
          scoped ? &pass.scope_domains : &e->domains, e->cfg->default_group,
          e->cfg->max_groups_per_domain, &pass.desired) < 0) {
    VR_ERROR("out of memory building the desired groups");
    goto out;
  }
  if (vr_engine_plan(e, &pass, &lock_fd) < 0)
    goto out;
  vr_engine_execute(e, &pass);
  vr_engine_watch_update(e, &pass);
  /* A freed RMID leaves limbo within seconds on a current kernel (the
   * limbo worker runs every second, __check_limbo), and an RMID another
   * tool frees is usable at once: retry soon, not a RefreshInterval
   * later. */
  for (size_t i = 0; i < pass.desired.n && pass.failure; i++)
    if (pass.failure[i].kind == VR_HEALTH_RMID_EXHAUSTED ||
        pass.failure[i].kind == VR_HEALTH_RMID_LIMBO)
      e->rmid_retry_wanted = true;
  note_starved(e, &pass);
  vr_resctrl_unlock(lock_fd);
  lock_fd = -1;
  vr_engine_assign_counters(e, &pass);
  vr_engine_report_problems(e, &pass);
  vr_engine_publish_live(e, &pass);

out:
  vr_resctrl_unlock(lock_fd);
  say_odd_files(e);
  vr_engine_release_files(e);
  pass_clear(&pass);
}

void vr_engine_remove_all(vr_engine *e) {
  char reason[1024] = "";
  int lock_fd = -1;
  size_t removed = 0;
  /* A pass whose lock or state read failed dropped the handle; the groups
   * it left still hold RMIDs, which nobody frees once we are gone. So
   * reopen whenever the mount is reachable (quietly: shutdown says nothing
   * about an unmounted resctrl). */
  if (!e->resctrl) {
    vr_resctrl *r = NULL;
    if (vr_resctrl_open(e->cfg->resctrl_path, e->cfg->sysfs_path, &r, reason,
                        sizeof(reason)) < 0)
      return;
    e->resctrl = vr_resctrl_ref_new(r);
    if (!e->resctrl) {
      vr_resctrl_close(r);
      return;
    }
  }
  if (vr_resctrl_attach(e->resctrl->r) < 0)
    return;
  const vr_resctrl *r = e->resctrl->r;
  /* Removing only our own groups cannot confuse libvirt or pqos, so a
   * failing lock does not keep them. */
  int status = vr_resctrl_lock(r, VR_LOCK_WAIT_MS, &lock_fd);
  if (status < 0)
    VR_WARNING("cannot lock %s (%s); removing our groups without the lock",
               e->cfg->resctrl_path, strerror(-status));
  status = vr_resctrl_remove_owned(r, e->cfg->group_prefix, &removed, reason,
                                   sizeof(reason));
  if (status < 0)
    VR_WARNING("cannot remove every resctrl group of ours: %s", reason);
  VR_INFO("removed %zu resctrl group(s) at shutdown", removed);
  vr_resctrl_unlock(lock_fd);
  say_odd_files(e);
  vr_engine_release_files(e);
}
