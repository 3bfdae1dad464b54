/* SPDX-License-Identifier: MIT */
/**
 * File helpers of the resctrl module; see resctrl_io.h.
 */
#include "resctrl/resctrl_io.h"

#include "base/small_file.h"
#include "resctrl/resctrl_parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
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

/* The raw open of vr_resctrl_open_file. */
static int open_beneath_raw(int dirfd, const char *rel, int flags) {
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

int vr_resctrl_open_file(int dirfd, const char *rel, int flags, mode_t *found) {
  /* O_PATH opens nothing (openat2 refuses other flags beside it), and
   * O_DIRECTORY fails on anything but a directory. */
  if (flags & (O_PATH | O_DIRECTORY))
    return open_beneath_raw(dirfd, rel, flags);
  int fd = open_beneath_raw(dirfd, rel, flags | VR_OPEN_SAFE_FLAGS);
  /* ENXIO: a socket, or a FIFO opened for writing with no reader; an
   * O_PATH open says which, and the caller reports it as what it is. */
  if (fd == -ENXIO) {
    int path_fd = open_beneath_raw(dirfd, rel, O_PATH);
    if (path_fd < 0)
      return fd;
    int rc = vr_fd_check_regular(path_fd, found);
    close(path_fd);
    return rc < 0 ? rc : fd;
  }
  if (fd < 0)
    return fd;
  int rc = vr_fd_check_regular(fd, found);
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

int vr_resctrl_open_beneath(int dirfd, const char *rel, int flags) {
  return vr_resctrl_open_file(dirfd, rel, flags, NULL);
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

/* One read of a tasks file: 16 KiB, about 2,000 ids of 7 digits. */
#define TASKS_CHUNK 16384

int vr_resctrl_read_tasks(int dirfd, const char *rel, size_t max_tids,
                          pid_t **tids, size_t *n, mode_t *found) {
  char buf[TASKS_CHUNK];
  size_t have = 0, cap = 0, total = 0;
  /* Time is bounded too: max_tids ids of at most ten digits and a newline
   * each, and a chunk besides (a file of blank lines keeps no id). */
  const size_t max_bytes = max_tids * 11 + sizeof(buf);
  int rc = 0;
  *tids = NULL;
  *n = 0;
  int fd = vr_resctrl_open_file(dirfd, rel, O_RDONLY, found);
  if (fd < 0)
    return fd;
  for (;;) {
    ssize_t got = read(fd, buf + have, sizeof(buf) - have);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      rc = -errno;
      goto cleanup;
    }
    total += (size_t)got;
    if (total > max_bytes) {
      rc = -E2BIG;
      goto cleanup;
    }
    size_t end = have + (size_t)got, cut = end;
    /* Whole lines only, but at the end of the file; a chunk without a
     * newline holds no id (ten digits at most) but garbage. */
    if (got > 0) {
      while (cut > 0 && buf[cut - 1] != '\n')
        cut--;
      if (cut == 0 && end == sizeof(buf)) {
        rc = -EINVAL;
        goto cleanup;
      }
    }
    rc = vr_resctrl_parse_tasks_more(buf, cut, max_tids, tids, n, &cap);
    if (rc < 0)
      goto cleanup;
    memmove(buf, buf + cut, end - cut);
    have = end - cut;
    if (got == 0)
      break;
  }
cleanup:
  close(fd);
  if (rc < 0) {
    free(*tids);
    *tids = NULL;
    *n = 0;
  }
  return rc;
}

/* A note: "<root>/<rel> is a FIFO, ...", and whether it was said. */
#define ODD_LINE 1400

struct vr_resctrl_odd {
  pthread_mutex_t lock;
  size_t n, beyond;
  bool beyond_said;
  struct {
    char line[ODD_LINE];
    bool said;
  } notes[VR_ODD_FILES_MAX];
};

struct vr_resctrl_odd *vr_resctrl_odd_new(void) {
  struct vr_resctrl_odd *odd = calloc(1, sizeof(*odd));
  if (odd && pthread_mutex_init(&odd->lock, NULL) != 0) {
    free(odd);
    odd = NULL;
  }
  return odd;
}

void vr_resctrl_odd_free(struct vr_resctrl_odd *odd) {
  if (!odd)
    return;
  pthread_mutex_destroy(&odd->lock);
  free(odd);
}

void vr_resctrl_note_odd(const vr_resctrl *r, const char *rel,
                         const char *what) {
  struct vr_resctrl_odd *odd = r->odd;
  char line[ODD_LINE];
  if (!odd)
    return;
  /* A longer line is cut: it still names the file's end. */
  if (snprintf(line, sizeof(line), "%s/%s %s", r->path, rel, what) < 0)
    return;
  pthread_mutex_lock(&odd->lock);
  bool known = false;
  for (size_t i = 0; i < odd->n && !known; i++)
    known = strcmp(odd->notes[i].line, line) == 0;
  if (!known && odd->n < VR_ODD_FILES_MAX) {
    memcpy(odd->notes[odd->n].line, line, sizeof(line));
    odd->notes[odd->n++].said = false;
  } else if (!known) {
    odd->beyond++;
  }
  pthread_mutex_unlock(&odd->lock);
}

void vr_resctrl_note_refused(const vr_resctrl *r, const char *rel, int err,
                             mode_t found) {
  char what[128];
  if (err == -VR_ENOTREG)
    snprintf(what, sizeof(what), "is %s, not a regular file: not read",
             vr_file_kind(found));
  else if (err == -E2BIG)
    snprintf(what, sizeof(what),
             "lists more than %u thread ids: not read, its threads count "
             "as the root group's",
             (unsigned)VR_TASKS_MAX_TIDS);
  else
    return;
  vr_resctrl_note_odd(r, rel, what);
}

size_t vr_resctrl_odd_take(const vr_resctrl *r,
                           void (*say)(void *arg, const char *line),
                           void *arg) {
  struct vr_resctrl_odd *odd = r->odd;
  size_t said = 0;
  if (!odd)
    return 0;
  pthread_mutex_lock(&odd->lock);
  for (size_t i = 0; i < odd->n; i++) {
    if (odd->notes[i].said)
      continue;
    say(arg, odd->notes[i].line);
    odd->notes[i].said = true;
    said++;
  }
  if (odd->beyond > 0 && !odd->beyond_said) {
    char line[ODD_LINE];
    if (snprintf(line, sizeof(line),
                 "%s: more files not read for what they are than the %d "
                 "named; no more are named",
                 r->path, VR_ODD_FILES_MAX) < 0)
      line[0] = '\0';
    say(arg, line);
    odd->beyond_said = true;
    said++;
  }
  pthread_mutex_unlock(&odd->lock);
  return said;
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
