/* SPDX-License-Identifier: MIT */
/**
 * Notification state of one monitoring group (or of a domain's metadata):
 * doc/design.md, "collectd interface": conflicts, ENOSPC/EBUSY and invalid
 * metadata raise a WARNING once per change of state, and an OKAY when it
 * clears. Given the previous state and the new outcome, decides which
 * notification, if any, to send and with what text.
 *
 * Pure: the glue keeps one vr_health per (domain, group) and sends.
 */
#ifndef VR_GROUP_HEALTH_H
#define VR_GROUP_HEALTH_H

#include "plan/group_spec.h"
#include "plan/reconcile.h"

#include <stdbool.h>
#include <stddef.h>

/* collectd's NOTIF_MAX_MSG_LEN */
#define VR_NOTICE_MSG_LEN 256

typedef enum {
  VR_HEALTH_UNKNOWN, /* never seen (initial state): a first OK is silent */
  VR_HEALTH_OK,      /* includes "waiting for an online vCPU" */
  VR_HEALTH_INVALID, /* invalid metadata */
  VR_HEALTH_CONFLICT,
  VR_HEALTH_RMID_EXHAUSTED, /* mkdir: ENOSPC */
  VR_HEALTH_RMID_LIMBO,     /* mkdir: EBUSY */
  VR_HEALTH_GONE, /* domain stopped or group dropped: forget the state */
} vr_health_kind;

typedef struct {
  vr_health_kind kind;
  char reason[VR_REASON_MAX]; /* for the problem kinds */
} vr_health;

typedef enum {
  VR_NOTICE_NONE,
  VR_NOTICE_WARNING,
  VR_NOTICE_OKAY,
} vr_notice_severity;

typedef struct {
  vr_notice_severity severity;
  char message[VR_NOTICE_MSG_LEN];
} vr_notice;

/** True for the kinds that raise a WARNING. */
bool vr_health_is_problem(vr_health_kind kind);

/**
 * Moves *state to next and fills *notice: a WARNING naming domain, group
 * and reason when a problem starts or changes (kind or reason); an OKAY
 * when a problem clears (OK, or GONE: a stopped domain's warning should
 * not stay raised); nothing otherwise. The message reads
 * "domain D group G: REASON" and is cut with "..." if it would not fit.
 */
void vr_health_update(vr_health *state, const vr_health *next,
                      const char *domain, const char *group, vr_notice *notice);

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
