/* SPDX-License-Identifier: MIT */
/*
 * vr-bench-scale: the engine's resync path on a dense host
 * (doc/design.md, "Benchmarks"), one point (N domains) per run.
 * bench/run-bench-scale.sh sets the host up.
 *
 * The engine runs in this process, as the plugin's init starts it, against
 * a libvirtd serving libvirt's test driver (N running domains, each with
 * our metadata) and the resctrl emulator; its thread lookup finds stand-in
 * QEMU processes through LibvirtRunPath and /proc (vr-bench-threads).
 * RefreshInterval is far beyond the run: every pass below is one this
 * program asks for and waits on (the soak test's way: the pass counter
 * under the engine's lock, engine_private.h).
 *
 * Measured:
 * - start: vr_engine_start to every group live and one read dispatching
 *   every group's values;
 * - full resync (vr_engine_request_resync, as a reconnect does), REPS times:
 *   wall, and CPU of this process (every thread: the worker, libvirt's
 *   event thread), of libvirtd and of the emulator (/proc/<pid>/stat);
 * - event pass: the uuid of one domain marked dirty exactly as the libvirt
 *   event callback does (the test driver's state is per connection, so
 *   another connection cannot make it send one), REPS times;
 * - the state read alone (vr_resctrl_state_read, every tasks file), the
 *   part of an event pass that the emulator's full scan costs, REPS times;
 * - the read pass (vr_engine_read) while a full resync runs, against the
 *   same read when idle: it must not wait;
 * - one full resync and one event pass with strace attached to the worker
 *   thread alone, to <STRACE_PREFIX>.full and .event (the script counts);
 * - RSS at the end.
 *
 * Usage: vr-bench-scale URI MOUNT SYSFS RUN_PATH N REPS LIBVIRTD_PID EMU_PID
 *                       STRACE_PREFIX
 * Prints one line of key=value results.
 */
#include "bench_stats.h"
#include "collectd_shim.h"
#include "resctrl/resctrl_state.h"

#include "engine/engine_private.h"
#include "engine/vr_config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS 50
#define TIMEOUT_US 600e6

typedef struct {
  const char *uri, *mount, *sysfs, *run_path, *strace_prefix;
  long n, reps;
  pid_t libvirtd, emu;
} scale_args;

static int set_string(char **field, const char *value) {
  free(*field);
  *field = strdup(value);
  return *field ? 0 : -ENOMEM;
}

/* CPU seconds (user + system) of this process. */
static double self_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds (utime + stime, fields 14 and 15 of /proc/<pid>/stat) of
 * another process, with its threads; 0 when it cannot be read. */
static double proc_cpu_s(pid_t pid) {
  char path[64], buf[2048];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t len = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (len <= 0)
    return 0;
  buf[len] = '\0';
  char *p = strrchr(buf, ')');
  unsigned long long ut = 0, st = 0;
  for (int field = 3; p && field <= 14; field++)
    p = strchr(p + 1, ' ');
  if (!p || sscanf(p + 1, "%llu %llu", &ut, &st) != 2)
    return 0;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kib(void) {
  char line[256];
  long kib = -1;
  FILE *f = fopen("/proc/self/status", "re");
  while (f && fgets(line, sizeof(line), f))
    if (strncmp(line, "VmRSS:", 6) == 0)
      kib = strtol(line + 6, NULL, 10);
  if (f)
    fclose(f);
  return kib;
}

static unsigned long passes(vr_engine *e, size_t *n_live) {
  vr_mutex_lock(&e->lock);
  unsigned long p = e->passes;
  if (n_live)
    *n_live = e->n_live;
  vr_mutex_unlock(&e->lock);
  return p;
}

/* Waits until the worker has finished a pass that began after p0. */
static int wait_pass(vr_engine *e, unsigned long p0) {
  double t0 = bench_now_us();
  vr_mutex_lock(&e->lock);
  while (e->passes <= p0 && bench_now_us() - t0 < TIMEOUT_US)
    vr_mutex_cond_wait(&e->wake, &e->lock, NULL);
  bool done = e->passes > p0;
  vr_mutex_unlock(&e->lock);
  return done ? 0 : -ETIMEDOUT;
}

/* What the libvirt event callback does for one domain (engine.c
 * on_dirty): note it and wake the worker. */
static void mark_dirty(vr_engine *e, const char *uuid) {
  vr_mutex_lock(&e->lock);
  sstrncpy(e->dirty[e->n_dirty++], uuid, sizeof(e->dirty[0]));
  pthread_cond_signal(&e->wake);
  vr_mutex_unlock(&e->lock);
}

typedef struct {
  double wall_ms[MAX_REPS], cpu_ms[MAX_REPS], lv_ms[MAX_REPS], emu_ms[MAX_REPS];
  /* CPU of the one thread that did the work (the worker, or the bench's
   * own for a scan): free of the other threads' noise. */
  double thread_ms[MAX_REPS];
} pass_costs;

/* CPU seconds of one thread of this process. */
static double thread_cpu_s(pthread_t t) {
  clockid_t clock;
  struct timespec ts;
  if (pthread_getcpuclockid(t, &clock) != 0 || clock_gettime(clock, &ts) != 0)
    return 0;
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One pass (full, or an event pass for uuid) timed; i: the sample. */
static int timed_pass(vr_engine *e, const scale_args *a, const char *uuid,
                      pass_costs *c, long i) {
  unsigned long p0 = passes(e, NULL);
  double lv0 = proc_cpu_s(a->libvirtd), emu0 = proc_cpu_s(a->emu);
  double cpu0 = self_cpu_s(), thr0 = thread_cpu_s(e->worker),
         t0 = bench_now_us();
  if (uuid)
    mark_dirty(e, uuid);
  else
    vr_engine_request_resync(e);
  int rc = wait_pass(e, p0);
  c->wall_ms[i] = (bench_now_us() - t0) / 1e3;
  c->cpu_ms[i] = (self_cpu_s() - cpu0) * 1e3;
  c->thread_ms[i] = (thread_cpu_s(e->worker) - thr0) * 1e3;
  c->lv_ms[i] = (proc_cpu_s(a->libvirtd) - lv0) * 1e3;
  c->emu_ms[i] = (proc_cpu_s(a->emu) - emu0) * 1e3;
  return rc;
}

/* The part of an event pass that is the state read alone
 * (vr_resctrl_state_read, which reads every group's tasks file; the
 * emulator, as the kernel's show_rdt_tasks(), walks every thread of the
 * host for each): the same call on a handle of our own, REPS times, while
 * the worker is idle. An event pass minus this is the engine's own part. */
static int timed_scans(const scale_args *a, pass_costs *c) {
  char reason[512] = "";
  vr_resctrl *r = NULL;
  int rc = vr_resctrl_open(a->mount, a->sysfs, &r, reason, sizeof(reason));
  if (rc == 0)
    rc = vr_resctrl_attach(r);
  for (long i = 0; rc == 0 && i < a->reps; i++) {
    vr_resctrl_state state;
    double emu0 = proc_cpu_s(a->emu), cpu0 = self_cpu_s(),
           thr0 = thread_cpu_s(pthread_self()), t0 = bench_now_us();
    rc = vr_resctrl_state_read(r, &state, reason, sizeof(reason));
    c->wall_ms[i] = (bench_now_us() - t0) / 1e3;
    c->cpu_ms[i] = (self_cpu_s() - cpu0) * 1e3;
    c->thread_ms[i] = (thread_cpu_s(pthread_self()) - thr0) * 1e3;
    c->emu_ms[i] = (proc_cpu_s(a->emu) - emu0) * 1e3;
    if (rc == 0)
      vr_resctrl_state_free(&state);
  }
  if (rc < 0)
    fprintf(stderr, "vr-bench-scale: state read: %s\n",
            reason[0] ? reason : strerror(-rc));
  if (r)
    vr_resctrl_close(r);
  return rc;
}

/* The worker's tid: the bench names it (collectd's helper would). */
static pid_t worker_tid(vr_engine *e) {
  pid_t found = -1;
  pthread_setname_np(e->worker, "vr-bench-worker");
  DIR *d = opendir("/proc/self/task");
  struct dirent *de;
  while (d && (de = readdir(d))) {
    char path[300], comm[64] = "";
    snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
    FILE *f = fopen(path, "re");
    if (f && fgets(comm, sizeof(comm), f) &&
        strcmp(comm, "vr-bench-worker\n") == 0)
      found = (pid_t)atoi(de->d_name);
    if (f)
      fclose(f);
  }
  if (d)
    closedir(d);
  return found;
}

static int traced_pass(vr_engine *e, pid_t tid, const char *out,
                       const char *uuid) {
  pid_t tracer = bench_strace(tid, "-yy", out);
  if (tracer < 0)
    return -ECHILD;
  unsigned long p0 = passes(e, NULL);
  if (uuid)
    mark_dirty(e, uuid);
  else
    vr_engine_request_resync(e);
  int rc = wait_pass(e, p0);
  kill(tracer, SIGINT);
  int status;
  waitpid(tracer, &status, 0);
  return rc;
}

/* Read passes back to back while one full resync runs: the longest, and
 * the median of the same read when idle. */
static int reads_during_resync(vr_engine *e, double *idle_us, double *busy_us,
                               long *busy_reads) {
  double idle[200];
  for (int i = 0; i < 200; i++) {
    double t0 = bench_now_us();
    vr_engine_read(e);
    idle[i] = bench_now_us() - t0;
  }
  *idle_us = bench_quantile(idle, 200, 0.5);
  *busy_us = 0;
  *busy_reads = 0;
  unsigned long p0 = passes(e, NULL);
  vr_engine_request_resync(e);
  double start = bench_now_us();
  while (passes(e, NULL) <= p0 && bench_now_us() - start < TIMEOUT_US) {
    double t0 = bench_now_us();
    vr_engine_read(e);
    double us = bench_now_us() - t0;
    if (us > *busy_us)
      *busy_us = us;
    (*busy_reads)++;
    usleep(1000);
  }
  return passes(e, NULL) > p0 ? 0 : -ETIMEDOUT;
}

static int run(const scale_args *a) {
  vr_config cfg;
  vr_engine *e = NULL;
  char reason[512], uuid[VR_UUID_STRING_LEN + 1] = "";
  pass_costs full, event, scan;
  double idle_us = 0, busy_us = 0;
  long busy_reads = 0;
  int rc = vr_config_init(&cfg);
  cfg.refresh_interval_s = 86400;
  if (rc == 0 && (set_string(&cfg.connection, a->uri) < 0 ||
                  set_string(&cfg.resctrl_path, a->mount) < 0 ||
                  set_string(&cfg.sysfs_path, a->sysfs) < 0 ||
                  set_string(&cfg.libvirt_run_path, a->run_path) < 0))
    rc = -ENOMEM;
  double t0 = bench_now_us();
  if (rc == 0)
    rc = vr_engine_start(&cfg, &e, reason, sizeof(reason));
  if (rc < 0) {
    fprintf(stderr, "vr-bench-scale: engine: %s\n",
            rc == -ENOMEM ? "out of memory" : reason);
    goto cleanup;
  }
  size_t n_live = 0;
  while (passes(e, &n_live) == 0 || n_live < (size_t)a->n) {
    if (bench_now_us() - t0 > TIMEOUT_US) {
      fprintf(stderr, "vr-bench-scale: %zu of %ld groups live\n", n_live, a->n);
      rc = -ETIMEDOUT;
      goto cleanup;
    }
    usleep(2000);
  }
  size_t sent = vr_engine_read(e);
  double start_ms = (bench_now_us() - t0) / 1e3;
  /* The domain of the event passes: the worker's own list, read while no
   * pass runs (the worker is idle: RefreshInterval is a day away). */
  sstrncpy(uuid, e->domains.domains[e->domains.count / 2].uuid, sizeof(uuid));
  for (long i = 0; i < a->reps && rc == 0; i++)
    rc = timed_pass(e, a, NULL, &full, i);
  for (long i = 0; i < a->reps && rc == 0; i++)
    rc = timed_pass(e, a, uuid, &event, i);
  if (rc == 0)
    rc = timed_scans(a, &scan);
  if (rc == 0)
    rc = reads_during_resync(e, &idle_us, &busy_us, &busy_reads);
  pid_t tid = worker_tid(e);
  char out[1024];
  snprintf(out, sizeof(out), "%s.full", a->strace_prefix);
  if (rc == 0)
    rc = tid > 0 ? traced_pass(e, tid, out, NULL) : -ESRCH;
  snprintf(out, sizeof(out), "%s.event", a->strace_prefix);
  if (rc == 0)
    rc = traced_pass(e, tid, out, uuid);
  passes(e, &n_live);
  if (rc == 0 && n_live != (size_t)a->n) {
    fprintf(stderr,
            "vr-bench-scale: %zu groups live after the passes, not "
            "%ld\n",
            n_live, a->n);
    rc = -EPROTO;
  }
  if (rc == 0) {
    size_t r = (size_t)a->reps;
    printf("n=%ld live=%zu start_ms=%.0f sent=%zu "
           "full_wall_ms=%.1f full_cpu_ms=%.1f full_libvirtd_ms=%.1f "
           "full_emu_ms=%.1f event_wall_ms=%.2f event_cpu_ms=%.2f "
           "event_libvirtd_ms=%.2f event_emu_ms=%.2f event_thread_ms=%.2f "
           "scan_wall_ms=%.2f scan_cpu_ms=%.2f scan_emu_ms=%.2f "
           "scan_thread_ms=%.2f read_idle_us=%.0f "
           "read_busy_max_us=%.0f read_busy_n=%ld rss_kib=%ld\n",
           a->n, n_live, start_ms, sent, bench_quantile(full.wall_ms, r, 0.5),
           bench_quantile(full.cpu_ms, r, 0.5),
           bench_quantile(full.lv_ms, r, 0.5),
           bench_quantile(full.emu_ms, r, 0.5),
           bench_quantile(event.wall_ms, r, 0.5),
           bench_quantile(event.cpu_ms, r, 0.5),
           bench_quantile(event.lv_ms, r, 0.5),
           bench_quantile(event.emu_ms, r, 0.5),
           bench_quantile(event.thread_ms, r, 0.5),
           bench_quantile(scan.wall_ms, r, 0.5),
           bench_quantile(scan.cpu_ms, r, 0.5),
           bench_quantile(scan.emu_ms, r, 0.5),
           bench_quantile(scan.thread_ms, r, 0.5), idle_us, busy_us, busy_reads,
           rss_kib());
  }

cleanup:
  vr_engine_stop(e);
  vr_config_free(&cfg);
  return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  /* Only errors, unless asked: log lines would cost writes in the timings. */
  shim_set_log_level(getenv("VR_BENCH_VERBOSE") ? LOG_INFO : LOG_ERR);
  if (argc != 10) {
    fprintf(stderr, "usage: vr-bench-scale URI MOUNT SYSFS RUN_PATH N REPS "
                    "LIBVIRTD_PID EMU_PID STRACE_PREFIX\n");
    return 2;
  }
  scale_args a = {.uri = argv[1],
                  .mount = argv[2],
                  .sysfs = argv[3],
                  .run_path = argv[4],
                  .n = strtol(argv[5], NULL, 10),
                  .reps = strtol(argv[6], NULL, 10),
                  .libvirtd = (pid_t)strtol(argv[7], NULL, 10),
                  .emu = (pid_t)strtol(argv[8], NULL, 10),
                  .strace_prefix = argv[9]};
  if (a.n < 1 || a.reps < 1 || a.reps > MAX_REPS)
    return 2;
  return run(&a);
}
