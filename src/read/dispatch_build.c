/* SPDX-License-Identifier: MIT */
/**
 * Making and freeing a dispatch group: its series named once, packed into
 * one block with its meta data (dispatch_block.h); see dispatch.h.
 */
#include "read/dispatch.h"
#include "read/dispatch_block.h"

#include "collectd/core/utils/common/common.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *fallback_words(vr_fallback why) {
  switch (why) {
  case VR_FALLBACK_TOO_LONG:
    return "the domain name is too long for collectd's 127-character field";
  case VR_FALLBACK_UUID_SHAPED:
    return "the domain name looks like a UUID and could collide with another "
           "domain's";
  case VR_FALLBACK_EMPTY:
    return "the format gives an empty name (the domain has no value at "
           "HostnameMetadataXPath)";
  default:
    return "";
  }
}

/* The meta data of one built series. */
static int make_meta(const vr_series *s, const char *owner, meta_data_t **out) {
  vr_meta_field fields[VR_SERIES_META_COUNT];
  meta_data_t *md = meta_data_create();
  int rc = md ? 0 : -ENOMEM;
  vr_series_meta(s, fields);
  for (size_t i = 0; rc == 0 && i < VR_SERIES_META_COUNT; i++) {
    /* A host context series has no domain, UUID or members to name. */
    if (s->context && fields[i].value[0] == '\0')
      continue;
    if (meta_data_add_string(md, fields[i].key, fields[i].value) != 0)
      rc = -ENOMEM;
  }
  /* A group someone else made (libvirt's <monitor>) says so, so that a
   * writer can tell it is read-only to us. */
  if (rc == 0 && owner && meta_data_add_string(md, "owner", owner) != 0)
    rc = -ENOMEM;
  if (rc < 0 && md) {
    meta_data_destroy(md);
    md = NULL;
  }
  *out = md;
  return rc;
}

/* Keeps one built series: its metrics, the suffix their type_instance
 * shares after the table's prefix, and its meta data, shared with an
 * earlier cache of the same id. */
static int fill_cache(vr_dispatch_group *g, size_t i, const vr_series *s,
                      const char *owner, size_t *next_metric) {
  cache_series *c = &g->caches[i];
  c->first = (unsigned short)*next_metric;
  c->n_metrics = (unsigned char)s->n_metrics;
  for (size_t m = 0; m < s->n_metrics; m++) {
    const char *prefix = vr_metric_defs[s->metrics[m].metric].prefix;
    size_t len = strlen(prefix);
    const char *suffix = s->metrics[m].type_instance + len;
    /* series.c names every metric "<prefix><suffix>", one suffix per
     * cache */
    if (strncmp(s->metrics[m].type_instance, prefix, len) != 0 ||
        strlen(suffix) >= sizeof(c->suffix) ||
        (m > 0 && strcmp(suffix, c->suffix) != 0))
      return -EINVAL;
    if (m == 0) {
      c->suffix_len = (unsigned char)strlen(suffix);
      memcpy(c->suffix, suffix, c->suffix_len + 1);
    }
    g->metrics[c->first + m].metric = (unsigned char)s->metrics[m].metric;
  }
  *next_metric += s->n_metrics;
  if (s->n_metrics == 0)
    return 0;
  for (size_t j = 0; j < i; j++)
    if (g->caches[j].meta && g->caches[j].cache_id == c->cache_id) {
      c->meta = g->caches[j].meta;
      return 0;
    }
  c->meta_owned = true;
  return make_meta(s, owner, &c->meta);
}

/* Builds the series of every cache of r for in (a host context's, or a
 * group's) into series[0..n_caches). */
static int build_series(const vr_dispatch_input *in, vr_series *series) {
  const vr_resctrl *r = in->resctrl;
  for (size_t i = 0; i < r->n_caches; i++) {
    vr_series_input input = {
        .domain = in->domain,
        .uuid = in->uuid,
        .group = in->group,
        .members = in->members,
        .metadata = in->name_meta,
        .name_clash = in->name_clash,
        .resource = r->caches[i].resource,
        .cache_id = r->caches[i].id,
        .l3_size = r->caches[i].size,
        .sub_numa = r->caches[i].node >= 0,
        .node = r->caches[i].node >= 0 ? (unsigned)r->caches[i].node : 0,
    };
    int status =
        in->context
            ? vr_series_build_context(in->context, r->caches[i].resource,
                                      r->caches[i].id, r->caches[i].size,
                                      in->config, r->features, &series[i])
            : vr_series_build(&input, in->config, r->features, &series[i]);
    if (status < 0)
      return status;
    /* The host context is per L3 cache id and per package: an SNC node's
     * entry is part of its L3's sum. Its slots stay, so that the values
     * keep the reader's layout, but send nothing. */
    if (in->context && r->caches[i].node >= 0)
      series[i].n_metrics = 0;
  }
  return 0;
}

/* What the glue says once about a group's series ("" when nothing). */
static void note_series(const vr_resctrl *r, const vr_series *series,
                        char *notes, size_t notes_len) {
  /* A clash is the engine's to say, once for both domains
   * (engine_names.c), not once per group. */
  if (r->n_caches > 0) {
    const vr_series *s = &series[0];
    if (s->instance_fallback != VR_FALLBACK_NONE &&
        s->instance_fallback != VR_FALLBACK_CLASH)
      ssnprintf(notes, notes_len,
                "plugin_instance uses the domain's UUID (\"%s\"): %s",
                s->plugin_instance, fallback_words(s->instance_fallback));
    else if (s->host_fallback != VR_FALLBACK_NONE)
      ssnprintf(notes, notes_len, "host uses the domain's UUID: %s",
                fallback_words(s->host_fallback));
  }
  for (size_t i = 0; i < r->n_caches && !notes[0]; i++)
    if (series[i].percent_unavailable && r->caches[i].node < 0)
      ssnprintf(notes, notes_len,
                "no size is known for L3 cache %u under SysfsPath, so no "
                "percent value for it",
                r->caches[i].id);
}

/* Copies s into the block at *at and moves *at past it. */
static const char *place(char **at, const char *s) {
  size_t len = strlen(s) + 1;
  char *dst = memcpy(*at, s, len);
  *at += len;
  return dst;
}

int vr_dispatch_group_new(const vr_dispatch_input *in, vr_dispatch_group **out,
                          char *notes, size_t notes_len, char *reason,
                          size_t reason_len) {
  const vr_resctrl *r = in->resctrl;
  int status = -ENOMEM;
  vr_dispatch_group *g = NULL;
  *out = NULL;
  notes[0] = '\0';
  char label[512];
  if (in->context)
    ssnprintf(label, sizeof(label), "host context %s", in->context);
  else
    ssnprintf(label, sizeof(label), "domain %s group %s", in->domain,
              in->group);
  /* Built all at once, so that the block is allocated at its size. */
  vr_series *series = calloc(r->n_caches ? r->n_caches : 1, sizeof(*series));
  if (!series)
    goto fail;
  status = build_series(in, series);
  if (status < 0)
    goto fail;
  size_t n_metrics = 0;
  for (size_t i = 0; i < r->n_caches; i++)
    n_metrics += series[i].n_metrics;
  /* host and plugin_instance are the group's, whatever the cache */
  const char *host = r->n_caches ? series[0].host : "";
  const char *instance = r->n_caches ? series[0].plugin_instance : "";
  size_t size = sizeof(*g) + r->n_caches * sizeof(cache_series) +
                n_metrics * sizeof(metric_id) + strlen(host) +
                strlen(instance) + strlen(label) + 3;
  if (n_metrics > USHRT_MAX) {
    status = -EINVAL;
    goto fail;
  }
  g = calloc(1, size);
  if (!g) {
    status = -ENOMEM;
    goto fail;
  }
  g->caches = (cache_series *)(g + 1);
  g->metrics = (metric_id *)(g->caches + r->n_caches);
  char *strings = (char *)(g->metrics + n_metrics);
  g->host = place(&strings, host);
  g->instance = place(&strings, instance);
  g->label = place(&strings, label);
  g->mbm_off = in->mbm_off;
  size_t next = 0;
  status = 0;
  for (size_t i = 0; i < r->n_caches && status == 0; i++) {
    cache_series *c = &g->caches[g->n_caches++];
    c->l3_size = r->caches[i].size;
    c->cache_id = r->caches[i].id;
    status = fill_cache(g, i, &series[i], in->owner, &next);
    for (size_t m = 0; in->restart && m < c->n_metrics; m++)
      g->metrics[c->first + m].restart = (unsigned char)in->restart[i];
  }
  if (status < 0)
    goto fail;
  note_series(r, series, notes, notes_len);
  for (size_t i = 0; i < r->n_caches; i++)
    vr_series_clear(&series[i]);
  free(series);
  *out = g;
  return 0;

fail:
  /* -EINVAL comes only from naming: vr_series_build or fill_cache. */
  ssnprintf(reason, reason_len, "%s",
            status == -ENOMEM ? "out of memory"
                              : "cannot name its series (invalid name)");
  for (size_t i = 0; series && i < r->n_caches; i++)
    vr_series_clear(&series[i]);
  free(series);
  vr_dispatch_group_free(g);
  return status;
}

void vr_dispatch_group_free(vr_dispatch_group *g) {
  if (!g)
    return;
  for (size_t i = 0; i < g->n_caches; i++)
    if (g->caches[i].meta_owned)
      meta_data_destroy(g->caches[i].meta);
  free(g);
}
