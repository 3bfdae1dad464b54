/* SPDX-License-Identifier: MIT */
/* Unit tests of the per-thread view's pure part (thread_view.h): the
 * cpu_resctrl_groups text as proc_resctrl_show prints it, the state it
 * gives beside our groups' tasks, and the watch of our threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/reconcile.h"
#include "plan/thread_watch.h"
#include "resctrl/thread_view.h"

#include <errno.h>
#include <stdio.h>

static int parse(const char *text, vr_task_place *p) {
  return vr_thread_view_parse(text, strlen(text), p);
}

static void parse_lines(void **state) {
  (void)state;
  vr_task_place p;
  /* the root group: "/" and the root's kernfs name, which is empty */
  assert_int_equal(parse("res:/\nmon:\n", &p), 0);
  assert_string_equal(p.ctrl, "");
  assert_string_equal(p.mon, "");
  assert_int_equal(parse("res:/\nmon:pqos_1\n", &p), 0);
  assert_string_equal(p.ctrl, "");
  assert_string_equal(p.mon, "pqos_1");
  assert_int_equal(parse("res:qemu-2-g2-vcpus_0-1\nmon:vr_x_db\n", &p), 0);
  assert_string_equal(p.ctrl, "qemu-2-g2-vcpus_0-1");
  assert_string_equal(p.mon, "vr_x_db");
  /* no final newline */
  assert_int_equal(parse("res:c1\nmon:m", &p), 0);
  assert_string_equal(p.mon, "m");
  /* resctrl not mounted */
  assert_int_equal(parse("res:\nmon:\n", &p), -ENODATA);
  assert_int_equal(parse("", &p), -EINVAL);
  assert_int_equal(parse("mon:\nres:/\n", &p), -EINVAL);
  assert_int_equal(parse("res:/\n", &p), -EINVAL);
  char big[600];
  snprintf(big, sizeof(big), "res:/\nmon:%0300d\n", 1);
  assert_int_equal(parse(big, &p), -EINVAL);
}

static void applies(void **state) {
  (void)state;
  assert_true(vr_thread_view_applies(0x7655821));
  assert_false(vr_thread_view_applies(0x65735546)); /* FUSE: the emulator */
  assert_false(vr_thread_view_applies(0));
}

static vr_task_place place(pid_t tid, const char *ctrl, const char *mon) {
  vr_task_place p = {.tid = tid};
  snprintf(p.ctrl, sizeof(p.ctrl), "%s", ctrl);
  snprintf(p.mon, sizeof(p.mon), "%s", mon);
  return p;
}

static void state_merge(void **state) {
  (void)state;
  /* asked: 30 (stolen by pqos after our group was read), 10 (ours), 50
   * (root), 10 again (claimed twice) */
  vr_task_place *places = calloc(4, sizeof(*places));
  places[0] = place(30, "", "pqos");
  places[1] = place(10, "", "vr_a");
  places[2] = place(50, "", "");
  places[3] = place(10, "", "vr_a");
  vr_mon_group_state *ours = calloc(1, sizeof(*ours));
  snprintf(ours[0].name, sizeof(ours[0].name), "vr_a");
  ours[0].tids = calloc(3, sizeof(pid_t));
  ours[0].tids[0] = 30;
  ours[0].tids[1] = 10;
  ours[0].tids[2] = 20; /* inherited: asked about by nobody */
  ours[0].n_tids = 3;
  vr_resctrl_state s;
  assert_int_equal(vr_thread_view_state(places, 4, ours, 1, &s), 0);
  assert_int_equal(s.n_tasks, 4);
  assert_int_equal(s.n_mon_groups, 1);
  assert_string_equal(vr_resctrl_state_find(&s, 10)->mon, "vr_a");
  assert_string_equal(vr_resctrl_state_find(&s, 20)->mon, "vr_a");
  /* the thread's own answer wins over our group's older list */
  assert_string_equal(vr_resctrl_state_find(&s, 30)->mon, "pqos");
  assert_string_equal(vr_resctrl_state_find(&s, 50)->mon, "");
  assert_string_equal(vr_resctrl_state_find(&s, 99)->ctrl, "");
  for (size_t i = 1; i < s.n_tasks; i++)
    assert_true(s.tasks[i - 1].tid < s.tasks[i].tid);
  free(s.mon_groups[0].tids);
  free(s.mon_groups);
  free(s.tasks);
}

static void state_empty(void **state) {
  (void)state;
  vr_resctrl_state s;
  assert_int_equal(vr_thread_view_state(NULL, 0, NULL, 0, &s), 0);
  assert_int_equal(s.n_tasks, 0);
  assert_int_equal(s.n_mon_groups, 0);
  free(s.tasks);
}

static void watch(void **state) {
  (void)state;
  vr_vcpu_thread a[] = {{.vcpu = 0, .tid = 12}, {.vcpu = 1, .tid = 11}};
  vr_vcpu_thread b[] = {{.vcpu = 0, .tid = 21}};
  vr_vcpu_thread c[] = {{.vcpu = 0, .tid = 31}, {.vcpu = 1, .tid = 32}};
  vr_desired_group d[3] = {
      {.uuid = "u1",
       .domain = "d1",
       .group = "a",
       .threads = a,
       .n_threads = 2},
      {.uuid = "u2",
       .domain = "d2",
       .group = "b",
       .threads = b,
       .n_threads = 1},
      {.uuid = "u3",
       .domain = "d3",
       .group = "c",
       .threads = c,
       .n_threads = 2},
  };
  vr_group_outcome o[3] = {
      {.kind = VR_OUTCOME_OK, .ctrl = "c1", .name = "vr_a"},
      {.kind = VR_OUTCOME_CONFLICT},
      {.kind = VR_OUTCOME_OK, .name = "vr_c"}};
  vr_plan plan = {.outcomes = o, .n_outcomes = 3};
  bool failed[3] = {false, false, false};
  pid_t skip[] = {32};
  /* the pass saw b's thread in pqos's group */
  vr_task_place seen[] = {place(21, "", "pqos")};
  vr_resctrl_state st = {.tasks = seen, .n_tasks = 1};
  vr_thread_watch w = {0};
  assert_int_equal(vr_thread_watch_build(d, 3, &plan, &st, failed, skip, 1, &w),
                   0);
  /* not the thread the pass refused */
  assert_int_equal(w.n, 4);
  assert_int_equal(w.places[0].tid, 11);
  assert_string_equal(w.places[0].ctrl, "c1");
  assert_string_equal(w.places[0].mon, "vr_a");
  assert_int_equal(w.places[1].tid, 12);
  /* the conflict's thread stays watched where it was seen */
  assert_int_equal(w.places[2].tid, 21);
  assert_string_equal(w.places[2].mon, "pqos");
  assert_int_equal(w.places[3].tid, 31);
  assert_string_equal(w.places[3].mon, "vr_c");
  vr_task_place same = place(31, "", "vr_c");
  vr_task_place stolen = place(31, "", "pqos");
  vr_task_place other_ctrl = place(31, "c2", "vr_c");
  assert_false(vr_thread_watch_moved(&w.places[3], &same));
  assert_true(vr_thread_watch_moved(&w.places[3], &stolen));
  assert_true(vr_thread_watch_moved(&w.places[3], &other_ctrl));
  vr_task_place freed = place(21, "", "");
  assert_true(vr_thread_watch_moved(&w.places[2], &freed));
  /* a group whose create or assign failed in the pass is not watched */
  failed[0] = true;
  assert_int_equal(vr_thread_watch_build(d, 3, &plan, &st, failed, NULL, 0, &w),
                   0);
  assert_int_equal(w.n, 3);
  assert_int_equal(w.places[0].tid, 21);
  vr_thread_watch_clear(&w);
  assert_int_equal(w.n, 0);
  assert_null(w.places);
}

/* An event pass's watch (its domains' threads) merged into the last one:
 * the other domains' threads stay, a thread in both takes the newer place. */
static void watch_merge(void **state) {
  (void)state;
  vr_task_place old_places[] = {place(11, "", "vr_a"), place(21, "", "vr_b"),
                                place(31, "", "vr_c")};
  vr_task_place new_places[] = {place(5, "", "vr_n"), place(21, "", "vr_b2"),
                                place(40, "", "vr_d")};
  vr_thread_watch w = {.places = malloc(sizeof(old_places)), .n = 3};
  vr_thread_watch newer = {.places = malloc(sizeof(new_places)), .n = 3};
  assert_non_null(w.places);
  assert_non_null(newer.places);
  memcpy(w.places, old_places, sizeof(old_places));
  memcpy(newer.places, new_places, sizeof(new_places));
  assert_int_equal(vr_thread_watch_merge(&w, &newer), 0);
  assert_int_equal(newer.n, 0);
  assert_null(newer.places);
  pid_t want_tids[] = {5, 11, 21, 31, 40};
  const char *want_mon[] = {"vr_n", "vr_a", "vr_b2", "vr_c", "vr_d"};
  assert_int_equal(w.n, 5);
  for (size_t i = 0; i < 5; i++) {
    assert_int_equal(w.places[i].tid, want_tids[i]);
    assert_string_equal(w.places[i].mon, want_mon[i]);
  }
  /* nothing new: the watch stays as it was */
  assert_int_equal(vr_thread_watch_merge(&w, &newer), 0);
  assert_int_equal(w.n, 5);
  vr_thread_watch_clear(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_lines), cmocka_unit_test(applies),
      cmocka_unit_test(state_merge), cmocka_unit_test(state_empty),
      cmocka_unit_test(watch),       cmocka_unit_test(watch_merge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
