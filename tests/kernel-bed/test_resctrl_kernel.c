/* SPDX-License-Identifier: MIT */
/* The resctrl module (resctrl.h, resctrl_values.h) against Linux's own
 * resctrl, in the kernel bed's guest: the cases of
 * tests/integration/test_resctrl_emu.c that a real kernel can show, with the
 * counters moved by kbed-load from inside the group instead of the
 * emulator's control channel.  Needs the bed's defaults (2 L3 domains, 8
 * RMIDs, L3 CAT) and a fresh mount: run-in-guest boots one per run. */
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
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MNT "/sys/fs/resctrl"
#define PREFIX "vr_"
#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define OWN(g) PREFIX UUID "_" g
#define RDTGROUP_SUPER_MAGIC 0x7655821

static char reason[512];
static vr_resctrl *sr;

/* Runs kbed-load with the words of fmt (group paths relative to MNT). */
static void load(const char *fmt, ...) {
  char args[512], cmd[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof(args), fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof(cmd), "%s/tests/kernel-bed/kbed-load %s",
           getenv("VR_BUILDDIR"), args);
  int rc = system(cmd);
  if (rc != 0)
    fprintf(stderr, "%s: status %d\n", cmd, rc);
  assert_int_equal(rc, 0);
}

static bool exists(const char *rel) {
  char path[1200];
  snprintf(path, sizeof(path), MNT "/%s", rel);
  return access(path, F_OK) == 0;
}

static void put_task(const char *group, pid_t pid) {
  char path[1200], text[32];
  snprintf(path, sizeof(path), MNT "/%s/tasks", group);
  snprintf(text, sizeof(text), "%d\n", (int)pid);
  assert_int_equal(rt_write(path, text, false), 0);
}

static int create(const char *ctrl, const char *name) {
  reason[0] = '\0';
  return vr_resctrl_group_create(sr, PREFIX, ctrl, name, reason,
                                 sizeof(reason));
}

static int remove_own(const char *name) {
  return vr_resctrl_group_remove(sr, PREFIX, "", name, reason, sizeof(reason));
}

static void sleep_ms(long ms) {
  nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static int setup(void **state) {
  (void)state;
  struct statfs sfs;
  if (!getenv("VR_BUILDDIR") || statfs(MNT, &sfs) != 0 ||
      sfs.f_type != RDTGROUP_SUPER_MAGIC) {
    fprintf(stderr, "FAIL: " MNT " is not the kernel's resctrl or "
                    "VR_BUILDDIR is unset: run in the kernel bed\n");
    return -1;
  }
  int rc = vr_resctrl_open(MNT, NULL, &sr, reason, sizeof(reason));
  if (rc != 0)
    fprintf(stderr, "open: %d %s\n", rc, reason);
  return rc;
}

static int teardown(void **state) {
  (void)state;
  vr_resctrl_close(sr);
  return 0;
}

/* Discovery on the kernel: both L3 domains with the guest's L3 size from
 * sysfs, allocation (L3 CAT) present. */
static void discovery(void **state) {
  (void)state;
  assert_int_equal(sr->n_caches, 2);
  assert_int_equal(sr->caches[0].id, 0);
  assert_int_equal(sr->caches[1].id, 1);
  assert_true(sr->caches[0].size > 0);
  assert_true(sr->alloc_capable);
  assert_int_equal(vr_resctrl_cache_index(sr, VR_RES_L3, 1), 1);
}

/* The emulator test's state_create_place, on the kernel. */
static void state_create_place(void **state) {
  (void)state;
  pid_t a = rt_spawn_sleeper(), b = rt_spawn_sleeper(), c = rt_spawn_sleeper(),
        d = rt_spawn_sleeper();
  vr_resctrl_tasks_result res;
  assert_int_equal(mkdir(MNT "/c1", 0755), 0);
  assert_int_equal(mkdir(MNT "/mon_groups/foreign1", 0755), 0);
  put_task("mon_groups/foreign1", a);
  put_task("c1", b);
  put_task("c1", c);
  assert_int_equal(create("c1", OWN("s1")), 0);
  assert_true(exists("c1/mon_groups/" OWN("s1")));
  assert_int_equal(create("c1", OWN("s1")), -EEXIST);
  assert_int_equal(create(NULL, OWN("s2")), 0);
  assert_int_equal(create("nonexistent", OWN("s3")), -ENOENT);
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c1", OWN("s1"), &c,
                                              1, &res, reason, sizeof(reason)),
                   0);
  assert_int_equal(res.written, 1);
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "", OWN("s2"), &d, 1,
                                              &res, reason, sizeof(reason)),
                   0);
  vr_resctrl_state st;
  assert_int_equal(vr_resctrl_state_read(sr, &st, reason, sizeof(reason)), 0);
  const vr_task_place *p = NULL;
  for (size_t i = 0; i < st.n_tasks; i++)
    if (st.tasks[i].tid == c)
      p = &st.tasks[i];
  assert_non_null(p);
  assert_string_equal(p->ctrl, "c1");
  assert_string_equal(p->mon, OWN("s1"));
  vr_resctrl_state_free(&st);

  /* EINVAL from the kernel (__rdtgroup_move_task: "Can't move task to
   * different control group"), processing stopping at the refusal. */
  pid_t two[2] = {b, d};
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c1", OWN("s1"), two,
                                              2, &res, reason, sizeof(reason)),
                   -EINVAL);
  assert_int_equal(res.written, 1);
  assert_int_equal(res.failed_tid, d);
  assert_non_null(strstr(reason, "different control group"));
  /* ESRCH for a vanished thread: counted, not an error. */
  pid_t gone[2] = {rt_dead_pid(), b};
  assert_int_equal(vr_resctrl_group_add_tasks(sr, PREFIX, "c1", OWN("s1"), gone,
                                              2, &res, reason, sizeof(reason)),
                   0);
  assert_int_equal(res.vanished, 1);
  assert_int_equal(res.written, 1);
  /* rmdir of a CTRL_MON group takes its MON groups along: removing ours
   * afterwards is still success. */
  assert_int_equal(rmdir(MNT "/c1"), 0);
  assert_int_equal(vr_resctrl_group_remove(sr, PREFIX, "c1", OWN("s1"), reason,
                                           sizeof(reason)),
                   0);
  assert_int_equal(remove_own(OWN("s2")), 0);
  assert_int_equal(rmdir(MNT "/mon_groups/foreign1"), 0);
  rt_kill(a);
  rt_kill(b);
  rt_kill(c);
  rt_kill(d);
}

/* Values read by the reader, moved by a task of the group on each domain;
 * Unavailable and Error as the kernel words them; a fresh pread on kept
 * fds; the group removed behind the reader's back. */
static void values(void **state) {
  (void)state;
  vr_resctrl_fd_budget budget = {.limit = 100};
  vr_resctrl_reader *rd;
  vr_resctrl_value v[2 * VR_FEAT_COUNT];
  assert_int_equal(create("", OWN("v1")), 0);
  assert_int_equal(vr_resctrl_reader_open(sr, "", OWN("v1"), &budget, &rd,
                                          reason, sizeof(reason)),
                   0);
  assert_int_equal(vr_resctrl_reader_kept_fds(rd), 6);
  /* CPUs 0,1 share L3 0 and CPUs 2,3 L3 1 (-smp 4,sockets=2) */
  load("--cpu 0 --group " MNT
       "/mon_groups/" OWN("v1") " occupancy=4096 unavailable=2 error=3");
  load("--cpu 2 --group " MNT "/mon_groups/" OWN("v1") " total=640000");
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), 0);
  assert_int_equal(v[VR_FEAT_LLC_OCCUPANCY].status, VR_READ_VALUE);
  assert_true(v[VR_FEAT_LLC_OCCUPANCY].value == 4096);
  assert_int_equal(v[VR_FEAT_MBM_TOTAL_BYTES].status, VR_READ_UNAVAILABLE);
  assert_int_equal(v[VR_FEAT_MBM_LOCAL_BYTES].status, VR_READ_ERROR);
  assert_int_equal(v[VR_FEAT_COUNT + VR_FEAT_MBM_TOTAL_BYTES].status,
                   VR_READ_VALUE);
  assert_true(v[VR_FEAT_COUNT + VR_FEAT_MBM_TOTAL_BYTES].value == 640000);
  assert_true(v[VR_FEAT_COUNT + VR_FEAT_LLC_OCCUPANCY].value == 0);
  load("--cpu 1 --group " MNT
       "/mon_groups/" OWN("v1") " occupancy=8192 total=64");
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), 0);
  assert_true(v[VR_FEAT_LLC_OCCUPANCY].value == 8192);
  assert_int_equal(v[VR_FEAT_MBM_TOTAL_BYTES].status, VR_READ_VALUE);
  assert_true(v[VR_FEAT_MBM_TOTAL_BYTES].value == 64);
  assert_int_equal(rmdir(MNT "/mon_groups/" OWN("v1")), 0);
  assert_int_equal(vr_resctrl_reader_read(rd, v, 2 * VR_FEAT_COUNT), -ENOENT);
  assert_int_equal(v[0].status, VR_READ_VANISHED);
  vr_resctrl_reader_close(rd);
  assert_int_equal(budget.used, 0);
}

/* Out of RMIDs: ENOSPC with the kernel's reason; an RMID whose occupancy
 * stays above max_threshold_occupancy keeps mkdir at EBUSY (limbo), and
 * once it falls the RMID comes back. */
static void enospc_limbo(void **state) {
  (void)state;
  char name[64];
  int n = 0, rc, tries = 0;
  for (;;) {
    snprintf(name, sizeof(name), OWN("e%d"), n);
    rc = create("", name);
    /* RMIDs of the groups removed before may still wait for the limbo
     * worker (cqm_handle_limbo, every second) */
    if (rc == -EBUSY && tries++ < 50) {
      sleep_ms(100);
      continue;
    }
    if (rc != 0)
      break;
    n++;
    assert_true(n < 20);
  }
  assert_int_equal(rc, -ENOSPC);
  assert_non_null(strstr(reason, "Out of RMIDs"));
  assert_int_equal(n, 7); /* 8 RMIDs, the root holds one */
  char thr[64];
  assert_true(rt_read(MNT "/info/L3_MON/max_threshold_occupancy", thr,
                      sizeof(thr)) > 0);
  load("--cpu 0 --group " MNT "/mon_groups/" OWN("e0") " occupancy=%llu",
       strtoull(thr, NULL, 10) + 64);
  assert_int_equal(remove_own(OWN("e0")), 0);
  assert_int_equal(create("", OWN("b1")), -EBUSY);
  sleep_ms(2500);
  assert_int_equal(create("", OWN("b1")), -EBUSY);
  for (int r = 1; r < 8; r++)
    load("--cpu 0 rmid=%d occupancy=0", r);
  for (int i = 0; i < 50 && (rc = create("", OWN("b1"))) == -EBUSY; i++)
    sleep_ms(100);
  assert_int_equal(rc, 0);
  for (int i = 1; i < n; i++) {
    snprintf(name, sizeof(name), OWN("e%d"), i);
    assert_int_equal(remove_own(name), 0);
  }
  assert_int_equal(remove_own(OWN("b1")), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(discovery),
      cmocka_unit_test(state_create_place),
      cmocka_unit_test(values),
      cmocka_unit_test(enospc_limbo),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
