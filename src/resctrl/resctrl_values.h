/* SPDX-License-Identifier: MIT */
/**
 * Reading a group's mon_data values (doc/design.md, "resctrl rules").
 *
 * A reader opens each cache id x feature file of one group once and
 * re-reads it with pread(fd, buf, n, 0): one system call per value in
 * steady state. Beyond the fd budget a group keeps no fd and its values are
 * read open-pread-close. "Unavailable", "Error", "Unassigned" and a
 * vanished group are reported distinctly, never as zero.
 */
#ifndef VR_RESCTRL_VALUES_H
#define VR_RESCTRL_VALUES_H

#include "resctrl/resctrl.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

typedef enum {
  VR_READ_VALUE = 0,     /* value holds the counter */
  VR_READ_UNAVAILABLE,   /* the file read "Unavailable" */
  VR_READ_ERROR,         /* the file read "Error" */
  VR_READ_UNASSIGNED,    /* the file read "Unassigned" */
  VR_READ_NOT_MONITORED, /* the feature is not in mon_features */
  VR_READ_VANISHED,      /* the group or the mount is gone (err says how) */
  VR_READ_FAILED,        /* another read error or unparsable text (err) */
} vr_read_status;

/* The counter first: 16 bytes, not 24, per value kept for every group. */
typedef struct {
  uint64_t value;
  vr_read_status status;
  int err; /* positive errno for VANISHED/FAILED (EPROTO: unparsable) */
} vr_resctrl_value;

/** How many value fds readers may keep open together. */
typedef struct {
  size_t limit;
  size_t used;
} vr_resctrl_fd_budget;

/**
 * Raises the soft RLIMIT_NOFILE to want, or to the hard limit when that is
 * lower; never lowers it. *soft receives the soft limit now in force (for
 * the log line and the fd budget), also when raising it fails: then it is
 * the unchanged limit. 0 or -errno.
 */
int vr_resctrl_raise_nofile(rlim_t want, rlim_t *soft);

/** A budget for a process whose soft RLIMIT_NOFILE is soft_limit: all but
 * a reserve of 256 descriptors (or half, for a small limit) for collectd,
 * its other plugins and libvirt. */
void vr_resctrl_fd_budget_init(vr_resctrl_fd_budget *budget, rlim_t soft_limit);

typedef struct vr_resctrl_reader vr_resctrl_reader;

/**
 * A reader for one group: ctrl "" / name "" is the root group, ctrl "" /
 * name N is mon_groups/N, ctrl C / name "" the CTRL_MON group C, ctrl C /
 * name N is C/mon_groups/N. Reading touches nothing, so foreign groups may
 * be read; names that would leave the root are refused (-EINVAL). -ENOENT
 * when the group does not exist. The group keeps its fds when the whole
 * group fits in the budget, else none. r and budget must outlive the reader.
 */
int vr_resctrl_reader_open(const vr_resctrl *r, const char *ctrl,
                           const char *name, vr_resctrl_fd_budget *budget,
                           vr_resctrl_reader **out, char *reason,
                           size_t reason_len);

/** Values per read: r->n_caches * VR_FEAT_COUNT, a slot per domain and
 * event of the metric table. */
size_t vr_resctrl_reader_count(const vr_resctrl_reader *rd);

/** Value fds the reader keeps open (0: it reads open-pread-close). */
size_t vr_resctrl_reader_kept_fds(const vr_resctrl_reader *rd);

/**
 * Reads every value into values[cache_index * VR_FEAT_COUNT + feature]
 * (n at least vr_resctrl_reader_count). Returns 0, or -ENOENT when the
 * group vanished (removed, or resctrl unmounted or remounted): the caller
 * drops the reader and reopens it later.
 */
int vr_resctrl_reader_read(vr_resctrl_reader *rd, vr_resctrl_value *values,
                           size_t n);

/** Closes the fds, gives them back to the budget, frees; NULL is fine. */
void vr_resctrl_reader_close(vr_resctrl_reader *rd);

#endif /* VR_RESCTRL_VALUES_H */
