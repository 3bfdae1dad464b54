/* SPDX-License-Identifier: MIT */
/**
 * How one monitoring group fared in a pass: created or kept (OK), or
 * refused by resctrl (conflict, ENOSPC, EBUSY) with the reason. The engine
 * turns the problem kinds into findings (problems.h), which decide what is
 * notified (doc/design.md, "collectd interface"). Pure.
 */
#ifndef VR_GROUP_HEALTH_H
#define VR_GROUP_HEALTH_H

#include "plan/group_spec.h"
#include "plan/reconcile.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  VR_HEALTH_UNKNOWN, /* not decided yet */
  VR_HEALTH_OK,      /* includes "waiting for an online vCPU" */
  VR_HEALTH_INVALID, /* no resctrl name can be made for it */
  VR_HEALTH_CONFLICT,
  VR_HEALTH_RMID_EXHAUSTED, /* mkdir: ENOSPC */
  VR_HEALTH_RMID_LIMBO,     /* mkdir: EBUSY */
} vr_health_kind;

typedef struct {
  vr_health_kind kind;
  char reason[VR_REASON_MAX]; /* for the problem kinds */
} vr_health;

/** True for the kinds that raise a WARNING. */
bool vr_health_is_problem(vr_health_kind kind);

/** The class of problem (problems.h) a problem kind is reported under. */
vr_problem_class vr_health_problem(vr_health_kind kind);

/**
 * The health a reconcile outcome means: OK and WAITING (no vCPU online yet)
 * are OK, CONFLICT and INVALID carry the outcome's reason.
 */
void vr_health_from_outcome(const vr_group_outcome *outcome, vr_health *out);

/**
 * The health after the executor's CREATE failed with err (a negative
 * errno): -ENOSPC is rmid_exhausted, -EBUSY rmid_limbo (the kernel keeps a
 * freed RMID until its cache lines age out), anything else a conflict
 * naming the error. detail is the kernel's info/last_cmd_status ("" if
 * none), quoted in the reason. Returns the kind.
 */
vr_health_kind vr_health_from_create_error(int err, const char *detail,
                                           vr_health *out);

/** Builds a vr_health from a kind and a printf-style reason. */
void vr_health_set(vr_health *health, vr_health_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* VR_GROUP_HEALTH_H */
