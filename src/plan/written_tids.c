/* SPDX-License-Identifier: MIT */
/**
 * The threads this run wrote into its own groups; see written_tids.h.
 */
#include "plan/written_tids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_written(const void *a, const void *b) {
  const vr_written_tid *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c == 0)
    c = (x->tid > y->tid) - (x->tid < y->tid);
  return c;
}

int vr_written_add(vr_written_set *w, const char *name, pid_t tid) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 16;
    vr_written_tid *grown = realloc(w->entries, cap * sizeof(*grown));
    if (!grown)
      return -ENOMEM;
    w->entries = grown;
    w->cap = cap;
  }
  vr_written_tid *e = &w->entries[w->n++];
  snprintf(e->name, sizeof(e->name), "%s", name);
  e->tid = tid;
  return 0;
}

void vr_written_sort(vr_written_set *w) {
  if (w->n == 0)
    return;
  qsort(w->entries, w->n, sizeof(*w->entries), compare_written);
  size_t kept = 1;
  for (size_t k = 1; k < w->n; k++)
    if (compare_written(&w->entries[k], &w->entries[kept - 1]) != 0)
      w->entries[kept++] = w->entries[k];
  w->n = kept;
}

/* The first entry not below (name, tid) in the sorted set. */
static size_t lower_bound(const vr_written_set *w, const char *name,
                          pid_t tid) {
  size_t lo = 0, hi = w->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const vr_written_tid *e = &w->entries[mid];
    int c = strcmp(e->name, name);
    if (c == 0)
      c = (e->tid > tid) - (e->tid < tid);
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

bool vr_written_has(const vr_written_set *w, const char *name, pid_t tid) {
  size_t k = lower_bound(w, name, tid);
  return k < w->n && w->entries[k].tid == tid &&
         strcmp(w->entries[k].name, name) == 0;
}

void vr_written_drop_group(vr_written_set *w, const char *name) {
  size_t kept = 0;
  for (size_t k = 0; k < w->n; k++)
    if (strcmp(w->entries[k].name, name) != 0)
      w->entries[kept++] = w->entries[k];
  w->n = kept;
}

int vr_written_prune(vr_written_set *w, const vr_resctrl_state *state,
                     bool whole) {
  /* Per entry: 1 its group is in state, 2 its thread is listed there. */
  unsigned char *seen = NULL;
  int rc = 0;
  vr_written_sort(w);
  if (w->n == 0)
    goto out;
  seen = calloc(w->n, sizeof(*seen));
  if (!seen) {
    w->n = 0;
    rc = -ENOMEM;
    goto out;
  }
  /* O(tids listed x log entries): entries of one name are contiguous. */
  for (size_t g = 0; g < state->n_mon_groups; g++) {
    const vr_mon_group_state *m = &state->mon_groups[g];
    for (size_t k = lower_bound(w, m->name, 0);
         k < w->n && strcmp(w->entries[k].name, m->name) == 0; k++)
      seen[k] |= 1;
    for (size_t t = 0; t < m->n_tids; t++)
      if (vr_written_has(w, m->name, m->tids[t]))
        seen[lower_bound(w, m->name, m->tids[t])] |= 2;
  }
  size_t kept = 0;
  for (size_t k = 0; k < w->n; k++)
    if ((seen[k] & 2) || (!whole && !(seen[k] & 1)))
      w->entries[kept++] = w->entries[k];
  w->n = kept;
out:
  free(seen);
  return rc;
}

void vr_written_clear(vr_written_set *w) {
  free(w->entries);
  *w = (vr_written_set){0};
}
