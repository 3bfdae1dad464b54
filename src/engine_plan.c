/**
 * The resctrl steps of a pass: read resctrl's state under the root's flock,
 * let reconcile decide, and carry the plan out.
 */
#include "engine_private.h"

#include "vcpu_threads.h"

#include <errno.h>
#include <stdlib.h>

int vr_engine_plan(vr_engine *e, vr_pass *pass, int *lock_fd) {
  char reason[1024] = "";
  size_t n = pass->desired.n;
  vr_resctrl *r = e->resctrl->r;
  pass->failure = calloc(n + 1, sizeof(*pass->failure));
  pass->created = calloc(n + 1, sizeof(*pass->created));
  if (!pass->failure || !pass->created) {
    VR_ERROR("out of memory building the desired groups");
    return -ENOMEM;
  }
  if (vr_resctrl_lock(r, true, lock_fd) < 0 ||
      vr_resctrl_state_read(r, &pass->state, reason, sizeof(reason)) < 0) {
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "resctrl at %s went away (%s); checking again every %u s",
                e->cfg->resctrl_path, reason, e->cfg->refresh_interval_s);
    vr_resctrl_unlock(*lock_fd);
    *lock_fd = -1;
    vr_engine_forget_resctrl(e);
    return -ENODEV;
  }
  if (vr_reconcile(pass->desired.groups, n, &pass->state, e->cfg->group_prefix,
                   &pass->plan) < 0) {
    VR_ERROR("out of memory reconciling");
    return -ENOMEM;
  }
  return 0;
}

/* Checks an ASSIGN's thread right before it is written: still the
 * domain's QEMU thread of that kind (vcpu_threads.h). */
static int verify_thread(const vr_engine *e, const char *domain,
                         const vr_action *a, char *reason, size_t len) {
  if (a->thread == VR_THREAD_VCPU)
    return vr_vcpu_thread_verify(e->cfg->libvirt_run_path, e->cfg->proc_path,
                                 domain, a->tid, a->vcpu, reason, len);
  return vr_qemu_thread_verify(e->cfg->libvirt_run_path, e->cfg->proc_path,
                               domain, a->tid, a->thread, a->vcpu, reason, len);
}

/* "vCPU 3", "iothread 1" or "the emulator", for log lines. */
static const char *describe_thread(const vr_action *a, char *buf, size_t len) {
  if (a->thread == VR_THREAD_EMULATOR)
    snprintf(buf, len, "the emulator");
  else
    snprintf(buf, len, "%s %u",
             a->thread == VR_THREAD_IOTHREAD ? "iothread" : "vCPU", a->vcpu);
  return buf;
}

void vr_engine_execute(vr_engine *e, vr_pass *pass) {
  const char *prefix = e->cfg->group_prefix;
  const vr_resctrl *r = e->resctrl->r;
  const vr_plan *plan = &pass->plan;
  char reason[512], what[32];
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
    } else if (a->kind == VR_ACTION_CREATE) {
      status = vr_resctrl_group_create(r, prefix, a->ctrl, a->name, reason,
                                       sizeof(reason));
      if (status < 0 && status != -EEXIST)
        vr_health_from_create_error(status, reason, failure);
    } else if (a->kind == VR_ACTION_RELEASE) {
      status = vr_resctrl_group_release_task(r, prefix, a->ctrl, a->name,
                                             a->tid, reason, sizeof(reason));
      if (status < 0)
        VR_WARNING("cannot move thread %d out of resctrl group %s: %s",
                   (int)a->tid, a->name, reason);
    } else if (a->desired != VR_NO_DESIRED &&
               verify_thread(e, pass->desired.groups[a->desired].domain, a,
                             reason, sizeof(reason)) < 0) {
      /* A stale snapshot (libvirt away): never move a task that is not
       * this vCPU's thread any more; the next look-up finds the new one.
       * QEMU's workers come and go all the time: one gone is routine. */
      plugin_log(a->thread == VR_THREAD_EMULATOR ? LOG_DEBUG : LOG_INFO,
                 VR_LOG_PREFIX "domain %s group %s: not moving thread %d of "
                               "%s: %s",
                 pass->desired.groups[a->desired].domain,
                 pass->desired.groups[a->desired].group, (int)a->tid,
                 describe_thread(a, what, sizeof(what)), reason);
    } else {
      vr_resctrl_tasks_result result;
      status = vr_resctrl_group_add_tasks(r, prefix, a->ctrl, a->name, &a->tid,
                                          1, &result, reason, sizeof(reason));
      if (status < 0 && failure)
        vr_health_set(failure, VR_HEALTH_CONFLICT,
                      "cannot move the thread of %s (tid %d) into its "
                      "group: %s",
                      describe_thread(a, what, sizeof(what)), (int)a->tid,
                      reason);
    }
  }
}
