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

/* Room for any composed label: a domain name (up to the meta data's
 * size), a UUID, a metadata value and collectd's Hostname. */
#define LABEL_LEN (VR_SERIES_FIELD_LEN * 8 + 512)

static void compose(const vr_series_input *in, const vr_series_config *cfg,
                    vr_format_key key, char *buf, size_t len, bool *too_long) {
  vr_name_values values = {.hostname = cfg->hostname,
                           .name = in->domain,
                           .uuid = in->uuid,
                           .metadata = in->metadata};
  const vr_name_format *format =
      key == VR_FORMAT_HOSTNAME ? &cfg->host_format : &cfg->instance_format;
  *too_long = vr_name_compose(format, key, &values, buf, len) < 0;
}

/* A label stands for its domain only when it fits, is not empty, clashes
 * with no other domain's and is not shaped like a UUID other than the
 * domain's own: the UUID fallback writes UUIDs in the same place, so a
 * UUID-shaped label could equal another domain's fallback. UUIDs are unique
 * per host and group names hold no ':', so "<label>:<group>" never
 * repeats. */
static vr_fallback domain_label(const vr_series_input *in,
                                const vr_series_config *cfg, vr_format_key key,
                                const char *suffix, char *buf, size_t len) {
  char label[LABEL_LEN];
  bool too_long;
  compose(in, cfg, key, label, sizeof(label), &too_long);
  vr_fallback why = VR_FALLBACK_NONE;
  if (key == VR_FORMAT_INSTANCE && in->name_clash)
    why = VR_FALLBACK_CLASH;
  else if (too_long)
    why = VR_FALLBACK_TOO_LONG;
  else if (label[0] == '\0')
    why = VR_FALLBACK_EMPTY;
  else if (vr_uuid_string_valid(label) && strcmp(label, in->uuid) != 0)
    why = VR_FALLBACK_UUID_SHAPED;
  if (why == VR_FALLBACK_NONE) {
    int n = snprintf(buf, len, "%s%s", label, suffix);
    if (n < 0 || (size_t)n >= len)
      why = VR_FALLBACK_TOO_LONG;
  }
  if (why != VR_FALLBACK_NONE)
    snprintf(buf, len, "%s%s", in->uuid, suffix);
  return why;
}

/* HostnameFormat hostname alone: host stays empty and collectd writes its
 * own name, as before these formats took several fields. */
static bool host_is_collectds(const vr_series_config *cfg) {
  return cfg->host_format.n == 0 ||
         (cfg->host_format.n == 1 &&
          cfg->host_format.fields[0] == VR_FIELD_HOSTNAME);
}

void vr_series_name_key(const vr_series_input *in, const vr_series_config *cfg,
                        char *buf, size_t len) {
  char host[LABEL_LEN] = "", instance[LABEL_LEN];
  bool too_long;
  if (!host_is_collectds(cfg))
    compose(in, cfg, VR_FORMAT_HOSTNAME, host, sizeof(host), &too_long);
  compose(in, cfg, VR_FORMAT_INSTANCE, instance, sizeof(instance), &too_long);
  /* '\n' is in no collectd identifier: the two parts cannot run together */
  snprintf(buf, len, "%s\n%s", host, instance);
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
  out->instance_fallback =
      domain_label(in, cfg, VR_FORMAT_INSTANCE, suffix, out->plugin_instance,
                   sizeof(out->plugin_instance));
  if (!host_is_collectds(cfg)) {
    out->host_fallback = domain_label(in, cfg, VR_FORMAT_HOSTNAME, "",
                                      out->host, sizeof(out->host));
    /* nothing composed (metadata alone, none set): collectd's name, as
     * virt's empty host becomes */
    if (out->host_fallback == VR_FALLBACK_EMPTY) {
      out->host[0] = '\0';
      out->host_fallback = VR_FALLBACK_NONE;
    }
  }

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
