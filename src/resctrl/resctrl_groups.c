/* SPDX-License-Identifier: MIT */
/**
 * Our MON groups: create, add tasks, remove. See resctrl.h.
 *
 * Only a name that vr_owned_name_parse accepts is ever created, written or
 * removed, and every path is resolved below the root fd without following
 * a symbolic link (resctrl_io.h), so nothing outside the root is touched.
 */
#include "resctrl/resctrl_groups.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_io.h"
#include "resctrl/resctrl_name.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Checks prefix, ctrl and name and writes the group's parent directory
 * ("mon_groups" or "<ctrl>/mon_groups") relative to the root into parent.
 * -EINVAL with a reason for anything we must not touch.
 */
static int group_parent(const char *prefix, const char *ctrl, const char *name,
                        char *parent, size_t parent_len, char *reason,
                        size_t reason_len) {
  if (!name || !vr_resctrl_component_ok(name) ||
      !vr_owned_name_parse(prefix, name, NULL, NULL)) {
    vr_resctrl_reason(reason, reason_len,
                      "refusing MON group \"%s\": not a name this plugin "
                      "owns (prefix \"%s\")",
                      name ? name : "(null)", prefix ? prefix : "(null)");
    return -EINVAL;
  }
  if (!ctrl || !ctrl[0]) {
    snprintf(parent, parent_len, "mon_groups");
    return 0;
  }
  if (!vr_resctrl_component_ok(ctrl) || vr_resctrl_reserved_root_entry(ctrl)) {
    vr_resctrl_reason(reason, reason_len,
                      "refusing CTRL_MON group \"%s\": not a group directory "
                      "of the resctrl root",
                      ctrl);
    return -EINVAL;
  }
  snprintf(parent, parent_len, "%s/mon_groups", ctrl);
  return 0;
}

/* Opens a group's parent directory (for mkdirat/unlinkat). */
static int open_parent(const vr_resctrl *r, const char *parent, char *reason,
                       size_t reason_len) {
  int fd = vr_resctrl_open_beneath(r->root_fd, parent, O_PATH | O_DIRECTORY);
  if (fd < 0)
    vr_resctrl_reason(reason, reason_len, "cannot open %s/%s: %s", r->path,
                      parent, strerror(-fd));
  return fd;
}

int vr_resctrl_group_create(const vr_resctrl *r, const char *prefix,
                            const char *ctrl, const char *name, char *reason,
                            size_t reason_len) {
  char parent[VR_RESCTRL_NAME_MAX + 16];
  char status[VR_LAST_CMD_STATUS_MAX];
  int rc = group_parent(prefix, ctrl, name, parent, sizeof(parent), reason,
                        reason_len);
  if (rc < 0)
    return rc;
  int fd = open_parent(r, parent, reason, reason_len);
  if (fd < 0)
    return fd;
  if (mkdirat(fd, name, 0755) == 0)
    goto cleanup;
  rc = -errno;
  /* ENOSPC: no free RMID; EBUSY: none free but some in limbo, waiting for
   * their occupancy to drain (resctrl.rst, "Resource monitoring",
   * max_threshold_occupancy). last_cmd_status says which. */
  vr_resctrl_last_cmd_status(r, status, sizeof(status));
  vr_resctrl_reason(reason, reason_len, "mkdir %s/%s/%s: %s%s%s", r->path,
                    parent, name, strerror(-rc),
                    status[0] ? "; the kernel says: " : "", status);
cleanup:
  close(fd);
  return rc;
}

/* write(2) of one id; returns 0 or -errno. One id per write: the kernel
 * parses each write as a whole and stops at the first bad id. */
static int write_tid(int fd, pid_t tid) {
  char buf[24];
  int len = snprintf(buf, sizeof(buf), "%d\n", (int)tid);
  for (;;) {
    ssize_t n = write(fd, buf, (size_t)len);
    if (n == len)
      return 0;
    if (n >= 0)
      return -EIO;
    if (errno != EINTR)
      return -errno;
  }
}

int vr_resctrl_group_add_tasks(const vr_resctrl *r, const char *prefix,
                               const char *ctrl, const char *name,
                               const pid_t *tids, size_t n_tids,
                               vr_resctrl_tasks_result *result, char *reason,
                               size_t reason_len) {
  char rel[VR_RESCTRL_NAME_MAX * 2 + 32];
  char status[VR_LAST_CMD_STATUS_MAX];
  int fd = -1;
  memset(result, 0, sizeof(*result));
  int rc =
      group_parent(prefix, ctrl, name, rel, sizeof(rel), reason, reason_len);
  if (rc < 0)
    return rc;
  size_t plen = strlen(rel);
  snprintf(rel + plen, sizeof(rel) - plen, "/%s/tasks", name);
  /* O_APPEND, never O_TRUNC: the kernel's tasks file appends each write. */
  fd = vr_resctrl_open_beneath(r->root_fd, rel, O_WRONLY | O_APPEND);
  if (fd < 0) {
    rc = fd;
    vr_resctrl_reason(reason, reason_len, "cannot open %s/%s: %s", r->path, rel,
                      strerror(-rc));
    goto cleanup;
  }
  for (size_t i = 0; i < n_tids; i++) {
    int err = write_tid(fd, tids[i]);
    if (err == 0) {
      result->written++;
      continue;
    }
    /* ESRCH: the thread exited between listing and writing. */
    if (err == -ESRCH) {
      result->vanished++;
      continue;
    }
    rc = err;
    result->failed_tid = tids[i];
    /* EINVAL: the task is not in this MON group's parent CTRL_MON group
     * (resctrl.rst, "Resource monitoring"). */
    vr_resctrl_last_cmd_status(r, status, sizeof(status));
    vr_resctrl_reason(reason, reason_len, "writing task %d to %s/%s: %s%s%s",
                      (int)tids[i], r->path, rel, strerror(-err),
                      status[0] ? "; the kernel says: " : "", status);
    goto cleanup;
  }
cleanup:
  if (fd >= 0)
    close(fd);
  return rc;
}

int vr_resctrl_group_release_task(const vr_resctrl *r, const char *prefix,
                                  const char *ctrl, const char *name, pid_t tid,
                                  char *reason, size_t reason_len) {
  char rel[VR_RESCTRL_NAME_MAX + 32];
  char status[VR_LAST_CMD_STATUS_MAX];
  int rc =
      group_parent(prefix, ctrl, name, rel, sizeof(rel), reason, reason_len);
  if (rc < 0)
    return rc;
  /* The parent's tasks file: "tasks" at the root, else "<ctrl>/tasks". */
  snprintf(rel, sizeof(rel), "%s%stasks", ctrl && ctrl[0] ? ctrl : "",
           ctrl && ctrl[0] ? "/" : "");
  int fd = vr_resctrl_open_beneath(r->root_fd, rel, O_WRONLY | O_APPEND);
  if (fd < 0) {
    vr_resctrl_reason(reason, reason_len, "cannot open %s/%s: %s", r->path, rel,
                      strerror(-fd));
    return fd;
  }
  rc = write_tid(fd, tid);
  if (rc == -ESRCH)
    rc = 0; /* it exited: it is out of our group too */
  if (rc < 0) {
    vr_resctrl_last_cmd_status(r, status, sizeof(status));
    vr_resctrl_reason(reason, reason_len, "writing task %d to %s/%s: %s%s%s",
                      (int)tid, r->path, rel, strerror(-rc),
                      status[0] ? "; the kernel says: " : "", status);
  }
  close(fd);
  return rc;
}

int vr_resctrl_group_remove(const vr_resctrl *r, const char *prefix,
                            const char *ctrl, const char *name, char *reason,
                            size_t reason_len) {
  char parent[VR_RESCTRL_NAME_MAX + 16];
  int rc = group_parent(prefix, ctrl, name, parent, sizeof(parent), reason,
                        reason_len);
  if (rc < 0)
    return rc;
  int fd = open_parent(r, parent, reason, reason_len);
  /* The CTRL_MON group went away and took its MON groups with it. */
  if (fd == -ENOENT)
    return 0;
  if (fd < 0)
    return fd;
  /* unlinkat never follows a final symlink: it fails with ENOTDIR. */
  if (unlinkat(fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
    rc = -errno;
    vr_resctrl_reason(reason, reason_len, "rmdir %s/%s/%s: %s", r->path, parent,
                      name, strerror(-rc));
  }
  close(fd);
  return rc;
}

/* Removes ours among the MON groups listed in parent ("mon_groups" or
 * "<ctrl>/mon_groups"); keeps the first failure in *rc. */
static void remove_owned_in(const vr_resctrl *r, const char *prefix,
                            const char *ctrl, const char *parent,
                            size_t *removed, int *rc, char *reason,
                            size_t reason_len) {
  DIR *d = vr_resctrl_open_listing(r->root_fd, parent);
  if (!d)
    return; /* no mon_groups (a stray entry, or removed meanwhile) */
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' ||
        !vr_owned_name_parse(prefix, e->d_name, NULL, NULL))
      continue;
    char why[512] = "";
    int status =
        vr_resctrl_group_remove(r, prefix, ctrl, e->d_name, why, sizeof(why));
    if (status == 0)
      (*removed)++;
    else if (*rc == 0) {
      *rc = status;
      vr_resctrl_reason(reason, reason_len, "%s", why);
    }
  }
  closedir(d);
}

int vr_resctrl_remove_owned(const vr_resctrl *r, const char *prefix,
                            size_t *removed, char *reason, size_t reason_len) {
  int rc = 0;
  *removed = 0;
  remove_owned_in(r, prefix, "", "mon_groups", removed, &rc, reason,
                  reason_len);
  DIR *d = vr_resctrl_open_listing(r->root_fd, NULL);
  if (!d) {
    vr_resctrl_reason(reason, reason_len, "cannot list %s: %s", r->path,
                      strerror(errno));
    return -errno;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    char parent[VR_RESCTRL_NAME_MAX + 16];
    if (e->d_name[0] == '.' || vr_resctrl_reserved_root_entry(e->d_name) ||
        (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
      continue;
    snprintf(parent, sizeof(parent), "%s/mon_groups", e->d_name);
    remove_owned_in(r, prefix, e->d_name, parent, removed, &rc, reason,
                    reason_len);
  }
  closedir(d);
  return rc;
}
