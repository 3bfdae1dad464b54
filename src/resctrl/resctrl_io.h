/* SPDX-License-Identifier: MIT */
/**
 * File helpers shared by the resctrl module's files (not used elsewhere):
 * symlink-free path resolution below a directory fd, small whole-file
 * reads, and reason strings.
 */
#ifndef VR_RESCTRL_IO_H
#define VR_RESCTRL_IO_H

#include "resctrl/resctrl.h"

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * openat(dirfd, rel, flags) that resolves rel below dirfd and follows no
 * symbolic link in any component (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, or a component-by-component O_NOFOLLOW walk where
 * the kernel lacks openat2). rel is relative, without "." or ".." parts.
 * O_CLOEXEC is added. Returns the fd or a negative errno (-ELOOP, -EXDEV,
 * -ENOTDIR for a link).
 *
 * An open that is neither O_PATH nor O_DIRECTORY opens a file: it also
 * takes O_NONBLOCK | O_NOCTTY (a FIFO or a device where a file of the
 * kernel's should be must not hold the caller in open(2)) and anything
 * but a regular file is closed again: -VR_ENOTREG (small_file.h), what it
 * was in *found when found is not NULL.
 */
int vr_resctrl_open_file(int dirfd, const char *rel, int flags, mode_t *found);

/** vr_resctrl_open_file without the kind of a refused file. */
int vr_resctrl_open_beneath(int dirfd, const char *rel, int flags);

/**
 * Reads the whole (small) file rel below dirfd into buf, NUL-terminated.
 * Returns the byte count or a negative errno; a longer file is truncated.
 */
ssize_t vr_resctrl_read_file(int dirfd, const char *rel, char *buf, size_t len);

/**
 * Reads the tasks file rel below dirfd into a heap array of thread ids
 * (*tids, *n; NULL/0 when empty), in chunks, keeping at most max_tids ids:
 * a file listing more is -E2BIG and costs one chunk of memory and the
 * ids up to the cap, whatever its size. -EINVAL on a malformed line (a
 * line longer than any id, too), -VR_ENOTREG (kind in *found) for
 * anything but a regular file.
 */
int vr_resctrl_read_tasks(int dirfd, const char *rel, size_t max_tids,
                          pid_t **tids, size_t *n, mode_t *found);

/**
 * Notes, for one log line, that the file rel below r's root was not read
 * because of what it is (what: "is a FIFO, not a regular file"). The
 * handle keeps the first VR_ODD_FILES_MAX distinct notes and counts the
 * rest; safe from any thread. A handle without a note list ignores it.
 */
void vr_resctrl_note_odd(const vr_resctrl *r, const char *rel,
                         const char *what);

/** Notes a refused open or read of rel (-VR_ENOTREG with the kind found,
 * -E2BIG for a tasks file over its cap); other errors are not noted. */
void vr_resctrl_note_refused(const vr_resctrl *r, const char *rel, int err,
                             mode_t found);

/** The note list of a handle (vr_resctrl_open makes it); NULL without
 * memory. Freed with vr_resctrl_odd_free. */
struct vr_resctrl_odd *vr_resctrl_odd_new(void);
void vr_resctrl_odd_free(struct vr_resctrl_odd *odd);

/* Files refused for what they are that a handle names, one log line
 * each; more are counted in one line. */
#define VR_ODD_FILES_MAX 32

/*
 * The most thread ids kept from one tasks file. A tasks file of the
 * kernel's lists the threads of one group, and the groups that matter
 * here hold a VM's QEMU threads (at most a few thousand: libvirt's and
 * QEMU's vCPU limits are 4096 and below); 65536 is far beyond any of
 * them, and bounds what one file costs: the ids (256 KiB) and their
 * places in the state (vr_task_place, 516 bytes each, 34 MB), where an
 * unbounded read of a 100 MB file took collectd past 6 GB.
 */
#define VR_TASKS_MAX_TIDS 65536

/**
 * Opens the listing of rel below dirfd (of dirfd itself when rel is NULL)
 * on a fresh descriptor: closedir closes it, the caller's fd stays. rel is
 * resolved as vr_resctrl_open_beneath does. NULL with errno set on failure.
 */
DIR *vr_resctrl_open_listing(int dirfd, const char *rel);

/**
 * True for the entries of the root that are no CTRL_MON group: info,
 * mon_groups, mon_data (resctrl.rst, "Info directory", "Resource
 * monitoring").
 */
bool vr_resctrl_reserved_root_entry(const char *name);

/**
 * True when s is usable as one path component: non-empty, no '/', not
 * "." or "..", and at most VR_RESCTRL_NAME_MAX bytes.
 */
bool vr_resctrl_component_ok(const char *s);

/* The kernel's last_cmd_status buffer (seq_buf of 512 bytes). */
#define VR_LAST_CMD_STATUS_MAX 512

/**
 * The last line of info/last_cmd_status, trimmed, into buf ("" when
 * unreadable or empty). Call it only right after a call of ours failed:
 * the text is global (any process's last command) and never cleared by a
 * success. Callers quote it as "the kernel says: ...".
 */
void vr_resctrl_last_cmd_status(const vr_resctrl *r, char *buf, size_t len);

/** snprintf into reason when reason is not NULL. */
void vr_resctrl_reason(char *reason, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* VR_RESCTRL_IO_H */
