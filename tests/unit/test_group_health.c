/* SPDX-License-Identifier: MIT */
/* Group health: what a reconcile outcome or a failed mkdir means, and the
 * class of problem each kind is reported under. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/group_health.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void test_is_problem(void **state) {
  (void)state;
  static const struct {
    vr_health_kind kind;
    bool problem;
  } table[] = {{VR_HEALTH_UNKNOWN, false},       {VR_HEALTH_OK, false},
               {VR_HEALTH_INVALID, true},        {VR_HEALTH_CONFLICT, true},
               {VR_HEALTH_RMID_EXHAUSTED, true}, {VR_HEALTH_RMID_LIMBO, true}};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    assert_int_equal(vr_health_is_problem(table[i].kind), table[i].problem);
}

static void test_from_outcome(void **state) {
  (void)state;
  static const struct {
    vr_outcome_kind outcome;
    const char *reason;
    vr_health_kind want;
  } table[] = {{VR_OUTCOME_OK, "", VR_HEALTH_OK},
               {VR_OUTCOME_WAITING, "no vCPU online", VR_HEALTH_OK},
               {VR_OUTCOME_CONFLICT, "split", VR_HEALTH_CONFLICT},
               {VR_OUTCOME_INVALID, "bad name", VR_HEALTH_INVALID}};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    vr_group_outcome o = {.kind = table[i].outcome};
    snprintf(o.reason, sizeof(o.reason), "%s", table[i].reason);
    vr_health h;
    vr_health_from_outcome(&o, &h);
    assert_int_equal(h.kind, table[i].want);
    assert_string_equal(h.reason, vr_health_is_problem(h.kind) ? o.reason : "");
  }
}

static void test_from_create_error(void **state) {
  (void)state;
  static const struct {
    int err;
    vr_health_kind want;
    const char *mentions;
    const char *detail;
  } table[] = {
      {-ENOSPC, VR_HEALTH_RMID_EXHAUSTED, "no RMID left (ENOSPC)", ""},
      {-ENOSPC, VR_HEALTH_RMID_EXHAUSTED, "(ENOSPC: Out of RMIDs)",
       "Out of RMIDs"},
      {-EBUSY, VR_HEALTH_RMID_LIMBO, "limbo (EBUSY)", ""},
      {-EPERM, VR_HEALTH_CONFLICT, "Operation not permitted", ""},
      {-EINVAL, VR_HEALTH_CONFLICT, "group: mkdir said no", "mkdir said no"}};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
    vr_health h;
    assert_int_equal(
        vr_health_from_create_error(table[i].err, table[i].detail, &h),
        table[i].want);
    assert_int_equal(h.kind, table[i].want);
    assert_non_null(strstr(h.reason, table[i].mentions));
  }
}

static void test_problem_class(void **state) {
  (void)state;
  assert_int_equal(vr_health_problem(VR_HEALTH_INVALID),
                   VR_PROBLEM_INVALID_NAME);
  assert_int_equal(vr_health_problem(VR_HEALTH_CONFLICT), VR_PROBLEM_CONFLICT);
  assert_int_equal(vr_health_problem(VR_HEALTH_RMID_EXHAUSTED),
                   VR_PROBLEM_NO_RMID);
  assert_int_equal(vr_health_problem(VR_HEALTH_RMID_LIMBO),
                   VR_PROBLEM_RMID_LIMBO);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_is_problem),
      cmocka_unit_test(test_from_outcome),
      cmocka_unit_test(test_from_create_error),
      cmocka_unit_test(test_problem_class),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
