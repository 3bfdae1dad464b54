/* SPDX-License-Identifier: MIT */
/**
 * Domain snapshots; see domain_model.h.
 */
#include "virt/domain_model.h"

#include <stdlib.h>
#include <string.h>

void vr_domain_clear(vr_domain *d) {
  free(d->name);
  free(d->metadata);
  free(d->name_meta);
  free(d->vcpu_tids);
  free(d->threads);
  free(d->iothread_ids);
  memset(d, 0, sizeof(*d));
}

void vr_domain_list_clear(vr_domain_list *list) {
  for (size_t i = 0; i < list->count; i++)
    vr_domain_clear(&list->domains[i]);
  free(list->domains);
  list->domains = NULL;
  list->count = 0;
}
