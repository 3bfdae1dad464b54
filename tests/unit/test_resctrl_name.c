/* SPDX-License-Identifier: MIT */
/*
 * Ownership of resctrl directories: only <prefix><uuid>_<group> is ours.
 */
#include "plan/group_spec.h"
#include "resctrl/resctrl_name.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"

static void test_format_and_parse(void **state) {
  (void)state;
  char name[256], uuid[VR_UUID_STRING_LEN + 1], group[VR_GROUP_NAME_MAX + 1];
  assert_int_equal(vr_owned_name_format("vr_", UUID, "db", name, sizeof(name)),
                   0);
  assert_string_equal(name, "vr_" UUID "_db");
  assert_true(vr_owned_name_parse("vr_", name, uuid, group));
  assert_string_equal(uuid, UUID);
  assert_string_equal(group, "db");
  /* A prefix ending in '_' followed by a UUID still splits unambiguously. */
  assert_int_equal(
      vr_owned_name_format("a_b_", UUID, "vcpus_0,3", name, sizeof(name)), 0);
  assert_true(vr_owned_name_parse("a_b_", name, uuid, group));
  assert_string_equal(group, "vcpus_0,3");
}

static void test_format_refuses_bad_parts(void **state) {
  (void)state;
  char name[256];
  assert_int_equal(vr_owned_name_format("vr_", UUID, "..", name, sizeof(name)),
                   -EINVAL);
  assert_int_equal(vr_owned_name_format("vr_", UUID, "a/b", name, sizeof(name)),
                   -EINVAL);
  assert_int_equal(vr_owned_name_format("vr-", UUID, "a", name, sizeof(name)),
                   -EINVAL);
  assert_int_equal(
      vr_owned_name_format("vr_", "not-a-uuid", "a", name, sizeof(name)),
      -EINVAL);
  assert_int_equal(vr_owned_name_format("vr_", UUID, "a", name, 10), -ENOSPC);
  assert_string_equal(name, "");
}

static void test_not_ours(void **state) {
  (void)state;
  static const char *const foreign[] = {
      "vr_",                                       /* prefix alone */
      "vr_" UUID,                                  /* no group */
      "vr_" UUID "_",                              /* empty group */
      "vr_" UUID "_.hidden",                       /* leading dot */
      "vr_" UUID "_a b",                           /* bad character */
      "vr_0F8FAD5B-D9CB-469F-A165-70867728950E_a", /* upper-case UUID */
      "vr_0f8fad5b-d9cb-469f-a165-70867728950_a",  /* short UUID */
      "xr_" UUID "_a",                             /* other prefix */
      "libvirt-" UUID "-vcpus_0",                  /* libvirt's monitor */
      "vr_" UUID "x_a",                            /* junk after UUID */
      "mon_groups",
      "info",
  };
  for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
    if (vr_owned_name_parse("vr_", foreign[i], NULL, NULL))
      fail_msg("\"%s\" taken as ours", foreign[i]);
  }
  assert_false(vr_owned_name_parse("vr-", "vr-" UUID "_a", NULL, NULL));
}

static void test_prefix_rules(void **state) {
  (void)state;
  assert_true(vr_group_prefix_valid("vr_"));
  assert_true(vr_group_prefix_valid("A1_"));
  assert_true(vr_group_prefix_valid("abcdefghijklmnop"));
  assert_false(vr_group_prefix_valid("abcdefghijklmnopq"));
  assert_false(vr_group_prefix_valid(""));
  assert_false(vr_group_prefix_valid("vr."));
  assert_false(vr_group_prefix_valid("../"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format_and_parse),
      cmocka_unit_test(test_format_refuses_bad_parts),
      cmocka_unit_test(test_not_ours),
      cmocka_unit_test(test_prefix_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
