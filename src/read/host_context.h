/* SPDX-License-Identifier: MIT */
/**
 * The host context (doc/design.md, "Host context"; ReportHost): per cache
 * id, the whole host's occupancy and bandwidth (plugin_instance `host`:
 * the root group plus every other CTRL_MON group, each of which the kernel
 * reads summed with its MON groups, monitor.c mon_event_count) and the sum
 * of the groups we report (`vms`), so that a VM's share, the VMs' share and
 * the rest of the host's can be graphed side by side.
 *
 * Runs in the read pass, after vr_live_groups_read: it adds up the values
 * that pass already read (the CTRL_MON groups are live groups of source
 * VR_SOURCE_HOST, read with one pread per value like any group), so it
 * costs no system call of its own. Its state is the read pass's alone
 * (under the engine's read_lock).
 */
#ifndef VR_HOST_CONTEXT_H
#define VR_HOST_CONTEXT_H

#include "read/live_group.h"
#include "read/series.h"
#include "resctrl/resctrl.h"

#include <stddef.h>

typedef struct vr_host_context vr_host_context;

/** A host context dispatching per config (kept, must outlive it); NULL
 * when out of memory. */
vr_host_context *vr_host_context_new(const vr_series_config *config);

/** Frees it; NULL is fine. */
void vr_host_context_free(vr_host_context *h);

/** The readable group of one host member: the CTRL_MON group ctrl, or the
 * root for "" (kept: ctrl must outlive it). */
vr_readable_group vr_host_member(const char *ctrl);

/**
 * Sums the groups of one read pass (read through r, every one already read
 * this pass) and dispatches the `host` and `vms` series: VR_SOURCE_HOST
 * groups make `host`, every other group `vms`. Counters are running totals
 * that never fall (host_sum.h), kept per cache id across live sets and
 * resctrl handles; host adds each MON group read this pass on its own and
 * of its CTRL_MON group only the rest (doc/design.md, "Host context"), and
 * a counter goes out only when a member's counter read a number. Returns
 * how many value lists went out.
 */
size_t vr_host_context_submit(vr_host_context *h, vr_live_group *const *groups,
                              size_t n, const vr_resctrl *r);

#endif /* VR_HOST_CONTEXT_H */
