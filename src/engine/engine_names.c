/* SPDX-License-Identifier: MIT */
/**
 * Names of the domains' series across domains; see engine_names.h.
 *
 * Names and UUIDs are unique per host, a Nova display name is not: two
 * instances may share one. The clash is decided over every running domain
 * the engine knows (doc/design.md, "collectd interface"), in the worker, so
 * the read pass only copies names built beforehand.
 */
#include "engine/engine_names.h"
#include "read/name_format.h"
#include "read/series.h"

#include <stdlib.h>
#include <string.h>

/* Room for a key: two labels of a domain name, UUID, metadata value and
 * Hostname each; a longer one falls back to the UUID anyway. */
#define KEY_LEN 4096

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Says which domains clash, once per change of that set (by name, sorted:
 * the engine's list changes order as domains come and go). Returns whether
 * it changed. */
static bool say_clashes(vr_engine *e, const bool *clash) {
  char said[sizeof(e->clash_said)] = "";
  size_t used = 0, n = 0;
  const char **names = calloc(e->domains.count + 1, sizeof(*names));
  if (!names)
    return false;
  for (size_t i = 0; i < e->domains.count; i++)
    if (clash[i])
      names[n++] = e->domains.domains[i].name;
  qsort(names, n, sizeof(*names), by_name);
  for (size_t i = 0; i < n && used < sizeof(said); i++) {
    int w = snprintf(said + used, sizeof(said) - used, "%s%s", i ? ", " : "",
                     names[i]);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  free(names);
  if (strcmp(said, e->clash_said) == 0)
    return false;
  sstrncpy(e->clash_said, said, sizeof(e->clash_said));
  if (said[0])
    VR_NOTICE("domains %s would share a host and plugin_instance under "
              "HostnameFormat and PluginInstanceFormat: each uses its UUID "
              "in plugin_instance instead",
              said);
  return true;
}

void vr_engine_name_groups(vr_engine *e, vr_readable_group *groups, size_t n,
                           bool event_pass) {
  size_t count = e->domains.count;
  char *keys = calloc(count + 1, KEY_LEN);
  const char **labels = calloc(count + 1, sizeof(*labels));
  bool *clash = calloc(count + 1, sizeof(*clash));
  if (!keys || !labels || !clash)
    goto out; /* no clash known: names as the formats give them */
  for (size_t i = 0; i < count; i++) {
    const vr_domain *d = &e->domains.domains[i];
    vr_series_input in = {
        .domain = d->name, .uuid = d->uuid, .metadata = d->name_meta};
    vr_series_name_key(&in, &e->series_config, keys + i * KEY_LEN, KEY_LEN);
    labels[i] = keys + i * KEY_LEN;
  }
  vr_name_clashes(labels, count, clash);
  /* An event pass rebuilds its own domains' groups only: when the rename
   * of one domain starts or ends a clash, the other domain's groups are
   * carried over under their old names. A full pass right after renames
   * them too, instead of waiting for RefreshInterval. */
  if (say_clashes(e, clash) && event_pass) {
    vr_mutex_lock(&e->lock);
    e->full_resync = true;
    vr_mutex_unlock(&e->lock);
  }
  for (size_t g = 0; g < n; g++) {
    if (groups[g].source == VR_SOURCE_HOST || groups[g].uuid == NULL)
      continue;
    for (size_t i = 0; i < count; i++) {
      if (strcmp(e->domains.domains[i].uuid, groups[g].uuid) != 0)
        continue;
      groups[g].name_meta = e->domains.domains[i].name_meta;
      groups[g].name_clash = clash[i];
      break;
    }
  }
out:
  free(keys);
  free(labels);
  free(clash);
}
