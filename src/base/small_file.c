/* SPDX-License-Identifier: MIT */
/**
 * Small text files; see small_file.h.
 */
#include "base/small_file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

ssize_t vr_read_fd_full(int fd, char *buf, size_t room) {
  size_t got = 0;
  while (got < room) {
    ssize_t n = read(fd, buf + got, room - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

ssize_t vr_read_fd_string(int fd, char *buf, size_t size) {
  if (size == 0)
    return -EINVAL;
  ssize_t n = vr_read_fd_full(fd, buf, size - 1);
  buf[n > 0 ? (size_t)n : 0] = '\0';
  return n;
}

ssize_t vr_read_small_file_at(int dirfd, const char *path, char *buf,
                              size_t size) {
  if (size == 0)
    return -EINVAL;
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = vr_read_fd_string(fd, buf, size);
  close(fd);
  return n;
}
