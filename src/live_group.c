/**
 * Live groups and the read path; see live_group.h.
 */
#include "live_group.h"

#include "vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vr_live_group_open(vr_resctrl_fd_budget *budget,
                       const vr_dispatch_input *ids, const char *ctrl,
                       const char *name, vr_live_group *out, char *notes,
                       size_t notes_len, char *reason, size_t reason_len) {
  memset(out, 0, sizeof(*out));
  notes[0] = '\0';
  int status = -ENOMEM;
  out->ctrl = strdup(ctrl);
  out->name = strdup(name);
  if (!out->ctrl || !out->name) {
    ssnprintf(reason, reason_len, "out of memory");
    goto fail;
  }
  status = vr_resctrl_reader_open(ids->resctrl, ctrl, name, budget,
                                  &out->reader, reason, reason_len);
  if (status < 0)
    goto fail;
  out->n_values = vr_resctrl_reader_count(out->reader);
  out->values = calloc(out->n_values ? out->n_values : 1, sizeof(*out->values));
  if (!out->values) {
    ssnprintf(reason, reason_len, "out of memory");
    status = -ENOMEM;
    goto fail;
  }
  status = vr_dispatch_group_new(ids, &out->dispatch, notes, notes_len, reason,
                                 reason_len);
  if (status < 0)
    goto fail;
  return 0;

fail:
  vr_live_group_release(out);
  return status;
}

size_t vr_live_groups_read(vr_live_group *groups, size_t n, bool *vanished) {
  size_t sent = 0;
  for (size_t i = 0; i < n; i++) {
    vr_live_group *g = &groups[i];
    if (vr_resctrl_reader_read(g->reader, g->values, g->n_values) < 0) {
      *vanished = true;
      continue;
    }
    sent += vr_dispatch_group_submit(g->dispatch, g->values, g->n_values);
  }
  return sent;
}

void vr_live_group_release(vr_live_group *g) {
  vr_resctrl_reader_close(g->reader);
  vr_dispatch_group_free(g->dispatch);
  free(g->values);
  free(g->ctrl);
  free(g->name);
  g->ctrl = NULL;
  g->name = NULL;
  g->reader = NULL;
  g->dispatch = NULL;
  g->values = NULL;
  g->n_values = 0;
}
