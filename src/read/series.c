/* SPDX-License-Identifier: MIT */
/**
 * collectd identifiers of a group's series; see series.h.
 */
#include "read/series.h"
#include "base/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A domain name stands for its domain only when it fits and is not shaped
 * like a UUID other than its own: the UUID fallback writes UUIDs in the
 * same place, so a UUID-shaped name could equal another domain's fallback.
 * Names are unique per host, UUIDs too, and group names hold no ':', so
 * "<domain>:<group>" never repeats. */
static vr_fallback domain_label(const vr_series_input *in, const char *suffix,
                                char *buf, size_t len) {
  if (vr_uuid_string_valid(in->domain) && strcmp(in->domain, in->uuid) != 0) {
    snprintf(buf, len, "%s%s", in->uuid, suffix);
    return VR_FALLBACK_UUID_SHAPED;
  }
  int n = snprintf(buf, len, "%s%s", in->domain, suffix);
  if (n < 0 || (size_t)n >= len) {
    snprintf(buf, len, "%s%s", in->uuid, suffix);
    return VR_FALLBACK_TOO_LONG;
  }
  return VR_FALLBACK_NONE;
}

/* True when the Report* key gate is on in cfg. */
static bool gate_open(const vr_series_config *cfg, vr_gate gate) {
  switch (gate) {
  case VR_GATE_BYTES:
    return cfg->report_bytes;
  case VR_GATE_PERCENT:
    return cfg->report_percent;
  case VR_GATE_BANDWIDTH:
    return cfg->report_bandwidth;
  case VR_GATE_ENERGY:
    return cfg->report_energy;
  }
  return false;
}

/* The metric table's rows whose Report* key is on and whose event exists;
 * a percent needs the cache's size too (no size known, no percent value). */
static void choose_metrics(vr_series *s, const vr_series_input *in,
                           const vr_series_config *cfg,
                           vr_mon_features features) {
  if (in->sub_numa && !cfg->report_sub_numa)
    return;
  for (int i = 0; i < VR_METRIC_COUNT; i++) {
    const vr_metric_def *def = &vr_metric_defs[i];
    /* a domain offers only its resource's events (no llc_occupancy in
     * mon_PERF_PKG_YY) */
    if (def->resource != in->resource || !gate_open(cfg, def->gate) ||
        !(features & (1u << def->event)))
      continue;
    if (def->unit == VR_UNIT_PERCENT_OF_SIZE && in->l3_size == 0) {
      s->percent_unavailable = true;
      continue;
    }
    vr_series_metric *m = &s->metrics[s->n_metrics++];
    m->metric = (vr_metric)i;
    m->derive = def->derive;
    snprintf(m->type, sizeof(m->type), "%s", def->type);
    if (in->sub_numa)
      snprintf(m->type_instance, sizeof(m->type_instance), "%s-%s-node%02u",
               def->prefix, s->cache_id, in->node);
    else
      snprintf(m->type_instance, sizeof(m->type_instance), "%s-%s", def->prefix,
               s->cache_id);
  }
}

int vr_series_build(const vr_series_input *in, const vr_series_config *cfg,
                    vr_mon_features features, vr_series *out) {
  *out = (vr_series){0};
  int rc = -EINVAL;
  if (!vr_uuid_string_valid(in->uuid) || !vr_group_name_valid(in->group) ||
      in->domain[0] == '\0')
    goto out;
  if (vr_copy_field(out->domain, sizeof(out->domain), in->domain) != 0 ||
      vr_copy_field(out->uuid, sizeof(out->uuid), in->uuid) != 0 ||
      vr_copy_field(out->group, sizeof(out->group), in->group) != 0)
    goto out;
  snprintf(out->cache_id, sizeof(out->cache_id), "%u", in->cache_id);

  char suffix[VR_GROUP_NAME_MAX + 2];
  snprintf(suffix, sizeof(suffix), ":%s", in->group);
  if (cfg->instance_format == VR_INSTANCE_UUID)
    snprintf(out->plugin_instance, sizeof(out->plugin_instance), "%s%s",
             in->uuid, suffix);
  else
    out->instance_fallback = domain_label(in, suffix, out->plugin_instance,
                                          sizeof(out->plugin_instance));

  if (cfg->host_format == VR_HOSTNAME_NAME)
    out->host_fallback = domain_label(in, "", out->host, sizeof(out->host));
  else if (cfg->host_format == VR_HOSTNAME_UUID)
    snprintf(out->host, sizeof(out->host), "%s", in->uuid);

  choose_metrics(out, in, cfg, features);
  out->vcpus = strdup(in->members ? in->members : "");
  rc = out->vcpus ? 0 : -ENOMEM;
out:
  if (rc != 0)
    vr_series_clear(out);
  return rc;
}

int vr_series_build_context(const char *scope, vr_mon_resource resource,
                            unsigned cache_id, uint64_t l3_size,
                            const vr_series_config *cfg,
                            vr_mon_features features, vr_series *out) {
  *out = (vr_series){0};
  if (strcmp(scope, VR_SERIES_HOST_INSTANCE) != 0 &&
      strcmp(scope, VR_SERIES_VMS_INSTANCE) != 0)
    return -EINVAL;
  out->context = true;
  snprintf(out->plugin_instance, sizeof(out->plugin_instance), "%s", scope);
  snprintf(out->group, sizeof(out->group), "%s", scope);
  snprintf(out->cache_id, sizeof(out->cache_id), "%u", cache_id);
  vr_series_input in = {
      .resource = resource, .cache_id = cache_id, .l3_size = l3_size};
  choose_metrics(out, &in, cfg, features);
  out->vcpus = strdup("");
  if (!out->vcpus) {
    vr_series_clear(out);
    return -ENOMEM;
  }
  return 0;
}

void vr_series_clear(vr_series *series) {
  free(series->vcpus);
  *series = (vr_series){0};
}

void vr_series_meta(const vr_series *series,
                    vr_meta_field out[VR_SERIES_META_COUNT]) {
  out[0] = (vr_meta_field){"domain", series->domain};
  out[1] = (vr_meta_field){"uuid", series->uuid};
  out[2] = (vr_meta_field){"group", series->group};
  out[3] = (vr_meta_field){"vcpus", series->vcpus ? series->vcpus : ""};
  out[4] = (vr_meta_field){"cache_id", series->cache_id};
}

int vr_series_power(uint64_t e1_micro, uint64_t t1, uint64_t e2_micro,
                    uint64_t t2, double *watts) {
  if (t2 <= t1 || e2_micro < e1_micro)
    return -EDOM;
  /* cdtime_t counts 2^-30 s (collectd's utils_time.h) */
  double seconds = (double)(t2 - t1) / 1073741824.0;
  *watts = (double)(e2_micro - e1_micro) / 1e6 / seconds;
  return 0;
}

int vr_series_percent(uint64_t occupancy, uint64_t l3_size, double *out) {
  if (l3_size == 0)
    return -EDOM;
  *out = (double)occupancy * 100.0 / (double)l3_size;
  return 0;
}
