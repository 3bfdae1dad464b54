/* SPDX-License-Identifier: MIT */
/**
 * The resctrl root: opening it (discover.c finds what it monitors), its
 * mount identity, whether its domains changed, keeping or dropping its
 * descriptor, and the root's flock. See resctrl.h.
 */
#include "resctrl/resctrl.h"
#include "base/small_file.h"
#include "base/vr_defaults.h"
#include "resctrl/discover.h"
#include "resctrl/resctrl_io.h"
#include "resctrl/resctrl_parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

/* Opens the root directory itself and says what is wrong with it. */
static int open_root(vr_resctrl *r, char *reason, size_t len) {
  r->root_fd = open(r->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (r->root_fd >= 0)
    return 0;
  int err = errno;
  struct stat st;
  /* O_DIRECTORY | O_NOFOLLOW on a symlink fails with ENOTDIR. */
  if (err == ENOTDIR && lstat(r->path, &st) == 0 && S_ISLNK(st.st_mode))
    err = ELOOP;
  if (err == ENOENT)
    vr_resctrl_reason(reason, len,
                      "%s does not exist: this kernel lacks resctrl "
                      "(CONFIG_X86_CPU_RESCTRL) or ResctrlPath is wrong",
                      r->path);
  else if (err == ELOOP)
    vr_resctrl_reason(reason, len,
                      "%s is a symbolic link: set ResctrlPath to the mount "
                      "point itself",
                      r->path);
  else
    vr_resctrl_reason(reason, len, "cannot open %s: %s", r->path,
                      strerror(err));
  return -err;
}

/* The identity of the opened root: what vr_resctrl_same_mount compares. */
static int remember_mount(vr_resctrl *r) {
  struct stat st;
  struct statfs sf;
  if (fstat(r->root_fd, &st) < 0 || fstatfs(r->root_fd, &sf) < 0)
    return -errno;
  r->root_dev = st.st_dev;
  r->root_ino = st.st_ino;
  r->fs_magic = (long)sf.f_type;
  return 0;
}

int vr_resctrl_open(const char *path, const char *sysfs_path, vr_resctrl **out,
                    char *reason, size_t reason_len) {
  int rc;
  vr_resctrl *r = calloc(1, sizeof(*r));
  *out = NULL;
  if (!r)
    return -ENOMEM;
  r->root_fd = -1;
  r->odd = vr_resctrl_odd_new();
  if (!r->odd) {
    vr_resctrl_reason(reason, reason_len, "out of memory");
    rc = -ENOMEM;
    goto cleanup;
  }
  if (!path)
    path = VR_DEFAULT_RESCTRL_PATH;
  if (!sysfs_path)
    sysfs_path = VR_DEFAULT_SYSFS_PATH;
  if (snprintf(r->path, sizeof(r->path), "%s", path) >= (int)sizeof(r->path)) {
    vr_resctrl_reason(reason, reason_len, "ResctrlPath is too long");
    rc = -ENAMETOOLONG;
    goto cleanup;
  }
  rc = open_root(r, reason, reason_len);
  if (rc < 0)
    goto cleanup;
  r->keep_open = true;
  rc = remember_mount(r);
  if (rc < 0) {
    vr_resctrl_reason(reason, reason_len, "cannot stat %s: %s", r->path,
                      strerror(-rc));
    goto cleanup;
  }
  rc = vr_resctrl_discover(r, sysfs_path, reason, reason_len);
cleanup:
  if (rc < 0)
    vr_resctrl_close(r);
  else
    *out = r;
  return rc;
}

void vr_resctrl_close(vr_resctrl *r) {
  if (!r)
    return;
  if (r->root_fd >= 0)
    close(r->root_fd);
  free(r->caches);
  vr_resctrl_odd_free(r->odd);
  free(r);
}

/* The SNC nodes listed below the domain at index at now, all of them
 * among r's: *seen counts them, *changed says one is new. A node going
 * offline while its L3 keeps others removes only its mon_sub_L3_YY
 * (rmdir_mondata_subdir_allrdtgrp -> mon_rmdir_one_subdir). */
static void recheck_nodes(const vr_resctrl *r, size_t at, size_t *seen,
                          bool *changed) {
  char rel[sizeof(r->caches[at].dir) + 16];
  snprintf(rel, sizeof(rel), "mon_data/%s", r->caches[at].dir);
  DIR *d = vr_resctrl_open_listing(r->root_fd, rel);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d))) {
    vr_mon_resource res;
    unsigned node;
    if (!vr_resctrl_parse_mon_sub_dir(e->d_name, &res, &node) ||
        res != r->caches[at].resource)
      continue;
    bool known = false;
    for (size_t i = at + 1; i < r->n_caches && r->caches[i].node >= 0 &&
                            r->caches[i].id == r->caches[at].id;
         i++)
      known |= r->caches[i].node == (int)node;
    *changed |= !known;
    (*seen)++;
  }
  closedir(d);
}

int vr_resctrl_domains_changed(const vr_resctrl *r, bool *changed) {
  size_t seen = 0;
  *changed = false;
  DIR *d = vr_resctrl_open_listing(r->root_fd, "mon_data");
  if (!d)
    return -errno;
  struct dirent *e;
  while ((e = readdir(d)) && !*changed) {
    unsigned id;
    vr_mon_resource res;
    if (!vr_resctrl_parse_mon_dir(e->d_name, &res, &id) ||
        !vr_resctrl_monitors(r, res))
      continue;
    int i = vr_resctrl_cache_index(r, res, id);
    if (i < 0)
      *changed = true;
    else if (r->n_nodes > 0)
      recheck_nodes(r, (size_t)i, &seen, changed);
    seen++;
  }
  closedir(d);
  if (seen != r->n_caches)
    *changed = true;
  return 0;
}

void vr_resctrl_set_sub_numa(vr_resctrl *r, bool read_nodes) {
  r->read_nodes = read_nodes;
}

void vr_resctrl_set_keep_open(vr_resctrl *r, bool keep) {
  r->keep_open = keep;
  if (!keep)
    vr_resctrl_detach(r);
}

bool vr_resctrl_same_mount(const vr_resctrl *r) {
  struct stat st;
  struct statfs sf;
  /* lstat: a symbolic link put in place of the mount point is not it. */
  if (lstat(r->path, &st) < 0 || statfs(r->path, &sf) < 0)
    return false;
  return st.st_dev == r->root_dev && st.st_ino == r->root_ino &&
         (long)sf.f_type == r->fs_magic;
}

int vr_resctrl_open_root_once(const vr_resctrl *r) {
  struct stat st;
  int fd = open(r->path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (fstat(fd, &st) < 0 || st.st_dev != r->root_dev ||
      st.st_ino != r->root_ino) {
    close(fd);
    return -ESTALE;
  }
  return fd;
}

int vr_resctrl_attach(vr_resctrl *r) {
  if (r->root_fd >= 0)
    return 0;
  int fd = vr_resctrl_open_root_once(r);
  if (fd < 0)
    return fd;
  /* O_PATH cannot be flocked nor listed: the pass needs a real open. */
  r->root_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = errno;
  close(fd);
  return r->root_fd < 0 ? -err : 0;
}

void vr_resctrl_detach(vr_resctrl *r) {
  if (r->keep_open || r->root_fd < 0)
    return;
  close(r->root_fd);
  r->root_fd = -1;
}

unsigned vr_resctrl_rmid_limit(unsigned so_far, unsigned more) {
  if (!so_far || (more && more < so_far))
    return more;
  return so_far;
}

int vr_resctrl_cache_index(const vr_resctrl *r, vr_mon_resource resource,
                           unsigned id) {
  for (size_t i = 0; i < r->n_caches; i++)
    if (r->caches[i].resource == resource && r->caches[i].id == id &&
        r->caches[i].node < 0)
      return (int)i;
  return -1;
}

/* Milliseconds on the monotonic clock. */
static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int vr_resctrl_lock(const vr_resctrl *r, unsigned wait_ms, int *lock_fd) {
  int rc = 0;
  *lock_fd = -1;
  /* A descriptor of our own: flock belongs to the open file description,
   * so a lock on root_fd would not exclude another handle of ours. */
  int fd = openat(r->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  /* Never a blocking flock: another process may hold the lock for as
   * long as it likes, and a thread asleep in flock(2) holds up the pass
   * and collectd's shutdown with it. Tries every 10 ms until the
   * deadline, as pqos does for its 100 ms. */
  uint64_t deadline = now_ms() + wait_ms;
  while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EINTR)
      continue;
    if (errno != EWOULDBLOCK || now_ms() >= deadline) {
      rc = -errno;
      goto cleanup;
    }
    struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  *lock_fd = fd;
  fd = -1;
cleanup:
  if (fd >= 0)
    close(fd);
  return rc;
}

void vr_resctrl_unlock(int lock_fd) {
  if (lock_fd < 0)
    return;
  flock(lock_fd, LOCK_UN);
  close(lock_fd);
}
