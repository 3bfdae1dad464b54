/* SPDX-License-Identifier: MIT */
/**
 * The per-thread view in the engine (doc/design.md, "resctrl rules"): which way
 * a pass reads resctrl's state, and the look at our own threads between passes.
 * What the view says is decided in thread_view.c; the files are read in
 * resctrl_state.c.
 */
#include "engine/engine_threads.h"
#include "resctrl/resctrl_state.h"

#include "plan/thread_watch.h"
#include "resctrl/thread_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Every thread the desired groups claim: the ones whose place reconcile
 * asks (vr_resctrl_state_find). */
static pid_t *claimed_tids(const vr_desired_set *d, size_t *n) {
  size_t total = 0;
  for (size_t i = 0; i < d->n; i++)
    total += d->groups[i].n_threads;
  pid_t *tids = calloc(total ? total : 1, sizeof(*tids));
  *n = 0;
  if (!tids)
    return NULL;
  for (size_t i = 0; i < d->n; i++)
    for (size_t t = 0; t < d->groups[i].n_threads; t++)
      tids[(*n)++] = d->groups[i].threads[t].tid;
  return tids;
}

/* Says once which way the state is read, when that changes: an operator
 * (or a test) sees whether the kernel's per-thread view is in use. */
static void say_view(vr_engine *e, const vr_resctrl_state *s, bool threads) {
  int view = threads ? 2 : 1;
  VR_DEBUG("resync: %zu tasks file(s), %zu cpu_resctrl_groups file(s) read",
           s->n_tasks_reads, s->n_proc_reads);
  if (e->state_view == view)
    return;
  e->state_view = view;
  if (threads)
    VR_INFO("resctrl at %s is the kernel's: placing our threads through "
            "/proc/<tid>/cpu_resctrl_groups (%zu read(s)) and reading only "
            "our groups' tasks (%zu file(s)); our threads are looked at "
            "every %d s",
            e->cfg->resctrl_path, s->n_proc_reads, s->n_tasks_reads,
            VR_THREAD_CHECK_S);
  else
    VR_INFO("resctrl at %s: reading every tasks file (%zu) to place our "
            "threads; a thread another tool moves is seen at the next "
            "RefreshInterval",
            e->cfg->resctrl_path, s->n_tasks_reads);
}

int vr_engine_read_state(vr_engine *e, vr_pass *pass, char *reason,
                         size_t reason_len) {
  vr_resctrl *r = e->resctrl->r;
  int rc = -EOPNOTSUPP;
  e->thread_view_used = false;
  /* /proc/<tid>/cpu_resctrl_groups describes the kernel's resctrl only:
   * it would place every thread in the root group of an emulator, or of a
   * resctrl mounted elsewhere. */
  if (vr_thread_view_applies(r->fs_magic) && !e->thread_view_missing) {
    size_t n = 0;
    pid_t *tids = claimed_tids(&pass->desired, &n);
    if (!tids)
      return -ENOMEM;
    rc = vr_resctrl_state_read_threads(r, e->cfg->proc_path,
                                       e->cfg->group_prefix, tids, n,
                                       &pass->state, reason, reason_len);
    free(tids);
    if (rc == -EOPNOTSUPP) {
      /* A kernel without CONFIG_PROC_CPU_RESCTRL: the full scan, for
       * good (the handle's kernel does not change). */
      VR_INFO("resctrl at %s: the kernel has no "
              "/proc/<tid>/cpu_resctrl_groups (CONFIG_PROC_CPU_RESCTRL)",
              e->cfg->resctrl_path);
      e->thread_view_missing = true;
    }
    e->thread_view_used = rc == 0;
  }
  if (rc == -EOPNOTSUPP)
    rc = vr_resctrl_state_read(r, &pass->state, reason, reason_len);
  if (rc == 0)
    say_view(e, &pass->state, e->thread_view_used);
  return rc;
}

void vr_engine_watch_update(vr_engine *e, const vr_pass *pass) {
  size_t n = pass->desired.n;
  bool *failed = NULL;
  vr_thread_watch fresh = {0};
  /* Only the per-thread view is cheap enough to look every few seconds;
   * the full scan waits for the RefreshInterval. */
  if (!e->thread_view_used) {
    vr_thread_watch_clear(&e->watch);
    return;
  }
  /* No group of this pass's domains: an event pass leaves the others'. */
  if (n == 0 || !pass->failure) {
    if (!pass->scope)
      vr_thread_watch_clear(&e->watch);
    return;
  }
  failed = calloc(n, sizeof(*failed));
  if (!failed) {
    vr_thread_watch_clear(&e->watch);
    return;
  }
  for (size_t i = 0; i < n; i++)
    failed[i] = pass->failure[i].kind != VR_HEALTH_UNKNOWN;
  if (vr_thread_watch_build(pass->desired.groups, n, &pass->plan, &pass->state,
                            failed, e->not_moving, e->n_not_moving,
                            &fresh) < 0) {
    vr_thread_watch_clear(&e->watch);
    goto out;
  }
  /* An event pass (engine_sync.c) knows only its own domains' threads: the
   * others stay watched as the last pass left them. A thread of its
   * domains that no group claims any more may stay too: it is seen as
   * moved at worst, which costs one full pass that rebuilds the watch. */
  if (pass->scope) {
    if (vr_thread_watch_merge(&e->watch, &fresh) < 0)
      vr_thread_watch_clear(&e->watch);
  } else {
    vr_thread_watch_clear(&e->watch);
    e->watch = fresh;
    fresh = (vr_thread_watch){0};
  }
out:
  vr_thread_watch_clear(&fresh);
  free(failed);
}

/*
 * libvirt (a <monitor> of its own) or pqos may take one of our threads
 * into its own MON or CTRL_MON group with no event we hear of.
 * One read of /proc/<tid>/cpu_resctrl_groups per watched thread (no tasks
 * file, no flock) tells; a thread not where the last pass left it asks for
 * a pass, which reports the conflict as any resync does; a thread of a
 * group in conflict that leaves the foreign group likewise ends the
 * conflict within seconds. A thread that is gone is no thread moved: its
 * domain's next snapshot drops it.
 */
bool vr_engine_threads_moved(vr_engine *e) {
  if (!e->resctrl || !e->thread_view_used)
    return false;
  for (size_t i = 0; i < e->watch.n; i++) {
    const vr_task_place *want = &e->watch.places[i];
    vr_task_place seen;
    int rc = vr_resctrl_thread_place(e->cfg->proc_path, want->tid, &seen);
    if (rc == -ENOENT)
      continue;
    if (rc < 0 || vr_thread_watch_moved(want, &seen)) {
      VR_DEBUG("thread %d is in '%s/%s', not in '%s/%s': resync",
               (int)want->tid, rc < 0 ? "?" : seen.ctrl,
               rc < 0 ? "?" : seen.mon, want->ctrl, want->mon);
      return true;
    }
  }
  return false;
}
