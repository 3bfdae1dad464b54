/* SPDX-License-Identifier: MIT */
/**
 * ABMC counter decisions; see mbm_assign.h.
 */
#include "plan/mbm_assign.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One (group, event) that wants a counter, with its place in the queue. */
typedef struct {
  int rank;  /* 0: mbm="high", 1: the rest */
  bool held; /* holds its counter now: keeps it before a waiting one */
  const char *key;
  size_t group;
  unsigned event;
} want;

static int want_cmp(const void *pa, const void *pb) {
  const want *a = pa, *b = pb;
  if (a->rank != b->rank)
    return a->rank - b->rank;
  if (a->held != b->held)
    return a->held ? -1 : 1;
  int c = strcmp(a->key ? a->key : "", b->key ? b->key : "");
  if (c)
    return c;
  if (a->group != b->group)
    return a->group < b->group ? -1 : 1;
  return (int)a->event - (int)b->event;
}

static unsigned bits(unsigned v) {
  unsigned n = 0;
  for (; v; v &= v - 1)
    n++;
  return n;
}

/* Every counter our groups hold may be handed on, so the budget is the free
 * ones (n_free) plus ours; the first `budget` wants in queue order win. */
int vr_mbm_decide(const vr_mbm_group *groups, size_t n, unsigned n_free,
                  vr_mbm_decision *out, vr_mbm_coverage *coverage) {
  const unsigned all = (1u << VR_MBM_EVENTS) - 1;
  size_t budget = n_free, n_wants = 0;
  for (size_t i = 0; i < n; i++) {
    budget += bits(groups[i].held & all);
    if (groups[i].priority != VR_MBM_OFF)
      n_wants += bits(groups[i].wanted & all);
  }
  want *wants = calloc(n_wants + 1, sizeof(*wants));
  if (!wants)
    return -ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    out[i] = (vr_mbm_decision){0};
    if (groups[i].priority == VR_MBM_OFF)
      continue;
    for (unsigned e = 0; e < VR_MBM_EVENTS; e++)
      if (groups[i].wanted & (1u << e))
        wants[k++] = (want){
            .rank = groups[i].priority == VR_MBM_HIGH ? 0 : 1,
            .held = (groups[i].held & (1u << e)) != 0,
            .key = groups[i].key,
            .group = i,
            .event = e,
        };
  }
  qsort(wants, n_wants, sizeof(*wants), want_cmp);
  size_t winners = n_wants < budget ? n_wants : budget;
  for (size_t w = 0; w < winners; w++)
    out[wants[w].group].counted |= 1u << wants[w].event;
  for (size_t i = 0; i < n; i++) {
    unsigned held = groups[i].held & all;
    out[i].unassign = held & ~out[i].counted;
    out[i].assign = out[i].counted & ~held;
  }
  coverage->wanted = (unsigned)n_wants;
  coverage->counted = (unsigned)winners;
  free(wants);
  return 0;
}

double vr_mbm_coverage_percent(const vr_mbm_coverage *c) {
  if (c->wanted == 0)
    return 100.0;
  return 100.0 * (double)c->counted / (double)c->wanted;
}
