/* SPDX-License-Identifier: MIT */
/**
 * Reading the small text files of sysfs, procfs and resctrl.
 */
#ifndef VR_SMALL_FILE_H
#define VR_SMALL_FILE_H

#include <stddef.h>
#include <sys/types.h>

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
 * Reads path (relative to dirfd, or AT_FDCWD) with vr_read_fd_string.
 * Returns its length or -errno.
 */
ssize_t vr_read_small_file_at(int dirfd, const char *path, char *buf,
                              size_t size);

#endif /* VR_SMALL_FILE_H */
