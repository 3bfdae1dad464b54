/**
 * The kernel's per-thread view of resctrl (issue 13 items 4 and 13), as
 * pure logic: whether it applies, what one thread's
 * /proc/<tid>/cpu_resctrl_groups says, the state it gives, and which of our
 * threads to watch between resyncs. No I/O: resctrl_state.c reads the
 * files, engine_threads.c decides when.
 *
 * Kernel (CONFIG_PROC_CPU_RESCTRL, proc_resctrl_show in
 * arch/x86/kernel/cpu/resctrl/rdtgroup.c, fs/resctrl/rdtgroup.c since
 * 6.13): under rdtgroup_mutex it prints the task's CTRL_MON group as
 * "res:<name>" ("res:/" for the root group) and its MON group as
 * "mon:<name>" ("mon:" for none), or "res:\nmon:\n" when resctrl is not
 * mounted. It describes the kernel's own resctrl only, never another
 * filesystem (the FUSE emulator) mounted at ResctrlPath.
 */
#ifndef VR_THREAD_VIEW_H
#define VR_THREAD_VIEW_H

#include "plan/reconcile.h"
#include "resctrl/resctrl_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* statfs(2) f_type of the kernel's resctrl (include/uapi/linux/magic.h). */
#define VR_RDTGROUP_SUPER_MAGIC 0x7655821L

/* Seconds between two looks at our own threads (vr_thread_watch): a thread
 * libvirt or pqos takes into its own group is reported within this, plus
 * one pass. */
#define VR_THREAD_CHECK_S 5

/** True when a root whose statfs f_type is fs_magic is the kernel's own
 * resctrl, the one /proc/<tid>/cpu_resctrl_groups describes. */
bool vr_thread_view_applies(long fs_magic);

/**
 * Parses one cpu_resctrl_groups file into place (tid left as is): ctrl ""
 * for the root group, mon "" for none. -ENODATA when it reads empty
 * (resctrl not mounted: the view says nothing), -EINVAL when malformed.
 */
int vr_thread_view_parse(const char *text, size_t len, vr_task_place *place);

/**
 * Builds state from the places of the threads we asked about and our own
 * MON groups (each with its tasks). Takes both arrays (freed on failure
 * too). A task listed by one of our groups is placed there unless its own
 * file named another MON group (it moved between the two reads: the
 * thread's own answer is the later one). Foreign MON groups are not in
 * state->mon_groups: reconcile only keeps, fills or removes ours, and
 * learns where a claimed thread is from its place. 0 or -ENOMEM.
 */
int vr_thread_view_state(vr_task_place *places, size_t n_places,
                         vr_mon_group_state *ours, size_t n_ours,
                         vr_resctrl_state *state);

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

#endif /* VR_THREAD_VIEW_H */
