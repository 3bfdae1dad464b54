/* SPDX-License-Identifier: MIT */
/* RMID fairness (src/plan/rmid_share.h): reconcile plans a world of
 * domains and groups, some holding a MON group already; vr_rmid_share then
 * orders, flags or yields, and the plan and verdicts are checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/rmid_share.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXG 8

static const char *const uuids[] = {
    "11111111-1111-1111-1111-111111111111",
    "22222222-2222-2222-2222-222222222222",
    "33333333-3333-3333-3333-333333333333",
};
static const char *const names[] = {"A", "B", "C"};

typedef struct {
  int dom;    /* index into uuids; -1 ends the list */
  char group; /* one letter */
  bool held;  /* its MON group exists with its thread */
  vr_mbm_priority mbm;
} spec;

typedef struct {
  vr_resctrl_state state;
  vr_task_place tasks[MAXG];
  vr_mon_group_state groups[MAXG];
  pid_t tids[MAXG];
  char group_names[MAXG][2];
  vr_vcpu_thread threads[MAXG];
  vr_desired_group desired[MAXG];
  size_t n;
  vr_plan plan;
  vr_rmid_wait waits[MAXG];
} world;

static void build(const spec *s, world *w) {
  memset(w, 0, sizeof(*w));
  w->state.tasks = w->tasks;
  w->state.mon_groups = w->groups;
  for (size_t i = 0; i < MAXG && s[i].dom >= 0; i++) {
    pid_t tid = (pid_t)(100 + i); /* ascending: tasks stay sorted */
    w->group_names[i][0] = s[i].group;
    w->threads[i] = (vr_vcpu_thread){.vcpu = (unsigned)i, .tid = tid};
    w->tids[i] = tid;
    w->desired[w->n++] = (vr_desired_group){
        .uuid = uuids[s[i].dom],
        .domain = names[s[i].dom],
        .group = w->group_names[i],
        .members = "0",
        .mbm = s[i].mbm,
        .threads = &w->threads[i],
        .n_threads = 1,
        .domain_vcpu_tids = &w->tids[i],
        .n_domain_vcpu_tids = 1,
    };
    if (!s[i].held)
      continue;
    vr_mon_group_state *m = &w->groups[w->state.n_mon_groups++];
    assert_int_equal(vr_owned_name_format("vr_", uuids[s[i].dom],
                                          w->group_names[i], m->name,
                                          sizeof(m->name)),
                     0);
    m->tids = &w->tids[i];
    m->n_tids = 1;
    vr_task_place *p = &w->tasks[w->state.n_tasks++];
    p->tid = tid;
    assert_int_equal(vr_owned_name_format("vr_", uuids[s[i].dom],
                                          w->group_names[i], p->mon,
                                          sizeof(p->mon)),
                     0);
  }
}

/* Plans the world and shares its RMIDs; starved: a bit per domain index
 * whose last mkdir failed with ENOSPC. */
static void plan(world *w, unsigned starved) {
  char list[3][VR_UUID_STRING_LEN + 1];
  size_t n = 0;
  for (int d = 0; d < 3; d++)
    if (starved & (1u << d))
      snprintf(list[n++], sizeof(list[0]), "%s", uuids[d]);
  assert_int_equal(vr_reconcile(w->desired, w->n, &w->state, "vr_", &w->plan),
                   0);
  assert_int_equal(
      vr_rmid_share(w->desired, w->n, "vr_", list, n, &w->plan, w->waits), 0);
}

/* The plan as "REMOVE A/b CREATE B/x CREATE+ A/c ASSIGN B/x ..."
 * (domain/group; CREATE+ is behind the first ones). */
static void summary(const world *w, char *buf, size_t len) {
  static const char *const kinds[] = {"REMOVE", "CREATE", "ASSIGN", "RELEASE"};
  size_t used = 0;
  buf[0] = '\0';
  for (size_t a = 0; a < w->plan.n_actions; a++) {
    const vr_action *act = &w->plan.actions[a];
    char uuid[64] = "", group[VR_GROUP_NAME_MAX + 1] = "";
    const char *dom = "?";
    if (vr_owned_name_parse("vr_", act->name, uuid, group))
      for (int d = 0; d < 3; d++)
        if (strcmp(uuid, uuids[d]) == 0)
          dom = names[d];
    used += (size_t)snprintf(buf + used, len - used, "%s%s%s %s/%s",
                             used ? " " : "", kinds[act->kind],
                             act->behind_firsts ? "+" : "", dom, group);
  }
}

static void expect_plan(const world *w, const char *want) {
  char got[1024];
  summary(w, got, sizeof(got));
  assert_string_equal(got, want);
}

static void teardown_world(world *w) { vr_plan_clear(&w->plan); }

/* A domain without a group goes first: B's x before A's second group c,
 * though A comes first in the list; c is tried only behind it. */
static void test_firsts_first(void **unused) {
  (void)unused;
  static const spec s[] = {{0, 'a', true, 0},
                           {0, 'c', false, 0},
                           {1, 'x', false, 0},
                           {-1, 0, false, 0}};
  world w;
  build(s, &w);
  plan(&w, 0);
  expect_plan(&w, "CREATE B/x CREATE+ A/c ASSIGN A/c ASSIGN B/x");
  for (size_t i = 0; i < w.n; i++)
    assert_int_equal(w.waits[i].verdict, VR_RMID_SERVED);
  teardown_world(&w);
}

/* mbm="high" does not put a second group before another domain's first. */
static void test_mbm_high_stays_behind(void **unused) {
  (void)unused;
  static const spec s[] = {{0, 'a', true, 0},
                           {0, 'c', false, VR_MBM_HIGH},
                           {0, 'd', false, 0},
                           {1, 'x', false, 0},
                           {-1, 0, false, 0}};
  world w;
  build(s, &w);
  plan(&w, 0);
  expect_plan(&w, "CREATE B/x CREATE+ A/c CREATE+ A/d ASSIGN A/c ASSIGN A/d "
                  "ASSIGN B/x");
  teardown_world(&w);
}

/* A domain waiting for its first group has its own second one behind. */
static void test_own_second_behind(void **unused) {
  (void)unused;
  static const spec s[] = {
      {1, 'x', false, 0}, {1, 'y', false, 0}, {-1, 0, false, 0}};
  world w;
  build(s, &w);
  plan(&w, 0);
  expect_plan(&w, "CREATE B/x CREATE+ B/y ASSIGN B/x ASSIGN B/y");
  teardown_world(&w);
}

/* The executor's verdict for a CREATE it skipped names the waiting
 * domain. */
static void test_defer_reason(void **unused) {
  (void)unused;
  vr_rmid_wait wait = {VR_RMID_SERVED, ""};
  vr_rmid_defer(&wait, "B");
  assert_int_equal(wait.verdict, VR_RMID_DEFERRED);
  assert_non_null(strstr(wait.reason, "domain B waits for its first"));
}

/* ENOSPC (none in limbo) while B waits: A, which holds the most groups,
 * gives its last one up (removed first, its ASSIGN gone) and keeps one. */
static void test_exhausted_yields(void **unused) {
  (void)unused;
  static const spec s[] = {{0, 'a', true, 0},  {0, 'b', true, VR_MBM_HIGH},
                           {0, 'c', false, 0}, {2, 'p', true, 0},
                           {2, 'q', true, 0},  {2, 'r', true, 0},
                           {1, 'x', false, 0}, {-1, 0, false, 0}};
  world w;
  build(s, &w);
  plan(&w, 1u << 1);
  expect_plan(&w, "REMOVE C/r CREATE B/x CREATE+ A/c ASSIGN A/c ASSIGN B/x");
  assert_int_equal(w.waits[5].verdict, VR_RMID_YIELDED);
  assert_non_null(strstr(w.waits[5].reason, "domain B"));
  for (size_t i = 0; i < w.n; i++)
    if (i != 5)
      assert_int_equal(w.waits[i].verdict, VR_RMID_SERVED);
  teardown_world(&w);
}

/* Two domains wait: two of A's three groups yield, A keeping one; a domain
 * with one group never yields it. */
static void test_two_waiting(void **unused) {
  (void)unused;
  static const spec s[] = {{0, 'a', true, 0},  {0, 'b', true, 0},
                           {0, 'c', true, 0},  {1, 'x', false, 0},
                           {2, 'p', false, 0}, {-1, 0, false, 0}};
  world w;
  build(s, &w);
  plan(&w, 1u << 1 | 1u << 2);
  expect_plan(&w, "REMOVE A/c REMOVE A/b CREATE B/x CREATE C/p ASSIGN B/x "
                  "ASSIGN C/p");
  assert_non_null(strstr(w.waits[2].reason, "domain B"));
  assert_non_null(strstr(w.waits[1].reason, "domain C"));
  teardown_world(&w);
  /* Only C found no RMID at all (B's mkdir met one in limbo): one yields. */
  build(s, &w);
  plan(&w, 1u << 2);
  expect_plan(&w, "REMOVE A/c CREATE B/x CREATE C/p ASSIGN B/x ASSIGN C/p");
  assert_non_null(strstr(w.waits[2].reason, "domain C"));
  assert_int_equal(w.waits[1].verdict, VR_RMID_SERVED);
  teardown_world(&w);
  static const spec one[] = {
      {0, 'a', true, 0}, {1, 'x', false, 0}, {-1, 0, false, 0}};
  build(one, &w);
  plan(&w, 1u << 1);
  expect_plan(&w, "CREATE B/x ASSIGN B/x");
  assert_int_equal(w.waits[0].verdict, VR_RMID_SERVED);
  teardown_world(&w);
}

/* B waits but its mkdir did not meet ENOSPC (EBUSY: an RMID is in limbo,
 * on its way): nothing yields, though A's third group met ENOSPC. */
static void test_limbo_takes_nothing(void **unused) {
  (void)unused;
  static const spec s[] = {{0, 'a', true, 0},
                           {0, 'b', true, 0},
                           {0, 'c', false, 0},
                           {1, 'x', false, 0},
                           {-1, 0, false, 0}};
  world w;
  build(s, &w);
  plan(&w, 1u << 0);
  expect_plan(&w, "CREATE B/x CREATE+ A/c ASSIGN A/c ASSIGN B/x");
  assert_int_equal(w.waits[1].verdict, VR_RMID_SERVED);
  teardown_world(&w);
}

/* Nobody waits for a first group: second groups are tried as any CREATE,
 * even after an ENOSPC, and nothing yields. */
static void test_nobody_waits(void **unused) {
  (void)unused;
  static const spec s[] = {{0, 'a', true, 0},
                           {0, 'b', true, 0},
                           {0, 'c', false, 0},
                           {1, 'x', true, 0},
                           {-1, 0, false, 0}};
  world w;
  build(s, &w);
  plan(&w, 7);
  expect_plan(&w, "CREATE A/c ASSIGN A/c");
  for (size_t i = 0; i < w.n; i++)
    assert_int_equal(w.waits[i].verdict, VR_RMID_SERVED);
  teardown_world(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_firsts_first),
      cmocka_unit_test(test_mbm_high_stays_behind),
      cmocka_unit_test(test_own_second_behind),
      cmocka_unit_test(test_defer_reason),
      cmocka_unit_test(test_exhausted_yields),
      cmocka_unit_test(test_two_waiting),
      cmocka_unit_test(test_limbo_takes_nothing),
      cmocka_unit_test(test_nobody_waits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
