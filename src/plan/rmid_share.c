/* SPDX-License-Identifier: MIT */
/**
 * RMID fairness between domains; see rmid_share.h.
 */
#include "plan/rmid_share.h"
#include "base/text.h"
#include "resctrl/resctrl_name.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one pass knows of each desired group and each domain. */
typedef struct {
  const vr_desired_group *desired;
  size_t n;
  const vr_plan *plan;
  const char *prefix;
  bool *creates;  /* [i]: the plan makes desired[i]'s directory */
  bool *first;    /* [i]: the CREATE of a domain that has no group yet */
  bool *dropped;  /* [i]: yielded: its actions go */
  size_t *order;  /* desired indexes by (uuid, index): domains as runs */
  size_t *served; /* per run start: groups of the domain served now */
} share;

/* A desired group's place, to sort the groups into domains. */
typedef struct {
  const char *uuid;
  size_t index;
} domain_ref;

static int compare_domain_ref(const void *a, const void *b) {
  const domain_ref *x = a, *y = b;
  int c = strcmp(x->uuid, y->uuid);
  if (c == 0)
    c = (x->index > y->index) - (x->index < y->index);
  return c;
}

/* Fills s->order: qsort has no context argument in C11, so the uuids go
 * along with the indexes. */
static int sort_by_domain(share *s) {
  domain_ref *refs = calloc(s->n, sizeof(*refs));
  if (!refs)
    return -ENOMEM;
  for (size_t i = 0; i < s->n; i++)
    refs[i] = (domain_ref){.uuid = s->desired[i].uuid, .index = i};
  qsort(refs, s->n, sizeof(*refs), compare_domain_ref);
  for (size_t i = 0; i < s->n; i++)
    s->order[i] = refs[i].index;
  free(refs);
  return 0;
}

/* The end of the run of one domain's groups starting at order[lo]. */
static size_t run_end(const share *s, size_t lo) {
  size_t hi = lo + 1;
  while (hi < s->n && strcmp(s->desired[s->order[hi]].uuid,
                             s->desired[s->order[lo]].uuid) == 0)
    hi++;
  return hi;
}

/* A group is served when reconcile leaves it in place (ours, kept) or
 * libvirt's own monitor group serves it: either way it holds an RMID. */
static bool is_served(const share *s, size_t i) {
  return s->plan->outcomes[i].kind == VR_OUTCOME_OK && !s->creates[i];
}

/* Marks each waiting domain's first CREATE and counts each domain's served
 * groups; returns how many domains wait for their first group. */
static size_t find_firsts(share *s) {
  size_t waiting = 0;
  for (size_t lo = 0; lo < s->n;) {
    size_t hi = run_end(s, lo), served = 0, first = VR_NO_DESIRED;
    for (size_t k = lo; k < hi; k++) {
      size_t i = s->order[k];
      served += is_served(s, i);
      if (s->creates[i] && first == VR_NO_DESIRED)
        first = i; /* the run is in desired order */
    }
    s->served[lo] = served;
    if (served == 0 && first != VR_NO_DESIRED) {
      s->first[first] = true;
      waiting++;
    }
    lo = hi;
  }
  return waiting;
}

/* Whether uuid is among the starved domains. */
static bool is_starved(const char *uuid,
                       const char (*starved)[VR_UUID_STRING_LEN + 1],
                       size_t n_starved) {
  for (size_t k = 0; k < n_starved; k++)
    if (strcmp(starved[k], uuid) == 0)
      return true;
  return false;
}

static void set_wait(vr_rmid_wait *w, vr_rmid_verdict verdict, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

static void set_wait(vr_rmid_wait *w, vr_rmid_verdict verdict, const char *fmt,
                     ...) {
  w->verdict = verdict;
  va_list ap;
  va_start(ap, fmt);
  vr_vformat_cut(w->reason, sizeof(w->reason), fmt, ap);
  va_end(ap);
}

/* The last served group of ours (highest index) of the run at lo that has
 * not yielded yet, or VR_NO_DESIRED. A group served by libvirt's monitor
 * is not ours to remove. */
static size_t last_own_served(const share *s, size_t lo) {
  for (size_t k = run_end(s, lo); k > lo; k--) {
    size_t i = s->order[k - 1];
    if (is_served(s, i) && !s->dropped[i] &&
        vr_owned_name_parse(s->prefix, s->plan->outcomes[i].name, NULL, NULL))
      return i;
  }
  return VR_NO_DESIRED;
}

/* The group to give its RMID up: the last own group of the domain serving
 * the most groups, provided it keeps one (ties: the earlier domain). */
static size_t pick_yielder(share *s, size_t *run_lo) {
  size_t best = VR_NO_DESIRED, best_served = 1;
  for (size_t lo = 0; lo < s->n; lo = run_end(s, lo)) {
    if (s->served[lo] <= best_served)
      continue;
    size_t i = last_own_served(s, lo);
    if (i == VR_NO_DESIRED)
      continue;
    best = i;
    best_served = s->served[lo];
    *run_lo = lo;
  }
  return best;
}

/* Rebuilds the action list: removals (reconcile's, then the yielded
 * groups'), the waiting domains' first CREATEs, the other CREATEs (behind
 * them when a domain waits), the rest; a yielded group's RELEASEs and
 * ASSIGNs go. */
static void rebuild(const share *s, vr_plan *plan, vr_action *out,
                    const size_t *yielded, size_t n_yielded, bool waiting) {
  size_t n = 0;
  for (size_t a = 0; a < plan->n_actions; a++)
    if (plan->actions[a].kind == VR_ACTION_REMOVE)
      out[n++] = plan->actions[a];
  for (size_t y = 0; y < n_yielded; y++) {
    const vr_group_outcome *o = &plan->outcomes[yielded[y]];
    /* No desired index: the executor skips the actions of a group whose
     * health is already set, and a yielded group's is. */
    vr_action *r = &out[n++];
    *r = (vr_action){.kind = VR_ACTION_REMOVE, .desired = VR_NO_DESIRED};
    snprintf(r->ctrl, sizeof(r->ctrl), "%s", o->ctrl);
    snprintf(r->name, sizeof(r->name), "%s", o->name);
  }
  for (int pass = 0; pass < 2; pass++)
    for (size_t a = 0; a < plan->n_actions; a++) {
      const vr_action *act = &plan->actions[a];
      if (act->kind == VR_ACTION_CREATE && !s->dropped[act->desired] &&
          s->first[act->desired] == (pass == 0)) {
        out[n] = *act;
        out[n++].behind_firsts = pass == 1 && waiting;
      }
    }
  for (size_t a = 0; a < plan->n_actions; a++) {
    const vr_action *act = &plan->actions[a];
    if (act->kind == VR_ACTION_REMOVE || act->kind == VR_ACTION_CREATE)
      continue;
    if (act->desired != VR_NO_DESIRED && s->dropped[act->desired])
      continue;
    out[n++] = *act;
  }
  free(plan->actions);
  plan->actions = out;
  plan->n_actions = n;
}

int vr_rmid_share(const vr_desired_group *desired, size_t n, const char *prefix,
                  const char (*starved)[VR_UUID_STRING_LEN + 1],
                  size_t n_starved, vr_plan *plan, vr_rmid_wait *waits) {
  share s = {.desired = desired, .n = n, .plan = plan, .prefix = prefix};
  size_t *yielded = NULL, n_yielded = 0;
  vr_action *actions = NULL;
  int rc = 0;
  for (size_t i = 0; i < n; i++)
    waits[i] = (vr_rmid_wait){.verdict = VR_RMID_SERVED};
  if (n == 0 || plan->n_outcomes < n)
    return 0;
  size_t m = n;
  s.creates = calloc(m, sizeof(*s.creates));
  s.first = calloc(m, sizeof(*s.first));
  s.dropped = calloc(m, sizeof(*s.dropped));
  s.order = calloc(m, sizeof(*s.order));
  s.served = calloc(m, sizeof(*s.served));
  yielded = calloc(m, sizeof(*yielded));
  /* Room for every action and one REMOVE per group that yields. */
  actions = calloc(plan->n_actions + m, sizeof(*actions));
  if (!s.creates || !s.first || !s.dropped || !s.order || !s.served ||
      !yielded || !actions) {
    rc = -ENOMEM;
    goto out;
  }
  for (size_t a = 0; a < plan->n_actions; a++)
    if (plan->actions[a].kind == VR_ACTION_CREATE &&
        plan->actions[a].desired < n)
      s.creates[plan->actions[a].desired] = true;
  rc = sort_by_domain(&s);
  if (rc != 0)
    goto out;
  size_t waiting = find_firsts(&s);
  /* ENOSPC: no RMID is free nor in limbo, so none comes back unless one of
   * ours goes. One per starved waiting domain: each goes to limbo, and the
   * next mkdir's EBUSY says it is on its way. */
  for (size_t i = 0; i < n; i++) {
    if (!s.first[i] || !is_starved(desired[i].uuid, starved, n_starved))
      continue;
    size_t lo = 0, y = pick_yielder(&s, &lo);
    if (y == VR_NO_DESIRED)
      break;
    s.dropped[y] = true;
    s.served[lo]--;
    yielded[n_yielded++] = y;
    set_wait(&waits[y], VR_RMID_YIELDED,
             "gave its RMID up to domain %s, which waits for its first "
             "group; retrying at each resync",
             desired[i].domain);
  }
  rebuild(&s, plan, actions, yielded, n_yielded, waiting > 0);
  actions = NULL;
out:
  if (rc != 0)
    for (size_t i = 0; i < n; i++)
      waits[i] = (vr_rmid_wait){.verdict = VR_RMID_SERVED};
  free(s.creates);
  free(s.first);
  free(s.dropped);
  free(s.order);
  free(s.served);
  free(yielded);
  free(actions);
  return rc;
}

void vr_rmid_defer(vr_rmid_wait *wait, const char *waiting) {
  set_wait(wait, VR_RMID_DEFERRED,
           "no RMID for a second group while domain %s waits for its first; "
           "retrying at each resync",
           waiting);
}
