/**
 * A live group: one of our resctrl MON groups that exists and is read every
 * interval, with its open value files and its value lists built once.
 * vr_live_groups_read is the whole of the plugin's read path.
 */
#ifndef VR_LIVE_GROUP_H
#define VR_LIVE_GROUP_H

#include "dispatch.h"
#include "resctrl.h"
#include "resctrl_values.h"
#include "series.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *ctrl; /* parent CTRL_MON group, "" for the root (heap, to size) */
  char *name; /* our directory name (heap, to size) */
  vr_resctrl_reader *reader;
  vr_dispatch_group *dispatch;
  vr_resctrl_value *values; /* one slot per value the reader returns */
  size_t n_values;
} vr_live_group;

/**
 * Opens the group <ctrl>/mon_groups/<name> of ids->resctrl for reading and
 * builds its value lists. notes receives what to say once about its series (""
 * if nothing). Returns 0 or a negative errno with a reason; out is then empty.
 */
int vr_live_group_open(vr_resctrl_fd_budget *budget,
                       const vr_dispatch_input *ids, const char *ctrl,
                       const char *name, vr_live_group *out, char *notes,
                       size_t notes_len, char *reason, size_t reason_len);

/**
 * Reads and dispatches every group, each one vr_live_group_open opened:
 * one pread per value on kept fds, no directory scan, no libvirt call.
 * *vanished is set when a group is gone (removed behind our back, resctrl
 * remounted); the others still report.
 * Returns how many value lists went out.
 */
size_t vr_live_groups_read(vr_live_group *groups, size_t n, bool *vanished);

/** Closes the group's files and frees its value lists. */
void vr_live_group_release(vr_live_group *g);

#endif /* VR_LIVE_GROUP_H */
