/* SPDX-License-Identifier: MIT */
/* Unit tests of the resctrl module's pure parsers (resctrl_parse.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/text.h"
#include "resctrl/resctrl_parse.h"

#include <errno.h>
#include <stdio.h>

static void cache_size(void **state) {
  (void)state;
  uint64_t b = 0;
  assert_int_equal(vr_resctrl_parse_cache_size("32768K\n", &b), 0);
  assert_true(b == 32768ULL * 1024);
  assert_int_equal(vr_resctrl_parse_cache_size("30M", &b), 0);
  assert_true(b == 30ULL << 20);
  assert_int_equal(vr_resctrl_parse_cache_size("1G\n", &b), 0);
  assert_true(b == 1ULL << 30);
  assert_int_equal(vr_resctrl_parse_cache_size("4096", &b), 0);
  assert_true(b == 4096);
  b = 7;
  assert_int_equal(vr_resctrl_parse_cache_size("", &b), -EINVAL);
  assert_int_equal(vr_resctrl_parse_cache_size("K", &b), -EINVAL);
  assert_int_equal(vr_resctrl_parse_cache_size("0K", &b), -EINVAL);
  assert_int_equal(vr_resctrl_parse_cache_size("12X", &b), -EINVAL);
  assert_int_equal(vr_resctrl_parse_cache_size("-1K", &b), -EINVAL);
  assert_int_equal(vr_resctrl_parse_cache_size("1 K", &b), -EINVAL);
  assert_int_equal(vr_resctrl_parse_cache_size("99999999999999999999K", &b),
                   -ERANGE);
  assert_int_equal(vr_resctrl_parse_cache_size("18014398509481984K", &b),
                   -ERANGE);
  assert_true(b == 7);
}

static void mon_dir(void **state) {
  (void)state;
  unsigned id = 99;
  vr_mon_resource res = VR_RES_COUNT;
  assert_true(vr_resctrl_parse_mon_dir("mon_L3_00", &res, &id));
  assert_int_equal(id, 0);
  assert_int_equal(res, VR_RES_L3);
  /* Base 10: 08 is eight, 09 nine (octal would reject them). */
  assert_true(vr_resctrl_parse_mon_dir("mon_L3_08", &res, &id));
  assert_int_equal(id, 8);
  assert_true(vr_resctrl_parse_mon_dir("mon_L3_09", &res, &id));
  assert_int_equal(id, 9);
  assert_true(vr_resctrl_parse_mon_dir("mon_L3_11", &res, &id));
  assert_int_equal(id, 11);
  assert_true(vr_resctrl_parse_mon_dir("mon_L3_123", &res, &id));
  assert_int_equal(id, 123);
  id = 99;
  assert_false(vr_resctrl_parse_mon_dir("mon_sub_L3_01", &res, &id));
  assert_false(vr_resctrl_parse_mon_dir("mon_L3_", &res, &id));
  assert_false(vr_resctrl_parse_mon_dir("mon_L3_0x1", &res, &id));
  assert_false(vr_resctrl_parse_mon_dir("mon_L3_-1", &res, &id));
  assert_false(vr_resctrl_parse_mon_dir("mon_L2_00", &res, &id));
  assert_false(vr_resctrl_parse_mon_dir("mon_L3_99999999999", &res, &id));
  assert_int_equal(id, 99);
}

/* Sub-NUMA Clustering (doc/design.md, "resctrl rules", Domains):
 * mkdir_mondata_subdir names each node "mon_sub_%s_%02d" by its domain id below
 * the L3's "mon_%s_%02d". */
static void mon_sub_dir(void **state) {
  (void)state;
  unsigned node = 99;
  vr_mon_resource res = VR_RES_COUNT;
  assert_true(vr_resctrl_parse_mon_sub_dir("mon_sub_L3_00", &res, &node));
  assert_int_equal(node, 0);
  assert_int_equal(res, VR_RES_L3);
  assert_true(vr_resctrl_parse_mon_sub_dir("mon_sub_L3_09", &res, &node));
  assert_int_equal(node, 9);
  assert_true(vr_resctrl_parse_mon_sub_dir("mon_sub_L3_131", &res, &node));
  assert_int_equal(node, 131);
  node = 99;
  assert_false(vr_resctrl_parse_mon_sub_dir("mon_L3_01", &res, &node));
  assert_false(vr_resctrl_parse_mon_sub_dir("mon_sub_L3_", &res, &node));
  assert_false(vr_resctrl_parse_mon_sub_dir("mon_sub_L3_x1", &res, &node));
  assert_false(vr_resctrl_parse_mon_sub_dir("mon_sub_L2_01", &res, &node));
  assert_false(vr_resctrl_parse_mon_sub_dir("mon_sub_sub_L3_01", &res, &node));
  assert_false(vr_resctrl_parse_mon_sub_dir("llc_occupancy", &res, &node));
  assert_false(
      vr_resctrl_parse_mon_sub_dir("mon_sub_L3_99999999999", &res, &node));
  assert_int_equal(node, 99);
}

/* PERF_PKG telemetry (doc/design.md, "The metric table"): print_event_value's
 * decimal fractions into millionths. */
static void fixed(void **state) {
  (void)state;
  static const struct {
    const char *text;
    vr_value_text kind;
    uint64_t micro;
  } cases[] = {
      {"12.345678\n", VR_VALUE_OK, 12345678},
      {"0.000001", VR_VALUE_OK, 1},
      {"7.5", VR_VALUE_OK, 7500000},
      {"7", VR_VALUE_OK, 7000000},
      {"7.0", VR_VALUE_OK, 7000000},
      {"1.2345675", VR_VALUE_OK, 1234568}, /* the 7th place rounds */
      {"1.2345674999", VR_VALUE_OK, 1234567},
      {"0.9999995", VR_VALUE_OK, 1000000},
      {"18446744073709.551615", VR_VALUE_OK, UINT64_C(18446744073709551615)},
      {"Unavailable\n", VR_VALUE_UNAVAILABLE, 0},
      {"Error", VR_VALUE_ERROR, 0},
      {"Unassigned", VR_VALUE_UNASSIGNED, 0},
      {"Unavailable.5", VR_VALUE_MALFORMED, 0},
      {"7.", VR_VALUE_MALFORMED, 0},
      {".5", VR_VALUE_MALFORMED, 0},
      {"1.2.3", VR_VALUE_MALFORMED, 0},
      {"1.2x", VR_VALUE_MALFORMED, 0},
      {"-1.5", VR_VALUE_MALFORMED, 0},
      {"18446744073710.0", VR_VALUE_MALFORMED, 0},
      {"", VR_VALUE_MALFORMED, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint64_t got = 42;
    assert_int_equal(
        vr_resctrl_parse_fixed(cases[i].text, strlen(cases[i].text), &got),
        cases[i].kind);
    if (cases[i].kind == VR_VALUE_OK)
      assert_true(got == cases[i].micro);
    else
      assert_true(got == 42); /* untouched: no made-up value */
  }
}

static void features(void **state) {
  (void)state;
  const char *all = "llc_occupancy\nmbm_total_bytes\nmbm_local_bytes\n";
  assert_int_equal(vr_resctrl_parse_features(all, strlen(all)), 7);
  const char *some = "mbm_total_bytes_config\nllc_occupancy\nmbm_local_bytes";
  assert_int_equal(vr_resctrl_parse_features(some, strlen(some)),
                   (1 << VR_FEAT_LLC_OCCUPANCY) |
                       (1 << VR_FEAT_MBM_LOCAL_BYTES));
  assert_int_equal(vr_resctrl_parse_features("", 0), 0);
  assert_int_equal(vr_resctrl_parse_features("llc", 3), 0);
  assert_string_equal(vr_resctrl_feature_name(VR_FEAT_MBM_TOTAL_BYTES),
                      "mbm_total_bytes");
  assert_null(vr_resctrl_feature_name(VR_FEAT_COUNT));
}

static void value(void **state) {
  (void)state;
  uint64_t v = 5;
  assert_int_equal(vr_resctrl_parse_value("123456\n", 7, &v), VR_VALUE_OK);
  assert_true(v == 123456);
  assert_int_equal(vr_resctrl_parse_value("0\n", 2, &v), VR_VALUE_OK);
  assert_true(v == 0);
  assert_int_equal(vr_resctrl_parse_value("18446744073709551615\n", 21, &v),
                   VR_VALUE_OK);
  assert_true(v == UINT64_MAX);
  v = 5;
  assert_int_equal(vr_resctrl_parse_value("Unavailable\n", 12, &v),
                   VR_VALUE_UNAVAILABLE);
  assert_int_equal(vr_resctrl_parse_value("Error\n", 6, &v), VR_VALUE_ERROR);
  assert_int_equal(vr_resctrl_parse_value("Unassigned\n", 11, &v),
                   VR_VALUE_UNASSIGNED);
  assert_int_equal(vr_resctrl_parse_value("", 0, &v), VR_VALUE_MALFORMED);
  assert_int_equal(vr_resctrl_parse_value("\n", 1, &v), VR_VALUE_MALFORMED);
  assert_int_equal(vr_resctrl_parse_value("12a\n", 4, &v), VR_VALUE_MALFORMED);
  assert_int_equal(vr_resctrl_parse_value("18446744073709551616", 20, &v),
                   VR_VALUE_MALFORMED);
  assert_int_equal(vr_resctrl_parse_value("Errors", 6, &v), VR_VALUE_MALFORMED);
  /* Only len bytes count: "12" of "1234". */
  assert_int_equal(vr_resctrl_parse_value("1234", 2, &v), VR_VALUE_OK);
  assert_true(v == 12);
}

static void tasks(void **state) {
  (void)state;
  pid_t *tids = NULL;
  size_t n = 9;
  const char *text = "1\n42\n\n31337\n";
  assert_int_equal(vr_resctrl_parse_tasks(text, strlen(text), &tids, &n), 0);
  assert_int_equal(n, 3);
  assert_int_equal(tids[0], 1);
  assert_int_equal(tids[1], 42);
  assert_int_equal(tids[2], 31337);
  free(tids);
  assert_int_equal(vr_resctrl_parse_tasks("", 0, &tids, &n), 0);
  assert_int_equal(n, 0);
  assert_null(tids);
  assert_int_equal(vr_resctrl_parse_tasks("7", 1, &tids, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(tids[0], 7);
  free(tids);
  /* Many ids: the array grows. */
  char big[8000];
  size_t len = 0;
  for (int i = 1; i <= 1000; i++)
    len += (size_t)snprintf(big + len, sizeof(big) - len, "%d\n", i);
  assert_int_equal(vr_resctrl_parse_tasks(big, len, &tids, &n), 0);
  assert_int_equal(n, 1000);
  assert_int_equal(tids[999], 1000);
  free(tids);
  assert_int_equal(vr_resctrl_parse_tasks("1\nx\n", 4, &tids, &n), -EINVAL);
  assert_null(tids);
  assert_int_equal(n, 0);
  assert_int_equal(vr_resctrl_parse_tasks("0\n", 2, &tids, &n), -EINVAL);
  assert_int_equal(vr_resctrl_parse_tasks("-3\n", 3, &tids, &n), -EINVAL);
  assert_int_equal(vr_resctrl_parse_tasks("99999999999\n", 12, &tids, &n),
                   -EINVAL);
}

/* The chunked form: ids appended chunk by chunk, and the cap on ids kept
 * (a tasks file listing more is refused, whatever its size). */
static void tasks_capped(void **state) {
  (void)state;
  pid_t *tids = NULL;
  size_t n = 0, cap = 0;
  assert_int_equal(vr_resctrl_parse_tasks_more("1\n2\n", 4, 3, &tids, &n, &cap),
                   0);
  assert_int_equal(vr_resctrl_parse_tasks_more("3\n", 2, 3, &tids, &n, &cap),
                   0);
  assert_int_equal(n, 3);
  assert_int_equal(tids[2], 3);
  assert_int_equal(vr_resctrl_parse_tasks_more("\n\n", 2, 3, &tids, &n, &cap),
                   0);
  assert_int_equal(vr_resctrl_parse_tasks_more("4\n", 2, 3, &tids, &n, &cap),
                   -E2BIG);
  assert_int_equal(n, 3);
  free(tids);
}

static void uint_line(void **state) {
  (void)state;
  unsigned u = 3;
  assert_int_equal(vr_resctrl_parse_uint("64\n", 3, &u), 0);
  assert_int_equal(u, 64);
  assert_int_equal(vr_resctrl_parse_uint("\n", 1, &u), -EINVAL);
  assert_int_equal(vr_resctrl_parse_uint("4294967296", 10, &u), -EINVAL);
  assert_int_equal(u, 64);
}

/* The decimal parser every value file goes through: exactly max is a
 * number, one more is -ERANGE, for small and large maxima, and a run past
 * 19 digits (where it starts asking about overflow) parses too. */
static void decimal_max(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint64_t max;
    int rc;
    uint64_t value;
  } cases[] = {
      {"18446744073709551615", UINT64_MAX, 0, UINT64_MAX},
      {"18446744073709551616", UINT64_MAX, -ERANGE, 0},
      {"18446744073709551620", UINT64_MAX, -ERANGE, 0},
      {"184467440737095516150", UINT64_MAX, -ERANGE, 0},
      {"4096", 4096, 0, 4096},
      {"4097", 4096, -ERANGE, 0},
      {"4100", 4096, -ERANGE, 0},
      {"7", 7, 0, 7},
      {"8", 7, -ERANGE, 0},
      {"10", 9, -ERANGE, 0},
      {"0", 0, 0, 0},
      {"1", 0, -ERANGE, 0},
      {"00", 0, 0, 0},
      {"19", 19, 0, 19},
      {"20", 19, -ERANGE, 0},
      {"0000123456789012", UINT64_MAX, 0, UINT64_C(123456789012)},
      /* past 19 digits, leading zeros included */
      {"000000000000000000000001", UINT64_MAX, 0, 1},
      {"000018446744073709551615", UINT64_MAX, 0, UINT64_MAX},
      {"000018446744073709551616", UINT64_MAX, -ERANGE, 0},
      {"99999999999999999999", UINT64_MAX, -ERANGE, 0},
      {"000000000000000000004097", 4096, -ERANGE, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *end = NULL;
    uint64_t v = 42;
    size_t len = strlen(cases[i].text);
    assert_int_equal(
        vr_parse_decimal(cases[i].text, len, &end, cases[i].max, &v),
        cases[i].rc);
    /* every digit consumed, also past max */
    assert_ptr_equal(end, cases[i].text + len);
    assert_true(v == (cases[i].rc == 0 ? cases[i].value : 42));
  }
}

/* Any mon_<RESOURCE>_<id>, known to the table or not
 * (doc/design.md, "The metric table"). */
static void mon_dir_any(void **state) {
  (void)state;
  char res[16] = "x";
  unsigned id = 99;
  assert_true(vr_resctrl_parse_mon_dir_any("mon_L3_08", res, sizeof(res), &id));
  assert_string_equal(res, "L3");
  assert_int_equal(id, 8);
  /* a resource name with '_' (Linux 7.0's PERF_PKG telemetry) */
  assert_true(
      vr_resctrl_parse_mon_dir_any("mon_PERF_PKG_01", res, sizeof(res), &id));
  assert_string_equal(res, "PERF_PKG");
  assert_int_equal(id, 1);
  assert_true(
      vr_resctrl_parse_mon_dir_any("mon_MB_123", res, sizeof(res), &id));
  assert_string_equal(res, "MB");
  assert_int_equal(id, 123);
  id = 99;
  /* SNC sub-directories are no domain of mon_data */
  assert_false(
      vr_resctrl_parse_mon_dir_any("mon_sub_L3_01", res, sizeof(res), &id));
  assert_false(vr_resctrl_parse_mon_dir_any("mon_L3_", res, sizeof(res), &id));
  assert_false(vr_resctrl_parse_mon_dir_any("mon__01", res, sizeof(res), &id));
  assert_false(
      vr_resctrl_parse_mon_dir_any("mon_L3_0x", res, sizeof(res), &id));
  assert_false(vr_resctrl_parse_mon_dir_any("mon_01", res, sizeof(res), &id));
  assert_false(vr_resctrl_parse_mon_dir_any("L3_01", res, sizeof(res), &id));
  /* a name longer than the buffer is refused, not cut */
  assert_false(vr_resctrl_parse_mon_dir_any("mon_ABCDEFGHIJKLMNOPQ_1", res,
                                            sizeof(res), &id));
  assert_int_equal(id, 99);

  assert_true(vr_resctrl_parse_mon_info_dir("L3_MON", res, sizeof(res)));
  assert_string_equal(res, "L3");
  assert_true(vr_resctrl_parse_mon_info_dir("PERF_PKG_MON", res, sizeof(res)));
  assert_string_equal(res, "PERF_PKG");
  assert_false(vr_resctrl_parse_mon_info_dir("L3", res, sizeof(res)));
  assert_false(vr_resctrl_parse_mon_info_dir("_MON", res, sizeof(res)));
  assert_false(
      vr_resctrl_parse_mon_info_dir("last_cmd_status", res, sizeof(res)));
  assert_false(vr_resctrl_parse_mon_info_dir("l3_MON", res, sizeof(res)));
}

/* mon_features of one resource: known events, "_config" lines skipped
 * (not events), the unknown ones listed for one log line. */
static void mon_features(void **state) {
  (void)state;
  char unknown[64] = "";
  unsigned mask = 123;
  const char *amd = "llc_occupancy\nmbm_total_bytes\nmbm_total_bytes_config\n"
                    "mbm_local_bytes\nmbm_local_bytes_config\n";
  assert_int_equal(vr_resctrl_parse_mon_features(amd, strlen(amd), VR_RES_L3,
                                                 &mask, unknown,
                                                 sizeof(unknown)),
                   0);
  assert_int_equal(mask, 7);
  assert_string_equal(unknown, "");
  const char *newer = "llc_occupancy\nmbm_foo_bytes\nmbm_bar\n\n";
  assert_int_equal(vr_resctrl_parse_mon_features(newer, strlen(newer),
                                                 VR_RES_L3, &mask, unknown,
                                                 sizeof(unknown)),
                   2);
  assert_int_equal(mask, 1 << VR_FEAT_LLC_OCCUPANCY);
  assert_string_equal(unknown, "mbm_foo_bytes, mbm_bar");
  /* a list that does not fit is cut, never overrun */
  char tiny[8] = "";
  assert_int_equal(vr_resctrl_parse_mon_features(newer, strlen(newer),
                                                 VR_RES_L3, &mask, tiny,
                                                 sizeof(tiny)),
                   2);
  assert_string_equal(tiny, "mbm_foo");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cache_size),   cmocka_unit_test(mon_dir),
      cmocka_unit_test(mon_sub_dir),  cmocka_unit_test(features),
      cmocka_unit_test(value),        cmocka_unit_test(tasks),
      cmocka_unit_test(tasks_capped), cmocka_unit_test(uint_line),
      cmocka_unit_test(mon_dir_any),  cmocka_unit_test(mon_features),
      cmocka_unit_test(fixed),        cmocka_unit_test(decimal_max),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
