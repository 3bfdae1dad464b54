/* SPDX-License-Identifier: MIT */
/**
 * Reconcile desired groups with resctrl's state; see reconcile.h.
 */
#include "plan/reconcile.h"
#include "base/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A thread some desired group wants; sorted by tid, then by group index, so
 * the first claim of a tid is the one that wins. */
typedef struct {
  pid_t tid;
  size_t desired;
} claim;

/* A name (and a parent CTRL_MON group, for MON groups) and the index of
 * what bears it. */
typedef struct {
  const char *name;
  const char *ctrl;
  size_t index;
} name_ref;

static int compare_name_ref(const void *a, const void *b) {
  const name_ref *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c == 0)
    c = strcmp(x->ctrl, y->ctrl);
  if (c == 0)
    c = (x->index > y->index) - (x->index < y->index);
  return c;
}

/* The first entry of the sorted refs[0..n) with this name and ctrl (the
 * lowest index), or NULL. */
static const name_ref *find_name_ref(const name_ref *refs, size_t n,
                                     const char *name, const char *ctrl) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(refs[mid].name, name);
    if (c == 0)
      c = strcmp(refs[mid].ctrl, ctrl);
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < n && strcmp(refs[lo].name, name) == 0 &&
      strcmp(refs[lo].ctrl, ctrl) == 0)
    return &refs[lo];
  return NULL;
}

typedef struct {
  const vr_desired_group *desired;
  size_t n_desired;
  const vr_resctrl_state *state;
  const char *prefix;
  const vr_written_set *written; /* NULL: none recorded */
  vr_group_outcome *outcomes;
  claim *claims;
  size_t n_claims;
  /* kept[i]: index of the existing MON group desired[i] keeps as it is, or
   * VR_NO_DESIRED when the plan (re)creates it. */
  size_t *kept;
  /* Indexes, so that a pass at hundreds of domains stays O(n log n), not
   * O(desired groups x MON groups): the named desired groups by (name,
   * index), every MON group by (name, ctrl, index), and which MON groups
   * a desired group keeps. */
  name_ref *by_name;
  size_t n_by_name;
  name_ref *mon_by_name;
  bool *group_kept;
} ctx;

static const vr_task_place root_place = {.tid = 0, .ctrl = "", .mon = ""};

static int compare_place(const void *key, const void *elem) {
  pid_t tid = *(const pid_t *)key;
  pid_t other = ((const vr_task_place *)elem)->tid;
  return (tid > other) - (tid < other);
}

const vr_task_place *vr_resctrl_state_find(const vr_resctrl_state *state,
                                           pid_t tid) {
  const vr_task_place *place = NULL;
  if (state->n_tasks > 0)
    place = bsearch(&tid, state->tasks, state->n_tasks, sizeof(*place),
                    compare_place);
  return place ? place : &root_place;
}

static int compare_claim(const void *a, const void *b) {
  const claim *x = a, *y = b;
  if (x->tid != y->tid)
    return (x->tid > y->tid) - (x->tid < y->tid);
  return (x->desired > y->desired) - (x->desired < y->desired);
}

/* The desired group that wins tid (lowest index), or VR_NO_DESIRED. */
static size_t claim_owner(const ctx *c, pid_t tid) {
  claim key = {.tid = tid, .desired = 0};
  size_t lo = 0, hi = c->n_claims;
  while (lo < hi) { /* lower bound of (tid, 0) */
    size_t mid = lo + (hi - lo) / 2;
    if (compare_claim(&c->claims[mid], &key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < c->n_claims && c->claims[lo].tid == tid)
    return c->claims[lo].desired;
  return VR_NO_DESIRED;
}

static bool is_ours(const ctx *c, const char *name) {
  return vr_owned_name_parse(c->prefix, name, NULL, NULL);
}

/* "the root group" or "CTRL_MON group 'x'", for reasons. */
static void describe_ctrl(const char *ctrl, char *buf, size_t len) {
  if (ctrl[0] == '\0')
    snprintf(buf, len, "the root group");
  else
    snprintf(buf, len, "CTRL_MON group '%s'", ctrl);
}

static void set_outcome(vr_group_outcome *out, vr_outcome_kind kind,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_outcome(vr_group_outcome *out, vr_outcome_kind kind,
                        const char *fmt, ...) {
  out->kind = kind;
  va_list ap;
  va_start(ap, fmt);
  vr_vformat_cut(out->reason, sizeof(out->reason), fmt, ap);
  va_end(ap);
}

/* Names each group's directory; rejects names that cannot be formed, the
 * same directory twice and groups with no online vCPU. */
static void name_groups(ctx *c) {
  for (size_t i = 0; i < c->n_desired; i++) {
    const vr_desired_group *d = &c->desired[i];
    vr_group_outcome *o = &c->outcomes[i];
    o->kind = VR_OUTCOME_OK;
    int rc = vr_owned_name_format(c->prefix, d->uuid, d->group, o->name,
                                  sizeof(o->name));
    if (rc != 0) {
      set_outcome(o, VR_OUTCOME_INVALID,
                  "cannot name a resctrl group for "
                  "uuid '%s' and group '%s'",
                  d->uuid, d->group);
      continue;
    }
    c->by_name[c->n_by_name++] =
        (name_ref){.name = o->name, .ctrl = "", .index = i};
  }
  /* The same directory twice: the first in the domain list keeps it. */
  qsort(c->by_name, c->n_by_name, sizeof(*c->by_name), compare_name_ref);
  for (size_t k = 1; k < c->n_by_name; k++)
    if (strcmp(c->by_name[k].name, c->by_name[k - 1].name) == 0)
      set_outcome(&c->outcomes[c->by_name[k].index], VR_OUTCOME_CONFLICT,
                  "group listed twice");
  for (size_t i = 0; i < c->n_desired; i++)
    if (c->outcomes[i].kind == VR_OUTCOME_OK && c->desired[i].n_threads == 0)
      set_outcome(&c->outcomes[i], VR_OUTCOME_WAITING,
                  "no vCPU of the group is online");
}

static int build_claims(ctx *c) {
  size_t total = 0;
  for (size_t i = 0; i < c->n_desired; i++)
    if (c->outcomes[i].kind == VR_OUTCOME_OK)
      total += c->desired[i].n_threads;
  if (total == 0)
    return 0;
  c->claims = calloc(total, sizeof(*c->claims));
  if (!c->claims)
    return -ENOMEM;
  for (size_t i = 0; i < c->n_desired; i++) {
    if (c->outcomes[i].kind != VR_OUTCOME_OK)
      continue;
    for (size_t t = 0; t < c->desired[i].n_threads; t++)
      c->claims[c->n_claims++] =
          (claim){.tid = c->desired[i].threads[t].tid, .desired = i};
  }
  qsort(c->claims, c->n_claims, sizeof(*c->claims), compare_claim);
  return 0;
}

/* What a thread is, for reasons: "vCPU 3", "iothread 1", "the emulator". */
static const char *thread_what(const vr_vcpu_thread *th, char *buf,
                               size_t len) {
  return vr_thread_describe(th->kind, th->vcpu, buf, len);
}

/* Placement (doc/design.md, "resctrl rules"): a MON group must live under the
 * CTRL_MON group its tasks are in (the kernel rejects other tasks writes
 * with EINVAL), so all threads must share one CTRL_MON group; and a thread
 * in a MON group we do not own is never stolen. A thread in another of our
 * groups is fine: assigning it moves it. */
static void place_group(ctx *c, size_t i) {
  const vr_desired_group *d = &c->desired[i];
  vr_group_outcome *o = &c->outcomes[i];
  const vr_vcpu_thread *first = NULL;
  char what[32], what2[32];
  for (size_t t = 0; t < d->n_threads; t++) {
    const vr_vcpu_thread *th = &d->threads[t];
    size_t owner = claim_owner(c, th->tid);
    if (owner != i) {
      const vr_desired_group *other = &c->desired[owner];
      set_outcome(o, VR_OUTCOME_CONFLICT,
                  "%s (thread %d) is also in domain %s group %s",
                  thread_what(th, what, sizeof(what)), (int)th->tid,
                  other->domain, other->group);
      return;
    }
    const vr_task_place *p = vr_resctrl_state_find(c->state, th->tid);
    if (p->mon[0] != '\0' && !is_ours(c, p->mon)) {
      set_outcome(o, VR_OUTCOME_CONFLICT,
                  "%s (thread %d) is in MON group '%s%s%s', which "
                  "virt_resctrl does not own; not taking it",
                  thread_what(th, what, sizeof(what)), (int)th->tid, p->ctrl,
                  p->ctrl[0] ? "/" : "", p->mon);
      return;
    }
    if (!first) {
      first = th;
      snprintf(o->ctrl, sizeof(o->ctrl), "%s", p->ctrl);
    } else if (strcmp(o->ctrl, p->ctrl) != 0) {
      char a[VR_RESCTRL_NAME_MAX + 32], b[VR_RESCTRL_NAME_MAX + 32];
      describe_ctrl(o->ctrl, a, sizeof(a));
      describe_ctrl(p->ctrl, b, sizeof(b));
      set_outcome(o, VR_OUTCOME_CONFLICT,
                  "the group's threads are in different CTRL_MON groups: %s "
                  "in %s, %s in %s",
                  thread_what(first, what, sizeof(what)), a,
                  thread_what(th, what2, sizeof(what2)), b);
      o->ctrl[0] = '\0';
      return;
    }
  }
}

/* True when tid is one of desired[i]'s domain's vCPU threads. */
static bool is_domain_vcpu(const ctx *c, size_t i, pid_t tid) {
  const vr_desired_group *d = &c->desired[i];
  for (size_t t = 0; t < d->n_domain_vcpu_tids; t++)
    if (d->domain_vcpu_tids[t] == tid)
      return true;
  return false;
}

/* A thread listed in desired[i]'s existing group m that must leave it by a
 * RELEASE: a vCPU thread of the domain that no group takes (its vCPU left
 * every group), a thread this run wrote into m that no group takes any
 * more (an emulator thread or iothread dropped from the metadata), or one
 * whose taker cannot take it (in conflict). Any other thread there got in
 * by inheritance: a task starts in its creator's group
 * (arch_dup_task_struct copies closid and rmid; since Linux 6.13 KVM's
 * kvm-nx-lpage-recovery task is made from the first vCPU to run), so it
 * belongs to the VM and stays. */
static bool must_release(const ctx *c, size_t i, const vr_mon_group_state *m,
                         pid_t tid) {
  size_t owner = claim_owner(c, tid);
  if (owner == i)
    return false;
  if (owner != VR_NO_DESIRED)
    return c->outcomes[owner].kind != VR_OUTCOME_OK;
  return is_domain_vcpu(c, i, tid) ||
         (c->written && vr_written_has(c->written, m->name, tid));
}

/* Keeps desired[i]'s existing group when it sits under the right parent.
 * Threads it holds that it should not are moved out (RELEASE, or another
 * group's ASSIGN), never by rmdir and mkdir: the RMID would go to limbo,
 * the MBM counter restart, and the next mkdir could fail with EBUSY. */
static void keep_existing(ctx *c, size_t i) {
  const vr_group_outcome *o = &c->outcomes[i];
  const name_ref *m =
      find_name_ref(c->mon_by_name, c->state->n_mon_groups, o->name, o->ctrl);
  if (!m)
    return;
  c->kept[i] = m->index;
  c->group_kept[m->index] = true;
}

/* The desired group a directory called name stands for, if any: a REMOVE
 * of it (wrong parent, stray thread, conflict, no vCPU online) says which
 * group it was for. */
static size_t desired_for_name(const ctx *c, const char *name) {
  const name_ref *r = find_name_ref(c->by_name, c->n_by_name, name, "");
  return r ? r->index : VR_NO_DESIRED;
}

static vr_action *push(vr_plan *plan, vr_action_kind kind, const char *ctrl,
                       const char *name, size_t desired) {
  vr_action *a = &plan->actions[plan->n_actions++];
  *a = (vr_action){.kind = kind, .desired = desired};
  snprintf(a->ctrl, sizeof(a->ctrl), "%s", ctrl);
  snprintf(a->name, sizeof(a->name), "%s", name);
  return a;
}

static bool is_kept(const ctx *c, size_t g) { return c->group_kept[g]; }

/* Removals first: RMIDs are scarce, free them before creating. */
static void plan_actions(const ctx *c, vr_plan *plan) {
  for (size_t g = 0; g < c->state->n_mon_groups; g++) {
    const vr_mon_group_state *m = &c->state->mon_groups[g];
    if (is_ours(c, m->name) && !is_kept(c, g))
      push(plan, VR_ACTION_REMOVE, m->ctrl, m->name,
           desired_for_name(c, m->name));
  }
  for (size_t i = 0; i < c->n_desired; i++)
    if (c->outcomes[i].kind == VR_OUTCOME_OK && c->kept[i] == VR_NO_DESIRED)
      push(plan, VR_ACTION_CREATE, c->outcomes[i].ctrl, c->outcomes[i].name, i);
  for (size_t i = 0; i < c->n_desired; i++) {
    if (c->outcomes[i].kind != VR_OUTCOME_OK || c->kept[i] == VR_NO_DESIRED)
      continue;
    const vr_mon_group_state *m = &c->state->mon_groups[c->kept[i]];
    for (size_t t = 0; t < m->n_tids; t++)
      if (must_release(c, i, m, m->tids[t]))
        push(plan, VR_ACTION_RELEASE, m->ctrl, m->name, i)->tid = m->tids[t];
  }
  for (size_t i = 0; i < c->n_desired; i++) {
    const vr_group_outcome *o = &c->outcomes[i];
    if (o->kind != VR_OUTCOME_OK)
      continue;
    for (size_t t = 0; t < c->desired[i].n_threads; t++) {
      const vr_vcpu_thread *th = &c->desired[i].threads[t];
      const vr_task_place *p = vr_resctrl_state_find(c->state, th->tid);
      if (c->kept[i] != VR_NO_DESIRED && strcmp(p->mon, o->name) == 0)
        continue; /* already there: the steady state does nothing */
      vr_action *a = push(plan, VR_ACTION_ASSIGN, o->ctrl, o->name, i);
      a->tid = th->tid;
      a->vcpu = th->vcpu;
      a->thread = th->kind;
    }
  }
}

int vr_reconcile(const vr_desired_group *desired, size_t n_desired,
                 const vr_resctrl_state *state, const char *prefix,
                 vr_plan *out) {
  return vr_reconcile_written(desired, n_desired, state, prefix, NULL, out);
}

int vr_reconcile_written(const vr_desired_group *desired, size_t n_desired,
                         const vr_resctrl_state *state, const char *prefix,
                         const vr_written_set *written, vr_plan *out) {
  *out = (vr_plan){0};
  ctx c = {.desired = desired,
           .n_desired = n_desired,
           .state = state,
           .prefix = prefix,
           .written = written};
  int rc = 0;
  if (!vr_group_prefix_valid(prefix)) {
    rc = -EINVAL;
    goto out;
  }
  /* At most: every MON group removed, every group created, every listed
   * thread released, every thread assigned. */
  size_t max_actions = state->n_mon_groups + n_desired;
  for (size_t g = 0; g < state->n_mon_groups; g++)
    max_actions += state->mon_groups[g].n_tids;
  for (size_t i = 0; i < n_desired; i++)
    max_actions += desired[i].n_threads;
  c.outcomes = calloc(n_desired ? n_desired : 1, sizeof(*c.outcomes));
  c.kept = calloc(n_desired ? n_desired : 1, sizeof(*c.kept));
  c.by_name = calloc(n_desired ? n_desired : 1, sizeof(*c.by_name));
  c.mon_by_name = calloc(state->n_mon_groups ? state->n_mon_groups : 1,
                         sizeof(*c.mon_by_name));
  c.group_kept = calloc(state->n_mon_groups ? state->n_mon_groups : 1,
                        sizeof(*c.group_kept));
  out->actions = calloc(max_actions ? max_actions : 1, sizeof(*out->actions));
  if (!c.outcomes || !c.kept || !c.by_name || !c.mon_by_name || !c.group_kept ||
      !out->actions) {
    rc = -ENOMEM;
    goto out;
  }
  for (size_t g = 0; g < state->n_mon_groups; g++)
    c.mon_by_name[g] = (name_ref){.name = state->mon_groups[g].name,
                                  .ctrl = state->mon_groups[g].ctrl,
                                  .index = g};
  qsort(c.mon_by_name, state->n_mon_groups, sizeof(*c.mon_by_name),
        compare_name_ref);
  name_groups(&c);
  rc = build_claims(&c);
  if (rc != 0)
    goto out;
  for (size_t i = 0; i < n_desired; i++)
    if (c.outcomes[i].kind == VR_OUTCOME_OK)
      place_group(&c, i);
  for (size_t i = 0; i < n_desired; i++) {
    c.kept[i] = VR_NO_DESIRED;
    if (c.outcomes[i].kind == VR_OUTCOME_OK)
      keep_existing(&c, i);
  }
  plan_actions(&c, out);
  out->outcomes = c.outcomes;
  out->n_outcomes = n_desired;
  c.outcomes = NULL;
out:
  if (rc != 0)
    vr_plan_clear(out);
  free(c.outcomes);
  free(c.kept);
  free(c.by_name);
  free(c.mon_by_name);
  free(c.group_kept);
  free(c.claims);
  return rc;
}

void vr_plan_clear(vr_plan *plan) {
  free(plan->actions);
  free(plan->outcomes);
  *plan = (vr_plan){0};
}
