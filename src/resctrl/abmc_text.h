/* SPDX-License-Identifier: MIT */
/**
 * The text of the kernel's ABMC files (Linux 6.18, fs/resctrl/monitor.c):
 * the mode, the counter counts per L3 domain, a group's assignments. Pure:
 * resctrl_abmc.c reads the files, plan/mbm_assign.c decides who holds a
 * counter (doc/design.md, "ABMC counters").
 */
#ifndef VR_ABMC_TEXT_H
#define VR_ABMC_TEXT_H

#include <stdbool.h>

/* Event bits: bit e is the e-th MBM event (0 total, 1 local). */
#define VR_MBM_EVENTS 2

/** info/L3_MON/mbm_assign_mode: true when "[mbm_event]" is the mode in
 * use (resctrl_mbm_assign_mode_show brackets it). */
bool vr_abmc_mode_is_event(const char *text);

/**
 * num_mbm_cntrs / available_mbm_cntrs: "<domain id>=<count>;..." on one
 * line. Sets *count for domain id. 0, -ENOENT when id is not listed,
 * -EINVAL when the text is malformed.
 */
int vr_abmc_parse_counts(const char *text, unsigned id, unsigned *count);

/**
 * A group's mbm_L3_assignments: one line per MBM event,
 * "<event>:<domain id>=<e|_>;...". events[e] names bit e (NULL: unknown);
 * sets *held to the bits of events assigned ('e') on domain id. 0 or
 * -EINVAL when malformed.
 */
int vr_abmc_parse_assignments(const char *text, const char *const *events,
                              unsigned id, unsigned *held);

#endif /* VR_ABMC_TEXT_H */
