/* SPDX-License-Identifier: MIT */
/* Host context sums (host_sum.h): gauges summed per read or not at all,
 * counters as running totals over a set of members that changes, which
 * never fall and never leap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "read/host_sum.h"

#include <string.h>

/* One cache id: slots LLC_OCCUPANCY, MBM_TOTAL_BYTES, MBM_LOCAL_BYTES. */
#define N VR_FEAT_COUNT
#define LLC VR_FEAT_LLC_OCCUPANCY
#define TOTAL VR_FEAT_MBM_TOTAL_BYTES
#define LOCAL VR_FEAT_MBM_LOCAL_BYTES

static vr_resctrl_value num(uint64_t v) {
  return (vr_resctrl_value){.value = v, .status = VR_READ_VALUE};
}
static vr_resctrl_value word(vr_read_status status) {
  return (vr_resctrl_value){.status = status};
}

/* A member reading occupancy llc and both counters at total/local. */
static void member_values(vr_resctrl_value v[N], uint64_t llc, uint64_t total,
                          uint64_t local) {
  v[LLC] = num(llc);
  v[TOTAL] = num(total);
  v[LOCAL] = num(local);
}

static void test_counter_events(void **state) {
  (void)state;
  assert_false(vr_sum_event_is_counter(VR_FEAT_LLC_OCCUPANCY));
  assert_true(vr_sum_event_is_counter(VR_FEAT_MBM_TOTAL_BYTES));
  assert_true(vr_sum_event_is_counter(VR_FEAT_MBM_LOCAL_BYTES));
}

static void test_member_delta(void **state) {
  (void)state;
  vr_sum_member m = {0};
  /* First read: a baseline (an adopted group counted from long before). */
  assert_int_equal(vr_sum_member_delta(&m, 5000, false), 0);
  assert_int_equal(vr_sum_member_delta(&m, 5300, false), 300);
  assert_int_equal(vr_sum_member_delta(&m, 5300, false), 0);
  /* Down: restarted, or a MON group under a CTRL_MON group went away with
   * its counts. Nothing this read; the new value is the baseline. */
  assert_int_equal(vr_sum_member_delta(&m, 100, false), 0);
  assert_int_equal(vr_sum_member_delta(&m, 160, false), 60);
  /* A counter known to start at zero (made this pass): all of it. */
  vr_sum_member fresh = {0};
  assert_int_equal(vr_sum_member_delta(&fresh, 777, true), 777);
  /* count_first applies to the first read only. */
  assert_int_equal(vr_sum_member_delta(&fresh, 700, true), 0);
  assert_int_equal(vr_sum_member_delta(&fresh, 710, true), 10);
}

/* A CTRL_MON group's own part: a fall within its MON groups' growth is
 * read skew (0, last kept, the growth counted once after); a larger fall
 * is a restart (0, a new last). */
static void test_part_delta(void **state) {
  (void)state;
  vr_sum_member m = {0};
  assert_int_equal(vr_sum_part_delta(&m, 100, 0, false), 0);
  assert_int_equal(vr_sum_part_delta(&m, 150, 0, false), 50);
  assert_int_equal(vr_sum_part_delta(&m, 120, 30, false), 0);
  assert_int_equal(m.last, 150);
  assert_int_equal(vr_sum_part_delta(&m, 170, 0, false), 20);
  assert_int_equal(vr_sum_part_delta(&m, 10, 30, false), 0);
  assert_int_equal(m.last, 10);
  assert_int_equal(vr_sum_part_delta(&m, 25, 0, false), 15);
}

static void test_gauges(void **state) {
  (void)state;
  vr_sum_slot slots[N];
  vr_sum_member a[N] = {{0}}, b[N] = {{0}};
  vr_resctrl_value va[N], vb[N];
  member_values(va, 1000, 10, 1);
  member_values(vb, 24, 20, 2);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, a, va, N, false);
  vr_sum_add(slots, b, vb, N, false);
  assert_false(slots[LLC].gauge_missing);
  assert_int_equal(slots[LLC].gauge, 1024);
  /* One member Unavailable (or Error, a vanished file): no sum at all,
   * never a partial one that would read as a drop. */
  vb[LLC] = word(VR_READ_UNAVAILABLE);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, a, va, N, false);
  vr_sum_add(slots, b, vb, N, false);
  assert_true(slots[LLC].gauge_missing);
  vb[LLC] = word(VR_READ_VANISHED);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, b, vb, N, false);
  assert_true(slots[LLC].gauge_missing);
  /* Not monitored: nothing to sum, nothing missing. */
  vb[LLC] = word(VR_READ_NOT_MONITORED);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, b, vb, N, false);
  assert_false(slots[LLC].gauge_missing);
  assert_int_equal(slots[LLC].gauge, 0);
  /* No member: an empty sum is 0 (no group of ours holds any L3). */
  vr_sum_begin(slots, N);
  assert_false(slots[LLC].gauge_missing);
  assert_int_equal(slots[LLC].gauge, 0);
}

/* The running total of TOTAL over reads of a changing set of members:
 * reads[r][m] is member m's counter in read r, 0 when it is not a member
 * then; returns the totals after each read. */
typedef struct {
  uint64_t total;
  bool started;
  vr_sum_member state[4][N];
} running;

static uint64_t read_once(running *run, const uint64_t counters[4],
                          const bool made_now[4]) {
  vr_sum_slot slots[N];
  bool any = false;
  vr_sum_begin(slots, N);
  for (int m = 0; m < 4; m++) {
    if (!counters[m]) {
      /* Gone: a member that comes back is a new live group. */
      memset(run->state[m], 0, sizeof(run->state[m]));
      continue;
    }
    vr_resctrl_value v[N];
    member_values(v, 1, counters[m], counters[m]);
    vr_sum_add(slots, run->state[m], v, N,
               !run->started || (made_now && made_now[m]));
    any = true;
  }
  run->started |= any;
  run->total += slots[TOTAL].delta;
  assert_int_equal(slots[TOTAL].delta, slots[LOCAL].delta);
  return run->total;
}

static void test_changing_set(void **state) {
  (void)state;
  running run = {0};
  /* The first read starts the total at the raw sum. */
  assert_int_equal(read_once(&run, (uint64_t[]){1000, 2000, 0, 0}, NULL), 3000);
  assert_int_equal(read_once(&run, (uint64_t[]){1100, 2050, 0, 0}, NULL), 3150);
  /* Member 1 leaves (our group removed): the raw sum falls by 2050, the
   * total does not; member 0's growth still counts. */
  assert_int_equal(read_once(&run, (uint64_t[]){1200, 0, 0, 0}, NULL), 3250);
  /* Member 2 joins with a large counter (a CTRL_MON group pqos made long
   * ago, an adopted group): no leap, its growth counts from now. */
  assert_int_equal(read_once(&run, (uint64_t[]){1200, 0, 900000, 0}, NULL),
                   3250);
  assert_int_equal(read_once(&run, (uint64_t[]){1210, 0, 900100, 0}, NULL),
                   3360);
  /* Member 3 was made this pass: its counter started at zero at mkdir,
   * so all of it is traffic since. */
  assert_int_equal(read_once(&run, (uint64_t[]){1210, 0, 900100, 40},
                             (bool[]){false, false, false, true}),
                   3400);
  /* Member 2's counter falls (a MON group under it removed, taking its
   * counts): no fall in the total, its next growth counts. */
  assert_int_equal(read_once(&run, (uint64_t[]){1210, 0, 500000, 40}, NULL),
                   3400);
  assert_int_equal(read_once(&run, (uint64_t[]){1210, 0, 500005, 41}, NULL),
                   3406);
  /* Member 1 comes back (made again, as a new live group): a baseline. */
  assert_int_equal(read_once(&run, (uint64_t[]){1210, 70, 500005, 41}, NULL),
                   3406);
}

static void test_unreadable_counter(void **state) {
  (void)state;
  vr_sum_slot slots[N];
  vr_sum_member m[N] = {{0}};
  vr_resctrl_value v[N];
  member_values(v, 1, 100, 100);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, m, v, N, true);
  assert_int_equal(slots[TOTAL].delta, 100);
  assert_true(slots[TOTAL].counted);
  /* Unavailable, Error, a vanished file: nothing this read, not counted,
   * and the growth shows at the next number. */
  const vr_read_status words[] = {VR_READ_UNAVAILABLE, VR_READ_ERROR,
                                  VR_READ_VANISHED};
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
    v[TOTAL] = word(words[i]);
    vr_sum_begin(slots, N);
    vr_sum_add(slots, m, v, N, false);
    assert_int_equal(slots[TOTAL].delta, 0);
    assert_false(slots[TOTAL].counted);
    assert_true(slots[LOCAL].counted);
  }
  v[TOTAL] = num(180);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, m, v, N, false);
  assert_int_equal(slots[TOTAL].delta, 80);
}

/* ABMC (Linux 6.18): members whose events read "Unassigned" are left out,
 * and a read in which no member's counter read a number is not counted at
 * all (the total must not go out flat, a rate of 0 B/s). A counter
 * assigned after "Unassigned" was reset at its assignment
 * (rdtgroup_assign_cntr): its first number is all traffic since. */
static void test_unassigned(void **state) {
  (void)state;
  vr_sum_slot slots[N];
  vr_sum_member a[N] = {{0}}, b[N] = {{0}};
  vr_resctrl_value va[N], vb[N];
  member_values(va, 1, 5000, 5000);
  member_values(vb, 1, 7000, 7000);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, a, va, N, true);
  vr_sum_add(slots, b, vb, N, true);
  assert_true(slots[TOTAL].counted);
  assert_int_equal(slots[TOTAL].delta, 12000);
  /* Both lose their counters: nothing counted, not a delta of 0. */
  va[TOTAL] = vb[TOTAL] = word(VR_READ_UNASSIGNED);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, a, va, N, false);
  vr_sum_add(slots, b, vb, N, false);
  assert_false(slots[TOTAL].counted);
  assert_int_equal(slots[TOTAL].delta, 0);
  /* No member at all: nothing counted either. */
  vr_sum_begin(slots, N);
  assert_false(slots[TOTAL].counted);
  /* a is assigned again: its counter restarted at 0, 300 since. b still
   * reads Unassigned and is left out. */
  va[TOTAL] = num(300);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, a, va, N, false);
  vr_sum_add(slots, b, vb, N, false);
  assert_true(slots[TOTAL].counted);
  assert_int_equal(slots[TOTAL].delta, 300);
  /* From then on, growth as usual. */
  va[TOTAL] = num(350);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, a, va, N, false);
  assert_int_equal(slots[TOTAL].delta, 50);
  /* A group Unassigned from its first read (adopted while the default
   * group held every counter): its first number counts whole too. */
  vr_sum_member c[N] = {{0}};
  vr_resctrl_value vc[N];
  member_values(vc, 1, 0, 0);
  vc[TOTAL] = word(VR_READ_UNASSIGNED);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, c, vc, N, false);
  assert_false(slots[TOTAL].counted);
  vc[TOTAL] = num(40);
  vr_sum_begin(slots, N);
  vr_sum_add(slots, c, vc, N, false);
  assert_int_equal(slots[TOTAL].delta, 40);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counter_events),
      cmocka_unit_test(test_member_delta),
      cmocka_unit_test(test_part_delta),
      cmocka_unit_test(test_gauges),
      cmocka_unit_test(test_changing_set),
      cmocka_unit_test(test_unreadable_counter),
      cmocka_unit_test(test_unassigned),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
