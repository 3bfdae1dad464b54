/* SPDX-License-Identifier: MIT */
/*
 * The domstats view (src/plan/domstats.h): which resctrl groups belong to a
 * domain and in what order, and the exact text and JSON.
 */
#include "plan/domstats.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define U "0f8fad5b-d9cb-469f-a165-70867728950e"
#define OTHER "11111111-2222-3333-4444-555555555555"
#define LV "qemu-3-web-vcpus_2-3"

static const vr_domstats_dir all_dirs[] = {
    {"", "pqos-1"},
    {"", "qemu-4-web-vcpus_0"}, /* another run of the domain */
    {"", "vr_" OTHER "_db"},    /* another domain */
    {"", "vr_" U "_vcpus_0,1"},
    {"", "vr_" U "_vcpus_5"}, /* ours, not in the metadata */
    {"", "vr_" U "_vm"},
    {"", "xx_" U "_db"}, /* another prefix */
    {LV, ""},
    {LV, "qemu-3-web-vcpus_2"},
    {LV, "vr_" U "_db"},
};

/* A running domain "web" (id 3) with db = vCPU 3, vcpus_0,1, emu (no
 * directory) and lv = vCPU 2 (no directory: libvirt's monitor of exactly
 * vCPU 2 stands in). */
static void domain_init(vr_domstats_domain *d, int id) {
  memset(d, 0, sizeof(*d));
  d->name = "web";
  strcpy(d->uuid, U);
  d->id = id;
  assert_int_equal(
      vr_group_spec_parse("<resmon><group name=\"db\" vcpus=\"3\"/>"
                          "<group vcpus=\"0-1\"/>"
                          "<group name=\"emu\" emulator=\"yes\"/>"
                          "<group name=\"lv\" vcpus=\"2\"/></resmon>",
                          8, &d->meta),
      0);
  assert_int_equal(d->meta.n_groups, 4);
  d->groups =
      calloc(sizeof(all_dirs) / sizeof(all_dirs[0]), sizeof(*d->groups));
  assert_non_null(d->groups);
}

static void domain_clear(vr_domstats_domain *d) {
  for (size_t i = 0; i < d->n_groups; i++)
    free(d->groups[i].values);
  free(d->groups);
  vr_group_list_clear(&d->meta);
}

static void select_all(vr_domstats_domain *d, const char *prefix) {
  vr_domstats_dirs dirs = {(vr_domstats_dir *)all_dirs,
                           sizeof(all_dirs) / sizeof(all_dirs[0])};
  assert_int_equal(vr_domstats_select(prefix, d, &dirs), 0);
}

static void test_select_order(void **state) {
  (void)state;
  vr_domstats_domain d;
  domain_init(&d, 3);
  select_all(&d, "vr_");
  /* Metadata order, then ours by name, then libvirt's by name. */
  static const struct {
    const char *name, *ctrl, *dir;
    bool libvirt;
  } want[] = {
      {"db", LV, "vr_" U "_db", false},
      {"vcpus_0,1", "", "vr_" U "_vcpus_0,1", false},
      {"vcpus_5", "", "vr_" U "_vcpus_5", false},
      {"vm", "", "vr_" U "_vm", false},
      {"vcpus_2", LV, "qemu-3-web-vcpus_2", true},
      {"vcpus_2-3", LV, "", true},
  };
  assert_int_equal(d.n_groups, sizeof(want) / sizeof(want[0]));
  for (size_t i = 0; i < d.n_groups; i++) {
    assert_string_equal(d.groups[i].name, want[i].name);
    assert_string_equal(d.groups[i].dir->ctrl, want[i].ctrl);
    assert_string_equal(d.groups[i].dir->name, want[i].dir);
    assert_int_equal(d.groups[i].libvirt, want[i].libvirt);
    assert_true(d.groups[i].members_known);
  }
  /* Members: from the metadata, from a default name, from libvirt's. */
  assert_true(vr_cpuset_has(&d.groups[0].vcpus, 3));
  assert_int_equal(vr_cpuset_count(&d.groups[0].vcpus), 1);
  assert_true(vr_cpuset_has(&d.groups[2].vcpus, 5));
  assert_true(d.groups[3].all_threads);
  assert_int_equal(vr_cpuset_count(&d.groups[5].vcpus), 2);
  /* emu has no directory; lv has libvirt's monitor of exactly vCPU 2. */
  assert_false(vr_domstats_unplaced(&d, 0));
  assert_false(vr_domstats_unplaced(&d, 1));
  assert_true(vr_domstats_unplaced(&d, 2));
  assert_false(vr_domstats_unplaced(&d, 3));
  domain_clear(&d);
}

static void test_select_other_prefix_and_shut_off(void **state) {
  (void)state;
  vr_domstats_domain d;
  domain_init(&d, 3);
  select_all(&d, "xx_");
  assert_int_equal(d.n_groups, 3);
  assert_string_equal(d.groups[0].name, "db");
  assert_string_equal(d.groups[0].dir->name, "xx_" U "_db");
  assert_string_equal(d.groups[1].name, "vcpus_2");
  domain_clear(&d);
  /* A shut-off domain has no machine name: no libvirt group is its. */
  domain_init(&d, -1);
  select_all(&d, "vr_");
  assert_int_equal(d.n_groups, 4);
  for (size_t i = 0; i < d.n_groups; i++)
    assert_false(d.groups[i].libvirt);
  domain_clear(&d);
}

/* Prints d with caches 0 and 8, every event monitored. */
static char *print(const vr_domstats_domain *d, bool json) {
  vr_resctrl_cache caches[2] = {{.resource = VR_RES_L3, .id = 0},
                                {.resource = VR_RES_L3, .id = 8}};
  vr_resctrl r;
  memset(&r, 0, sizeof(r));
  r.caches = caches;
  r.n_caches = 2;
  r.features = (1u << VR_FEAT_COUNT) - 1;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  if (json)
    vr_domstats_print_json(out, &r, d);
  else
    vr_domstats_print_text(out, &r, d);
  fclose(out);
  return text;
}

/* Gives g the values base + 3 x cache + event for the three L3 events
 * (the reader's layout has VR_FEAT_COUNT slots per cache, more events than
 * these where the table knows more, e.g. PERF_PKG's core_energy). */
static void set_values(vr_domstats_group *g, uint64_t base) {
  g->values = calloc(2 * VR_FEAT_COUNT, sizeof(*g->values));
  assert_non_null(g->values);
  for (size_t i = 0; i < 2 * VR_FEAT_COUNT; i++)
    g->values[i] = (vr_resctrl_value){.value = base + (i / VR_FEAT_COUNT) * 3 +
                                               i % VR_FEAT_COUNT};
}

static void test_print(void **state) {
  (void)state;
  vr_domstats_domain d;
  domain_init(&d, 3);
  d.name = "we\"b";
  vr_domstats_dir dir = {"", "vr_" U "_vcpus_0,1"};
  vr_domstats_dir lv = {LV, ""};
  d.n_groups = 2;
  d.groups[0] = (vr_domstats_group){
      .name = "vcpus_0,1", .dir = &dir, .members_known = true};
  vr_cpuset_add(&d.groups[0].vcpus, 0);
  vr_cpuset_add(&d.groups[0].vcpus, 1);
  set_values(&d.groups[0], 100);
  /* cache 8's local counter has no value: no line, a word in JSON. */
  d.groups[0].values[VR_FEAT_COUNT + VR_FEAT_MBM_LOCAL_BYTES].status =
      VR_READ_UNAVAILABLE;
  d.groups[1] = (vr_domstats_group){
      .name = "vcpus_2-3", .dir = &lv, .libvirt = true, .members_known = true};
  vr_cpuset_add(&d.groups[1].vcpus, 2);
  vr_cpuset_add(&d.groups[1].vcpus, 3);
  /* groups[1] was not read (removed meanwhile): no value lines, "Vanished"
   * in JSON. */
  char *text = print(&d, false);
  assert_string_equal(text, "Domain: 'we\"b'\n"
                            "  cpu.cacheoccupancy.vcpus_0,1.vcpus=0,1\n"
                            "  cpu.cacheoccupancy.vcpus_0,1.0.value=100\n"
                            "  cpu.cacheoccupancy.vcpus_0,1.8.value=103\n"
                            "  cpu.membandwidth.vcpus_0,1.0.total=101\n"
                            "  cpu.membandwidth.vcpus_0,1.0.local=102\n"
                            "  cpu.membandwidth.vcpus_0,1.8.total=104\n"
                            "  cpu.cacheoccupancy.vcpus_2-3.vcpus=2,3\n"
                            "\n");
  free(text);
  text = print(&d, true);
  assert_string_equal(
      text,
      "{\"domain\":\"we\\\"b\",\"uuid\":\"" U "\",\"groups\":["
      "{\"name\":\"vcpus_0,1\",\"owner\":\"virt_resctrl\",\"resctrl\":"
      "\"mon_groups/vr_" U "_vcpus_0,1\",\"vcpus\":[0,1],\"iothreads\":[],"
      "\"emulator\":false,\"all_threads\":false,\"caches\":["
      "{\"id\":0,\"llc_occupancy\":100,\"mbm_total_bytes\":101,"
      "\"mbm_local_bytes\":102},"
      "{\"id\":8,\"llc_occupancy\":103,\"mbm_total_bytes\":104,"
      "\"mbm_local_bytes\":\"Unavailable\"}]},"
      "{\"name\":\"vcpus_2-3\",\"owner\":\"libvirt\",\"resctrl\":\"" LV "\","
      "\"vcpus\":[2,3],\"iothreads\":[],\"emulator\":false,"
      "\"all_threads\":false,\"caches\":[{\"id\":0,\"llc_occupancy\":"
      "\"Vanished\","
      "\"mbm_total_bytes\":\"Vanished\",\"mbm_local_bytes\":\"Vanished\"},"
      "{\"id\":8,\"llc_occupancy\":\"Vanished\",\"mbm_total_bytes\":"
      "\"Vanished\",\"mbm_local_bytes\":\"Vanished\"}]}]}");
  free(text);
  domain_clear(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_select_order),
      cmocka_unit_test(test_select_other_prefix_and_shut_off),
      cmocka_unit_test(test_print),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
