/* SPDX-License-Identifier: MIT */
/*
 * Whole-VM groups (doc/design.md, "Metadata"): the emulator and iothreads
 * attributes of the metadata, their validation and default names, the
 * DefaultGroup vm policy, the classification of QEMU's threads by name,
 * and which threads each desired group then holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan/desired.h"
#include "virt/vcpu_threads.h"

#include <stdio.h>
#include <string.h>

#define U1 "11111111-1111-1111-1111-111111111111"

/* "name=members[+io:<ranges>][+emu]" per group, ';' between; and
 * "label|reason" per rejection. */
static void describe(const vr_group_list *list, char *groups, size_t glen,
                     char *rejections, size_t rlen) {
  groups[0] = rejections[0] = '\0';
  for (size_t i = 0; i < list->n_groups; i++) {
    const vr_group_spec *g = &list->groups[i];
    char io[64] = "";
    if (!vr_cpuset_is_empty(&g->iothreads)) {
      char r[48];
      assert_true(vr_cpuset_format_ranges(&g->iothreads, r, sizeof(r)) >= 0);
      snprintf(io, sizeof(io), "+io:%s", r);
    }
    size_t used = strlen(groups);
    snprintf(groups + used, glen - used, "%s%s=%s%s%s%s", i ? ";" : "", g->name,
             g->members, io, g->emulator ? "+emu" : "",
             g->all_threads ? "+all" : "");
  }
  for (size_t i = 0; i < list->n_rejections; i++) {
    size_t used = strlen(rejections);
    snprintf(rejections + used, rlen - used, "%s%s|%s", i ? ";" : "",
             list->rejections[i].group, list->rejections[i].reason);
  }
}

typedef struct {
  const char *xml;
  const char *groups;
  const char *rejections; /* exact */
} case_t;

static void parse_cases(void **state) {
  (void)state;
  vr_cpuset io_ids;
  vr_cpuset_clear(&io_ids);
  vr_cpuset_add(&io_ids, 1);
  vr_cpuset_add(&io_ids, 2);
  vr_cpuset_add(&io_ids, 3);
  static const case_t cases[] = {
      /* an emulator group, an iothread group, and a mix with vcpus */
      {"<resmon><group name='emu' emulator='yes'/>"
       "<group name='io' iothreads='1-2'/><group vcpus='0-1'/></resmon>",
       "emu=+emu;io=+io:1,2;vcpus_0,1=0,1", ""},
      {"<resmon><group emulator='yes'/><group iothreads='1-3'/></resmon>",
       "emulator=+emu;iothreads_1-3=+io:1-3", ""},
      {"<resmon><group name='all' vcpus='0' iothreads='3' emulator='yes'/>"
       "</resmon>",
       "all=0+io:3+emu", ""},
      /* rejected one by one, each with its reason */
      {"<resmon><group vcpus='0' emulator='yes'/></resmon>", "",
       "vcpus=0|a group of more than one kind of thread (vcpus, iothreads, "
       "emulator) needs a name attribute"},
      {"<resmon><group emulator='yes'/><group name='e2' emulator='yes'/>"
       "</resmon>",
       "emulator=+emu",
       "e2|the emulator threads are already in group \"emulator\" (a thread "
       "can be in one monitoring group only)"},
      {"<resmon><group name='a' iothreads='1-2'/><group name='b' "
       "iothreads='2'/></resmon>",
       "a=+io:1,2",
       "b|iothread 2 is already in group \"a\" (a thread can be in one "
       "monitoring group only)"},
      {"<resmon><group name='a' iothreads='4'/></resmon>", "",
       "a|the domain has no iothread 4"},
      {"<resmon><group name='a' iothreads='0'/></resmon>", "",
       "a|iothread id 0 does not exist (libvirt numbers iothreads from 1)"},
      {"<resmon><group name='a' emulator='true'/></resmon>", "",
       "a|emulator must be \"yes\" or \"no\""},
      {"<resmon><group name='a' emulator='no'/></resmon>", "",
       "a|missing or empty vcpus attribute"},
      {"<resmon><group name='a' vcpus='' emulator='yes'/></resmon>", "",
       "a|missing or empty vcpus attribute"},
      {"<resmon><group name='a' iothreads='x'/></resmon>", "", NULL},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    vr_group_list list;
    char groups[512], rejections[1024];
    print_message("case %zu: %s\n", i, cases[i].xml);
    assert_int_equal(
        vr_group_spec_parse_domain(cases[i].xml, 2, &io_ids, &list), 0);
    describe(&list, groups, sizeof(groups), rejections, sizeof(rejections));
    assert_string_equal(groups, cases[i].groups);
    if (cases[i].rejections)
      assert_string_equal(rejections, cases[i].rejections);
    else
      assert_int_equal(list.n_rejections, 1);
    vr_group_list_clear(&list);
  }
}

/* Without the domain's iothread ids (virt-resmon, or libvirt could not say)
 * only the syntax is checked. */
static void iothread_ids_unknown(void **state) {
  (void)state;
  vr_group_list list;
  assert_int_equal(
      vr_group_spec_parse("<resmon><group iothreads='7'/></resmon>", 1, &list),
      0);
  assert_int_equal(list.n_groups, 1);
  assert_string_equal(list.groups[0].name, "iothreads_7");
  vr_group_list_clear(&list);
}

static void default_vm(void **state) {
  (void)state;
  vr_group_list list;
  char groups[256], rejections[256];
  assert_int_equal(vr_group_spec_default(VR_DEFAULT_GROUP_VM, 3, &list), 0);
  describe(&list, groups, sizeof(groups), rejections, sizeof(rejections));
  assert_string_equal(groups, "vm=0,1,2+all");
  assert_string_equal(rejections, "");
  vr_group_list_clear(&list);
}

static void classify(void **state) {
  (void)state;
  static const struct {
    const char *comm;
    vr_thread_kind kind;
    unsigned id;
  } names[] = {
      {"CPU 3/KVM\n", VR_THREAD_VCPU, 3},
      {"CPU 0/TCG", VR_THREAD_VCPU, 0},
      {"IO iothread1\n", VR_THREAD_IOTHREAD, 1},
      {"IO iothread9999", VR_THREAD_IOTHREAD, 9999},
      {"IO mon_iothread\n", VR_THREAD_EMULATOR, 0},
      {"IO iothread0", VR_THREAD_EMULATOR, 0},
      {"IO iothread1x", VR_THREAD_EMULATOR, 0},
      {"IO iothread", VR_THREAD_EMULATOR, 0},
      {"qemu-system-x86\n", VR_THREAD_EMULATOR, 0},
      {"worker\n", VR_THREAD_EMULATOR, 0},
      {"vhost-4242\n", VR_THREAD_EMULATOR, 0},
      {"kvm-nx-lpage-re\n", VR_THREAD_EMULATOR, 0},
      {"call_rcu", VR_THREAD_EMULATOR, 0},
  };
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    unsigned id = 77;
    print_message("comm %s\n", names[i].comm);
    assert_int_equal(vr_thread_classify(names[i].comm, &id), names[i].kind);
    assert_int_equal(id, names[i].id);
  }
}

/* Each thread lands in the one group that claims it; a thread no group
 * claims (here iothread 2) is in none. */
static void desired_threads(void **state) {
  (void)state;
  pid_t vcpus[2] = {101, 102};
  vr_qemu_thread others[] = {
      {.tid = 100, .kind = VR_THREAD_EMULATOR},
      {.tid = 103, .kind = VR_THREAD_IOTHREAD, .id = 1},
      {.tid = 104, .kind = VR_THREAD_IOTHREAD, .id = 2},
      {.tid = 105, .kind = VR_THREAD_EMULATOR},
  };
  vr_cpuset io_ids;
  vr_cpuset_clear(&io_ids);
  vr_cpuset_add(&io_ids, 1);
  vr_cpuset_add(&io_ids, 2);
  vr_domain dom = {
      .name = "vm1",
      .uuid = U1,
      .max_vcpus = 2,
      .metadata = "<resmon><group name='emu' emulator='yes'/>"
                  "<group name='io' iothreads='1'/><group vcpus='1'/></resmon>",
      .vcpu_tids = vcpus,
      .threads = others,
      .n_threads = 4,
      .iothread_ids = &io_ids};
  vr_domain_list list = {.domains = &dom, .count = 1};
  vr_desired_set d;
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_NONE, &d), 0);
  assert_int_equal(d.n, 3);
  assert_int_equal(d.n_rejections, 0);
  assert_string_equal(d.groups[0].group, "emu");
  assert_int_equal(d.groups[0].n_threads, 2);
  assert_int_equal(d.groups[0].threads[0].tid, 100);
  assert_int_equal(d.groups[0].threads[0].kind, VR_THREAD_EMULATOR);
  assert_int_equal(d.groups[0].threads[1].tid, 105);
  assert_string_equal(d.groups[1].group, "io");
  assert_int_equal(d.groups[1].n_threads, 1);
  assert_int_equal(d.groups[1].threads[0].tid, 103);
  assert_int_equal(d.groups[1].threads[0].kind, VR_THREAD_IOTHREAD);
  assert_int_equal(d.groups[1].threads[0].vcpu, 1);
  assert_string_equal(d.groups[2].group, "vcpus_1");
  assert_int_equal(d.groups[2].n_threads, 1);
  assert_int_equal(d.groups[2].threads[0].tid, 102);
  vr_desired_clear(&d);

  /* DefaultGroup vm: one group of every thread. */
  dom.metadata = NULL;
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_VM, &d), 0);
  assert_int_equal(d.n, 1);
  assert_string_equal(d.groups[0].group, "vm");
  assert_string_equal(d.groups[0].members, "0,1");
  assert_int_equal(d.groups[0].n_threads, 6);
  pid_t want[6] = {101, 102, 100, 103, 104, 105};
  for (size_t i = 0; i < 6; i++)
    assert_int_equal(d.groups[0].threads[i].tid, want[i]);
  vr_desired_clear(&d);
}

/* QEMU without thread names: said once for the domain, the vCPU part of
 * a group still works. */
static void unnamed_threads(void **state) {
  (void)state;
  pid_t vcpus[1] = {101};
  vr_domain dom = {.name = "vm1",
                   .uuid = U1,
                   .max_vcpus = 1,
                   .metadata = "<resmon><group name='e' emulator='yes'/>"
                               "<group name='all' vcpus='0' emulator='yes'/>"
                               "</resmon>",
                   .vcpu_tids = vcpus};
  vr_domain_list list = {.domains = &dom, .count = 1};
  vr_desired_set d;
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_NONE, &d), 0);
  /* 'all' is rejected (e has the emulator threads already): e stays,
   * without a thread, and the domain gets the notice. */
  assert_int_equal(d.n, 1);
  assert_string_equal(d.groups[0].group, "e");
  assert_int_equal(d.groups[0].n_threads, 0);
  assert_int_equal(d.n_rejections, 2);
  assert_string_equal(d.rejections[0].rejection->group, "all");
  assert_string_equal(d.rejections[1].rejection->group,
                      VR_DESIRED_UNNAMED_LABEL);
  assert_non_null(strstr(d.rejections[1].rejection->reason, "debug-threads"));
  vr_desired_clear(&d);

  /* a domain of vCPU groups only: nothing to say */
  dom.metadata = "<resmon><group vcpus='0'/></resmon>";
  assert_int_equal(vr_desired_build(&list, VR_DEFAULT_GROUP_NONE, &d), 0);
  assert_int_equal(d.n_rejections, 0);
  assert_int_equal(d.groups[0].n_threads, 1);
  vr_desired_clear(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_cases),     cmocka_unit_test(iothread_ids_unknown),
      cmocka_unit_test(default_vm),      cmocka_unit_test(classify),
      cmocka_unit_test(desired_threads), cmocka_unit_test(unnamed_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
