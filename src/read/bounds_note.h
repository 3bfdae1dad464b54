/* SPDX-License-Identifier: MIT */
/**
 * The one line per group and event about values out of bounds
 * (doc/design.md, "Values out of bounds"): a read notes the first value
 * held back per event; the group says it when an event goes out of bounds
 * and when it is sane again, never once per read.
 */
#ifndef VR_BOUNDS_NOTE_H
#define VR_BOUNDS_NOTE_H

#include "read/counter_carry.h"
#include "resctrl/metric_table.h"

#include <stdbool.h>
#include <stdint.h>

/** The first value out of bounds per event in one read. Zeroed: none. */
typedef struct {
  unsigned events; /* a bit per vr_resctrl_feature */
  unsigned cache_id[VR_FEAT_COUNT];
  uint64_t raw[VR_FEAT_COUNT];
  vr_value_verdict why[VR_FEAT_COUNT];
} vr_bounds_note;

/** True when why is VR_VALUE_SANE; else false, and the value held back
 * is noted unless one of its event is noted already. */
bool vr_bounds_note_sane(vr_bounds_note *n, vr_resctrl_feature f,
                         unsigned cache_id, uint64_t raw, vr_value_verdict why);

/** After a read: a WARNING line and notification per event newly out of
 * bounds, an OKAY per event sane again; *said_events (the group's, a bit
 * per event) is updated. */
void vr_bounds_note_say(unsigned *said_events, const vr_bounds_note *n,
                        const char *host, const char *instance,
                        const char *label);

#endif /* VR_BOUNDS_NOTE_H */
