/* SPDX-License-Identifier: MIT */
/* Desired groups from domain snapshots: valid groups with the threads of
 * their online vCPUs, rejected ones as data naming domain and group. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/desired.h"

#include <string.h>

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"

static void metadata_and_default(void **state) {
  (void)state;
  pid_t web_tids[4] = {101, 102, 0, 104}; /* vCPU 2 offline */
  pid_t db_tids[2] = {201, 202};
  vr_domain doms[2] = {
      {.name = "web",
       .uuid = U1,
       .max_vcpus = 4,
       .metadata = "<resmon><group name=\"front\" vcpus=\"0-2\"/>"
                   "<group name=\"bad\" vcpus=\"9\"/></resmon>",
       .vcpu_tids = web_tids},
      {.name = "db", .uuid = U2, .max_vcpus = 2, .vcpu_tids = db_tids},
  };
  vr_domain_list list = {.domains = doms, .count = 2};
  vr_desired_set d;
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_PER_VCPU, &d), 0);

  /* web/front with the threads of vCPUs 0 and 1; db by policy, per vCPU. */
  assert_int_equal(d.n, 3);
  assert_string_equal(d.groups[0].domain, "web");
  assert_string_equal(d.groups[0].uuid, U1);
  assert_string_equal(d.groups[0].group, "front");
  assert_string_equal(d.groups[0].members, "0,1,2");
  assert_int_equal(d.groups[0].n_threads, 2);
  assert_int_equal(d.groups[0].threads[0].vcpu, 0);
  assert_int_equal(d.groups[0].threads[0].tid, 101);
  assert_int_equal(d.groups[0].threads[1].vcpu, 1);
  assert_int_equal(d.groups[0].threads[1].tid, 102);
  assert_string_equal(d.groups[1].group, "vcpu_0");
  assert_int_equal(d.groups[1].threads[0].tid, 201);
  assert_string_equal(d.groups[2].group, "vcpu_1");
  assert_int_equal(d.groups[2].threads[0].tid, 202);

  /* The rejection is data: domain, UUID, group and reason, nothing sent. */
  assert_int_equal(d.n_rejections, 1);
  assert_string_equal(d.rejections[0].domain, "web");
  assert_string_equal(d.rejections[0].uuid, U1);
  assert_string_equal(d.rejections[0].rejection->group, "bad");
  assert_non_null(strstr(d.rejections[0].rejection->reason, "maximum of 4"));
  assert_int_equal(d.rejections[0].rejection->problem, VR_PROBLEM_INVALID_SET);
  vr_desired_clear(&d);
  assert_int_equal(d.n, 0);
}

static void no_domains(void **state) {
  (void)state;
  vr_domain_list list = {0};
  vr_desired_set d;
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_ALL, &d), 0);
  assert_int_equal(d.n, 0);
  assert_int_equal(d.n_rejections, 0);
  vr_desired_clear(&d);
}

/* MaxGroupsPerDomain: written groups and DefaultGroup per-vcpu's alike
 * keep the first N; the rest is one rejection that says which key to
 * raise, not one per group. */
static void capped(void **state) {
  (void)state;
  pid_t tids[4] = {101, 102, 103, 104};
  vr_domain doms[2] = {
      {.name = "web",
       .uuid = U1,
       .max_vcpus = 4,
       .metadata = "<resmon><group name=\"a\" vcpus=\"0\"/>"
                   "<group name=\"b\" vcpus=\"1\"/>"
                   "<group name=\"c\" vcpus=\"2\"/>"
                   "<group name=\"d\" vcpus=\"3\"/></resmon>",
       .vcpu_tids = tids},
      {.name = "db", .uuid = U2, .max_vcpus = 4, .vcpu_tids = tids},
  };
  vr_domain_list list = {.domains = doms, .count = 2};
  vr_desired_set d;
  assert_int_equal(
      vr_desired_build_capped(&list, VR_DEFAULT_GROUP_PER_VCPU, 2, &d), 0);
  assert_int_equal(d.n, 4);
  assert_string_equal(d.groups[0].group, "a");
  assert_string_equal(d.groups[1].group, "b");
  assert_string_equal(d.groups[2].group, "vcpu_0");
  assert_string_equal(d.groups[3].group, "vcpu_1");
  assert_int_equal(d.n_rejections, 2);
  for (size_t i = 0; i < 2; i++) {
    const vr_group_rejection *r = d.rejections[i].rejection;
    assert_int_equal(r->problem, VR_PROBLEM_OVER_CAP);
    assert_string_equal(r->group, "(metadata)");
    assert_non_null(strstr(r->reason, "raise MaxGroupsPerDomain"));
    assert_non_null(strstr(r->reason, "2 of 4 groups not monitored"));
  }
  assert_non_null(strstr(d.rejections[0].rejection->reason, "left out: c, d"));
  vr_desired_clear(&d);
  /* 0: no limit */
  assert_int_equal(
      vr_desired_build_capped(&list, VR_DEFAULT_GROUP_PER_VCPU, 0, &d), 0);
  assert_int_equal(d.n, 8);
  assert_int_equal(d.n_rejections, 0);
  vr_desired_clear(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(capped),
      cmocka_unit_test(metadata_and_default),
      cmocka_unit_test(no_domains),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
