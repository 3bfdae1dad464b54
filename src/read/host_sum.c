/* SPDX-License-Identifier: MIT */
/**
 * Host context sums; see host_sum.h.
 */
#include "read/host_sum.h"

bool vr_sum_event_is_counter(vr_resctrl_feature event) {
  for (int i = 0; i < VR_METRIC_COUNT; i++)
    if (vr_metric_defs[i].event == event && vr_metric_defs[i].derive)
      return true;
  return false;
}

uint64_t vr_sum_member_delta(vr_sum_member *m, uint64_t raw, bool count_first) {
  uint64_t delta = 0;
  /* ABMC: a counter assigned after "Unassigned" was reset at its
   * assignment (rdtgroup_assign_cntr): all of raw is traffic since. */
  if (m->unassigned)
    delta = raw;
  else if (!m->seen)
    delta = count_first ? raw : 0;
  else if (raw >= m->last)
    delta = raw - m->last;
  m->last = raw;
  m->seen = true;
  m->unassigned = false;
  return delta;
}

uint64_t vr_sum_part_delta(vr_sum_member *m, uint64_t raw, uint64_t skew,
                           bool count_first) {
  if (m->seen && !m->unassigned && raw < m->last && m->last - raw <= skew)
    return 0;
  return vr_sum_member_delta(m, raw, count_first);
}

void vr_sum_begin(vr_sum_slot *slots, size_t n) {
  for (size_t i = 0; i < n; i++)
    slots[i] = (vr_sum_slot){0};
}

size_t vr_sum_counter_slots(size_t n) {
  size_t counters = 0;
  for (size_t i = 0; i < n; i++)
    counters +=
        vr_sum_event_is_counter((vr_resctrl_feature)(i % VR_FEAT_COUNT));
  return counters;
}

/* vr_sum_add and vr_sum_add_part: skew NULL for a whole member. */
static void sum_add(vr_sum_slot *slots, vr_sum_member *state,
                    const vr_resctrl_value *values, const uint64_t *skew,
                    size_t n, bool count_first) {
  /* Looked up once per member, not per value: this runs in the read pass
   * for every group. */
  bool counter[VR_FEAT_COUNT];
  for (int f = 0; f < VR_FEAT_COUNT; f++)
    counter[f] = vr_sum_event_is_counter((vr_resctrl_feature)f);
  /* state holds the counter slots alone, in slot order */
  vr_sum_member *m = state;
  for (size_t i = 0; i < n; i++) {
    const vr_resctrl_value *v = &values[i];
    if (counter[i % VR_FEAT_COUNT]) {
      vr_sum_member *mine = m++;
      /* Not monitored here: no series asks for it, nothing to sum. */
      if (v->status == VR_READ_VALUE) {
        slots[i].delta +=
            skew ? vr_sum_part_delta(mine, v->value, skew[i], count_first)
                 : vr_sum_member_delta(mine, v->value, count_first);
        slots[i].counted = true;
      } else if (v->status == VR_READ_UNASSIGNED) {
        mine->unassigned = true;
      }
    } else if (v->status == VR_READ_NOT_MONITORED) {
      continue;
    } else if (v->status == VR_READ_VALUE) {
      slots[i].gauge += v->value;
    } else {
      slots[i].gauge_missing = true;
    }
  }
}

void vr_sum_add(vr_sum_slot *slots, vr_sum_member *state,
                const vr_resctrl_value *values, size_t n, bool count_first) {
  sum_add(slots, state, values, NULL, n, count_first);
}

void vr_sum_add_part(vr_sum_slot *slots, vr_sum_member *state,
                     const vr_resctrl_value *values, const uint64_t *skew,
                     size_t n, bool count_first) {
  sum_add(slots, state, values, skew, n, count_first);
}
