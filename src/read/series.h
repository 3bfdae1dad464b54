/* SPDX-License-Identifier: MIT */
/**
 * The collectd identifiers of one monitoring group on one L3 cache id
 * (doc/design.md, "collectd interface"): host, plugin_instance, and per metric
 * type and type_instance, plus the meta data strings; the plugin field is
 * always VR_SERIES_PLUGIN. Built once per group and cache id, reused every
 * interval.
 *
 * Pure: no I/O, no collectd calls (the glue copies the fields into a
 * value_list_t).
 */
#ifndef VR_SERIES_H
#define VR_SERIES_H

#include "plan/group_spec.h"
#include "read/name_format.h"
#include "resctrl/metric_table.h"
#include "resctrl/resctrl_name.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* collectd's DATA_MAX_NAME_LEN: its fields hold 127 characters and
 * truncate silently. */
#define VR_SERIES_FIELD_LEN 128
/* The plugin field of every value list and notification we send. */
#define VR_SERIES_PLUGIN "virt_resctrl"

typedef struct {
  /* PluginInstanceFormat and HostnameFormat (parsed in engine/vr_config.c;
   * n == 0 is each key's default: name, resp. hostname) */
  vr_name_format instance_format;
  vr_name_format host_format;
  /* collectd's Hostname, for a hostname field joined to others (a
   * HostnameFormat of hostname alone leaves host empty: collectd fills
   * it). NULL is an empty field. */
  const char *hostname;
  bool report_bytes;     /* ReportBytes */
  bool report_percent;   /* ReportPercent */
  bool report_bandwidth; /* ReportBandwidth */
  bool report_sub_numa;  /* ReportSubNUMA */
  bool report_energy;    /* ReportEnergy */
} vr_series_config;

/* One metric of the table, named for one cache id. */
typedef struct {
  vr_metric metric;
  bool derive; /* the raw counter (derive), else a gauge: the table's */
  char type[VR_SERIES_FIELD_LEN];
  char type_instance[VR_SERIES_FIELD_LEN];
} vr_series_metric;

/* Why the domain's UUID stands where its name was asked for. */
typedef enum {
  VR_FALLBACK_NONE,
  /* The name (with ":<group>" in plugin_instance) exceeds 127 chars. */
  VR_FALLBACK_TOO_LONG,
  /* The name is shaped like a UUID (not its own): it could collide with
   * another domain's UUID fallback. */
  VR_FALLBACK_UUID_SHAPED,
  /* Another domain would give the same host and plugin_instance (two Nova
   * instances of one display name, say). */
  VR_FALLBACK_CLASH,
  /* PluginInstanceFormat gives nothing: metadata alone, and the domain has
   * no such value. */
  VR_FALLBACK_EMPTY,
} vr_fallback;

typedef struct {
  char host[VR_SERIES_FIELD_LEN];
  char plugin_instance[VR_SERIES_FIELD_LEN];
  vr_fallback instance_fallback; /* say so once */
  vr_fallback host_fallback;     /* say so once */
  /* The L3 size was needed for percent and is unknown (say so once). */
  bool percent_unavailable;
  vr_series_metric metrics[VR_METRIC_COUNT]; /* those to dispatch */
  size_t n_metrics;
  /* meta data, as strings */
  char domain[VR_SERIES_FIELD_LEN * 8]; /* libvirt sets no name limit */
  char uuid[VR_UUID_STRING_LEN + 1];
  char group[VR_GROUP_NAME_MAX + 1];
  char *vcpus; /* expanded member list (heap) */
  char cache_id[16];
  /* A host context series: meta data without domain, uuid, vcpus. */
  bool context;
} vr_series;

typedef struct {
  const char *domain;  /* name */
  const char *uuid;    /* libvirt's UUID string */
  const char *group;   /* group name */
  const char *members; /* expanded ("0,1,2") */
  /* the value the metadata field stands for (NULL or "": none), read by
   * the worker from HostnameMetadataNS */
  const char *metadata;
  /* vr_series_name_key equals another running domain's: the UUID stands
   * in for the domain in plugin_instance */
  bool name_clash;
  /* the domain's resource (VR_RES_L3 when zeroed): only its rows */
  vr_mon_resource resource;
  unsigned cache_id; /* the domain id: an L3 cache id, a package id */
  uint64_t l3_size;  /* bytes; 0 = unknown: no percent metric */
  /* false: the cache id's own values; true: SNC node `node` below it
   * (Linux 6.11+, mon_sub_L3_YY): type_instance "<prefix>-<cache>-node<YY>",
   * YY two digits at least as the kernel writes it, l3_size the node's
   * share of the L3, and metrics only with ReportSubNUMA. */
  bool sub_numa;
  unsigned node;
} vr_series_input;

/* Which events exist: bit (1u << vr_resctrl_feature) per event, as
 * vr_resctrl.features holds them. */
typedef unsigned vr_mon_features;

/**
 * What names a domain's series before any UUID fallback: host and
 * plugin_instance's domain part as the formats compose them, in one string.
 * Two running domains with the same key clash (vr_name_clashes). Only
 * domain, uuid and metadata of in are read.
 */
void vr_series_name_key(const vr_series_input *in, const vr_series_config *cfg,
                        char *buf, size_t len);

/**
 * Builds the identifiers, one metric per row of the metric table whose
 * event exists and whose Report* key is on (for an SNC node, ReportSubNUMA
 * too). plugin_instance is
 * "<domain>:<group>", the domain as PluginInstanceFormat composes it
 * (name_format.h); the UUID replaces a label that would not fit in 127
 * characters, that is shaped like a UUID, that is empty or that clashes
 * (name_clash), so no two (domain, group) pairs of one host ever share a
 * series. host per HostnameFormat, with the same rules but for clashes, and
 * empty when it gives nothing (collectd's Hostname, as virt's). Returns 0,
 * -EINVAL (bad uuid, group or a domain name too long even for the meta data),
 * -ENOMEM. Free with vr_series_clear.
 */
int vr_series_build(const vr_series_input *in, const vr_series_config *cfg,
                    vr_mon_features features, vr_series *out);

void vr_series_clear(vr_series *series);

/* The host context's plugin_instance values (doc/design.md, "Host
 * context"): the whole host, and the sum of the groups we report. Neither
 * holds ':', which every "<domain>:<group>" does, so neither can be a
 * group's series. */
#define VR_SERIES_HOST_INSTANCE "host"
#define VR_SERIES_VMS_INSTANCE "vms"

/**
 * Builds the identifiers of one host context series on one domain of a
 * resource (an L3 cache id, a PERF_PKG package):
 * plugin_instance scope (one of the two above, else -EINVAL), host empty
 * (collectd's own name, whatever HostnameFormat says: these values are the
 * host's, not a domain's), the metrics as vr_series_build chooses them, and
 * meta data group = scope and cache_id. Free with vr_series_clear.
 */
int vr_series_build_context(const char *scope, vr_mon_resource resource,
                            unsigned cache_id, uint64_t l3_size,
                            const vr_series_config *cfg,
                            vr_mon_features features, vr_series *out);

typedef struct {
  const char *key;
  const char *value;
} vr_meta_field;

#define VR_SERIES_META_COUNT 5

/** The meta data as key/value pairs pointing into series: domain, uuid,
 * group, vcpus, cache_id. */
void vr_series_meta(const vr_series *series,
                    vr_meta_field out[VR_SERIES_META_COUNT]);

/**
 * Occupancy in percent of the cache's size. Returns 0, or -EDOM when the
 * size is unknown (0): no value then, never a made-up one.
 */
int vr_series_percent(uint64_t occupancy, uint64_t l3_size, double *out);

/**
 * Power in Watts from two reads of an energy counter in millionths of a
 * Joule (PERF_PKG core_energy) at times t1 < t2 in collectd's time unit
 * (cdtime_t, 2^-30 s): (e2 - e1) / (t2 - t1). -EDOM when there is no
 * honest value: t2 not after t1, or e2 below e1 (the counter restarted:
 * its group was made again or its package came back).
 */
int vr_series_power(uint64_t e1_micro, uint64_t t1, uint64_t e2_micro,
                    uint64_t t2, double *watts);

#endif /* VR_SERIES_H */
