/* SPDX-License-Identifier: MIT */
/*
 * The collectd functions the engine and dispatch call, for programs that run
 * them outside collectd (soak, bench): a counting sink. Value lists and
 * notifications are counted, value lists collectd would reject (empty
 * identifiers, no value, no meta data) apart; meta data is a list of
 * strdup'd pairs, the shape collectd's own has, so memory per group is about
 * what it is under collectd, and the number of live sets is counted so a
 * set the plugin forgets to destroy shows.
 */
#include "collectd_shim.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct meta_entry {
  char *key;
  char *value;
  struct meta_entry *next;
} meta_entry;

struct meta_data_s {
  meta_entry *head;
};

static char hostname_buf[] = "vr-test";
char *hostname_g = hostname_buf;

static atomic_ulong values_seen, values_bad, notes_seen, meta_live;
/* Heap the live meta data sets hold, for the benches' breakdown: each
 * chunk's usable size and its header word. */
static atomic_long meta_bytes;

static long chunk_bytes(void *p) {
  return p ? (long)(malloc_usable_size(p) + sizeof(size_t)) : 0;
}

/* Off unless a unit test asks: the benches count system calls and memory
 * through this sink and must not pay for copies. */
static shim_value *capture_buf;
static size_t capture_cap, capture_n;

void shim_capture(shim_value *buf, size_t cap) {
  capture_buf = buf;
  capture_cap = buf ? cap : 0;
  capture_n = 0;
}

size_t shim_captured(void) { return capture_n; }

const shim_value *shim_find(const shim_value *seen, size_t n,
                            const char *instance, const char *type,
                            const char *type_instance) {
  for (size_t i = 0; i < n; i++)
    if ((!instance || strcmp(seen[i].plugin_instance, instance) == 0) &&
        strcmp(seen[i].type, type) == 0 &&
        strcmp(seen[i].type_instance, type_instance) == 0)
      return &seen[i];
  return NULL;
}

static void capture(value_list_t const *vl) {
  if (capture_n < capture_cap) {
    shim_value *v = &capture_buf[capture_n];
    sstrncpy(v->host, vl->host, sizeof(v->host));
    sstrncpy(v->plugin_instance, vl->plugin_instance,
             sizeof(v->plugin_instance));
    sstrncpy(v->type, vl->type, sizeof(v->type));
    sstrncpy(v->type_instance, vl->type_instance, sizeof(v->type_instance));
    v->value = vl->values[0];
    v->time = vl->time;
    v->has_meta = vl->meta != NULL;
    v->meta[0] = '\0';
    size_t used = 0;
    for (const meta_entry *e = vl->meta ? vl->meta->head : NULL;
         e && used < sizeof(v->meta); e = e->next) {
      int n = snprintf(v->meta + used, sizeof(v->meta) - used, "%s=%s\n",
                       e->key, e->value);
      used += n > 0 ? (size_t)n : 0;
    }
  }
  capture_n++;
}

cdtime_t cdtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return TIMESPEC_TO_CDTIME_T(&ts);
}

int plugin_dispatch_values(value_list_t const *vl) {
  atomic_fetch_add(&values_seen, 1);
  if (vl->values_len != 1 || !vl->values || !vl->plugin[0] || !vl->type[0] ||
      !vl->plugin_instance[0] || !vl->meta) {
    atomic_fetch_add(&values_bad, 1);
    return -1;
  }
  if (capture_buf)
    capture(vl);
  return 0;
}

int plugin_dispatch_notification(const notification_t *n) {
  (void)n;
  atomic_fetch_add(&notes_seen, 1);
  return 0;
}

meta_data_t *meta_data_create(void) {
  meta_data_t *md = calloc(1, sizeof(*md));
  if (md) {
    atomic_fetch_add(&meta_live, 1);
    atomic_fetch_add(&meta_bytes, chunk_bytes(md));
  }
  return md;
}

int meta_data_add_string(meta_data_t *md, const char *key, const char *value) {
  meta_entry *e = calloc(1, sizeof(*e));
  if (!e)
    return -1;
  e->key = strdup(key);
  e->value = strdup(value);
  if (!e->key || !e->value) {
    free(e->key);
    free(e->value);
    free(e);
    return -1;
  }
  e->next = md->head;
  md->head = e;
  atomic_fetch_add(&meta_bytes, chunk_bytes(e) + chunk_bytes(e->key) +
                                    chunk_bytes(e->value));
  return 0;
}

void meta_data_destroy(meta_data_t *md) {
  if (!md)
    return;
  for (meta_entry *e = md->head, *next; e; e = next) {
    next = e->next;
    atomic_fetch_sub(&meta_bytes, chunk_bytes(e) + chunk_bytes(e->key) +
                                      chunk_bytes(e->value));
    free(e->key);
    free(e->value);
    free(e);
  }
  atomic_fetch_sub(&meta_bytes, chunk_bytes(md));
  free(md);
  atomic_fetch_sub(&meta_live, 1);
}

unsigned long shim_values(void) { return atomic_load(&values_seen); }
unsigned long shim_values_bad(void) { return atomic_load(&values_bad); }
unsigned long shim_notifications(void) { return atomic_load(&notes_seen); }
unsigned long shim_meta_live(void) { return atomic_load(&meta_live); }
long shim_meta_bytes(void) { return atomic_load(&meta_bytes); }
