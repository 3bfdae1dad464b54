/* SPDX-License-Identifier: MIT */
/**
 * Reads task placement into a vr_resctrl_state (see resctrl_model.h), at
 * reconcile time only: every tasks file under the root (the full scan), or,
 * on the kernel's resctrl, /proc/<tid>/cpu_resctrl_groups of the threads we
 * ask about plus our own MON groups' tasks (the per-thread view,
 * thread_view.h).
 *
 * Kernel model (resctrl.rst, "Resource monitoring"): a CTRL_MON group's
 * tasks lists all its tasks, its MON groups' included; a MON group's lists
 * its own. The root's tasks file is not read: a task that no other file
 * lists is in the root group (and under monitoring-only hardware it reads
 * empty anyway).
 */
#include "resctrl/resctrl_state.h"
#include "base/small_file.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_io.h"
#include "resctrl/resctrl_name.h"
#include "resctrl/resctrl_parse.h"
#include "resctrl/thread_view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  vr_task_place *places;
  size_t n_places, cap_places;
  vr_mon_group_state *groups;
  size_t n_groups, cap_groups;
  char (*ctrls)[VR_RESCTRL_NAME_MAX + 1];
  size_t n_ctrls, cap_ctrls;
  /* The per-thread view: only MON groups named ours under this prefix are
   * read, and no CTRL_MON group's tasks; NULL for the full scan. */
  const char *ours_only;
  size_t n_tasks_reads;
} state_builder;

/* Grows *array (of elem bytes, *cap slots) so that one more fits. */
static int grow(void **array, size_t *cap, size_t n, size_t elem) {
  if (n < *cap)
    return 0;
  size_t ncap = *cap ? *cap * 2 : 16;
  void *grown = realloc(*array, ncap * elem);
  if (!grown)
    return -ENOMEM;
  *array = grown;
  *cap = ncap;
  return 0;
}

static int add_places(state_builder *b, const pid_t *tids, size_t n,
                      const char *ctrl, const char *mon) {
  for (size_t i = 0; i < n; i++) {
    int rc = grow((void **)&b->places, &b->cap_places, b->n_places,
                  sizeof(*b->places));
    if (rc < 0)
      return rc;
    vr_task_place *p = &b->places[b->n_places++];
    p->tid = tids[i];
    snprintf(p->ctrl, sizeof(p->ctrl), "%s", ctrl);
    snprintf(p->mon, sizeof(p->mon), "%s", mon);
  }
  return 0;
}

/* Reads rel (a tasks file) into a tid array, at most VR_TASKS_MAX_TIDS
 * of them. A file that vanished while we listed (a group removed
 * meanwhile) reads as -ENOENT; one that is no regular file or lists more
 * than the cap is noted for the log (resctrl_io.h) and reads as that
 * error. */
static int read_tasks(const vr_resctrl *r, const char *rel, pid_t **tids,
                      size_t *n) {
  mode_t found = 0;
  int rc = vr_resctrl_read_tasks(r->root_fd, rel, VR_TASKS_MAX_TIDS, tids, n,
                                 &found);
  vr_resctrl_note_refused(r, rel, rc, found);
  return rc;
}

/* A tasks file refused for what it is (a FIFO, a socket, a device) or
 * for its size (read_tasks): no group the kernel made, skipped like a
 * stray entry, with one log line (resctrl_io.h). */
static bool refused(int rc) { return rc == -VR_ENOTREG || rc == -E2BIG; }

/* True when reading a tasks file failed because its group was removed
 * meanwhile or because a path component is no directory of the kernel's
 * (a stray file, a symbolic link): the entry is no group, not an error.
 * ENODEV: the group was removed between our open and our read; kernfs
 * answers a read of a deactivated node so (kernfs_seq_start). libvirt
 * removes its groups at VM stop without the lock, exactly when a pass
 * reads, so that is one group gone, not resctrl gone. */
static bool gone_or_link(int rc) {
  return rc == -ENOENT || rc == -ENODEV || rc == -ENOTDIR || rc == -ELOOP ||
         rc == -EXDEV || refused(rc);
}

/* Every MON group under parent ("mon_groups" or "<ctrl>/mon_groups"). */
static int read_mon_groups(const vr_resctrl *r, state_builder *b,
                           const char *ctrl, const char *parent) {
  int rc = 0;
  DIR *d = vr_resctrl_open_listing(r->root_fd, parent);
  if (!d)
    return errno == ENOENT ? 0 : -errno;
  struct dirent *e;
  while ((e = readdir(d))) {
    /* resctrl has no symbolic links: one is not a group of the kernel's. */
    if (e->d_name[0] == '.' || e->d_type == DT_LNK)
      continue;
    if (b->ours_only &&
        !vr_owned_name_parse(b->ours_only, e->d_name, NULL, NULL))
      continue;
    char rel[VR_RESCTRL_NAME_MAX * 2 + 32];
    pid_t *tids = NULL;
    size_t n = 0;
    snprintf(rel, sizeof(rel), "%s/%s/tasks", parent, e->d_name);
    b->n_tasks_reads++;
    rc = read_tasks(r, rel, &tids, &n);
    if (gone_or_link(rc)) {
      rc = 0;
      continue;
    }
    if (rc == 0)
      rc = grow((void **)&b->groups, &b->cap_groups, b->n_groups,
                sizeof(*b->groups));
    if (rc == 0)
      rc = add_places(b, tids, n, ctrl, e->d_name);
    if (rc < 0) {
      free(tids);
      goto cleanup;
    }
    vr_mon_group_state *g = &b->groups[b->n_groups++];
    snprintf(g->ctrl, sizeof(g->ctrl), "%s", ctrl);
    snprintf(g->name, sizeof(g->name), "%s", e->d_name);
    g->tids = tids;
    g->n_tids = n;
  }
cleanup:
  closedir(d);
  return rc;
}

/* Notes a CTRL_MON group other than the root: the host context reads each
 * (the whole host is the root plus these) and libvirt's allocations are
 * among them. */
static int add_ctrl(state_builder *b, const char *ctrl) {
  int rc =
      grow((void **)&b->ctrls, &b->cap_ctrls, b->n_ctrls, sizeof(*b->ctrls));
  if (rc == 0)
    snprintf(b->ctrls[b->n_ctrls++], sizeof(*b->ctrls), "%s", ctrl);
  return rc;
}

/* A non-root CTRL_MON group: its tasks, then its MON groups. */
static int read_ctrl_group(const vr_resctrl *r, state_builder *b,
                           const char *ctrl) {
  char rel[VR_RESCTRL_NAME_MAX + 32];
  pid_t *tids = NULL;
  size_t n = 0;
  if (b->ours_only) {
    /* The per-thread view places every thread we ask about: only the
     * MON groups below matter, and listing them walks no thread. */
    snprintf(rel, sizeof(rel), "%s/mon_groups", ctrl);
    int rc = read_mon_groups(r, b, ctrl, rel);
    /* Not a group (a stray file, a link) or removed meanwhile, as the
     * full scan's tasks read below finds. */
    if (gone_or_link(rc))
      return 0;
    return rc < 0 ? rc : add_ctrl(b, ctrl);
  }
  snprintf(rel, sizeof(rel), "%s/tasks", ctrl);
  b->n_tasks_reads++;
  int rc = read_tasks(r, rel, &tids, &n);
  /* Not a group (a stray file, a link) or removed meanwhile. */
  if (gone_or_link(rc))
    return 0;
  if (rc == 0)
    rc = add_places(b, tids, n, ctrl, "");
  free(tids);
  /* Its tasks file read: a CTRL_MON group, part of the whole host. */
  if (rc == 0)
    rc = add_ctrl(b, ctrl);
  if (rc < 0)
    return rc;
  snprintf(rel, sizeof(rel), "%s/mon_groups", ctrl);
  return read_mon_groups(r, b, ctrl, rel);
}

static int place_cmp(const void *a, const void *b) {
  const vr_task_place *x = a, *y = b;
  return (x->tid > y->tid) - (x->tid < y->tid);
}

/*
 * Sorts by tid and keeps one place per task. A task appears in its
 * CTRL_MON group's list and again in its MON group's: the entry naming the
 * MON group wins.
 */
static void merge_places(state_builder *b) {
  size_t out = 0;
  if (b->n_places == 0)
    return;
  qsort(b->places, b->n_places, sizeof(*b->places), place_cmp);
  for (size_t i = 1; i < b->n_places; i++) {
    vr_task_place *kept = &b->places[out];
    if (b->places[i].tid == kept->tid) {
      if (!kept->mon[0] && b->places[i].mon[0])
        *kept = b->places[i];
      continue;
    }
    b->places[++out] = b->places[i];
  }
  b->n_places = out + 1;
}

/* Lists the root and reads the tasks files the builder wants: every
 * CTRL_MON group's and MON group's, or (ours_only) our MON groups'. */
static int scan_groups(const vr_resctrl *r, state_builder *b) {
  int rc;
  DIR *d = vr_resctrl_open_listing(r->root_fd, NULL);
  if (!d)
    return -errno;
  struct dirent *e;
  rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.' || vr_resctrl_reserved_root_entry(e->d_name))
      continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
      continue;
    rc = read_ctrl_group(r, b, e->d_name);
  }
  closedir(d);
  if (rc == 0)
    rc = read_mon_groups(r, b, "", "mon_groups");
  return rc;
}

static void builder_free(state_builder *b) {
  for (size_t i = 0; i < b->n_groups; i++)
    free(b->groups[i].tids);
  free(b->groups);
  free(b->places);
  free(b->ctrls);
}

int vr_resctrl_state_read(const vr_resctrl *r, vr_resctrl_state *state,
                          char *reason, size_t reason_len) {
  state_builder b = {0};
  memset(state, 0, sizeof(*state));
  int rc = scan_groups(r, &b);
  if (rc < 0) {
    vr_resctrl_reason(reason, reason_len,
                      "reading the tasks files under %s: %s", r->path,
                      strerror(-rc));
    builder_free(&b);
    return rc;
  }
  merge_places(&b);
  state->tasks = b.places;
  state->n_tasks = b.n_places;
  state->mon_groups = b.groups;
  state->n_mon_groups = b.n_groups;
  state->ctrl_groups = b.ctrls;
  state->n_ctrl_groups = b.n_ctrls;
  state->n_tasks_reads = b.n_tasks_reads;
  return 0;
}

/* True when the kernel offers /proc/<tid>/cpu_resctrl_groups at all
 * (CONFIG_PROC_CPU_RESCTRL): asked of our own thread. */
static bool thread_view_exists(const char *proc_path) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/thread-self/cpu_resctrl_groups",
           proc_path ? proc_path : "/proc");
  return access(path, R_OK) == 0;
}

int vr_resctrl_thread_place(const char *proc_path, pid_t tid,
                            vr_task_place *place) {
  char path[4096], text[2 * VR_RESCTRL_NAME_MAX + 32];
  if (snprintf(path, sizeof(path), "%s/%d/cpu_resctrl_groups",
               proc_path ? proc_path : "/proc", (int)tid) >= (int)sizeof(path))
    return -ENAMETOOLONG;
  ssize_t len = vr_read_small_file_at(AT_FDCWD, path, text, sizeof(text));
  /* ESRCH: the task exited between the open and the read (proc_single_show). */
  if (len == -ESRCH)
    return -ENOENT;
  if (len < 0)
    return (int)len;
  place->tid = tid;
  return vr_thread_view_parse(text, (size_t)len, place);
}

/*
 * The per-thread view (doc/design.md, "resctrl rules"): a tasks file read makes
 * the kernel walk every thread of the host under rdtgroup_mutex
 * (show_rdt_tasks), so the full scan costs O(groups x host threads). Here the
 * kernel is asked about each of our threads alone (proc_resctrl_show, O(groups)
 * each) and only our own MON groups' tasks are read, to find what must leave
 * them. Our groups are read first, the threads after: a thread's own answer is
 * the later one and wins (vr_thread_view_state).
 */
int vr_resctrl_state_read_threads(const vr_resctrl *r, const char *proc_path,
                                  const char *prefix, const pid_t *tids,
                                  size_t n_tids, vr_resctrl_state *state,
                                  char *reason, size_t reason_len) {
  state_builder b = {.ours_only = prefix};
  vr_task_place *places = NULL;
  size_t n_places = 0, n_proc = 0;
  memset(state, 0, sizeof(*state));
  int rc = scan_groups(r, &b);
  if (rc < 0) {
    vr_resctrl_reason(reason, reason_len,
                      "reading our groups' tasks under %s: %s", r->path,
                      strerror(-rc));
    goto fail;
  }
  places = calloc(n_tids ? n_tids : 1, sizeof(*places));
  if (!places) {
    rc = -ENOMEM;
    vr_resctrl_reason(reason, reason_len, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < n_tids; i++) {
    n_proc++;
    rc = vr_resctrl_thread_place(proc_path, tids[i], &places[n_places]);
    if (rc == -ENOENT && i == 0 && !thread_view_exists(proc_path))
      rc = -EOPNOTSUPP;
    if (rc == -ENOENT) {
      rc = 0; /* gone: no place, as the full scan would not list it */
      continue;
    }
    if (rc < 0) {
      vr_resctrl_reason(reason, reason_len,
                        "reading %s/%d/cpu_resctrl_groups: %s",
                        proc_path ? proc_path : "/proc", (int)tids[i],
                        rc == -ENODATA ? "the kernel says resctrl is not "
                                         "mounted"
                                       : strerror(-rc));
      goto fail;
    }
    n_places++;
  }
  free(b.places); /* the full scan's places: none were gathered */
  rc = vr_thread_view_state(places, n_places, b.groups, b.n_groups, state);
  places = NULL;
  b.groups = NULL;
  b.places = NULL;
  b.n_groups = 0;
  if (rc < 0) {
    vr_resctrl_reason(reason, reason_len, "out of memory");
    return rc;
  }
  state->ctrl_groups = b.ctrls;
  state->n_ctrl_groups = b.n_ctrls;
  state->n_tasks_reads = b.n_tasks_reads;
  state->n_proc_reads = n_proc;
  return 0;
fail:
  free(places);
  builder_free(&b);
  return rc;
}

void vr_resctrl_state_free(vr_resctrl_state *state) {
  for (size_t i = 0; i < state->n_mon_groups; i++)
    free(state->mon_groups[i].tids);
  free(state->mon_groups);
  free(state->tasks);
  free(state->ctrl_groups);
  memset(state, 0, sizeof(*state));
}
