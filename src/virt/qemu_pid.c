/* SPDX-License-Identifier: MIT */
/**
 * QEMU's pid from libvirt's pid file, and the check that it is the
 * domain's QEMU; see qemu_pid.h.
 */
#include "virt/qemu_pid.h"

#include "base/small_file.h"
#include "base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static long parse_pid(const char *s, const char **end) {
  uint64_t v;
  if (vr_parse_decimal(s, SIZE_MAX, end, INT_MAX, &v) < 0)
    return -1;
  return (long)v;
}

/* Reads <run_path>/<name>.pid (written by libvirt's QEMU driver).
 * Returns 0, or a negative errno with a reason. */
int vr_qemu_pidfile_read(const char *run_path, const char *name, pid_t *pid,
                         char *reason, size_t reason_len) {
  char path[PATH_MAX];
  char buf[32];
  const char *end;
  int ret = 0;

  if (snprintf(path, sizeof(path), "%s/%s.pid", run_path, name) >=
      (int)sizeof(path)) {
    snprintf(reason, reason_len, "path too long: %s/%s.pid", run_path, name);
    return -ENAMETOOLONG;
  }
  ssize_t len = vr_read_small_file_at(AT_FDCWD, path, buf, sizeof(buf));
  if (len < 0) {
    ret = (int)len;
    snprintf(reason, reason_len, "cannot read QEMU pid file %s: %s", path,
             strerror(-ret));
    return ret;
  }
  long v = parse_pid(buf, &end);
  if (v <= 0 || (*end != '\0' && *end != '\n')) {
    snprintf(reason, reason_len, "QEMU pid file %s holds no pid", path);
    return -EINVAL;
  }
  *pid = (pid_t)v;
  return 0;
}

bool vr_qemu_cmdline_has_uuid(const char *cmdline, size_t len,
                              const char *uuid) {
  /* NUL-separated arguments; the last may lack its NUL (a cut read). */
  size_t i = 0;
  bool after_flag = false;
  while (i < len) {
    const char *arg = cmdline + i;
    size_t n = strnlen(arg, len - i);
    if (after_flag)
      return n == strlen(uuid) && strncasecmp(arg, uuid, n) == 0;
    after_flag = (n == 5 && memcmp(arg, "-uuid", 5) == 0) ||
                 (n == 6 && memcmp(arg, "--uuid", 6) == 0);
    i += n + 1;
  }
  return false;
}

/* The most of /proc/<pid>/cmdline read: libvirt puts -uuid among the first
 * few arguments, long before the device list that makes the line long. */
#define CMDLINE_MAX 65536

/* Checks that pid, read from the pid file of domain uuid, is that domain's
 * QEMU: libvirt always passes "-uuid <uuid>". A stale or wrong pid file
 * may name another domain's QEMU, whose threads we would then move into
 * this domain's groups. Returns 0; -ENOENT when the process cannot be
 * looked at (gone, or a /proc we may not read); -ESRCH, with a reason,
 * when it is another process. */
int vr_qemu_pid_check_uuid(const char *proc_path, pid_t pid, const char *uuid,
                           char *reason, size_t reason_len) {
  char path[PATH_MAX];
  int ret = 0;
  char *buf = NULL;
  if (snprintf(path, sizeof(path), "%s/%d/cmdline", proc_path, (int)pid) >=
      (int)sizeof(path)) {
    snprintf(reason, reason_len, "path too long: %s", proc_path);
    return -ENAMETOOLONG;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    snprintf(reason, reason_len, "cannot read %s: %s", path, strerror(errno));
    return -ENOENT;
  }
  buf = malloc(CMDLINE_MAX);
  ssize_t len = buf ? vr_read_fd_full(fd, buf, CMDLINE_MAX) : -ENOMEM;
  if (len < 0) {
    snprintf(reason, reason_len, "cannot read %s: %s", path,
             strerror((int)-len));
    ret = len == -ENOMEM ? -ENOMEM : -ENOENT;
  } else if (!vr_qemu_cmdline_has_uuid(buf, (size_t)len, uuid)) {
    snprintf(reason, reason_len,
             "the QEMU pid file names process %d, which is not this "
             "domain's QEMU (its command line has no -uuid %s); touching "
             "none of its threads",
             (int)pid, uuid);
    ret = -ESRCH;
  }
  free(buf);
  close(fd);
  return ret;
}

/* read_pidfile, then check_qemu_uuid: 0 only for this domain's QEMU. */
int vr_qemu_pid_read(const char *run_path, const char *proc_path,
                     const char *name, const char *uuid, pid_t *pid,
                     char *reason, size_t reason_len) {
  int ret = vr_qemu_pidfile_read(run_path, name, pid, reason, reason_len);
  if (ret < 0)
    return ret;
  ret = vr_qemu_pid_check_uuid(proc_path, *pid, uuid, reason, reason_len);
  return ret == -ENOENT ? -ESRCH : ret;
}
