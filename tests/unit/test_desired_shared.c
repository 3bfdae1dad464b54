/* SPDX-License-Identifier: MIT */
/* Desired groups from domain snapshots (desired.c), then reconcile: what a
 * domain whose vCPUs share one thread (QEMU's round-robin TCG, "ALL
 * CPUs/TCG") turns into (doc/design.md, "Thread placement"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/desired.h"

#include <stdlib.h>
#include <string.h>

#define UUID "11111111-1111-1111-1111-111111111111"

/* One domain of four vCPUs with the given thread ids and metadata. */
static void one_domain(vr_domain_list *list, vr_domain *dom, pid_t *tids,
                       const char *metadata) {
  memset(dom, 0, sizeof(*dom));
  dom->name = (char *)"tcg";
  strcpy(dom->uuid, UUID);
  dom->max_vcpus = 4;
  dom->metadata = (char *)metadata;
  dom->vcpu_tids = tids;
  list->domains = dom;
  list->count = 1;
}

/* Reconciles d against an empty resctrl; returns how many outcomes are
 * conflicts. */
static size_t conflicts(const vr_desired_set *d) {
  vr_resctrl_state state = {0};
  vr_plan plan;
  assert_int_equal(vr_reconcile(d->groups, d->n, &state, "vr_", &plan), 0);
  size_t n = 0;
  for (size_t i = 0; i < plan.n_outcomes; i++)
    n += plan.outcomes[i].kind == VR_OUTCOME_CONFLICT;
  vr_plan_clear(&plan);
  return n;
}

static void shared_thread_subsets_said_once(void **state) {
  (void)state;
  pid_t tids[4] = {500, 500, 500, 500};
  vr_domain dom;
  vr_domain_list list;
  vr_desired_set d;
  one_domain(&list, &dom, tids,
             "<resmon><group name='a' vcpus='0-1'/>"
             "<group name='b' vcpus='2-3'/></resmon>");
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_NONE, &d), 0);
  assert_int_equal(d.n, 0);
  assert_int_equal(d.n_rejections, 1);
  assert_string_equal(d.rejections[0].rejection->group,
                      VR_DESIRED_SHARED_LABEL);
  assert_non_null(
      strstr(d.rejections[0].rejection->reason, "cannot be told apart"));
  assert_int_equal(conflicts(&d), 0);
  vr_desired_clear(&d);
}

static void shared_thread_whole_vm_group_monitored(void **state) {
  (void)state;
  pid_t tids[4] = {500, 500, 500, 500};
  vr_domain dom;
  vr_domain_list list;
  vr_desired_set d;
  one_domain(&list, &dom, tids,
             "<resmon><group name='all' vcpus='0-3'/>"
             "<group name='b' vcpus='2-3'/></resmon>");
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_NONE, &d), 0);
  assert_int_equal(d.n, 1);
  assert_string_equal(d.groups[0].group, "all");
  assert_int_equal(d.groups[0].n_threads, 1);
  assert_int_equal(d.groups[0].threads[0].tid, 500);
  assert_int_equal(d.n_rejections, 1);
  assert_int_equal(conflicts(&d), 0);
  vr_desired_clear(&d);
}

static void distinct_threads_unchanged(void **state) {
  (void)state;
  pid_t tids[4] = {501, 502, 503, 0};
  vr_domain dom;
  vr_domain_list list;
  vr_desired_set d;
  one_domain(&list, &dom, tids,
             "<resmon><group name='a' vcpus='0-1'/>"
             "<group name='b' vcpus='2-3'/></resmon>");
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_NONE, &d), 0);
  assert_int_equal(d.n, 2);
  assert_int_equal(d.groups[0].n_threads, 2);
  assert_int_equal(d.groups[1].n_threads, 1); /* vCPU 3 offline */
  assert_int_equal(d.n_rejections, 0);
  assert_int_equal(conflicts(&d), 0);
  vr_desired_clear(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(shared_thread_subsets_said_once),
      cmocka_unit_test(shared_thread_whole_vm_group_monitored),
      cmocka_unit_test(distinct_threads_unchanged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
