/* SPDX-License-Identifier: MIT */
/*
 * The config block: defaults, every key accepted, unknown keys and invalid
 * values rejected with a message naming the key.
 */
#include "engine/vr_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

/* One "Key value" line of a block; type picks the oconfig value type. */
typedef struct {
  const char *key;
  int type;
  const char *string;
  double number;
  int boolean;
} line;

#define S(k, v) {k, OCONFIG_TYPE_STRING, v, 0, 0}
#define N(k, v) {k, OCONFIG_TYPE_NUMBER, NULL, v, 0}
#define B(k, v) {k, OCONFIG_TYPE_BOOLEAN, NULL, 0, v}

static int apply_lines(vr_config *cfg, const line *lines, size_t n, char *err,
                       size_t err_len) {
  oconfig_item_t children[32];
  oconfig_value_t values[32];
  assert_true(n <= 32);
  for (size_t i = 0; i < n; i++) {
    memset(&children[i], 0, sizeof(children[i]));
    memset(&values[i], 0, sizeof(values[i]));
    children[i].key = (char *)lines[i].key;
    children[i].values = &values[i];
    children[i].values_num = 1;
    values[i].type = lines[i].type;
    if (lines[i].type == OCONFIG_TYPE_STRING)
      values[i].value.string = (char *)lines[i].string;
    else if (lines[i].type == OCONFIG_TYPE_NUMBER)
      values[i].value.number = lines[i].number;
    else
      values[i].value.boolean = lines[i].boolean;
  }
  oconfig_item_t block = {
      .key = "Plugin", .children = children, .children_num = (int)n};
  return vr_config_apply(cfg, &block, err, err_len);
}

static void test_defaults(void **state) {
  (void)state;
  vr_config cfg;
  assert_int_equal(vr_config_init(&cfg), 0);
  assert_string_equal(cfg.connection, "qemu:///system");
  assert_string_equal(cfg.resctrl_path, "/sys/fs/resctrl");
  assert_string_equal(cfg.metadata_uri, "urn:x-virt-resctrl:resmon:1");
  assert_string_equal(cfg.group_prefix, "vr_");
  assert_int_equal(cfg.refresh_interval_s, 60);
  assert_int_equal(cfg.default_group, VR_DEFAULT_GROUP_NONE);
  assert_int_equal(cfg.max_groups_per_domain, 64);
  assert_int_equal(cfg.n_domains, 0);
  assert_false(cfg.ignore_selected);
  assert_int_equal(cfg.hostname_format.n, 1);
  assert_int_equal(cfg.hostname_format.fields[0], VR_FIELD_HOSTNAME);
  assert_int_equal(cfg.instance_format.n, 1);
  assert_int_equal(cfg.instance_format.fields[0], VR_FIELD_NAME);
  assert_true(cfg.report_bytes && cfg.report_percent && cfg.report_bandwidth);
  assert_true(cfg.report_host);
  assert_true(cfg.remove_groups_on_shutdown);
  assert_true(cfg.keep_files_open);
  assert_false(cfg.report_sub_numa); /* SNC: each L3's sum, as before */
  assert_string_equal(cfg.sysfs_path, "/sys");
  assert_string_equal(cfg.proc_path, "/proc");
  assert_string_equal(cfg.libvirt_run_path, "/run/libvirt/qemu");
  /* collectd's virt plugin's defaults */
  assert_string_equal(cfg.name_metadata_ns,
                      "http://openstack.org/xmlns/libvirt/nova/1.0");
  assert_string_equal(cfg.name_metadata_xpath, "/instance/name/text()");
  vr_config_free(&cfg);
}

static void test_every_key(void **state) {
  (void)state;
  static const line lines[] = {
      S("Connection", "qemu+unix:///system?socket=/tmp/s"),
      S("ResctrlPath", "/mnt/resctrl"),
      S("MetadataURI", "urn:example:mon"),
      S("GroupPrefix", "Mon_1"),
      N("RefreshInterval", 5),
      S("DefaultGroup", "per-vcpu"),
      N("MaxGroupsPerDomain", 0),
      S("Domain", "vm1"),
      S("Domain", "/^db/"),
      B("IgnoreSelected", 1),
      S("HostnameFormat", "uuid"),
      S("PluginInstanceFormat", "uuid"),
      B("ReportBytes", 0),
      B("ReportPercent", 0),
      B("ReportBandwidth", 0),
      B("ReportHost", 0),
      B("RemoveGroupsOnShutdown", 0),
      B("KeepFilesOpen", 0),
      S("SysfsPath", "/tmp/sys"),
      S("ProcPath", "/tmp/proc"),
      S("LibvirtRunPath", "/tmp/run"),
      S("defaultgroup", "ALL"), /* keys and words are case-insensitive */
      B("ReportSubNUMA", 1),
      S("HostnameMetadataNS", "http://openstack.org/xmlns/libvirt/nova/1.1"),
      S("HostnameMetadataXPath", "/instance/@uuid"),
  };
  vr_config cfg;
  char err[256] = "";
  assert_int_equal(vr_config_init(&cfg), 0);
  assert_int_equal(apply_lines(&cfg, lines, sizeof(lines) / sizeof(lines[0]),
                               err, sizeof(err)),
                   0);
  assert_string_equal(cfg.connection, "qemu+unix:///system?socket=/tmp/s");
  assert_string_equal(cfg.resctrl_path, "/mnt/resctrl");
  assert_string_equal(cfg.metadata_uri, "urn:example:mon");
  assert_string_equal(cfg.group_prefix, "Mon_1");
  assert_int_equal(cfg.refresh_interval_s, 5);
  assert_int_equal(cfg.default_group, VR_DEFAULT_GROUP_ALL);
  assert_int_equal(cfg.max_groups_per_domain, 0);
  assert_int_equal(cfg.n_domains, 2);
  assert_string_equal(cfg.domains[1], "/^db/");
  assert_true(cfg.ignore_selected);
  assert_int_equal(cfg.hostname_format.fields[0], VR_FIELD_UUID);
  assert_int_equal(cfg.instance_format.fields[0], VR_FIELD_UUID);
  assert_false(cfg.report_bytes || cfg.report_percent || cfg.report_bandwidth);
  assert_false(cfg.report_host);
  assert_false(cfg.remove_groups_on_shutdown);
  assert_false(cfg.keep_files_open);
  assert_true(cfg.report_sub_numa);
  assert_string_equal(cfg.sysfs_path, "/tmp/sys");
  assert_string_equal(cfg.proc_path, "/tmp/proc");
  assert_string_equal(cfg.libvirt_run_path, "/tmp/run");
  assert_string_equal(cfg.name_metadata_ns,
                      "http://openstack.org/xmlns/libvirt/nova/1.1");
  assert_string_equal(cfg.name_metadata_xpath, "/instance/@uuid");
  vr_config_free(&cfg);
}

/* HostnameFormat name uuid hostname, unquoted: one key, three values, as
 * collectd's virt plugin reads it; the fields keep their order. */
static void test_format_values(void **state) {
  (void)state;
  oconfig_value_t values[4] = {
      {.value.string = "name", .type = OCONFIG_TYPE_STRING},
      {.value.string = "UUID", .type = OCONFIG_TYPE_STRING},
      {.value.string = "hostname", .type = OCONFIG_TYPE_STRING},
      {.value.string = "metadata", .type = OCONFIG_TYPE_STRING},
  };
  oconfig_item_t children[2] = {
      {.key = "HostnameFormat", .values = values, .values_num = 3},
      {.key = "PluginInstanceFormat", .values = &values[3], .values_num = 1},
  };
  oconfig_item_t block = {
      .key = "Plugin", .children = children, .children_num = 2};
  vr_config cfg;
  char err[256] = "";
  assert_int_equal(vr_config_init(&cfg), 0);
  assert_int_equal(vr_config_apply(&cfg, &block, err, sizeof(err)), 0);
  assert_int_equal(cfg.hostname_format.n, 3);
  assert_int_equal(cfg.hostname_format.fields[0], VR_FIELD_NAME);
  assert_int_equal(cfg.hostname_format.fields[1], VR_FIELD_UUID);
  assert_int_equal(cfg.hostname_format.fields[2], VR_FIELD_HOSTNAME);
  assert_int_equal(cfg.instance_format.n, 1);
  assert_int_equal(cfg.instance_format.fields[0], VR_FIELD_METADATA);
  /* five values: more than virt's four fields */
  oconfig_value_t five[5] = {values[0], values[0], values[0], values[0],
                             values[0]};
  children[0].values = five;
  children[0].values_num = 5;
  assert_int_equal(vr_config_apply(&cfg, &block, err, sizeof(err)), -EINVAL);
  assert_non_null(strstr(err, "HostnameFormat takes one to 4"));
  vr_config_free(&cfg);
}

typedef struct {
  line bad;
  const char *message;
} bad_case;

static void test_rejections(void **state) {
  (void)state;
  static const bad_case bad[] = {
      {N("NoSuchKey", 1), "unknown config key \"NoSuchKey\""},
      {S("ResctrlPath", "sys/fs/resctrl"), "ResctrlPath must be an absolute"},
      {S("SysfsPath", "relative"), "SysfsPath must be an absolute"},
      {N("ResctrlPath", 3), "ResctrlPath takes exactly one non-empty string"},
      {S("Connection", ""), "Connection takes exactly one non-empty string"},
      {S("GroupPrefix", "vr-"), "GroupPrefix \"vr-\" must be 1-16"},
      {S("GroupPrefix", "abcdefghijklmnopq"), "GroupPrefix"},
      {N("RefreshInterval", 0), "RefreshInterval must be a whole number"},
      {N("RefreshInterval", 1.5), "RefreshInterval must be a whole number"},
      {S("RefreshInterval", "60"), "RefreshInterval takes one number"},
      {N("MaxGroupsPerDomain", -1), "MaxGroupsPerDomain takes one whole"},
      {N("MaxGroupsPerDomain", 2.5), "MaxGroupsPerDomain takes one whole"},
      {S("MaxGroupsPerDomain", "64"), "MaxGroupsPerDomain takes one whole"},
      {S("DefaultGroup", "each"),
       "DefaultGroup: \"each\" is not one of \"none\", \"all\", "
       "\"per-vcpu\""},
      {S("HostnameFormat", "fqdn"), "HostnameFormat: unknown field \"fqdn\""},
      {S("PluginInstanceFormat", "hostname"),
       "PluginInstanceFormat: unknown field \"hostname\""},
      {S("PluginInstanceFormat", "none"),
       "PluginInstanceFormat: \"none\" is not accepted"},
      {S("HostnameFormat", " "), "HostnameFormat needs at least one field"},
      {N("HostnameFormat", 1), "HostnameFormat takes strings only"},
      {S("HostnameMetadataNS", ""), "HostnameMetadataNS takes exactly one"},
      {S("ReportBytes", "yes"), "ReportBytes takes exactly one boolean"},
      {N("IgnoreSelected", 1), "IgnoreSelected takes exactly one boolean"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    vr_config cfg;
    char err[256] = "";
    assert_int_equal(vr_config_init(&cfg), 0);
    assert_int_equal(apply_lines(&cfg, &bad[i].bad, 1, err, sizeof(err)),
                     -EINVAL);
    if (!strstr(err, bad[i].message))
      fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].bad.key, err, bad[i].message);
    vr_config_free(&cfg);
  }
}

static void test_block_value_rejected(void **state) {
  (void)state;
  vr_config cfg;
  char err[256] = "";
  oconfig_value_t value = {.value.string = "x", .type = OCONFIG_TYPE_STRING};
  oconfig_item_t inner = {.key = "Nested", .values = &value, .values_num = 1};
  oconfig_item_t child = {.key = "Connection",
                          .values = &value,
                          .values_num = 1,
                          .children = &inner,
                          .children_num = 1};
  oconfig_item_t block = {
      .key = "Plugin", .children = &child, .children_num = 1};
  assert_int_equal(vr_config_init(&cfg), 0);
  assert_int_equal(vr_config_apply(&cfg, &block, err, sizeof(err)), -EINVAL);
  assert_non_null(strstr(err, "Connection does not take a block"));
  vr_config_free(&cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_every_key),
      cmocka_unit_test(test_format_values),
      cmocka_unit_test(test_rejections),
      cmocka_unit_test(test_block_value_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
