/* SPDX-License-Identifier: MIT */
/**
 * Live groups and the read path; see live_group.h.
 */
#include "read/live_group.h"

#include "base/vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Copies g's strings so that the live group outlives the pass (and the
 * domain snapshot) that made it: into one block, since there is a live
 * group per group and the benchmark counts their memory per 1000 groups. */
static int copy_identity(vr_readable_group *dst, const vr_readable_group *g) {
  const char *src[] = {g->domain,
                       g->uuid,
                       g->group,
                       g->members ? g->members : "",
                       g->ctrl,
                       g->name,
                       g->name_meta ? g->name_meta : ""};
  const char **slot[] = {&dst->domain,   &dst->uuid, &dst->group,
                         &dst->members,  &dst->ctrl, &dst->name,
                         &dst->name_meta};
  size_t n = sizeof(src) / sizeof(src[0]), total = 0;
  for (size_t i = 0; i < n; i++)
    total += strlen(src[i]) + 1;
  char *block = malloc(total);
  if (!block)
    return -ENOMEM;
  *dst = *g;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(src[i]) + 1;
    memcpy(block, src[i], len);
    *slot[i] = block;
    block += len;
  }
  return 0;
}

/* The block starts at domain; NULL (never copied) is fine. */
static void free_identity(vr_readable_group *id) { free((char *)id->domain); }

int vr_live_group_open(const vr_readable_group *g, const vr_resctrl *r,
                       const vr_series_config *config,
                       const vr_restart_hint *restart,
                       vr_resctrl_fd_budget *budget, vr_live_group **out,
                       char *notes, size_t notes_len, char *reason,
                       size_t reason_len) {
  notes[0] = '\0';
  *out = NULL;
  int status = -ENOMEM;
  vr_live_group *lg = calloc(1, sizeof(*lg));
  if (lg)
    atomic_init(&lg->stale, false);
  if (!lg || copy_identity(&lg->id, g) < 0) {
    ssnprintf(reason, reason_len, "out of memory");
    goto fail;
  }
  status = vr_resctrl_reader_open(r, g->ctrl, g->name, budget, &lg->reader,
                                  reason, reason_len);
  if (status < 0)
    goto fail;
  lg->n_values = vr_resctrl_reader_count(lg->reader);
  lg->values = calloc(lg->n_values ? lg->n_values : 1, sizeof(*lg->values));
  if (!lg->values) {
    ssnprintf(reason, reason_len, "out of memory");
    status = -ENOMEM;
    goto fail;
  }
  /* The root and the other CTRL_MON groups are read for the host context
   * only: they are no domain's and send no series of their own. */
  if (g->source == VR_SOURCE_HOST)
    goto done;
  vr_dispatch_input ids = {
      .domain = g->domain,
      .uuid = g->uuid,
      .group = g->group,
      .members = g->members,
      .name_meta = g->name_meta,
      .name_clash = g->name_clash,
      .owner = g->owner,
      .resctrl = r,
      .config = config,
      .restart = restart,
      .mbm_off = g->mbm_off,
  };
  status = vr_dispatch_group_new(&ids, &lg->dispatch, notes, notes_len, reason,
                                 reason_len);
  if (status < 0)
    goto fail;
done:
  *out = lg;
  return 0;

fail:
  vr_live_group_free(lg);
  return status;
}

size_t vr_live_groups_read(vr_live_group *const *groups, size_t n,
                           vr_carry_table *carry, bool *vanished) {
  size_t sent = 0;
  for (size_t i = 0; i < n; i++) {
    vr_live_group *g = groups[i];
    /* A gone file leaves its slot without a value (VR_READ_VANISHED); the
     * group's other domains still go out this interval. */
    if (vr_resctrl_reader_read(g->reader, g->values, g->n_values) < 0) {
      *vanished = true;
      atomic_store_explicit(&g->stale, true, memory_order_relaxed);
    }
    if (g->dispatch)
      sent +=
          vr_dispatch_group_submit(g->dispatch, g->values, g->n_values, carry);
  }
  return sent;
}

void vr_live_group_free(vr_live_group *g) {
  if (!g)
    return;
  vr_resctrl_reader_close(g->reader);
  vr_dispatch_group_free(g->dispatch);
  free(g->values);
  free(g->sum);
  free(g->host_sum);
  free_identity(&g->id);
  free(g);
}
