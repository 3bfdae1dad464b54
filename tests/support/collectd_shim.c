/* SPDX-License-Identifier: MIT */
/*
 * Stand-ins for the few collectd daemon functions our modules call, for test
 * programs that run the modules outside collectd. Log lines go to stderr,
 * and the last one is kept so tests can assert what was said.
 */
#include "collectd_shim.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char last_log_line[1024];
static int log_line_count;
static int print_level = LOG_DEBUG;

void shim_set_log_level(int level) { print_level = level; }

void plugin_log(int level, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  vsnprintf(last_log_line, sizeof(last_log_line), format, ap);
  va_end(ap);
  log_line_count++;
  if (level <= print_level)
    fprintf(stderr, "[log %d] %s\n", level, last_log_line);
}

const char *shim_last_log_line(void) { return last_log_line; }
int shim_log_line_count(void) { return log_line_count; }
void shim_reset_log(void) {
  last_log_line[0] = '\0';
  log_line_count = 0;
}

void c_complain(int level, c_complain_t *c, const char *format, ...) {
  if (c->complained_once)
    return;
  c->complained_once = true;
  va_list ap;
  va_start(ap, format);
  char line[1024];
  vsnprintf(line, sizeof(line), format, ap);
  va_end(ap);
  plugin_log(level, "%s", line);
}

void c_do_release(int level, c_complain_t *c, const char *format, ...) {
  if (!c->complained_once)
    return;
  c->complained_once = false;
  va_list ap;
  va_start(ap, format);
  char line[1024];
  vsnprintf(line, sizeof(line), format, ap);
  va_end(ap);
  plugin_log(level, "%s", line);
}

char *sstrncpy(char *dest, const char *src, size_t n) {
  if (n == 0)
    return dest;
  strncpy(dest, src, n - 1);
  dest[n - 1] = '\0';
  return dest;
}

int ssnprintf(char *str, size_t size, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  int status = vsnprintf(str, size, format, ap);
  va_end(ap);
  return status;
}

int plugin_thread_create(pthread_t *thread, void *(*start_routine)(void *),
                         void *arg, char const *name) {
  (void)name;
  return pthread_create(thread, NULL, start_routine, arg);
}
