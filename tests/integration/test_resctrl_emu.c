/* SPDX-License-Identifier: MIT */
/* The resctrl module against the mounted emulator (tests/resctrl-emu):
 * every operation and every failure of resctrl.h and resctrl_values.h.
 * Run by resctrl_emu.sh, whose trap unmounts whatever a crash leaves. */
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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PREFIX "vr_"
#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define OWN(g) PREFIX UUID "_" g

static char reason[512];
static rt_emu shared; /* default options: cache ids 0,1, alloc */
static vr_resctrl *sr;

static vr_resctrl *open_emu(const rt_emu *emu, const char *sysfs) {
  vr_resctrl *r = NULL;
  int rc = vr_resctrl_open(emu->mnt, sysfs, &r, reason, sizeof(reason));
  if (rc != 0)
    fprintf(stderr, "open %s: %d %s\n", emu->mnt, rc, reason);
  assert_int_equal(rc, 0);
  return r;
}

static bool exists(const char *mnt, const char *rel) {
  char path[1200];
  snprintf(path, sizeof(path), "%s/%s", mnt, rel);
  return access(path, F_OK) == 0;
}

static void put_task(const char *mnt, const char *group, pid_t pid) {
  char path[1200], text[32];
  snprintf(path, sizeof(path), "%s/%s/tasks", mnt, group);
  snprintf(text, sizeof(text), "%d\n", (int)pid);
  assert_int_equal(rt_write(path, text, false), 0);
}

static void mkdir_at(const char *mnt, const char *rel) {
  char path[1200];
  snprintf(path, sizeof(path), "%s/%s", mnt, rel);
  assert_int_equal(mkdir(path, 0755), 0);
}

static int create(vr_resctrl *r, const char *ctrl, const char *name) {
  reason[0] = '\0';
  return vr_resctrl_group_create(r, PREFIX, ctrl, name, reason, sizeof(reason));
}

static int group_setup(void **state) {
  (void)state;
  rt_emu_start(&shared, NULL);
  sr = open_emu(&shared, NULL);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  vr_resctrl_close(sr);
  rt_emu_stop(&shared);
  return 0;
}

static void discovery_sparse_ids(void **state) {
  (void)state;
  rt_emu emu;
  char sys[600];
  const char *args[] = {"--cache-ids", "0,8,11", "--features",
                        "llc_occupancy,mbm_total_bytes", NULL};
  rt_emu_start(&emu, args);
  rt_subdir("sys", sys, sizeof(sys));
  rt_fixture_sysfs(sys, "0:32768K,8:16384K,11:32768K");
  vr_resctrl *r = open_emu(&emu, sys);
  assert_int_equal(r->n_caches, 3);
  assert_int_equal(r->caches[0].id, 0);
  assert_int_equal(r->caches[1].id, 8);
  assert_int_equal(r->caches[2].id, 11);
  assert_string_equal(r->caches[1].dir, "mon_L3_08");
  assert_true(r->caches[1].size == 16384ULL * 1024);
  assert_int_equal(r->features, (1u << VR_FEAT_LLC_OCCUPANCY) |
                                    (1u << VR_FEAT_MBM_TOTAL_BYTES));
  assert_true(r->alloc_capable);
  assert_int_equal(r->num_rmids, 32);
  assert_int_equal(r->num_closids, 16);
  /* An absent feature reads as not monitored, never as zero. */
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd;
  assert_int_equal(
      vr_resctrl_reader_open(r, "", "", &budget, &rd, reason, sizeof(reason)),
      0);
  assert_int_equal(vr_resctrl_reader_kept_fds(rd), 6);
  vr_resctrl_value v[3 * VR_FEAT_COUNT];
  rt_emu_control(&emu, ". 8 llc_occupancy 12345");
  assert_int_equal(vr_resctrl_reader_read(rd, v, 3 * VR_FEAT_COUNT), 0);
  assert_int_equal(v[1 * VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].status,
                   VR_READ_VALUE);
  assert_true(v[1 * VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].value == 12345);
  assert_int_equal(v[2 * VR_FEAT_COUNT + VR_FEAT_MBM_LOCAL_BYTES].status,
                   VR_READ_NOT_MONITORED);
  vr_resctrl_reader_close(rd);
  assert_int_equal(budget.used, 0);
  vr_resctrl_close(r);
  rt_emu_stop(&emu);
}

/* Sub-NUMA Clustering (doc/design.md, "resctrl rules", Domains) through the
 * emulator's --snc 2: each L3 domain with its nodes after it (node ids numbered
 * on across the L3s, as the kernel numbers NUMA nodes), each node's size its
 * share of the L3, num_rmids divided by the nodes per L3; the nodes' files read
 * only with ReportSubNUMA (read_nodes), the L3's own file their sum. */
static void discovery_snc(void **state) {
  (void)state;
  rt_emu emu;
  char sys[600];
  const char *args[] = {"--cache-ids", "0,8", "--snc", "2", NULL};
  rt_emu_start(&emu, args);
  rt_subdir("sys", sys, sizeof(sys));
  rt_fixture_sysfs(sys, "0:32768K,8:16384K");
  vr_resctrl *r = open_emu(&emu, sys);
  static const struct {
    unsigned id;
    int node;
    unsigned nodes;
    const char *dir;
    unsigned long long size;
  } want[] = {
      {0, -1, 2, "mon_L3_00", 32768ULL * 1024},
      {0, 0, 2, "mon_L3_00/mon_sub_L3_00", 16384ULL * 1024},
      {0, 1, 2, "mon_L3_00/mon_sub_L3_01", 16384ULL * 1024},
      {8, -1, 2, "mon_L3_08", 16384ULL * 1024},
      {8, 2, 2, "mon_L3_08/mon_sub_L3_02", 8192ULL * 1024},
      {8, 3, 2, "mon_L3_08/mon_sub_L3_03", 8192ULL * 1024},
  };
  assert_int_equal(r->n_caches, 6);
  assert_int_equal(r->n_nodes, 4);
  for (size_t i = 0; i < 6; i++) {
    assert_int_equal(r->caches[i].id, want[i].id);
    assert_int_equal(r->caches[i].node, want[i].node);
    assert_int_equal(r->caches[i].nodes, want[i].nodes);
    assert_string_equal(r->caches[i].dir, want[i].dir);
    assert_true(r->caches[i].size == want[i].size);
  }
  assert_int_equal(vr_resctrl_cache_index(r, VR_RES_L3, 8), 3);
  assert_int_equal(r->num_rmids, 16); /* 32 / 2 nodes per L3 */
  bool changed = true;
  assert_int_equal(vr_resctrl_domains_changed(r, &changed), 0);
  assert_false(changed);

  mkdir_at(emu.mnt, "mon_groups/" OWN("s1"));
  rt_emu_control(&emu, "mon_groups/" OWN("s1") " node:0 llc_occupancy 4096");
  rt_emu_control(&emu, "mon_groups/" OWN("s1") " node:1 llc_occupancy 8192");
  rt_emu_control(&emu, "mon_groups/" OWN("s1") " node:3 mbm_total_bytes 777");
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd;
  vr_resctrl_value v[6 * VR_FEAT_COUNT];
  /* Without ReportSubNUMA: the L3s' files only. */
  assert_int_equal(vr_resctrl_reader_open(r, "", OWN("s1"), &budget, &rd,
                                          reason, sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_reader_kept_fds(rd), 6);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 6 * VR_FEAT_COUNT), 0);
  assert_true(v[VR_FEAT_LLC_OCCUPANCY].value == 12288);
  assert_int_equal(v[VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].status,
                   VR_READ_NOT_MONITORED);
  vr_resctrl_reader_close(rd);
  /* With it: every node's files too. */
  vr_resctrl_set_sub_numa(r, true);
  assert_int_equal(vr_resctrl_reader_open(r, "", OWN("s1"), &budget, &rd,
                                          reason, sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_reader_kept_fds(rd), 18);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 6 * VR_FEAT_COUNT), 0);
  assert_true(v[VR_FEAT_LLC_OCCUPANCY].value == 12288);
  assert_true(v[1 * VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].value == 4096);
  assert_true(v[2 * VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].value == 8192);
  assert_true(v[5 * VR_FEAT_COUNT + VR_FEAT_MBM_TOTAL_BYTES].value == 777);
  /* cache 8's sum: node 3's set value plus node 2's synthetic one */
  assert_true(v[3 * VR_FEAT_COUNT + VR_FEAT_MBM_TOTAL_BYTES].value >= 777);
  vr_resctrl_reader_close(rd);
  assert_int_equal(budget.used, 0);
  vr_resctrl_close(r);
  rt_emu_stop(&emu);
}

static void discovery_no_alloc(void **state) {
  (void)state;
  rt_emu emu;
  const char *args[] = {"--no-alloc", NULL};
  rt_emu_start(&emu, args);
  vr_resctrl *r = open_emu(&emu, NULL);
  assert_false(r->alloc_capable);
  assert_int_equal(r->num_closids, 0);
  /* Found without creating anything; MON groups still work. */
  assert_int_equal(create(r, "", OWN("na")), 0);
  pid_t p = rt_spawn_sleeper();
  vr_resctrl_tasks_result res;
  assert_int_equal(vr_resctrl_group_add_tasks(r, PREFIX, "", OWN("na"), &p, 1,
                                              &res, reason, sizeof(reason)),
                   0);
  vr_resctrl_state st;
  assert_int_equal(vr_resctrl_state_read(r, &st, reason, sizeof(reason)), 0);
  assert_int_equal(st.n_tasks, 1);
  assert_int_equal(st.tasks[0].tid, p);
  assert_string_equal(st.tasks[0].mon, OWN("na"));
  /* The root is the only CTRL_MON group: the host context reads it alone. */
  assert_int_equal(st.n_ctrl_groups, 0);
  vr_resctrl_state_free(&st);
  rt_kill(p);
  vr_resctrl_close(r);
  rt_emu_stop(&emu);
}

static void lock(void **state) {
  (void)state;
  int a, b;
  assert_int_equal(vr_resctrl_lock(sr, 500, &a), 0);
  assert_int_equal(vr_resctrl_lock(sr, 0, &b), -EWOULDBLOCK);
  assert_int_equal(b, -1);
  /* Another process (as libvirt or pqos) is excluded too. */
  pid_t child = fork();
  if (child == 0) {
    int fd = open(shared.mnt, O_RDONLY | O_DIRECTORY);
    _exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK
              ? 0
              : 1);
  }
  int status;
  waitpid(child, &status, 0);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  vr_resctrl_unlock(a);
  assert_int_equal(vr_resctrl_lock(sr, 0, &b), 0);
  vr_resctrl_unlock(b);
  vr_resctrl_unlock(-1);
}

static int find_group(const vr_resctrl_state *st, const char *ctrl,
                      const char *name) {
  for (size_t i = 0; i < st->n_mon_groups; i++)
    if (!strcmp(st->mon_groups[i].ctrl, ctrl) &&
        !strcmp(st->mon_groups[i].name, name))
      return (int)i;
  return -1;
}

static const vr_task_place *find_task(const vr_resctrl_state *st, pid_t t) {
  for (size_t i = 0; i < st->n_tasks; i++)
    if (st->tasks[i].tid == t)
      return &st->tasks[i];
  return NULL;
}

/* Foreign MON and CTRL_MON groups, ours under the root and under a
 * CTRL_MON group, tasks placed in each; then the state read back. */
static void state_create_place(void **state) {
  (void)state;
  pid_t a = rt_spawn_sleeper(), b = rt_spawn_sleeper(), c = rt_spawn_sleeper(),
        d = rt_spawn_sleeper();
  vr_resctrl_tasks_result res;
  mkdir_at(shared.mnt, "c1");
  mkdir_at(shared.mnt, "mon_groups/foreign1");
  put_task(shared.mnt, "mon_groups/foreign1", a);
  put_task(shared.mnt, "c1", b);
  put_task(shared.mnt, "c1", c);
  assert_int_equal(create(sr, "c1", OWN("s1")), 0);
  assert_true(exists(shared.mnt, "c1/mon_groups/" OWN("s1")));
  assert_int_equal(create(sr, "c1", OWN("s1")), -EEXIST);
  assert_int_equal(create(sr, NULL, OWN("s2")), 0);
  assert_true(exists(shared.mnt, "mon_groups/" OWN("s2")));
  assert_int_equal(create(sr, "nonexistent", OWN("s3")), -ENOENT);
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c1", OWN("s1"), &c,
                                              1, &res, reason, sizeof(reason)),
                   0);
  assert_int_equal(res.written, 1);
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "", OWN("s2"), &d, 1,
                                              &res, reason, sizeof(reason)),
                   0);
  vr_resctrl_state st;
  assert_int_equal(vr_resctrl_state_read(sr, &st, reason, sizeof(reason)), 0);
  assert_true(sr->alloc_capable);
  for (size_t i = 1; i < st.n_tasks; i++)
    assert_true(st.tasks[i - 1].tid < st.tasks[i].tid);
  const vr_task_place *p = find_task(&st, a);
  assert_non_null(p);
  assert_string_equal(p->ctrl, "");
  assert_string_equal(p->mon, "foreign1");
  p = find_task(&st, b);
  assert_non_null(p);
  assert_string_equal(p->ctrl, "c1");
  assert_string_equal(p->mon, "");
  p = find_task(&st, c);
  assert_non_null(p);
  assert_string_equal(p->ctrl, "c1");
  assert_string_equal(p->mon, OWN("s1"));
  p = find_task(&st, d);
  assert_non_null(p);
  assert_string_equal(p->ctrl, "");
  assert_string_equal(p->mon, OWN("s2"));
  assert_null(find_task(&st, getpid())); /* in the root, no MON group */
  int g = find_group(&st, "", "foreign1");
  assert_true(g >= 0);
  assert_int_equal(st.mon_groups[g].n_tids, 1);
  assert_int_equal(st.mon_groups[g].tids[0], a);
  g = find_group(&st, "c1", OWN("s1"));
  assert_true(g >= 0);
  assert_int_equal(st.mon_groups[g].n_tids, 1);
  assert_int_equal(st.mon_groups[g].tids[0], c);
  /* Every CTRL_MON group but the root, for the host context: c1 is one;
   * the root's own entries (info, mon_data, mon_groups) are none. */
  bool c1_listed = false;
  for (size_t i = 0; i < st.n_ctrl_groups; i++) {
    c1_listed |= strcmp(st.ctrl_groups[i], "c1") == 0;
    assert_true(strcmp(st.ctrl_groups[i], "info") != 0 &&
                strcmp(st.ctrl_groups[i], "mon_data") != 0 &&
                strcmp(st.ctrl_groups[i], "mon_groups") != 0);
  }
  assert_true(c1_listed);
  vr_resctrl_state_free(&st);

  /* EINVAL: a task of the root cannot join a MON group under c1; the
   * kernel processes in order and stops at the refusal. */
  pid_t two[2] = {b, d};
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c1", OWN("s1"), two,
                                              2, &res, reason, sizeof(reason)),
                   -EINVAL);
  assert_int_equal(res.written, 1);
  assert_int_equal(res.failed_tid, d);
  assert_true(strlen(reason) > 0);

  /* ESRCH: a vanished thread is counted, not an error. */
  pid_t gone[3] = {rt_dead_pid(), b, rt_dead_pid()};
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c1", OWN("s1"), gone,
                                              3, &res, reason, sizeof(reason)),
                   0);
  assert_int_equal(res.vanished, 2);
  assert_int_equal(res.written, 1);
  assert_int_equal(res.failed_tid, 0);

  /* rmdir: the tasks return to c1; gone twice is still success. */
  assert_int_equal(vr_resctrl_group_remove(sr, PREFIX, "c1", OWN("s1"), reason,
                                           sizeof(reason)),
                   0);
  assert_false(exists(shared.mnt, "c1/mon_groups/" OWN("s1")));
  assert_int_equal(vr_resctrl_group_remove(sr, PREFIX, "c1", OWN("s1"), reason,
                                           sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c1", OWN("s1"), &b,
                                              1, &res, reason, sizeof(reason)),
                   -ENOENT);
  assert_int_equal(vr_resctrl_state_read(sr, &st, reason, sizeof(reason)), 0);
  p = find_task(&st, c);
  assert_non_null(p);
  assert_string_equal(p->ctrl, "c1");
  assert_string_equal(p->mon, "");
  vr_resctrl_state_free(&st);
  /* A CTRL_MON group removed with its MON groups: removing ours is fine. */
  assert_int_equal(create(sr, "c1", OWN("s4")), 0);
  char path[1200];
  snprintf(path, sizeof(path), "%s/c1", shared.mnt);
  assert_int_equal(rmdir(path), 0);
  assert_int_equal(vr_resctrl_group_remove(sr, PREFIX, "c1", OWN("s4"), reason,
                                           sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_group_remove(sr, PREFIX, "", OWN("s2"), reason,
                                           sizeof(reason)),
                   0);
  rt_kill(a);
  rt_kill(b);
  rt_kill(c);
  rt_kill(d);
}

/* Names we do not own, or that would leave the directory, are refused by
 * every operation, and nothing changes. */
static void refusals(void **state) {
  (void)state;
  const char *bad[] = {"foreign1",
                       "..",
                       ".",
                       "",
                       "a/b",
                       "../" OWN("x"),
                       OWN("x") "/..",
                       PREFIX "nouuid_x",
                       "zz" UUID "_x"};
  const char *bad_ctrl[] = {"..",  "info",  "mon_groups", "mon_data",
                            "a/b", "../..", "."};
  vr_resctrl_tasks_result res;
  pid_t me = getpid();
  if (!exists(shared.mnt, "mon_groups/foreign1"))
    mkdir_at(shared.mnt, "mon_groups/foreign1");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(create(sr, "", bad[i]), -EINVAL);
    assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "", bad[i], &me, 1,
                                                &res, reason, sizeof(reason)),
                     -EINVAL);
    assert_int_equal(
        vr_resctrl_group_remove(sr, PREFIX, "", bad[i], reason, sizeof(reason)),
        -EINVAL);
  }
  assert_int_equal(create(sr, "", NULL), -EINVAL);
  assert_true(exists(shared.mnt, "mon_groups/foreign1"));
  /* A bad prefix makes nothing ours. */
  assert_int_equal(vr_resctrl_group_create(sr, "v-r", "", "v-r" UUID "_x",
                                           reason, sizeof(reason)),
                   -EINVAL);
  for (size_t i = 0; i < sizeof(bad_ctrl) / sizeof(bad_ctrl[0]); i++)
    assert_int_equal(create(sr, bad_ctrl[i], OWN("r")), -EINVAL);
  assert_false(exists(shared.mnt, "mon_groups/" OWN("r")));
  assert_false(exists(shared.mnt, "mon_groups/mon_groups/" OWN("r")));
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd = NULL;
  assert_int_equal(vr_resctrl_reader_open(sr, "..", "", &budget, &rd, reason,
                                          sizeof(reason)),
                   -EINVAL);
  assert_int_equal(vr_resctrl_reader_open(sr, "", "a/../b", &budget, &rd,
                                          reason, sizeof(reason)),
                   -EINVAL);
  assert_int_equal(vr_resctrl_reader_open(sr, "", "nonexistent", &budget, &rd,
                                          reason, sizeof(reason)),
                   -ENOENT);
  assert_null(rd);
  assert_int_equal(budget.used, 0);
}

static void enospc(void **state) {
  (void)state;
  rt_emu emu;
  const char *args[] = {"--num-rmids", "3", "--limbo-ms", "0", NULL};
  rt_emu_start(&emu, args);
  vr_resctrl *r = open_emu(&emu, NULL);
  assert_int_equal(create(r, "", OWN("e1")), 0);
  assert_int_equal(create(r, "", OWN("e2")), 0);
  assert_int_equal(create(r, "", OWN("e3")), -ENOSPC);
  assert_non_null(strstr(reason, "Out of RMIDs"));
  assert_false(exists(emu.mnt, "mon_groups/" OWN("e3")));
  /* doc/design.md, "resctrl rules", RMIDs: a success does not clear
   * last_cmd_status (mkdir_rdt_prepare), so failures accumulate there; the
   * reason quotes only the last line, as the kernel's word, on one line. */
  assert_int_equal(
      vr_resctrl_group_remove(r, PREFIX, "", OWN("e1"), reason, sizeof(reason)),
      0);
  assert_int_equal(create(r, "", OWN("e3")), 0);
  char status[600], path[1200];
  snprintf(path, sizeof(path), "%s/info/last_cmd_status", emu.mnt);
  assert_true(rt_read(path, status, sizeof(status)) > 0);
  assert_non_null(strstr(status, "Out of RMIDs"));
  assert_int_equal(create(r, "", OWN("e4")), -ENOSPC);
  assert_true(rt_read(path, status, sizeof(status)) > 0);
  assert_string_equal(status, "Out of RMIDs\nOut of RMIDs\n");
  assert_non_null(strstr(reason, "; the kernel says: Out of RMIDs"));
  assert_null(strchr(reason, '\n'));
  assert_null(strstr(reason, "Out of RMIDs Out of RMIDs"));
  vr_resctrl_close(r);
  rt_emu_stop(&emu);
}

/* doc/design.md, "resctrl rules", Values: a group removed between the open and
 * the read of its tasks file (libvirt removes its groups at VM stop without the
 * lock) reads ENODEV (kernfs_seq_start); the state read goes on without it. */
static void state_group_gone_mid_read(void **state) {
  (void)state;
  pid_t a = rt_spawn_sleeper(), b = rt_spawn_sleeper();
  mkdir_at(shared.mnt, "mon_groups/qemu-1-gone");
  put_task(shared.mnt, "mon_groups/qemu-1-gone", a);
  assert_int_equal(create(sr, "", OWN("stays")), 0);
  vr_resctrl_tasks_result res;
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "", OWN("stays"), &b,
                                              1, &res, reason, sizeof(reason)),
                   0);
  rt_emu_control(&shared, "rmdir-on-open mon_groups/qemu-1-gone");
  vr_resctrl_state st;
  reason[0] = '\0';
  int rc = vr_resctrl_state_read(sr, &st, reason, sizeof(reason));
  if (rc != 0)
    fprintf(stderr, "state read: %d %s\n", rc, reason);
  assert_int_equal(rc, 0);
  assert_false(exists(shared.mnt, "mon_groups/qemu-1-gone"));
  assert_int_equal(find_group(&st, "", "qemu-1-gone"), -1);
  int g = find_group(&st, "", OWN("stays"));
  assert_true(g >= 0);
  assert_int_equal(st.mon_groups[g].n_tids, 1);
  assert_null(find_task(&st, a));
  vr_resctrl_state_free(&st);
  assert_int_equal(vr_resctrl_group_remove(sr, PREFIX, "", OWN("stays"), reason,
                                           sizeof(reason)),
                   0);
  rt_kill(a);
  rt_kill(b);
}

/* doc/design.md, "Thread placement": a thread leaves our group through its
 * parent CTRL_MON group's tasks file; the group stays (no rmdir, so no RMID in
 * limbo). */
static void release_to_parent(void **state) {
  (void)state;
  pid_t a = rt_spawn_sleeper(), b = rt_spawn_sleeper();
  vr_resctrl_tasks_result res;
  mkdir_at(shared.mnt, "c9");
  put_task(shared.mnt, "c9", a);
  put_task(shared.mnt, "c9", b);
  assert_int_equal(create(sr, "c9", OWN("rel")), 0);
  pid_t both[2] = {a, b};
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c9", OWN("rel"),
                                              both, 2, &res, reason,
                                              sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_group_release_task(sr, PREFIX, "c9", OWN("rel"),
                                                 b, reason, sizeof(reason)),
                   0);
  vr_resctrl_state st;
  assert_int_equal(vr_resctrl_state_read(sr, &st, reason, sizeof(reason)), 0);
  int g = find_group(&st, "c9", OWN("rel"));
  assert_true(g >= 0);
  assert_int_equal(st.mon_groups[g].n_tids, 1);
  assert_int_equal(st.mon_groups[g].tids[0], a);
  const vr_task_place *p = find_task(&st, b);
  assert_non_null(p);
  assert_string_equal(p->ctrl, "c9"); /* its CLOSID kept */
  assert_string_equal(p->mon, "");
  vr_resctrl_state_free(&st);
  /* a task that exited meanwhile is out of the group too */
  assert_int_equal(vr_resctrl_group_release_task(sr, PREFIX, "c9", OWN("rel"),
                                                 rt_dead_pid(), reason,
                                                 sizeof(reason)),
                   0);
  /* only from a group of ours */
  assert_int_equal(vr_resctrl_group_release_task(sr, PREFIX, "c9", "foreign1",
                                                 a, reason, sizeof(reason)),
                   -EINVAL);
  char path[1200];
  snprintf(path, sizeof(path), "%s/c9", shared.mnt);
  assert_int_equal(rmdir(path), 0);
  rt_kill(a);
  rt_kill(b);
}

static void ebusy_limbo(void **state) {
  (void)state;
  rt_emu emu;
  const char *args[] = {"--num-rmids", "2", "--limbo-ms", "400", NULL};
  rt_emu_start(&emu, args);
  vr_resctrl *r = open_emu(&emu, NULL);
  assert_int_equal(create(r, "", OWN("b1")), 0);
  assert_int_equal(create(r, "", OWN("b2")), -ENOSPC);
  assert_int_equal(
      vr_resctrl_group_remove(r, PREFIX, "", OWN("b1"), reason, sizeof(reason)),
      0);
  assert_int_equal(create(r, "", OWN("b2")), -EBUSY);
  assert_true(strlen(reason) > strlen("mkdir "));
  nanosleep(&(struct timespec){0, 600 * 1000 * 1000}, NULL);
  assert_int_equal(create(r, "", OWN("b2")), 0);
  vr_resctrl_close(r);
  rt_emu_stop(&emu);
}

static void values(void **state) {
  (void)state;
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd;
  vr_resctrl_value v[2 * VR_FEAT_COUNT];
  assert_int_equal(create(sr, "", OWN("v1")), 0);
  assert_int_equal(vr_resctrl_reader_open(sr, "", OWN("v1"), &budget, &rd,
                                          reason, sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_reader_count(rd), 2 * VR_FEAT_COUNT);
  assert_int_equal(vr_resctrl_reader_kept_fds(rd), 6);
  assert_int_equal(budget.used, 6);
  rt_emu_control(&shared, "mon_groups/" OWN("v1") " 0 llc_occupancy 4096");
  rt_emu_control(&shared, "mon_groups/" OWN("v1") " 1 llc_occupancy 0");
  rt_emu_control(&shared,
                 "mon_groups/" OWN("v1") " 0 mbm_total_bytes Unavailable");
  rt_emu_control(&shared, "mon_groups/" OWN("v1") " 0 mbm_local_bytes Error");
  rt_emu_control(&shared,
                 "mon_groups/" OWN("v1") " 1 mbm_local_bytes Unassigned");
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), 0);
  assert_int_equal(v[VR_FEAT_LLC_OCCUPANCY].status, VR_READ_VALUE);
  assert_true(v[VR_FEAT_LLC_OCCUPANCY].value == 4096);
  assert_int_equal(v[VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].status,
                   VR_READ_VALUE);
  assert_true(v[VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].value == 0);
  assert_int_equal(v[VR_FEAT_MBM_TOTAL_BYTES].status, VR_READ_UNAVAILABLE);
  assert_int_equal(v[VR_FEAT_MBM_LOCAL_BYTES].status, VR_READ_ERROR);
  assert_int_equal(v[VR_FEAT_COUNT + VR_FEAT_MBM_LOCAL_BYTES].status,
                   VR_READ_UNASSIGNED);
  assert_int_equal(v[VR_FEAT_COUNT + VR_FEAT_MBM_TOTAL_BYTES].status,
                   VR_READ_VALUE);
  /* The kept fds see new values: pread at offset 0 reads afresh. */
  rt_emu_control(&shared, "mon_groups/" OWN("v1") " 0 llc_occupancy 8192");
  rt_emu_control(&shared, "mon_groups/" OWN("v1") " 0 mbm_total_bytes 1000000");
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), 0);
  assert_true(v[VR_FEAT_LLC_OCCUPANCY].value == 8192);
  assert_int_equal(v[VR_FEAT_MBM_TOTAL_BYTES].status, VR_READ_VALUE);
  assert_true(v[VR_FEAT_MBM_TOTAL_BYTES].value == 1000000);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 1), -EINVAL);

  /* Beyond the budget: no fds kept, same values, open-pread-close. */
  vr_resctrl_fd_budget small = {.limit = 6};
  vr_resctrl_reader *a, *b;
  assert_int_equal(vr_resctrl_reader_open(sr, "", OWN("v1"), &small, &a, reason,
                                          sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_reader_open(sr, "", OWN("v1"), &small, &b, reason,
                                          sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_reader_kept_fds(a), 6);
  assert_int_equal(vr_resctrl_reader_kept_fds(b), 0);
  assert_int_equal(small.used, 6);
  rt_emu_control(&shared, "mon_groups/" OWN("v1") " 1 llc_occupancy 65536");
  assert_int_equal(vr_resctrl_reader_read(b, v, 2 * VR_FEAT_COUNT), 0);
  assert_true(v[VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].value == 65536);
  assert_int_equal(v[VR_FEAT_MBM_LOCAL_BYTES].status, VR_READ_ERROR);
  vr_resctrl_reader_close(a);
  assert_int_equal(small.used, 0);

  /* The group removed behind our back: vanished, for kept fds and for the
   * fallback alike. */
  char path[1200];
  snprintf(path, sizeof(path), "%s/mon_groups/" OWN("v1"), shared.mnt);
  assert_int_equal(rmdir(path), 0);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), -ENOENT);
  assert_int_equal(v[0].status, VR_READ_VANISHED);
  assert_int_equal(vr_resctrl_reader_read(b, v, 2 * VR_FEAT_COUNT), -ENOENT);
  assert_int_equal(v[0].status, VR_READ_VANISHED);
  assert_int_equal(v[0].err, ENOENT);
  vr_resctrl_reader_close(b);
  vr_resctrl_reader_close(rd);
  assert_int_equal(budget.used, 0);
}

static void vanished_unmount(void **state) {
  (void)state;
  rt_emu emu;
  rt_emu_start(&emu, NULL);
  vr_resctrl *r = open_emu(&emu, NULL);
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd;
  vr_resctrl_value v[2 * VR_FEAT_COUNT];
  assert_int_equal(create(r, "", OWN("u1")), 0);
  assert_int_equal(vr_resctrl_reader_open(r, "", OWN("u1"), &budget, &rd,
                                          reason, sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), 0);
  rt_emu_stop(&emu);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), -ENOENT);
  /* Every slot with a file vanished; a slot of an event the domain does
   * not offer (PERF_PKG's core_energy on an L3 domain) has none. */
  size_t vanished = 0;
  for (size_t i = 0; i < 2 * VR_FEAT_COUNT; i++) {
    if (v[i].status == VR_READ_NOT_MONITORED)
      continue;
    assert_int_equal(v[i].status, VR_READ_VANISHED);
    vanished++;
  }
  assert_true(vanished >= 3); /* llc_occupancy and the MBM counters */
  vr_resctrl_reader_close(rd);
  vr_resctrl_close(r);
}

/* doc/design.md, "resctrl rules", Mounting: KeepFilesOpen false keeps no
 * descriptor in the mount between passes (so that a plain umount works), reads
 * values all the same, and notices a remount (same path, another mount). */
static bool fd_into(const char *mnt) {
  DIR *d = opendir("/proc/self/fd");
  bool found = false;
  struct dirent *e;
  while (d && !found && (e = readdir(d))) {
    char path[300], target[1200];
    snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0)
      continue;
    target[n] = '\0';
    size_t len = strlen(mnt);
    found = strncmp(target, mnt, len) == 0 &&
            (target[len] == '\0' || target[len] == '/');
  }
  if (d)
    closedir(d);
  return found;
}

static void keep_nothing_open(void **state) {
  (void)state;
  rt_emu emu;
  rt_emu_start(&emu, NULL);
  vr_resctrl *r = open_emu(&emu, NULL);
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd;
  vr_resctrl_value v[2 * VR_FEAT_COUNT];
  assert_int_equal(create(r, "", OWN("k1")), 0);
  vr_resctrl_set_keep_open(r, false);
  assert_int_equal(r->root_fd, -1);
  assert_false(fd_into(emu.mnt));
  assert_true(vr_resctrl_same_mount(r));
  /* a pass: attach, open the reader, detach */
  assert_int_equal(vr_resctrl_attach(r), 0);
  assert_int_equal(vr_resctrl_reader_open(r, "", OWN("k1"), &budget, &rd,
                                          reason, sizeof(reason)),
                   0);
  vr_resctrl_detach(r);
  assert_int_equal(vr_resctrl_reader_kept_fds(rd), 0);
  assert_int_equal(budget.used, 0);
  assert_false(fd_into(emu.mnt));
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), 0);
  assert_int_equal(v[VR_FEAT_LLC_OCCUPANCY].status, VR_READ_VALUE);
  assert_false(fd_into(emu.mnt));
  /* so the kernel's rule lets a plain unmount through: the emulator
   * exits, and the path is no longer the mount the handle opened */
  assert_int_equal(umount(emu.mnt), 0);
  assert_false(vr_resctrl_same_mount(r));
  assert_int_equal(vr_resctrl_attach(r), -ESTALE);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), -ENOENT);
  vr_resctrl_reader_close(rd);
  vr_resctrl_close(r);
  rt_emu_stop(&emu);
}

/* With files kept open, a plain umount is refused (do_umount: EBUSY); a
 * lazy one detaches the mount, and the handle notices at once. */
static void kept_files_pin_the_mount(void **state) {
  (void)state;
  rt_emu emu;
  rt_emu_start(&emu, NULL);
  vr_resctrl *r = open_emu(&emu, NULL);
  assert_true(vr_resctrl_same_mount(r));
  assert_int_equal(umount(emu.mnt), -1);
  assert_int_equal(errno, EBUSY);
  assert_int_equal(umount2(emu.mnt, MNT_DETACH), 0);
  assert_false(vr_resctrl_same_mount(r));
  vr_resctrl_close(r);
  rt_emu_stop(&emu);
}

static void nofile_limit(void **state) {
  (void)state;
  vr_resctrl_fd_budget b;
  vr_resctrl_fd_budget_init(&b, 1024);
  assert_int_equal(b.limit, 768);
  vr_resctrl_fd_budget_init(&b, 100);
  assert_int_equal(b.limit, 50);
  /* In a child: lowering the hard limit cannot be undone. */
  pid_t child = fork();
  if (child == 0) {
    struct rlimit rl = {.rlim_cur = 64, .rlim_max = 4096};
    rlim_t soft = 0;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      _exit(2);
    if (vr_resctrl_raise_nofile(1600, &soft) != 0 || soft != 1600)
      _exit(3);
    if (vr_resctrl_raise_nofile(100000, &soft) != 0 || soft != 4096)
      _exit(4);
    if (vr_resctrl_raise_nofile(10, &soft) != 0 || soft != 4096)
      _exit(5);
    getrlimit(RLIMIT_NOFILE, &rl);
    _exit(rl.rlim_cur == 4096 ? 0 : 6);
  }
  int status;
  waitpid(child, &status, 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(discovery_sparse_ids),
      cmocka_unit_test(discovery_no_alloc),
      cmocka_unit_test(discovery_snc),
      cmocka_unit_test(lock),
      cmocka_unit_test(state_create_place),
      cmocka_unit_test(refusals),
      cmocka_unit_test(state_group_gone_mid_read),
      cmocka_unit_test(release_to_parent),
      cmocka_unit_test(enospc),
      cmocka_unit_test(ebusy_limbo),
      cmocka_unit_test(values),
      cmocka_unit_test(vanished_unmount),
      cmocka_unit_test(nofile_limit),
      cmocka_unit_test(keep_nothing_open),
      cmocka_unit_test(kept_files_pin_the_mount),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
