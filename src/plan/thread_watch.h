/* SPDX-License-Identifier: MIT */
/**
 * Which of our threads to look at between passes, and where each must be
 * (doc/design.md, "Data flow": one cpu_resctrl_groups read per thread the
 * last pass placed, on the kernel's resctrl only). Pure: built from a
 * pass's desired groups, plan and state; engine_threads.c reads the files.
 */
#ifndef VR_THREAD_WATCH_H
#define VR_THREAD_WATCH_H

#include "plan/reconcile.h"
#include "resctrl/thread_view.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Seconds between two looks at our own threads (vr_thread_watch): a thread
 * libvirt or pqos takes into its own group is reported within this, plus
 * one pass. */
#define VR_THREAD_CHECK_S 5

/** Where each thread of a group that a pass left complete must stay. */
typedef struct {
  vr_task_place *places; /* sorted by tid */
  size_t n;
} vr_thread_watch;

/**
 * The threads of every desired group that the pass did not fail
 * (failed[i], may be NULL), minus the tids in skip (threads the pass
 * refused to move), with where they must stay: a group whose outcome is OK
 * in its group (the outcome's ctrl and name); a group in CONFLICT where
 * state saw them (the foreign group that holds one: its leaving ends the
 * conflict). Replaces *w. 0 or -ENOMEM (*w then empty).
 */
int vr_thread_watch_build(const vr_desired_group *desired, size_t n_desired,
                          const vr_plan *plan, const vr_resctrl_state *state,
                          const bool *failed, const pid_t *skip, size_t n_skip,
                          vr_thread_watch *w);

/** True when seen is not where want says the thread must be. */
bool vr_thread_watch_moved(const vr_task_place *want,
                           const vr_task_place *seen);

/**
 * Merges newer into *w, both sorted by tid with one entry per tid; newer's
 * entry wins for a tid in both. An event pass builds the watch of its own
 * domains only: the other domains' threads stay watched. newer is left
 * empty. 0, or -ENOMEM with *w unchanged.
 */
int vr_thread_watch_merge(vr_thread_watch *w, vr_thread_watch *newer);

void vr_thread_watch_clear(vr_thread_watch *w);

#endif /* VR_THREAD_WATCH_H */
