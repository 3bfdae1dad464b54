/* SPDX-License-Identifier: MIT */
/**
 * The kernel's per-thread view of resctrl, pure; see thread_view.h.
 */
#include "resctrl/thread_view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vr_thread_view_applies(long fs_magic) {
  return fs_magic == VR_RDTGROUP_SUPER_MAGIC;
}

/* Copies the rest of the line that starts at text[*at] after key into out
 * (cap bytes) and moves *at past it. -EINVAL when the line does not start
 * with key or the name does not fit. */
static int take_line(const char *text, size_t len, size_t *at, const char *key,
                     char *out, size_t cap) {
  size_t k = strlen(key);
  if (len - *at < k || memcmp(text + *at, key, k) != 0)
    return -EINVAL;
  size_t start = *at + k, end = start;
  while (end < len && text[end] != '\n')
    end++;
  if (end - start >= cap)
    return -EINVAL;
  memcpy(out, text + start, end - start);
  out[end - start] = '\0';
  *at = end < len ? end + 1 : end;
  return 0;
}

int vr_thread_view_parse(const char *text, size_t len, vr_task_place *place) {
  char res[VR_RESCTRL_NAME_MAX + 1], mon[VR_RESCTRL_NAME_MAX + 1];
  size_t at = 0;
  if (take_line(text, len, &at, "res:", res, sizeof(res)) < 0 ||
      take_line(text, len, &at, "mon:", mon, sizeof(mon)) < 0)
    return -EINVAL;
  /* Not mounted: proc_resctrl_show prints both keys with nothing after. */
  if (res[0] == '\0')
    return -ENODATA;
  /* The root group is printed "/" followed by its kernfs name, "". */
  snprintf(place->ctrl, sizeof(place->ctrl), "%s",
           res[0] == '/' ? res + 1 : res);
  snprintf(place->mon, sizeof(place->mon), "%s", mon);
  return 0;
}

static int compare_tid(const void *a, const void *b) {
  pid_t x = ((const vr_task_place *)a)->tid;
  pid_t y = ((const vr_task_place *)b)->tid;
  return (x > y) - (x < y);
}

void vr_task_place_sort(vr_task_place *places, size_t n) {
  qsort(places, n, sizeof(*places), compare_tid);
}

int vr_thread_view_state(vr_task_place *places, size_t n_places,
                         vr_mon_group_state *ours, size_t n_ours,
                         vr_resctrl_state *state) {
  size_t n_listed = 0;
  for (size_t g = 0; g < n_ours; g++)
    n_listed += ours[g].n_tids;
  vr_task_place *listed = calloc(n_listed ? n_listed : 1, sizeof(*listed));
  vr_task_place *merged =
      calloc(n_listed + n_places ? n_listed + n_places : 1, sizeof(*merged));
  int rc = 0;
  memset(state, 0, sizeof(*state));
  if (!listed || !merged) {
    rc = -ENOMEM;
    goto out;
  }
  size_t k = 0;
  for (size_t g = 0; g < n_ours; g++)
    for (size_t t = 0; t < ours[g].n_tids; t++) {
      listed[k].tid = ours[g].tids[t];
      snprintf(listed[k].ctrl, sizeof(listed[k].ctrl), "%s", ours[g].ctrl);
      snprintf(listed[k].mon, sizeof(listed[k].mon), "%s", ours[g].name);
      k++;
    }
  if (n_places)
    qsort(places, n_places, sizeof(*places), compare_tid);
  if (n_listed)
    qsort(listed, n_listed, sizeof(*listed), compare_tid);
  /* Merge the two sorted lists, one entry per tid, the thread's own
   * answer first. */
  size_t i = 0, j = 0, n = 0;
  while (i < n_places || j < n_listed) {
    const vr_task_place *next;
    if (j == n_listed || (i < n_places && places[i].tid <= listed[j].tid)) {
      next = &places[i++];
      while (j < n_listed && listed[j].tid == next->tid)
        j++;
    } else {
      next = &listed[j++];
    }
    if (n > 0 && merged[n - 1].tid == next->tid)
      continue; /* a thread two groups claim was asked about twice */
    merged[n++] = *next;
  }
  state->tasks = merged;
  state->n_tasks = n;
  state->mon_groups = ours;
  state->n_mon_groups = n_ours;
  merged = NULL;
  ours = NULL;
out:
  for (size_t g = 0; ours && g < n_ours; g++)
    free(ours[g].tids);
  free(ours);
  free(merged);
  free(listed);
  free(places);
  return rc;
}
