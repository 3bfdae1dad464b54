/* SPDX-License-Identifier: MIT */
/**
 * The kernel's per-thread view of resctrl (doc/design.md, "resctrl rules"), as
 * pure logic: whether it applies, what one thread's
 * /proc/<tid>/cpu_resctrl_groups says, and the state it gives (which of
 * our threads to watch between resyncs is plan/thread_watch). No I/O:
 * resctrl_state.c reads the files, engine_threads.c decides when.
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

#include "resctrl/resctrl_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* statfs(2) f_type of the kernel's resctrl (include/uapi/linux/magic.h). */
#define VR_RDTGROUP_SUPER_MAGIC 0x7655821L

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

/** Sorts places by thread id (the order the view and the watch keep). */
void vr_task_place_sort(vr_task_place *places, size_t n);

#endif /* VR_THREAD_VIEW_H */
