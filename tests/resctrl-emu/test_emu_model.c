/* SPDX-License-Identifier: MIT */
/* The emulator's model with a fake host and a fake clock: what the shell
 * tests cannot stage (a tid reused by a new task, exact limbo timing, the
 * least recently freed RMID first). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu_model.h"

#define MAX_FAKE 8

struct fake_host {
  pid_t tids[MAX_FAKE];
  unsigned long long starts[MAX_FAKE];
  size_t count;
};

static int fake_start(void *ctx, pid_t tid, unsigned long long *start) {
  struct fake_host *h = ctx;
  for (size_t i = 0; i < h->count; i++) {
    if (h->tids[i] == tid) {
      *start = h->starts[i];
      return 0;
    }
  }
  return -ESRCH;
}

static int fake_each(void *ctx, int (*cb)(pid_t, void *), void *arg) {
  struct fake_host *h = ctx;
  for (size_t i = 0; i < h->count; i++) {
    int ret = cb(h->tids[i], arg);
    if (ret)
      return ret;
  }
  return 0;
}

static struct fake_host host;

static void setup_model(struct emu_model *m, unsigned rmids, unsigned limbo) {
  struct emu_config cfg = {.cache_ids = {0},
                           .num_caches = 1,
                           .num_rmids = rmids,
                           .num_closids = 4,
                           .features = {true, true, true},
                           .l3_size = 1 << 20,
                           .limbo_ms = limbo,
                           .alloc = true,
                           .num_cpus = 2};
  struct emu_host h = {
      .task_start = fake_start, .for_each_task = fake_each, .ctx = &host};
  host = (struct fake_host){.tids = {10, 11}, .starts = {100, 200}, .count = 2};
  assert_int_equal(emu_model_init(m, &cfg, &h, 0), 0);
}

static char *show(struct emu_model *m, struct emu_group *g) {
  static char text[256];
  struct emu_buf b = {0};
  assert_int_equal(emu_tasks_show(m, g, &b), 0);
  snprintf(text, sizeof(text), "%.*s", (int)b.len, b.data ? b.data : "");
  emu_buf_free(&b);
  return text;
}

static void test_reused_tid_is_a_new_task(void **state) {
  (void)state;
  struct emu_model m;
  setup_model(&m, 4, 0);
  assert_int_equal(emu_model_mkdir_ctrl(&m, "c1", 0), 0);
  struct emu_group *c1 = emu_model_find(&m, "c1", NULL);
  assert_int_equal(emu_tasks_write(&m, c1, "10\n", 3, 1), 0);
  assert_string_equal(show(&m, c1), "10\n");
  assert_string_equal(show(&m, emu_model_root(&m)), "11\n");
  host.starts[0] = 999; /* tid 10 died and a new task took its id */
  assert_string_equal(show(&m, c1), "");
  assert_string_equal(show(&m, emu_model_root(&m)), "10\n11\n");
  emu_model_free(&m);
}

static void test_limbo_ends_after_limbo_ms(void **state) {
  (void)state;
  struct emu_model m;
  setup_model(&m, 2, 1000);
  struct emu_group *root = emu_model_root(&m);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "a", 0), 0);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "b", 0), -ENOSPC);
  assert_int_equal(emu_model_rmdir(&m, emu_model_find(&m, NULL, "a"), 500), 0);
  assert_int_equal(emu_model_rmids_in_limbo(&m, 500), 1);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "b", 1499), -EBUSY);
  /* appended to the ENOSPC's line: a failing mkdir does not clear either */
  assert_string_equal(m.last_cmd, "Out of RMIDs\nOut of RMIDs\n");
  assert_int_equal(emu_model_mkdir_mon(&m, root, "b", 1500), 0);
  assert_int_equal(emu_model_rmids_in_limbo(&m, 1500), 0);
  /* doc/design.md, "resctrl rules", RMIDs: the success did not clear
   * last_cmd_status (mkdir_rdt_prepare), and a new failure appends. */
  assert_string_equal(m.last_cmd, "Out of RMIDs\nOut of RMIDs\n");
  assert_int_equal(emu_model_mkdir_mon(&m, root, "c", 1500), -ENOSPC);
  assert_string_equal(m.last_cmd, "Out of RMIDs\nOut of RMIDs\nOut of RMIDs\n");
  emu_model_free(&m);
}

/* doc/design.md, "resctrl rules", RMIDs: the kernel's limbo (kernel_limbo_ms).
 * The group's occupancy when removed halves every second; the RMID is free at
 * the first 1 s check where it is below max_threshold_occupancy (1 MiB / 2
 * RMIDs = 524288 here), never sooner than 1 s; an Unavailable occupancy keeps
 * it in limbo for ever (6.12). */
static void test_kernel_limbo(void **state) {
  (void)state;
  struct emu_model m;
  setup_model(&m, 2, 0);
  m.cfg.kernel_limbo = true;
  struct emu_group *root = emu_model_root(&m);
  struct emu_value big = {.kind = EMU_VALUE_NUMBER, .number = 4 * 524288};
  struct emu_value small = {.kind = EMU_VALUE_NUMBER, .number = 4096};
  struct emu_value unavailable = {.kind = EMU_VALUE_UNAVAILABLE};

  /* small occupancy: one check, 1 s */
  assert_int_equal(emu_model_mkdir_mon(&m, root, "a", 0), 0);
  emu_model_set_value(emu_model_find(&m, NULL, "a"), 0, EMU_LLC_OCCUPANCY,
                      small);
  assert_int_equal(emu_model_rmdir(&m, emu_model_find(&m, NULL, "a"), 100), 0);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "b", 1099), -EBUSY);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "b", 1100), 0);

  /* 4x the threshold: 1 MiB at the first check, 512 KiB (not below) at the
   * second, 256 KiB at the third: 3 s */
  emu_model_set_value(emu_model_find(&m, NULL, "b"), 0, EMU_LLC_OCCUPANCY, big);
  assert_int_equal(emu_model_rmdir(&m, emu_model_find(&m, NULL, "b"), 2000), 0);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "c", 4999), -EBUSY);
  assert_int_equal(emu_model_rmids_in_limbo(&m, 4999), 1);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "c", 5000), 0);

  /* Unavailable: dirty for ever */
  emu_model_set_value(emu_model_find(&m, NULL, "c"), 0, EMU_LLC_OCCUPANCY,
                      unavailable);
  assert_int_equal(emu_model_rmdir(&m, emu_model_find(&m, NULL, "c"), 7000), 0);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "d", 86400000), -EBUSY);
  emu_model_free(&m);
}

/* A thread made by a grouped thread starts in its groups
 * (arch_dup_task_struct), when the emulator is told who made it. */
static void test_clone_inherits_groups(void **state) {
  (void)state;
  struct emu_model m;
  setup_model(&m, 4, 0);
  assert_int_equal(emu_model_mkdir_ctrl(&m, "c1", 0), 0);
  struct emu_group *c1 = emu_model_find(&m, "c1", NULL);
  assert_int_equal(emu_model_mkdir_mon(&m, c1, "m", 0), 0);
  struct emu_group *mon = emu_model_find(&m, "c1", "m");
  assert_int_equal(emu_tasks_write(&m, c1, "10\n", 3, 1), 0);
  assert_int_equal(emu_tasks_write(&m, mon, "10\n", 3, 1), 0);
  host.tids[2] = 12; /* tid 10 makes a thread */
  host.starts[2] = 300;
  host.count = 3;
  assert_string_equal(show(&m, mon), "10\n");
  assert_int_equal(emu_tasks_clone(&m, 12, 10), 0);
  assert_string_equal(show(&m, mon), "10\n12\n");
  assert_string_equal(show(&m, c1), "10\n12\n");
  /* not new: placed already; dead: ESRCH */
  assert_int_equal(emu_tasks_clone(&m, 12, 10), -EINVAL);
  assert_int_equal(emu_tasks_clone(&m, 13, 10), -ESRCH);
  /* made by a thread in the root (11): stays in the root */
  host.tids[3] = 14;
  host.starts[3] = 400;
  host.count = 4;
  assert_int_equal(emu_tasks_clone(&m, 14, 11), 0);
  assert_string_equal(show(&m, emu_model_root(&m)), "11\n14\n");
  emu_model_free(&m);
}

static void test_least_recently_freed_rmid_first(void **state) {
  (void)state;
  struct emu_model m;
  setup_model(&m, 4, 0);
  struct emu_group *root = emu_model_root(&m);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "a", 0), 0);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "b", 0), 0);
  assert_int_equal(emu_model_find(&m, NULL, "a")->rmid, 1);
  assert_int_equal(emu_model_rmdir(&m, emu_model_find(&m, NULL, "b"), 0), 0);
  assert_int_equal(emu_model_rmdir(&m, emu_model_find(&m, NULL, "a"), 0), 0);
  /* free list: 3 (never used), then 2, then 1 */
  assert_int_equal(emu_model_mkdir_mon(&m, root, "c", 0), 0);
  assert_int_equal(emu_model_find(&m, NULL, "c")->rmid, 3);
  assert_int_equal(emu_model_mkdir_mon(&m, root, "d", 0), 0);
  assert_int_equal(emu_model_find(&m, NULL, "d")->rmid, 2);
  emu_model_free(&m);
}

static void test_mbm_grows_and_ctrl_sums(void **state) {
  (void)state;
  struct emu_model m;
  setup_model(&m, 4, 0);
  assert_int_equal(emu_model_mkdir_ctrl(&m, "c1", 0), 0);
  struct emu_group *c1 = emu_model_find(&m, "c1", NULL);
  assert_int_equal(emu_model_mkdir_mon(&m, c1, "m1", 0), 0);
  struct emu_group *m1 = emu_model_find(&m, "c1", "m1");
  struct emu_value a = emu_model_read_value(&m, m1, 0, EMU_MBM_TOTAL_BYTES, 0);
  struct emu_value b =
      emu_model_read_value(&m, m1, 0, EMU_MBM_TOTAL_BYTES, 1000);
  assert_int_equal(a.kind, EMU_VALUE_NUMBER);
  assert_true(b.number >= a.number + 1048576);
  emu_model_set_value(
      c1, 0, EMU_LLC_OCCUPANCY,
      (struct emu_value){.kind = EMU_VALUE_NUMBER, .number = 5});
  emu_model_set_value(
      m1, 0, EMU_LLC_OCCUPANCY,
      (struct emu_value){.kind = EMU_VALUE_NUMBER, .number = 7});
  assert_int_equal(emu_model_read_value(&m, c1, 0, EMU_LLC_OCCUPANCY, 0).number,
                   12);
  emu_model_free(&m);
}

/* --snc (doc/design.md, "resctrl rules", Domains): rdt_get_mon_l3_config()
 * divides the RMIDs by the nodes per L3; the L3's value is the sum of its nodes
 * that read (__mon_event_count with rr->sum), Unavailable when none does; a
 * CTRL_MON node file adds its MON groups' as the L3's does. */
static void test_snc_rmids_and_sums(void **state) {
  (void)state;
  struct emu_model m;
  struct emu_config cfg = {.cache_ids = {0, 1},
                           .num_caches = 2,
                           .num_rmids = 9,
                           .num_closids = 4,
                           .features = {true, true, true},
                           .l3_size = 1 << 20,
                           .alloc = true,
                           .num_cpus = 2,
                           .snc_nodes = 3};
  struct emu_host h = {
      .task_start = fake_start, .for_each_task = fake_each, .ctx = &host};
  assert_int_equal(emu_model_init(&m, &cfg, &h, 0), 0);
  assert_int_equal(m.cfg.num_rmids, 3);
  assert_int_equal(emu_snc_nodes(&m), 3);
  assert_int_equal(emu_model_mkdir_ctrl(&m, "c1", 0), 0);
  struct emu_group *c1 = emu_model_find(&m, "c1", NULL);
  assert_int_equal(emu_model_mkdir_mon(&m, c1, "m1", 0), 0);
  struct emu_group *m1 = emu_model_find(&m, "c1", "m1");
  assert_int_equal(emu_model_mkdir_mon(&m, c1, "m2", 0), -ENOSPC);
  const struct emu_value n = {.kind = EMU_VALUE_NUMBER, .number = 100};
  const struct emu_value bad = {.kind = EMU_VALUE_ERROR};
  /* cache index 1 holds nodes 3, 4, 5 */
  emu_model_set_node_value(m1, 3, EMU_LLC_OCCUPANCY, n);
  emu_model_set_node_value(m1, 4, EMU_LLC_OCCUPANCY, n);
  emu_model_set_node_value(m1, 5, EMU_LLC_OCCUPANCY, bad);
  emu_model_set_node_value(c1, 4, EMU_LLC_OCCUPANCY, n);
  emu_model_set_node_value(c1, 3, EMU_LLC_OCCUPANCY, bad);
  emu_model_set_node_value(c1, 5, EMU_LLC_OCCUPANCY, bad);
  assert_int_equal(emu_model_read_value(&m, m1, 1, EMU_LLC_OCCUPANCY, 0).number,
                   200);
  assert_int_equal(
      emu_model_read_node_value(&m, c1, 4, EMU_LLC_OCCUPANCY, 0).number, 200);
  assert_int_equal(emu_model_read_value(&m, c1, 1, EMU_LLC_OCCUPANCY, 0).number,
                   300);
  assert_int_equal(
      emu_model_read_node_value(&m, m1, 5, EMU_LLC_OCCUPANCY, 0).kind,
      EMU_VALUE_ERROR);
  emu_model_set_node_value(m1, 3, EMU_LLC_OCCUPANCY, bad);
  emu_model_set_node_value(m1, 4, EMU_LLC_OCCUPANCY, bad);
  assert_int_equal(emu_model_read_value(&m, m1, 1, EMU_LLC_OCCUPANCY, 0).kind,
                   EMU_VALUE_UNAVAILABLE);
  emu_model_free(&m);
  /* more nodes in all than the model holds */
  cfg.snc_nodes = 40;
  assert_int_equal(emu_model_init(&m, &cfg, &h, 0), -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reused_tid_is_a_new_task),
      cmocka_unit_test(test_limbo_ends_after_limbo_ms),
      cmocka_unit_test(test_kernel_limbo),
      cmocka_unit_test(test_clone_inherits_groups),
      cmocka_unit_test(test_least_recently_freed_rmid_first),
      cmocka_unit_test(test_mbm_grows_and_ctrl_sums),
      cmocka_unit_test(test_snc_rmids_and_sums),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
