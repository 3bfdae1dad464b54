/* SPDX-License-Identifier: MIT */
/**
 * The resctrl steps of a pass: read resctrl's state, let reconcile decide,
 * and carry the plan out, under the root's flock when it changes anything.
 */
#include "engine/engine_plan.h"
#include "base/vr_defaults.h"
#include "engine/engine_live.h"
#include "engine/engine_scope.h"
#include "engine/engine_threads.h"
#include "resctrl/resctrl_groups.h"
#include "resctrl/resctrl_state.h"

#include "virt/vcpu_threads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads resctrl's state and lets reconcile decide; a state that cannot be
 * read means resctrl went away: the handle is forgotten. */
static int decide(vr_engine *e, vr_pass *pass, int *lock_fd) {
  char reason[1024] = "";
  vr_plan_clear(&pass->plan);
  vr_resctrl_state_free(&pass->state);
  if (vr_engine_read_state(e, pass, reason, sizeof(reason)) < 0) {
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "resctrl at %s went away (%s); checking again every %u s",
                e->cfg->resctrl_path, reason, e->cfg->refresh_interval_s);
    vr_resctrl_unlock(*lock_fd);
    *lock_fd = -1;
    vr_engine_forget_resctrl(e);
    return -ENODEV;
  }
  vr_engine_scope_state(e, pass);
  /* Threads that left our groups or exited are forgotten first; an event
   * pass sees only its own domains' groups and keeps the others' entries. */
  if (vr_written_prune(&e->written, &pass->state, pass->scope == NULL) < 0)
    VR_WARNING("out of memory: forgetting which threads were placed; those "
               "no group claims any more stay in their groups");
  if (vr_reconcile_written(pass->desired.groups, pass->desired.n, &pass->state,
                           e->cfg->group_prefix, &e->written,
                           &pass->plan) < 0) {
    VR_ERROR("out of memory reconciling");
    return -ENOMEM;
  }
  /* libvirt's own monitors: read, never written (libvirt_monitors.h). */
  vr_lv_monitors_clear(&pass->libvirt);
  if (vr_lv_monitors_find(&e->domains, &pass->state, &pass->libvirt) < 0 ||
      vr_lv_monitors_apply(&pass->libvirt, pass->desired.groups,
                           pass->desired.n, &pass->state, &pass->plan) < 0) {
    VR_ERROR("out of memory matching libvirt's monitor groups");
    return -ENOMEM;
  }
  /* After libvirt's monitors: a group one of them serves holds an RMID. */
  if (vr_rmid_share(pass->desired.groups, pass->desired.n, e->cfg->group_prefix,
                    e->starved, e->n_starved, &pass->plan, pass->waits) < 0) {
    VR_ERROR("out of memory sharing RMIDs between domains");
    return -ENOMEM;
  }
  return 0;
}

/* A group yielded for another domain's first group is not live this pass,
 * and its health says why (one WARNING while it lasts): the kind of a
 * failed mkdir for want of an RMID, as it waits for one. */
static void mark_waits(vr_pass *pass) {
  for (size_t i = 0; i < pass->desired.n; i++)
    if (pass->waits[i].verdict != VR_RMID_SERVED)
      vr_health_set(&pass->failure[i], VR_HEALTH_RMID_EXHAUSTED, "%s",
                    pass->waits[i].reason);
}

/*
 * The flock on the root is taken only when there is something to change.
 * libvirt (virResctrlLockWrite) and pqos take the same lock for their own
 * changes, and pqos gives up on it after 100 ms; while we hold it, every
 * tasks file we read makes the kernel walk all threads of the host
 * (show_rdt_tasks). So a first look without the lock decides whether this
 * pass changes anything; most passes (a RefreshInterval with nothing new)
 * stop there. When it does, the look is repeated under the lock, since
 * libvirt or pqos may have moved tasks meanwhile, and the plan carried out
 * is the one made under the lock.
 */
int vr_engine_plan(vr_engine *e, vr_pass *pass, int *lock_fd) {
  size_t n = pass->desired.n;
  pass->failure = calloc(n + 1, sizeof(*pass->failure));
  pass->created = calloc(n + 1, sizeof(*pass->created));
  pass->waits = calloc(n + 1, sizeof(*pass->waits));
  if (!pass->failure || !pass->created || !pass->waits) {
    VR_ERROR("out of memory building the desired groups");
    return -ENOMEM;
  }
  int rc = decide(e, pass, lock_fd);
  if (rc < 0)
    return rc;
  if (pass->plan.n_actions == 0) {
    mark_waits(pass);
    return 0;
  }
  rc = vr_resctrl_lock(e->resctrl->r, VR_LOCK_WAIT_MS, lock_fd);
  if (rc == -EWOULDBLOCK) {
    /* Another process keeps the lock: nothing of ours changes meanwhile,
     * and the pass ends here, the worker free for events and shutdown;
     * tried again soon, as a group waiting for an RMID is. */
    VR_COMPLAIN(LOG_WARNING, &e->lock_complaint,
                "resctrl's lock on %s is held by another process (no turn "
                "within %u ms): changes wait for a later pass",
                e->cfg->resctrl_path, (unsigned)VR_LOCK_WAIT_MS);
    e->rmid_retry_wanted = true;
    *lock_fd = -1;
    return rc;
  }
  if (rc < 0) {
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "resctrl at %s went away (cannot lock it: %s); checking "
                "again every %u s",
                e->cfg->resctrl_path, strerror(-rc),
                e->cfg->refresh_interval_s);
    *lock_fd = -1;
    vr_engine_forget_resctrl(e);
    return -ENODEV;
  }
  VR_RELEASE(LOG_INFO, &e->lock_complaint,
             "resctrl's lock on %s taken: changes go ahead",
             e->cfg->resctrl_path);
  rc = decide(e, pass, lock_fd);
  if (rc == 0)
    mark_waits(pass);
  return rc;
}

/* Checks an ASSIGN's thread right before it is written: still the
 * domain's QEMU thread of that kind (vcpu_threads.h). */
static int verify_thread(const vr_engine *e, const char *domain,
                         const char *uuid, const vr_action *a, char *reason,
                         size_t len) {
  if (a->thread == VR_THREAD_VCPU)
    return vr_vcpu_thread_verify(e->cfg->libvirt_run_path, e->cfg->proc_path,
                                 domain, uuid, a->tid, a->vcpu, reason, len);
  return vr_qemu_thread_verify(e->cfg->libvirt_run_path, e->cfg->proc_path,
                               domain, uuid, a->tid, a->thread, a->vcpu, reason,
                               len);
}

/* "vCPU 3", "iothread 1" or "the emulator", for log lines. */
static const char *describe_thread(const vr_action *a, char *buf, size_t len) {
  return vr_thread_describe(a->thread, a->vcpu, buf, len);
}

static bool has_tid(const pid_t *tids, size_t n, pid_t tid) {
  for (size_t i = 0; i < n; i++)
    if (tids[i] == tid)
      return true;
  return false;
}

/* One "not moving thread" line per thread while the refusal lasts: the
 * stale snapshot that causes it (libvirt away) is seen again at every
 * resync. now collects this pass's refusals (room for every action); a
 * thread refused in the last pass is not said again. */
static void say_not_moving(const vr_engine *e, const vr_pass *pass,
                           const vr_action *a, const char *reason, pid_t *now,
                           size_t *n_now) {
  char what[32];
  if (now)
    now[(*n_now)++] = a->tid;
  if (has_tid(e->not_moving, e->n_not_moving, a->tid))
    return;
  /* QEMU's workers come and go all the time: one gone is routine. */
  plugin_log(a->thread == VR_THREAD_EMULATOR ? LOG_DEBUG : LOG_INFO,
             VR_LOG_PREFIX "domain %s group %s: not moving thread %d of %s: %s",
             pass->desired.groups[a->desired].domain,
             pass->desired.groups[a->desired].group, (int)a->tid,
             describe_thread(a, what, sizeof(what)), reason);
}

void vr_engine_execute(vr_engine *e, vr_pass *pass) {
  const char *prefix = e->cfg->group_prefix;
  const vr_resctrl *r = e->resctrl->r;
  const vr_plan *plan = &pass->plan;
  char reason[512], what[32];
  /* The domain whose first group found no RMID in this pass, if any. */
  const char *waiting = NULL;
  pid_t *now = calloc(plan->n_actions + 1, sizeof(*now));
  size_t n_now = 0;
  for (size_t i = 0; i < plan->n_actions; i++) {
    const vr_action *a = &plan->actions[i];
    vr_health *failure =
        a->desired != VR_NO_DESIRED ? &pass->failure[a->desired] : NULL;
    if (failure && a->kind == VR_ACTION_CREATE)
      pass->created[a->desired] = true;
    if (failure && failure->kind != VR_HEALTH_UNKNOWN)
      continue; /* its create failed: skip its assigns */
    int status = 0;
    reason[0] = '\0';
    if (a->kind == VR_ACTION_REMOVE) {
      status = vr_resctrl_group_remove(r, prefix, a->ctrl, a->name, reason,
                                       sizeof(reason));
      if (status < 0)
        VR_WARNING("cannot remove resctrl group %s: %s", a->name, reason);
      else
        vr_written_drop_group(&e->written, a->name);
    } else if (a->kind == VR_ACTION_CREATE && a->behind_firsts && waiting) {
      /* A second group: another domain's first found no RMID. */
      vr_rmid_defer(&pass->waits[a->desired], waiting);
      vr_health_set(failure, VR_HEALTH_RMID_EXHAUSTED, "%s",
                    pass->waits[a->desired].reason);
    } else if (a->kind == VR_ACTION_CREATE) {
      status = vr_resctrl_group_create(r, prefix, a->ctrl, a->name, reason,
                                       sizeof(reason));
      vr_health_kind kind = VR_HEALTH_UNKNOWN;
      if (status < 0 && status != -EEXIST)
        kind = vr_health_from_create_error(status, reason, failure);
      if (!a->behind_firsts && !waiting &&
          (kind == VR_HEALTH_RMID_EXHAUSTED || kind == VR_HEALTH_RMID_LIMBO))
        waiting = pass->desired.groups[a->desired].domain;
    } else if (a->kind == VR_ACTION_RELEASE) {
      status = vr_resctrl_group_release_task(r, prefix, a->ctrl, a->name,
                                             a->tid, reason, sizeof(reason));
      if (status < 0)
        VR_WARNING("cannot move thread %d out of resctrl group %s: %s",
                   (int)a->tid, a->name, reason);
    } else if (a->desired != VR_NO_DESIRED &&
               verify_thread(e, pass->desired.groups[a->desired].domain,
                             pass->desired.groups[a->desired].uuid, a, reason,
                             sizeof(reason)) < 0) {
      /* A stale snapshot (libvirt away): never move a task that is not
       * this thread any more; the next look-up finds the new one. */
      say_not_moving(e, pass, a, reason, now, &n_now);
    } else {
      vr_resctrl_tasks_result result;
      status = vr_resctrl_group_add_tasks(r, prefix, a->ctrl, a->name, &a->tid,
                                          1, &result, reason, sizeof(reason));
      /* Out of memory: the thread is not recorded, and stays in the group
       * once no group claims it, as an inherited one would. */
      if (status == 0)
        (void)vr_written_add(&e->written, a->name, a->tid);
      if (status < 0 && failure)
        vr_health_set(failure, VR_HEALTH_CONFLICT,
                      "cannot move the thread of %s (tid %d) into its "
                      "group: %s",
                      describe_thread(a, what, sizeof(what)), (int)a->tid,
                      reason);
    }
  }
  vr_written_sort(&e->written);
  /* Out of memory: forget, and say them again next time. */
  free(e->not_moving);
  e->not_moving = now;
  e->n_not_moving = now ? n_now : 0;
}
