/* SPDX-License-Identifier: MIT */
/**
 * Dispatch of one group's values; see dispatch.h.
 */
#include "read/dispatch.h"
#include "base/text.h"

#include "base/vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
  bool mbm_off; /* "Unassigned" was asked for: nothing to say */
};

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

/* One log line and one notification when a group's counters first read
 * "Unassigned" (ABMC, Linux 6.18+: the kernel assigned no MBM counter to
 * this RMID on that L3 domain), and an OKAY once none does any more. */
static void say_unassigned(vr_dispatch_group *g, bool now, unsigned cache_id,
                           vr_resctrl_feature feature) {
  if (now == g->unassigned_said)
    return;
  g->unassigned_said = now;
  notification_t n = {
      .severity = now ? NOTIF_WARNING : NOTIF_OKAY,
      .time = cdtime(),
      .plugin = VR_SERIES_PLUGIN,
  };
  sstrncpy(n.host, g->host, sizeof(n.host));
  sstrncpy(n.plugin_instance, g->instance, sizeof(n.plugin_instance));
  if (now)
    ssnprintf(n.message, sizeof(n.message),
              "%s: no MBM counter assigned (%s on L3 cache %u reads "
              "\"Unassigned\"); no value until the kernel assigns one",
              g->label, vr_resctrl_feature_name(feature), cache_id);
  else
    ssnprintf(n.message, sizeof(n.message),
              "%s: every counter is assigned again", g->label);
  if (now)
    VR_WARNING("%s", n.message);
  else
    VR_INFO("%s", n.message);
  plugin_dispatch_notification(&n);
}

/* Counts the values of one read that said "Unassigned", per cache id, and
 * says so on a change, unless the group asked for no counter (mbm="off",
 * whose events engine_abmc.c leaves unassigned on purpose). */
static void count_unassigned(vr_dispatch_group *g,
                             const vr_resctrl_value *values, size_t n) {
  bool any = false;
  unsigned first_cache = 0;
  vr_resctrl_feature first_feature = VR_FEAT_MBM_TOTAL_BYTES;
  for (size_t i = 0; i < g->n_caches && (i + 1) * VR_FEAT_COUNT <= n; i++)
    for (int f = 0; f < VR_FEAT_COUNT; f++) {
      if (values[i * VR_FEAT_COUNT + f].status != VR_READ_UNASSIGNED)
        continue;
      if (!any) {
        first_cache = g->caches[i].cache_id;
        first_feature = (vr_resctrl_feature)f;
      }
      any = true;
    }
  say_unassigned(g, any && !g->mbm_off, first_cache, first_feature);
}

/* The first restart a read found in a group, for its one line. */
typedef struct {
  size_t count;
  unsigned cache_id;
  vr_metric metric;
  const char *why;
} restart_note;

/* The carry of one series: through the kept ref, or looked up by a key of
 * every identifier that tells series apart. */
static vr_carry *carry_of(vr_carry_table *t, const vr_dispatch_group *g,
                          const cache_series *cs, metric_id *id) {
  vr_carry *c = vr_carry_table_cached(t, &id->u.carry_ref);
  if (c)
    return c;
  /* The metric's number and its cache's suffix tell type and
   * type_instance apart as well as the names do, in fewer bytes: the
   * table keeps a key per counter series. */
  char key[VR_SERIES_FIELD_LEN * 3];
  ssnprintf(key, sizeof(key), "%s/%s/%u%s", g->host, g->instance,
            (unsigned)id->metric, cs->suffix);
  return vr_carry_table_use(t, key, &id->u.carry_ref);
}

/* A derive value through its carry: the monotonic total to send. */
static uint64_t carried(vr_carry_table *t, const vr_dispatch_group *g,
                        const cache_series *cs, metric_id *id, uint64_t raw,
                        restart_note *note) {
  vr_carry *c = carry_of(t, g, cs, id);
  uint64_t out = raw;
  if (!c)
    return raw; /* out of memory: the raw counter, as before */
  vr_carry_event ev = vr_carry_feed(
      c, raw, vr_restart_certain((vr_restart_hint)id->restart), &out);
  if (ev != VR_CARRY_STEADY && note->count++ == 0) {
    note->cache_id = cs->cache_id;
    note->metric = id->metric;
    note->why = vr_carry_reason(ev, (vr_restart_hint)id->restart);
  }
  id->restart = VR_RESTART_NONE;
  return out;
}

static void say_restarts(const vr_dispatch_group *g, const restart_note *note) {
  if (note->count == 0)
    return;
  const vr_metric_def *def = &vr_metric_defs[note->metric];
  VR_INFO("%s: %s on %s %u restarted from zero (%s); its series "
          "carries the total on%s",
          g->label, vr_resctrl_feature_name(def->event),
          def->resource == VR_RES_L3 ? "L3 cache" : "package", note->cache_id,
          note->why,
          note->count > 1 ? ", and so do the group's other "
                            "counters that restarted"
                          : "");
}

/* Power from the energy counter's change since the last read (Linux 7.0
 * PERF_PKG core_energy). No value on the first read, and none across a
 * restart: a group made again or a package back counts from zero
 * (the restart hint), and a counter below its last value restarted
 * without a hint; the next read then has a baseline again. */
static bool power_of(metric_id *id, uint64_t micro, cdtime_t now,
                     double *watts) {
  bool fresh = id->have_last && id->restart == VR_RESTART_NONE &&
               vr_series_power(id->u.last.micro, (uint64_t)id->u.last.time,
                               micro, (uint64_t)now, watts) == 0;
  id->restart = VR_RESTART_NONE;
  id->u.last.micro = micro;
  id->u.last.time = now;
  id->have_last = true;
  return fresh;
}

size_t vr_dispatch_group_submit(vr_dispatch_group *g,
                                const vr_resctrl_value *values, size_t n,
                                vr_carry_table *carry) {
  size_t sent = 0;
  restart_note note = {0};
  value_t value;
  /* One value list for the whole group: collectd copies what it is given
   * (plugin_dispatch_values), so it may be refilled between calls; time 0
   * lets collectd stamp it. */
  value_list_t vl = VALUE_LIST_INIT;
  /* The energy values carry this read's time: a power value is the energy
   * difference over the difference of these very timestamps. */
  cdtime_t now = cdtime();
  vl.values = &value;
  vl.values_len = 1;
  sstrncpy(vl.host, g->host, sizeof(vl.host));
  sstrncpy(vl.plugin, VR_SERIES_PLUGIN, sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, g->instance, sizeof(vl.plugin_instance));
  count_unassigned(g, values, n);
  for (size_t i = 0; i < g->n_caches; i++) {
    cache_series *c = &g->caches[i];
    /* caches[i] is the resctrl handle's caches[i]: the reader's order. */
    const vr_resctrl_value *base = values + i * VR_FEAT_COUNT;
    if ((i + 1) * VR_FEAT_COUNT > n)
      break;
    vl.meta = c->meta;
    for (size_t m = 0; m < c->n_metrics; m++) {
      metric_id *id = &g->metrics[c->first + m];
      const vr_metric_def *def = &vr_metric_defs[id->metric];
      const vr_resctrl_value *v = &base[def->event];
      /* AMD: a changed mbm_*_bytes_config makes the next read Unavailable
       * and restarts the counter; remembered to say so at the drop. */
      if (carry && def->derive && v->status == VR_READ_UNAVAILABLE) {
        vr_carry *cc = carry_of(carry, g, c, id);
        if (cc)
          vr_carry_unavailable(cc);
      }
      /* ABMC: a counter assigned after "Unassigned" starts from zero. */
      if (carry && def->derive && v->status == VR_READ_UNASSIGNED) {
        vr_carry *cc = carry_of(carry, g, c, id);
        if (cc)
          vr_carry_unassigned(cc);
      }
      /* Unavailable, Error, Unassigned: no value this interval, never a
       * zero that would read as "cache empty". */
      if (v->status != VR_READ_VALUE) {
        /* no baseline across a gap: the counter may restart meanwhile */
        id->have_last = false;
        continue;
      }
      vl.time = 0;
      if (def->unit == VR_UNIT_RATE_OF_MICRO) {
        if (!power_of(id, v->value, now, &value.gauge))
          continue;
        vl.time = now;
      } else if (def->unit == VR_UNIT_MICRO) {
        /* carried like a counter: a restart does not reach the writers */
        uint64_t total =
            carry ? carried(carry, g, c, id, v->value, &note) : v->value;
        value.gauge = (gauge_t)total / 1e6;
        vl.time = now;
      } else if (def->unit == VR_UNIT_PERCENT_OF_SIZE) {
        double percent;
        if (vr_series_percent(v->value, c->l3_size, &percent) < 0)
          continue;
        value.gauge = percent;
      } else if (def->derive) {
        uint64_t total =
            carry ? carried(carry, g, c, id, v->value, &note) : v->value;
        value.derive = (derive_t)total;
      } else {
        value.gauge = (gauge_t)v->value;
      }
      /* The short names and no more, rather than sstrncpy's strncpy,
       * which pads all 128 bytes of both fields: this runs for every value
       * of every group each interval. */
      size_t type_len = strlen(def->type) + 1;
      size_t prefix_len = strlen(def->prefix);
      memcpy(vl.type, def->type, type_len);
      memcpy(vl.type_instance, def->prefix, prefix_len);
      memcpy(vl.type_instance + prefix_len, c->suffix, c->suffix_len + 1u);
      if (plugin_dispatch_values(&vl) == 0)
        sent++;
    }
  }
  say_restarts(g, &note);
  return sent;
}

void vr_dispatch_group_free(vr_dispatch_group *g) {
  if (!g)
    return;
  for (size_t i = 0; i < g->n_caches; i++)
    if (g->caches[i].meta_owned)
      meta_data_destroy(g->caches[i].meta);
  free(g);
}
