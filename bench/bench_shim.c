/*
 * Stand-ins for collectd's daemon: log, complaints, a counting sink for
 * value lists and notifications, and a minimal meta data set. The sink does
 * the least a dispatch can do (count), so that the benchmark's cycle time is
 * the plugin's own and not collectd's write chain.
 */
#include "bench_shim.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_level = LOG_ERR;
static uint64_t dispatched;
static uint64_t notifications;
static char hostname_buf[] = "bench-host";
char *hostname_g = hostname_buf;

void bench_set_log_level(int level) { log_level = level; }
uint64_t bench_dispatched(void) { return dispatched; }
uint64_t bench_notifications(void) { return notifications; }

void plugin_log(int level, const char *format, ...) {
  if (level > log_level)
    return;
  va_list ap;
  va_start(ap, format);
  vfprintf(stderr, format, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static void complain(int level, const char *format, va_list ap) {
  char line[1024];
  vsnprintf(line, sizeof(line), format, ap);
  plugin_log(level, "%s", line);
}

void c_complain(int level, c_complain_t *c, const char *format, ...) {
  if (c->complained_once)
    return;
  c->complained_once = true;
  va_list ap;
  va_start(ap, format);
  complain(level, format, ap);
  va_end(ap);
}

void c_do_release(int level, c_complain_t *c, const char *format, ...) {
  if (!c->complained_once)
    return;
  c->complained_once = false;
  va_list ap;
  va_start(ap, format);
  complain(level, format, ap);
  va_end(ap);
}

char *sstrncpy(char *dest, const char *src, size_t n) {
  if (n == 0)
    return dest;
  size_t len = strnlen(src, n - 1);
  memcpy(dest, src, len);
  dest[len] = '\0';
  return dest;
}

int ssnprintf(char *str, size_t size, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  int status = vsnprintf(str, size, format, ap);
  va_end(ap);
  return status;
}

cdtime_t cdtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return TIMESPEC_TO_CDTIME_T(&ts);
}

/* The counting sink. A value list whose identifiers are empty would be
 * rejected by collectd: count those apart so a broken build shows. */
int plugin_dispatch_values(value_list_t const *vl) {
  if (!vl->plugin[0] || !vl->type[0] || vl->values_len != 1)
    return -1;
  dispatched++;
  return 0;
}

int plugin_dispatch_notification(const notification_t *notif) {
  (void)notif;
  notifications++;
  return 0;
}

/* Meta data: a list of strdup'd pairs, the shape collectd's own has, so
 * that the memory it takes per group is about what it is under collectd. */
typedef struct meta_entry {
  char *key;
  char *value;
  struct meta_entry *next;
} meta_entry;

struct meta_data_s {
  meta_entry *head;
};

meta_data_t *meta_data_create(void) { return calloc(1, sizeof(meta_data_t)); }

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
  return 0;
}

void meta_data_destroy(meta_data_t *md) {
  if (!md)
    return;
  meta_entry *e = md->head;
  while (e) {
    meta_entry *next = e->next;
    free(e->key);
    free(e->value);
    free(e);
    e = next;
  }
  free(md);
}

int plugin_thread_create(pthread_t *thread, void *(*start_routine)(void *),
                         void *arg, char const *name) {
  (void)name;
  return pthread_create(thread, NULL, start_routine, arg);
}
