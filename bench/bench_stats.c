/* SPDX-License-Identifier: MIT */
/* See bench_stats.h. */
#include "bench_stats.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

double bench_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double q) {
  if (n == 0)
    return 0;
  qsort(v, n, sizeof(*v), cmp_double);
  size_t i = (size_t)(q * (double)(n - 1) + 0.5);
  return v[i < n ? i : n - 1];
}

/* /proc/self/status rather than statm: it says KiB, whatever the page. */
long bench_rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  long kib = -1;
  if (!f)
    return -1;
  while (fgets(line, sizeof(line), f))
    if (strncmp(line, "VmRSS:", 6) == 0) {
      kib = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return kib;
}

long bench_peak_kib(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* Whether thread tid of this process is traced: its own status, since
 * TracerPid is per thread. */
static bool traced(pid_t tid) {
  char path[64], line[256];
  bool yes = false;
  snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
  FILE *f = fopen(path, "re");
  while (f && fgets(line, sizeof(line), f))
    if (strncmp(line, "TracerPid:", 10) == 0)
      yes = strtol(line + 10, NULL, 10) != 0;
  if (f)
    fclose(f);
  return yes;
}

typedef struct {
  pid_t tid;
  bool attached;
} watch;

/* Polls until the thread is traced, at most 5 s. */
static void *watch_tid(void *arg) {
  watch *w = arg;
  for (int i = 0; i < 5000 && !w->attached; i++) {
    w->attached = traced(w->tid);
    if (!w->attached)
      usleep(1000);
  }
  return NULL;
}

pid_t bench_strace(pid_t tid, const char *mode, const char *out) {
  char pid[32];
  snprintf(pid, sizeof(pid), "%d", (int)tid);
  /* The polling runs in a thread of its own, started before strace: when
   * tid is the caller's, the traced thread then only waits in
   * pthread_join, and the polling's opens and reads of /proc (which would
   * count as directory opens and socket reads, one more in one window
   * than in the other) never reach the trace. */
  watch w = {.tid = tid};
  pthread_t watcher;
  if (pthread_create(&watcher, NULL, watch_tid, &w) != 0)
    return -1;
  pid_t child = fork();
  if (child == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
      dup2(devnull, STDERR_FILENO);
    if (strcmp(mode, "-yy") == 0)
      execlp("strace", "strace", "-yy", "-s", "0", "-o", out, "-p", pid,
             (char *)NULL);
    else
      execlp("strace", "strace", mode, "-o", out, "-p", pid, (char *)NULL);
    _exit(127);
  }
  pthread_join(watcher, NULL);
  return child > 0 && w.attached ? child : -1;
}
