/* SPDX-License-Identifier: MIT */
/**
 * The placement of tasks in resctrl, read from the tree (resctrl_state.c):
 * every tasks file, or on the kernel's resctrl the per-thread view.
 */
#ifndef VR_RESCTRL_STATE_H
#define VR_RESCTRL_STATE_H

#include "resctrl/resctrl.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * Reads every tasks file under the root into *state (see resctrl_model.h):
 * each non-root CTRL_MON group's and each MON group's, ours and foreign.
 * Call it under the lock so that our own operations do not race it.
 * Free with vr_resctrl_state_free.
 */
int vr_resctrl_state_read(const vr_resctrl *r, vr_resctrl_state *state,
                          char *reason, size_t reason_len);

/**
 * The per-thread view (thread_view.h), for a root that is the kernel's
 * resctrl: the place of each of tids from <proc_path>/<tid>/
 * cpu_resctrl_groups, and our own MON groups (named under prefix) with
 * their tasks; no other tasks file is read. A thread that is gone is left
 * out (it reads as in the root group). -ENODATA when the kernel says
 * resctrl is not mounted, -EOPNOTSUPP when the kernel lacks
 * CONFIG_PROC_CPU_RESCTRL. Free with vr_resctrl_state_free.
 */
int vr_resctrl_state_read_threads(const vr_resctrl *r, const char *proc_path,
                                  const char *prefix, const pid_t *tids,
                                  size_t n_tids, vr_resctrl_state *state,
                                  char *reason, size_t reason_len);

/**
 * One thread's place from <proc_path>/<tid>/cpu_resctrl_groups (one read,
 * one take of the kernel's rdtgroup_mutex). -ENOENT when the thread is
 * gone, -ENODATA when resctrl is not mounted, -EINVAL when unreadable.
 */
int vr_resctrl_thread_place(const char *proc_path, pid_t tid,
                            vr_task_place *place);

/** Frees what vr_resctrl_state_read allocated and zeroes *state. */
void vr_resctrl_state_free(vr_resctrl_state *state);

#endif /* VR_RESCTRL_STATE_H */
