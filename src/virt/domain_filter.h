/* SPDX-License-Identifier: MIT */
/**
 * Domain name filter with the semantics of collectd's virt plugin (its
 * ignorelist): `Domain` names a domain to select (repeatable); a value
 * enclosed in slashes (`/^db-/`) is an extended regular expression that
 * selects every name it matches anywhere; with `IgnoreSelected true` the
 * selected ones are skipped instead. No entries: every domain is selected.
 */
#ifndef VR_DOMAIN_FILTER_H
#define VR_DOMAIN_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct vr_domain_filter {
  char **names;
  size_t count;
  regex_t *regexes;
  size_t n_regexes;
  bool ignore_selected;
} vr_domain_filter;

#define VR_DOMAIN_FILTER_INIT {NULL, 0, NULL, 0, false}

/* Adds an exact name, or a regular expression when ENTRY is `/.../`.
 * Returns 0; -EINVAL for an invalid regular expression, or -ENOMEM; either
 * with a reason fit for the config error message. */
int vr_domain_filter_add(vr_domain_filter *f, const char *entry, char *reason,
                         size_t reason_len);
void vr_domain_filter_set_ignore_selected(vr_domain_filter *f, bool ignore);
/* True when the domain NAME is to be monitored. A NULL filter selects all. */
bool vr_domain_filter_match(const vr_domain_filter *f, const char *name);
void vr_domain_filter_clear(vr_domain_filter *f);

#endif /* VR_DOMAIN_FILTER_H */
