/* SPDX-License-Identifier: MIT */
/**
 * File helpers of the resctrl module; see resctrl_io.h.
 */
#include "resctrl/resctrl_io.h"

#include "base/small_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void vr_resctrl_reason(char *reason, size_t len, const char *fmt, ...) {
  if (!reason || len == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, len, fmt, ap);
  va_end(ap);
}

DIR *vr_resctrl_open_listing(int dirfd, const char *rel) {
  int fd = rel ? vr_resctrl_open_beneath(dirfd, rel, O_RDONLY | O_DIRECTORY)
               : openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    errno = rel ? -fd : errno;
    return NULL;
  }
  DIR *d = fdopendir(fd);
  if (!d) {
    int saved = errno;
    close(fd);
    errno = saved;
  }
  return d;
}

bool vr_resctrl_reserved_root_entry(const char *name) {
  return !strcmp(name, "info") || !strcmp(name, "mon_groups") ||
         !strcmp(name, "mon_data");
}

bool vr_resctrl_component_ok(const char *s) {
  if (!s)
    return false;
  size_t len = strlen(s);
  return len > 0 && len <= VR_RESCTRL_NAME_MAX && !strchr(s, '/') &&
         strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/*
 * The fallback walk: every directory component opened with O_NOFOLLOW |
 * O_DIRECTORY, the last one with O_NOFOLLOW, so a symlink anywhere fails
 * with ELOOP or ENOTDIR instead of steering the open outside the root.
 */
static int open_walk(int dirfd, const char *rel, int flags) {
  char buf[4096];
  int cur = -1;
  int rc;
  if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf))
    return -ENAMETOOLONG;
  char *save = NULL;
  char *part = strtok_r(buf, "/", &save);
  if (!part)
    return -EINVAL;
  int at = dirfd;
  for (;;) {
    char *next = strtok_r(NULL, "/", &save);
    if (strcmp(part, ".") == 0 || strcmp(part, "..") == 0) {
      rc = -EXDEV;
      goto cleanup;
    }
    if (!next) {
      rc = openat(at, part, flags | O_NOFOLLOW | O_CLOEXEC, 0);
      if (rc < 0)
        rc = -errno;
      goto cleanup;
    }
    int fd = openat(at, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      rc = -errno;
      goto cleanup;
    }
    if (cur >= 0)
      close(cur);
    cur = fd;
    at = fd;
    part = next;
  }
cleanup:
  if (cur >= 0)
    close(cur);
  return rc;
}

int vr_resctrl_open_beneath(int dirfd, const char *rel, int flags) {
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  if (rel[0] == '/')
    return -EXDEV;
  long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
  if (fd >= 0)
    return (int)fd;
  /* ENOSYS: a kernel before 5.6; EPERM: a seccomp filter that blocks it. */
  if (errno == ENOSYS || errno == EPERM)
    return open_walk(dirfd, rel, flags);
  return -errno;
}

ssize_t vr_resctrl_read_file(int dirfd, const char *rel, char *buf,
                             size_t len) {
  if (len == 0)
    return -EINVAL;
  int fd = vr_resctrl_open_beneath(dirfd, rel, O_RDONLY);
  if (fd < 0)
    return fd;
  ssize_t rc = vr_read_fd_string(fd, buf, len);
  close(fd);
  return rc;
}

int vr_resctrl_read_file_alloc(int dirfd, const char *rel, char **out,
                               size_t *len) {
  int rc = 0;
  size_t got = 0, cap = 4096;
  char *buf = malloc(cap);
  int fd = vr_resctrl_open_beneath(dirfd, rel, O_RDONLY);
  if (fd < 0) {
    rc = fd;
    goto cleanup;
  }
  if (!buf) {
    rc = -ENOMEM;
    goto cleanup;
  }
  for (;;) {
    ssize_t n = vr_read_fd_full(fd, buf + got, cap - 1 - got);
    if (n < 0) {
      rc = (int)n;
      goto cleanup;
    }
    got += (size_t)n;
    if (got < cap - 1)
      break; /* EOF before the buffer filled */
    char *grown = realloc(buf, cap * 2);
    if (!grown) {
      rc = -ENOMEM;
      goto cleanup;
    }
    buf = grown;
    cap *= 2;
  }
  buf[got] = '\0';
cleanup:
  if (fd >= 0)
    close(fd);
  if (rc < 0) {
    free(buf);
    buf = NULL;
    got = 0;
  }
  *out = buf;
  *len = got;
  return rc;
}

void vr_resctrl_last_cmd_status(const vr_resctrl *r, char *buf, size_t len) {
  char text[VR_LAST_CMD_STATUS_MAX + 1];
  if (len == 0)
    return;
  buf[0] = '\0';
  ssize_t n = vr_resctrl_read_file(r->root_fd, "info/last_cmd_status", text,
                                   sizeof(text));
  if (n <= 0)
    return;
  /* The buffer is global and only some calls clear it (a successful mkdir
   * does not: mkdir_rdt_prepare() never calls rdt_last_cmd_clear()), so
   * lines of earlier failures, ours or libvirt's, accumulate: the line our
   * failing call added is the last one. */
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
    text[--n] = '\0';
  char *newline = strrchr(text, '\n');
  const char *last = newline ? newline + 1 : text;
  /* Since 6.12 a refused tasks write adds a second line after the reason,
   * "Error while processing task N" (rdtgroup_tasks_write): quote both. */
  static const char task_error[] = "Error while processing task";
  if (newline && strncmp(last, task_error, sizeof(task_error) - 1) == 0) {
    *newline = '\0';
    const char *reason = strrchr(text, '\n');
    reason = reason ? reason + 1 : text;
    snprintf(buf, len, "%s; %s", reason, last);
    return;
  }
  snprintf(buf, len, "%s", last);
}
