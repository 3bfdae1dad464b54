/* SPDX-License-Identifier: MIT */
/* The threads this run wrote into its groups (plan/written_tids.h): look-up
 * after sorting, a removed group forgotten, and the prune against resctrl's
 * state that keeps the set to what our groups list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/written_tids.h"

#include <string.h>

static void add(vr_written_set *w, const char *name, pid_t tid) {
  assert_int_equal(vr_written_add(w, name, tid), 0);
}

static void test_add_sort_has(void **state) {
  (void)state;
  vr_written_set w = {0};
  add(&w, "vr_b", 7);
  add(&w, "vr_a", 9);
  add(&w, "vr_a", 3);
  add(&w, "vr_b", 7);               /* the same write twice */
  for (pid_t t = 100; t < 140; t++) /* past the first allocation */
    add(&w, "vr_c", t);
  vr_written_sort(&w);
  assert_int_equal(w.n, 43);
  assert_true(vr_written_has(&w, "vr_a", 3));
  assert_true(vr_written_has(&w, "vr_a", 9));
  assert_true(vr_written_has(&w, "vr_b", 7));
  assert_true(vr_written_has(&w, "vr_c", 139));
  assert_false(vr_written_has(&w, "vr_a", 7)); /* the thread, in another */
  assert_false(vr_written_has(&w, "vr_b", 3));
  assert_false(vr_written_has(&w, "vr_d", 3));
  vr_written_drop_group(&w, "vr_c");
  assert_int_equal(w.n, 3);
  assert_false(vr_written_has(&w, "vr_c", 100));
  assert_true(vr_written_has(&w, "vr_b", 7));
  vr_written_clear(&w);
  assert_int_equal(w.n, 0);
  assert_false(vr_written_has(&w, "vr_b", 7));
}

/* State: vr_a lists 3 and 5 (5 inherited); vr_b lists nothing. */
static void state_of(vr_resctrl_state *s, vr_mon_group_state g[2],
                     pid_t *a_tids) {
  memset(s, 0, sizeof(*s));
  memset(g, 0, 2 * sizeof(*g));
  strcpy(g[0].name, "vr_a");
  g[0].tids = a_tids;
  g[0].n_tids = 2;
  strcpy(g[1].name, "vr_b");
  s->mon_groups = g;
  s->n_mon_groups = 2;
}

static void written_abc(vr_written_set *w) {
  add(w, "vr_a", 3); /* still there */
  add(w, "vr_a", 4); /* left vr_a, or exited */
  add(w, "vr_b", 6); /* left vr_b */
  add(w, "vr_c", 8); /* vr_c is not in the state */
}

static void test_prune(void **state) {
  (void)state;
  vr_resctrl_state s;
  vr_mon_group_state g[2];
  pid_t a_tids[] = {3, 5};
  state_of(&s, g, a_tids);
  vr_written_set w = {0};
  /* An event pass: a group it does not see may be another domain's. */
  written_abc(&w);
  assert_int_equal(vr_written_prune(&w, &s, false), 0);
  assert_int_equal(w.n, 2);
  assert_true(vr_written_has(&w, "vr_a", 3));
  assert_true(vr_written_has(&w, "vr_c", 8));
  assert_false(vr_written_has(&w, "vr_a", 5)); /* never recorded */
  /* A full pass saw every group of ours: vr_c is gone. */
  assert_int_equal(vr_written_prune(&w, &s, true), 0);
  assert_int_equal(w.n, 1);
  assert_true(vr_written_has(&w, "vr_a", 3));
  vr_written_clear(&w);
  /* Nothing recorded: nothing to prune. */
  assert_int_equal(vr_written_prune(&w, &s, true), 0);
  assert_int_equal(w.n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_add_sort_has),
      cmocka_unit_test(test_prune),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
