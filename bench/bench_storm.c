/* SPDX-License-Identifier: MIT */
/*
 * vr-bench-storm: an event storm at scale (doc/design.md, "Benchmarks"). N
 * domains start within a short time (a host boot), then all N stop; the engine
 * runs in this process as the plugin's init starts it, with RefreshInterval
 * a day away, so only libvirt's lifecycle events drive it.
 *
 * libvirt: libvirt's test driver through a private libvirtd, at
 * test+unix:///default: that driver is shared by every connection to it
 * (testConnectOpen: one default driver, counted), so a domain this program
 * starts on its own connection sends VIR_DOMAIN_EVENT_STARTED and _STOPPED
 * to the engine's connection, as the QEMU driver would. Before each start a
 * stand-in QEMU (vr-bench-threads qemu: threads named "CPU n/KVM" and
 * <RUN_PATH>/<name>.pid) is spawned and its pid file awaited; after each
 * destroy it is killed and its pid file removed, as libvirt does.
 *
 * Counted: every mkdir and rmdir under resctrl's mon_groups, through
 * inotify on that directory. vfs_mkdir() and vfs_rmdir() notify
 * (fsnotify_mkdir, d_delete_notify) only after the file system said yes,
 * for whichever process asked, so each successful mkdir(2) and rmdir(2)
 * of a group is seen exactly once, the emulator's (through FUSE) as the
 * kernel's.
 *
 * Printed, one key=value line per cycle (CYCLES cycles, the first warms
 * the allocator up): the time the N starts (and stops) took, the worker's
 * passes in each phase, the catch-up time from the last start (stop)
 * returning to every group live (gone), groups made and removed once, more
 * than once and never, and RSS and heap in use (mallinfo2) before the
 * storm, at its peak and after the stops.
 *
 * Usage: vr-bench-storm URI MOUNT SYSFS RUN_PATH THREADS_BIN N SPREAD_S
 *                       CYCLES
 * SPREAD_S: the starts (and the stops) are spread evenly over that many
 * seconds; 0: back to back.
 */
#include "bench_stats.h"
#include "collectd_shim.h"

#include "engine/engine_private.h"
#include "engine/vr_config.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CATCH_UP_US 300e6

/* One group directory seen under mon_groups: how often made and removed. */
typedef struct {
  char name[256];
  unsigned made, removed;
} dir_count;

typedef struct {
  pthread_mutex_t lock;
  dir_count *dirs;
  size_t n, cap;
  unsigned long mkdirs, rmdirs;
  bool overflow;
  bool stop; /* under lock: the thread returns within 100 ms */
  int fd;
} watcher;

typedef struct {
  const char *uri, *mount, *sysfs, *run_path, *threads_bin;
  long n, cycles;
  double spread_s;
} storm_args;

static dir_count *dir_find(watcher *w, const char *name) {
  for (size_t i = 0; i < w->n; i++)
    if (strcmp(w->dirs[i].name, name) == 0)
      return &w->dirs[i];
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 256;
    dir_count *grown = realloc(w->dirs, cap * sizeof(*grown));
    if (!grown)
      return NULL;
    w->dirs = grown;
    w->cap = cap;
  }
  dir_count *d = &w->dirs[w->n++];
  memset(d, 0, sizeof(*d));
  snprintf(d->name, sizeof(d->name), "%s", name);
  return d;
}

/* Counts directory creations and removals until the fd is closed. */
static void *watch_main(void *arg) {
  watcher *w = arg;
  char buf[64 * 1024]
      __attribute__((aligned(__alignof__(struct inotify_event))));
  for (;;) {
    struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
    pthread_mutex_lock(&w->lock);
    bool stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    if (stop)
      break;
    if (poll(&pfd, 1, 100) <= 0)
      continue;
    ssize_t len = read(w->fd, buf, sizeof(buf));
    if (len <= 0)
      break;
    pthread_mutex_lock(&w->lock);
    for (char *p = buf; p < buf + len;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      p += sizeof(*ev) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW)
        w->overflow = true;
      if (!(ev->mask & IN_ISDIR) || ev->len == 0)
        continue;
      dir_count *d = dir_find(w, ev->name);
      if (d && (ev->mask & IN_CREATE)) {
        d->made++;
        w->mkdirs++;
      } else if (d && (ev->mask & IN_DELETE)) {
        d->removed++;
        w->rmdirs++;
      }
    }
    pthread_mutex_unlock(&w->lock);
  }
  return NULL;
}

static unsigned long watched(watcher *w, bool removals) {
  pthread_mutex_lock(&w->lock);
  unsigned long n = removals ? w->rmdirs : w->mkdirs;
  pthread_mutex_unlock(&w->lock);
  return n;
}

static long heap_kib(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long)(mi.uordblks / 1024);
}

static unsigned long passes(vr_engine *e, size_t *n_live) {
  vr_mutex_lock(&e->lock);
  unsigned long p = e->passes;
  if (n_live)
    *n_live = e->n_live;
  vr_mutex_unlock(&e->lock);
  return p;
}

static int set_string(char **field, const char *value) {
  free(*field);
  *field = strdup(value);
  return *field ? 0 : -ENOMEM;
}

static void name_of(long i, char *buf, size_t len) {
  snprintf(buf, len, "st%04ld", i + 1);
}

/* Defines domain i (2 vCPUs, one group of both), persistent. */
static virDomainPtr define(virConnectPtr c, long i) {
  char name[32], xml[1024];
  name_of(i, name, sizeof(name));
  snprintf(xml, sizeof(xml),
           "<domain type='test'><name>%s</name>"
           "<uuid>5707a000-0000-4000-8000-%012ld</uuid>"
           "<memory>65536</memory><vcpu>2</vcpu><os><type>hvm</type></os>"
           "<metadata><resmon xmlns='urn:x-virt-resctrl:resmon:1'>"
           "<group vcpus='0-1'/></resmon></metadata></domain>",
           name, i + 1);
  return virDomainDefineXML(c, xml);
}

/* Spawns domain i's stand-in QEMU and waits for its pid file. */
static pid_t spawn_qemu(const storm_args *a, long i) {
  char name[32], path[4096], named[96];
  name_of(i, name, sizeof(name));
  snprintf(path, sizeof(path), "%s/%s.pid", a->run_path, name);
  /* NAME=UUID: its command line carries define()'s UUID, as QEMU's does */
  snprintf(named, sizeof(named), "%s=5707a000-0000-4000-8000-%012ld", name,
           i + 1);
  char *argv[] = {
      (char *)a->threads_bin, "qemu", (char *)a->run_path, "2", named, NULL};
  pid_t pid;
  posix_spawn_file_actions_t fa;
  /* Its "ready" line would mix with ours: the pid file says it instead. */
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY,
                                   0);
  int rc = posix_spawn(&pid, a->threads_bin, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return -1;
  for (int tries = 0; access(path, F_OK) != 0; tries++) {
    if (tries > 10000 || waitpid(pid, NULL, WNOHANG) == pid)
      return -1;
    usleep(1000);
  }
  return pid;
}

static void stop_qemu(const storm_args *a, long i, pid_t pid) {
  char name[32], path[4096];
  name_of(i, name, sizeof(name));
  snprintf(path, sizeof(path), "%s/%s.pid", a->run_path, name);
  if (pid > 0) {
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
  }
  unlink(path);
}

/* Sleeps so that step i of n lands at its share of spread seconds. */
static void pace(const storm_args *a, double t0, long i) {
  if (a->spread_s <= 0)
    return;
  double due = t0 + a->spread_s * 1e6 * (double)i / (double)a->n;
  double now = bench_now_us();
  if (due > now)
    usleep((useconds_t)(due - now));
}

/* Waits until the engine has want groups live and the watcher has seen
 * count mkdirs (or rmdirs); the ms it took from t_last_us. */
static int catch_up(vr_engine *e, watcher *w, size_t want, bool removals,
                    unsigned long count, double t_last_us, double *ms) {
  size_t n_live = 0;
  for (;;) {
    passes(e, &n_live);
    if (n_live == want && watched(w, removals) >= count)
      break;
    if (bench_now_us() - t_last_us > CATCH_UP_US) {
      fprintf(stderr,
              "vr-bench-storm: after %.0f s: %zu groups live (want %zu), "
              "%lu %s seen (want %lu)\n",
              CATCH_UP_US / 1e6, n_live, want, watched(w, removals),
              removals ? "rmdirs" : "mkdirs", count);
      pthread_mutex_lock(&w->lock);
      for (size_t i = 0; i < w->n; i++)
        /* Not made this cycle: made == removed; not removed: made >
         * removed. (A group never made in any cycle is not listed.) */
        if ((w->dirs[i].made == w->dirs[i].removed) != removals)
          fprintf(stderr, "vr-bench-storm: %s made %u, removed %u times\n",
                  w->dirs[i].name, w->dirs[i].made, w->dirs[i].removed);
      pthread_mutex_unlock(&w->lock);
      return -ETIMEDOUT;
    }
    usleep(1000);
  }
  *ms = (bench_now_us() - t_last_us) / 1e3;
  return 0;
}

/* One cycle: N starts, every group live, N stops, every group gone. */
static int cycle(const storm_args *a, vr_engine *e, watcher *w,
                 virDomainPtr *doms, pid_t *qemu, long c) {
  double start_ms = 0, stop_ms = 0;
  unsigned long m0 = watched(w, false), r0 = watched(w, true);
  long rss0 = bench_rss_kib(), heap0 = heap_kib();
  unsigned long p0 = passes(e, NULL);
  double t_start0 = bench_now_us();
  for (long i = 0; i < a->n; i++) {
    pace(a, t_start0, i);
    qemu[i] = spawn_qemu(a, i);
    if (qemu[i] < 0 || virDomainCreate(doms[i]) < 0) {
      fprintf(stderr, "vr-bench-storm: cannot start domain %ld: %s\n", i + 1,
              qemu[i] < 0 ? "no stand-in QEMU" : virGetLastErrorMessage());
      return -EIO;
    }
  }
  double t_started = bench_now_us();
  int rc = catch_up(e, w, (size_t)a->n, false, m0 + (unsigned long)a->n,
                    t_started, &start_ms);
  if (rc < 0)
    return rc;
  unsigned long p1 = passes(e, NULL);
  long rss_peak = bench_rss_kib(), heap_peak = heap_kib();
  double t_stop0 = bench_now_us();
  for (long i = 0; i < a->n; i++) {
    pace(a, t_stop0, i);
    if (virDomainDestroy(doms[i]) < 0) {
      fprintf(stderr, "vr-bench-storm: cannot stop domain %ld: %s\n", i + 1,
              virGetLastErrorMessage());
      return -EIO;
    }
    stop_qemu(a, i, qemu[i]);
    qemu[i] = -1;
  }
  double t_stopped = bench_now_us();
  rc = catch_up(e, w, 0, true, r0 + (unsigned long)a->n, t_stopped, &stop_ms);
  if (rc < 0)
    return rc;
  unsigned long p2 = passes(e, NULL);
  /* A pass that frees the last live set reaps it at its end; give a late
   * event's pass (none expected) the time to land before counting. */
  usleep(500000);
  unsigned long p3 = passes(e, NULL);
  unsigned once = 0, more = 0, never = 0, rm_once = 0, rm_more = 0,
           rm_never = 0;
  pthread_mutex_lock(&w->lock);
  for (size_t i = 0; i < w->n; i++) {
    unsigned made = w->dirs[i].made, removed = w->dirs[i].removed;
    once += made == (unsigned)(c + 1);
    more += made > (unsigned)(c + 1);
    never += made < (unsigned)(c + 1);
    rm_once += removed == (unsigned)(c + 1);
    rm_more += removed > (unsigned)(c + 1);
    rm_never += removed < (unsigned)(c + 1);
  }
  size_t dirs = w->n;
  bool overflow = w->overflow;
  pthread_mutex_unlock(&w->lock);
  printf("cycle=%ld n=%ld starts_s=%.2f start_passes=%lu start_catchup_ms=%.0f "
         "stops_s=%.2f stop_passes=%lu stop_catchup_ms=%.0f late_passes=%lu "
         "dirs=%zu made_once=%u made_more=%u made_less=%u removed_once=%u "
         "removed_more=%u removed_less=%u overflow=%d rss_base_kib=%ld "
         "rss_peak_kib=%ld rss_end_kib=%ld heap_base_kib=%ld "
         "heap_peak_kib=%ld heap_end_kib=%ld\n",
         c + 1, a->n, (t_started - t_start0) / 1e6, p1 - p0, start_ms,
         (t_stopped - t_stop0) / 1e6, p2 - p1, stop_ms, p3 - p2, dirs, once,
         more, never, rm_once, rm_more, rm_never, overflow, rss0, rss_peak,
         bench_rss_kib(), heap0, heap_peak, heap_kib());
  fflush(stdout);
  return 0;
}

static int run(const storm_args *a) {
  vr_config cfg;
  vr_engine *e = NULL;
  virConnectPtr conn = NULL;
  char reason[512], dir[4096];
  watcher w = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};
  pthread_t watch_thread;
  bool watching = false;
  virDomainPtr *doms = calloc((size_t)a->n, sizeof(*doms));
  pid_t *qemu = calloc((size_t)a->n, sizeof(*qemu));
  int rc = vr_config_init(&cfg);
  cfg.refresh_interval_s = 86400;
  if (rc == 0 && (!doms || !qemu || set_string(&cfg.connection, a->uri) < 0 ||
                  set_string(&cfg.resctrl_path, a->mount) < 0 ||
                  set_string(&cfg.sysfs_path, a->sysfs) < 0 ||
                  set_string(&cfg.libvirt_run_path, a->run_path) < 0))
    rc = -ENOMEM;
  for (long i = 0; qemu && i < a->n; i++)
    qemu[i] = -1;
  if (rc == 0 && !(conn = virConnectOpen(a->uri))) {
    fprintf(stderr, "vr-bench-storm: cannot connect to %s: %s\n", a->uri,
            virGetLastErrorMessage());
    rc = -ENOTCONN;
  }
  /* The test driver's own running domain "test" has no stand-in: stopped,
   * so that every running domain is one of ours. */
  virDomainPtr preset = conn ? virDomainLookupByName(conn, "test") : NULL;
  if (preset) {
    virDomainDestroy(preset);
    virDomainFree(preset);
  }
  for (long i = 0; rc == 0 && i < a->n; i++)
    if (!(doms[i] = define(conn, i))) {
      fprintf(stderr, "vr-bench-storm: cannot define domain %ld: %s\n", i + 1,
              virGetLastErrorMessage());
      rc = -EIO;
    }
  snprintf(dir, sizeof(dir), "%s/mon_groups", a->mount);
  if (rc == 0) {
    w.fd = inotify_init1(IN_CLOEXEC);
    if (w.fd < 0 || inotify_add_watch(w.fd, dir, IN_CREATE | IN_DELETE) < 0 ||
        pthread_create(&watch_thread, NULL, watch_main, &w) != 0) {
      fprintf(stderr, "vr-bench-storm: cannot watch %s: %s\n", dir,
              strerror(errno));
      rc = -EIO;
    } else {
      watching = true;
    }
  }
  if (rc == 0 && vr_engine_start(&cfg, &e, reason, sizeof(reason)) < 0) {
    fprintf(stderr, "vr-bench-storm: engine: %s\n", reason);
    rc = -EIO;
  }
  /* The first pass (a full list: no domain of ours running) done. */
  for (double t0 = bench_now_us(); rc == 0 && passes(e, NULL) == 0;) {
    if (bench_now_us() - t0 > CATCH_UP_US)
      rc = -ETIMEDOUT;
    usleep(2000);
  }
  for (long c = 0; rc == 0 && c < a->cycles; c++)
    rc = cycle(a, e, &w, doms, qemu, c);

  vr_engine_stop(e);
  if (watching) {
    pthread_mutex_lock(&w.lock);
    w.stop = true;
    pthread_mutex_unlock(&w.lock);
    pthread_join(watch_thread, NULL);
  }
  if (w.fd >= 0)
    close(w.fd);
  for (long i = 0; qemu && i < a->n; i++)
    if (qemu[i] > 0)
      stop_qemu(a, i, qemu[i]);
  for (long i = 0; doms && i < a->n; i++)
    if (doms[i]) {
      if (virDomainIsActive(doms[i]) == 1)
        virDomainDestroy(doms[i]);
      virDomainUndefine(doms[i]);
      virDomainFree(doms[i]);
    }
  if (conn)
    virConnectClose(conn);
  free(w.dirs);
  free(doms);
  free(qemu);
  vr_config_free(&cfg);
  return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  shim_set_log_level(getenv("VR_BENCH_VERBOSE") ? LOG_INFO : LOG_ERR);
  if (argc != 9) {
    fprintf(stderr, "usage: vr-bench-storm URI MOUNT SYSFS RUN_PATH "
                    "THREADS_BIN N SPREAD_S CYCLES\n");
    return 2;
  }
  storm_args a = {.uri = argv[1],
                  .mount = argv[2],
                  .sysfs = argv[3],
                  .run_path = argv[4],
                  .threads_bin = argv[5],
                  .n = strtol(argv[6], NULL, 10),
                  .spread_s = strtod(argv[7], NULL),
                  .cycles = strtol(argv[8], NULL, 10)};
  if (a.n < 1 || a.n > 9999 || a.cycles < 1 || a.spread_s < 0)
    return 2;
  return run(&a);
}
