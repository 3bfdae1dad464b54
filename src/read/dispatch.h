/* SPDX-License-Identifier: MIT */
/**
 * Dispatch: one monitoring group's values into collectd's write chain.
 *
 * Everything a value list needs (identifiers, meta data) is built once when
 * the group goes live and reused every interval; a read only fills in the
 * numbers. Values that read Unavailable/Error/Unassigned are skipped for
 * that interval, never sent as zero.
 */
#ifndef VR_DISPATCH_H
#define VR_DISPATCH_H

#include "read/counter_carry.h"
#include "read/series.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_values.h"

#include <stddef.h>

typedef struct vr_dispatch_group vr_dispatch_group;

typedef struct {
  const char *domain;
  const char *uuid;
  const char *group;
  const char *members;
  /* The domain's metadata name and whether its name clashes
   * (series.h, vr_series_input). */
  const char *name_meta;
  bool name_clash;
  /* Who made the group, for the meta data `owner` ("libvirt"); NULL for
   * ours: no such meta data. */
  const char *owner;
  const vr_resctrl *resctrl; /* cache ids, sizes and features */
  const vr_series_config *config;
  /* Per cache index of resctrl: why this group's counters there may have
   * restarted since its series last went out; NULL: no hint. */
  const vr_restart_hint *restart;
  /* Non-NULL: a host context series (VR_SERIES_HOST_INSTANCE or
   * VR_SERIES_VMS_INSTANCE, series.h), not a group's; domain, uuid, group
   * and members are then unused. */
  const char *context;
  /* The group asked for no MBM counter (mbm="off"): no warning when its
   * counters read "Unassigned". */
  bool mbm_off;
} vr_dispatch_input;

/**
 * Builds the value lists of one group for every cache id. *notes receives
 * what the glue should say once about this group (a UUID standing in for a
 * long name, no L3 size known), "" when nothing. Returns 0, -EINVAL or
 * -ENOMEM with a reason.
 */
int vr_dispatch_group_new(const vr_dispatch_input *in, vr_dispatch_group **out,
                          char *notes, size_t notes_len, char *reason,
                          size_t reason_len);

/**
 * Dispatches the values a reader returned (values[cache_index *
 * VR_FEAT_COUNT + feature]). A derive (counter) value goes through its
 * series' carry in carry (counter_carry.h), so that it stays monotonic
 * across resets; one line says why, per group and read, when one
 * restarted. carry NULL: the raw counters. Returns how many value lists
 * went out.
 */
size_t vr_dispatch_group_submit(vr_dispatch_group *g,
                                const vr_resctrl_value *values, size_t n,
                                vr_carry_table *carry);

void vr_dispatch_group_free(vr_dispatch_group *g);

#endif /* VR_DISPATCH_H */
