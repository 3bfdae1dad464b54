/* SPDX-License-Identifier: MIT */
/**
 * Dispatch of one group's values; see dispatch.h.
 */
#include "read/dispatch.h"
#include "base/text.h"
#include "read/bounds_note.h"
#include "read/dispatch_block.h"

#include "base/vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
  vr_notify_logged(&n);
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

/* A derive value through its carry: the monotonic total to send, into
 * *out; false when the value is out of bounds (noted, not sent). Byte
 * counters are held to VR_MBM_MAX_BYTES_PER_SEC; energy to 2^63 only. */
static bool carried(vr_carry_table *t, const vr_dispatch_group *g,
                    const cache_series *cs, metric_id *id, uint64_t raw,
                    cdtime_t now, restart_note *note, vr_bounds_note *insane,
                    uint64_t *out) {
  const vr_metric_def *def = &vr_metric_defs[id->metric];
  vr_carry *c = t ? carry_of(t, g, cs, id) : NULL;
  vr_value_verdict verdict;
  *out = raw;
  if (!c) /* no carry (none asked, or out of memory): the raw counter */
    return vr_bounds_note_sane(insane, def->event, cs->cache_id, raw,
                               vr_occupancy_check(raw, 0));
  vr_carry_event ev = vr_carry_feed_checked(
      c, raw, vr_restart_certain((vr_restart_hint)id->restart),
      CDTIME_T_TO_NS(now),
      def->unit == VR_UNIT_MICRO ? 0 : VR_MBM_MAX_BYTES_PER_SEC, &verdict, out);
  if (ev == VR_CARRY_REFUSED) /* the restart hint stays for the next value */
    return vr_bounds_note_sane(insane, def->event, cs->cache_id, raw, verdict);
  if (ev != VR_CARRY_STEADY && note->count++ == 0) {
    note->cache_id = cs->cache_id;
    note->metric = id->metric;
    note->why = vr_carry_reason(ev, (vr_restart_hint)id->restart);
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
  vr_bounds_note_say(&g->insane_said, &insane, g->host, g->instance, g->label);
  return sent;
}
