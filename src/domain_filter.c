/**
 * Domain name filter: see domain_filter.h.
 */
#include "domain_filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vr_domain_filter_add(vr_domain_filter_t *f, const char *name) {
  char *copy = strdup(name);
  if (copy == NULL)
    return -ENOMEM;
  char **grown = realloc(f->names, (f->count + 1) * sizeof(*grown));
  if (grown == NULL) {
    free(copy);
    return -ENOMEM;
  }
  f->names = grown;
  f->names[f->count++] = copy;
  return 0;
}

void vr_domain_filter_set_ignore_selected(vr_domain_filter_t *f, bool ignore) {
  f->ignore_selected = ignore;
}

/* collectd's virt (ignorelist): with no entries nothing is "selected", and
 * IgnoreSelected false then still monitors everything. */
bool vr_domain_filter_match(const vr_domain_filter_t *f, const char *name) {
  if (f == NULL || f->count == 0)
    return true;
  bool listed = false;
  for (size_t i = 0; i < f->count && !listed; i++)
    listed = strcmp(f->names[i], name) == 0;
  return f->ignore_selected ? !listed : listed;
}

void vr_domain_filter_clear(vr_domain_filter_t *f) {
  for (size_t i = 0; i < f->count; i++)
    free(f->names[i]);
  free(f->names);
  f->names = NULL;
  f->count = 0;
  f->ignore_selected = false;
}
