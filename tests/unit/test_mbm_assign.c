/* SPDX-License-Identifier: MIT */
/*
 * ABMC counter decisions (mbm_assign.h): high first, holders keep theirs,
 * waiting groups queue by key, mbm="off" gets none, a freed counter goes to
 * the next waiting group, coverage counts exactly.
 */
#include "plan/mbm_assign.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define BOTH 3u
#define TOTAL 1u
#define LOCAL 2u

static vr_mbm_coverage decide(const vr_mbm_group *g, size_t n, unsigned n_free,
                              vr_mbm_decision *out) {
  vr_mbm_coverage c = {99, 99};
  assert_int_equal(vr_mbm_decide(g, n, n_free, out, &c), 0);
  return c;
}

/* Enough counters: everyone wanted gets both events. */
static void test_enough(void **state) {
  (void)state;
  vr_mbm_group g[] = {{VR_MBM_NORMAL, "a", BOTH, 0},
                      {VR_MBM_NORMAL, "b", BOTH, 0}};
  vr_mbm_decision d[2];
  vr_mbm_coverage c = decide(g, 2, 4, d);
  assert_int_equal(d[0].assign, BOTH);
  assert_int_equal(d[1].assign, BOTH);
  assert_int_equal(d[0].unassign, 0);
  assert_int_equal(c.wanted, 4);
  assert_int_equal(c.counted, 4);
  assert_true(vr_mbm_coverage_percent(&c) == 100.0);
}

/* Too few: high first, then by key; total before local in one group. */
static void test_high_first_then_key(void **state) {
  (void)state;
  vr_mbm_group g[] = {{VR_MBM_NORMAL, "a", BOTH, 0},
                      {VR_MBM_NORMAL, "b", BOTH, 0},
                      {VR_MBM_HIGH, "z", BOTH, 0}};
  vr_mbm_decision d[3];
  vr_mbm_coverage c = decide(g, 3, 3, d);
  assert_int_equal(d[2].counted, BOTH);
  assert_int_equal(d[0].counted, TOTAL);
  assert_int_equal(d[1].counted, 0);
  assert_int_equal(c.wanted, 6);
  assert_int_equal(c.counted, 3);
  assert_true(vr_mbm_coverage_percent(&c) == 50.0);
}

/* A holder keeps its counter against a waiting group that sorts first:
 * a reassignment resets the counter, so no churn among equals. */
static void test_holders_keep(void **state) {
  (void)state;
  vr_mbm_group g[] = {{VR_MBM_NORMAL, "a", BOTH, 0},
                      {VR_MBM_NORMAL, "b", BOTH, BOTH}};
  vr_mbm_decision d[2];
  vr_mbm_coverage c = decide(g, 2, 0, d);
  assert_int_equal(d[1].counted, BOTH);
  assert_int_equal(d[1].assign, 0);
  assert_int_equal(d[1].unassign, 0);
  assert_int_equal(d[0].counted, 0);
  assert_int_equal(c.counted, 2);
}

/* A high group takes a normal holder's counters. */
static void test_high_preempts(void **state) {
  (void)state;
  vr_mbm_group g[] = {{VR_MBM_NORMAL, "a", BOTH, BOTH},
                      {VR_MBM_HIGH, "h", BOTH, 0}};
  vr_mbm_decision d[2];
  decide(g, 2, 0, d);
  assert_int_equal(d[0].unassign, BOTH);
  assert_int_equal(d[1].assign, BOTH);
}

/* mbm="off": gives back what it holds (the kernel assigned it at mkdir),
 * and the counters go to the next waiting group; it is not wanted. */
static void test_off_gives_back(void **state) {
  (void)state;
  vr_mbm_group g[] = {{VR_MBM_OFF, "a", BOTH, BOTH},
                      {VR_MBM_NORMAL, "b", BOTH, 0}};
  vr_mbm_decision d[2];
  vr_mbm_coverage c = decide(g, 2, 0, d);
  assert_int_equal(d[0].unassign, BOTH);
  assert_int_equal(d[0].counted, 0);
  assert_int_equal(d[1].assign, BOTH);
  assert_int_equal(c.wanted, 2);
  assert_int_equal(c.counted, 2);
}

/* A removed group's counters came back as free ones: the next waiting
 * group in key order gets them. */
static void test_freed_goes_to_next(void **state) {
  (void)state;
  vr_mbm_group g[] = {{VR_MBM_NORMAL, "c", BOTH, 0},
                      {VR_MBM_NORMAL, "b", BOTH, 0},
                      {VR_MBM_NORMAL, "d", BOTH, BOTH}};
  vr_mbm_decision d[3];
  vr_mbm_coverage c = decide(g, 3, 2, d);
  assert_int_equal(d[1].assign, BOTH);
  assert_int_equal(d[0].assign, 0);
  assert_int_equal(d[2].counted, BOTH);
  assert_int_equal(c.counted, 4);
  assert_int_equal(c.wanted, 6);
}

/* Only wanted events count; an event held but not wanted is freed. */
static void test_unwanted_event_freed(void **state) {
  (void)state;
  vr_mbm_group g[] = {{VR_MBM_NORMAL, "a", TOTAL, BOTH}};
  vr_mbm_decision d[1];
  vr_mbm_coverage c = decide(g, 1, 0, d);
  assert_int_equal(d[0].unassign, LOCAL);
  assert_int_equal(d[0].counted, TOTAL);
  assert_int_equal(c.wanted, 1);
  assert_int_equal(c.counted, 1);
}

/* Nothing wanted: 100 %, no division by zero. */
static void test_nothing_wanted(void **state) {
  (void)state;
  vr_mbm_decision d[1];
  vr_mbm_coverage c = decide(NULL, 0, 5, d);
  assert_int_equal(c.wanted, 0);
  assert_true(vr_mbm_coverage_percent(&c) == 100.0);
}

/* The kernel's text, as monitor.c prints it. */
static void test_parse_kernel_text(void **state) {
  (void)state;
  assert_true(vr_abmc_mode_is_event("[mbm_event]\ndefault\n"));
  assert_false(vr_abmc_mode_is_event("mbm_event\n[default]\n"));
  assert_false(vr_abmc_mode_is_event(""));
  unsigned n = 99;
  assert_int_equal(vr_abmc_parse_counts("0=32;1=30\n", 1, &n), 0);
  assert_int_equal(n, 30);
  assert_int_equal(vr_abmc_parse_counts("0=32;1=30\n", 0, &n), 0);
  assert_int_equal(n, 32);
  assert_int_equal(vr_abmc_parse_counts("0=32;1=30\n", 2, &n), -ENOENT);
  assert_int_equal(vr_abmc_parse_counts("0=x\n", 0, &n), -EINVAL);
  assert_int_equal(vr_abmc_parse_counts("08=4\n", 8, &n), 0);
  assert_int_equal(n, 4);
  const char *const names[] = {"mbm_total_bytes", "mbm_local_bytes"};
  unsigned held = 99;
  const char *text = "mbm_total_bytes:0=e;1=_\nmbm_local_bytes:0=_;1=e\n";
  assert_int_equal(vr_abmc_parse_assignments(text, names, 0, &held), 0);
  assert_int_equal(held, TOTAL);
  assert_int_equal(vr_abmc_parse_assignments(text, names, 1, &held), 0);
  assert_int_equal(held, LOCAL);
  assert_int_equal(vr_abmc_parse_assignments(text, names, 7, &held), 0);
  assert_int_equal(held, 0);
  assert_int_equal(
      vr_abmc_parse_assignments("mbm_total_bytes:0=x\n", names, 0, &held),
      -EINVAL);
  assert_int_equal(vr_abmc_parse_assignments("garbage\n", names, 0, &held),
                   -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_enough),
      cmocka_unit_test(test_high_first_then_key),
      cmocka_unit_test(test_holders_keep),
      cmocka_unit_test(test_high_preempts),
      cmocka_unit_test(test_off_gives_back),
      cmocka_unit_test(test_freed_goes_to_next),
      cmocka_unit_test(test_unwanted_event_freed),
      cmocka_unit_test(test_nothing_wanted),
      cmocka_unit_test(test_parse_kernel_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
