/* SPDX-License-Identifier: MIT */
/* The resctrl module against fixture trees laid out as resctrl and sysfs
 * are: what is not a (mounted) resctrl, discovery, L3 sizes, and symbolic
 * links inside the root that point outside it (the emulator has none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "resctrl/resctrl.h"
#include "resctrl/resctrl_groups.h"
#include "resctrl/resctrl_state.h"
#include "resctrl/resctrl_values.h"
#include "resctrl_testlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "vr_"
#define OURS PREFIX "0f8fad5b-d9cb-469f-a165-70867728950e_db"

static char reason[512];

static int open_at(const char *dir, const char *sysfs, vr_resctrl **r) {
  reason[0] = '\0';
  return vr_resctrl_open(dir, sysfs, r, reason, sizeof(reason));
}

static void missing_path(void **state) {
  (void)state;
  char dir[600], path[700];
  vr_resctrl *r = (void *)1;
  rt_subdir("missing", dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/nope", dir);
  assert_int_equal(open_at(path, dir, &r), -ENOENT);
  assert_null(r);
  assert_non_null(strstr(reason, "does not exist"));
}

static void not_mounted(void **state) {
  (void)state;
  char dir[600];
  vr_resctrl *r;
  rt_subdir("empty", dir, sizeof(dir));
  assert_int_equal(open_at(dir, dir, &r), -ENOMEDIUM);
  assert_non_null(strstr(reason, "not mounted"));
  assert_non_null(strstr(reason, "mount -t resctrl resctrl"));
}

static void not_resctrl(void **state) {
  (void)state;
  char dir[600];
  vr_resctrl *r;
  rt_subdir("other", dir, sizeof(dir));
  rt_put(dir, "info/something", "x\n"); /* info/ but no tasks */
  assert_int_equal(open_at(dir, dir, &r), -EMEDIUMTYPE);
  assert_non_null(strstr(reason, "not a resctrl"));
  assert_non_null(strstr(reason, "mount -t resctrl resctrl"));
}

static void symlink_root(void **state) {
  (void)state;
  char dir[600], real[700], link[700];
  vr_resctrl *r;
  rt_subdir("linkroot", dir, sizeof(dir));
  snprintf(real, sizeof(real), "%s/real", dir);
  snprintf(link, sizeof(link), "%s/link", dir);
  rt_fixture_resctrl(real, "0", "llc_occupancy", true);
  assert_int_equal(symlink(real, link), 0);
  assert_int_equal(open_at(link, dir, &r), -ELOOP);
  assert_non_null(strstr(reason, "symbolic link"));
  assert_int_equal(open_at(real, dir, &r), 0);
  vr_resctrl_close(r);
}

static void no_l3_monitoring(void **state) {
  (void)state;
  char dir[600], path[700];
  vr_resctrl *r;
  rt_subdir("nomon", dir, sizeof(dir));
  rt_fixture_resctrl(dir, "0", "llc_occupancy", true);
  /* mon_features listing nothing known */
  rt_put(dir, "info/L3_MON/mon_features", "mbm_total_bytes_config\n");
  assert_int_equal(open_at(dir, dir, &r), -EOPNOTSUPP);
  assert_non_null(strstr(reason, "no L3 monitoring"));
  /* no info/L3_MON at all: an allocation-only resctrl */
  snprintf(path, sizeof(path), "%s/info/L3_MON/mon_features", dir);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(open_at(dir, dir, &r), -EOPNOTSUPP);
  assert_non_null(strstr(reason, "missing"));
}

static void no_mon_domains(void **state) {
  (void)state;
  char dir[600], path[700];
  vr_resctrl *r;
  rt_subdir("nodom", dir, sizeof(dir));
  rt_fixture_resctrl(dir, "", "llc_occupancy", true);
  snprintf(path, sizeof(path), "%s/mon_data/mon_sub_L3_00", dir);
  rt_mkdirs(path);
  assert_int_equal(open_at(dir, dir, &r), -EOPNOTSUPP);
  assert_non_null(strstr(reason, "mon_L3"));
}

static void discovery_and_sizes(void **state) {
  (void)state;
  char dir[600], sys[600], path[700];
  vr_resctrl *r;
  rt_subdir("disc", dir, sizeof(dir));
  rt_subdir("sys", sys, sizeof(sys));
  rt_fixture_resctrl(dir, "11,0,8", "llc_occupancy,mbm_local_bytes", false);
  snprintf(path, sizeof(path), "%s/mon_data/mon_L3_08/mon_sub_L3_01", dir);
  rt_mkdirs(path);
  rt_fixture_sysfs(sys, "0:32768K,8:16384K,0:32768K");
  assert_int_equal(open_at(dir, sys, &r), 0);
  /* The SNC node below mon_L3_08 is an entry of its own after its L3
   * (doc/design.md, "resctrl rules", Domains), the L3 keeping its sum; ids sort
   * numerically. */
  assert_int_equal(r->n_caches, 4);
  assert_int_equal(r->n_nodes, 1);
  assert_int_equal(r->caches[0].id, 0);
  assert_int_equal(r->caches[1].id, 8);
  assert_int_equal(r->caches[2].id, 8);
  assert_int_equal(r->caches[3].id, 11);
  assert_string_equal(r->caches[1].dir, "mon_L3_08");
  assert_int_equal(r->caches[1].node, -1);
  assert_int_equal(r->caches[1].nodes, 1);
  assert_string_equal(r->caches[2].dir, "mon_L3_08/mon_sub_L3_01");
  assert_int_equal(r->caches[2].node, 1);
  assert_true(r->caches[0].size == 32768ULL * 1024);
  assert_true(r->caches[1].size == 16384ULL * 1024);
  assert_true(r->caches[2].size == 16384ULL * 1024); /* its one node */
  assert_true(r->caches[3].size == 0);
  assert_int_equal(r->features, (1u << VR_FEAT_LLC_OCCUPANCY) |
                                    (1u << VR_FEAT_MBM_LOCAL_BYTES));
  assert_false(r->alloc_capable);
  assert_int_equal(r->num_rmids, 32);
  assert_int_equal(vr_resctrl_cache_index(r, VR_RES_L3, 8), 1);
  assert_int_equal(vr_resctrl_cache_index(r, VR_RES_L3, 9), -1);
  vr_resctrl_close(r);
  /* A missing sysfs tree is no error, only unknown sizes. */
  snprintf(path, sizeof(path), "%s/absent", sys);
  rt_put(dir, "info/MB/num_closids", "8\n");
  assert_int_equal(open_at(dir, path, &r), 0);
  assert_true(r->caches[0].size == 0);
  assert_true(r->alloc_capable);
  assert_int_equal(r->num_closids, 8);
  vr_resctrl_close(r);
}

/* A newer kernel's tree (doc/design.md, "The metric table"). Monitoring the
 * metric table does not know (a PERF_PKG resource with its domains, an unknown
 * L3 event) is noted for one log line and skipped; "_config" lines (AMD BMEC)
 * are no events; the L3 domains are found as before. */
static void unknown_monitoring(void **state) {
  (void)state;
  char dir[600], path[700];
  vr_resctrl *r;
  rt_subdir("newer", dir, sizeof(dir));
  rt_fixture_resctrl(dir, "0,1", "llc_occupancy", true);
  rt_put(dir, "info/L3_MON/mon_features",
         "llc_occupancy\nmbm_total_bytes\nmbm_total_bytes_config\n"
         "mbm_l3_future\n");
  rt_put(dir, "info/PERF_PKG_MON/mon_features", "core_energy\nactivity\n");
  rt_put(dir, "info/PERF_PKG_MON/num_rmids", "16\n");
  snprintf(path, sizeof(path), "%s/mon_data/mon_PERF_PKG_00", dir);
  rt_mkdirs(path);
  snprintf(path, sizeof(path), "%s/mon_data/mon_PERF_PKG_01", dir);
  rt_mkdirs(path);
  assert_int_equal(open_at(dir, dir, &r), 0);
  /* PERF_PKG is known (core_energy, doc/design.md, "The metric table"), its
   * domains after L3's; activity has no row */
  assert_int_equal(r->n_caches, 4);
  assert_string_equal(r->caches[0].dir, "mon_L3_00");
  assert_string_equal(r->caches[1].dir, "mon_L3_01");
  assert_string_equal(r->caches[2].dir, "mon_PERF_PKG_00");
  assert_string_equal(r->caches[3].dir, "mon_PERF_PKG_01");
  /* found by resource and id: mon_PERF_PKG_00 is not mon_L3_00 */
  assert_int_equal(vr_resctrl_cache_index(r, VR_RES_L3, 0), 0);
  assert_int_equal(vr_resctrl_cache_index(r, VR_RES_PERF_PKG, 0), 2);
  assert_int_equal(vr_resctrl_cache_index(r, VR_RES_PERF_PKG, 1), 3);
  assert_int_equal(r->features, (1u << VR_FEAT_LLC_OCCUPANCY) |
                                    (1u << VR_FEAT_MBM_TOTAL_BYTES) |
                                    (1u << VR_FEAT_CORE_ENERGY));
  /* the group limit: the smaller of L3's 32 and PERF_PKG's 16 */
  assert_int_equal(r->num_rmids, 16);
  assert_int_equal(r->l3_num_rmids, 32);
  assert_int_equal(r->pkg_num_rmids, 16);
  /* 0 stands for unreadable: the known count wins */
  assert_int_equal(vr_resctrl_rmid_limit(0, 16), 16);
  assert_int_equal(vr_resctrl_rmid_limit(32, 0), 32);
  assert_int_equal(vr_resctrl_rmid_limit(32, 64), 32);
  assert_int_equal(vr_resctrl_rmid_limit(0, 0), 0);
  /* each name once, whatever the order of the listing */
  assert_non_null(strstr(r->unknown, "PERF_PKG event(s) activity"));
  assert_non_null(strstr(r->unknown, "L3 event(s) mbm_l3_future"));
  assert_null(strstr(r->unknown, "_config"));
  const char *first = strstr(r->unknown, "PERF_PKG");
  assert_null(strstr(first + 1, "PERF_PKG"));
  /* a domain that goes away and comes back, as listed again */
  bool changed = true;
  assert_int_equal(vr_resctrl_domains_changed(r, &changed), 0);
  assert_false(changed);
  snprintf(path, sizeof(path), "%s/mon_data/mon_L3_01", dir);
  char gone[700];
  snprintf(gone, sizeof(gone), "%s/mon_data/gone", dir);
  assert_int_equal(rename(path, gone), 0);
  assert_int_equal(vr_resctrl_domains_changed(r, &changed), 0);
  assert_true(changed);
  assert_int_equal(rename(gone, path), 0);
  snprintf(path, sizeof(path), "%s/mon_data/mon_L3_02", dir);
  rt_mkdirs(path);
  assert_int_equal(vr_resctrl_domains_changed(r, &changed), 0);
  assert_true(changed);
  vr_resctrl_close(r);
  /* the L3 tree of an older kernel: nothing unknown */
  rt_subdir("older", dir, sizeof(dir));
  rt_fixture_resctrl(dir, "0", "llc_occupancy", true);
  assert_int_equal(open_at(dir, dir, &r), 0);
  assert_string_equal(r->unknown, "");
  vr_resctrl_close(r);
}

/* Everything under outside/ must stay as it was. */
static void symlinks_inside_root(void **state) {
  (void)state;
  char dir[600], out[600], path[800], target[800], buf[64];
  vr_resctrl *r;
  vr_resctrl_tasks_result res;
  rt_subdir("root", dir, sizeof(dir));
  rt_subdir("outside", out, sizeof(out));
  rt_fixture_resctrl(dir, "0", "llc_occupancy", true);
  rt_put(out, "tasks", "orig\n");
  rt_put(out, "mon_groups/.keep", "");
  rt_put(out, "victim/tasks", "victim\n");
  rt_put(out, "mon_data/mon_L3_00/llc_occupancy", "777\n");
  assert_int_equal(open_at(dir, dir, &r), 0);

  /* <root>/c1 -> outside: no group may be created through it. */
  snprintf(path, sizeof(path), "%s/c1", dir);
  assert_int_equal(symlink(out, path), 0);
  assert_true(vr_resctrl_group_create(r, PREFIX, "c1", OURS, reason,
                                      sizeof(reason)) < 0);
  snprintf(target, sizeof(target), "%s/mon_groups/" OURS, out);
  assert_int_equal(access(target, F_OK), -1);

  /* <root>/mon_groups/OURS/tasks -> outside/tasks: no write. */
  snprintf(path, sizeof(path), "%s/mon_groups/" OURS, dir);
  rt_mkdirs(path);
  snprintf(path, sizeof(path), "%s/mon_groups/" OURS "/tasks", dir);
  snprintf(target, sizeof(target), "%s/tasks", out);
  assert_int_equal(symlink(target, path), 0);
  pid_t tid = getpid();
  assert_true(vr_resctrl_group_add_tasks(r, PREFIX, "", OURS, &tid, 1, &res,
                                         reason, sizeof(reason)) < 0);
  assert_int_equal(res.written, 0);
  assert_true(rt_read(target, buf, sizeof(buf)) > 0);
  assert_string_equal(buf, "orig\n");

  /* <root>/mon_groups/OURS2 -> outside/victim: rmdir refuses the link. */
  const char *ours2 = PREFIX "0f8fad5b-d9cb-469f-a165-70867728950e_v";
  snprintf(path, sizeof(path), "%s/mon_groups/%s", dir, ours2);
  snprintf(target, sizeof(target), "%s/victim", out);
  assert_int_equal(symlink(target, path), 0);
  assert_true(vr_resctrl_group_remove(r, PREFIX, "", ours2, reason,
                                      sizeof(reason)) < 0);
  assert_int_equal(access(target, F_OK), 0);
  snprintf(path, sizeof(path), "%s/victim/tasks", out);
  assert_true(rt_read(path, buf, sizeof(buf)) > 0);
  assert_string_equal(buf, "victim\n");

  /* The state skips the linked "CTRL_MON group" and MON group. */
  vr_resctrl_state st;
  rt_put(out, "tasks", "4242\n");
  rt_put(out, "victim/tasks", "4343\n");
  assert_int_equal(vr_resctrl_state_read(r, &st, reason, sizeof(reason)), 0);
  assert_int_equal(st.n_tasks, 0);
  /* OURS's tasks file is a link: not a group the kernel made either. */
  assert_int_equal(st.n_mon_groups, 0);
  vr_resctrl_state_free(&st);

  /* <root>/mon_groups -> outside: mkdir there must fail. */
  snprintf(path, sizeof(path), "%s/mon_groups", dir);
  snprintf(target, sizeof(target), "%s/mon_groups.real", dir);
  assert_int_equal(rename(path, target), 0);
  assert_int_equal(symlink(out, path), 0);
  const char *ours3 = PREFIX "0f8fad5b-d9cb-469f-a165-70867728950e_w";
  assert_true(vr_resctrl_group_create(r, PREFIX, "", ours3, reason,
                                      sizeof(reason)) < 0);
  snprintf(target, sizeof(target), "%s/%s", out, ours3);
  assert_int_equal(access(target, F_OK), -1);
  /* ... and the state is not read through it. */
  assert_true(vr_resctrl_state_read(r, &st, reason, sizeof(reason)) < 0);

  /* Value files behind a link are not read. */
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd = NULL;
  assert_true(vr_resctrl_reader_open(r, "c1", "", &budget, &rd, reason,
                                     sizeof(reason)) < 0);
  assert_null(rd);
  assert_int_equal(budget.used, 0);

  vr_resctrl_close(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(missing_path),
      cmocka_unit_test(not_mounted),
      cmocka_unit_test(not_resctrl),
      cmocka_unit_test(symlink_root),
      cmocka_unit_test(no_l3_monitoring),
      cmocka_unit_test(no_mon_domains),
      cmocka_unit_test(discovery_and_sizes),
      cmocka_unit_test(symlinks_inside_root),
      cmocka_unit_test(unknown_monitoring),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
