/* SPDX-License-Identifier: MIT */
/**
 * resctrl's state as plain data: which CTRL_MON and MON group each task is
 * in, and every MON group with its tasks. The resctrl module fills it from
 * the `tasks` files (at reconcile time, never per read); reconcile decides
 * on it. Pure types, no I/O.
 *
 * Kernel model (Documentation/filesystems/resctrl.rst, "Resource
 * monitoring"): every task is in exactly one CTRL_MON group (the root is
 * one) and in at most one MON group below that CTRL_MON group.
 */
#ifndef VR_RESCTRL_MODEL_H
#define VR_RESCTRL_MODEL_H

#include <stddef.h>
#include <sys/types.h>

/* resctrl directory names are kernfs names: at most NAME_MAX (255) bytes. */
#define VR_RESCTRL_NAME_MAX 255

typedef struct {
  pid_t tid;
  /* The CTRL_MON group holding the task: "" for the root group. */
  char ctrl[VR_RESCTRL_NAME_MAX + 1];
  /* The MON group (below ctrl) holding it: "" for none. */
  char mon[VR_RESCTRL_NAME_MAX + 1];
} vr_task_place;

typedef struct {
  /* Parent CTRL_MON group: "" for the root (<root>/mon_groups/<name>),
   * else <root>/<ctrl>/mon_groups/<name>. */
  char ctrl[VR_RESCTRL_NAME_MAX + 1];
  char name[VR_RESCTRL_NAME_MAX + 1];
  pid_t *tids; /* as listed by the group's tasks file */
  size_t n_tids;
} vr_mon_group_state;

typedef struct {
  /* Every task that any tasks file listed in a non-root CTRL_MON group or in
   * a MON group, sorted by tid (vr_resctrl_state_find uses bsearch). A task
   * not listed here is in the root CTRL_MON group and in no MON group. */
  vr_task_place *tasks;
  size_t n_tasks;
  /* Every MON group, ours and foreign (the per-thread view, thread_view.h:
   * ours only). */
  vr_mon_group_state *mon_groups;
  size_t n_mon_groups;
  /* Every CTRL_MON group but the root, by name (the host context reads
   * them: the whole host is the root plus these, doc/design.md, "Host
   * context"). */
  char (*ctrl_groups)[VR_RESCTRL_NAME_MAX + 1];
  size_t n_ctrl_groups;
  /* How it was read, for the log and the benches: tasks files read (the
   * kernel walks every thread of the host for each, show_rdt_tasks), and
   * /proc/<tid>/cpu_resctrl_groups files read (each takes the kernel's
   * rdtgroup_mutex, proc_resctrl_show). */
  size_t n_tasks_reads;
  size_t n_proc_reads;
} vr_resctrl_state;

#endif /* VR_RESCTRL_MODEL_H */
