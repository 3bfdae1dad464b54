/* SPDX-License-Identifier: MIT */
/* Reconcile decisions, driven by a table: a resctrl state, the desired
 * groups, and the exact plan and outcomes expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/reconcile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXT 6
#define MAXG 6
#define MAXA 12

static const char *const uuids[] = {
    "not-a-uuid",
    "11111111-1111-1111-1111-111111111111",
    "22222222-2222-2222-2222-222222222222",
    "33333333-3333-3333-3333-333333333333",
};
static const char *const domains[] = {"bad", "dom1", "dom2", "dom3"};

typedef struct {
  const char *ctrl;
  const char *name; /* "1:a" = vr_<uuid 1>_a; anything else literally */
  pid_t tids[MAXT]; /* 0-terminated */
} state_group;

typedef struct {
  pid_t tid;
  const char *ctrl;
} ctrl_task;

/* A thread this run wrote into one of its groups (written_tids.h). */
typedef struct {
  const char *name; /* as state_group's */
  pid_t tid;
} written_spec;

typedef struct {
  int uuid; /* index into uuids */
  const char *group;
  vr_vcpu_thread threads[MAXT]; /* tid 0 ends */
} desired_spec;

typedef struct {
  const char *what;
  const char *prefix; /* NULL: "vr_" */
  state_group groups[MAXG];
  ctrl_task ctrl_tasks[MAXT]; /* tasks of non-root CTRL_MON groups only */
  desired_spec desired[MAXG];
  /* vCPU threads of the case's domains that no desired group lists */
  pid_t ungrouped_vcpus[MAXT];
  /* threads the plugin wrote into which group (tid 0 ends) */
  written_spec written[MAXT];
  int rc;
  /* "REMOVE <ctrl>/<short> d<i>|d-", "CREATE <ctrl>/<short> d<i>",
   * "ASSIGN <ctrl>/<short> <tid> d<i>", "RELEASE <ctrl>/<short> <tid> d<i>"
   * in plan order */
  const char *actions[MAXA];
  /* "OK <ctrl>", "WAITING", "INVALID", "CONFLICT <substring of reason>" */
  const char *outcomes[MAXG];
} rcase;

static void expand(const char *s, char *buf, size_t len) {
  if (s[0] >= '1' && s[0] <= '3' && s[1] == ':')
    snprintf(buf, len, "vr_%s_%s", uuids[s[0] - '0'], s + 2);
  else
    snprintf(buf, len, "%s", s);
}

static void shorten(const char *name, char *buf, size_t len) {
  for (int u = 1; u <= 3; u++) {
    char head[64];
    snprintf(head, sizeof(head), "vr_%s_", uuids[u]);
    if (strncmp(name, head, strlen(head)) == 0) {
      snprintf(buf, len, "%d:%s", u, name + strlen(head));
      return;
    }
  }
  snprintf(buf, len, "%s", name);
}

static int compare_place(const void *a, const void *b) {
  const vr_task_place *x = a, *y = b;
  return (x->tid > y->tid) - (x->tid < y->tid);
}

typedef struct {
  vr_resctrl_state state;
  vr_task_place tasks[MAXG * MAXT + MAXT];
  vr_mon_group_state groups[2 * MAXG]; /* room for apply()'s creates */
  pid_t tids[2 * MAXG][MAXT];
  vr_desired_group desired[MAXG];
  size_t n_desired;
  /* per uuid index: every vCPU thread of that domain */
  pid_t dom_vcpus[4][MAXG * MAXT + MAXT];
  size_t n_dom_vcpus[4];
} world;

static void build(const rcase *tc, world *w) {
  memset(w, 0, sizeof(*w));
  w->state.tasks = w->tasks;
  w->state.mon_groups = w->groups;
  for (size_t g = 0; g < MAXG && tc->groups[g].name; g++) {
    vr_mon_group_state *m = &w->groups[w->state.n_mon_groups++];
    snprintf(m->ctrl, sizeof(m->ctrl), "%s", tc->groups[g].ctrl);
    expand(tc->groups[g].name, m->name, sizeof(m->name));
    m->tids = w->tids[g];
    for (size_t t = 0; t < MAXT && tc->groups[g].tids[t]; t++) {
      w->tids[g][m->n_tids++] = tc->groups[g].tids[t];
      vr_task_place *p = &w->tasks[w->state.n_tasks++];
      p->tid = tc->groups[g].tids[t];
      snprintf(p->ctrl, sizeof(p->ctrl), "%s", tc->groups[g].ctrl);
      expand(tc->groups[g].name, p->mon, sizeof(p->mon));
    }
  }
  for (size_t t = 0; t < MAXT && tc->ctrl_tasks[t].tid; t++) {
    vr_task_place *p = &w->tasks[w->state.n_tasks++];
    p->tid = tc->ctrl_tasks[t].tid;
    snprintf(p->ctrl, sizeof(p->ctrl), "%s", tc->ctrl_tasks[t].ctrl);
  }
  qsort(w->tasks, w->state.n_tasks, sizeof(w->tasks[0]), compare_place);
  for (size_t i = 0; i < MAXG && tc->desired[i].group; i++) {
    const desired_spec *d = &tc->desired[i];
    vr_desired_group *g = &w->desired[w->n_desired++];
    g->uuid = uuids[d->uuid];
    g->domain = domains[d->uuid];
    g->group = d->group;
    g->members = "0,1,2,3,4,5";
    g->threads = d->threads;
    while (g->n_threads < MAXT && d->threads[g->n_threads].tid)
      g->n_threads++;
    for (size_t t = 0; t < g->n_threads; t++)
      w->dom_vcpus[d->uuid][w->n_dom_vcpus[d->uuid]++] = d->threads[t].tid;
  }
  for (size_t i = 0; i < w->n_desired; i++) {
    int u = tc->desired[i].uuid;
    if (i == 0 || tc->desired[i - 1].uuid != u)
      for (size_t t = 0; t < MAXT && tc->ungrouped_vcpus[t]; t++)
        w->dom_vcpus[u][w->n_dom_vcpus[u]++] = tc->ungrouped_vcpus[t];
    w->desired[i].domain_vcpu_tids = w->dom_vcpus[u];
    w->desired[i].n_domain_vcpu_tids = w->n_dom_vcpus[u];
  }
}

static void render(const vr_action *a, char *buf, size_t len) {
  static const char *const kinds[] = {"REMOVE", "CREATE", "ASSIGN", "RELEASE"};
  char name[300], idx[32], tid[32] = "";
  shorten(a->name, name, sizeof(name));
  if (a->desired == VR_NO_DESIRED)
    snprintf(idx, sizeof(idx), "d-");
  else
    snprintf(idx, sizeof(idx), "d%zu", a->desired);
  if (a->kind == VR_ACTION_ASSIGN || a->kind == VR_ACTION_RELEASE)
    snprintf(tid, sizeof(tid), " %d", (int)a->tid);
  snprintf(buf, len, "%s %s/%s%s %s", kinds[a->kind], a->ctrl, name, tid, idx);
}

static void check_outcome(const rcase *tc, size_t i,
                          const vr_group_outcome *o) {
  const char *want = tc->outcomes[i];
  assert_non_null(want);
  if (strncmp(want, "OK ", 3) == 0) {
    assert_int_equal(o->kind, VR_OUTCOME_OK);
    assert_string_equal(o->ctrl, want + 3);
  } else if (strcmp(want, "WAITING") == 0) {
    assert_int_equal(o->kind, VR_OUTCOME_WAITING);
  } else if (strcmp(want, "INVALID") == 0) {
    assert_int_equal(o->kind, VR_OUTCOME_INVALID);
    assert_string_equal(o->name, "");
  } else {
    assert_true(strncmp(want, "CONFLICT ", 9) == 0);
    assert_int_equal(o->kind, VR_OUTCOME_CONFLICT);
    if (!strstr(o->reason, want + 9))
      fail_msg("reason '%s' lacks '%s'", o->reason, want + 9);
  }
  assert_true(strlen(o->reason) < sizeof(o->reason));
}

static void run_case(const rcase *tc) {
  world *w = malloc(sizeof(*w));
  assert_non_null(w);
  build(tc, w);
  vr_written_set written = {0};
  for (size_t t = 0; t < MAXT && tc->written[t].tid; t++) {
    char name[VR_RESCTRL_NAME_MAX + 1];
    expand(tc->written[t].name, name, sizeof(name));
    assert_int_equal(vr_written_add(&written, name, tc->written[t].tid), 0);
  }
  vr_written_sort(&written);
  vr_plan plan;
  int rc =
      vr_reconcile_written(w->desired, w->n_desired, &w->state,
                           tc->prefix ? tc->prefix : "vr_", &written, &plan);
  vr_written_clear(&written);
  assert_int_equal(rc, tc->rc);
  size_t n_expected = 0;
  while (n_expected < MAXA && tc->actions[n_expected])
    n_expected++;
  for (size_t a = 0; a < plan.n_actions; a++) {
    char got[600];
    render(&plan.actions[a], got, sizeof(got));
    if (a >= n_expected)
      fail_msg("%s: unexpected action %zu: %s", tc->what, a, got);
    if (strcmp(got, tc->actions[a]) != 0)
      fail_msg("%s: action %zu is '%s', want '%s'", tc->what, a, got,
               tc->actions[a]);
  }
  if (plan.n_actions != n_expected)
    fail_msg("%s: %zu actions, want %zu", tc->what, plan.n_actions, n_expected);
  if (rc == 0) {
    assert_int_equal(plan.n_outcomes, w->n_desired);
    for (size_t i = 0; i < plan.n_outcomes; i++)
      check_outcome(tc, i, &plan.outcomes[i]);
  } else {
    assert_null(plan.actions);
    assert_null(plan.outcomes);
  }
  vr_plan_clear(&plan);
  free(w);
}

#define T(id, v)                                                               \
  { .vcpu = v, .tid = id }

static const rcase cases[] = {
    {.what = "nothing desired, nothing there: empty plan"},
    {.what = "new group in root: create, then assign every thread",
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .actions = {"CREATE /1:a d0", "ASSIGN /1:a 101 d0", "ASSIGN /1:a 102 d0"},
     .outcomes = {"OK "}},
    {.what = "steady state: unchanged world, empty plan",
     .groups = {{"", "1:a", {101, 102}}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .outcomes = {"OK "}},
    {.what = "steady state under a CTRL_MON group",
     .groups = {{"X", "1:a", {101, 102}}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .outcomes = {"OK X"}},
    {.what = "steady state, several domains and groups, foreign ones",
     .groups = {{"", "1:a", {101}},
                {"", "1:b", {102, 103}},
                {"X", "2:a", {201}},
                {"", "libvirt_mon", {301}}},
     .ctrl_tasks = {{202, "X"}},
     .desired = {{1, "a", {T(101, 0)}},
                 {1, "b", {T(102, 1), T(103, 2)}},
                 {2, "a", {T(201, 0)}},
                 {2, "b", {}}},
     .outcomes = {"OK ", "OK ", "OK X", "WAITING"}},
    {.what = "a new thread (vCPU plugged, VM restarted): assign only it",
     .groups = {{"", "1:a", {101}}},
     .desired = {{1, "a", {T(101, 0), T(105, 1)}}},
     .actions = {"ASSIGN /1:a 105 d0"},
     .outcomes = {"OK "}},
    {.what = "threads in a CTRL_MON group: create the group under it",
     .ctrl_tasks = {{101, "X"}, {102, "X"}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .actions = {"CREATE X/1:a d0", "ASSIGN X/1:a 101 d0",
                 "ASSIGN X/1:a 102 d0"},
     .outcomes = {"OK X"}},
    {.what = "threads moved CTRL_MON (cachetune applied): recreate there",
     .groups = {{"", "1:a", {}}},
     .ctrl_tasks = {{101, "X"}, {102, "X"}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .actions = {"REMOVE /1:a d0", "CREATE X/1:a d0", "ASSIGN X/1:a 101 d0",
                 "ASSIGN X/1:a 102 d0"},
     .outcomes = {"OK X"}},
    {.what = "threads moved back to the root: recreate in the root",
     .groups = {{"X", "1:a", {}}},
     .desired = {{1, "a", {T(101, 0)}}},
     .actions = {"REMOVE X/1:a d0", "CREATE /1:a d0", "ASSIGN /1:a 101 d0"},
     .outcomes = {"OK "}},
    {.what = "our group twice, right parent complete: drop the other",
     .groups = {{"", "1:a", {}}, {"X", "1:a", {101}}},
     .ctrl_tasks = {{102, "Y"}},
     .desired = {{1, "a", {T(101, 0)}}},
     .actions = {"REMOVE /1:a d0"},
     .outcomes = {"OK X"}},
    {.what = "threads split between root and a CTRL_MON group: conflict",
     .ctrl_tasks = {{102, "X"}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .outcomes = {"CONFLICT vCPU 0 in the root group, vCPU 1 in CTRL_MON "
                  "group 'X'"}},
    {.what = "threads split between two CTRL_MON groups: conflict",
     .ctrl_tasks = {{101, "X"}, {102, "X"}, {103, "Y"}},
     .desired = {{1, "a", {T(101, 0), T(102, 1), T(103, 2)}}},
     .outcomes = {"CONFLICT group 'X', vCPU 2 in CTRL_MON group 'Y'"}},
    {.what = "split conflict removes our now-wrong group, others go on",
     .groups = {{"", "1:a", {101, 102}}},
     .ctrl_tasks = {{103, "X"}},
     .desired = {{1, "a", {T(101, 0), T(102, 1), T(103, 2)}},
                 {2, "a", {T(201, 0)}}},
     .actions = {"REMOVE /1:a d0", "CREATE /2:a d1", "ASSIGN /2:a 201 d1"},
     .outcomes = {"CONFLICT different CTRL_MON groups", "OK "}},
    {.what = "thread in libvirt's own monitor: conflict, never stolen",
     .groups = {{"", "libvirt_mon", {102}}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .outcomes = {"CONFLICT vCPU 1 (thread 102) is in MON group "
                  "'libvirt_mon'"}},
    {.what = "thread in a foreign MON group below a CTRL_MON group",
     .groups = {{"X", "pqos_1", {101}}},
     .desired = {{1, "a", {T(101, 3)}}},
     .outcomes = {"CONFLICT vCPU 3 (thread 101) is in MON group "
                  "'X/pqos_1', which virt_resctrl does not own"}},
    {.what = "a group of our shape under another prefix is foreign",
     .groups = {{"", "vr_11111111-1111-1111-1111-111111111111_b", {101}}},
     .prefix = "mine_",
     .desired = {{1, "a", {T(101, 0)}}},
     .outcomes = {"CONFLICT not own"}},
    {.what = "foreign thread appears in our group's VM: ours removed",
     .groups = {{"", "1:a", {101}}, {"", "libvirt_mon", {102}}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .actions = {"REMOVE /1:a d0"},
     .outcomes = {"CONFLICT 'libvirt_mon'"}},
    {.what = "vCPU moved between our groups by a metadata edit: assign",
     .groups = {{"", "1:a", {101}}, {"", "1:b", {102, 103}}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}, {1, "b", {T(103, 2)}}},
     .actions = {"ASSIGN /1:a 102 d0"},
     .outcomes = {"OK ", "OK "}},
    {.what = "vCPU moved to a new group: create it, old group kept",
     .groups = {{"", "1:a", {101, 102}}},
     .desired = {{1, "a", {T(101, 0)}}, {1, "b", {T(102, 1)}}},
     .actions = {"CREATE /1:b d1", "ASSIGN /1:b 102 d1"},
     .outcomes = {"OK ", "OK "}},
    /* No rmdir+mkdir to drop a thread (doc/design.md, "Thread placement"). */
    {.what = "inherited thread (not a vCPU's) in our group: left alone",
     .groups = {{"", "1:a", {101, 102}}},
     .desired = {{1, "a", {T(101, 0)}}},
     .outcomes = {"OK "}},
    {.what = "vCPU thread no group wants: released to the parent",
     .groups = {{"X", "1:a", {101, 102}}},
     .desired = {{1, "a", {T(101, 0)}}},
     .ungrouped_vcpus = {102},
     .actions = {"RELEASE X/1:a 102 d0"},
     .outcomes = {"OK X"}},
    /* doc/design.md, "Thread placement": a thread we wrote goes back to the
     * parent once no group claims it; an inherited one stays. */
    {.what = "emulator thread we wrote, no group claims it: released",
     .groups = {{"X", "1:a", {101, 150, 160}}},
     .desired = {{1, "a", {T(101, 0)}}},
     .written = {{"1:a", 101}, {"1:a", 150}},
     .actions = {"RELEASE X/1:a 150 d0"},
     .outcomes = {"OK X"}},
    {.what = "thread we wrote still claimed: stays, no action",
     .groups = {{"", "1:a", {101, 150}}},
     .desired = {{1,
                  "a",
                  {T(101, 0),
                   {.vcpu = 0, .tid = 150, .kind = VR_THREAD_EMULATOR}}}},
     .written = {{"1:a", 101}, {"1:a", 150}},
     .outcomes = {"OK "}},
    {.what = "thread we wrote, now another group's: assigned, not released",
     .groups = {{"", "1:a", {101, 150}}, {"", "1:b", {102}}},
     .desired = {{1, "a", {T(101, 0)}},
                 {1,
                  "b",
                  {T(102, 1),
                   {.vcpu = 1, .tid = 150, .kind = VR_THREAD_IOTHREAD}}}},
     .written = {{"1:a", 150}},
     .actions = {"ASSIGN /1:b 150 d1"},
     .outcomes = {"OK ", "OK "}},
    {.what = "written into another group, inherited into this one: stays",
     .groups = {{"", "1:a", {101, 150}}},
     .desired = {{1, "a", {T(101, 0)}}},
     .written = {{"1:b", 150}, {"2:a", 150}},
     .outcomes = {"OK "}},
    {.what = "stray thread whose taker is in conflict: released",
     .groups = {{"", "1:a", {101, 102}}, {"", "foreign", {103}}},
     .desired = {{1, "a", {T(101, 0)}}, {1, "b", {T(102, 1), T(103, 2)}}},
     .actions = {"RELEASE /1:a 102 d0"},
     .outcomes = {"OK ", "CONFLICT 'foreign'"}},
    {.what = "thread in an orphan group of ours (tid reused): remove orphan",
     .groups = {{"", "2:x", {101}}},
     .desired = {{1, "a", {T(101, 0)}}},
     .actions = {"REMOVE /2:x d-", "CREATE /1:a d0", "ASSIGN /1:a 101 d0"},
     .outcomes = {"OK "}},
    {.what = "domain stopped: its groups go, foreign ones stay",
     .groups = {{"", "1:a", {}},
                {"X", "1:b", {}},
                {"", "libvirt_mon", {301}},
                {"", "vr_not-a-uuid_a", {}}},
     .actions = {"REMOVE /1:a d-", "REMOVE X/1:b d-"}},
    {.what = "group dropped from the metadata: remove only it",
     .groups = {{"", "1:a", {101}}, {"", "1:b", {102}}},
     .desired = {{1, "a", {T(101, 0)}}},
     .actions = {"REMOVE /1:b d-"},
     .outcomes = {"OK "}},
    {.what = "no vCPU online: waiting, nothing created",
     .desired = {{1, "a", {}}},
     .outcomes = {"WAITING"}},
    {.what = "no vCPU online any more: our group goes",
     .groups = {{"", "1:a", {}}},
     .desired = {{1, "a", {}}},
     .actions = {"REMOVE /1:a d0"},
     .outcomes = {"WAITING"}},
    {.what = "partly online group monitors the online vCPUs",
     .desired = {{1, "a", {T(101, 2)}}},
     .actions = {"CREATE /1:a d0", "ASSIGN /1:a 101 d0"},
     .outcomes = {"OK "}},
    {.what = "uuid that cannot name a group: invalid, others go on",
     .desired = {{0, "a", {T(101, 0)}}, {1, "a", {T(102, 0)}}},
     .actions = {"CREATE /1:a d1", "ASSIGN /1:a 102 d1"},
     .outcomes = {"INVALID", "OK "}},
    {.what = "group name that cannot be a directory: invalid",
     .desired = {{1, "../a", {T(101, 0)}}},
     .outcomes = {"INVALID"}},
    {.what = "bad prefix: refused",
     .prefix = "no/slash",
     .desired = {{1, "a", {T(101, 0)}}},
     .rc = -EINVAL},
    {.what = "the same group twice: the second is a conflict",
     .desired = {{1, "a", {T(101, 0)}}, {1, "a", {T(102, 1)}}},
     .actions = {"CREATE /1:a d0", "ASSIGN /1:a 101 d0"},
     .outcomes = {"OK ", "CONFLICT listed twice"}},
    {.what = "one thread in two desired groups: the later one conflicts",
     .desired = {{1, "a", {T(101, 0)}}, {2, "b", {T(101, 0), T(201, 1)}}},
     .actions = {"CREATE /1:a d0", "ASSIGN /1:a 101 d0"},
     .outcomes = {"OK ", "CONFLICT also in domain dom1 group a"}},
    {.what = "order: removals, then creates, then assigns",
     .groups = {{"", "3:c", {301}}, {"", "1:a", {}}},
     .ctrl_tasks = {{201, "X"}},
     .desired = {{1, "b", {T(101, 0)}}, {2, "a", {T(201, 0)}}},
     .actions = {"REMOVE /3:c d-", "REMOVE /1:a d-", "CREATE /1:b d0",
                 "CREATE X/2:a d1", "ASSIGN /1:b 101 d0",
                 "ASSIGN X/2:a 201 d1"},
     .outcomes = {"OK ", "OK X"}},
    {.what = "same group name in two domains: two directories",
     .desired = {{1, "db", {T(101, 0)}}, {2, "db", {T(201, 0)}}},
     .actions = {"CREATE /1:db d0", "CREATE /2:db d1", "ASSIGN /1:db 101 d0",
                 "ASSIGN /2:db 201 d1"},
     .outcomes = {"OK ", "OK "}},
    {.what = "everything in the root, as on monitoring-only hardware",
     .groups = {{"", "1:a", {101}}},
     .desired = {{1, "a", {T(101, 0), T(102, 1)}}},
     .actions = {"ASSIGN /1:a 102 d0"},
     .outcomes = {"OK "}},
};

static void test_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    print_message("case %zu: %s\n", i, cases[i].what);
    run_case(&cases[i]);
  }
}

/* CTRL_MON names up to NAME_MAX: the reason is cut, marked, terminated. */
static void test_long_ctrl_names_in_reason(void **state) {
  (void)state;
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  w->state.tasks = w->tasks;
  w->state.n_tasks = 2;
  for (int t = 0; t < 2; t++) {
    w->tasks[t].tid = 101 + t;
    memset(w->tasks[t].ctrl, t ? 'y' : 'x', VR_RESCTRL_NAME_MAX);
  }
  static const vr_vcpu_thread threads[] = {T(101, 0), T(102, 1)};
  vr_desired_group d = {.uuid = uuids[1],
                        .domain = "dom1",
                        .group = "a",
                        .members = "0,1",
                        .threads = threads,
                        .n_threads = 2};
  vr_plan plan;
  assert_int_equal(vr_reconcile(&d, 1, &w->state, "vr_", &plan), 0);
  assert_int_equal(plan.n_actions, 0);
  assert_int_equal(plan.outcomes[0].kind, VR_OUTCOME_CONFLICT);
  size_t len = strlen(plan.outcomes[0].reason);
  assert_int_equal(len, VR_REASON_MAX - 1);
  assert_string_equal(plan.outcomes[0].reason + len - 3, "...");
  vr_plan_clear(&plan);
  free(w);
}

static void test_state_find(void **state) {
  (void)state;
  vr_task_place tasks[3] = {{.tid = 5, .ctrl = "X"},
                            {.tid = 9, .ctrl = "", .mon = "m"},
                            {.tid = 12, .ctrl = "Y", .mon = "n"}};
  vr_resctrl_state s = {.tasks = tasks, .n_tasks = 3};
  static const struct {
    pid_t tid;
    const char *ctrl, *mon;
  } want[] = {{5, "X", ""}, {9, "", "m"}, {12, "Y", "n"},
              {1, "", ""},  {7, "", ""},  {13, "", ""}};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const vr_task_place *p = vr_resctrl_state_find(&s, want[i].tid);
    assert_string_equal(p->ctrl, want[i].ctrl);
    assert_string_equal(p->mon, want[i].mon);
  }
  vr_resctrl_state empty = {0};
  assert_string_equal(vr_resctrl_state_find(&empty, 5)->ctrl, "");
}

/* Applying a plan to the state it came from and reconciling again gives an
 * empty plan: the executor converges in one step. */
static void apply(world *w, const vr_plan *plan) {
  for (size_t a = 0; a < plan->n_actions; a++) {
    const vr_action *act = &plan->actions[a];
    if (act->kind == VR_ACTION_REMOVE) {
      for (size_t g = 0; g < w->state.n_mon_groups; g++) {
        vr_mon_group_state *m = &w->groups[g];
        if (strcmp(m->name, act->name) || strcmp(m->ctrl, act->ctrl))
          continue;
        for (size_t t = 0; t < w->state.n_tasks; t++)
          if (strcmp(w->tasks[t].mon, m->name) == 0 &&
              strcmp(w->tasks[t].ctrl, m->ctrl) == 0)
            w->tasks[t].mon[0] = '\0';
        m->name[0] = '\0'; /* tombstone: owns nothing */
        m->n_tids = 0;
      }
    } else if (act->kind == VR_ACTION_CREATE) {
      vr_mon_group_state *m = &w->groups[w->state.n_mon_groups++];
      memset(m, 0, sizeof(*m));
      snprintf(m->ctrl, sizeof(m->ctrl), "%s", act->ctrl);
      snprintf(m->name, sizeof(m->name), "%s", act->name);
    } else if (act->kind == VR_ACTION_RELEASE) {
      for (size_t t = 0; t < w->state.n_tasks; t++)
        if (w->tasks[t].tid == act->tid)
          w->tasks[t].mon[0] = '\0'; /* back in the parent CTRL_MON group */
    } else {
      for (size_t t = 0; t < w->state.n_tasks; t++)
        if (w->tasks[t].tid == act->tid)
          snprintf(w->tasks[t].mon, sizeof(w->tasks[t].mon), "%s", act->name);
    }
  }
  /* Rebuild each group's tids from the task index. */
  for (size_t g = 0; g < w->state.n_mon_groups; g++) {
    vr_mon_group_state *m = &w->groups[g];
    m->tids = w->tids[g];
    m->n_tids = 0;
    for (size_t t = 0; t < w->state.n_tasks && m->name[0]; t++)
      if (strcmp(w->tasks[t].mon, m->name) == 0 &&
          strcmp(w->tasks[t].ctrl, m->ctrl) == 0 && m->n_tids < MAXT)
        w->tids[g][m->n_tids++] = w->tasks[t].tid;
  }
}

static void test_plan_converges(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const rcase *tc = &cases[i];
    if (tc->rc != 0)
      continue;
    world *w = malloc(sizeof(*w));
    assert_non_null(w);
    build(tc, w);
    /* Every desired thread gets an entry so ASSIGN has a place to edit. */
    for (size_t d = 0; d < w->n_desired; d++)
      for (size_t t = 0; t < w->desired[d].n_threads; t++) {
        pid_t tid = w->desired[d].threads[t].tid;
        if (vr_resctrl_state_find(&w->state, tid)->tid == tid)
          continue;
        vr_task_place *p = &w->tasks[w->state.n_tasks++];
        memset(p, 0, sizeof(*p));
        p->tid = tid;
        qsort(w->tasks, w->state.n_tasks, sizeof(w->tasks[0]), compare_place);
      }
    vr_plan plan;
    assert_int_equal(vr_reconcile(w->desired, w->n_desired, &w->state,
                                  tc->prefix ? tc->prefix : "vr_", &plan),
                     0);
    apply(w, &plan);
    vr_plan_clear(&plan);
    assert_int_equal(vr_reconcile(w->desired, w->n_desired, &w->state,
                                  tc->prefix ? tc->prefix : "vr_", &plan),
                     0);
    if (plan.n_actions != 0) {
      char got[600];
      render(&plan.actions[0], got, sizeof(got));
      fail_msg("case %zu (%s): second pass still wants '%s'", i, tc->what, got);
    }
    vr_plan_clear(&plan);
    free(w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_long_ctrl_names_in_reason),
      cmocka_unit_test(test_state_find),
      cmocka_unit_test(test_plan_converges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
