/* SPDX-License-Identifier: MIT */
/* Group health: which notification each change of state sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/group_health.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char *what;
  vr_health_kind before;
  const char *before_reason;
  vr_health_kind after;
  const char *after_reason;
  vr_notice_severity severity;
  const char *message; /* exact, or NULL when none */
} hcase;

static const hcase cases[] = {
    {"first sight, fine: silent", VR_HEALTH_UNKNOWN, "", VR_HEALTH_OK, "",
     VR_NOTICE_NONE, NULL},
    {"first sight, conflict: warn", VR_HEALTH_UNKNOWN, "", VR_HEALTH_CONFLICT,
     "vCPU 1 (thread 7) is in MON group 'm'", VR_NOTICE_WARNING,
     "domain web group db: vCPU 1 (thread 7) is in MON group 'm'"},
    {"first sight, invalid metadata: warn", VR_HEALTH_UNKNOWN, "",
     VR_HEALTH_INVALID, "vCPU 9 is not below 4", VR_NOTICE_WARNING,
     "domain web group db: vCPU 9 is not below 4"},
    {"ok stays ok: silent", VR_HEALTH_OK, "", VR_HEALTH_OK, "", VR_NOTICE_NONE,
     NULL},
    {"ok to ENOSPC: warn", VR_HEALTH_OK, "", VR_HEALTH_RMID_EXHAUSTED,
     "no RMID left", VR_NOTICE_WARNING, "domain web group db: no RMID left"},
    {"ok to EBUSY: warn", VR_HEALTH_OK, "", VR_HEALTH_RMID_LIMBO,
     "RMIDs in limbo", VR_NOTICE_WARNING,
     "domain web group db: RMIDs in limbo"},
    {"same conflict again: silent", VR_HEALTH_CONFLICT, "r1",
     VR_HEALTH_CONFLICT, "r1", VR_NOTICE_NONE, NULL},
    {"same ENOSPC again: silent", VR_HEALTH_RMID_EXHAUSTED, "no RMID left",
     VR_HEALTH_RMID_EXHAUSTED, "no RMID left", VR_NOTICE_NONE, NULL},
    {"conflict with another reason: warn again", VR_HEALTH_CONFLICT, "r1",
     VR_HEALTH_CONFLICT, "r2", VR_NOTICE_WARNING, "domain web group db: r2"},
    {"EBUSY to ENOSPC: warn", VR_HEALTH_RMID_LIMBO, "x",
     VR_HEALTH_RMID_EXHAUSTED, "x", VR_NOTICE_WARNING,
     "domain web group db: x"},
    {"conflict clears: okay", VR_HEALTH_CONFLICT, "r1", VR_HEALTH_OK, "",
     VR_NOTICE_OKAY, "domain web group db: monitored again"},
    {"ENOSPC clears: okay", VR_HEALTH_RMID_EXHAUSTED, "x", VR_HEALTH_OK, "",
     VR_NOTICE_OKAY, "domain web group db: monitored again"},
    {"invalid fixed: okay", VR_HEALTH_INVALID, "x", VR_HEALTH_OK, "",
     VR_NOTICE_OKAY, "domain web group db: monitored again"},
    {"problem, then domain stopped: okay", VR_HEALTH_CONFLICT, "r1",
     VR_HEALTH_GONE, "", VR_NOTICE_OKAY,
     "domain web group db: no longer monitored (domain stopped or group "
     "removed)"},
    {"ok, then domain stopped: silent", VR_HEALTH_OK, "", VR_HEALTH_GONE, "",
     VR_NOTICE_NONE, NULL},
    {"gone, back with a problem: warn", VR_HEALTH_GONE, "", VR_HEALTH_CONFLICT,
     "r1", VR_NOTICE_WARNING, "domain web group db: r1"},
    {"gone, back fine: silent", VR_HEALTH_GONE, "", VR_HEALTH_OK, "",
     VR_NOTICE_NONE, NULL},
};

static void test_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const hcase *tc = &cases[i];
    print_message("case %zu: %s\n", i, tc->what);
    vr_health health, next;
    vr_health_set(&health, tc->before, "%s", tc->before_reason);
    vr_health_set(&next, tc->after, "%s", tc->after_reason);
    vr_notice notice;
    vr_health_update(&health, &next, "web", "db", &notice);
    assert_int_equal(notice.severity, tc->severity);
    if (tc->message)
      assert_string_equal(notice.message, tc->message);
    else
      assert_string_equal(notice.message, "");
    assert_int_equal(health.kind, tc->after);
    /* The same outcome again never notifies: once per change of state. */
    vr_health_update(&health, &next, "web", "db", &notice);
    assert_int_equal(notice.severity, VR_NOTICE_NONE);
  }
}

/* A sequence as the glue sees it across resyncs. */
static void test_sequence(void **state) {
  (void)state;
  static const struct {
    vr_health_kind kind;
    const char *reason;
    vr_notice_severity want;
  } steps[] = {
      {VR_HEALTH_UNKNOWN, "", VR_NOTICE_NONE},
      {VR_HEALTH_RMID_LIMBO, "limbo", VR_NOTICE_WARNING},
      {VR_HEALTH_RMID_LIMBO, "limbo", VR_NOTICE_NONE},
      {VR_HEALTH_RMID_LIMBO, "limbo", VR_NOTICE_NONE},
      {VR_HEALTH_OK, "", VR_NOTICE_OKAY},
      {VR_HEALTH_OK, "", VR_NOTICE_NONE},
      {VR_HEALTH_CONFLICT, "c", VR_NOTICE_WARNING},
      {VR_HEALTH_GONE, "", VR_NOTICE_OKAY},
      {VR_HEALTH_GONE, "", VR_NOTICE_NONE},
  };
  vr_health health = {.kind = VR_HEALTH_UNKNOWN};
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    vr_health next;
    vr_health_set(&next, steps[i].kind, "%s", steps[i].reason);
    vr_notice notice;
    vr_health_update(&health, &next, "web", "db", &notice);
    assert_int_equal(notice.severity, steps[i].want);
  }
}

static void test_long_message_is_cut_and_marked(void **state) {
  (void)state;
  char reason[VR_REASON_MAX];
  memset(reason, 'r', sizeof(reason) - 1);
  reason[sizeof(reason) - 1] = '\0';
  vr_health health = {.kind = VR_HEALTH_OK}, next;
  vr_health_set(&next, VR_HEALTH_CONFLICT, "%s and more", reason);
  assert_int_equal(strlen(next.reason), VR_REASON_MAX - 1);
  assert_string_equal(next.reason + VR_REASON_MAX - 4, "...");
  vr_notice notice;
  vr_health_update(&health, &next, "web", "db", &notice);
  assert_int_equal(notice.severity, VR_NOTICE_WARNING);
  assert_int_equal(strlen(notice.message), VR_NOTICE_MSG_LEN - 1);
  assert_true(strncmp(notice.message, "domain web group db: rrr", 24) == 0);
  assert_string_equal(notice.message + VR_NOTICE_MSG_LEN - 4, "...");
}

static void test_is_problem(void **state) {
  (void)state;
  static const struct {
    vr_health_kind kind;
    bool problem;
  } table[] = {{VR_HEALTH_UNKNOWN, false},       {VR_HEALTH_OK, false},
               {VR_HEALTH_INVALID, true},        {VR_HEALTH_CONFLICT, true},
               {VR_HEALTH_RMID_EXHAUSTED, true}, {VR_HEALTH_RMID_LIMBO, true},
               {VR_HEALTH_GONE, false}};
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_sequence),
      cmocka_unit_test(test_long_message_is_cut_and_marked),
      cmocka_unit_test(test_is_problem),
      cmocka_unit_test(test_from_outcome),
      cmocka_unit_test(test_from_create_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
