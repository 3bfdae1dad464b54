/**
 * Dispatch of one group's values; see dispatch.h.
 */
#include "dispatch.h"

#include "vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  value_list_t lists[VR_METRIC_COUNT];
  value_t values[VR_METRIC_COUNT];
  vr_metric metrics[VR_METRIC_COUNT];
  size_t n_lists;
  uint64_t l3_size;
  size_t cache_index;
  meta_data_t *meta;
} cache_series;

struct vr_dispatch_group {
  cache_series *caches;
  size_t n_caches;
  char instance[DATA_MAX_NAME_LEN];
};

static const char *fallback_words(vr_fallback why) {
  switch (why) {
  case VR_FALLBACK_TOO_LONG:
    return "the domain name is too long for collectd's 127-character field";
  case VR_FALLBACK_UUID_SHAPED:
    return "the domain name looks like a UUID and could collide with another "
           "domain's";
  default:
    return "";
  }
}

/* Turns one built series into value lists that share one meta data set. */
static int fill_cache(cache_series *c, const vr_series *s) {
  vr_meta_field fields[VR_SERIES_META_COUNT];
  c->meta = meta_data_create();
  if (!c->meta)
    return -ENOMEM;
  vr_series_meta(s, fields);
  for (size_t i = 0; i < VR_SERIES_META_COUNT; i++)
    if (meta_data_add_string(c->meta, fields[i].key, fields[i].value) != 0)
      return -ENOMEM;
  c->n_lists = s->n_metrics;
  for (size_t m = 0; m < s->n_metrics; m++) {
    value_list_t *vl = &c->lists[m];
    *vl = (value_list_t)VALUE_LIST_INIT;
    vl->values = &c->values[m];
    vl->values_len = 1;
    sstrncpy(vl->host, s->host, sizeof(vl->host));
    sstrncpy(vl->plugin, s->plugin, sizeof(vl->plugin));
    sstrncpy(vl->plugin_instance, s->plugin_instance,
             sizeof(vl->plugin_instance));
    sstrncpy(vl->type, s->metrics[m].type, sizeof(vl->type));
    sstrncpy(vl->type_instance, s->metrics[m].type_instance,
             sizeof(vl->type_instance));
    vl->meta = c->meta;
    c->metrics[m] = s->metrics[m].metric;
  }
  return 0;
}

int vr_dispatch_group_new(const vr_dispatch_input *in, vr_dispatch_group **out,
                          char *notes, size_t notes_len, char *reason,
                          size_t reason_len) {
  const vr_resctrl *r = in->resctrl;
  vr_mon_features features = {
      .llc_occupancy = r->features & (1u << VR_FEAT_LLC_OCCUPANCY),
      .mbm_total_bytes = r->features & (1u << VR_FEAT_MBM_TOTAL_BYTES),
      .mbm_local_bytes = r->features & (1u << VR_FEAT_MBM_LOCAL_BYTES),
  };
  int status = 0;
  *out = NULL;
  notes[0] = '\0';
  vr_dispatch_group *g = calloc(1, sizeof(*g));
  if (!g || !(g->caches =
                  calloc(r->n_caches ? r->n_caches : 1, sizeof(*g->caches)))) {
    status = -ENOMEM;
    goto fail;
  }
  for (size_t i = 0; i < r->n_caches; i++) {
    vr_series s;
    vr_series_input input = {
        .domain = in->domain,
        .uuid = in->uuid,
        .group = in->group,
        .members = in->members,
        .cache_id = r->caches[i].id,
        .l3_size = r->caches[i].size,
    };
    status = vr_series_build(&input, in->config, &features, &s);
    if (status < 0) {
      ssnprintf(reason, reason_len, "cannot name its series (%s)",
                status == -ENOMEM ? "out of memory" : "invalid name");
      goto fail;
    }
    cache_series *c = &g->caches[g->n_caches++];
    c->l3_size = r->caches[i].size;
    c->cache_index = i;
    status = fill_cache(c, &s);
    if (i == 0) {
      sstrncpy(g->instance, s.plugin_instance, sizeof(g->instance));
      if (s.instance_fallback != VR_FALLBACK_NONE)
        ssnprintf(notes, notes_len,
                  "plugin_instance uses the domain's UUID (\"%s\"): %s",
                  s.plugin_instance, fallback_words(s.instance_fallback));
      else if (s.host_fallback != VR_FALLBACK_NONE)
        ssnprintf(notes, notes_len, "host uses the domain's UUID: %s",
                  fallback_words(s.host_fallback));
    }
    if (s.percent_unavailable && !notes[0])
      ssnprintf(notes, notes_len,
                "no size is known for L3 cache %u under SysfsPath, so no "
                "percent value for it",
                r->caches[i].id);
    vr_series_clear(&s);
    if (status < 0) {
      ssnprintf(reason, reason_len, "out of memory");
      goto fail;
    }
  }
  *out = g;
  return 0;

fail:
  vr_dispatch_group_free(g);
  return status;
}

size_t vr_dispatch_group_submit(vr_dispatch_group *g,
                                const vr_resctrl_value *values, size_t n) {
  size_t sent = 0;
  for (size_t i = 0; i < g->n_caches; i++) {
    cache_series *c = &g->caches[i];
    const vr_resctrl_value *base = values + c->cache_index * VR_FEAT_COUNT;
    if ((c->cache_index + 1) * VR_FEAT_COUNT > n)
      break;
    for (size_t m = 0; m < c->n_lists; m++) {
      const vr_resctrl_value *v;
      switch (c->metrics[m]) {
      case VR_METRIC_LLC_BYTES:
      case VR_METRIC_LLC_PERCENT:
        v = &base[VR_FEAT_LLC_OCCUPANCY];
        break;
      case VR_METRIC_MBM_TOTAL:
        v = &base[VR_FEAT_MBM_TOTAL_BYTES];
        break;
      default:
        v = &base[VR_FEAT_MBM_LOCAL_BYTES];
        break;
      }
      /* Unavailable, Error, Unassigned: no value this interval, never a
       * zero that would read as "cache empty". */
      if (v->status != VR_READ_VALUE)
        continue;
      if (c->metrics[m] == VR_METRIC_LLC_BYTES) {
        c->values[m].gauge = (gauge_t)v->value;
      } else if (c->metrics[m] == VR_METRIC_LLC_PERCENT) {
        double percent;
        if (vr_series_percent(v->value, c->l3_size, &percent) < 0)
          continue;
        c->values[m].gauge = percent;
      } else {
        c->values[m].derive = (derive_t)v->value;
      }
      c->lists[m].time = 0; /* collectd stamps it */
      if (plugin_dispatch_values(&c->lists[m]) == 0)
        sent++;
    }
  }
  return sent;
}

const char *vr_dispatch_group_instance(const vr_dispatch_group *g) {
  return g->instance;
}

void vr_dispatch_group_free(vr_dispatch_group *g) {
  if (!g)
    return;
  for (size_t i = 0; i < g->n_caches; i++)
    meta_data_destroy(g->caches[i].meta);
  free(g->caches);
  free(g);
}
