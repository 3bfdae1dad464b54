/* SPDX-License-Identifier: MIT */
/**
 * The metric table: every value the plugin reports, one row each, and the
 * only place that knows them (doc/design.md, "The metric table"). Discovery
 * (which events mon_features lists, which mon_<RESOURCE>_<id> domains
 * exist), the readers (which file of each domain to pread), the series
 * (type, type_instance, the Report* key) and dispatch (gauge or derive,
 * unit conversion) all read it. Adding an event is one row here, plus its
 * support in the emulator and its tests.
 *
 * Columns:
 *  metric    the row's name: VR_METRIC_<metric>
 *  event     the event it reads: VR_FEAT_<event>, also its bit in the
 *            feature mask; NEW on the first row of an event, SAME on a later
 *            row that derives another value from the same file (read once)
 *  resource  mon_data/mon_<resource>_<id>, info/<resource>_MON
 *  file      the event's name in mon_features and in mon_data (resctrl.rst,
 *            "Resource monitoring")
 *  type      collectd type, from the stock types.db
 *  prefix    type_instance is "<prefix>-<domain id>"
 *  kind      GAUGE, or DERIVE for a counter the writers turn into a rate
 *  gate      the Report* key that turns it on (BYTES, PERCENT, BANDWIDTH,
 *            ENERGY)
 *  unit      RAW: the number as read; PERCENT_OF_SIZE: in percent of the
 *            domain's cache size (no value while the size is unknown);
 *            MICRO: a decimal fraction (PERF_PKG's fixed-point counters,
 *            print_event_value), read in millionths, sent as the number;
 *            RATE_OF_MICRO: the change per second of a MICRO counter
 *            between two reads of one pass after another (Joules -> Watts)
 */
#ifndef VR_METRIC_TABLE_H
#define VR_METRIC_TABLE_H

#include <stdbool.h>

/* clang-format off */
#define VR_METRIC_TABLE(X)                                                     \
  /* metric       event            first resource file            */         \
  /*              type                prefix   kind    gate       unit */     \
  X(LLC_BYTES,    LLC_OCCUPANCY,   NEW,  L3, "llc_occupancy",                 \
                  "bytes",            "llc",   GAUGE,  BYTES,     RAW)         \
  X(LLC_PERCENT,  LLC_OCCUPANCY,   SAME, L3, "llc_occupancy",                 \
                  "percent",          "llc",   GAUGE,  PERCENT,   PERCENT_OF_SIZE) \
  X(MBM_TOTAL,    MBM_TOTAL_BYTES, NEW,  L3, "mbm_total_bytes",               \
                  "memory_bandwidth", "total", DERIVE, BANDWIDTH, RAW)         \
  X(MBM_LOCAL,    MBM_LOCAL_BYTES, NEW,  L3, "mbm_local_bytes",               \
                  "memory_bandwidth", "local", DERIVE, BANDWIDTH, RAW)         \
  X(CORE_ENERGY,  CORE_ENERGY,     NEW,  PERF_PKG, "core_energy",           \
                  "energy",           "core",  GAUGE,  ENERGY,    MICRO)       \
  X(CORE_POWER,   CORE_ENERGY,     SAME, PERF_PKG, "core_energy",           \
                  "power",            "core",  GAUGE,  ENERGY,    RATE_OF_MICRO)

/* The monitoring resources: mon_data/mon_<name>_<id> directories. */
typedef enum {
  VR_RES_L3,
  VR_RES_PERF_PKG, /* Linux 7.0: Intel's per-package telemetry */
  VR_RES_COUNT
} vr_mon_resource;

/* The events, in table order: index = bit in a feature mask = slot in a
 * domain's values. */
#define VR_X_EVENT_NEW(event) VR_FEAT_##event,
#define VR_X_EVENT_SAME(event)
#define VR_X_EVENT(metric, event, first, ...) VR_X_EVENT_##first(event)
typedef enum {
  VR_METRIC_TABLE(VR_X_EVENT)
  VR_FEAT_COUNT
} vr_resctrl_feature;

/* The metrics, in table order. */
#define VR_X_METRIC(metric, ...) VR_METRIC_##metric,
typedef enum {
  VR_METRIC_TABLE(VR_X_METRIC)
  VR_METRIC_COUNT
} vr_metric;
/* clang-format on */

typedef enum {
  VR_GATE_BYTES,
  VR_GATE_PERCENT,
  VR_GATE_BANDWIDTH,
  VR_GATE_ENERGY
} vr_gate;
typedef enum {
  VR_UNIT_RAW,
  VR_UNIT_PERCENT_OF_SIZE,
  VR_UNIT_MICRO,
  VR_UNIT_RATE_OF_MICRO
} vr_unit;

/* One row. */
typedef struct {
  vr_mon_resource resource;
  vr_resctrl_feature event;
  const char *type;
  const char *prefix;
  bool derive;
  vr_gate gate;
  vr_unit unit;
} vr_metric_def;

extern const vr_metric_def vr_metric_defs[VR_METRIC_COUNT];

/** The file name of an event ("llc_occupancy"), NULL out of range. */
const char *vr_resctrl_feature_name(vr_resctrl_feature feature);

/** The resource an event belongs to. */
vr_mon_resource vr_resctrl_feature_resource(vr_resctrl_feature feature);

/** True when an event's file holds a decimal fraction (its first row's unit
 * is MICRO), read with vr_resctrl_parse_fixed. */
bool vr_resctrl_feature_fixed(vr_resctrl_feature feature);

/** A resource's name as the kernel spells it ("L3"), NULL out of range. */
const char *vr_mon_resource_name(vr_mon_resource resource);

#endif /* VR_METRIC_TABLE_H */
