/* SPDX-License-Identifier: MIT */
/**
 * The metric table's rows as data; see metric_table.h.
 */
#include "resctrl/metric_table.h"

#include <stddef.h>

#define VR_X_DEF(metric, event, first, resource, file, type, prefix, kind,     \
                 gate, unit)                                                   \
  [VR_METRIC_##                                                                \
      metric] = {VR_RES_##resource, VR_FEAT_##event, type,          prefix,    \
                 VR_X_KIND_##kind,  VR_GATE_##gate,  VR_UNIT_##unit},
#define VR_X_KIND_GAUGE false
#define VR_X_KIND_DERIVE true

const vr_metric_def vr_metric_defs[VR_METRIC_COUNT] = {
    VR_METRIC_TABLE(VR_X_DEF)};

/* Each event's file, from the first row that reads it. */
#define VR_X_FILE_NEW(event, resource, file, unit)                             \
  [VR_FEAT_##event] = {VR_RES_##resource, file, VR_X_FIXED_##unit},
#define VR_X_FILE_SAME(event, resource, file, unit)
#define VR_X_FILE(metric, event, first, resource, file, type, prefix, kind,    \
                  gate, unit)                                                  \
  VR_X_FILE_##first(event, resource, file, unit)
#define VR_X_FIXED_RAW false
#define VR_X_FIXED_PERCENT_OF_SIZE false
#define VR_X_FIXED_MICRO true
#define VR_X_FIXED_RATE_OF_MICRO true

static const struct {
  vr_mon_resource resource;
  const char *file;
  bool fixed;
} events[VR_FEAT_COUNT] = {VR_METRIC_TABLE(VR_X_FILE)};

static const char *const resource_names[VR_RES_COUNT] = {
    [VR_RES_L3] = "L3", [VR_RES_PERF_PKG] = "PERF_PKG"};

const char *vr_resctrl_feature_name(vr_resctrl_feature feature) {
  if ((int)feature < 0 || feature >= VR_FEAT_COUNT)
    return NULL;
  return events[feature].file;
}

vr_mon_resource vr_resctrl_feature_resource(vr_resctrl_feature feature) {
  return events[feature].resource;
}

bool vr_resctrl_feature_fixed(vr_resctrl_feature feature) {
  return events[feature].fixed;
}

const char *vr_mon_resource_name(vr_mon_resource resource) {
  if ((int)resource < 0 || resource >= VR_RES_COUNT)
    return NULL;
  return resource_names[resource];
}
