/* SPDX-License-Identifier: MIT */
/**
 * Our threads to watch between passes, pure; see thread_watch.h.
 */
#include "plan/thread_watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool skipped(const pid_t *skip, size_t n_skip, pid_t tid) {
  for (size_t i = 0; i < n_skip; i++)
    if (skip[i] == tid)
      return true;
  return false;
}

int vr_thread_watch_build(const vr_desired_group *desired, size_t n_desired,
                          const vr_plan *plan, const vr_resctrl_state *state,
                          const bool *failed, const pid_t *skip, size_t n_skip,
                          vr_thread_watch *w) {
  vr_thread_watch_clear(w);
  size_t total = 0;
  for (size_t i = 0; i < n_desired && i < plan->n_outcomes; i++)
    total += desired[i].n_threads;
  if (total == 0)
    return 0;
  w->places = calloc(total, sizeof(*w->places));
  if (!w->places)
    return -ENOMEM;
  for (size_t i = 0; i < n_desired && i < plan->n_outcomes; i++) {
    const vr_group_outcome *o = &plan->outcomes[i];
    bool ok = o->kind == VR_OUTCOME_OK;
    if ((!ok && o->kind != VR_OUTCOME_CONFLICT) || (failed && failed[i]))
      continue;
    for (size_t t = 0; t < desired[i].n_threads; t++) {
      pid_t tid = desired[i].threads[t].tid;
      if (tid <= 0 || skipped(skip, n_skip, tid))
        continue;
      vr_task_place *p = &w->places[w->n++];
      if (!ok) {
        *p = *vr_resctrl_state_find(state, tid);
        p->tid = tid;
        continue;
      }
      p->tid = tid;
      snprintf(p->ctrl, sizeof(p->ctrl), "%s", o->ctrl);
      snprintf(p->mon, sizeof(p->mon), "%s", o->name);
    }
  }
  vr_task_place_sort(w->places, w->n);
  return 0;
}

bool vr_thread_watch_moved(const vr_task_place *want,
                           const vr_task_place *seen) {
  return strcmp(want->ctrl, seen->ctrl) != 0 ||
         strcmp(want->mon, seen->mon) != 0;
}

int vr_thread_watch_merge(vr_thread_watch *w, vr_thread_watch *newer) {
  vr_task_place *merged =
      calloc(w->n + newer->n ? w->n + newer->n : 1, sizeof(*merged));
  if (!merged)
    return -ENOMEM;
  size_t i = 0, j = 0, n = 0;
  while (i < w->n || j < newer->n) {
    if (j < newer->n &&
        (i == w->n || newer->places[j].tid <= w->places[i].tid)) {
      if (i < w->n && w->places[i].tid == newer->places[j].tid)
        i++; /* the newer look at that thread wins */
      merged[n++] = newer->places[j++];
    } else {
      merged[n++] = w->places[i++];
    }
  }
  vr_thread_watch_clear(w);
  vr_thread_watch_clear(newer);
  w->places = merged;
  w->n = n;
  return 0;
}

void vr_thread_watch_clear(vr_thread_watch *w) {
  free(w->places);
  w->places = NULL;
  w->n = 0;
}
