/* SPDX-License-Identifier: MIT */
/**
 * The value reader; see resctrl_values.h.
 */
#include "resctrl/resctrl_values.h"
#include "base/small_file.h"
#include "resctrl/resctrl_io.h"
#include "resctrl/resctrl_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The longest group directory path below the root, and a value file's. */
#define BASE_MAX (VR_RESCTRL_NAME_MAX * 2 + 32)
#define REL_MAX (BASE_MAX + VR_RESCTRL_NAME_MAX * 2 + 32)

/* How a slot is read, decided once when the reader opens (the read pass
 * runs per value file every interval): not at all, or which parser. */
enum { SLOT_SKIP, SLOT_INTEGER, SLOT_FIXED };

/* Allocated to size: readers exist once per group, and the benchmark counts
 * their memory per 1000 groups. fds[n] is followed by one SLOT_* byte per
 * slot (slot_plan). */
struct vr_resctrl_reader {
  const vr_resctrl *r;
  vr_resctrl_fd_budget *budget;
  char *base;  /* ".../mon_data", rel to root */
  size_t n;    /* n_caches * VR_FEAT_COUNT */
  size_t kept; /* fds held (0 or all) */
  int fds[];   /* -1: not monitored / fallback */
};

static unsigned char *slot_plan(vr_resctrl_reader *rd) {
  return (unsigned char *)(rd->fds + rd->n);
}

int vr_resctrl_raise_nofile(rlim_t want, rlim_t *soft) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return -errno;
  /* Stays the limit in force when raising it fails. */
  *soft = rl.rlim_cur;
  rlim_t target = want;
  if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max)
    target = rl.rlim_max;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= target)
    return 0;
  rl.rlim_cur = target;
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
    return -errno;
  *soft = target;
  return 0;
}

void vr_resctrl_fd_budget_init(vr_resctrl_fd_budget *budget,
                               rlim_t soft_limit) {
  const rlim_t reserve = 256;
  budget->used = 0;
  if (soft_limit == RLIM_INFINITY || soft_limit > (rlim_t)1 << 30)
    soft_limit = (rlim_t)1 << 30;
  budget->limit = (size_t)(soft_limit > 2 * reserve ? soft_limit - reserve
                                                    : soft_limit / 2);
}

/* The group's directory relative to the root, validated. */
static int group_base(const char *ctrl, const char *name, char *buf,
                      size_t len) {
  bool has_ctrl = ctrl && ctrl[0], has_name = name && name[0];
  if ((has_ctrl && !vr_resctrl_component_ok(ctrl)) ||
      (has_name && !vr_resctrl_component_ok(name)))
    return -EINVAL;
  if (has_ctrl && has_name)
    snprintf(buf, len, "%s/mon_groups/%s/mon_data", ctrl, name);
  else if (has_ctrl)
    snprintf(buf, len, "%s/mon_data", ctrl);
  else if (has_name)
    snprintf(buf, len, "mon_groups/%s/mon_data", name);
  else
    snprintf(buf, len, "mon_data");
  return 0;
}

/* The value file of slot i relative to the root. */
static void slot_path(const vr_resctrl_reader *rd, size_t i, char *buf,
                      size_t len) {
  snprintf(buf, len, "%s/%s/%s", rd->base, rd->r->caches[i / VR_FEAT_COUNT].dir,
           vr_resctrl_feature_name((vr_resctrl_feature)(i % VR_FEAT_COUNT)));
}

/* Slot i is read when its event is monitored and belongs to the resource
 * of its domain (an L3 event has no file in another resource's domain);
 * an SNC node's slot only with ReportSubNUMA (read_nodes). */
static bool monitored(const vr_resctrl_reader *rd, size_t i) {
  vr_resctrl_feature f = (vr_resctrl_feature)(i % VR_FEAT_COUNT);
  const vr_resctrl_cache *c = &rd->r->caches[i / VR_FEAT_COUNT];
  return (rd->r->features & (1u << f)) &&
         vr_resctrl_feature_resource(f) == c->resource &&
         (c->node < 0 || rd->r->read_nodes);
}

/* Errors that mean the file's group (or the whole mount) is gone: kernfs
 * answers ENODEV for a removed node, resctrl ENOENT for a group being
 * deleted; a dead FUSE connection gives ENOTCONN. */
static bool vanished_errno(int err) {
  return err == ENOENT || err == ENODEV || err == ENOTCONN || err == ESTALE ||
         err == ENXIO;
}

int vr_resctrl_reader_open(const vr_resctrl *r, const char *ctrl,
                           const char *name, vr_resctrl_fd_budget *budget,
                           vr_resctrl_reader **out, char *reason,
                           size_t reason_len) {
  size_t n = r->n_caches * VR_FEAT_COUNT;
  int rc = 0;
  *out = NULL;
  vr_resctrl_reader *rd = calloc(1, sizeof(*rd) + n * sizeof(int) + n);
  if (!rd)
    return -ENOMEM;
  rd->r = r;
  rd->budget = budget;
  rd->n = n;
  unsigned char *plan = slot_plan(rd);
  for (size_t i = 0; i < n; i++) {
    rd->fds[i] = -1;
    plan[i] =
        !monitored(rd, i) ? SLOT_SKIP
        : vr_resctrl_feature_fixed((vr_resctrl_feature)(i % VR_FEAT_COUNT))
            ? SLOT_FIXED
            : SLOT_INTEGER;
  }
  char base[BASE_MAX];
  rc = group_base(ctrl, name, base, sizeof(base));
  if (rc < 0) {
    vr_resctrl_reason(reason, reason_len,
                      "refusing group \"%s\"/\"%s\": not a directory name",
                      ctrl ? ctrl : "", name ? name : "");
    goto cleanup;
  }
  rd->base = strdup(base);
  if (!rd->base) {
    rc = -ENOMEM;
    vr_resctrl_reason(reason, reason_len, "out of memory");
    goto cleanup;
  }
  int dfd = vr_resctrl_open_beneath(r->root_fd, rd->base, O_PATH | O_DIRECTORY);
  if (dfd < 0) {
    rc = dfd;
    vr_resctrl_reason(reason, reason_len, "cannot open %s/%s: %s", r->path,
                      rd->base, strerror(-rc));
    goto cleanup;
  }
  close(dfd);
  size_t wanted = 0;
  for (size_t i = 0; i < n; i++)
    wanted += plan[i] != SLOT_SKIP;
  /* All or nothing per group, so that a group is either cheap to read or
   * plainly on the fallback path; KeepFilesOpen false keeps none. */
  if (!r->keep_open || budget->used + wanted > budget->limit)
    goto cleanup;
  for (size_t i = 0; i < n; i++) {
    char rel[REL_MAX];
    if (plan[i] == SLOT_SKIP)
      continue;
    slot_path(rd, i, rel, sizeof(rel));
    mode_t found = 0;
    int fd = vr_resctrl_open_file(r->root_fd, rel, O_RDONLY, &found);
    /* Not a regular file (a FIFO, a device): noted for the log; the slot
     * keeps no fd, and each read finds it refused again, at once. */
    if (fd == -VR_ENOTREG) {
      vr_resctrl_note_refused(r, rel, fd, found);
      continue;
    }
    if (fd < 0) {
      rc = fd;
      vr_resctrl_reason(reason, reason_len, "cannot open %s/%s: %s", r->path,
                        rel, strerror(-rc));
      goto cleanup;
    }
    rd->fds[i] = fd;
    rd->kept++;
    budget->used++;
  }
cleanup:
  if (rc < 0)
    vr_resctrl_reader_close(rd);
  else
    *out = rd;
  return rc;
}

size_t vr_resctrl_reader_count(const vr_resctrl_reader *rd) { return rd->n; }

size_t vr_resctrl_reader_kept_fds(const vr_resctrl_reader *rd) {
  return rd->kept;
}

/* Reads slot i: pread on the kept fd (one system call), or open, pread,
 * close below root_fd (beyond the budget, or KeepFilesOpen false).
 * Returns bytes read or -errno. */
static ssize_t read_slot(const vr_resctrl_reader *rd, int root_fd, size_t i,
                         char *buf, size_t len) {
  if (rd->fds[i] >= 0) {
    ssize_t n = pread(rd->fds[i], buf, len - 1, 0);
    return n < 0 ? -errno : n;
  }
  if (root_fd < 0)
    return root_fd;
  char rel[REL_MAX];
  slot_path(rd, i, rel, sizeof(rel));
  mode_t found = 0;
  int fd = vr_resctrl_open_file(root_fd, rel, O_RDONLY, &found);
  vr_resctrl_note_refused(rd->r, rel, fd, found);
  if (fd < 0)
    return fd;
  ssize_t n = pread(fd, buf, len - 1, 0);
  if (n < 0)
    n = -errno;
  close(fd);
  return n;
}

/* fixed: the slot's file holds a decimal fraction (PERF_PKG's). */
static void decode(const char *buf, ssize_t n, bool fixed,
                   vr_resctrl_value *v) {
  static const vr_read_status by_text[] = {
      [VR_VALUE_OK] = VR_READ_VALUE,
      [VR_VALUE_UNAVAILABLE] = VR_READ_UNAVAILABLE,
      [VR_VALUE_ERROR] = VR_READ_ERROR,
      [VR_VALUE_UNASSIGNED] = VR_READ_UNASSIGNED,
      [VR_VALUE_MALFORMED] = VR_READ_FAILED,
  };
  if (n < 0) {
    v->err = (int)-n;
    v->status = vanished_errno(v->err) ? VR_READ_VANISHED : VR_READ_FAILED;
    return;
  }
  vr_value_text kind = fixed
                           ? vr_resctrl_parse_fixed(buf, (size_t)n, &v->value)
                           : vr_resctrl_parse_value(buf, (size_t)n, &v->value);
  v->status = by_text[kind];
  if (kind == VR_VALUE_MALFORMED)
    v->err = EPROTO;
}

int vr_resctrl_reader_read(vr_resctrl_reader *rd, vr_resctrl_value *values,
                           size_t n) {
  bool vanished = false;
  if (n < rd->n)
    return -EINVAL;
  /* A handle that keeps nothing open has no root_fd between passes (and
   * the worker may be opening one): this read opens the root itself, and
   * a root that is another mount now reads as vanished (ESTALE). */
  bool own_root = !rd->r->keep_open;
  int root_fd = own_root ? vr_resctrl_open_root_once(rd->r) : rd->r->root_fd;
  const unsigned char *plan = slot_plan(rd);
  for (size_t i = 0; i < rd->n; i++) {
    vr_resctrl_value *v = &values[i];
    char buf[64];
    memset(v, 0, sizeof(*v));
    if (plan[i] == SLOT_SKIP) {
      v->status = VR_READ_NOT_MONITORED;
      continue;
    }
    decode(buf, read_slot(rd, root_fd, i, buf, sizeof(buf)),
           plan[i] == SLOT_FIXED, v);
    vanished |= v->status == VR_READ_VANISHED;
  }
  if (own_root && root_fd >= 0)
    close(root_fd);
  return vanished ? -ENOENT : 0;
}

void vr_resctrl_reader_close(vr_resctrl_reader *rd) {
  if (!rd)
    return;
  for (size_t i = 0; i < rd->n; i++)
    if (rd->fds[i] >= 0)
      close(rd->fds[i]);
  rd->budget->used -= rd->kept;
  free(rd->base);
  free(rd);
}
