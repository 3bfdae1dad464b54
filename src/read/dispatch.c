/* SPDX-License-Identifier: MIT */
/**
 * Dispatch of one group's values; see dispatch.h.
 */
#include "read/dispatch.h"
#include "base/text.h"
#include "read/bounds_note.h"

#include "base/vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What tells one metric's series from another's within a group. Kept
 * small rather than as a value_list_t (680 bytes, five 128-byte fields) per
 * metric: that was 5.6 KiB a group, 5.5 MiB per 1000 groups; the read path
 * fills one value_list_t per group instead (see vr_dispatch_group_submit). */
typedef struct {
  vr_metric metric;
  char type[24]; /* "memory_bandwidth" at most */
  /* "total-4294967295-node4294967295" at most (an SNC node's) */
  char type_instance[32];
  /* derive only: its carry, and why its counter may have restarted before
   * the first value this group sends (cleared by that value) */
  vr_carry_ref carry_ref;
  vr_restart_hint restart;
  /* RATE_OF_MICRO only: the counter and its time at the last read that
   * had a value (have_last false: none yet, or forgotten at a reset) */
  uint64_t last_micro;
  cdtime_t last_time;
  bool have_last;
} metric_id;

/* The read path copies these whole into a value_list_t's fields. */
_Static_assert(sizeof(((metric_id *)0)->type) <=
                       sizeof(((value_list_t *)0)->type) &&
                   sizeof(((metric_id *)0)->type_instance) <=
                       sizeof(((value_list_t *)0)->type_instance),
               "metric_id's names fit a value_list_t");

typedef struct {
  metric_id metrics[VR_METRIC_COUNT];
  size_t n_metrics;
  uint64_t l3_size;
  meta_data_t *meta;
  unsigned cache_id;
  /* Reads of this cache id's counters that said "Unassigned". */
  uint64_t unassigned;
} cache_series;

struct vr_dispatch_group {
  cache_series *caches;
  size_t n_caches;
  char *host;
  char *instance;
  char *label; /* "domain D group G", for the one line about Unassigned */
  bool unassigned_said;
  /* events (a bit per vr_resctrl_feature) whose values are out of bounds,
   * said once until every cache's value is sane again */
  unsigned insane_said;
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

/* Keeps one built series' metric names and its meta data, shared by the
 * metrics of that cache id. */
static int fill_cache(cache_series *c, const vr_series *s, const char *owner) {
  vr_meta_field fields[VR_SERIES_META_COUNT];
  c->meta = meta_data_create();
  if (!c->meta)
    return -ENOMEM;
  vr_series_meta(s, fields);
  for (size_t i = 0; i < VR_SERIES_META_COUNT; i++) {
    /* A host context series has no domain, UUID or members to name. */
    if (s->context && fields[i].value[0] == '\0')
      continue;
    if (meta_data_add_string(c->meta, fields[i].key, fields[i].value) != 0)
      return -ENOMEM;
  }
  /* A group someone else made (libvirt's <monitor>) says so, so that a
   * writer can tell it is read-only to us. */
  if (owner && meta_data_add_string(c->meta, "owner", owner) != 0)
    return -ENOMEM;
  c->n_metrics = s->n_metrics;
  for (size_t m = 0; m < s->n_metrics; m++) {
    metric_id *id = &c->metrics[m];
    id->metric = s->metrics[m].metric;
    if (vr_copy_field(id->type, sizeof(id->type), s->metrics[m].type) < 0 ||
        vr_copy_field(id->type_instance, sizeof(id->type_instance),
                      s->metrics[m].type_instance) < 0)
      return -EINVAL;
  }
  return 0;
}

/* host and plugin_instance are the group's, whatever the cache. */
static int keep_names(vr_dispatch_group *g, const vr_series *s) {
  g->host = strdup(s->host);
  g->instance = strdup(s->plugin_instance);
  return g->host && g->instance ? 0 : -ENOMEM;
}

int vr_dispatch_group_new(const vr_dispatch_input *in, vr_dispatch_group **out,
                          char *notes, size_t notes_len, char *reason,
                          size_t reason_len) {
  const vr_resctrl *r = in->resctrl;
  int status = 0;
  *out = NULL;
  notes[0] = '\0';
  vr_dispatch_group *g = calloc(1, sizeof(*g));
  char label[512];
  if (in->context)
    ssnprintf(label, sizeof(label), "host context %s", in->context);
  else
    ssnprintf(label, sizeof(label), "domain %s group %s", in->domain,
              in->group);
  if (!g ||
      !(g->caches =
            calloc(r->n_caches ? r->n_caches : 1, sizeof(*g->caches))) ||
      !(g->label = strdup(label))) {
    status = -ENOMEM;
    goto fail;
  }
  g->mbm_off = in->mbm_off;
  for (size_t i = 0; i < r->n_caches; i++) {
    vr_series s;
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
    status = in->context
                 ? vr_series_build_context(in->context, r->caches[i].resource,
                                           r->caches[i].id, r->caches[i].size,
                                           in->config, r->features, &s)
                 : vr_series_build(&input, in->config, r->features, &s);
    if (status < 0)
      goto fail;
    /* The host context is per L3 cache id and per package: an SNC node's
     * entry is part of its L3's sum. Its slots stay, so that the values
     * keep the reader's layout, but send nothing. */
    if (in->context && r->caches[i].node >= 0)
      s.n_metrics = 0;
    cache_series *c = &g->caches[g->n_caches++];
    c->l3_size = r->caches[i].size;
    c->cache_id = r->caches[i].id;
    status = fill_cache(c, &s, in->owner);
    for (size_t m = 0; in->restart && m < c->n_metrics; m++)
      c->metrics[m].restart = in->restart[i];
    if (status == 0 && i == 0)
      status = keep_names(g, &s);
    /* A clash is the engine's to say, once for both domains
     * (engine_names.c), not once per group. */
    if (i == 0) {
      if (s.instance_fallback != VR_FALLBACK_NONE &&
          s.instance_fallback != VR_FALLBACK_CLASH)
        ssnprintf(notes, notes_len,
                  "plugin_instance uses the domain's UUID (\"%s\"): %s",
                  s.plugin_instance, fallback_words(s.instance_fallback));
      else if (s.host_fallback != VR_FALLBACK_NONE)
        ssnprintf(notes, notes_len, "host uses the domain's UUID: %s",
                  fallback_words(s.host_fallback));
    }
    if (s.percent_unavailable && !notes[0] && r->caches[i].node < 0)
      ssnprintf(notes, notes_len,
                "no size is known for L3 cache %u under SysfsPath, so no "
                "percent value for it",
                r->caches[i].id);
    vr_series_clear(&s);
    if (status < 0)
      goto fail;
  }
  *out = g;
  return 0;

fail:
  /* -EINVAL comes only from naming: vr_series_build or fill_cache. */
  ssnprintf(reason, reason_len, "%s",
            status == -ENOMEM ? "out of memory"
                              : "cannot name its series (invalid name)");
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
  vr_notify(&n);
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
      g->caches[i].unassigned++;
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
                          metric_id *id) {
  vr_carry *c = vr_carry_table_cached(t, &id->carry_ref);
  if (c)
    return c;
  char key[VR_SERIES_FIELD_LEN * 4];
  ssnprintf(key, sizeof(key), "%s/%s/%s/%s", g->host, g->instance, id->type,
            id->type_instance);
  return vr_carry_table_use(t, key, &id->carry_ref);
}

/* A derive value through its carry: the monotonic total to send, into
 * *out; false when the value is out of bounds (noted, not sent). Byte
 * counters are held to VR_MBM_MAX_BYTES_PER_SEC; energy to 2^63 only. */
static bool carried(vr_carry_table *t, const vr_dispatch_group *g,
                    const cache_series *cs, metric_id *id, uint64_t raw,
                    cdtime_t now, restart_note *note, vr_bounds_note *insane,
                    uint64_t *out) {
  const vr_metric_def *def = &vr_metric_defs[id->metric];
  vr_carry *c = t ? carry_of(t, g, id) : NULL;
  vr_value_verdict verdict;
  *out = raw;
  if (!c) /* no carry (none asked, or out of memory): the raw counter */
    return vr_bounds_note_sane(insane, def->event, cs->cache_id, raw,
                               vr_occupancy_check(raw, 0));
  vr_carry_event ev = vr_carry_feed_checked(
      c, raw, vr_restart_certain(id->restart), CDTIME_T_TO_NS(now),
      def->unit == VR_UNIT_MICRO ? 0 : VR_MBM_MAX_BYTES_PER_SEC, &verdict, out);
  if (ev == VR_CARRY_REFUSED) /* the restart hint stays for the next value */
    return vr_bounds_note_sane(insane, def->event, cs->cache_id, raw, verdict);
  if (ev != VR_CARRY_STEADY && note->count++ == 0) {
    note->cache_id = cs->cache_id;
    note->metric = id->metric;
    note->why = vr_carry_reason(ev, id->restart);
  }
  id->restart = VR_RESTART_NONE;
  return true;
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
               vr_series_power(id->last_micro, (uint64_t)id->last_time, micro,
                               (uint64_t)now, watts) == 0;
  id->restart = VR_RESTART_NONE;
  id->last_micro = micro;
  id->last_time = now;
  id->have_last = true;
  return fresh;
}

size_t vr_dispatch_group_submit(vr_dispatch_group *g,
                                const vr_resctrl_value *values, size_t n,
                                vr_carry_table *carry) {
  size_t sent = 0;
  restart_note note = {0};
  vr_bounds_note insane = {0};
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
      metric_id *id = &c->metrics[m];
      const vr_metric_def *def = &vr_metric_defs[id->metric];
      const vr_resctrl_value *v = &base[def->event];
      /* AMD: a changed mbm_*_bytes_config makes the next read Unavailable
       * and restarts the counter; remembered to say so at the drop. */
      if (carry && def->derive && v->status == VR_READ_UNAVAILABLE) {
        vr_carry *cc = carry_of(carry, g, id);
        if (cc)
          vr_carry_unavailable(cc);
      }
      /* ABMC: a counter assigned after "Unassigned" starts from zero. */
      if (carry && def->derive && v->status == VR_READ_UNASSIGNED) {
        vr_carry *cc = carry_of(carry, g, id);
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
        uint64_t total;
        if (!carried(carry, g, c, id, v->value, now, &note, &insane, &total))
          continue;
        value.gauge = (gauge_t)total / 1e6;
        vl.time = now;
      } else if (def->derive) {
        uint64_t total;
        if (!carried(carry, g, c, id, v->value, now, &note, &insane, &total))
          continue;
        value.derive = (derive_t)total;
      } else {
        /* an occupancy: no cache holds more than its size */
        double percent;
        if (!vr_bounds_note_sane(&insane, def->event, c->cache_id, v->value,
                                 vr_occupancy_check(v->value, c->l3_size)))
          continue;
        if (def->unit != VR_UNIT_PERCENT_OF_SIZE)
          value.gauge = (gauge_t)v->value;
        else if (vr_series_percent(v->value, c->l3_size, &percent) < 0)
          continue;
        else
          value.gauge = percent;
      }
      /* Whole small arrays, each NUL-terminated (vr_copy_field), rather
       * than sstrncpy's strncpy, which pads all 128 bytes of both fields:
       * this runs for every value of every group each interval. */
      memcpy(vl.type, id->type, sizeof(id->type));
      memcpy(vl.type_instance, id->type_instance, sizeof(id->type_instance));
      if (plugin_dispatch_values(&vl) == 0)
        sent++;
    }
  }
  say_restarts(g, &note);
  vr_bounds_note_say(&g->insane_said, &insane, g->host, g->instance, g->label);
  return sent;
}

void vr_dispatch_group_free(vr_dispatch_group *g) {
  if (!g)
    return;
  for (size_t i = 0; i < g->n_caches; i++)
    meta_data_destroy(g->caches[i].meta);
  free(g->caches);
  free(g->host);
  free(g->instance);
  free(g->label);
  free(g);
}
