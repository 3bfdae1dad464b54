/* SPDX-License-Identifier: MIT */
/**
 * The layout of a dispatch group (dispatch.h), shared by its two halves:
 * dispatch_build.c makes and frees it, dispatch.c sends its values. Not
 * for other modules.
 */
#ifndef VR_DISPATCH_BLOCK_H
#define VR_DISPATCH_BLOCK_H

#include "read/counter_carry.h"
#include "read/dispatch.h"

#include "collectd/core/utils/common/common.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/* What tells one metric's series from another's within a group, and what
 * it keeps between reads: 24 bytes. Its names are not kept: type is the
 * metric table's and type_instance the table's prefix followed by its
 * cache's suffix, both copied into the one value list of a read (see
 * vr_dispatch_group_submit). A value_list_t per metric was 5.6 KiB a
 * group; a metric with its names and a slot for every row of the table,
 * 1.3 KiB (doc/performance.md, "Where the memory goes"). */
typedef struct {
  union {
    /* derive and energy: its carry */
    vr_carry_ref carry_ref;
    /* power (RATE_OF_MICRO): the counter and its time at the last read
     * that had a value (have_last false: none yet, or forgotten at a gap) */
    struct {
      uint64_t micro;
      cdtime_t time;
    } last;
  } u;
  unsigned char metric; /* vr_metric */
  /* vr_restart_hint: why its counter may have restarted before the first
   * value this group sends (cleared by that value) */
  unsigned char restart;
  bool have_last;
} metric_id;

_Static_assert(VR_METRIC_COUNT <= UCHAR_MAX, "a metric fits a byte");

/* The suffix of an SNC node's type_instance at most:
 * "-4294967295-node4294967295". */
#define SUFFIX_LEN 28

typedef struct {
  uint64_t l3_size;
  /* The meta data of this cache id's values; the caches of one id (an L3
   * cache, its SNC nodes, the package of the same number) have the same
   * meta data, so the first of them makes it and the others share it
   * (meta_owned false). NULL when the cache sends nothing. */
  meta_data_t *meta;
  unsigned cache_id;
  unsigned short first; /* its metrics: the group's metrics[first..] */
  unsigned char n_metrics;
  bool meta_owned;
  unsigned char suffix_len;
  /* type_instance after the metric's prefix: "-<id>" or "-<id>-node<YY>" */
  char suffix[SUFFIX_LEN];
} cache_series;

/* Allocated as one block: this header, then caches, metrics and the three
 * strings, so that a group costs one allocation and no padding of many. */
struct vr_dispatch_group {
  cache_series *caches;
  metric_id *metrics;
  size_t n_caches;
  const char *host;
  const char *instance;
  const char *label; /* "domain D group G", for the one line about Unassigned */
  bool unassigned_said;
  /* events (a bit per vr_resctrl_feature) whose values are out of bounds,
   * said once until every cache's value is sane again */
  unsigned insane_said;
  bool mbm_off; /* "Unassigned" was asked for: nothing to say */
};

#endif /* VR_DISPATCH_BLOCK_H */
