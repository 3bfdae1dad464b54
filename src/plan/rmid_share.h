/* SPDX-License-Identifier: MIT */
/**
 * RMID fairness (doc/design.md, "resctrl rules", RMID shortage): when the host
 * runs short of RMIDs, a domain's first group goes before any domain's second
 * or later group, so that a tenant asking for many groups cannot keep another
 * tenant's VM, restarted, from being monitored at all.
 *
 * Takes reconcile's plan (after libvirt's monitors were applied) and
 * changes it:
 *  - the CREATEs of domains that have no group yet come first, in the
 *    desired order, then every other CREATE, flagged behind_firsts: the
 *    executor skips those once a first CREATE failed for want of an RMID
 *    (ENOSPC or EBUSY) and says so (vr_rmid_defer);
 *  - for each domain waiting for its first group whose last mkdir failed
 *    with ENOSPC (no RMID free, none in limbo either: "starved"): one
 *    second or later group of ours is removed, taken from the domain
 *    holding the most groups (its last one), so that its RMID, once out of
 *    the kernel's limbo, goes to the waiting first group. An EBUSY means an
 *    RMID is already on its way: nothing is taken.
 * mbm="high" does not change this: it ranks ABMC counters (mbm_assign.h),
 * not RMIDs.
 *
 * Pure: data in, decisions out.
 */
#ifndef VR_RMID_SHARE_H
#define VR_RMID_SHARE_H

#include "base/vocabulary.h"
#include "plan/reconcile.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  VR_RMID_SERVED,   /* untouched: planned (or kept) as reconcile said */
  VR_RMID_DEFERRED, /* its CREATE was skipped: a first one failed */
  VR_RMID_YIELDED,  /* its group is removed for another domain's first */
} vr_rmid_verdict;

typedef struct {
  vr_rmid_verdict verdict;
  char reason[VR_REASON_MAX]; /* DEFERRED / YIELDED: for the log line */
} vr_rmid_wait;

/**
 * Applies the rules above to plan (which reconcile made for desired[0..n)
 * and prefix); starved[0..n_starved): the uuids of the domains whose mkdir
 * failed with ENOSPC in the last pass that saw them. waits[i] (n entries)
 * says what became of desired[i]: SERVED or YIELDED. Returns 0 or -ENOMEM
 * (plan then unchanged, all SERVED).
 */
int vr_rmid_share(const vr_desired_group *desired, size_t n, const char *prefix,
                  const char (*starved)[VR_UUID_STRING_LEN + 1],
                  size_t n_starved, vr_plan *plan, vr_rmid_wait *waits);

/**
 * The verdict of a behind_firsts CREATE the executor skipped because the
 * first group of domain `waiting` found no RMID.
 */
void vr_rmid_defer(vr_rmid_wait *wait, const char *waiting);

#endif /* VR_RMID_SHARE_H */
