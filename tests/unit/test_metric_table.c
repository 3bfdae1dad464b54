/* SPDX-License-Identifier: MIT */
/* The metric table's rows keep the invariants its readers rely on:
 * discovery, the readers and dispatch each walk it on their own, so a row
 * that breaks one (an event whose first row is not the file's reader, a
 * row no Report* key can turn on, a unit that cannot be read) would show
 * only as a missing or wrong value far from the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "read/series.h"
#include "resctrl/metric_table.h"

#include <string.h>

/* Every row's "first" column: NEW opens an event, SAME reuses the one
 * above. Read from the table itself, so a new row is checked too. */
#define FIRST_NEW true
#define FIRST_SAME false
#define X_FIRST(metric, event, first, ...) FIRST_##first,
static const bool first_of[VR_METRIC_COUNT] = {VR_METRIC_TABLE(X_FIRST)};
#define X_FILE(metric, event, first, resource, file, ...) file,
static const char *const file_of[VR_METRIC_COUNT] = {VR_METRIC_TABLE(X_FILE)};

static void first_row_of_an_event_is_new(void **state) {
  (void)state;
  bool opened[VR_FEAT_COUNT] = {false};
  for (int m = 0; m < VR_METRIC_COUNT; m++) {
    vr_resctrl_feature e = vr_metric_defs[m].event;
    assert_true(e >= 0 && e < VR_FEAT_COUNT);
    /* NEW exactly on the first row of its event: the enum of events and
     * the value slots a reader fills are made from the NEW rows */
    assert_int_equal(first_of[m], !opened[e]);
    /* a SAME row reads the file its NEW row reads, once */
    assert_string_equal(file_of[m], vr_resctrl_feature_name(e));
    assert_int_equal(vr_metric_defs[m].resource,
                     vr_resctrl_feature_resource(e));
    opened[e] = true;
  }
  for (int e = 0; e < VR_FEAT_COUNT; e++)
    assert_true(opened[e]);
}

/* The events are numbered in table order: an event's bit and slot follow
 * the one opened before it. */
static void events_in_table_order(void **state) {
  (void)state;
  int next = 0;
  for (int m = 0; m < VR_METRIC_COUNT; m++)
    if (first_of[m])
      assert_int_equal(vr_metric_defs[m].event, next++);
  assert_int_equal(next, VR_FEAT_COUNT);
}

/* Whether series of a domain of resource, with only gate's Report* key on,
 * include metric. */
static bool reported(vr_metric metric, vr_mon_resource resource, int gate) {
  vr_series_config cfg = {.report_bytes = gate == VR_GATE_BYTES,
                          .report_percent = gate == VR_GATE_PERCENT,
                          .report_bandwidth = gate == VR_GATE_BANDWIDTH,
                          .report_energy = gate == VR_GATE_ENERGY};
  vr_series_input in = {.domain = "g1",
                        .uuid = "0f8fad5b-d9cb-469f-a165-70867728950e",
                        .group = "db",
                        .members = "0",
                        .resource = resource,
                        .l3_size = 1 << 20};
  vr_series s;
  assert_int_equal(vr_series_build(&in, &cfg, (1u << VR_FEAT_COUNT) - 1, &s),
                   0);
  bool found = false;
  for (size_t i = 0; i < s.n_metrics; i++)
    found |= s.metrics[i].metric == metric;
  vr_series_clear(&s);
  return found;
}

/* Each row is turned on by its own Report* key and by no other: a row
 * with a gate the series do not honour would never, or always, be sent. */
static void every_row_has_a_report_key(void **state) {
  (void)state;
  static const int gates[] = {VR_GATE_BYTES, VR_GATE_PERCENT, VR_GATE_BANDWIDTH,
                              VR_GATE_ENERGY};
  for (int m = 0; m < VR_METRIC_COUNT; m++) {
    const vr_metric_def *d = &vr_metric_defs[m];
    for (size_t g = 0; g < sizeof(gates) / sizeof(gates[0]); g++)
      assert_int_equal(reported((vr_metric)m, d->resource, gates[g]),
                       gates[g] == (int)d->gate);
    assert_true(d->type[0] && d->prefix[0]);
    /* type_instance is "<prefix>-<domain id>": no '-' of its own */
    assert_null(strchr(d->prefix, '-'));
  }
}

/* Two rows never make the same series: type and prefix tell them apart. */
static void rows_name_distinct_series(void **state) {
  (void)state;
  for (int a = 0; a < VR_METRIC_COUNT; a++)
    for (int b = a + 1; b < VR_METRIC_COUNT; b++)
      assert_false(
          strcmp(vr_metric_defs[a].type, vr_metric_defs[b].type) == 0 &&
          strcmp(vr_metric_defs[a].prefix, vr_metric_defs[b].prefix) == 0);
}

/* A unit needs what dispatch does with it: a counter (derive) is sent raw
 * through its carry, percent and power are gauges, and a fixed-point file
 * is read as millionths by every row of its event. */
static void units_fit_their_kind(void **state) {
  (void)state;
  for (int m = 0; m < VR_METRIC_COUNT; m++) {
    const vr_metric_def *d = &vr_metric_defs[m];
    if (d->derive)
      assert_int_equal(d->unit, VR_UNIT_RAW);
    bool micro = d->unit == VR_UNIT_MICRO || d->unit == VR_UNIT_RATE_OF_MICRO;
    assert_int_equal(vr_resctrl_feature_fixed(d->event), micro);
    /* a rate needs the counter itself on an earlier row of its event */
    if (d->unit == VR_UNIT_RATE_OF_MICRO)
      assert_false(first_of[m]);
    if (d->unit == VR_UNIT_PERCENT_OF_SIZE)
      assert_int_equal(d->resource, VR_RES_L3);
  }
}

/* The lookups the readers and discovery use, on the rows the kernel's
 * resctrl.rst names, and out of range. */
static void lookups(void **state) {
  (void)state;
  assert_string_equal(vr_resctrl_feature_name(VR_FEAT_LLC_OCCUPANCY),
                      "llc_occupancy");
  assert_string_equal(vr_resctrl_feature_name(VR_FEAT_MBM_TOTAL_BYTES),
                      "mbm_total_bytes");
  assert_string_equal(vr_resctrl_feature_name(VR_FEAT_MBM_LOCAL_BYTES),
                      "mbm_local_bytes");
  assert_string_equal(vr_resctrl_feature_name(VR_FEAT_CORE_ENERGY),
                      "core_energy");
  assert_null(vr_resctrl_feature_name(VR_FEAT_COUNT));
  assert_null(vr_resctrl_feature_name((vr_resctrl_feature)-1));
  assert_int_equal(vr_resctrl_feature_resource(VR_FEAT_MBM_LOCAL_BYTES),
                   VR_RES_L3);
  assert_int_equal(vr_resctrl_feature_resource(VR_FEAT_CORE_ENERGY),
                   VR_RES_PERF_PKG);
  assert_false(vr_resctrl_feature_fixed(VR_FEAT_LLC_OCCUPANCY));
  assert_true(vr_resctrl_feature_fixed(VR_FEAT_CORE_ENERGY));
  assert_string_equal(vr_mon_resource_name(VR_RES_L3), "L3");
  assert_string_equal(vr_mon_resource_name(VR_RES_PERF_PKG), "PERF_PKG");
  assert_null(vr_mon_resource_name(VR_RES_COUNT));
  assert_null(vr_mon_resource_name((vr_mon_resource)-1));
  for (int r = 0; r < VR_RES_COUNT; r++)
    assert_non_null(vr_mon_resource_name((vr_mon_resource)r));
}

/* The rows the collectd interface documents (doc/design.md): types from
 * the stock types.db, gauges for occupancy, derive for bandwidth. */
static void documented_rows(void **state) {
  (void)state;
  const vr_metric_def *b = &vr_metric_defs[VR_METRIC_LLC_BYTES];
  assert_string_equal(b->type, "bytes");
  assert_false(b->derive);
  assert_int_equal(b->gate, VR_GATE_BYTES);
  const vr_metric_def *p = &vr_metric_defs[VR_METRIC_LLC_PERCENT];
  assert_string_equal(p->type, "percent");
  assert_int_equal(p->unit, VR_UNIT_PERCENT_OF_SIZE);
  assert_int_equal(p->gate, VR_GATE_PERCENT);
  const vr_metric_def *t = &vr_metric_defs[VR_METRIC_MBM_TOTAL];
  assert_string_equal(t->type, "memory_bandwidth");
  assert_string_equal(t->prefix, "total");
  assert_true(t->derive);
  assert_true(vr_metric_defs[VR_METRIC_MBM_LOCAL].derive);
  assert_int_equal(vr_metric_defs[VR_METRIC_CORE_POWER].unit,
                   VR_UNIT_RATE_OF_MICRO);
  assert_string_equal(vr_metric_defs[VR_METRIC_CORE_POWER].type, "power");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(first_row_of_an_event_is_new),
      cmocka_unit_test(events_in_table_order),
      cmocka_unit_test(every_row_has_a_report_key),
      cmocka_unit_test(rows_name_distinct_series),
      cmocka_unit_test(units_fit_their_kind),
      cmocka_unit_test(lookups),
      cmocka_unit_test(documented_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
