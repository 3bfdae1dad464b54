/* SPDX-License-Identifier: MIT */
/*
 * Soak (doc/design.md, "Faults and hostile input"): the real engine, in
 * process, against the resctrl emulator and a private libvirtd with two QEMU
 * guests (started by soak-engine.sh). For SOAK_CYCLES read cycles it calls
 * vr_engine_read; every SOAK_EDIT_EVERY cycles it edits one guest's metadata
 * through the libvirt API (groups added, renamed, dropped, an invalid one
 * beside a valid one), asks for a resync and waits until the worker's pass
 * shows the new set in the tree; every SOAK_RESTART_EVERY cycles it destroys a
 * guest and starts it again (new threads, and the live edit is gone). Each
 * settled point checks the exact set of our groups in the tree, the engine's
 * live group count, and the value lists one read sends.
 *
 * Baseline: the starting world (both guests running with the metadata they
 * were defined with), measured after a warm-up of the same churn so that
 * allocator arenas, libvirt's caches and the reader's buffers are counted.
 * At the end the world is put back and must measure the same:
 *   open fds          exactly equal (every fd is owned: value files, the
 *                     root, libvirt's socket; one left over is a leak)
 *   our groups        exactly equal, in the tree and in the engine
 *   meta data sets    exactly equal (the sink counts create - destroy)
 *   heap in use       mallinfo2 uordblks within 256 KiB (normal build):
 *                     runs end anywhere within +-80 KiB of the baseline
 *                     (libvirt's client keeps buffers sized by recent
 *                     replies); ~3,500 passes and 12,000 reads make a leak
 *                     of ~75 bytes per pass or ~22 per read exceed it, and
 *                     valgrind (valgrind-collectd.sh) / LeakSanitizer give
 *                     the exact per-block answer
 *   RSS               within 2 MiB: pages, per-thread arenas and
 *                     fragmentation make it coarse; it catches a leak of
 *                     ~1 KiB per pass. Under ASan the quarantine holds freed
 *                     memory, so RSS is printed, not judged, and
 *                     LeakSanitizer does the exact check at exit.
 * After vr_engine_stop: no group of ours is left (RemoveGroupsOnShutdown)
 * and the fd count is what it was before vr_engine_start.
 */
#include "collectd_shim.h"
#include "engine/engine_private.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifndef SOAK_ASAN
#define SOAK_ASAN 0
#endif

#define NS "urn:x-virt-resctrl:resmon:1"
#define MAX_GROUPS 8
#define SETTLE_TIMEOUT_S 30.0
#define HEAP_TOLERANCE (256L * 1024)
#define RSS_TOLERANCE (2L * 1024 * 1024)

static void fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("FAIL: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *env_or_fail(const char *name) {
  const char *v = getenv(name);
  if (!v || !*v)
    fail("%s is not set (run soak-engine.sh)", name);
  return v;
}

static unsigned long env_ulong(const char *name, unsigned long def) {
  const char *v = getenv(name);
  if (!v || !*v)
    return def;
  char *end;
  unsigned long n = strtoul(v, &end, 10);
  if (*end || n == 0)
    fail("%s=%s: want a positive number", name, v);
  return n;
}

/* ---- the guests and their metadata variants ---------------------------- */

typedef struct {
  const char *xml;
  const char *groups[MAX_GROUPS]; /* the groups it must produce */
} variant;

/* Variant 0 of each guest is what soak-engine.sh defines it with. */
static const variant sk1_variants[] = {
    {"<resmon><group vcpus=\"0-1\"/><group name=\"db\" "
     "vcpus=\"2,3\"/></resmon>",
     {"db", "vcpus_0,1"}},
    {"<resmon/>", {0}},
    {"<resmon><group vcpus=\"0\"/><group vcpus=\"1\"/><group vcpus=\"2\"/>"
     "<group vcpus=\"3\"/></resmon>",
     {"vcpus_0", "vcpus_1", "vcpus_2", "vcpus_3"}},
    {"<resmon><group name=\"all\" vcpus=\"0-3\"/></resmon>", {"all"}},
    {"<resmon><group name=\"db\" vcpus=\"2,3\"/></resmon>", {"db"}},
    /* vCPU 7 is not below the maximum of 4: rejected, "ok" still runs */
    {"<resmon><group name=\"bad\" vcpus=\"7\"/><group name=\"ok\" "
     "vcpus=\"0\"/></resmon>",
     {"ok"}},
};
static const variant sk2_variants[] = {
    {"<resmon><group name=\"w\" vcpus=\"0-1\"/></resmon>", {"w"}},
    {"<resmon/>", {0}},
    {"<resmon><group vcpus=\"0\"/><group vcpus=\"1\"/></resmon>",
     {"vcpus_0", "vcpus_1"}},
};

typedef struct {
  const char *name;
  const variant *variants;
  size_t n_variants;
  size_t current;
  char uuid[VIR_UUID_STRING_BUFLEN];
  virDomainPtr dom;
} guest;

static guest guests[] = {
    {"sk1", sk1_variants, sizeof(sk1_variants) / sizeof(sk1_variants[0]), 0, "",
     NULL},
    {"sk2", sk2_variants, sizeof(sk2_variants) / sizeof(sk2_variants[0]), 0, "",
     NULL},
};
#define N_GUESTS (sizeof(guests) / sizeof(guests[0]))

static virConnectPtr conn;
static vr_engine *engine;
static const char *resctrl_root;

/* ---- measurements ------------------------------------------------------ */

static long count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    fail("opendir /proc/self/fd: %s", strerror(errno));
  long n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (de->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1; /* the directory's own fd */
}

/* What each open fd is, for the failure message. */
static void dump_fds(const char *label) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return;
  struct dirent *de;
  fprintf(stderr, "# open fds %s:", label);
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    char path[300], target[4096];
    snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    fprintf(stderr, " %s=%s", de->d_name, target);
  }
  fprintf(stderr, "\n");
  closedir(d);
}

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
    fail("cannot read /proc/self/statm");
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

static long heap_in_use(void) {
#if SOAK_ASAN
  return -1;
#else
  struct mallinfo2 mi = mallinfo2();
  return (long)mi.uordblks;
#endif
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts names, joins them with spaces into out and frees them; returns n. */
static size_t join_sorted(char **names, size_t n, char *out, size_t len) {
  qsort(names, n, sizeof(names[0]), cmp_str);
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int w = snprintf(out + used, len - used, "%s%s", i ? " " : "", names[i]);
    if (w > 0 && (size_t)w < len - used)
      used += (size_t)w;
    free(names[i]);
  }
  return n;
}

/* Our groups under the root's mon_groups, sorted, joined by spaces. */
static size_t tree_groups(char *out, size_t len) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/mon_groups", resctrl_root);
  DIR *d = opendir(path);
  if (!d)
    fail("opendir %s: %s", path, strerror(errno));
  char *names[256];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (strncmp(de->d_name, "vr_", 3) == 0 && n < 256)
      names[n++] = strdup(de->d_name);
  closedir(d);
  return join_sorted(names, n, out, len);
}

/* What the tree must hold for the guests' current variants. */
static size_t expected_groups(char *out, size_t len) {
  char *names[N_GUESTS * MAX_GROUPS];
  size_t n = 0;
  for (size_t g = 0; g < N_GUESTS; g++) {
    const variant *v = &guests[g].variants[guests[g].current];
    for (size_t i = 0; i < MAX_GROUPS && v->groups[i]; i++) {
      char buf[256];
      snprintf(buf, sizeof(buf), "vr_%s_%s", guests[g].uuid, v->groups[i]);
      names[n++] = strdup(buf);
    }
  }
  return join_sorted(names, n, out, len);
}

static unsigned long engine_passes(size_t *n_live) {
  vr_mutex_lock(&engine->lock);
  unsigned long p = engine->passes;
  if (n_live)
    *n_live = engine->n_live;
  vr_mutex_unlock(&engine->lock);
  return p;
}

static unsigned long settles, resync_requests;

/* Asks for a resync and waits until a pass has finished since; returns the
 * live count it left. */
static size_t one_pass(const char *why, double end) {
  unsigned long p0 = engine_passes(NULL);
  vr_engine_request_resync(engine);
  resync_requests++;
  size_t n_live = 0;
  while (engine_passes(&n_live) <= p0) {
    if (now_s() > end)
      fail("%s: no worker pass within %.0f s", why, SETTLE_TIMEOUT_S);
    usleep(500);
  }
  return n_live;
}

/* Asks for resyncs until a finished pass leaves exactly the expected groups
 * in the tree and in the engine. Polls: waiting on the engine's condition
 * variable could take a wake-up meant for the worker. Two passes each time:
 * the first to finish may have been under way before the request (a late
 * libvirt event's), with a snapshot from before the last edit or restart;
 * the second began after the first request, so it saw them. */
static size_t settle(const char *why) {
  char want[8192], have[8192];
  size_t n_want = expected_groups(want, sizeof(want));
  double end = now_s() + SETTLE_TIMEOUT_S;
  for (;;) {
    one_pass(why, end);
    size_t n_live = one_pass(why, end);
    size_t n_have = tree_groups(have, sizeof(have));
    if (n_have == n_want && n_live == n_want && strcmp(have, want) == 0)
      break;
    if (now_s() > end)
      fail("%s: tree has [%s] (engine %zu live), want [%s]", why, have, n_live,
           want);
  }
  settles++;
  return n_want;
}

/* ---- libvirt side ------------------------------------------------------- */

static void set_variant(guest *g, size_t v) {
  if (virDomainSetMetadata(g->dom, VIR_DOMAIN_METADATA_ELEMENT,
                           g->variants[v].xml, "resmon", NS,
                           VIR_DOMAIN_AFFECT_LIVE) < 0)
    fail("metadata of %s: %s", g->name, virGetLastErrorMessage());
  g->current = v;
}

static unsigned long restarts;

static void restart(guest *g) {
  if (virDomainDestroy(g->dom) < 0)
    fail("destroy %s: %s", g->name, virGetLastErrorMessage());
  if (virDomainCreate(g->dom) < 0)
    fail("start %s: %s", g->name, virGetLastErrorMessage());
  g->current = 0; /* the live edit is gone: the defined metadata again */
  restarts++;
}

static void soak_tick(int timer, void *opaque) { (void)timer, (void)opaque; }

/* vr_engine_stop joins the event thread right after closing the
 * connection; libvirt releases the socket's watch (and with it the fd)
 * from an idle callback on a later iteration of its default loop. Nobody
 * iterates it any more (in collectd the process exits), so do it here:
 * what is still open after that is ours. */
static void run_deferred_releases(void) {
  int wake = virEventAddTimeout(0, soak_tick, NULL, NULL);
  for (int i = 0; i < 5 && wake >= 0; i++)
    virEventRunDefaultImpl();
  if (wake >= 0)
    virEventRemoveTimeout(wake);
  virEventRunDefaultImpl();
}

typedef struct {
  long fds, rss, heap, groups, live, meta;
} sample;

static sample measure(void) {
  sample s;
  char buf[8192];
  size_t n_live = 0;
  engine_passes(&n_live);
  s.groups = (long)tree_groups(buf, sizeof(buf));
  s.live = (long)n_live;
  s.meta = (long)shim_meta_live();
  s.fds = count_fds();
  s.rss = rss_bytes();
  s.heap = heap_in_use();
  return s;
}

/* A sample once the fd count has held still for 2 s (two ticks of the
 * libvirt event thread, which closes a dropped connection's socket and
 * eventfd from a later loop pass), at most 10 s: a baseline taken while such
 * a release is pending would count fds that are already on their way out. */
static sample measure_settled(void) {
  sample s = measure();
  int still = 0;
  for (int i = 0; i < 100 && still < 20; i++) {
    usleep(100000);
    sample next = measure();
    still = next.fds == s.fds ? still + 1 : 0;
    s = next;
  }
  return s;
}

static void print_sample(const char *label, const sample *s) {
  printf("# %-9s fds %ld, RSS %ld KiB, heap in use %ld B%s, our groups %ld "
         "(engine %ld live), meta data sets %ld\n",
         label, s->fds, s->rss / 1024, s->heap,
         SOAK_ASAN ? " (n/a under ASan)" : "", s->groups, s->live, s->meta);
}

static unsigned long reads, values_sent;
static size_t per_group = 0; /* value lists per group per read */

static void read_once(void) {
  values_sent += vr_engine_read(engine);
  reads++;
}

/* One read at a settled point sends exactly per_group lists per group, and
 * as many for each of the host context's host and vms (ReportHost, on by
 * default: the same metrics per cache id as a group's). */
#define CONTEXT_SERIES 2
static void check_read(size_t n_groups, const char *why) {
  size_t sent = vr_engine_read(engine);
  size_t units = n_groups + CONTEXT_SERIES;
  reads++;
  values_sent += sent;
  if (per_group == 0 && n_groups > 0)
    per_group = sent / units;
  if (sent != per_group * units || (n_groups > 0 && per_group == 0))
    fail("%s: one read sent %zu value lists for %zu groups and host and vms, "
         "want %zu each",
         why, sent, n_groups, per_group);
}

/* The churn: cycles read cycles, an edit every edit_every, a restart every
 * restart_every. */
static unsigned long edits;

static void churn(unsigned long cycles, unsigned long edit_every,
                  unsigned long restart_every, const char *phase) {
  for (unsigned long c = 1; c <= cycles; c++) {
    read_once();
    if (c % restart_every == 0) {
      guest *g = &guests[(c / restart_every) % N_GUESTS];
      restart(g);
      check_read(settle(phase), phase);
    } else if (c % edit_every == 0) {
      unsigned long k = c / edit_every;
      guest *g = &guests[k % 3 == 2 ? 1 : 0];
      set_variant(g, (g->current + 1 + k % 2) % g->n_variants);
      edits++;
      check_read(settle(phase), phase);
    }
  }
}

/* The starting world again: every guest running with variant 0. */
static void back_to_start(const char *why) {
  for (size_t g = 0; g < N_GUESTS; g++)
    if (guests[g].current != 0)
      set_variant(&guests[g], 0);
  check_read(settle(why), why);
  /* a few more passes and reads in the starting world */
  for (int i = 0; i < 3; i++)
    check_read(settle(why), why);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *uri = env_or_fail("SOAK_URI");
  resctrl_root = env_or_fail("SOAK_RESCTRL");
  unsigned long cycles = env_ulong("SOAK_CYCLES", 10000);
  unsigned long warmup = env_ulong("SOAK_WARMUP", 300);
  unsigned long edit_every = env_ulong("SOAK_EDIT_EVERY", 5);
  unsigned long restart_every = env_ulong("SOAK_RESTART_EVERY", 500);

  conn = virConnectOpen(uri);
  if (!conn)
    fail("cannot connect to %s: %s", uri, virGetLastErrorMessage());
  for (size_t g = 0; g < N_GUESTS; g++) {
    guests[g].dom = virDomainLookupByName(conn, guests[g].name);
    if (!guests[g].dom ||
        virDomainGetUUIDString(guests[g].dom, guests[g].uuid) < 0)
      fail("guest %s: %s", guests[g].name, virGetLastErrorMessage());
    if (virDomainIsActive(guests[g].dom) != 1)
      fail("guest %s is not running", guests[g].name);
  }

  vr_config cfg;
  if (vr_config_init(&cfg) < 0)
    fail("vr_config_init");
  free(cfg.connection);
  free(cfg.resctrl_path);
  free(cfg.sysfs_path);
  free(cfg.libvirt_run_path);
  cfg.connection = strdup(uri);
  cfg.resctrl_path = strdup(resctrl_root);
  cfg.sysfs_path = strdup(env_or_fail("SOAK_SYSFS"));
  cfg.libvirt_run_path = strdup(env_or_fail("SOAK_RUN_PATH"));
  /* Passes come from events and our requests, not from the timer. */
  cfg.refresh_interval_s = 3600;
  if (!cfg.connection || !cfg.resctrl_path || !cfg.sysfs_path ||
      !cfg.libvirt_run_path)
    fail("out of memory");

  /* libvirt and GLib set up process-wide state once, with fds of its own
   * (the default main context's wake-up eventfd, a worker context): a first
   * engine start and stop does that, so that the fd count before the
   * measured start compares with the one after its stop. */
  char reason[512] = "";
  if (vr_engine_start(&cfg, &engine, reason, sizeof(reason)) < 0)
    fail("vr_engine_start: %s", reason);
  settle("first start");
  vr_engine_stop(engine);
  engine = NULL;
  run_deferred_releases();
  long fds_before_start = count_fds();
  if (vr_engine_start(&cfg, &engine, reason, sizeof(reason)) < 0)
    fail("vr_engine_start: %s", reason);

  double t0 = now_s();
  check_read(settle("start-up"), "start-up");
  printf("# start-up: %zu value lists per group per read\n", per_group);

  churn(warmup, edit_every, warmup / 2, "warm-up");
  back_to_start("warm-up end");
  sample base = measure_settled();
  print_sample("baseline", &base);
  dump_fds("at baseline");
  unsigned long passes0 = engine_passes(NULL);
  unsigned long edits0 = edits, restarts0 = restarts, reads0 = reads;
  double t1 = now_s();

  churn(cycles, edit_every, restart_every, "soak");
  back_to_start("soak end");
  /* libvirt frees a closed socket's watch from an idle callback of its
   * event loop: give the event thread (1 s tick) time to run it. */
  sample after = measure();
  for (int i = 0; i < 30 && after.fds != base.fds; i++) {
    usleep(100000);
    after = measure();
  }
  print_sample("after", &after);
  double t2 = now_s();
  printf("# soak: %lu read cycles, %lu metadata edits, %lu guest restarts, "
         "%lu worker passes (%lu resync requests), %lu value lists "
         "dispatched, %lu notifications, in %.1f s (warm-up %.1f s)\n",
         reads - reads0, edits - edits0, restarts - restarts0,
         engine_passes(NULL) - passes0, resync_requests, values_sent,
         shim_notifications(), t2 - t1, t1 - t0);

  int bad = 0;
  if (shim_values_bad() != 0) {
    fprintf(stderr, "FAIL: %lu value lists lacked fields collectd needs\n",
            shim_values_bad());
    bad = 1;
  }
  if (after.fds != base.fds) {
    fprintf(stderr, "FAIL: open fds %ld -> %ld\n", base.fds, after.fds);
    dump_fds("after");
    bad = 1;
  }
  if (after.groups != base.groups || after.live != base.live) {
    fprintf(stderr, "FAIL: our groups %ld/%ld -> %ld/%ld\n", base.groups,
            base.live, after.groups, after.live);
    bad = 1;
  }
  if (after.meta != base.meta) {
    fprintf(stderr, "FAIL: live meta data sets %ld -> %ld\n", base.meta,
            after.meta);
    bad = 1;
  }
  if (!SOAK_ASAN && after.heap - base.heap > HEAP_TOLERANCE) {
    fprintf(stderr, "FAIL: heap in use grew by %ld B (tolerance %ld)\n",
            after.heap - base.heap, HEAP_TOLERANCE);
    bad = 1;
  }
  if (!SOAK_ASAN && after.rss - base.rss > RSS_TOLERANCE) {
    fprintf(stderr, "FAIL: RSS grew by %ld KiB (tolerance %ld KiB)\n",
            (after.rss - base.rss) / 1024, RSS_TOLERANCE / 1024);
    bad = 1;
  }

  vr_engine_stop(engine);
  engine = NULL;
  long fds_stopped = count_fds();
  run_deferred_releases();
  char have[8192];
  size_t left = tree_groups(have, sizeof(have));
  long fds_after_stop = count_fds();
  printf("# after stop: %zu groups of ours left, fds %ld (%ld before "
         "libvirt's loop ran its deferred releases; before start %ld), meta "
         "data sets %lu\n",
         left, fds_after_stop, fds_stopped, fds_before_start, shim_meta_live());
  if (left != 0) {
    fprintf(stderr, "FAIL: groups left after stop: %s\n", have);
    bad = 1;
  }
  if (fds_after_stop != fds_before_start) {
    fprintf(stderr, "FAIL: fds %ld before start, %ld after stop\n",
            fds_before_start, fds_after_stop);
    dump_fds("after stop");
    bad = 1;
  }
  if (shim_meta_live() != 0) {
    fprintf(stderr, "FAIL: %lu meta data sets never destroyed\n",
            shim_meta_live());
    bad = 1;
  }
  for (size_t g = 0; g < N_GUESTS; g++)
    virDomainFree(guests[g].dom);
  virConnectClose(conn);
  vr_config_free(&cfg);
  if (!bad)
    printf("# PASS: fds, groups and meta data back to baseline; heap and RSS "
           "within tolerance\n");
  return bad;
}
