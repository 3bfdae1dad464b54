/* SPDX-License-Identifier: MIT */
/**
 * The threads this run wrote into its own MON groups, and where: what tells
 * a thread the plugin placed from one that got into our group by
 * inheritance (doc/design.md, "Thread placement"). A thread of the first
 * kind that no group claims any more goes back to the parent CTRL_MON
 * group (reconcile.h, VR_ACTION_RELEASE); one of the second kind stays.
 *
 * Bounded: pruned against resctrl's state every pass, so it never holds
 * more than the threads our groups list. Pure: no I/O, no logging.
 */
#ifndef VR_WRITTEN_TIDS_H
#define VR_WRITTEN_TIDS_H

#include "resctrl/resctrl_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
  char name[VR_RESCTRL_NAME_MAX + 1]; /* our MON group's directory name */
  pid_t tid;
} vr_written_tid;

typedef struct {
  vr_written_tid *entries; /* sorted by (name, tid) after vr_written_sort */
  size_t n;
  size_t cap;
} vr_written_set;

/** Records that tid was written to our group name. Lookups need a
 * vr_written_sort first. 0 or -ENOMEM (nothing recorded). */
int vr_written_add(vr_written_set *w, const char *name, pid_t tid);

/** Sorts the set and drops duplicates. */
void vr_written_sort(vr_written_set *w);

/** True when tid was written to our group name (w sorted). */
bool vr_written_has(const vr_written_set *w, const char *name, pid_t tid);

/** Forgets every thread of group name (it was removed). */
void vr_written_drop_group(vr_written_set *w, const char *name);

/**
 * Keeps only what state still shows: an entry whose group state lists
 * stays if the group lists its thread (else it left, or exited); an entry
 * whose group state does not list goes when whole (a full pass saw every
 * group of ours), and stays otherwise (an event pass's state holds its own
 * domains' groups only). Leaves the set sorted. 0 or -ENOMEM (the set is
 * then emptied: at worst a thread we wrote stays, as an inherited one
 * would).
 */
int vr_written_prune(vr_written_set *w, const vr_resctrl_state *state,
                     bool whole);

void vr_written_clear(vr_written_set *w);

#endif /* VR_WRITTEN_TIDS_H */
