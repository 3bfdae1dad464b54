/* SPDX-License-Identifier: MIT */
/**
 * Reading the small text files of sysfs, procfs and resctrl.
 *
 * Nothing here blocks or grows without bound (doc/design.md, "Faults and
 * hostile input"): files are opened O_NONBLOCK | O_NOCTTY, so that a FIFO
 * or a device put where a file of the kernel's should be cannot hold the
 * caller in open(2), and refused unless fstat says they are regular
 * files; reads stop at the caller's buffer.
 */
#ifndef VR_SMALL_FILE_H
#define VR_SMALL_FILE_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The errno for "opened, but not the kind of file expected" (a FIFO, a
 * socket, a device, a directory where a file should be): no errno names
 * it, and this one no call of ours returns otherwise. */
#define VR_ENOTREG EBADFD

/** Flags every open of a file of the kernel's takes besides its own: no
 * wait in open(2) for a FIFO's other end or a device, no controlling tty,
 * no descriptor left to children. */
#define VR_OPEN_SAFE_FLAGS (O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/** What a mode is, for a log line: "a FIFO", "a socket", "a character
 * device", "a block device", "a directory", "a symbolic link", "a regular
 * file". */
const char *vr_file_kind(mode_t mode);

/**
 * Checks that fd is a regular file: 0, -VR_ENOTREG (*mode, when not NULL,
 * receives what it is) or -errno of fstat.
 */
int vr_fd_check_regular(int fd, mode_t *mode);

/** Reads fd until EOF or until room bytes are in buf, retrying EINTR.
 * Returns the bytes read or -errno. Adds no terminator. */
ssize_t vr_read_fd_full(int fd, char *buf, size_t room);

/**
 * Reads fd into buf as a NUL-terminated string of at most size - 1 bytes
 * (a longer file is cut). Returns its length or -errno. Every small-file
 * read of the plugin ends here, whichever way the file was opened.
 */
ssize_t vr_read_fd_string(int fd, char *buf, size_t size);

/**
 * Reads path (relative to dirfd, or AT_FDCWD) with vr_read_fd_string,
 * opened with VR_OPEN_SAFE_FLAGS | O_NOFOLLOW; -VR_ENOTREG for anything
 * but a regular file. Returns its length or -errno.
 */
ssize_t vr_read_small_file_at(int dirfd, const char *path, char *buf,
                              size_t size);

#endif /* VR_SMALL_FILE_H */
