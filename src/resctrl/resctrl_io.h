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
 */
int vr_resctrl_open_beneath(int dirfd, const char *rel, int flags);

/**
 * Reads the whole (small) file rel below dirfd into buf, NUL-terminated.
 * Returns the byte count or a negative errno; a longer file is truncated.
 */
ssize_t vr_resctrl_read_file(int dirfd, const char *rel, char *buf, size_t len);

/** Reads the whole file rel below dirfd into a heap buffer (*out, *len). */
int vr_resctrl_read_file_alloc(int dirfd, const char *rel, char **out,
                               size_t *len);

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
