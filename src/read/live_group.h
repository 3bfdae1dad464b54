/* SPDX-License-Identifier: MIT */
/**
 * A live group: a readable group (readable_group.h) that exists in resctrl
 * and is read every interval, with its open value files and its value
 * lists built once. vr_live_groups_read is the whole of the plugin's read
 * path.
 */
#ifndef VR_LIVE_GROUP_H
#define VR_LIVE_GROUP_H

#include "read/dispatch.h"
#include "read/host_sum.h"
#include "read/readable_group.h"
#include "read/series.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_values.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  /* The readable group it was opened for; its strings are the live
   * group's own, in one block that starts at id.domain. */
  vr_readable_group id;
  /* How many live sets hold it (live_set.h); the worker's alone. */
  unsigned n_sets;
  vr_resctrl_reader *reader;
  vr_dispatch_group *dispatch; /* NULL for VR_SOURCE_HOST: no series */
  vr_resctrl_value *values;    /* one slot per value the reader returns */
  size_t n_values;
  /* Its counters as the host context last summed them, one per counter
   * value (host_sum.h); made by the first read pass that sums it, NULL until
   * then and without ReportHost. The read pass's alone. */
  vr_sum_member *sum;
  /* A MON group's counters as the host scope last summed them apart from
   * its CTRL_MON group's (host_context.c, own_part): NULL until then. */
  vr_sum_member *host_sum;
  /* Set by a read pass when a value file answered as gone (ENODEV: the
   * kernel removed and made again mon_data/mon_L3_XX when its domain went
   * offline and came back, rmdir_mondata_subdir_allrdtgrp then
   * mkdir_mondata_subdir_allrdtgrp): the worker opens the group anew
   * instead of reusing its dead descriptors. */
  atomic_bool stale;
} vr_live_group;

/**
 * Opens the readable group g of resctrl r for reading and builds its value
 * lists. restart: per cache index of r, why its counters may have
 * restarted (NULL: no hint; see counter_carry.h). notes receives what to
 * say once about its series ("" if nothing). Returns 0 and *out, or a
 * negative errno with a reason.
 */
int vr_live_group_open(const vr_readable_group *g, const vr_resctrl *r,
                       const vr_series_config *config,
                       const vr_restart_hint *restart,
                       vr_resctrl_fd_budget *budget, vr_live_group **out,
                       char *notes, size_t notes_len, char *reason,
                       size_t reason_len);

/**
 * Reads and dispatches every group, each one vr_live_group_open opened:
 * one pread per value on kept fds, no directory scan, no libvirt call.
 * Counters go through carry (NULL: raw; see counter_carry.h). *vanished
 * is set when a group or one of its domains is gone (removed behind our
 * back, a domain offline, resctrl remounted): that group is marked stale
 * and still sends what it could read; the others report as usual.
 * Returns how many value lists went out.
 */
size_t vr_live_groups_read(vr_live_group *const *groups, size_t n,
                           vr_carry_table *carry, bool *vanished);

/** Closes the group's files, frees its value lists and it; NULL is fine. */
void vr_live_group_free(vr_live_group *g);

#endif /* VR_LIVE_GROUP_H */
