/* SPDX-License-Identifier: MIT */
/**
 * Notification state of a group; see group_health.h.
 */
#include "plan/group_health.h"
#include "base/text.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

bool vr_health_is_problem(vr_health_kind kind) {
  return kind == VR_HEALTH_INVALID || kind == VR_HEALTH_CONFLICT ||
         kind == VR_HEALTH_RMID_EXHAUSTED || kind == VR_HEALTH_RMID_LIMBO;
}

vr_problem_class vr_health_problem(vr_health_kind kind) {
  switch (kind) {
  case VR_HEALTH_INVALID:
    return VR_PROBLEM_INVALID_NAME;
  case VR_HEALTH_RMID_EXHAUSTED:
    return VR_PROBLEM_NO_RMID;
  case VR_HEALTH_RMID_LIMBO:
    return VR_PROBLEM_RMID_LIMBO;
  case VR_HEALTH_CONFLICT:
  default:
    return VR_PROBLEM_CONFLICT;
  }
}

void vr_health_set(vr_health *health, vr_health_kind kind, const char *fmt,
                   ...) {
  health->kind = kind;
  va_list ap;
  va_start(ap, fmt);
  vr_vformat_cut(health->reason, sizeof(health->reason), fmt, ap);
  va_end(ap);
}

void vr_health_from_outcome(const vr_group_outcome *outcome, vr_health *out) {
  switch (outcome->kind) {
  case VR_OUTCOME_CONFLICT:
    vr_health_set(out, VR_HEALTH_CONFLICT, "%s", outcome->reason);
    break;
  case VR_OUTCOME_INVALID:
    vr_health_set(out, VR_HEALTH_INVALID, "%s", outcome->reason);
    break;
  case VR_OUTCOME_OK:
  case VR_OUTCOME_WAITING:
  default:
    vr_health_set(out, VR_HEALTH_OK, "%s", "");
    break;
  }
}

/* doc/design.md, "resctrl rules": mkdir fails with ENOSPC when no RMID is left
 * and EBUSY while freed RMIDs are still in limbo; both are retried at later
 * resyncs, and the warning says so. detail is the kernel's word on it
 * (info/last_cmd_status), or "". */
vr_health_kind vr_health_from_create_error(int err, const char *detail,
                                           vr_health *out) {
  const char *sep = detail[0] ? ": " : "";
  if (err == -ENOSPC)
    vr_health_set(out, VR_HEALTH_RMID_EXHAUSTED,
                  "no RMID left (ENOSPC%s%s); retrying at each resync", sep,
                  detail);
  else if (err == -EBUSY)
    vr_health_set(out, VR_HEALTH_RMID_LIMBO,
                  "every free RMID is still in limbo (EBUSY%s%s); retrying "
                  "at each resync",
                  sep, detail);
  else
    vr_health_set(out, VR_HEALTH_CONFLICT,
                  "cannot create the resctrl group: %s",
                  detail[0] ? detail : strerror(-err));
  return out->kind;
}
