/* SPDX-License-Identifier: MIT */
/*
 * libvirt's own monitor groups in resctrl's state
 * (src/plan/libvirt_monitors.h): which directories are found, and how they
 * change reconcile's plan.
 */
#include "plan/libvirt_monitors.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"
#define ALLOC "qemu-1-l1-vcpus_0-2"

static vr_domain doms[2];
static vr_domain_list domains = {doms, 2};

static void setup_domains(void) {
  memset(doms, 0, sizeof(doms));
  doms[0].name = "l1";
  strcpy(doms[0].uuid, U1);
  doms[0].id = 1;
  doms[1].name = "l2";
  strcpy(doms[1].uuid, U2);
  doms[1].id = 2;
}

static const pid_t l1_tids[] = {100, 101, 102};
static const pid_t l2_tids[] = {200};

static vr_desired_group group(const char *uuid, const char *name,
                              const char *members, const vr_vcpu_thread *t,
                              size_t n) {
  bool l1 = strcmp(uuid, U1) == 0;
  return (vr_desired_group){
      .uuid = uuid,
      .domain = l1 ? "l1" : "l2",
      .group = name,
      .members = members,
      .threads = t,
      .n_threads = n,
      .domain_vcpu_tids = l1 ? l1_tids : l2_tids,
      .n_domain_vcpu_tids = l1 ? 3 : 1,
  };
}

static void add_task(vr_resctrl_state *s, pid_t tid, const char *ctrl,
                     const char *mon) {
  vr_task_place *p = &s->tasks[s->n_tasks++];
  p->tid = tid;
  snprintf(p->ctrl, sizeof(p->ctrl), "%s", ctrl);
  snprintf(p->mon, sizeof(p->mon), "%s", mon);
}

static pid_t tid_store[16][4];

static void add_mon(vr_resctrl_state *s, const char *ctrl, const char *name,
                    pid_t a, pid_t b) {
  size_t i = s->n_mon_groups++;
  vr_mon_group_state *g = &s->mon_groups[i];
  snprintf(g->ctrl, sizeof(g->ctrl), "%s", ctrl);
  snprintf(g->name, sizeof(g->name), "%s", name);
  tid_store[i][0] = a;
  tid_store[i][1] = b;
  g->tids = tid_store[i];
  g->n_tids = (a != 0) + (b != 0);
}

static int count_kind(const vr_plan *p, vr_action_kind kind, size_t desired) {
  int n = 0;
  for (size_t i = 0; i < p->n_actions; i++)
    n += p->actions[i].kind == kind && p->actions[i].desired == desired;
  return n;
}

static const vr_lv_monitor *by_id(const vr_lv_monitor_set *m, const char *id) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->items[i].group.id, id) == 0)
      return &m->items[i];
  return NULL;
}

/* libvirt's MON groups under the root (a <cachetune> of monitors only). */
static void test_mon_groups_at_root(void **state) {
  (void)state;
  setup_domains();
  vr_task_place tasks[8];
  vr_mon_group_state mons[8];
  vr_resctrl_state s = {.tasks = tasks, .mon_groups = mons};
  add_task(&s, 100, "", "qemu-1-l1-vcpus_0-1");
  add_task(&s, 101, "", "qemu-1-l1-vcpus_0-1");
  add_task(&s, 102, "", "qemu-1-l1-vcpus_2");
  add_mon(&s, "", "qemu-1-l1-vcpus_0-1", 100, 101);
  add_mon(&s, "", "qemu-1-l1-vcpus_2", 102, 0);
  /* An earlier run of l1 (id 7), pqos's group, a set not libvirt's. */
  add_mon(&s, "", "qemu-7-l1-vcpus_3", 0, 0);
  add_mon(&s, "", "pqos1", 0, 0);
  add_mon(&s, "", "qemu-1-l1-vcpus_0,1", 0, 0);

  vr_vcpu_thread db[] = {{2, 102, VR_THREAD_VCPU}};
  vr_vcpu_thread part[] = {{0, 100, VR_THREAD_VCPU}};
  vr_vcpu_thread mine[] = {{0, 200, VR_THREAD_VCPU}};
  vr_desired_group want[] = {group(U1, "db", "2", db, 1),
                             group(U1, "part", "0", part, 1),
                             group(U2, "vcpus_0", "0", mine, 1)};
  vr_plan plan;
  assert_int_equal(vr_reconcile(want, 3, &s, "vr_", &plan), 0);
  assert_int_equal(plan.outcomes[0].kind, VR_OUTCOME_CONFLICT);

  vr_lv_monitor_set found;
  assert_int_equal(vr_lv_monitors_find(&domains, &s, &found), 0);
  assert_int_equal(found.n, 2);
  const vr_lv_monitor *m01 = by_id(&found, "vcpus_0-1");
  assert_non_null(m01);
  assert_int_equal(m01->group.kind, VR_LV_MON);
  assert_string_equal(m01->ctrl, "");
  assert_string_equal(m01->name, "qemu-1-l1-vcpus_0-1");
  assert_string_equal(m01->members, "0,1");
  assert_string_equal(m01->domain, "l1");
  assert_string_equal(m01->uuid, U1);

  assert_int_equal(vr_lv_monitors_apply(&found, want, 3, &s, &plan), 0);
  /* db has exactly vcpus_2's vCPUs: it reads libvirt's group. */
  assert_int_equal(plan.outcomes[0].kind, VR_OUTCOME_OK);
  assert_string_equal(plan.outcomes[0].ctrl, "");
  assert_string_equal(plan.outcomes[0].name, "qemu-1-l1-vcpus_2");
  assert_int_equal(by_id(&found, "vcpus_2")->served, 0);
  assert_int_equal(m01->served, VR_NO_DESIRED);
  /* part overlaps vcpus_0-1 partly: still reconcile's conflict. */
  assert_int_equal(plan.outcomes[1].kind, VR_OUTCOME_CONFLICT);
  /* Nothing is done to libvirt's groups; l2's group of ours is made. */
  assert_int_equal(count_kind(&plan, VR_ACTION_CREATE, 2), 1);
  assert_int_equal(count_kind(&plan, VR_ACTION_ASSIGN, 2), 1);
  assert_int_equal(plan.n_actions, 2);
  assert_int_equal(plan.outcomes[2].kind, VR_OUTCOME_OK);
  vr_plan_clear(&plan);
  vr_lv_monitors_clear(&found);
}

/* libvirt's allocation (CTRL_MON) with a monitor of its own vCPUs (the
 * directory itself) and one MON group below it. */
static void test_allocation(void **state) {
  (void)state;
  setup_domains();
  vr_task_place tasks[8];
  vr_mon_group_state mons[8];
  vr_resctrl_state s = {.tasks = tasks, .mon_groups = mons};
  add_task(&s, 100, ALLOC, "vr_" U1 "_part");
  add_task(&s, 101, ALLOC, "");
  add_task(&s, 102, ALLOC, "qemu-1-l1-vcpus_2");
  add_mon(&s, ALLOC, "qemu-1-l1-vcpus_2", 102, 0);
  /* A group of ours below libvirt's allocation (an older plugin made it). */
  add_mon(&s, ALLOC, "vr_" U1 "_part", 100, 0);

  vr_vcpu_thread part[] = {{0, 100, VR_THREAD_VCPU}};
  vr_desired_group want[] = {group(U1, "part", "0", part, 1)};
  vr_plan plan;
  assert_int_equal(vr_reconcile(want, 1, &s, "vr_", &plan), 0);
  assert_int_equal(plan.outcomes[0].kind, VR_OUTCOME_OK);
  assert_int_equal(plan.n_actions, 0);

  vr_lv_monitor_set found;
  assert_int_equal(vr_lv_monitors_find(&domains, &s, &found), 0);
  assert_int_equal(found.n, 2);
  const vr_lv_monitor *alloc = by_id(&found, "vcpus_0-2");
  assert_non_null(alloc);
  assert_int_equal(alloc->group.kind, VR_LV_CTRL_MON);
  assert_string_equal(alloc->ctrl, ALLOC);
  assert_string_equal(alloc->name, "");
  assert_string_equal(alloc->members, "0,1,2");
  const vr_lv_monitor *m2 = by_id(&found, "vcpus_2");
  assert_string_equal(m2->ctrl, ALLOC);
  assert_string_equal(m2->group.alloc, ALLOC);

  /* Ours stays below libvirt's allocation: its threads can be in no MON
   * group elsewhere without leaving the allocation (the kernel puts a MON
   * group's tasks in its parent's CLOSID), which we never do. */
  assert_int_equal(vr_lv_monitors_apply(&found, want, 1, &s, &plan), 0);
  assert_int_equal(plan.outcomes[0].kind, VR_OUTCOME_OK);
  assert_string_equal(plan.outcomes[0].ctrl, ALLOC);
  assert_int_equal(plan.n_actions, 0);
  vr_plan_clear(&plan);
  vr_lv_monitors_clear(&found);
}

/* A metadata group with exactly the allocation's vCPUs reads the CTRL_MON
 * group itself: no MON group of ours is made below it. */
static void test_allocation_served(void **state) {
  (void)state;
  setup_domains();
  vr_task_place tasks[8];
  vr_mon_group_state mons[8];
  vr_resctrl_state s = {.tasks = tasks, .mon_groups = mons};
  add_task(&s, 100, ALLOC, "");
  add_task(&s, 101, ALLOC, "");
  add_task(&s, 102, ALLOC, "");
  vr_vcpu_thread all[] = {{0, 100, VR_THREAD_VCPU},
                          {1, 101, VR_THREAD_VCPU},
                          {2, 102, VR_THREAD_VCPU}};
  vr_desired_group want[] = {group(U1, "whole", "0,1,2", all, 3)};
  vr_plan plan;
  assert_int_equal(vr_reconcile(want, 1, &s, "vr_", &plan), 0);
  assert_int_equal(count_kind(&plan, VR_ACTION_CREATE, 0), 1);

  vr_lv_monitor_set found;
  assert_int_equal(vr_lv_monitors_find(&domains, &s, &found), 0);
  assert_int_equal(found.n, 1);
  assert_int_equal(vr_lv_monitors_apply(&found, want, 1, &s, &plan), 0);
  assert_int_equal(plan.n_actions, 0);
  assert_int_equal(plan.outcomes[0].kind, VR_OUTCOME_OK);
  assert_string_equal(plan.outcomes[0].ctrl, ALLOC);
  assert_string_equal(plan.outcomes[0].name, "");
  assert_int_equal(found.items[0].served, 0);
  vr_plan_clear(&plan);
  vr_lv_monitors_clear(&found);
}

/* No libvirt group: the plan is left as reconcile made it. */
static void test_none(void **state) {
  (void)state;
  setup_domains();
  vr_task_place tasks[2];
  vr_mon_group_state mons[2];
  vr_resctrl_state s = {.tasks = tasks, .mon_groups = mons};
  /* l2 runs as id 2: a group named for id 3 is another run's. */
  add_task(&s, 200, "qemu-3-l2-vcpus_0", "");
  vr_vcpu_thread mine[] = {{0, 200, VR_THREAD_VCPU}};
  vr_desired_group want[] = {group(U2, "vcpus_0", "0", mine, 1)};
  vr_plan plan;
  assert_int_equal(vr_reconcile(want, 1, &s, "vr_", &plan), 0);
  size_t before = plan.n_actions;
  vr_lv_monitor_set found;
  assert_int_equal(vr_lv_monitors_find(&domains, &s, &found), 0);
  assert_int_equal(found.n, 0);
  assert_int_equal(vr_lv_monitors_apply(&found, want, 1, &s, &plan), 0);
  assert_int_equal(plan.n_actions, before);
  assert_int_equal(plan.outcomes[0].kind, VR_OUTCOME_OK);
  vr_plan_clear(&plan);
  vr_lv_monitors_clear(&found);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mon_groups_at_root),
      cmocka_unit_test(test_allocation),
      cmocka_unit_test(test_allocation_served),
      cmocka_unit_test(test_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
