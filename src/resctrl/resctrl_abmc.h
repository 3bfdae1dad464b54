/* SPDX-License-Identifier: MIT */
/**
 * ABMC files of resctrl (Linux 6.18, AMD; doc/design.md, "ABMC counters"):
 * info/L3_MON/mbm_assign_mode and available_mbm_cntrs, and our MON groups'
 * mbm_L3_assignments. Part of the resctrl module (the only code touching
 * resctrl): paths below the root's fd, nothing followed, and only the
 * groups the caller names, which are ours, are ever written.
 */
#ifndef VR_RESCTRL_ABMC_H
#define VR_RESCTRL_ABMC_H

#include "resctrl/resctrl.h"

#include <stdbool.h>
#include <stddef.h>

/**
 * Reads the mode and the free counters per domain. *active: the mode in
 * use is "mbm_event" (false, and 0, on a kernel or CPU without ABMC).
 * available receives available_mbm_cntrs' text. 0 or a negative errno.
 */
int vr_resctrl_abmc_info(const vr_resctrl *r, bool *active, char *available,
                         size_t len);

/** Reads the mbm_L3_assignments of MON group name below ctrl ("" for the
 * root). 0 or a negative errno. */
int vr_resctrl_abmc_group_read(const vr_resctrl *r, const char *ctrl,
                               const char *name, char *buf, size_t len);

/**
 * Assigns (or frees) the counter of event on domain id of MON group name
 * below ctrl: one line "<event>:<id>=e" (or "=_") in one write(2), as
 * mbm_L3_assignments_write wants it (ending in a newline). On failure a
 * reason quoting the kernel's last_cmd_status. 0 or a negative errno
 * (-ENOSPC: no counter free).
 */
int vr_resctrl_abmc_group_write(const vr_resctrl *r, const char *ctrl,
                                const char *name, const char *event,
                                unsigned id, bool assign, char *reason,
                                size_t reason_len);

#endif /* VR_RESCTRL_ABMC_H */
