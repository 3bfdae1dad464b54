/* SPDX-License-Identifier: MIT */
/**
 * Small text files; see small_file.h.
 */
#include "base/small_file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

const char *vr_file_kind(mode_t mode) {
  switch (mode & S_IFMT) {
  case S_IFIFO:
    return "a FIFO";
  case S_IFSOCK:
    return "a socket";
  case S_IFCHR:
    return "a character device";
  case S_IFBLK:
    return "a block device";
  case S_IFDIR:
    return "a directory";
  case S_IFLNK:
    return "a symbolic link";
  case S_IFREG:
    return "a regular file";
  default:
    return "of an unknown type";
  }
}

int vr_fd_check_regular(int fd, mode_t *mode) {
  struct stat st;
  if (fstat(fd, &st) < 0)
    return -errno;
  if (mode)
    *mode = st.st_mode;
  return S_ISREG(st.st_mode) ? 0 : -VR_ENOTREG;
}

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
  int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | VR_OPEN_SAFE_FLAGS);
  if (fd < 0)
    return -errno;
  ssize_t n = vr_fd_check_regular(fd, NULL);
  if (n == 0)
    n = vr_read_fd_string(fd, buf, size);
  close(fd);
  return n;
}
