/* SPDX-License-Identifier: MIT */
/* collectd identifiers of a group's series: table of cases, and a proof
 * by exhaustion over tricky names that no two series collide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "read/series.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"
#define U3 "33333333-3333-3333-3333-333333333333"

static const vr_series_config defaults = {
    .instance_format = VR_NAME_FORMAT_1(VR_FIELD_NAME),
    .host_format = VR_NAME_FORMAT_1(VR_FIELD_HOSTNAME),
    .report_bytes = true,
    .report_percent = true,
    .report_bandwidth = true};
#define EVENT(f) (1u << VR_FEAT_##f)
static const vr_mon_features all_features =
    EVENT(LLC_OCCUPANCY) | EVENT(MBM_TOTAL_BYTES) | EVENT(MBM_LOCAL_BYTES);

typedef struct {
  const char *what;
  const char *domain; /* NULL: "web"; "L<n>": n x 'd' */
  const char *uuid;   /* NULL: U1 */
  const char *group;  /* NULL: "db" */
  unsigned cache_id;
  uint64_t l3_size; /* 0 is unknown; cases use 1 for "known" by default */
  bool unknown_size;
  const vr_series_config *cfg;     /* NULL: defaults */
  const vr_mon_features *features; /* NULL: all */
  int rc;
  const char *host;
  const char *plugin_instance; /* "L<n>:db": n x 'd' then ":db" */
  vr_fallback instance_fallback;
  vr_fallback host_fallback;
  bool percent_unavailable;
  const char *metrics; /* "type/type_instance[/d]" joined by spaces */
} scase;

static void expand(const char *s, char *buf, size_t len) {
  if (s[0] == 'L' && s[1] >= '0' && s[1] <= '9') {
    char *end;
    size_t n = strtoul(s + 1, &end, 10);
    assert_true(n < len);
    memset(buf, 'd', n);
    snprintf(buf + n, len - n, "%s", end);
  } else {
    snprintf(buf, len, "%s", s);
  }
}

static const vr_series_config uuid_instance = {
    .instance_format = VR_NAME_FORMAT_1(VR_FIELD_UUID),
    .report_bytes = true,
    .report_percent = true,
    .report_bandwidth = true};
static const vr_series_config host_name = {.host_format =
                                               VR_NAME_FORMAT_1(VR_FIELD_NAME),
                                           .report_bytes = true,
                                           .report_percent = true,
                                           .report_bandwidth = true};
static const vr_series_config host_uuid = {.host_format =
                                               VR_NAME_FORMAT_1(VR_FIELD_UUID),
                                           .report_bytes = true,
                                           .report_percent = true,
                                           .report_bandwidth = true};
static const vr_series_config no_bytes = {.report_percent = true,
                                          .report_bandwidth = true};
static const vr_series_config no_percent = {.report_bytes = true,
                                            .report_bandwidth = true};
static const vr_series_config no_bandwidth = {.report_bytes = true,
                                              .report_percent = true};
static const vr_mon_features only_total =
    EVENT(LLC_OCCUPANCY) | EVENT(MBM_TOTAL_BYTES);
static const vr_mon_features only_mbm =
    EVENT(MBM_TOTAL_BYTES) | EVENT(MBM_LOCAL_BYTES);

#define ALL_METRICS(id)                                                        \
  "bytes/llc-" id " percent/llc-" id " memory_bandwidth/total-" id             \
  "/d memory_bandwidth/local-" id "/d"

static const scase cases[] = {
    {.what = "defaults",
     .host = "",
     .plugin_instance = "web:db",
     .metrics = ALL_METRICS("0")},
    {.what = "cache id in type_instance, decimal",
     .cache_id = 12,
     .host = "",
     .plugin_instance = "web:db",
     .metrics = ALL_METRICS("12")},
    {.what = "PluginInstanceFormat uuid",
     .cfg = &uuid_instance,
     .host = "",
     .plugin_instance = U1 ":db",
     .metrics = ALL_METRICS("0")},
    {.what = "HostnameFormat name",
     .cfg = &host_name,
     .host = "web",
     .plugin_instance = "web:db",
     .metrics = ALL_METRICS("0")},
    {.what = "HostnameFormat uuid",
     .cfg = &host_uuid,
     .host = U1,
     .plugin_instance = "web:db",
     .metrics = ALL_METRICS("0")},
    {.what = "name:group of exactly 127 characters fits",
     .domain = "L124",
     .host = "",
     .plugin_instance = "L124:db",
     .metrics = ALL_METRICS("0")},
    {.what = "name:group of 128 characters: the uuid instead",
     .domain = "L125",
     .host = "",
     .plugin_instance = U1 ":db",
     .instance_fallback = VR_FALLBACK_TOO_LONG,
     .metrics = ALL_METRICS("0")},
    {.what = "long name, uuid format: nothing to fall back from",
     .domain = "L400",
     .cfg = &uuid_instance,
     .host = "",
     .plugin_instance = U1 ":db",
     .metrics = ALL_METRICS("0")},
    {.what = "host name of 128 characters: the uuid instead",
     .domain = "L128",
     .cfg = &host_name,
     .host = U1,
     .plugin_instance = U1 ":db",
     .instance_fallback = VR_FALLBACK_TOO_LONG,
     .host_fallback = VR_FALLBACK_TOO_LONG,
     .metrics = ALL_METRICS("0")},
    {.what = "name shaped like another uuid: its own uuid instead",
     .domain = U2,
     .host = "",
     .plugin_instance = U1 ":db",
     .instance_fallback = VR_FALLBACK_UUID_SHAPED,
     .metrics = ALL_METRICS("0")},
    {.what = "name equal to its own uuid is fine",
     .domain = U1,
     .host = "",
     .plugin_instance = U1 ":db",
     .metrics = ALL_METRICS("0")},
    {.what = "ReportBytes false",
     .cfg = &no_bytes,
     .host = "",
     .plugin_instance = "web:db",
     .metrics = "percent/llc-0 memory_bandwidth/total-0/d "
                "memory_bandwidth/local-0/d"},
    {.what = "ReportPercent false",
     .cfg = &no_percent,
     .host = "",
     .plugin_instance = "web:db",
     .metrics = "bytes/llc-0 memory_bandwidth/total-0/d "
                "memory_bandwidth/local-0/d"},
    {.what = "ReportBandwidth false",
     .cfg = &no_bandwidth,
     .host = "",
     .plugin_instance = "web:db",
     .metrics = "bytes/llc-0 percent/llc-0"},
    {.what = "L3 size unknown: no percent, said",
     .unknown_size = true,
     .host = "",
     .plugin_instance = "web:db",
     .percent_unavailable = true,
     .metrics = "bytes/llc-0 memory_bandwidth/total-0/d "
                "memory_bandwidth/local-0/d"},
    {.what = "L3 size unknown, percent not wanted: nothing to say",
     .unknown_size = true,
     .cfg = &no_percent,
     .host = "",
     .plugin_instance = "web:db",
     .metrics = "bytes/llc-0 memory_bandwidth/total-0/d "
                "memory_bandwidth/local-0/d"},
    {.what = "no mbm_local_bytes feature",
     .features = &only_total,
     .host = "",
     .plugin_instance = "web:db",
     .metrics = "bytes/llc-0 percent/llc-0 memory_bandwidth/total-0/d"},
    {.what = "no llc_occupancy feature",
     .features = &only_mbm,
     .host = "",
     .plugin_instance = "web:db",
     .metrics = "memory_bandwidth/total-0/d memory_bandwidth/local-0/d"},
    {.what = "bad uuid", .uuid = "nope", .rc = -EINVAL},
    {.what = "bad group", .group = "a:b", .rc = -EINVAL},
    {.what = "empty domain name", .domain = "", .rc = -EINVAL},
};

static void render_metrics(const vr_series *s, char *buf, size_t len) {
  buf[0] = '\0';
  size_t used = 0;
  for (size_t m = 0; m < s->n_metrics; m++) {
    const vr_series_metric *x = &s->metrics[m];
    int n = snprintf(buf + used, len - used, "%s%s/%s%s", m ? " " : "", x->type,
                     x->type_instance, x->derive ? "/d" : "");
    assert_true(n > 0 && (size_t)n < len - used);
    used += (size_t)n;
  }
}

static void test_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const scase *tc = &cases[i];
    print_message("case %zu: %s\n", i, tc->what);
    char domain[512], want_pi[512], got_metrics[512];
    expand(tc->domain ? tc->domain : "web", domain, sizeof(domain));
    vr_series_input in = {.domain = domain,
                          .uuid = tc->uuid ? tc->uuid : U1,
                          .group = tc->group ? tc->group : "db",
                          .members = "3,5",
                          .cache_id = tc->cache_id,
                          .l3_size = tc->unknown_size ? 0 : 1048576};
    vr_series s;
    int rc = vr_series_build(&in, tc->cfg ? tc->cfg : &defaults,
                             tc->features ? *tc->features : all_features, &s);
    assert_int_equal(rc, tc->rc);
    if (rc != 0) {
      assert_null(s.vcpus);
      continue;
    }
    assert_string_equal(VR_SERIES_PLUGIN, "virt_resctrl");
    assert_string_equal(s.host, tc->host);
    expand(tc->plugin_instance, want_pi, sizeof(want_pi));
    assert_string_equal(s.plugin_instance, want_pi);
    assert_int_equal(s.instance_fallback, tc->instance_fallback);
    assert_int_equal(s.host_fallback, tc->host_fallback);
    assert_int_equal(s.percent_unavailable, tc->percent_unavailable);
    render_metrics(&s, got_metrics, sizeof(got_metrics));
    assert_string_equal(got_metrics, tc->metrics);
    assert_true(strlen(s.plugin_instance) < VR_SERIES_FIELD_LEN);
    assert_true(strlen(s.host) < VR_SERIES_FIELD_LEN);
    vr_series_clear(&s);
  }
}

static void test_meta(void **state) {
  (void)state;
  vr_series_input in = {.domain = "web",
                        .uuid = U2,
                        .group = "vcpus_0-2",
                        .members = "0,1,2",
                        .cache_id = 8,
                        .l3_size = 1};
  vr_series s;
  assert_int_equal(vr_series_build(&in, &defaults, all_features, &s), 0);
  vr_meta_field meta[VR_SERIES_META_COUNT];
  vr_series_meta(&s, meta);
  static const char *const want[][2] = {{"domain", "web"},
                                        {"uuid", U2},
                                        {"group", "vcpus_0-2"},
                                        {"vcpus", "0,1,2"},
                                        {"cache_id", "8"}};
  for (size_t m = 0; m < VR_SERIES_META_COUNT; m++) {
    assert_string_equal(meta[m].key, want[m][0]);
    assert_string_equal(meta[m].value, want[m][1]);
  }
  /* The meta data keeps the whole name even when the instance cannot. */
  char long_name[300];
  memset(long_name, 'n', 299);
  long_name[299] = '\0';
  vr_series_clear(&s);
  in.domain = long_name;
  assert_int_equal(vr_series_build(&in, &defaults, all_features, &s), 0);
  assert_string_equal(s.domain, long_name);
  assert_int_equal(s.instance_fallback, VR_FALLBACK_TOO_LONG);
  vr_series_clear(&s);
}

/* Sub-NUMA Clustering (doc/design.md, "resctrl rules", Domains): a node's
 * series only with ReportSubNUMA, named "<prefix>-<cache>-node<YY>" (YY two
 * digits at least, as the kernel writes mon_sub_L3_YY), percent of the node's
 * share. */
static void test_sub_numa(void **state) {
  (void)state;
  vr_series_config cfg = defaults;
  vr_series_input in = {.domain = "web",
                        .uuid = U2,
                        .group = "db",
                        .members = "0",
                        .cache_id = 1,
                        .l3_size = 16777216,
                        .sub_numa = true,
                        .node = 3};
  char got[1024];
  vr_series s;
  assert_int_equal(vr_series_build(&in, &cfg, all_features, &s), 0);
  assert_int_equal(s.n_metrics, 0); /* ReportSubNUMA false: none */
  assert_string_equal(s.cache_id, "1");
  vr_series_clear(&s);
  cfg.report_sub_numa = true;
  assert_int_equal(vr_series_build(&in, &cfg, all_features, &s), 0);
  render_metrics(&s, got, sizeof(got));
  assert_string_equal(got, "bytes/llc-1-node03 percent/llc-1-node03 "
                           "memory_bandwidth/total-1-node03/d "
                           "memory_bandwidth/local-1-node03/d");
  vr_series_clear(&s);
  in.node = 131;
  in.l3_size = 0; /* no size known: no percent, as for a whole L3 */
  cfg.report_bandwidth = false;
  assert_int_equal(vr_series_build(&in, &cfg, all_features, &s), 0);
  render_metrics(&s, got, sizeof(got));
  assert_string_equal(got, "bytes/llc-1-node131");
  assert_true(s.percent_unavailable);
  vr_series_clear(&s);
  /* The L3's own series are unchanged by ReportSubNUMA. */
  in.sub_numa = false;
  in.l3_size = 16777216;
  assert_int_equal(vr_series_build(&in, &cfg, all_features, &s), 0);
  render_metrics(&s, got, sizeof(got));
  assert_string_equal(got, "bytes/llc-1 percent/llc-1");
  vr_series_clear(&s);
}

static void test_percent(void **state) {
  (void)state;
  static const struct {
    uint64_t occupancy, size;
    int rc;
    double want;
  } table[] = {
      {0, 1048576, 0, 0.0},
      {524288, 1048576, 0, 50.0},
      {1048576, 1048576, 0, 100.0},
      {3145728, 31457280, 0, 10.0},
      {UINT64_C(1) << 40, UINT64_C(1) << 41, 0, 50.0},
      {4096, 0, -EDOM, 0.0},
  };
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    double got = -1.0;
    assert_int_equal(vr_series_percent(table[i].occupancy, table[i].size, &got),
                     table[i].rc);
    if (table[i].rc == 0)
      assert_float_equal(got, table[i].want, 1e-9);
    else
      assert_true(got == -1.0); /* untouched: no made-up value */
  }
}

/* doc/design.md, "The metric table": a PERF_PKG domain (a package) gets its
 * rows only, energy-core-<pkg> then power-core-<pkg>, gated by ReportEnergy; an
 * L3 domain never gets them, whatever the feature mask. */
static void test_energy(void **state) {
  (void)state;
  vr_series_config cfg = defaults;
  cfg.report_energy = true;
  vr_mon_features f = all_features | EVENT(CORE_ENERGY);
  vr_series_input in = {.domain = "web",
                        .uuid = "11111111-2222-3333-4444-555555555555",
                        .group = "db",
                        .members = "0",
                        .resource = VR_RES_PERF_PKG,
                        .cache_id = 1};
  vr_series s;
  assert_int_equal(vr_series_build(&in, &cfg, f, &s), 0);
  assert_int_equal(s.n_metrics, 2);
  assert_int_equal(s.metrics[0].metric, VR_METRIC_CORE_ENERGY);
  assert_string_equal(s.metrics[0].type, "energy");
  assert_string_equal(s.metrics[0].type_instance, "core-1");
  assert_int_equal(s.metrics[1].metric, VR_METRIC_CORE_POWER);
  assert_string_equal(s.metrics[1].type, "power");
  assert_string_equal(s.metrics[1].type_instance, "core-1");
  assert_false(s.percent_unavailable); /* no L3 row, so no size missing */
  vr_series_clear(&s);
  /* ReportEnergy false: nothing for a package */
  cfg.report_energy = false;
  assert_int_equal(vr_series_build(&in, &cfg, f, &s), 0);
  assert_int_equal(s.n_metrics, 0);
  vr_series_clear(&s);
  /* an L3 domain: its four rows, no energy */
  cfg.report_energy = true;
  in.resource = VR_RES_L3;
  in.l3_size = 1 << 20;
  assert_int_equal(vr_series_build(&in, &cfg, f, &s), 0);
  assert_int_equal(s.n_metrics, 4);
  for (size_t i = 0; i < s.n_metrics; i++)
    assert_int_equal(vr_metric_defs[s.metrics[i].metric].resource, VR_RES_L3);
  vr_series_clear(&s);
  /* the file holds a decimal fraction; L3's integers */
  assert_true(vr_resctrl_feature_fixed(VR_FEAT_CORE_ENERGY));
  assert_false(vr_resctrl_feature_fixed(VR_FEAT_MBM_TOTAL_BYTES));
  assert_string_equal(vr_mon_resource_name(VR_RES_PERF_PKG), "PERF_PKG");
}

/* Power from two energy reads: (e2 - e1) / (t2 - t1), times in cdtime_t
 * (2^-30 s); no value backwards in time or across a restart. */
static void test_power(void **state) {
  (void)state;
  const uint64_t s1 = (uint64_t)1 << 30; /* one second */
  const struct {
    uint64_t e1, t1, e2, t2;
    int rc;
    double want;
  } table[] = {
      {100000000, 10 * s1, 105250000, 11 * s1, 0, 5.25},
      {100000000, 10 * s1, 105250000, 12 * s1, 0, 2.625},
      {100000000, 10 * s1, 100000000, 11 * s1, 0, 0.0},    /* idle */
      {1, 10 * s1, 2, 10 * s1 + s1 / 2, 0, 2e-6},          /* half a second */
      {105250000, 10 * s1, 3000000, 11 * s1, -EDOM, -1.0}, /* restart */
      {1, 10 * s1, 2, 10 * s1, -EDOM, -1.0},               /* no time */
      {1, 11 * s1, 2, 10 * s1, -EDOM, -1.0},               /* backwards */
  };
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    double got = -1.0;
    assert_int_equal(vr_series_power(table[i].e1, table[i].t1, table[i].e2,
                                     table[i].t2, &got),
                     table[i].rc);
    assert_float_equal(got, table[i].want, 1e-12);
  }
}

/* Every (domain, group) pair of one host, with names chosen to collide if
 * anything were cut or mixed up, in every format: identifiers all differ. */
static void test_no_collisions(void **state) {
  (void)state;
  char n124[125], n125[126], n200a[201], n200b[201];
  memset(n124, 'x', 124), n124[124] = '\0';
  memset(n125, 'x', 125), n125[125] = '\0';
  memset(n200a, 'x', 200), n200a[200] = '\0';
  memset(n200b, 'x', 200), n200b[200] = '\0';
  n200b[199] = 'y';
  const struct {
    const char *name, *uuid;
  } doms[] = {{n124, "00000000-0000-0000-0000-000000000001"},
              {n125, "00000000-0000-0000-0000-000000000002"},
              {n200a, "00000000-0000-0000-0000-000000000003"},
              {n200b, "00000000-0000-0000-0000-000000000004"},
              {"00000000-0000-0000-0000-000000000001",
               "00000000-0000-0000-0000-000000000005"},
              {"00000000-0000-0000-0000-000000000006",
               "00000000-0000-0000-0000-000000000006"},
              {"a:b", "00000000-0000-0000-0000-000000000007"},
              {"a", "00000000-0000-0000-0000-000000000008"}};
  const char *groups[] = {"b", "b:c" /* invalid, skipped */, "c", "g",
                          "vcpus_0-2"};
  const vr_series_config *cfgs[] = {&defaults, &uuid_instance, &host_name,
                                    &host_uuid};
  enum { MAXS = 8 * 5 * 4 };
  static char ids[8 * 5 * 4][VR_SERIES_FIELD_LEN * 4];
  for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
    size_t n = 0;
    for (size_t d = 0; d < sizeof(doms) / sizeof(doms[0]); d++)
      for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        vr_series_input in = {.domain = doms[d].name,
                              .uuid = doms[d].uuid,
                              .group = groups[g],
                              .members = "0",
                              .cache_id = 0,
                              .l3_size = 1};
        vr_series s;
        int rc = vr_series_build(&in, cfgs[c], all_features, &s);
        if (strchr(groups[g], ':')) {
          assert_int_equal(rc, -EINVAL);
          continue;
        }
        assert_int_equal(rc, 0);
        assert_true(n < MAXS);
        snprintf(ids[n++], sizeof(ids[0]), "%s|%s|%s", s.host, VR_SERIES_PLUGIN,
                 s.plugin_instance);
        vr_series_clear(&s);
      }
    for (size_t a = 0; a < n; a++)
      for (size_t b = a + 1; b < n; b++)
        if (strcmp(ids[a], ids[b]) == 0)
          fail_msg("config %zu: series %zu and %zu share '%s'", c, a, b,
                   ids[a]);
    assert_int_equal(n, 8 * 4);
  }
}

/* The host context's series (doc/design.md, "Host context"): "host" and "vms"
 * hold no ':', and every group's plugin_instance does, whatever the domain's
 * and the group's names and the formats: proved over every domain name of one
 * to three characters from an alphabet that spells both ("hostvm:-"), the
 * names "host" and "vms" themselves, UUID-shaped and over-long ones, and
 * every valid group name of one or two of those characters. */
static void test_context_apart(void **state) {
  (void)state;
  const vr_series_config *cfgs[] = {&defaults, &uuid_instance, &host_name,
                                    &host_uuid};
  const char alphabet[] = "hostvm:-";
  const size_t k = sizeof(alphabet) - 1;
  char long_name[201];
  memset(long_name, 'h', 200), long_name[200] = '\0';
  const char *named[] = {"host", "vms", "host:", ":vms", U2, long_name};
  size_t n_domains = k + k * k + k * k * k + sizeof(named) / sizeof(named[0]);
  size_t n_groups = k + k * k + 2, built = 0;
  for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++)
    for (size_t d = 0; d < n_domains; d++) {
      char domain[8];
      const char *dom = domain;
      size_t x = d, len = 1;
      if (x >= k + k * k + k * k * k) {
        dom = named[x - (k + k * k + k * k * k)];
      } else {
        for (size_t span = k; x >= span; span *= k)
          x -= span, len++;
        for (size_t i = len; i-- > 0; x /= k)
          domain[i] = alphabet[x % k];
        domain[len] = '\0';
      }
      for (size_t g = 0; g < n_groups; g++) {
        char group[8];
        if (g < k)
          snprintf(group, sizeof(group), "%c", alphabet[g]);
        else if (g < k + k * k)
          snprintf(group, sizeof(group), "%c%c", alphabet[(g - k) / k],
                   alphabet[(g - k) % k]);
        else
          snprintf(group, sizeof(group), "%s", g == k + k * k ? "host" : "vms");
        vr_series_input in = {.domain = dom,
                              .uuid = U1,
                              .group = group,
                              .members = "0",
                              .l3_size = 1};
        vr_series s;
        if (vr_series_build(&in, cfgs[c], all_features, &s) != 0)
          continue; /* an invalid group name: never a series */
        built++;
        if (!strchr(s.plugin_instance, ':') ||
            strcmp(s.plugin_instance, VR_SERIES_HOST_INSTANCE) == 0 ||
            strcmp(s.plugin_instance, VR_SERIES_VMS_INSTANCE) == 0)
          fail_msg("domain '%s' group '%s': plugin_instance '%s'", dom, group,
                   s.plugin_instance);
        vr_series_clear(&s);
      }
    }
  /* Every domain with every group name without ':' (7 + 49 + 2 of them),
   * in every format: the loop did check that many series. */
  assert_int_equal(built, 4 * n_domains * ((k - 1) + (k - 1) * (k - 1) + 2));
  assert_null(strchr(VR_SERIES_HOST_INSTANCE, ':'));
  assert_null(strchr(VR_SERIES_VMS_INSTANCE, ':'));
}

/* A host context series: its instance, collectd's own host name whatever
 * HostnameFormat says, the same metrics as a group's, meta data group and
 * cache_id only. */
static void test_context_series(void **state) {
  (void)state;
  const char *scopes[] = {VR_SERIES_HOST_INSTANCE, VR_SERIES_VMS_INSTANCE};
  const vr_series_config *cfgs[] = {&defaults, &uuid_instance, &host_name,
                                    &host_uuid};
  for (size_t i = 0; i < 2; i++)
    for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
      vr_series s;
      assert_int_equal(vr_series_build_context(scopes[i], VR_RES_L3, 8,
                                               16777216, cfgs[c], all_features,
                                               &s),
                       0);
      assert_string_equal(s.plugin_instance, scopes[i]);
      assert_string_equal(s.host, "");
      assert_true(s.context);
      char metrics[512];
      render_metrics(&s, metrics, sizeof(metrics));
      assert_string_equal(
          metrics, "bytes/llc-8 percent/llc-8 memory_bandwidth/total-8/d "
                   "memory_bandwidth/local-8/d");
      vr_meta_field meta[VR_SERIES_META_COUNT];
      vr_series_meta(&s, meta);
      assert_string_equal(meta[0].value, "");        /* domain */
      assert_string_equal(meta[1].value, "");        /* uuid */
      assert_string_equal(meta[2].value, scopes[i]); /* group */
      assert_string_equal(meta[3].value, "");        /* vcpus */
      assert_string_equal(meta[4].value, "8");       /* cache_id */
      vr_series_clear(&s);
    }
  /* No size known: no percent, as for a group. */
  vr_series s;
  assert_int_equal(vr_series_build_context(VR_SERIES_VMS_INSTANCE, VR_RES_L3, 0,
                                           0, &defaults, all_features, &s),
                   0);
  assert_true(s.percent_unavailable);
  assert_int_equal(s.n_metrics, 3);
  vr_series_clear(&s);
  assert_int_equal(vr_series_build_context("web:db", VR_RES_L3, 0, 1, &defaults,
                                           all_features, &s),
                   -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_meta),
      cmocka_unit_test(test_percent),
      cmocka_unit_test(test_sub_numa),
      cmocka_unit_test(test_no_collisions),
      cmocka_unit_test(test_context_apart),
      cmocka_unit_test(test_context_series),
      cmocka_unit_test(test_no_collisions),
      cmocka_unit_test(test_energy),
      cmocka_unit_test(test_power),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
