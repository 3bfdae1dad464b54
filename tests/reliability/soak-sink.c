/*
 * The collectd symbols the engine needs beyond tests/support/collectd_shim.c,
 * for in-process reliability tests: a counting sink. Dispatched value lists
 * and notifications are counted (and checked for the fields collectd would
 * reject), meta data sets are real allocations whose live count tests read,
 * so a set the plugin forgets to destroy shows up as a count that does not
 * return to its baseline (and, under ASan, as a LeakSanitizer report).
 */
#include "soak-sink.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct meta_data_s {
  size_t n; /* strings added */
  char **kv;
};

static char hostname_buf[] = "vr-soak";
char *hostname_g = hostname_buf;

static atomic_ulong values_seen, values_bad, notes_seen, meta_live;

cdtime_t cdtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return TIMESPEC_TO_CDTIME_T(&ts);
}

int plugin_dispatch_values(value_list_t const *vl) {
  if (!vl || vl->values_len == 0 || !vl->values ||
      strcmp(vl->plugin, "virt_resctrl") != 0 || vl->type[0] == '\0' ||
      vl->plugin_instance[0] == '\0' || !vl->meta)
    atomic_fetch_add(&values_bad, 1);
  atomic_fetch_add(&values_seen, 1);
  return 0;
}

int plugin_dispatch_notification(const notification_t *n) {
  if (n)
    atomic_fetch_add(&notes_seen, 1);
  return 0;
}

meta_data_t *meta_data_create(void) {
  meta_data_t *md = calloc(1, sizeof(*md));
  if (md)
    atomic_fetch_add(&meta_live, 1);
  return md;
}

void meta_data_destroy(meta_data_t *md) {
  if (!md)
    return;
  for (size_t i = 0; i < md->n; i++)
    free(md->kv[i]);
  free(md->kv);
  free(md);
  atomic_fetch_sub(&meta_live, 1);
}

int meta_data_add_string(meta_data_t *md, const char *key, const char *value) {
  if (!md || !key || !value)
    return -1;
  char **grown = realloc(md->kv, (md->n + 2) * sizeof(*grown));
  if (!grown)
    return -1;
  md->kv = grown;
  md->kv[md->n] = strdup(key);
  md->kv[md->n + 1] = strdup(value);
  if (!md->kv[md->n] || !md->kv[md->n + 1]) {
    free(md->kv[md->n]);
    free(md->kv[md->n + 1]);
    return -1;
  }
  md->n += 2;
  return 0;
}

unsigned long sink_values(void) { return atomic_load(&values_seen); }
unsigned long sink_values_bad(void) { return atomic_load(&values_bad); }
unsigned long sink_notifications(void) { return atomic_load(&notes_seen); }
unsigned long sink_meta_live(void) { return atomic_load(&meta_live); }
