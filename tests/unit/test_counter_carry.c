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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(steady_counter_is_raw),
      cmocka_unit_test(drop_is_carried),
      cmocka_unit_test(known_restart),
      cmocka_unit_test(drop_after_unavailable),
      cmocka_unit_test(reassigned_after_unassigned),
      cmocka_unit_test(reasons),
      cmocka_unit_test(table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
