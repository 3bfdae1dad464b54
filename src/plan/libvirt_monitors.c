/* SPDX-License-Identifier: MIT */
/**
 * libvirt's own monitor groups in resctrl's state; see libvirt_monitors.h.
 */
#include "plan/libvirt_monitors.h"
#include "base/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The running domain whose libvirt machine name is machine, or NULL. The
 * id is part of the name, so a group left by an earlier run of the same
 * domain (libvirt removes them at stop, virResctrlAllocRemove) never
 * matches the current one. */
static const vr_domain *machine_domain(const vr_domain_list *domains,
                                       const char *machine) {
  char want[VR_LV_MACHINE_NAME_MAX + 1];
  for (size_t i = 0; i < domains->count; i++) {
    const vr_domain *d = &domains->domains[i];
    if (vr_lv_machine_name(d->id, d->name, want, sizeof(want)) > 0 &&
        strcmp(want, machine) == 0)
      return d;
  }
  return NULL;
}

static bool already_found(const vr_lv_monitor_set *out, const char *ctrl,
                          const char *name) {
  for (size_t i = 0; i < out->n; i++)
    if (strcmp(out->items[i].ctrl, ctrl) == 0 &&
        strcmp(out->items[i].name, name) == 0)
      return true;
  return false;
}

/* Adds the group at relpath when it is libvirt's and of a running domain. */
static int consider(const vr_domain_list *domains, const char *relpath,
                    const char *ctrl, const char *name, vr_lv_monitor_set *out,
                    size_t *cap) {
  vr_lv_group g;
  if (already_found(out, ctrl, name) || !vr_lv_group_path_parse(relpath, &g))
    return 0;
  const vr_domain *d = machine_domain(domains, g.machine);
  if (!d)
    return 0;
  if (out->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 8;
    vr_lv_monitor *grown = realloc(out->items, ncap * sizeof(*grown));
    if (!grown)
      return -ENOMEM;
    out->items = grown;
    *cap = ncap;
  }
  size_t len = (size_t)vr_cpuset_count(&g.vcpus) * 6 + 1;
  char *members = malloc(len);
  if (!members)
    return -ENOMEM;
  vr_cpuset_format_list(&g.vcpus, members, len);
  vr_lv_monitor *m = &out->items[out->n++];
  memset(m, 0, sizeof(*m));
  m->domain = d->name;
  m->uuid = d->uuid;
  m->group = g;
  vr_copy_field(m->ctrl, sizeof(m->ctrl), ctrl);
  vr_copy_field(m->name, sizeof(m->name), name);
  m->members = members;
  m->served = VR_NO_DESIRED;
  return 0;
}

int vr_lv_monitors_find(const vr_domain_list *domains,
                        const vr_resctrl_state *state, vr_lv_monitor_set *out) {
  size_t cap = 0;
  int rc = 0;
  char rel[VR_RESCTRL_NAME_MAX * 2 + 16];
  memset(out, 0, sizeof(*out));
  /* CTRL_MON groups: every one the state read listed, and those where
   * tasks are (a running domain's allocation holds its vCPU threads,
   * qemuProcessSetupVcpu -> virResctrlAllocAddPID). */
  for (size_t i = 0; rc == 0 && i < state->n_ctrl_groups; i++)
    rc = consider(domains, state->ctrl_groups[i], state->ctrl_groups[i], "",
                  out, &cap);
  for (size_t i = 0; rc == 0 && i < state->n_tasks; i++)
    if (state->tasks[i].ctrl[0])
      rc = consider(domains, state->tasks[i].ctrl, state->tasks[i].ctrl, "",
                    out, &cap);
  for (size_t i = 0; rc == 0 && i < state->n_mon_groups; i++) {
    const vr_mon_group_state *g = &state->mon_groups[i];
    if (g->ctrl[0])
      rc = consider(domains, g->ctrl, g->ctrl, "", out, &cap);
    if (rc == 0) {
      snprintf(rel, sizeof(rel), "%s%smon_groups/%s", g->ctrl,
               g->ctrl[0] ? "/" : "", g->name);
      rc = consider(domains, rel, g->ctrl, g->name, out, &cap);
    }
  }
  if (rc < 0)
    vr_lv_monitors_clear(out);
  return rc;
}

/* The vCPUs of a group made of vCPU threads only, or false. */
static bool vcpu_group(const vr_desired_group *want, vr_cpuset *vcpus) {
  char reason[64];
  for (size_t t = 0; t < want->n_threads; t++)
    if (want->threads[t].kind != VR_THREAD_VCPU)
      return false;
  return want->members && want->members[0] &&
         vr_cpuset_parse(want->members, VR_MAX_VCPUS, vcpus, reason,
                         sizeof(reason)) == 0;
}

static vr_lv_monitor *same_vcpus(vr_lv_monitor_set *mons, const char *uuid,
                                 const vr_cpuset *vcpus) {
  for (size_t i = 0; i < mons->n; i++)
    if (strcmp(mons->items[i].uuid, uuid) == 0 &&
        vr_cpuset_equal(&mons->items[i].group.vcpus, vcpus))
      return &mons->items[i];
  return NULL;
}

/* The groups whose creates and assigns go (true: keep none). */
typedef struct {
  bool *drop;
} plan_edit;

/* Decides for desired group i; fills edit. */
static void decide_group(vr_lv_monitor_set *mons, const vr_desired_group *want,
                         size_t i, vr_group_outcome *outcome, plan_edit *edit) {
  vr_cpuset vcpus;
  vr_lv_monitor *m =
      vcpu_group(want, &vcpus) ? same_vcpus(mons, want->uuid, &vcpus) : NULL;
  if (m && m->served == VR_NO_DESIRED) {
    m->served = i;
    edit->drop[i] = true;
    outcome->kind = VR_OUTCOME_OK;
    vr_copy_field(outcome->ctrl, sizeof(outcome->ctrl), m->ctrl);
    vr_copy_field(outcome->name, sizeof(outcome->name), m->name);
    outcome->reason[0] = '\0';
    return;
  }
  /* A group of ours whose threads are in libvirt's allocation stays below
   * it (reconcile placed it there): a MON group's tasks take its parent's
   * CLOSID, so a MON group anywhere else would take them out of the
   * allocation. The allocation's values then include ours, as libvirt's
   * domstats reports them; the host context's "vms" counts them once
   * (engine_live.c, in_reported_ctrl). */
}

int vr_lv_monitors_apply(vr_lv_monitor_set *mons,
                         const vr_desired_group *desired, size_t n_desired,
                         const vr_resctrl_state *state, vr_plan *plan) {
  int rc = -ENOMEM;
  plan_edit edit = {0};
  (void)state; /* the state read found the monitors (vr_lv_monitors_find) */
  vr_action *actions = NULL;
  if (mons->n == 0)
    return 0;
  edit.drop = calloc(n_desired + 1, sizeof(*edit.drop));
  actions = calloc(plan->n_actions + n_desired + 1, sizeof(*plan->actions));
  if (!edit.drop || !actions)
    goto cleanup;
  for (size_t i = 0; i < n_desired && i < plan->n_outcomes; i++)
    decide_group(mons, &desired[i], i, &plan->outcomes[i], &edit);
  /* Everything but the creates and assigns of the groups that read
   * libvirt's, in reconcile's order. */
  size_t n = 0;
  for (size_t i = 0; i < plan->n_actions; i++) {
    const vr_action *a = &plan->actions[i];
    bool dropped = a->desired != VR_NO_DESIRED && a->desired < n_desired &&
                   edit.drop[a->desired];
    if (dropped && (a->kind == VR_ACTION_CREATE || a->kind == VR_ACTION_ASSIGN))
      continue;
    actions[n++] = *a;
  }
  free(plan->actions);
  plan->actions = actions;
  plan->n_actions = n;
  actions = NULL;
  rc = 0;
cleanup:
  free(actions);
  free(edit.drop);
  return rc;
}

void vr_lv_monitors_clear(vr_lv_monitor_set *mons) {
  for (size_t i = 0; i < mons->n; i++)
    free(mons->items[i].members);
  free(mons->items);
  memset(mons, 0, sizeof(*mons));
}
