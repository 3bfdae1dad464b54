/* SPDX-License-Identifier: MIT */
/* Unit tests of the counter carry (counter_carry.h): a dispatched MBM
 * counter stays monotonic across the kernel's resets, and says why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "read/counter_carry.h"

#include <stdio.h>

static uint64_t feed(vr_carry *c, uint64_t raw, bool restarted,
                     vr_carry_event want) {
  uint64_t out = 0;
  assert_int_equal(vr_carry_feed(c, raw, restarted, &out), want);
  return out;
}

static void steady_counter_is_raw(void **state) {
  (void)state;
  vr_carry c = {0};
  assert_true(feed(&c, 100, false, VR_CARRY_STEADY) == 100);
  assert_true(feed(&c, 250, false, VR_CARRY_STEADY) == 250);
  assert_true(feed(&c, 250, false, VR_CARRY_STEADY) == 250);
  /* the first value ever is never a restart, even with a hint */
  vr_carry fresh = {0};
  assert_true(feed(&fresh, 7, true, VR_CARRY_STEADY) == 7);
}

/* A drop below the last value: the counter restarted, the total goes on. */
static void drop_is_carried(void **state) {
  (void)state;
  vr_carry c = {0};
  feed(&c, 1000, false, VR_CARRY_STEADY);
  assert_true(feed(&c, 30, false, VR_CARRY_DROPPED) == 1030);
  assert_true(feed(&c, 50, false, VR_CARRY_STEADY) == 1050);
  /* a second reset carries on from the total */
  assert_true(feed(&c, 5, false, VR_CARRY_DROPPED) == 1055);
  assert_true(c.offset == 1050);
}

/* A known restart (group made again, domain back): the whole last value is
 * kept even when the new counter already passed it. */
static void known_restart(void **state) {
  (void)state;
  vr_carry c = {0};
  feed(&c, 1000, false, VR_CARRY_STEADY);
  assert_true(feed(&c, 1500, true, VR_CARRY_RESTART) == 2500);
  assert_true(feed(&c, 1600, false, VR_CARRY_STEADY) == 2600);
}

/* BMEC: a changed mbm_total_bytes_config reads Unavailable once, then the
 * counter starts from zero; the drop is explained by it. */
static void drop_after_unavailable(void **state) {
  (void)state;
  vr_carry c = {0};
  feed(&c, 800, false, VR_CARRY_STEADY);
  vr_carry_unavailable(&c);
  assert_true(feed(&c, 10, false, VR_CARRY_DROPPED_AFTER_UNAVAILABLE) == 810);
  /* remembered only until the next value */
  assert_true(feed(&c, 5, false, VR_CARRY_DROPPED) == 815);
  /* Unavailable with no drop after it is no reset */
  vr_carry_unavailable(&c);
  assert_true(feed(&c, 9, false, VR_CARRY_STEADY) == 819);
}

/* ABMC: the first value after "Unassigned" restarted from zero for sure,
 * even when the new counter is already above the last value. */
static void reassigned_after_unassigned(void **state) {
  (void)state;
  vr_carry c = {0};
  feed(&c, 800, false, VR_CARRY_STEADY);
  vr_carry_unassigned(&c);
  assert_true(feed(&c, 900, false, VR_CARRY_REASSIGNED) == 1700);
  assert_true(feed(&c, 950, false, VR_CARRY_STEADY) == 1750);
  /* no value before: nothing to carry */
  vr_carry fresh = {0};
  vr_carry_unassigned(&fresh);
  assert_true(feed(&fresh, 7, false, VR_CARRY_STEADY) == 7);
  assert_non_null(strstr(vr_carry_reason(VR_CARRY_REASSIGNED, VR_RESTART_NONE),
                         "ABMC counter"));
}

static void reasons(void **state) {
  (void)state;
  assert_string_equal(vr_carry_reason(VR_CARRY_RESTART, VR_RESTART_GROUP_MADE),
                      "the resctrl group was made again");
  assert_string_equal(vr_carry_reason(VR_CARRY_RESTART, VR_RESTART_DOMAIN_BACK),
                      "its L3 domain came back online");
  assert_non_null(strstr(
      vr_carry_reason(VR_CARRY_DROPPED_AFTER_UNAVAILABLE, VR_RESTART_NONE),
      "mbm_*_bytes_config"));
  assert_non_null(
      strstr(vr_carry_reason(VR_CARRY_DROPPED, VR_RESTART_FILES_REMADE),
             "went offline and came back"));
  assert_string_equal(vr_carry_reason(VR_CARRY_DROPPED, VR_RESTART_NONE),
                      "reason unknown");
  assert_true(vr_restart_certain(VR_RESTART_GROUP_MADE));
  assert_true(vr_restart_certain(VR_RESTART_DOMAIN_BACK));
  assert_false(vr_restart_certain(VR_RESTART_FILES_REMADE));
  assert_false(vr_restart_certain(VR_RESTART_NONE));
}

/* The table: one carry per key, found again through a ref; series unused
 * for long are dropped and every ref then goes through the key again. */
static void table(void **state) {
  (void)state;
  vr_carry_table *t = vr_carry_table_new();
  assert_non_null(t);
  vr_carry_ref ref = {0}, other = {0};
  assert_null(vr_carry_table_cached(t, &ref));
  vr_carry *a = vr_carry_table_use(t, "h/d:g/memory_bandwidth/total-0", &ref);
  assert_non_null(a);
  a->offset = 42;
  assert_ptr_equal(vr_carry_table_cached(t, &ref), a);
  /* the same key without a ref: the same carry */
  assert_ptr_equal(
      vr_carry_table_use(t, "h/d:g/memory_bandwidth/total-0", NULL), a);
  vr_carry *b = vr_carry_table_use(t, "h/d:g/memory_bandwidth/local-0", &other);
  assert_ptr_not_equal(a, b);
  assert_true(vr_carry_table_size(t) == 2);
  /* many series: growing keeps every carry where it was */
  char key[64];
  for (int i = 0; i < 500; i++) {
    snprintf(key, sizeof(key), "h/d%d:g/memory_bandwidth/total-0", i);
    vr_carry *c = vr_carry_table_use(t, key, NULL);
    assert_non_null(c);
    c->offset = (uint64_t)i;
  }
  assert_true(vr_carry_table_size(t) == 502);
  assert_ptr_equal(vr_carry_table_cached(t, &ref), a);
  assert_true(a->offset == 42);
  assert_true(
      vr_carry_table_use(t, "h/d77:g/memory_bandwidth/total-0", NULL)->offset ==
      77);
  /* passes where only a is used: the others go after max_idle, and the
   * refs to them are no longer valid */
  const char *key_a = "h/d:g/memory_bandwidth/total-0";
  unsigned long lookups = 0;
  for (int pass = 0; pass < 12; pass++) {
    /* what dispatch does: the ref, or the key when the ref went stale */
    vr_carry *c = vr_carry_table_cached(t, &ref);
    if (!c) {
      lookups++;
      c = vr_carry_table_use(t, key_a, &ref);
    }
    assert_ptr_equal(c, a);
    vr_carry_table_pass_done(t, 4, 5);
  }
  /* the prune at pass 8 moved the epoch once: one lookup after it */
  assert_int_equal(lookups, 1);
  assert_true(vr_carry_table_size(t) == 1);
  assert_null(vr_carry_table_cached(t, &other));
  assert_true(a->offset == 42);
  vr_carry *again =
      vr_carry_table_use(t, "h/d:g/memory_bandwidth/local-0", &other);
  assert_true(again->offset == 0 && !again->have_last);
  vr_carry_table_free(t);
  vr_carry_table_free(NULL);
}

#define SEC UINT64_C(1000000000)

static uint64_t feed_at(vr_carry *c, uint64_t raw, bool restarted,
                        uint64_t now_ns, vr_carry_event want,
                        vr_value_verdict want_verdict) {
  uint64_t out = 0;
  vr_value_verdict verdict = VR_VALUE_SANE;
  assert_int_equal(vr_carry_feed_checked(c, raw, restarted, now_ns,
                                         VR_MBM_MAX_BYTES_PER_SEC, &verdict,
                                         &out),
                   want);
  assert_int_equal(verdict, want_verdict);
  return out;
}

/* The value that went out as derive -1: 2^64 - 1 in a value file is
 * refused, and the total goes on from the last sane value, never down. */
static void counter_past_2_63_refused(void **state) {
  (void)state;
  vr_carry c = {0};
  assert_true(
      feed_at(&c, 500, false, 1 * SEC, VR_CARRY_STEADY, VR_VALUE_SANE) == 500);
  feed_at(&c, UINT64_MAX, false, 2 * SEC, VR_CARRY_REFUSED, VR_VALUE_TOO_LARGE);
  feed_at(&c, UINT64_C(1) << 63, false, 3 * SEC, VR_CARRY_REFUSED,
          VR_VALUE_TOO_LARGE);
  assert_true(c.last_raw == 500 && c.offset == 0);
  /* sane again: the total grows from 500, no restart carried */
  assert_true(
      feed_at(&c, 600, false, 4 * SEC, VR_CARRY_STEADY, VR_VALUE_SANE) == 600);
  /* the first value ever is held to 2^63 too */
  vr_carry fresh = {0};
  feed_at(&fresh, UINT64_MAX, false, SEC, VR_CARRY_REFUSED, VR_VALUE_TOO_LARGE);
  assert_false(fresh.have_last);
  /* 2^63 - 1 as a first value is a counter (years of traffic, but real) */
  assert_true(feed_at(&fresh, INT64_MAX, false, SEC, VR_CARRY_STEADY,
                      VR_VALUE_SANE) == (uint64_t)INT64_MAX);
}

/* A carried total may not pass 2^63 - 1 either: a derive would go out
 * negative. */
static void total_past_2_63_refused(void **state) {
  (void)state;
  vr_carry c = {0};
  uint64_t big = (UINT64_C(1) << 62) + 5;
  feed_at(&c, big, false, 0, VR_CARRY_STEADY, VR_VALUE_SANE);
  /* a restart would carry big and add another 2^62: past 2^63 */
  feed_at(&c, big, true, 0, VR_CARRY_REFUSED, VR_VALUE_TOO_LARGE);
  assert_true(feed_at(&c, 10, false, 0, VR_CARRY_DROPPED, VR_VALUE_SANE) ==
              big + 10);
}

/* Growth beyond 4 TiB/s per domain since the last value is refused; the
 * bound grows with the time since the last value taken, so a counter that
 * is sane again is taken again. */
static void growth_bound(void **state) {
  (void)state;
  vr_carry c = {0};
  uint64_t max = VR_MBM_MAX_BYTES_PER_SEC;
  feed_at(&c, 1000, false, 10 * SEC, VR_CARRY_STEADY, VR_VALUE_SANE);
  /* exactly the bound over one second passes, one byte more does not */
  assert_true(feed_at(&c, 1000 + max, false, 11 * SEC, VR_CARRY_STEADY,
                      VR_VALUE_SANE) == 1000 + max);
  feed_at(&c, 1000 + 2 * max + 1, false, 12 * SEC, VR_CARRY_REFUSED,
          VR_VALUE_TOO_FAST);
  /* half a second: half the bound */
  feed_at(&c, 1000 + max + max / 2 + 1, false, 11 * SEC + SEC / 2,
          VR_CARRY_REFUSED, VR_VALUE_TOO_FAST);
  /* refused values do not move the last time: two seconds later the same
   * growth is within the bound */
  assert_true(feed_at(&c, 1000 + 2 * max + 1, false, 13 * SEC, VR_CARRY_STEADY,
                      VR_VALUE_SANE) == 1000 + 2 * max + 1);
  /* a restarted counter grew by its whole value */
  feed_at(&c, 2 * max, true, 14 * SEC, VR_CARRY_REFUSED, VR_VALUE_TOO_FAST);
  /* the clock going back allows no growth, but a steady counter passes */
  uint64_t total = feed_at(&c, 1000 + 2 * max + 1, false, 5 * SEC,
                           VR_CARRY_STEADY, VR_VALUE_SANE);
  assert_true(total == 1000 + 2 * max + 1);
  /* no time known (0): only the 2^63 rule */
  vr_carry untimed = {0};
  feed_at(&untimed, 1, false, 0, VR_CARRY_STEADY, VR_VALUE_SANE);
  feed_at(&untimed, UINT64_C(1) << 62, false, SEC, VR_CARRY_STEADY,
          VR_VALUE_SANE);
  /* the check alone is pure: it leaves the carry as it was */
  vr_carry before = c;
  assert_int_equal(vr_carry_check(&c, UINT64_MAX - 1, false, 100 * SEC, max),
                   VR_VALUE_TOO_LARGE);
  assert_memory_equal(&before, &c, sizeof(c));
  /* a bound of 0: no growth check */
  assert_int_equal(
      vr_carry_check(&c, (UINT64_C(1) << 62), false, 5 * SEC + 1, 0),
      VR_VALUE_SANE);
}

/* Whatever values come, refused or not, the total sent never falls. */
static void total_never_falls(void **state) {
  (void)state;
  const uint64_t raws[] = {500,
                           UINT64_MAX,
                           499,
                           UINT64_MAX - 1,
                           0,
                           700,
                           UINT64_C(1) << 63,
                           INT64_MAX,
                           3,
                           (UINT64_C(1) << 62) + 9,
                           20,
                           UINT64_MAX};
  vr_carry c = {0};
  uint64_t last = 0;
  for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
    uint64_t out = 0;
    vr_value_verdict verdict;
    vr_carry_event ev =
        vr_carry_feed_checked(&c, raws[i], i % 3 == 0, (i + 1) * SEC,
                              VR_MBM_MAX_BYTES_PER_SEC, &verdict, &out);
    if (ev == VR_CARRY_REFUSED)
      continue;
    assert_true(out >= last);
    assert_true(out <= (uint64_t)INT64_MAX);
    last = out;
  }
}

/* An occupancy above the cache's size is no occupancy. */
static void occupancy_bound(void **state) {
  (void)state;
  uint64_t l3 = UINT64_C(32) << 20;
  assert_int_equal(vr_occupancy_check(0, l3), VR_VALUE_SANE);
  assert_int_equal(vr_occupancy_check(l3, l3), VR_VALUE_SANE);
  assert_int_equal(vr_occupancy_check(l3 + 1, l3), VR_VALUE_OVER_CACHE);
  assert_int_equal(vr_occupancy_check(UINT64_MAX, l3), VR_VALUE_TOO_LARGE);
  /* no size known: only the 2^63 rule */
  assert_int_equal(vr_occupancy_check(l3 * 1000, 0), VR_VALUE_SANE);
  assert_int_equal(vr_occupancy_check(UINT64_MAX, 0), VR_VALUE_TOO_LARGE);
  assert_string_equal(vr_value_verdict_text(VR_VALUE_OVER_CACHE),
                      "above the cache's size");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(steady_counter_is_raw),
      cmocka_unit_test(drop_is_carried),
      cmocka_unit_test(known_restart),
      cmocka_unit_test(drop_after_unavailable),
      cmocka_unit_test(reassigned_after_unassigned),
      cmocka_unit_test(reasons),
      cmocka_unit_test(table),
      cmocka_unit_test(counter_past_2_63_refused),
      cmocka_unit_test(total_past_2_63_refused),
      cmocka_unit_test(growth_bound),
      cmocka_unit_test(total_never_falls),
      cmocka_unit_test(occupancy_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
