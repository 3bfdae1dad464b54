/* SPDX-License-Identifier: MIT */
/**
 * Host context sums (doc/design.md, "Host context"): the values of a set of
 * resctrl groups added up per cache id and event, for the `host` (the root
 * group and every other CTRL_MON group) and `vms` (the groups we report)
 * series.
 *
 * Occupancy is a gauge: the sum of this read's values, or none when a
 * member has none (Unavailable, Error, a vanished file), never a partial
 * sum that would read as a drop. Bandwidth is a counter summed over a set
 * of members that changes (groups made and removed by us, libvirt or
 * pqos), so the sum is not the sum of the raw counters, which would fall
 * when a member leaves and leap when one joins: it is a running total to
 * which each member adds only how much its own counter grew since its last
 * read. A member's first read adds nothing (an adopted group's counter
 * counts from long before) unless its counter is known to have started at
 * zero within the interval (a directory made this pass) or the sum itself
 * starts (then the total starts at the raw sum). A member whose counter went
 * down adds nothing that read: its counter restarted, or, for a CTRL_MON
 * group, a MON group under it was removed and took its counts away (the
 * kernel sums only the MON groups that exist, mon_event_count); either way
 * the new value is its next baseline. So the total never falls and never
 * leaps; at worst a member's growth in one interval is not counted.
 *
 * A counter total goes out only for a read in which at least one member's
 * counter read a number (vr_sum_slot.counted): with ABMC (Linux 6.18) an
 * event without an assigned counter reads "Unassigned" (mon_event_count),
 * and a total over members none of which was counted would go out flat, a
 * rate of 0 B/s that no traffic made. Members reading "Unassigned" are
 * left out (mbm-coverage-<id> says how much is counted); a member's first
 * number after "Unassigned" counts whole, because the kernel resets the
 * counter it assigns (rdtgroup_assign_cntr).
 *
 * Pure: data in, data out.
 */
#ifndef VR_HOST_SUM_H
#define VR_HOST_SUM_H

#include "resctrl/metric_table.h"
#include "resctrl/resctrl_values.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One member's memory of one counter. Zeroed: never read. */
typedef struct {
  uint64_t last;
  bool seen;
  /* its last read said "Unassigned": the next number counts from zero */
  bool unassigned;
} vr_sum_member;

/** One read of one scope, per value slot (cache index x event). */
typedef struct {
  uint64_t gauge;     /* sum of the members' gauge values */
  bool gauge_missing; /* a member had no value: no gauge sum this read */
  uint64_t delta;     /* counter growth this read, over all members */
  bool counted;       /* a member's counter read a number: delta is real */
} vr_sum_slot;

/** True when an event is a counter (a DERIVE row of the metric table
 * reads it), false for a gauge. */
bool vr_sum_event_is_counter(vr_resctrl_feature event);

/**
 * How much one member's counter grew: raw - last; 0 on its first read
 * unless count_first (then all of raw), all of raw on its first number
 * after "Unassigned", 0 when it went down (see above). Remembers raw as the
 * member's last.
 */
uint64_t vr_sum_member_delta(vr_sum_member *m, uint64_t raw, bool count_first);

/**
 * vr_sum_member_delta for a CTRL_MON group's own part (its counter less
 * those of its MON groups), which can fall although no counter did: the
 * group is read before its MON groups, and a read whose MON groups grew
 * more between the two than at the last read sees a smaller part. A fall
 * of at most skew (the MON groups' growth since their last read) is that
 * skew: it counts 0 and the last value stays, so the growth counts once,
 * when the part passes it again, not on the rebound as well. A larger fall
 * is a counter that started again (the group made anew): raw is the new
 * last.
 */
uint64_t vr_sum_part_delta(vr_sum_member *m, uint64_t raw, uint64_t skew,
                           bool count_first);

/** Starts a read: n slots, zero sums, nothing missing. */
void vr_sum_begin(vr_sum_slot *slots, size_t n);

/** How many of n value slots (cache index x event) are counters: the
 * members a vr_sum_add state array holds. */
size_t vr_sum_counter_slots(size_t n);

/**
 * Adds one member's read (values[cache_index * VR_FEAT_COUNT + event], as a
 * reader returns them) to slots; state holds the member's memory, one per
 * counter slot in slot order (vr_sum_counter_slots(n) of them: a gauge
 * needs none, and a group keeps two such arrays). n: the slots of slots
 * and values. A counter that did not read a
 * number adds nothing and keeps its last value, so its growth counts at its
 * next number; one that did marks its slot counted.
 */
void vr_sum_add(vr_sum_slot *slots, vr_sum_member *state,
                const vr_resctrl_value *values, size_t n, bool count_first);

/** vr_sum_add for a CTRL_MON group's own part: its counters through
 * vr_sum_part_delta, with skew[i] the growth its MON groups showed in
 * slot i this read. */
void vr_sum_add_part(vr_sum_slot *slots, vr_sum_member *state,
                     const vr_resctrl_value *values, const uint64_t *skew,
                     size_t n, bool count_first);

#endif /* VR_HOST_SUM_H */
