/* SPDX-License-Identifier: MIT */
/*
 * libvirt's resctrl group names (src/resctrl/libvirt_groups.h): the machine
 * name, virBitmapFormat's sets, and parsing the directories libvirt makes.
 */
#include "resctrl/libvirt_groups.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

static void set_of(vr_cpuset *set, const char *text) {
  char reason[128];
  assert_int_equal(
      vr_cpuset_parse(text, VR_MAX_VCPUS, set, reason, sizeof(reason)), 0);
}

static void test_machine_name(void **state) {
  (void)state;
  static const struct {
    int id;
    const char *name, *want;
  } cases[] = {
      {1, "vm1", "qemu-1-vm1"},
      /* '_' is not a hostname character: dropped. */
      {3, "my_vm.test", "qemu-3-myvm.test"},
      /* Leading, trailing and repeated '.'/'-' collapse or go. */
      {2, "..a--b..", "qemu-2-a-b"},
      {5, "a.-b", "qemu-5-a.b"},
      /* A dropped character does not end a run of separators. */
      {6, "a-_-b", "qemu-6-a-b"},
      {8, "a_-b", "qemu-8-a-b"},
      /* Nothing left of the name: the '-' after the id is trimmed too. */
      {7, "___", "qemu-7"},
      {9, "\xc3\xa9t\xc3\xa9", "qemu-9-t"},
      {10, "UPPER-lower.9", "qemu-10-UPPER-lower.9"},
  };
  char buf[128];
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int n = vr_lv_machine_name(cases[i].id, cases[i].name, buf, sizeof(buf));
    assert_string_equal(buf, cases[i].want);
    assert_int_equal(n, (int)strlen(cases[i].want));
  }
  assert_int_equal(vr_lv_machine_name(-1, "vm", buf, sizeof(buf)), -EINVAL);
  assert_int_equal(vr_lv_machine_name(1, "vm1", buf, 10), -ENOSPC);
  assert_string_equal(buf, "");
}

/* virDomainMachineNameAppendValid stops at 64 characters, prefix
 * included, and then trims a trailing separator. */
static void test_machine_name_cut(void **state) {
  (void)state;
  char name[200], want[80], buf[128];
  memset(name, 'a', 100);
  name[100] = '\0';
  vr_lv_machine_name(1, name, buf, sizeof(buf));
  assert_int_equal(strlen(buf), VR_LV_MACHINE_NAME_MAX);
  assert_memory_equal(buf, "qemu-1-aaaa", 11);
  /* "qemu-1-" is 7 characters: 56 letters, then '-' lands on the 64th
   * and is trimmed. */
  memset(name, 'b', 56);
  strcpy(name + 56, "-cdef");
  vr_lv_machine_name(1, name, buf, sizeof(buf));
  strcpy(want, "qemu-1-");
  memset(want + 7, 'b', 56);
  want[63] = '\0';
  assert_string_equal(buf, want);
}

static void test_cpuset_format(void **state) {
  (void)state;
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"0", "0"},
      /* A run of two is a range for libvirt (our normal form says "0,1"). */
      {"0,1", "0-1"},
      {"0,2", "0,2"},
      {"0-2,5,6,9", "0-2,5-6,9"},
      {"4095", "4095"},
      {"0-7,^4", "0-3,5-7"},
  };
  char buf[64];
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    vr_cpuset set;
    set_of(&set, cases[i].in);
    assert_int_equal(vr_lv_cpuset_format(&set, buf, sizeof(buf)),
                     (int)strlen(cases[i].want));
    assert_string_equal(buf, cases[i].want);
  }
  vr_cpuset set;
  vr_cpuset_clear(&set);
  assert_int_equal(vr_lv_cpuset_format(&set, buf, sizeof(buf)), -EINVAL);
  set_of(&set, "0-1,3");
  assert_int_equal(vr_lv_cpuset_format(&set, buf, 5), -ENOSPC);
  assert_string_equal(buf, "");
}

static void test_name_format_and_parse(void **state) {
  (void)state;
  char buf[VR_LV_GROUP_NAME_MAX + 1];
  vr_cpuset set;
  set_of(&set, "0,1");
  assert_int_equal(vr_lv_group_name("qemu-1-vm1", &set, buf, sizeof(buf)),
                   (int)strlen("qemu-1-vm1-vcpus_0-1"));
  assert_string_equal(buf, "qemu-1-vm1-vcpus_0-1");

  vr_lv_group g;
  assert_true(vr_lv_group_name_parse(buf, &g));
  assert_int_equal(g.kind, VR_LV_CTRL_MON);
  assert_int_equal(g.domain_id, 1);
  assert_string_equal(g.name, "vm1");
  assert_string_equal(g.machine, "qemu-1-vm1");
  assert_string_equal(g.id, "vcpus_0-1");
  assert_true(vr_cpuset_equal(&g.vcpus, &set));
  assert_string_equal(g.alloc, "");

  /* A domain named like the id tag, a name with separators, and a name
   * that reduced to nothing. */
  assert_true(vr_lv_group_name_parse("qemu-12-vcpus-vcpus_3", &g));
  assert_int_equal(g.domain_id, 12);
  assert_string_equal(g.name, "vcpus");
  assert_string_equal(g.id, "vcpus_3");
  assert_true(vr_lv_group_name_parse("qemu-3-a-b.c-vcpus_0,2-3", &g));
  assert_string_equal(g.name, "a-b.c");
  assert_string_equal(g.machine, "qemu-3-a-b.c");
  set_of(&set, "0,2,3");
  assert_true(vr_cpuset_equal(&g.vcpus, &set));
  assert_true(vr_lv_group_name_parse("qemu-7-vcpus_0", &g));
  assert_string_equal(g.name, "");
  assert_string_equal(g.machine, "qemu-7");
  assert_true(vr_lv_group_name_parse("qemu-0-x-vcpus_4095", NULL));
}

/* Every name libvirt writes parses back to what it was made from. */
static void test_round_trip(void **state) {
  (void)state;
  static const char *const names[] = {"vm1", "a.b-c", "___",
                                      "x_y", "vcpus", "vm-vcpus_0"};
  static const char *const sets[] = {"0", "0-1", "1,3", "0-2,7-8,10"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    for (size_t j = 0; j < sizeof(sets) / sizeof(sets[0]); j++) {
      char machine[VR_LV_MACHINE_NAME_MAX + 1];
      char dir[VR_LV_GROUP_NAME_MAX + 1];
      vr_cpuset set;
      vr_lv_group g;
      set_of(&set, sets[j]);
      assert_true(vr_lv_machine_name(40 + (int)i, names[i], machine,
                                     sizeof(machine)) > 0);
      assert_true(vr_lv_group_name(machine, &set, dir, sizeof(dir)) > 0);
      assert_true(vr_lv_group_name_parse(dir, &g));
      assert_int_equal(g.domain_id, 40 + (int)i);
      assert_string_equal(g.machine, machine);
      assert_true(vr_cpuset_equal(&g.vcpus, &set));
    }
  }
}

static void test_not_libvirts(void **state) {
  (void)state;
  static const char *const foreign[] = {
      "qemu-1-vm1-vcpus_0,1",    /* libvirt writes 0-1 */
      "qemu-1-vm1-vcpus_1-0",    /* backwards */
      "qemu-1-vm1-vcpus_0-1,^1", /* exclusion: never written */
      "qemu-1-vm1-vcpus_ 0",     /* blank */
      "qemu-1-vm1-vcpus_",       /* empty set */
      "qemu-1-vm1-vcpus_4096",   /* beyond any vCPU id */
      "qemu-01-vm1-vcpus_0",     /* "%d" never writes a leading zero */
      "qemu--1-vm1-vcpus_0",     /* no sign */
      "qemu-99999999999-vm-vcpus_0",
      "qemu-1-vm_x-vcpus_0",  /* '_' never survives the reduction */
      "qemu-1-.vm-vcpus_0",   /* leading separator */
      "qemu-1-vm.-vcpus_0",   /* trailing separator */
      "qemu-1-vm--x-vcpus_0", /* two separators */
      "qemu-1-vm\xc3\xa9-vcpus_0",
      "qemu-1-vmvcpus_0", /* no '-' before the tag */
      "qemu-1-vm-cpus_0",
      "qemu-1-vm-vcpus0",
      "qemu-vm-vcpus_0",  /* no id */
      "lxc-1-vm-vcpus_0", /* another driver */
      "vr_0f8fad5b-d9cb-469f-a165-70867728950e_vcpus_0",
      "",
  };
  for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
    if (vr_lv_group_name_parse(foreign[i], NULL))
      fail_msg("\"%s\" taken for libvirt's", foreign[i]);
  }
  /* Over the 64 characters libvirt allows a machine name. */
  char longname[300] = "qemu-1-";
  memset(longname + 7, 'a', 60);
  strcpy(longname + 67, "-vcpus_0");
  assert_false(vr_lv_group_name_parse(longname, NULL));
}

static void test_path_parse(void **state) {
  (void)state;
  vr_lv_group g;
  assert_true(vr_lv_group_path_parse("qemu-1-vm1-vcpus_0-3", &g));
  assert_int_equal(g.kind, VR_LV_CTRL_MON);
  assert_string_equal(g.id, "vcpus_0-3");
  assert_string_equal(g.alloc, "");

  /* A <cachetune> with only <monitor>s: its allocation is the root. */
  assert_true(vr_lv_group_path_parse("mon_groups/qemu-1-vm1-vcpus_0", &g));
  assert_int_equal(g.kind, VR_LV_MON);
  assert_string_equal(g.alloc, "");
  assert_string_equal(g.id, "vcpus_0");

  assert_true(vr_lv_group_path_parse(
      "qemu-1-vm1-vcpus_0-3/mon_groups/qemu-1-vm1-vcpus_1", &g));
  assert_int_equal(g.kind, VR_LV_MON);
  assert_string_equal(g.alloc, "qemu-1-vm1-vcpus_0-3");
  assert_string_equal(g.machine, "qemu-1-vm1");
  assert_string_equal(g.id, "vcpus_1");

  static const char *const foreign[] = {
      /* another machine's allocation */
      "qemu-1-vm1-vcpus_0-3/mon_groups/qemu-2-vm1-vcpus_1",
      /* not libvirt's allocation */
      "vr_ctl/mon_groups/qemu-1-vm1-vcpus_1",
      "qemu-1-vm1-vcpus_0-3/groups/qemu-1-vm1-vcpus_1",
      "mon_groups/qemu-1-vm1-vcpus_1/x",
      "mon_groups/",
      "mon_groups/vr_x",
      "qemu-1-vm1-vcpus_0-3/",
      "/qemu-1-vm1-vcpus_0-3",
      "info/L3_MON",
  };
  for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
    if (vr_lv_group_path_parse(foreign[i], NULL))
      fail_msg("\"%s\" taken for libvirt's", foreign[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_machine_name),
      cmocka_unit_test(test_machine_name_cut),
      cmocka_unit_test(test_cpuset_format),
      cmocka_unit_test(test_name_format_and_parse),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_not_libvirts),
      cmocka_unit_test(test_path_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
