/**
 * Reads every tasks file under the root into a vr_resctrl_state (see
 * resctrl_model.h), at reconcile time only.
 *
 * Kernel model (resctrl.rst, "Resource monitoring"): a CTRL_MON group's
 * tasks lists all its tasks, its MON groups' included; a MON group's lists
 * its own. The root's tasks file is not read: a task that no other file
 * lists is in the root group (and under monitoring-only hardware it reads
 * empty anyway).
 */
#include "resctrl.h"
#include "resctrl_io.h"
#include "resctrl_parse.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  vr_task_place *places;
  size_t n_places, cap_places;
  vr_mon_group_state *groups;
  size_t n_groups, cap_groups;
  char (*ctrls)[VR_RESCTRL_NAME_MAX + 1];
  size_t n_ctrls, cap_ctrls;
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

/* Reads rel (a tasks file) into a tid array. A file that vanished while we
 * listed (a group removed meanwhile) reads as -ENOENT. */
static int read_tasks(const vr_resctrl *r, const char *rel, pid_t **tids,
                      size_t *n) {
  char *text;
  size_t len;
  int rc = vr_resctrl_read_file_alloc(r->root_fd, rel, &text, &len);
  if (rc < 0)
    return rc;
  rc = vr_resctrl_parse_tasks(text, len, tids, n);
  free(text);
  return rc;
}

/* True when reading a tasks file failed because its group was removed
 * meanwhile or because a path component is no directory of the kernel's
 * (a stray file, a symbolic link): the entry is no group, not an error.
 * ENODEV: the group was removed between our open and our read; kernfs
 * answers a read of a deactivated node so (kernfs_seq_start). libvirt
 * removes its groups at VM stop without the lock, exactly when a pass
 * reads, so that is one group gone, not resctrl gone. */
static bool gone_or_link(int rc) {
  return rc == -ENOENT || rc == -ENODEV || rc == -ENOTDIR || rc == -ELOOP ||
         rc == -EXDEV;
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
    char rel[VR_RESCTRL_NAME_MAX * 2 + 32];
    pid_t *tids = NULL;
    size_t n = 0;
    snprintf(rel, sizeof(rel), "%s/%s/tasks", parent, e->d_name);
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

/* A non-root CTRL_MON group: its tasks, then its MON groups. */
static int read_ctrl_group(const vr_resctrl *r, state_builder *b,
                           const char *ctrl) {
  char rel[VR_RESCTRL_NAME_MAX + 32];
  pid_t *tids = NULL;
  size_t n = 0;
  snprintf(rel, sizeof(rel), "%s/tasks", ctrl);
  int rc = read_tasks(r, rel, &tids, &n);
  /* Not a group (a stray file, a link) or removed meanwhile. */
  if (gone_or_link(rc))
    return 0;
  if (rc == 0)
    rc = add_places(b, tids, n, ctrl, "");
  free(tids);
  /* Its tasks file read: a CTRL_MON group, part of the whole host. */
  if (rc == 0)
    rc = grow((void **)&b->ctrls, &b->cap_ctrls, b->n_ctrls, sizeof(*b->ctrls));
  if (rc < 0)
    return rc;
  snprintf(b->ctrls[b->n_ctrls++], sizeof(*b->ctrls), "%s", ctrl);
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

int vr_resctrl_state_read(const vr_resctrl *r, vr_resctrl_state *state,
                          char *reason, size_t reason_len) {
  state_builder b = {0};
  int rc;
  memset(state, 0, sizeof(*state));
  DIR *d = vr_resctrl_open_listing(r->root_fd, NULL);
  if (!d) {
    rc = -errno;
    goto cleanup;
  }
  struct dirent *e;
  rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.' || vr_resctrl_reserved_root_entry(e->d_name))
      continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
      continue;
    rc = read_ctrl_group(r, &b, e->d_name);
  }
  closedir(d);
  if (rc == 0)
    rc = read_mon_groups(r, &b, "", "mon_groups");
cleanup:
  if (rc < 0) {
    vr_resctrl_reason(reason, reason_len,
                      "reading the tasks files under %s: %s", r->path,
                      strerror(-rc));
    for (size_t i = 0; i < b.n_groups; i++)
      free(b.groups[i].tids);
    free(b.groups);
    free(b.places);
    free(b.ctrls);
    return rc;
  }
  merge_places(&b);
  state->tasks = b.places;
  state->n_tasks = b.n_places;
  state->mon_groups = b.groups;
  state->n_mon_groups = b.n_groups;
  state->ctrl_groups = b.ctrls;
  state->n_ctrl_groups = b.n_ctrls;
  return 0;
}

void vr_resctrl_state_free(vr_resctrl_state *state) {
  for (size_t i = 0; i < state->n_mon_groups; i++)
    free(state->mon_groups[i].tids);
  free(state->mon_groups);
  free(state->tasks);
  free(state->ctrl_groups);
  memset(state, 0, sizeof(*state));
}
