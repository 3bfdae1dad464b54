/* SPDX-License-Identifier: MIT */
/**
 * ABMC counter decisions: which of our groups' MBM events hold one of an L3
 * domain's assignable counters (Linux 6.18, AMD; doc/design.md, "ABMC
 * counters").
 *
 * In the kernel's "mbm_event" mode an MBM event counts only while a
 * hardware counter is assigned to it (info/L3_MON/num_mbm_cntrs per
 * domain); when our groups want more than the domain has, groups whose
 * metadata says mbm="high" get them first, then the rest in a stable
 * order: a group holding a counter keeps it before a waiting one, and
 * waiting groups queue by key. mbm="off" groups get none and give back
 * what they hold. Counters held by groups that are not ours are not in
 * n_free and never counted here.
 *
 * Pure: data in, decisions out.
 */
#ifndef VR_MBM_ASSIGN_H
#define VR_MBM_ASSIGN_H

#include "base/vocabulary.h"
#include "resctrl/abmc_text.h"

#include <stdbool.h>
#include <stddef.h>

/** One of our groups on one domain. */
typedef struct {
  vr_mbm_priority priority;
  const char *key; /* the stable order among equals: the directory name */
  unsigned wanted; /* events it wants counted (bits) */
  unsigned held;   /* events holding a counter now (bits) */
} vr_mbm_group;

/** What to do for one group on that domain. */
typedef struct {
  unsigned assign;   /* events to assign a counter to */
  unsigned unassign; /* events whose counter to free (before any assign) */
  unsigned counted;  /* events holding a counter after both */
} vr_mbm_decision;

/** A domain's coverage: events counted / events wanted, of our groups. */
typedef struct {
  unsigned wanted;
  unsigned counted;
} vr_mbm_coverage;

/**
 * Decides one domain: n_free is its counters no group holds
 * (available_mbm_cntrs); ours hold the rest we may hand on. out[i] is
 * groups[i]'s decision. Returns 0 or -ENOMEM.
 */
int vr_mbm_decide(const vr_mbm_group *groups, size_t n, unsigned n_free,
                  vr_mbm_decision *out, vr_mbm_coverage *coverage);

/** Coverage in percent (100 when nothing is wanted). */
double vr_mbm_coverage_percent(const vr_mbm_coverage *c);

#endif /* VR_MBM_ASSIGN_H */
