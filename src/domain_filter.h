/**
 * Domain name filter with the semantics of collectd's virt plugin: `Domain`
 * names a domain to select (repeatable); with `IgnoreSelected true` the named
 * ones are skipped instead. No names: every domain is selected.
 */
#ifndef VR_DOMAIN_FILTER_H
#define VR_DOMAIN_FILTER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vr_domain_filter {
  char **names;
  size_t count;
  bool ignore_selected;
} vr_domain_filter_t;

#define VR_DOMAIN_FILTER_INIT                                                  \
  { NULL, 0, false }

/* Adds a name. Returns 0 or -ENOMEM. */
int vr_domain_filter_add(vr_domain_filter_t *f, const char *name);
void vr_domain_filter_set_ignore_selected(vr_domain_filter_t *f, bool ignore);
/* True when the domain NAME is to be monitored. A NULL filter selects all. */
bool vr_domain_filter_match(const vr_domain_filter_t *f, const char *name);
void vr_domain_filter_clear(vr_domain_filter_t *f);

#endif /* VR_DOMAIN_FILTER_H */
