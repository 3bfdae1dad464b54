/* SPDX-License-Identifier: MIT */
/**
 * Problems per (domain, class) and their notices; see problems.h.
 */
#include "plan/problems.h"
#include "base/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const phrases[VR_PROBLEM_CLASSES] = {
    [VR_PROBLEM_METADATA] = "rejected metadata",
    [VR_PROBLEM_INVALID_GROUP] = "invalid group elements",
    [VR_PROBLEM_INVALID_NAME] = "invalid group names",
    [VR_PROBLEM_INVALID_SET] = "invalid vCPU or iothread sets",
    [VR_PROBLEM_DUPLICATE] = "duplicate group names",
    [VR_PROBLEM_OVERLAP] = "threads already in another group",
    [VR_PROBLEM_OVER_CAP] = "groups over MaxGroupsPerDomain",
    [VR_PROBLEM_SHARED_VCPUS] = "vCPUs that share one thread",
    [VR_PROBLEM_UNNAMED_THREADS] = "QEMU threads without names",
    [VR_PROBLEM_CONFLICT] = "conflicts in resctrl",
    [VR_PROBLEM_NO_RMID] = "no RMID left",
    [VR_PROBLEM_RMID_LIMBO] = "RMIDs in limbo",
};

const char *vr_problem_phrase(vr_problem_class problem) {
  return problem < VR_PROBLEM_CLASSES ? phrases[problem] : "problems";
}

static int key_cmp(const char *uuid_a, vr_problem_class a, const char *uuid_b,
                   vr_problem_class b) {
  int c = strcmp(uuid_a, uuid_b);
  return c ? c : (a > b) - (a < b);
}

/* By key, then by position in the pass, so that "the first" of a problem
 * is the first in document order whatever qsort does. */
static int finding_ptr_cmp(const void *pa, const void *pb) {
  const vr_finding *a = *(const vr_finding *const *)pa;
  const vr_finding *b = *(const vr_finding *const *)pb;
  int c = key_cmp(a->uuid, a->problem, b->uuid, b->problem);
  return c ? c : (a > b) - (a < b);
}

static void cut(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cut(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vr_vformat_cut(buf, len, fmt, ap);
  va_end(ap);
}

/* The problem of the run of count findings at run[0], and its WARNING. */
static void raise_problem(const vr_finding *const *run, size_t count,
                          vr_problem *p, vr_notice *notice) {
  const vr_finding *first = run[0];
  memset(p, 0, sizeof(*p));
  snprintf(p->uuid, sizeof(p->uuid), "%s", first->uuid);
  p->problem = first->problem;
  *notice = (vr_notice){.severity = VR_NOTICE_WARNING};
  if (count == 1) {
    cut(p->instance, sizeof(p->instance), "%s:%s", first->domain, first->group);
    cut(p->subject, sizeof(p->subject), "domain %s group %s", first->domain,
        first->group);
    cut(notice->message, sizeof(notice->message), "%s: %s", p->subject,
        first->reason);
  } else {
    char names[VR_SUMMARY_NAMES * (VR_GROUP_NAME_MAX + 34) + 8] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && i < VR_SUMMARY_NAMES; i++)
      used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
                               i ? ", " : "", run[i]->group);
    if (count > VR_SUMMARY_NAMES)
      snprintf(names + used, sizeof(names) - used, ", ...");
    cut(p->instance, sizeof(p->instance), "%s:(metadata)", first->domain);
    cut(p->subject, sizeof(p->subject), "domain %s", first->domain);
    cut(notice->message, sizeof(notice->message), "%s: %zu groups, %s (%s): %s",
        p->subject, count, vr_problem_phrase(p->problem), names, first->reason);
  }
  snprintf(notice->instance, sizeof(notice->instance), "%s", p->instance);
}

static void clear_problem(const vr_problem *p, vr_notice *notice) {
  *notice = (vr_notice){.severity = VR_NOTICE_OKAY};
  snprintf(notice->instance, sizeof(notice->instance), "%s", p->instance);
  cut(notice->message, sizeof(notice->message),
      "%s: cleared (%s): fixed, or the group or domain is gone", p->subject,
      vr_problem_phrase(p->problem));
}

/* Merges the table (sorted) with the runs of the sorted findings. */
int vr_problems_update(vr_problem_table *table, vr_finding *findings, size_t n,
                       vr_scope_fn in_scope, const void *ctx,
                       vr_notice_list *notices) {
  int status = -ENOMEM;
  const vr_finding **sorted = calloc(n ? n : 1, sizeof(*sorted));
  vr_problem *next = calloc(table->n + n + 1, sizeof(*next));
  /* OKAYs first, the WARNINGs appended after the merge */
  vr_notice *okays = calloc(table->n + n + 1, sizeof(*okays));
  vr_notice *warnings = calloc(n + 1, sizeof(*warnings));
  size_t n_next = 0, n_okays = 0, n_warnings = 0;
  *notices = (vr_notice_list){0};
  if (!sorted || !next || !okays || !warnings)
    goto out;
  for (size_t i = 0; i < n; i++)
    sorted[i] = &findings[i];
  qsort(sorted, n, sizeof(*sorted), finding_ptr_cmp);

  size_t t = 0, f = 0;
  while (t < table->n || f < n) {
    const vr_problem *old = t < table->n ? &table->items[t] : NULL;
    size_t run = 0;
    while (f < n && f + run < n &&
           key_cmp(sorted[f + run]->uuid, sorted[f + run]->problem,
                   sorted[f]->uuid, sorted[f]->problem) == 0)
      run++;
    int c = !old     ? 1
            : f >= n ? -1
                     : key_cmp(old->uuid, old->problem, sorted[f]->uuid,
                               sorted[f]->problem);
    if (c < 0) { /* raised, not found now */
      if (in_scope && !in_scope(old->uuid, ctx))
        next[n_next++] = *old;
      else
        clear_problem(old, &okays[n_okays++]);
      t++;
    } else if (c > 0) { /* new */
      raise_problem(&sorted[f], run, &next[n_next++], &warnings[n_warnings++]);
      f += run;
    } else { /* stays: nothing to say */
      next[n_next++] = *old;
      t++;
      f += run;
    }
  }
  memcpy(okays + n_okays, warnings, n_warnings * sizeof(*warnings));
  free(table->items);
  *table = (vr_problem_table){.items = next, .n = n_next};
  *notices = (vr_notice_list){.items = okays, .n = n_okays + n_warnings};
  next = NULL;
  okays = NULL;
  status = 0;
out:
  free(sorted);
  free(next);
  free(okays);
  free(warnings);
  return status;
}

void vr_problem_table_clear(vr_problem_table *table) {
  free(table->items);
  *table = (vr_problem_table){0};
}

void vr_notice_list_clear(vr_notice_list *notices) {
  free(notices->items);
  *notices = (vr_notice_list){0};
}
