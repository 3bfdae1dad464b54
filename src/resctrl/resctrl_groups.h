/* SPDX-License-Identifier: MIT */
/**
 * Our MON groups in resctrl (resctrl_groups.c): made, filled, emptied and
 * removed, only ever under names we own (resctrl_name.h).
 */
#ifndef VR_RESCTRL_GROUPS_H
#define VR_RESCTRL_GROUPS_H

#include "resctrl/resctrl.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * Creates MON group <root>/mon_groups/<name> (ctrl "" or NULL) or
 * <root>/<ctrl>/mon_groups/<name>. name must be ours under prefix
 * (vr_owned_name_parse) and ctrl a single existing directory name:
 * -EINVAL otherwise, nothing created. -ENOSPC (no RMID left) and -EBUSY
 * (RMIDs in limbo) carry info/last_cmd_status as reason; -EEXIST when the
 * group exists already.
 */
int vr_resctrl_group_create(const vr_resctrl *r, const char *prefix,
                            const char *ctrl, const char *name, char *reason,
                            size_t reason_len);

/** What vr_resctrl_group_add_tasks did. */
typedef struct {
  size_t written;   /* ids the kernel accepted */
  size_t vanished;  /* ids that were no live task any more (ESRCH) */
  pid_t failed_tid; /* the id of a failure; 0 when none */
} vr_resctrl_tasks_result;

/**
 * Writes each thread id to our MON group's tasks file, one id per write(2)
 * (O_WRONLY|O_APPEND, never O_TRUNC: the kernel file appends). ESRCH is
 * not an error, it is counted in result->vanished. A refusal stops there:
 * -EINVAL (the task is not in the group's parent CTRL_MON group) with
 * info/last_cmd_status as reason; -ENOENT when the group is gone.
 */
int vr_resctrl_group_add_tasks(const vr_resctrl *r, const char *prefix,
                               const char *ctrl, const char *name,
                               const pid_t *tids, size_t n_tids,
                               vr_resctrl_tasks_result *result, char *reason,
                               size_t reason_len);

/**
 * Moves tid out of our MON group name (whose parent is ctrl, "" for the
 * root) by writing it to the parent CTRL_MON group's tasks file: the task
 * keeps its CLOSID and leaves the MON group (resctrl.rst, "tasks"). The
 * group is neither removed nor made again. A task that is gone (ESRCH) is
 * success. name must be ours, as for vr_resctrl_group_add_tasks.
 */
int vr_resctrl_group_release_task(const vr_resctrl *r, const char *prefix,
                                  const char *ctrl, const char *name, pid_t tid,
                                  char *reason, size_t reason_len);

/**
 * Removes our MON group (rmdir; its tasks return to the parent CTRL_MON
 * group). A group that is already gone is success.
 */
int vr_resctrl_group_remove(const vr_resctrl *r, const char *prefix,
                            const char *ctrl, const char *name, char *reason,
                            size_t reason_len);

/**
 * Removes every MON group of ours under prefix, under the root and under
 * each CTRL_MON group, by listing the mon_groups directories (no tasks file
 * is read, so a failing state read cannot stop it). *removed counts the
 * groups removed; the first failure is returned with its reason after
 * trying every group.
 */
int vr_resctrl_remove_owned(const vr_resctrl *r, const char *prefix,
                            size_t *removed, char *reason, size_t reason_len);

#endif /* VR_RESCTRL_GROUPS_H */
