/* SPDX-License-Identifier: MIT */
/*
 * vCPU sets: libvirt's syntax in, normal form and expanded lists out.
 */
#include "base/cpuset.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

typedef struct {
  const char *text;
  unsigned limit;
  int status;
  const char *ranges; /* normal form, or the reason fragment on failure */
  const char *list;
} parse_case;

static const parse_case parse_cases[] = {
    {"0", 1, 0, "0", "0"},
    {"0-2", 4, 0, "0-2", "0,1,2"},
    {"0,1", 4, 0, "0,1", "0,1"},
    {"0-1", 4, 0, "0,1", "0,1"},
    {"0-3,5-7", 8, 0, "0-3,5-7", "0,1,2,3,5,6,7"},
    {"7,6,5", 8, 0, "5-7", "5,6,7"},
    {"0-7,^4", 8, 0, "0-3,5-7", "0,1,2,3,5,6,7"},
    {"^4,0-7", 8, 0, "0-3,5-7", "0,1,2,3,5,6,7"},
    {"0-2,^0,^1,^2,3", 4, 0, "3", "3"},
    {"1,3,5,7", 8, 0, "1,3,5,7", "1,3,5,7"},
    {"63-65", 66, 0, "63-65", "63,64,65"},
    {"4095", 4096, 0, "4095", "4095"},
    {"4096", 8192, -ERANGE, "maximum of 4096", NULL},
    {"8", 8, -ERANGE, "maximum of 8", NULL},
    {"", 4, -EINVAL, "malformed", NULL},
    {",", 4, -EINVAL, "malformed", NULL},
    {"1-", 4, -EINVAL, "malformed", NULL},
    {"+1", 4, -EINVAL, "malformed", NULL},
    {"0x1", 4, -EINVAL, "malformed", NULL},
    {"1 2", 4, -EINVAL, "malformed", NULL},
    {"^1", 4, -EINVAL, "selects no vCPU", NULL},
    {"2-1", 4, -EINVAL, "runs backwards", NULL},
};

static void test_parse_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
    const parse_case *c = &parse_cases[i];
    vr_cpuset set;
    char reason[256] = "";
    print_message("parse \"%s\"\n", c->text);
    int status =
        vr_cpuset_parse(c->text, c->limit, &set, reason, sizeof(reason));
    assert_int_equal(status, c->status);
    if (status < 0) {
      if (!strstr(reason, c->ranges))
        fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", c->text, reason,
                 c->ranges);
      continue;
    }
    char buf[256];
    assert_true(vr_cpuset_format_ranges(&set, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, c->ranges);
    assert_true(vr_cpuset_format_list(&set, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, c->list);
  }
}

static void test_format_too_small(void **state) {
  (void)state;
  vr_cpuset set;
  char reason[64];
  assert_int_equal(vr_cpuset_parse("0-9", 16, &set, reason, sizeof(reason)), 0);
  char small[8];
  assert_int_equal(vr_cpuset_format_list(&set, small, sizeof(small)), -ENOSPC);
  assert_string_equal(small, "");
  char exact[4];
  assert_int_equal(vr_cpuset_format_ranges(&set, exact, sizeof(exact)), 3);
  assert_string_equal(exact, "0-9");
}

static void test_set_algebra(void **state) {
  (void)state;
  vr_cpuset a, b;
  char reason[64];
  assert_int_equal(vr_cpuset_parse("0-3", 64, &a, reason, sizeof(reason)), 0);
  assert_int_equal(vr_cpuset_parse("3-5", 64, &b, reason, sizeof(reason)), 0);
  assert_int_equal(vr_cpuset_count(&a), 4);
  assert_int_equal(vr_cpuset_first_common(&a, &b), 3);
  assert_false(vr_cpuset_equal(&a, &b));
  assert_int_equal(vr_cpuset_next(&a, 2), 2);
  assert_int_equal(vr_cpuset_next(&a, 4), -1);
  assert_int_equal(vr_cpuset_parse("4-5", 64, &b, reason, sizeof(reason)), 0);
  assert_int_equal(vr_cpuset_first_common(&a, &b), -1);
  vr_cpuset_clear(&b);
  assert_true(vr_cpuset_is_empty(&b));
  vr_cpuset_add(&b, 63);
  vr_cpuset_add(&b, 64);
  vr_cpuset_add(&b, VR_MAX_VCPUS); /* out of range: ignored */
  assert_int_equal(vr_cpuset_count(&b), 2);
  assert_int_equal(vr_cpuset_next(&b, 0), 63);
  assert_int_equal(vr_cpuset_next(&b, 64), 64);
  assert_false(vr_cpuset_has(&b, VR_MAX_VCPUS));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_table),
      cmocka_unit_test(test_format_too_small),
      cmocka_unit_test(test_set_algebra),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
