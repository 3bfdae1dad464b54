/* SPDX-License-Identifier: MIT */
/* Dispatch: each row of the metric table leaves as the number a writer
 * should see (its unit conversion, gauge or derive), and a value the kernel
 * did not give (Unavailable, Error, Unassigned) leaves as no value at all,
 * never a zero that a graph would read as an empty cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "collectd_shim.h"
#include "read/dispatch.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define L3_SIZE 33554432u /* 32 MiB: cache id 0 */
#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"

/* Two L3 domains (id 8 of unknown size) and one PERF_PKG package, every
 * event monitored: each unit of the table has a domain to go out on. */
static vr_resctrl_cache caches[] = {
    {.resource = VR_RES_L3,
     .id = 0,
     .dir = "mon_L3_00",
     .size = L3_SIZE,
     .node = -1},
    {.resource = VR_RES_L3, .id = 8, .dir = "mon_L3_08", .size = 0, .node = -1},
    {.resource = VR_RES_PERF_PKG,
     .id = 0,
     .dir = "mon_PERF_PKG_00",
     .node = -1},
};
enum { N_CACHES = 3, N_VALUES = N_CACHES * VR_FEAT_COUNT };
#define ALL_FEATURES ((1u << VR_FEAT_COUNT) - 1)

static vr_resctrl resctrl = {
    .features = ALL_FEATURES, .caches = caches, .n_caches = N_CACHES};
static const vr_series_config config = {
    .instance_format = VR_NAME_FORMAT_1(VR_FIELD_NAME),
    .host_format = VR_NAME_FORMAT_1(VR_FIELD_HOSTNAME),
    .report_bytes = true,
    .report_percent = true,
    .report_bandwidth = true,
    .report_energy = true};

static shim_value seen[64];

static vr_dispatch_group *group_with(const vr_restart_hint *restart,
                                     bool mbm_off) {
  char notes[512], reason[512];
  vr_dispatch_input in = {.domain = "g1",
                          .uuid = UUID,
                          .group = "db",
                          .members = "0,1",
                          .resctrl = &resctrl,
                          .config = &config,
                          .restart = restart,
                          .mbm_off = mbm_off};
  vr_dispatch_group *g = NULL;
  assert_int_equal(vr_dispatch_group_new(&in, &g, notes, sizeof(notes), reason,
                                         sizeof(reason)),
                   0);
  /* cache id 8 has no size: said once, at build time */
  assert_non_null(strstr(notes, "no size is known for L3 cache 8"));
  return g;
}

static vr_dispatch_group *group(void) { return group_with(NULL, false); }

/* Every slot a number; a test then changes the ones it is about. */
static void fill(vr_resctrl_value *v, uint64_t value) {
  for (size_t i = 0; i < N_VALUES; i++)
    v[i] = (vr_resctrl_value){.value = value, .status = VR_READ_VALUE};
}

static vr_resctrl_value *slot(vr_resctrl_value *v, size_t cache,
                              vr_resctrl_feature f) {
  return &v[cache * VR_FEAT_COUNT + f];
}

/* Submits one read and captures what went out. */
static size_t submit(vr_dispatch_group *g, const vr_resctrl_value *v,
                     vr_carry_table *carry) {
  shim_capture(seen, sizeof(seen) / sizeof(seen[0]));
  size_t sent = vr_dispatch_group_submit(g, v, N_VALUES, carry);
  assert_int_equal(sent, shim_captured());
  shim_capture(NULL, 0);
  return sent;
}

/* The captured value of type/type_instance; NULL when none went out. */
static const shim_value *find(size_t n, const char *type,
                              const char *type_instance) {
  return shim_find(seen, n, NULL, type, type_instance);
}

static const shim_value *must(size_t n, const char *type,
                              const char *type_instance) {
  const shim_value *v = find(n, type, type_instance);
  if (!v)
    fail_msg("no %s %s went out", type, type_instance);
  return v;
}

static void raw_gauge_is_the_number_read(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  vr_resctrl_value v[N_VALUES];
  fill(v, 7);
  slot(v, 0, VR_FEAT_LLC_OCCUPANCY)->value = 1234567;
  size_t n = submit(g, v, NULL);
  const shim_value *bytes = must(n, "bytes", "llc-0");
  assert_true(bytes->value.gauge == 1234567.0);
  assert_string_equal(bytes->plugin_instance, "g1:db");
  assert_true(bytes->has_meta);
  /* collectd stamps it: only the energy values carry their read's time */
  assert_int_equal(bytes->time, 0);
  vr_dispatch_group_free(g);
}

static void percent_of_the_domains_size(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  vr_resctrl_value v[N_VALUES];
  fill(v, 7);
  slot(v, 0, VR_FEAT_LLC_OCCUPANCY)->value = L3_SIZE / 4;
  slot(v, 1, VR_FEAT_LLC_OCCUPANCY)->value = 4096;
  size_t n = submit(g, v, NULL);
  assert_true(must(n, "percent", "llc-0")->value.gauge == 25.0);
  /* no size known for cache 8: its bytes, but no made-up percent */
  assert_true(must(n, "bytes", "llc-8")->value.gauge == 4096.0);
  assert_null(find(n, "percent", "llc-8"));
  vr_dispatch_group_free(g);
}

/* memory_bandwidth is DERIVE in types.db: a gauge's bits in the union
 * would read as a nonsense integer here. */
static void bandwidth_is_derive_and_exact(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  vr_resctrl_value v[N_VALUES];
  fill(v, 7);
  uint64_t big = (1ull << 53) + 1; /* not exact in a double */
  slot(v, 0, VR_FEAT_MBM_TOTAL_BYTES)->value = big;
  slot(v, 1, VR_FEAT_MBM_LOCAL_BYTES)->value = 99;
  size_t n = submit(g, v, NULL);
  assert_int_equal(must(n, "memory_bandwidth", "total-0")->value.derive,
                   (derive_t)big);
  assert_int_equal(must(n, "memory_bandwidth", "local-8")->value.derive, 99);
  vr_dispatch_group_free(g);
}

/* What a domain's values make, row by row of the table: every row whose
 * event and Report* key are on goes out once per domain of its resource. */
static void every_row_goes_out_once_per_domain(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  vr_resctrl_value v[N_VALUES];
  fill(v, 1000000);
  size_t n = submit(g, v, NULL);
  /* L3: 2 x (bytes, total, local) + percent on cache 0 only; PERF_PKG:
   * energy (power needs a second read) */
  assert_int_equal(n, 2 * 3 + 1 + 1);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      assert_false(strcmp(seen[i].type, seen[j].type) == 0 &&
                   strcmp(seen[i].type_instance, seen[j].type_instance) == 0);
  assert_true(must(n, "energy", "core-0")->value.gauge == 1.0);
  vr_dispatch_group_free(g);
}

/* PERF_PKG's counters are in millionths: sent as the number of Joules. */
static void micro_is_sent_as_the_number(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  vr_resctrl_value v[N_VALUES];
  fill(v, 7);
  slot(v, 2, VR_FEAT_CORE_ENERGY)->value = 2500000;
  size_t n = submit(g, v, NULL);
  const shim_value *e = must(n, "energy", "core-0");
  assert_true(e->value.gauge == 2.5);
  assert_true(e->time != 0); /* the read's time, which power divides by */
  vr_dispatch_group_free(g);
}

/* Waits (capped) until collectd's clock has moved past t: a power value
 * needs a later read time than the last one. */
static void clock_past(cdtime_t t) {
  for (long i = 0; i < 100000000 && cdtime() <= t; i++)
    ;
  assert_true(cdtime() > t);
}

/* One read of energy (millionths) on the package; returns the captured
 * count and the energy value's time through *t. */
static size_t read_energy(vr_dispatch_group *g, vr_carry_table *carry,
                          vr_read_status status, uint64_t micro, cdtime_t *t) {
  vr_resctrl_value v[N_VALUES];
  fill(v, 7);
  *slot(v, 2, VR_FEAT_CORE_ENERGY) =
      (vr_resctrl_value){.value = micro, .status = status};
  size_t n = submit(g, v, carry);
  const shim_value *e = find(n, "energy", "core-0");
  *t = e ? e->time : 0;
  clock_past(e ? e->time : cdtime());
  return n;
}

static void power_is_the_energy_rate(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  cdtime_t t1, t2;
  size_t n = read_energy(g, NULL, VR_READ_VALUE, 5000000, &t1);
  assert_null(find(n, "power", "core-0")); /* first read: no baseline */
  n = read_energy(g, NULL, VR_READ_VALUE, 7000000, &t2);
  const shim_value *p = must(n, "power", "core-0");
  double want = 2.0 / CDTIME_T_TO_DOUBLE(t2 - t1);
  assert_true(fabs(p->value.gauge - want) <= want * 1e-9);
  assert_int_equal(p->time, t2); /* the same read time as the energy */
  vr_dispatch_group_free(g);
}

static void no_power_after_a_missing_value(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  cdtime_t t;
  read_energy(g, NULL, VR_READ_VALUE, 5000000, &t);
  size_t n = read_energy(g, NULL, VR_READ_UNAVAILABLE, 0, &t);
  assert_null(find(n, "energy", "core-0"));
  assert_null(find(n, "power", "core-0"));
  /* the gap may hide a restart: no rate across it */
  n = read_energy(g, NULL, VR_READ_VALUE, 9000000, &t);
  assert_null(find(n, "power", "core-0"));
  n = read_energy(g, NULL, VR_READ_VALUE, 9500000, &t);
  assert_true(must(n, "power", "core-0")->value.gauge > 0);
  vr_dispatch_group_free(g);
}

/* A counter that went down restarted (its group made again, the package
 * back): no power for that read, the energy carried on, and a rate again
 * from the next read. */
static void no_power_across_a_restart(void **state) {
  (void)state;
  vr_dispatch_group *g = group();
  vr_carry_table *carry = vr_carry_table_new();
  assert_non_null(carry);
  cdtime_t t1, t2;
  read_energy(g, carry, VR_READ_VALUE, 5000000, &t1);
  size_t n = read_energy(g, carry, VR_READ_VALUE, 7000000, &t1);
  assert_non_null(find(n, "power", "core-0"));
  n = read_energy(g, carry, VR_READ_VALUE, 1000000, &t1);
  assert_null(find(n, "power", "core-0"));
  assert_true(must(n, "energy", "core-0")->value.gauge == 8.0);
  n = read_energy(g, carry, VR_READ_VALUE, 3000000, &t2);
  double want = 2.0 / CDTIME_T_TO_DOUBLE(t2 - t1);
  assert_true(fabs(must(n, "power", "core-0")->value.gauge - want) <=
              want * 1e-9);
  assert_true(must(n, "energy", "core-0")->value.gauge == 10.0);
  vr_carry_table_free(carry);
  vr_dispatch_group_free(g);
}

/* A group made again (the restart hint): its counter started from zero,
 * so all of the old total is carried even though the new counter already
 * reads above the old one (no drop to notice). */
static void restart_hint_carries_the_old_total(void **state) {
  (void)state;
  vr_carry_table *carry = vr_carry_table_new();
  assert_non_null(carry);
  vr_dispatch_group *g = group();
  vr_resctrl_value v[N_VALUES];
  fill(v, 7);
  slot(v, 0, VR_FEAT_MBM_TOTAL_BYTES)->value = 1000;
  submit(g, v, carry);
  vr_dispatch_group_free(g);
  /* the group is made again: the same series, its counter from zero */
  vr_restart_hint made[N_CACHES] = {
      VR_RESTART_GROUP_MADE, VR_RESTART_GROUP_MADE, VR_RESTART_GROUP_MADE};
  g = group_with(made, false);
  slot(v, 0, VR_FEAT_MBM_TOTAL_BYTES)->value = 1500;
  size_t n = submit(g, v, carry);
  assert_int_equal(must(n, "memory_bandwidth", "total-0")->value.derive, 2500);
  vr_dispatch_group_free(g);
  vr_carry_table_free(carry);
}

/* Unavailable, Error, Unassigned, a vanished file: no value for that slot
 * (never a zero), while the group's other values go out. */
static void missing_values_send_nothing(void **state) {
  (void)state;
  static const vr_read_status gaps[] = {VR_READ_UNAVAILABLE, VR_READ_ERROR,
                                        VR_READ_UNASSIGNED, VR_READ_VANISHED,
                                        VR_READ_FAILED};
  for (size_t k = 0; k < sizeof(gaps) / sizeof(gaps[0]); k++) {
    vr_dispatch_group *g = group();
    vr_resctrl_value v[N_VALUES];
    fill(v, 4096);
    slot(v, 0, VR_FEAT_LLC_OCCUPANCY)->status = gaps[k];
    slot(v, 0, VR_FEAT_MBM_TOTAL_BYTES)->status = gaps[k];
    size_t n = submit(g, v, NULL);
    assert_null(find(n, "bytes", "llc-0"));
    assert_null(find(n, "percent", "llc-0"));
    assert_null(find(n, "memory_bandwidth", "total-0"));
    assert_true(must(n, "bytes", "llc-8")->value.gauge == 4096.0);
    assert_int_equal(must(n, "memory_bandwidth", "local-0")->value.derive,
                     4096);
    assert_int_equal(n, 2 * 3 + 1 + 1 - 3);
    for (size_t i = 0; i < n; i++)
      assert_true(seen[i].value.derive != 0);
    vr_dispatch_group_free(g);
  }
}

/* "Unassigned" (ABMC): one warning when it starts, one OKAY when every
 * counter is assigned again; none for a group that asked for no counter. */
static void unassigned_is_said_once(void **state) {
  (void)state;
  for (int off = 0; off <= 1; off++) {
    vr_dispatch_group *g = group_with(NULL, off);
    vr_resctrl_value v[N_VALUES];
    fill(v, 4096);
    slot(v, 1, VR_FEAT_MBM_LOCAL_BYTES)->status = VR_READ_UNASSIGNED;
    unsigned long before = shim_notifications();
    submit(g, v, NULL);
    submit(g, v, NULL);
    assert_int_equal(shim_notifications() - before, off ? 0 : 1);
    fill(v, 4096);
    submit(g, v, NULL);
    assert_int_equal(shim_notifications() - before, off ? 0 : 2);
    vr_dispatch_group_free(g);
  }
}

/* Every value list carries the group's meta data with its own cache id,
 * an SNC node's and a package's too, while the caches of one id hold one
 * meta data set between them (the domain, its SNC nodes and the package
 * of the same number), not one each. */
static void meta_data_names_each_values_cache_id(void **state) {
  (void)state;
  vr_resctrl_cache snc[] = {
      {.resource = VR_RES_L3,
       .id = 0,
       .dir = "mon_L3_00",
       .size = L3_SIZE,
       .node = -1},
      {.resource = VR_RES_L3,
       .id = 0,
       .dir = "mon_L3_00/mon_sub_L3_01",
       .size = L3_SIZE / 2,
       .node = 1},
      {.resource = VR_RES_L3,
       .id = 8,
       .dir = "mon_L3_08",
       .size = L3_SIZE,
       .node = -1},
      {.resource = VR_RES_PERF_PKG,
       .id = 0,
       .dir = "mon_PERF_PKG_00",
       .node = -1},
  };
  vr_resctrl r = {.features = ALL_FEATURES, .caches = snc, .n_caches = 4};
  vr_series_config cfg = config;
  cfg.report_sub_numa = true;
  char notes[512], reason[512];
  vr_dispatch_input in = {.domain = "g1",
                          .uuid = UUID,
                          .group = "db",
                          .members = "0,1",
                          .resctrl = &r,
                          .config = &cfg};
  unsigned long live = shim_meta_live();
  vr_dispatch_group *g = NULL;
  assert_int_equal(vr_dispatch_group_new(&in, &g, notes, sizeof(notes), reason,
                                         sizeof(reason)),
                   0);
  assert_int_equal(shim_meta_live() - live, 2);
  vr_resctrl_value v[4 * VR_FEAT_COUNT];
  for (size_t i = 0; i < 4 * VR_FEAT_COUNT; i++)
    v[i] = (vr_resctrl_value){.value = 5, .status = VR_READ_VALUE};
  shim_capture(seen, sizeof(seen) / sizeof(seen[0]));
  size_t n = vr_dispatch_group_submit(g, v, 4 * VR_FEAT_COUNT, NULL);
  shim_capture(NULL, 0);
  /* L3 0 and 8: bytes, percent, total, local; the node: the same;
   * the package: energy */
  assert_int_equal(n, 4 + 4 + 4 + 1);
  for (size_t i = 0; i < n; i++) {
    const char *id = strchr(seen[i].type_instance, '-') + 1;
    char want[32];
    snprintf(want, sizeof(want), "cache_id=%.*s\n", (int)strcspn(id, "-"), id);
    assert_non_null(strstr(seen[i].meta, want));
    assert_non_null(strstr(seen[i].meta, "domain=g1\n"));
    assert_non_null(strstr(seen[i].meta, "uuid=" UUID "\n"));
    assert_non_null(strstr(seen[i].meta, "group=db\n"));
    assert_non_null(strstr(seen[i].meta, "vcpus=0,1\n"));
  }
  assert_non_null(must(n, "bytes", "llc-0-node01"));
  vr_dispatch_group_free(g);
  assert_int_equal(shim_meta_live(), live);
}

int main(void) {
  shim_set_log_level(LOG_ERR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(raw_gauge_is_the_number_read),
      cmocka_unit_test(percent_of_the_domains_size),
      cmocka_unit_test(bandwidth_is_derive_and_exact),
      cmocka_unit_test(every_row_goes_out_once_per_domain),
      cmocka_unit_test(micro_is_sent_as_the_number),
      cmocka_unit_test(power_is_the_energy_rate),
      cmocka_unit_test(no_power_after_a_missing_value),
      cmocka_unit_test(no_power_across_a_restart),
      cmocka_unit_test(restart_hint_carries_the_old_total),
      cmocka_unit_test(missing_values_send_nothing),
      cmocka_unit_test(unassigned_is_said_once),
      cmocka_unit_test(meta_data_names_each_values_cache_id),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
