/* SPDX-License-Identifier: MIT */
/**
 * The first step of a pass: the engine's view of the running domains,
 * refreshed from libvirt (the whole list, or the domains events named).
 */
#include "engine/engine_domains.h"
#include "virt/vr_libvirt_domains.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void remove_domain(vr_domain_list *list, size_t i) {
  vr_domain_clear(&list->domains[i]);
  list->domains[i] = list->domains[--list->count];
}

/* Replaces (or adds, or drops) one domain after an event. */
static void refresh_domain(vr_engine *e, const char *uuid) {
  char reason[512] = "";
  vr_domain fresh;
  memset(&fresh, 0, sizeof(fresh));
  int status = vr_libvirt_get(e->libvirt, &e->filter, uuid, &fresh, reason,
                              sizeof(reason));
  size_t at = e->domains.count;
  for (size_t i = 0; i < e->domains.count; i++)
    if (strcmp(e->domains.domains[i].uuid, uuid) == 0)
      at = i;
  if (status == -ENOENT || status == -ESRCH) {
    if (at < e->domains.count)
      remove_domain(&e->domains, at);
    vr_domain_clear(&fresh);
    return;
  }
  if (status < 0)
    return; /* disconnected: keep what we knew, groups keep reporting */
  if (at < e->domains.count) {
    vr_domain_clear(&e->domains.domains[at]);
    e->domains.domains[at] = fresh;
    return;
  }
  vr_domain *grown =
      realloc(e->domains.domains, (e->domains.count + 1) * sizeof(*grown));
  if (!grown) {
    vr_domain_clear(&fresh);
    return;
  }
  e->domains.domains = grown;
  e->domains.domains[e->domains.count++] = fresh;
}

void vr_engine_refresh_domains(vr_engine *e, bool full, bool refetch,
                               char dirty[][VR_UUID_STRING_LEN + 1],
                               size_t n_dirty) {
  char reason[512] = "";
  if (full || !e->have_domains) {
    vr_domain_list fresh = {0};
    /* Reuse is sound only for what the events of this connection cover:
     * metadata changes (VIR_DOMAIN_EVENT_ID_METADATA_CHANGE) and restarts
     * (a new id). The dirty domains are asked about below. */
    const vr_domain_list *known =
        e->have_domains && !refetch ? &e->domains : NULL;
    int status = vr_libvirt_list_known(e->libvirt, &e->filter, known, &fresh,
                                       reason, sizeof(reason));
    if (status < 0) {
      VR_COMPLAIN(LOG_WARNING, &e->libvirt_complaint,
                  "cannot list domains (%s); groups already made keep "
                  "reporting, retrying",
                  reason);
      return;
    }
    VR_RELEASE(LOG_INFO, &e->libvirt_complaint, "libvirt answers again");
    vr_domain_list_clear(&e->domains);
    e->domains = fresh;
    e->have_domains = true;
    if (!known)
      return;
  }
  for (size_t i = 0; i < n_dirty; i++)
    refresh_domain(e, dirty[i]);
}
