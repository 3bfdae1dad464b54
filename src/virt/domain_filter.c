/* SPDX-License-Identifier: MIT */
/**
 * Domain name filter: see domain_filter.h.
 */
#include "virt/domain_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_name(vr_domain_filter *f, const char *name, char *reason,
                    size_t reason_len) {
  char *copy = strdup(name);
  char **grown =
      copy ? realloc(f->names, (f->count + 1) * sizeof(*grown)) : NULL;
  if (grown == NULL) {
    free(copy);
    snprintf(reason, reason_len, "out of memory");
    return -ENOMEM;
  }
  f->names = grown;
  f->names[f->count++] = copy;
  return 0;
}

/* PATTERN is the text between the slashes, LEN bytes of it. */
static int add_regex(vr_domain_filter *f, const char *pattern, size_t len,
                     char *reason, size_t reason_len) {
  int ret = 0;
  char *copy = strndup(pattern, len);
  regex_t *grown =
      copy ? realloc(f->regexes, (f->n_regexes + 1) * sizeof(*grown)) : NULL;
  if (grown == NULL) {
    snprintf(reason, reason_len, "out of memory");
    ret = -ENOMEM;
    goto out;
  }
  f->regexes = grown;
  /* REG_NOSUB: only whether it matches counts, as in collectd's
   * ignorelist, which also searches anywhere in the name (no implicit
   * anchors): `/db/` selects "mydb1", `/^db$/` only "db". */
  int rc = regcomp(&f->regexes[f->n_regexes], copy, REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char msg[256];
    regerror(rc, &f->regexes[f->n_regexes], msg, sizeof(msg));
    snprintf(reason, reason_len, "invalid regular expression /%s/: %s", copy,
             msg);
    ret = rc == REG_ESPACE ? -ENOMEM : -EINVAL;
    goto out;
  }
  f->n_regexes++;
out:
  free(copy);
  return ret;
}

int vr_domain_filter_add(vr_domain_filter *f, const char *entry, char *reason,
                         size_t reason_len) {
  size_t len = strlen(entry);
  /* As collectd's ignorelist_add: only `/x/` and longer is a regex, so a
   * lone "/" or "//" stays a (never matching) literal name. */
  if (len > 2 && entry[0] == '/' && entry[len - 1] == '/')
    return add_regex(f, entry + 1, len - 2, reason, reason_len);
  return add_name(f, entry, reason, reason_len);
}

void vr_domain_filter_set_ignore_selected(vr_domain_filter *f, bool ignore) {
  f->ignore_selected = ignore;
}

static bool listed(const vr_domain_filter *f, const char *name) {
  for (size_t i = 0; i < f->count; i++)
    if (strcmp(f->names[i], name) == 0)
      return true;
  for (size_t i = 0; i < f->n_regexes; i++)
    if (regexec(&f->regexes[i], name, 0, NULL, 0) == 0)
      return true;
  return false;
}

/* collectd's virt (ignorelist): with no entries nothing is "selected", and
 * IgnoreSelected false then still monitors everything. */
bool vr_domain_filter_match(const vr_domain_filter *f, const char *name) {
  if (f == NULL || (f->count == 0 && f->n_regexes == 0))
    return true;
  return f->ignore_selected ? !listed(f, name) : listed(f, name);
}

void vr_domain_filter_clear(vr_domain_filter *f) {
  for (size_t i = 0; i < f->count; i++)
    free(f->names[i]);
  free(f->names);
  for (size_t i = 0; i < f->n_regexes; i++)
    regfree(&f->regexes[i]);
  free(f->regexes);
  *f = (vr_domain_filter)VR_DOMAIN_FILTER_INIT;
}
