/* SPDX-License-Identifier: MIT */
/* Live groups, the whole read path: a group opened on a resctrl-shaped
 * fixture tree reads its value files again each pass (what changed in a
 * file shows at the next read), keeps its own copy of its identity, sends
 * nothing of its own when it is a host member, and is marked stale, while
 * the others still report, when its files are gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "collectd_shim.h"
#include "read/host_context.h"
#include "read/live_group.h"
#include "resctrl_testlib.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define FEATURES "llc_occupancy,mbm_total_bytes,mbm_local_bytes"

static const vr_series_config config = {
    .report_bytes = true, .report_percent = true, .report_bandwidth = true};

typedef struct {
  char dir[600];
  vr_resctrl *r;
  vr_resctrl_fd_budget budget;
} bed;

static shim_value seen[64];
static size_t n_seen;

/* A group directory with its value files under the fixture's root. */
static void make_group(bed *b, const char *rel, const char *llc0) {
  static const char *const feats[] = {"llc_occupancy", "mbm_total_bytes",
                                      "mbm_local_bytes"};
  static const char *const doms[] = {"mon_L3_00", "mon_L3_08"};
  for (size_t d = 0; d < 2; d++)
    for (size_t f = 0; f < 3; f++) {
      char path[300];
      snprintf(path, sizeof(path), "%s/mon_data/%s/%s", rel, doms[d], feats[f]);
      rt_put(b->dir, path, d == 0 && f == 0 ? llc0 : "4096\n");
    }
}

/* Writes a value file as the kernel shows one: the whole text anew. */
static void set_value(bed *b, const char *rel, const char *text) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", b->dir, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
  bed *b = calloc(1, sizeof(*b));
  char sys[700], reason[512];
  rt_subdir("live", b->dir, sizeof(b->dir));
  snprintf(sys, sizeof(sys), "%s/sys", b->dir);
  strcat(b->dir, "/resctrl");
  rt_fixture_resctrl(b->dir, "0,8", FEATURES, true);
  rt_fixture_sysfs(sys, "0:32768K,8:16384K");
  if (vr_resctrl_open(b->dir, sys, &b->r, reason, sizeof(reason)) < 0)
    fail_msg("cannot open the fixture: %s", reason);
  b->budget.limit = 1000;
  *state = b;
  return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int teardown(void **state) {
  bed *b = *state;
  vr_resctrl_close(b->r);
  free(b);
  return 0;
}

static vr_live_group *open_group(bed *b, const vr_readable_group *g) {
  char notes[512], reason[512];
  vr_live_group *lg = NULL;
  int rc = vr_live_group_open(g, b->r, &config, NULL, &b->budget, &lg, notes,
                              sizeof(notes), reason, sizeof(reason));
  if (rc < 0)
    fail_msg("vr_live_group_open: %s", reason);
  return lg;
}

static size_t read_all(vr_live_group *const *groups, size_t n, bool *vanished) {
  *vanished = false;
  shim_capture(seen, sizeof(seen) / sizeof(seen[0]));
  size_t sent = vr_live_groups_read(groups, n, NULL, vanished);
  n_seen = shim_captured();
  shim_capture(NULL, 0);
  assert_int_equal(sent, n_seen);
  return sent;
}

static const shim_value *find(const char *instance, const char *type,
                              const char *type_instance) {
  return shim_find(seen, n_seen, instance, type, type_instance);
}

/* Our group's identity, in buffers the caller reuses afterwards (a
 * domain snapshot that the next pass replaces). */
static void reads_each_pass(void **state) {
  bed *b = *state;
  make_group(b, "mon_groups/vr_" UUID "_db", "1000\n");
  char domain[32] = "g1", group[32] = "db", name[128];
  snprintf(name, sizeof(name), "vr_%s_db", UUID);
  vr_readable_group g = {.domain = domain,
                         .uuid = UUID,
                         .group = group,
                         .members = "0,1",
                         .ctrl = "",
                         .name = name,
                         .source = VR_SOURCE_OWNED};
  vr_live_group *lg = open_group(b, &g);
  memset(domain, 'x', sizeof(domain) - 1);
  memset(name, 'x', sizeof(name) - 1);
  assert_string_equal(lg->id.domain, "g1");
  assert_string_equal(lg->id.name, "vr_" UUID "_db");
  assert_int_equal(lg->n_values, 2 * VR_FEAT_COUNT);
  /* every value file of the group kept open: one pread per value */
  assert_int_equal(b->budget.used, 6);

  bool vanished;
  /* 2 caches x (bytes, percent, total, local) */
  assert_int_equal(read_all(&lg, 1, &vanished), 8);
  assert_false(vanished);
  assert_true(find("g1:db", "bytes", "llc-0")->value.gauge == 1000.0);
  assert_int_equal(find("g1:db", "memory_bandwidth", "total-8")->value.derive,
                   4096);
  set_value(b, "mon_groups/vr_" UUID "_db/mon_data/mon_L3_00/llc_occupancy",
            "2000\n");
  read_all(&lg, 1, &vanished);
  assert_true(find("g1:db", "bytes", "llc-0")->value.gauge == 2000.0);
  /* "Unavailable": that value and its percent stay out, no zero */
  set_value(b, "mon_groups/vr_" UUID "_db/mon_data/mon_L3_00/llc_occupancy",
            "Unavailable\n");
  assert_int_equal(read_all(&lg, 1, &vanished), 6);
  assert_null(find("g1:db", "bytes", "llc-0"));
  assert_null(find("g1:db", "percent", "llc-0"));
  assert_false(vanished);
  vr_live_group_free(lg);
  assert_int_equal(b->budget.used, 0);
}

/* The root read for the host context: values, but no series of its own. */
static void host_member_sends_nothing(void **state) {
  bed *b = *state;
  vr_readable_group g = vr_host_member("");
  vr_live_group *lg = open_group(b, &g);
  assert_null(lg->dispatch);
  bool vanished;
  assert_int_equal(read_all(&lg, 1, &vanished), 0);
  assert_int_equal(lg->values[VR_FEAT_LLC_OCCUPANCY].status, VR_READ_VALUE);
  assert_int_equal(lg->values[VR_FEAT_LLC_OCCUPANCY].value,
                   1000); /* the fixture's */
  vr_live_group_free(lg);
}

/* A group whose files went (removed behind our back): stale, and the
 * pass says a group vanished; the other group reports as usual. Read
 * open-pread-close (no fd budget), as beyond the budget: a kept fd of a
 * plain file would still read a removed file. */
static void vanished_group_goes_stale(void **state) {
  bed *b = *state;
  b->budget.limit = 0;
  make_group(b, "mon_groups/vr_" UUID "_a", "10\n");
  make_group(b, "mon_groups/vr_" UUID "_b", "20\n");
  vr_readable_group ga = {.domain = "g1",
                          .uuid = UUID,
                          .group = "a",
                          .members = "0",
                          .ctrl = "",
                          .name = "vr_" UUID "_a"};
  vr_readable_group gb = ga;
  gb.group = "b";
  gb.name = "vr_" UUID "_b";
  vr_live_group *groups[] = {open_group(b, &ga), open_group(b, &gb)};
  assert_int_equal(b->budget.used, 0);
  bool vanished;
  read_all(groups, 2, &vanished);
  assert_false(vanished);
  assert_true(find("g1:a", "bytes", "llc-0")->value.gauge == 10.0);

  char path[700];
  snprintf(path, sizeof(path), "%s/mon_groups/vr_%s_a", b->dir, UUID);
  assert_int_equal(nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
  read_all(groups, 2, &vanished);
  assert_true(vanished);
  assert_true(atomic_load(&groups[0]->stale));
  assert_false(atomic_load(&groups[1]->stale));
  assert_null(find("g1:a", "bytes", "llc-0"));
  assert_true(find("g1:b", "bytes", "llc-0")->value.gauge == 20.0);
  assert_int_equal(groups[0]->values[VR_FEAT_LLC_OCCUPANCY].status,
                   VR_READ_VANISHED);
  vr_live_group_free(groups[0]);
  vr_live_group_free(groups[1]);
}

/* A group that is not there cannot be opened: said, nothing leaked. */
static void missing_group_is_refused(void **state) {
  bed *b = *state;
  char notes[512], reason[512] = "";
  vr_readable_group g = {.domain = "g1",
                         .uuid = UUID,
                         .group = "none",
                         .members = "0",
                         .ctrl = "",
                         .name = "vr_" UUID "_none"};
  vr_live_group *lg = (void *)1;
  assert_int_equal(vr_live_group_open(&g, b->r, &config, NULL, &b->budget, &lg,
                                      notes, sizeof(notes), reason,
                                      sizeof(reason)),
                   -ENOENT);
  assert_null(lg);
  assert_true(reason[0] != '\0');
}

int main(void) {
  shim_set_log_level(LOG_ERR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(reads_each_pass, setup, teardown),
      cmocka_unit_test_setup_teardown(host_member_sends_nothing, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(vanished_group_goes_stale, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(missing_group_is_refused, setup,
                                      teardown),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  /* the fixture trees, unless VR_RESCTRL_TMP is someone else's */
  if (!getenv("VR_RESCTRL_TMP"))
    nftw(rt_tmpdir(), remove_one, 8, FTW_DEPTH | FTW_PHYS);
  return failed;
}
