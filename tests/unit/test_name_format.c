/* SPDX-License-Identifier: MIT */
/* HostnameFormat and PluginInstanceFormat: the fields parsed as collectd's
 * virt plugin takes them, joined as it joins them, and the UUID standing in
 * where two domains would share a name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "read/name_format.h"
#include "read/series.h"

#include <errno.h>
#include <string.h>

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"

static vr_name_format parse_ok(vr_format_key key, const char *const *values,
                               size_t n) {
  vr_name_format f;
  char reason[256] = "";
  int rc = vr_name_format_parse(key, values, n, &f, reason, sizeof(reason));
  if (rc != 0)
    fail_msg("parse failed: %s", reason);
  return f;
}

/* `HostnameFormat name uuid hostname` (three values) and
 * `HostnameFormat "name uuid hostname"` (one) are the same format. */
static void test_values_or_one_string(void **state) {
  (void)state;
  const char *three[] = {"name", "uuid", "hostname"};
  const char *one[] = {"  Name\tuuid  HOSTNAME "};
  const char *mixed[] = {"name uuid", "hostname"};
  vr_name_format a = parse_ok(VR_FORMAT_HOSTNAME, three, 3);
  vr_name_format b = parse_ok(VR_FORMAT_HOSTNAME, one, 1);
  vr_name_format c = parse_ok(VR_FORMAT_HOSTNAME, mixed, 2);
  assert_int_equal(a.n, 3);
  assert_int_equal(a.fields[0], VR_FIELD_NAME);
  assert_int_equal(a.fields[1], VR_FIELD_UUID);
  assert_int_equal(a.fields[2], VR_FIELD_HOSTNAME);
  assert_memory_equal(&a, &b, sizeof(a));
  assert_memory_equal(&a, &c, sizeof(a));
  char text[64];
  vr_name_format_text(&b, VR_FORMAT_HOSTNAME, text, sizeof(text));
  assert_string_equal(text, "name uuid hostname");
  const char *meta[] = {"metadata"};
  vr_name_format m = parse_ok(VR_FORMAT_INSTANCE, meta, 1);
  assert_true(vr_name_format_uses_metadata(&m));
  assert_false(vr_name_format_uses_metadata(&a));
}

typedef struct {
  vr_format_key key;
  const char *value;
  const char *reason;
} refusal;

static void test_refusals(void **state) {
  (void)state;
  static const refusal cases[] = {
      {VR_FORMAT_INSTANCE, "none",
       "PluginInstanceFormat: \"none\" is not accepted"},
      {VR_FORMAT_INSTANCE, "name none",
       "PluginInstanceFormat: \"none\" is not accepted"},
      {VR_FORMAT_INSTANCE, "hostname",
       "PluginInstanceFormat: unknown field \"hostname\""},
      {VR_FORMAT_HOSTNAME, "name fqdn",
       "HostnameFormat: unknown field \"fqdn\""},
      {VR_FORMAT_HOSTNAME, "none", "HostnameFormat: unknown field \"none\""},
      {VR_FORMAT_HOSTNAME, "name:uuid", "unknown field \"name:uuid\""},
      {VR_FORMAT_HOSTNAME, "name uuid hostname metadata name",
       "HostnameFormat: at most 4 fields"},
      {VR_FORMAT_INSTANCE, "name uuid metadata name",
       "PluginInstanceFormat: at most 3 fields"},
      {VR_FORMAT_HOSTNAME, "", "HostnameFormat needs at least one field"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    vr_name_format f = VR_NAME_FORMAT_1(VR_FIELD_UUID), before = f;
    char reason[256] = "";
    const char *v[] = {cases[i].value};
    assert_int_equal(
        vr_name_format_parse(cases[i].key, v, 1, &f, reason, sizeof(reason)),
        -EINVAL);
    if (!strstr(reason, cases[i].reason))
      fail_msg("\"%s\": \"%s\" lacks \"%s\"", cases[i].value, reason,
               cases[i].reason);
    assert_memory_equal(&f, &before, sizeof(f)); /* untouched */
  }
}

static const char *compose(const char *format, vr_format_key key,
                           const char *metadata, char *buf, size_t len) {
  const char *v[] = {format};
  vr_name_format f = parse_ok(key, v, 1);
  vr_name_values values = {.hostname = "node1",
                           .name = "instance-0001",
                           .uuid = U1,
                           .metadata = metadata};
  assert_int_equal(vr_name_compose(&f, key, &values, buf, len), 0);
  return buf;
}

/* Each field after the first is preceded by ':', an empty one too, as virt
 * writes it. */
static void test_join(void **state) {
  (void)state;
  char b[256];
  assert_string_equal(
      compose("name uuid hostname", VR_FORMAT_HOSTNAME, NULL, b, sizeof(b)),
      "instance-0001:" U1 ":node1");
  assert_string_equal(
      compose("metadata", VR_FORMAT_INSTANCE, "web-1", b, sizeof(b)), "web-1");
  assert_string_equal(
      compose("name metadata", VR_FORMAT_INSTANCE, NULL, b, sizeof(b)),
      "instance-0001:");
  assert_string_equal(
      compose("metadata name", VR_FORMAT_INSTANCE, "", b, sizeof(b)),
      ":instance-0001");
  /* n == 0: each key's default */
  vr_name_format none = {.n = 0};
  vr_name_values values = {.hostname = "node1", .name = "vm", .uuid = U1};
  assert_int_equal(
      vr_name_compose(&none, VR_FORMAT_HOSTNAME, &values, b, sizeof(b)), 0);
  assert_string_equal(b, "node1");
  assert_int_equal(
      vr_name_compose(&none, VR_FORMAT_INSTANCE, &values, b, sizeof(b)), 0);
  assert_string_equal(b, "vm");
  char small[8];
  assert_int_equal(vr_name_compose(&none, VR_FORMAT_INSTANCE,
                                   &(vr_name_values){.name = "12345678"}, small,
                                   sizeof(small)),
                   -ENAMETOOLONG);
}

static void test_clashes(void **state) {
  (void)state;
  const char *labels[] = {"a", "b", "a", NULL, NULL, "c", "b", "a"};
  bool clash[8];
  assert_int_equal(vr_name_clashes(labels, 8, clash), 5);
  bool want[8] = {true, true, true, false, false, false, true, true};
  assert_memory_equal(clash, want, sizeof(want));
  assert_int_equal(vr_name_clashes(labels, 2, clash), 0);
}

static vr_series build(const vr_series_config *cfg, const char *metadata,
                       bool clash) {
  vr_series_input in = {.domain = "instance-0001",
                        .uuid = U1,
                        .group = "db",
                        .members = "0",
                        .metadata = metadata,
                        .name_clash = clash,
                        .cache_id = 0,
                        .l3_size = 1};
  vr_series s;
  assert_int_equal(vr_series_build(&in, cfg, 1u << VR_FEAT_LLC_OCCUPANCY, &s),
                   0);
  return s;
}

/* Red Hat's virt settings: host "<name>:<uuid>:<Hostname>", plugin_instance
 * "<Nova name>:<group>"; a clash or a missing value gives the UUID. */
static void test_series_names(void **state) {
  (void)state;
  const char *host[] = {"name", "uuid", "hostname"};
  const char *inst[] = {"metadata"};
  vr_series_config cfg = {.host_format = parse_ok(VR_FORMAT_HOSTNAME, host, 3),
                          .instance_format =
                              parse_ok(VR_FORMAT_INSTANCE, inst, 1),
                          .hostname = "node1",
                          .report_bytes = true};
  vr_series s = build(&cfg, "web-1", false);
  assert_string_equal(s.host, "instance-0001:" U1 ":node1");
  assert_string_equal(s.plugin_instance, "web-1:db");
  assert_int_equal(s.instance_fallback, VR_FALLBACK_NONE);
  vr_series_clear(&s);

  s = build(&cfg, "web-1", true);
  assert_string_equal(s.plugin_instance, U1 ":db");
  assert_int_equal(s.instance_fallback, VR_FALLBACK_CLASH);
  vr_series_clear(&s);

  s = build(&cfg, NULL, false);
  assert_string_equal(s.plugin_instance, U1 ":db");
  assert_int_equal(s.instance_fallback, VR_FALLBACK_EMPTY);
  vr_series_clear(&s);

  /* a Nova name shaped like another domain's UUID */
  s = build(&cfg, U2, false);
  assert_string_equal(s.plugin_instance, U1 ":db");
  assert_int_equal(s.instance_fallback, VR_FALLBACK_UUID_SHAPED);
  vr_series_clear(&s);

  /* HostnameFormat metadata without a value: collectd's name (empty host),
   * as virt's empty host becomes */
  cfg.host_format = cfg.instance_format;
  s = build(&cfg, NULL, false);
  assert_string_equal(s.host, "");
  assert_int_equal(s.host_fallback, VR_FALLBACK_NONE);
  vr_series_clear(&s);
  s = build(&cfg, "web-1", false);
  assert_string_equal(s.host, "web-1");
  vr_series_clear(&s);
}

/* Two domains under one Nova name have one key, so they clash; under
 * HostnameFormat name their hosts differ, and they do not. */
static void test_name_key(void **state) {
  (void)state;
  const char *inst[] = {"metadata"};
  vr_series_config cfg = {.instance_format =
                              parse_ok(VR_FORMAT_INSTANCE, inst, 1)};
  vr_series_input a = {.domain = "instance-1", .uuid = U1, .metadata = "web"};
  vr_series_input b = {.domain = "instance-2", .uuid = U2, .metadata = "web"};
  char ka[256], kb[256];
  vr_series_name_key(&a, &cfg, ka, sizeof(ka));
  vr_series_name_key(&b, &cfg, kb, sizeof(kb));
  assert_string_equal(ka, kb);
  cfg.host_format = VR_NAME_FORMAT_1(VR_FIELD_NAME);
  vr_series_name_key(&a, &cfg, ka, sizeof(ka));
  vr_series_name_key(&b, &cfg, kb, sizeof(kb));
  assert_string_not_equal(ka, kb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values_or_one_string),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_join),
      cmocka_unit_test(test_clashes),
      cmocka_unit_test(test_series_names),
      cmocka_unit_test(test_name_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
