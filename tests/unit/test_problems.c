/* SPDX-License-Identifier: MIT */
/* Problems per (domain, class): one WARNING when one appears, nothing while
 * it stays, one OKAY when it is gone, however many groups share a label. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"

/* One pass: moves table, returns the notices (caller clears). */
static vr_notice_list pass(vr_problem_table *table, vr_finding *f, size_t n,
                           vr_scope_fn scope, const void *ctx) {
  vr_notice_list notices;
  assert_int_equal(vr_problems_update(table, f, n, scope, ctx, &notices), 0);
  return notices;
}

static void test_one_group_warns_once_and_clears(void **state) {
  (void)state;
  vr_problem_table table = {0};
  vr_finding bad = {U1, "web", VR_PROBLEM_INVALID_SET, "db",
                    "vCPU 9 is beyond the domain's 2"};
  vr_notice_list n = pass(&table, &bad, 1, NULL, NULL);
  assert_int_equal(n.n, 1);
  assert_int_equal(n.items[0].severity, VR_NOTICE_WARNING);
  assert_string_equal(n.items[0].instance, "web:db");
  assert_string_equal(n.items[0].message,
                      "domain web group db: vCPU 9 is beyond the domain's 2");
  vr_notice_list_clear(&n);
  for (int i = 0; i < 5; i++) { /* stays: silent */
    n = pass(&table, &bad, 1, NULL, NULL);
    assert_int_equal(n.n, 0);
    vr_notice_list_clear(&n);
  }
  n = pass(&table, NULL, 0, NULL, NULL);
  assert_int_equal(n.n, 1);
  assert_int_equal(n.items[0].severity, VR_NOTICE_OKAY);
  assert_string_equal(n.items[0].instance, "web:db");
  assert_non_null(strstr(n.items[0].message, "domain web group db: cleared"));
  vr_notice_list_clear(&n);
  assert_int_equal(table.n, 0);
  vr_problem_table_clear(&table);
}

/* The flood: 1,000 rejections all labelled "z", each with its own reason,
 * and two groups of one name. Keyed by label they flipped every pass. */
static void test_shared_label_is_one_problem(void **state) {
  (void)state;
  enum { N = 1000 };
  static char reasons[N][48];
  vr_finding *f = calloc(N + 1, sizeof(*f));
  assert_non_null(f);
  for (size_t i = 0; i < N; i++) {
    snprintf(reasons[i], sizeof(reasons[i]), "vCPU %zu is beyond 2", i + 2);
    f[i] = (vr_finding){U1, "web", VR_PROBLEM_INVALID_SET, "z", reasons[i]};
  }
  f[N] = (vr_finding){U1, "web", VR_PROBLEM_DUPLICATE, "same",
                      "duplicate group name"};
  vr_problem_table table = {0};
  vr_notice_list n = pass(&table, f, N + 1, NULL, NULL);
  assert_int_equal(n.n, 2);
  size_t sets = strstr(n.items[0].message, "1000 groups") ? 0 : 1;
  assert_string_equal(n.items[sets].instance, "web:(metadata)");
  assert_string_equal(n.items[sets].message,
                      "domain web: 1000 groups, invalid vCPU or iothread sets "
                      "(z, z, z, z, z, ...): vCPU 2 is beyond 2");
  assert_string_equal(n.items[1 - sets].instance, "web:same");
  vr_notice_list_clear(&n);
  for (int round = 0; round < 10; round++) {
    /* whatever order the pass finds them in */
    vr_finding t = f[round];
    f[round] = f[N - round];
    f[N - round] = t;
    n = pass(&table, f, N + 1, NULL, NULL);
    assert_int_equal(n.n, 0);
    vr_notice_list_clear(&n);
  }
  assert_int_equal(table.n, 2);
  vr_problem_table_clear(&table);
  free(f);
}

/* ENOSPC then EBUSY for one group: the OKAY of the old class comes before
 * the WARNING of the new one, so the last word on web:m is "in limbo". */
static void test_class_change_okay_first(void **state) {
  (void)state;
  vr_problem_table table = {0};
  vr_finding full = {U1, "web", VR_PROBLEM_NO_RMID, "m", "no RMID left"};
  vr_finding limbo = {U1, "web", VR_PROBLEM_RMID_LIMBO, "m", "in limbo"};
  vr_notice_list n = pass(&table, &full, 1, NULL, NULL);
  vr_notice_list_clear(&n);
  n = pass(&table, &limbo, 1, NULL, NULL);
  assert_int_equal(n.n, 2);
  assert_int_equal(n.items[0].severity, VR_NOTICE_OKAY);
  assert_non_null(strstr(n.items[0].message, "no RMID left"));
  assert_int_equal(n.items[1].severity, VR_NOTICE_WARNING);
  assert_string_equal(n.items[1].message, "domain web group m: in limbo");
  vr_notice_list_clear(&n);
  vr_problem_table_clear(&table);
}

/* A problem that grows from one group to several keeps its instance: the
 * OKAY goes where the WARNING went. */
static void test_okay_goes_where_warning_went(void **state) {
  (void)state;
  vr_problem_table table = {0};
  vr_finding two[] = {{U1, "web", VR_PROBLEM_CONFLICT, "a", "split"},
                      {U1, "web", VR_PROBLEM_CONFLICT, "b", "split"}};
  vr_notice_list n = pass(&table, two, 1, NULL, NULL);
  vr_notice_list_clear(&n);
  n = pass(&table, two, 2, NULL, NULL);
  assert_int_equal(n.n, 0);
  vr_notice_list_clear(&n);
  n = pass(&table, NULL, 0, NULL, NULL);
  assert_int_equal(n.n, 1);
  assert_string_equal(n.items[0].instance, "web:a");
  vr_notice_list_clear(&n);
  vr_problem_table_clear(&table);
}

static bool only_u2(const char *uuid, const void *ctx) {
  (void)ctx;
  return strcmp(uuid, U2) == 0;
}

/* A pass scoped to U2 neither clears nor repeats U1's problem. */
static void test_scope_keeps_other_domains(void **state) {
  (void)state;
  vr_problem_table table = {0};
  vr_finding f[] = {{U2, "db", VR_PROBLEM_OVERLAP, "x", "vCPU 0 is in y"},
                    {U1, "web", VR_PROBLEM_OVER_CAP, "(metadata)", "cap"}};
  vr_notice_list n = pass(&table, f, 2, NULL, NULL);
  assert_int_equal(n.n, 2);
  vr_notice_list_clear(&n);
  n = pass(&table, NULL, 0, only_u2, NULL);
  assert_int_equal(n.n, 1);
  assert_string_equal(n.items[0].instance, "db:x");
  vr_notice_list_clear(&n);
  assert_int_equal(table.n, 1);
  n = pass(&table, NULL, 0, NULL, NULL);
  assert_int_equal(n.n, 1);
  assert_string_equal(n.items[0].instance, "web:(metadata)");
  vr_notice_list_clear(&n);
  vr_problem_table_clear(&table);
}

/* Two domains, one class: two problems, each under its own domain. */
static void test_same_class_two_domains(void **state) {
  (void)state;
  vr_problem_table table = {0};
  vr_finding f[] = {{U1, "web", VR_PROBLEM_DUPLICATE, "a", "duplicate"},
                    {U2, "db", VR_PROBLEM_DUPLICATE, "a", "duplicate"}};
  vr_notice_list n = pass(&table, f, 2, NULL, NULL);
  assert_int_equal(n.n, 2);
  assert_string_not_equal(n.items[0].instance, n.items[1].instance);
  vr_notice_list_clear(&n);
  vr_problem_table_clear(&table);
}

static void test_long_names_are_cut(void **state) {
  (void)state;
  char name[300];
  memset(name, 'n', sizeof(name) - 1);
  name[sizeof(name) - 1] = '\0';
  vr_problem_table table = {0};
  vr_finding f = {U1, name, VR_PROBLEM_CONFLICT, "a", "why"};
  vr_notice_list n = pass(&table, &f, 1, NULL, NULL);
  assert_int_equal(n.n, 1);
  assert_int_equal(strlen(n.items[0].instance), VR_NOTICE_INSTANCE_LEN - 1);
  assert_int_equal(strlen(n.items[0].message), VR_NOTICE_MSG_LEN - 1);
  assert_string_equal(n.items[0].message + VR_NOTICE_MSG_LEN - 4, "...");
  vr_notice_list_clear(&n);
  vr_problem_table_clear(&table);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_group_warns_once_and_clears),
      cmocka_unit_test(test_shared_label_is_one_problem),
      cmocka_unit_test(test_class_change_okay_first),
      cmocka_unit_test(test_okay_goes_where_warning_went),
      cmocka_unit_test(test_scope_keeps_other_domains),
      cmocka_unit_test(test_same_class_two_domains),
      cmocka_unit_test(test_long_names_are_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
