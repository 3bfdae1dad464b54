/* SPDX-License-Identifier: MIT */
/**
 * libvirt's own <cachetune>/<memorytune> <monitor> groups of the running
 * domains, found in resctrl's state by libvirt's naming (libvirt_groups.h),
 * and what they mean for our plan. Read-only: we report them, never write
 * or remove them (doc/design.md, "libvirt's own monitors").
 *
 * Pure: no I/O, no logging.
 */
#ifndef VR_LIBVIRT_MONITORS_H
#define VR_LIBVIRT_MONITORS_H

#include "plan/reconcile.h"
#include "resctrl/libvirt_groups.h"
#include "virt/domain_model.h"

#include <stddef.h>

typedef struct {
  const char *domain; /* the domain's name (points into the domain list) */
  const char *uuid;
  vr_lv_group group; /* what its name says: kind, libvirt's id, vCPUs */
  /* Where resctrl keeps it, as a readable group says it: a CTRL_MON group
   * is ctrl = its directory, name ""; a MON group ctrl = its allocation
   * ("" for the root), name = its directory. */
  char ctrl[VR_RESCTRL_NAME_MAX + 1];
  char name[VR_RESCTRL_NAME_MAX + 1];
  char *members; /* its vCPUs expanded, "0,1" (heap) */
  /* The desired group that reads it under its own name (exactly these
   * vCPUs), or VR_NO_DESIRED: then it is reported under libvirt's id. */
  size_t served;
} vr_lv_monitor;

typedef struct {
  vr_lv_monitor *items;
  size_t n;
} vr_lv_monitor_set;

/**
 * Every CTRL_MON and MON group in state whose name libvirt's QEMU driver
 * gives a group of one of domains (machine "qemu-<id>-<name>" of that run).
 * A CTRL_MON group is seen through its tasks (a running domain's
 * allocation holds its vCPU threads) or its MON groups. Returns 0 or
 * -ENOMEM (out is then empty). Free with vr_lv_monitors_clear.
 */
int vr_lv_monitors_find(const vr_domain_list *domains,
                        const vr_resctrl_state *state, vr_lv_monitor_set *out);

/**
 * Fits a plan made by vr_reconcile to libvirt's groups:
 *  - a vCPU group of the metadata with exactly a libvirt group's vCPUs (same
 *    domain) reads that group: outcome OK at libvirt's directory, no create
 *    or assign of ours, and the monitor's `served` names it;
 *  - a group that reconcile would place below a libvirt CTRL_MON group
 *    becomes a CONFLICT, and one of ours already there is removed: the
 *    kernel counts a CTRL_MON group's MON groups into its own values
 *    (mon_event_count() adds the child RMIDs), so libvirt's group, which we
 *    report as libvirt's domstats does, would count ours twice.
 * A partial overlap with a libvirt MON group is already reconcile's
 * conflict (a thread in a foreign MON group). Returns 0 or -ENOMEM.
 */
int vr_lv_monitors_apply(vr_lv_monitor_set *mons,
                         const vr_desired_group *desired, size_t n_desired,
                         const vr_resctrl_state *state, vr_plan *plan);

void vr_lv_monitors_clear(vr_lv_monitor_set *mons);

#endif /* VR_LIBVIRT_MONITORS_H */
