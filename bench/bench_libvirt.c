/* SPDX-License-Identifier: MIT */
/*
 * vr-bench-libvirt: libvirt's own resctrl monitor read beside ours, on the
 * same tree, in one process (doc/design.md, "Benchmarks"; bench/peer-libvirt.sh
 * runs it).
 *
 * libvirt's QEMU driver reads a <cachetune><monitor> with
 * virResctrlMonitorGetStats (src/util/virresctrl.c): per call it opens
 * mon_data, reads every entry, stats each to find the mon_L3_* directories,
 * and reads each feature file with open-read-close into freshly allocated
 * stats. Ours is vr_live_groups_read over kept descriptors, the plugin's
 * whole read path (bench_read.c times it against the pread floor). Both
 * passes read the same number of value files per group (2 cache ids x 3
 * features) from groups of the same shape on one tmpfs; samples alternate,
 * and which goes first alternates too, so a busy machine hits both alike.
 * libvirt is timed with one call per monitor for all three features, the
 * least it can do, or with two, as its QEMU driver reads them (--calls).
 *
 * libvirt installs no header for these functions and exports them as
 * LIBVIRT_PRIVATE_<version>: they are declared below as libvirt 9.0 has
 * them, which is why this program is not part of `make bench` or of `make`.
 * libvirt's resctrl root is fixed at /sys/fs/resctrl (SYSFS_RESCTRL_PATH):
 * the script mounts the tmpfs there in a private mount namespace.
 *
 * Usage:
 *   vr-bench-libvirt setup N
 *       creates N monitor groups under /sys/fs/resctrl/mon_groups named as
 *       the QEMU driver names them (qemu-<id>-<name>-vcpus_0-1), with the
 *       value files of vr-bench-read's groups.
 *   vr-bench-libvirt probe
 *       whether libvirt reads a group on cache ids 8 and 9 (cmd_probe).
 *   vr-bench-libvirt run SYSFS N [--calls 1|2] [--cycles C --only ours|libvirt]
 *       without --cycles: timed samples, one line of key=value results;
 *       with --cycles: exactly C passes of one side, for strace -c.
 *       --calls: GetStats calls per monitor (libvirt_pass says which).
 */
#include "bench_stats.h"
#include "collectd_shim.h"

#include "read/live_group.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_name.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* libvirt 9.0, src/util/virresctrl.h: the monitor API and its stats. */
typedef struct _virResctrlAlloc virResctrlAlloc;
typedef struct _virResctrlMonitor virResctrlMonitor;
typedef struct {
  unsigned int id; /* the cache id of a mon_L3_<id> directory */
  char **features;
  unsigned long long *vals;
  size_t nvals;
} virResctrlMonitorStats;
virResctrlAlloc *virResctrlAllocNew(void);
int virResctrlAllocDeterminePath(virResctrlAlloc *alloc,
                                 const char *machinename);
virResctrlMonitor *virResctrlMonitorNew(void);
void virResctrlMonitorSetAlloc(virResctrlMonitor *monitor,
                               virResctrlAlloc *alloc);
int virResctrlMonitorSetID(virResctrlMonitor *monitor, const char *id);
int virResctrlMonitorDeterminePath(virResctrlMonitor *monitor,
                                   const char *machinename);
int virResctrlMonitorGetStats(virResctrlMonitor *monitor,
                              const char **resources,
                              virResctrlMonitorStats ***stats, size_t *nstats);
void virResctrlMonitorStatsFree(virResctrlMonitorStats *stat);
void virObjectUnref(void *obj);

#define ROOT "/sys/fs/resctrl"
#define CACHE_IDS 2
#define MIN_SAMPLES 21
#define MAX_SAMPLES 401
#define SAMPLE_BUDGET_US 3000000.0 /* per run, both passes together */
#define MONITOR_ID "vcpus_0-1"
#define PROBE_GROUP 999998 /* the probe's two groups, beyond any run's */

static const char *features[] = {"llc_occupancy", "mbm_total_bytes",
                                 "mbm_local_bytes", NULL};
/* What the QEMU driver asks of a cache monitor and of a memory bandwidth
 * monitor (libvirt's info/L3_MON features of each type). */
static const char *cache_features[] = {"llc_occupancy", NULL};
static const char *bw_features[] = {"mbm_total_bytes", "mbm_local_bytes", NULL};

/* Group i's file values: vr-bench-read's, so both sides parse alike. */
static unsigned long long value_of(size_t i, size_t f) {
  return 123456789012ull + i * 4096 + f;
}

/* The QEMU driver's machine name for domain i (qemu-<id>-<name>). */
static void machine_name(size_t i, char *buf, size_t len) {
  snprintf(buf, len, "qemu-%zu-bench-vm-%04zu", i + 1, i);
}

static int put_value(const char *path, unsigned long long v) {
  FILE *f = fopen(path, "we");
  if (!f)
    return -errno;
  int rc = fprintf(f, "%llu\n", v) > 0 ? 0 : -EIO;
  return fclose(f) == 0 ? rc : -errno;
}

static int mkdir_ok(const char *path) {
  return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* One monitor group as virResctrlMonitorCreate names it, with mon_data for
 * CACHE_IDS cache ids from first_cache on. */
static int setup_monitor(size_t i, unsigned first_cache) {
  char name[64], path[512];
  machine_name(i, name, sizeof(name));
  snprintf(path, sizeof(path), ROOT "/mon_groups/%s-" MONITOR_ID, name);
  int rc = mkdir_ok(path);
  if (rc == 0) {
    snprintf(path, sizeof(path), ROOT "/mon_groups/%s-" MONITOR_ID "/mon_data",
             name);
    rc = mkdir_ok(path);
  }
  for (unsigned c = 0; c < CACHE_IDS && rc == 0; c++) {
    snprintf(path, sizeof(path),
             ROOT "/mon_groups/%s-" MONITOR_ID "/mon_data/mon_L3_%02u", name,
             first_cache + c);
    rc = mkdir_ok(path);
    for (size_t f = 0; features[f] && rc == 0; f++) {
      char file[600];
      snprintf(file, sizeof(file), "%s/%s", path, features[f]);
      rc = put_value(file, value_of(i, f));
    }
  }
  return rc;
}

typedef struct {
  const char *sysfs;
  size_t n;
  long cycles;      /* > 0: strace mode */
  const char *only; /* with cycles: "ours" or "libvirt" */
  int calls;        /* GetStats calls per monitor and pass: 1 or 2 */
} run_args;

typedef struct {
  vr_resctrl *resctrl;
  vr_resctrl_fd_budget budget;
  vr_series_config series;
  vr_live_group **groups;
  size_t n_groups;
  vr_carry_table *carry; /* counters carried across resets, as the plugin */
  virResctrlAlloc *alloc;
  virResctrlMonitor **monitors;
  size_t n_monitors;
} bench_state;

static void report_libvirt(const char *what) {
  const char *msg = virGetLastErrorMessage();
  fprintf(stderr, "vr-bench-libvirt: %s: %s\n", what, msg ? msg : "?");
}

/* The monitors of groups first..first+n-1 as the QEMU driver makes them for
 * a domain whose cachetune has no allocation: an empty alloc (its path is
 * the root) and one monitor per group under <root>/mon_groups. */
static int open_monitors(bench_state *s, size_t first, size_t n) {
  s->alloc = virResctrlAllocNew();
  s->monitors = calloc(n, sizeof(*s->monitors));
  if (!s->alloc || !s->monitors)
    return -ENOMEM;
  if (virResctrlAllocDeterminePath(s->alloc, "unused") < 0) {
    report_libvirt("virResctrlAllocDeterminePath");
    return -EIO;
  }
  for (size_t i = first; i < first + n; i++) {
    char name[64];
    machine_name(i, name, sizeof(name));
    virResctrlMonitor *m = virResctrlMonitorNew();
    if (!m)
      return -ENOMEM;
    s->monitors[s->n_monitors++] = m;
    virResctrlMonitorSetAlloc(m, s->alloc);
    if (virResctrlMonitorSetID(m, MONITOR_ID) < 0 ||
        virResctrlMonitorDeterminePath(m, name) < 0) {
      report_libvirt(name);
      return -EIO;
    }
  }
  return 0;
}

/* Our groups, opened as the engine opens a group that goes live (the
 * directories vr-bench-read setup made: vr_<uuid i>_g). */
static int open_groups(bench_state *s, const run_args *a) {
  char reason[512], notes[256];
  s->carry = vr_carry_table_new();
  if (!s->carry)
    return -ENOMEM;
  rlim_t soft = 0;
  /* What vr_engine_start does: every group keeps its descriptors. */
  int rc = vr_resctrl_raise_nofile(RLIM_INFINITY, &soft);
  if (rc < 0) {
    fprintf(stderr, "vr-bench-libvirt: RLIMIT_NOFILE: %s\n", strerror(-rc));
    return rc;
  }
  vr_resctrl_fd_budget_init(&s->budget, soft);
  rc = vr_resctrl_open(ROOT, a->sysfs, &s->resctrl, reason, sizeof(reason));
  if (rc < 0) {
    fprintf(stderr, "vr-bench-libvirt: %s\n", reason);
    return rc;
  }
  s->series =
      (vr_series_config){.instance_format = VR_NAME_FORMAT_1(VR_FIELD_NAME),
                         .host_format = VR_NAME_FORMAT_1(VR_FIELD_HOSTNAME),
                         .report_bytes = true,
                         .report_percent = true,
                         .report_bandwidth = true};
  s->groups = calloc(a->n, sizeof(*s->groups));
  if (!s->groups)
    return -ENOMEM;
  for (size_t i = 0; i < a->n; i++) {
    char uuid[VR_UUID_STRING_LEN + 1], dir[128], domain[32];
    snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012x",
             (unsigned)(i & 0xffffffu));
    (void)vr_owned_name_format("vr_", uuid, "g", dir, sizeof(dir));
    snprintf(domain, sizeof(domain), "bench-vm-%04zu", i);
    vr_readable_group g = {.domain = domain,
                           .uuid = uuid,
                           .group = "g",
                           .members = "0,1",
                           .ctrl = "",
                           .name = dir,
                           .source = VR_SOURCE_OWNED};
    rc = vr_live_group_open(&g, s->resctrl, &s->series, NULL, &s->budget,
                            &s->groups[i], notes, sizeof(notes), reason,
                            sizeof(reason));
    if (rc < 0) {
      fprintf(stderr, "vr-bench-libvirt: group %s: %s\n", dir, reason);
      return rc;
    }
    s->n_groups++;
  }
  return 0;
}

/* One pass of ours; fails when a value went missing. */
static int ours_pass(bench_state *s) {
  bool vanished = false;
  size_t want = s->n_groups * CACHE_IDS * 4; /* bytes, percent, total, local */
  size_t sent =
      vr_live_groups_read(s->groups, s->n_groups, s->carry, &vanished);
  if (vanished || sent != want) {
    fprintf(stderr, "vr-bench-libvirt: our pass sent %zu of %zu values\n", sent,
            want);
    return -EIO;
  }
  return 0;
}

/* One GetStats call on monitor i for the features from first on, its
 * stats freed; with check, every value compared to what setup wrote. */
static int read_monitor(bench_state *s, size_t i, const char **feats,
                        size_t first, bool check) {
  virResctrlMonitorStats **stats = NULL;
  size_t n = 0, nfeats = 0;
  int rc = 0;
  while (feats[nfeats])
    nfeats++;
  if (virResctrlMonitorGetStats(s->monitors[i], feats, &stats, &n) < 0) {
    report_libvirt("virResctrlMonitorGetStats");
    return -EIO;
  }
  if (n != CACHE_IDS)
    rc = -EIO;
  for (size_t k = 0; k < n; k++) {
    for (size_t f = 0; check && rc == 0 && f < nfeats; f++)
      if (stats[k]->id != k || stats[k]->nvals != nfeats ||
          stats[k]->vals[f] != value_of(i, first + f))
        rc = -EIO;
    virResctrlMonitorStatsFree(stats[k]);
  }
  /* g_free: GLib 2.46 and later allocate with the system malloc. */
  free(stats);
  if (rc < 0)
    fprintf(stderr, "vr-bench-libvirt: libvirt read other values than set\n");
  return rc;
}

/* One pass of libvirt's over every monitor. calls 1: one GetStats with
 * the three features, the least libvirt can do. calls 2: as the QEMU
 * driver reads a vCPU set that is both a <cachetune> and a <memorytune>
 * monitor (qemuDomainGetStatsCpuCache, then
 * qemuDomainGetStatsMemoryBandwidth): llc_occupancy, then the two mbm
 * counters, each call scanning mon_data again. */
static int libvirt_pass(bench_state *s, int calls, bool check) {
  int rc = 0;
  for (size_t i = 0; i < s->n_monitors && rc == 0; i++) {
    if (calls == 1) {
      rc = read_monitor(s, i, features, 0, check);
    } else {
      rc = read_monitor(s, i, cache_features, 0, check);
      if (rc == 0)
        rc = read_monitor(s, i, bw_features, 1, check);
    }
  }
  return rc;
}

static int timed(bench_state *s, const run_args *a) {
  double *ours = calloc(MAX_SAMPLES, sizeof(double));
  double *lv = calloc(MAX_SAMPLES, sizeof(double));
  int rc = ours && lv ? 0 : -ENOMEM;
  for (int w = 0; w < 3 && rc == 0; w++) /* warm caches and allocators */
    rc = ours_pass(s) < 0 ? -EIO : libvirt_pass(s, a->calls, w == 0);
  size_t k = 0;
  double spent = 0;
  while (rc == 0 && k < MAX_SAMPLES &&
         (k < MIN_SAMPLES || spent < SAMPLE_BUDGET_US)) {
    double t0 = bench_now_us(), t1, t2;
    if (k % 2 == 0) {
      rc = ours_pass(s);
      t1 = bench_now_us();
      rc = rc < 0 ? rc : libvirt_pass(s, a->calls, false);
      t2 = bench_now_us();
      ours[k] = t1 - t0;
      lv[k] = t2 - t1;
    } else {
      rc = libvirt_pass(s, a->calls, false);
      t1 = bench_now_us();
      rc = rc < 0 ? rc : ours_pass(s);
      t2 = bench_now_us();
      lv[k] = t1 - t0;
      ours[k] = t2 - t1;
    }
    spent += t2 - t0;
    k++;
  }
  if (rc == 0) {
    double files = (double)(a->n * CACHE_IDS * 3);
    double om = bench_quantile(ours, k, 0.5), lm = bench_quantile(lv, k, 0.5);
    printf("n=%zu calls=%d files=%.0f samples=%zu ours_med_us=%.1f "
           "libvirt_med_us=%.1f ours_ns_per_value=%.0f "
           "libvirt_ns_per_value=%.0f ratio=%.2f\n",
           a->n, a->calls, files, k, om, lm, om * 1000.0 / files,
           lm * 1000.0 / files, lm / om);
  }
  free(ours);
  free(lv);
  return rc;
}

static int cmd_run(const run_args *a) {
  bench_state s = {0};
  bool ours = !a->only || strcmp(a->only, "ours") == 0;
  bool lv = !a->only || strcmp(a->only, "libvirt") == 0;
  int rc = ours ? open_groups(&s, a) : 0;
  if (rc == 0 && lv)
    rc = open_monitors(&s, 0, a->n);
  if (rc == 0 && lv && !ours) /* strace mode checks the values once too */
    rc = libvirt_pass(&s, a->calls, true);
  if (rc == 0 && a->cycles > 0) {
    for (long c = 0; c < a->cycles && rc == 0; c++)
      rc = ours ? ours_pass(&s) : libvirt_pass(&s, a->calls, false);
    if (rc == 0)
      printf("cycles=%ld side=%s\n", a->cycles, ours ? "ours" : "libvirt");
  } else if (rc == 0) {
    rc = timed(&s, a);
  }
  for (size_t i = 0; i < s.n_groups; i++)
    vr_live_group_free(s.groups[i]);
  vr_carry_table_free(s.carry);
  free(s.groups);
  vr_resctrl_close(s.resctrl);
  for (size_t i = 0; i < s.n_monitors; i++)
    virObjectUnref(s.monitors[i]);
  free(s.monitors);
  if (s.alloc)
    virObjectUnref(s.alloc);
  return rc < 0 ? 1 : 0;
}

/* Does libvirt read a group on cache ids 8 and 9? The kernel names their
 * directories mon_L3_08 and mon_L3_09 (mkdir_mondata_subdir: "mon_%s_%02d"),
 * and virResctrlMonitorGetStats parses the id after "mon_L3_" with base 0
 * (virStrToLong_uip), where a leading 0 means octal. Cache ids 2 and 3, as
 * a control, differ in nothing else. Prints what libvirt answered for
 * each; fails only when the probe itself cannot run. */
static int cmd_probe(void) {
  static const unsigned first[] = {2, 8};
  bench_state s = {0};
  int rc = 0;
  for (size_t p = 0; p < 2 && rc == 0; p++)
    rc = setup_monitor(PROBE_GROUP + p, first[p]);
  if (rc == 0)
    rc = open_monitors(&s, PROBE_GROUP, 2);
  for (size_t p = 0; p < 2 && rc == 0; p++) {
    virResctrlMonitorStats **stats = NULL;
    size_t n = 0;
    printf("libvirt on mon_L3_%02u and mon_L3_%02u: ", first[p], first[p] + 1);
    if (virResctrlMonitorGetStats(s.monitors[p], features, &stats, &n) < 0) {
      const char *msg = virGetLastErrorMessage();
      printf("virResctrlMonitorGetStats returns -1 (its last error: %s)\n",
             msg ? msg : "?");
      continue;
    }
    printf("read cache ids");
    for (size_t k = 0; k < n; k++) {
      printf(" %u", stats[k]->id);
      virResctrlMonitorStatsFree(stats[k]);
    }
    printf("\n");
    free(stats);
  }
  for (size_t i = 0; i < s.n_monitors; i++)
    virObjectUnref(s.monitors[i]);
  free(s.monitors);
  if (s.alloc)
    virObjectUnref(s.alloc);
  return rc < 0 ? 1 : 0;
}

static int usage(void) {
  fprintf(stderr, "usage: vr-bench-libvirt setup N\n"
                  "       vr-bench-libvirt probe\n"
                  "       vr-bench-libvirt run SYSFS N [--calls 1|2] "
                  "[--cycles C --only ours|libvirt]\n");
  return 2;
}

int main(int argc, char **argv) {
  /* Only errors: the plugin's info lines would cost writes in the timings. */
  shim_set_log_level(LOG_ERR);
  /* libvirt's error reporting is per thread: without this its last error
   * reads an uninitialised slot. */
  if (virInitialize() < 0) {
    fprintf(stderr, "vr-bench-libvirt: virInitialize failed\n");
    return 1;
  }
  if (argc == 3 && strcmp(argv[1], "setup") == 0) {
    size_t n = strtoul(argv[2], NULL, 10);
    for (size_t i = 0; i < n; i++) {
      int rc = setup_monitor(i, 0);
      if (rc < 0) {
        fprintf(stderr, "vr-bench-libvirt: monitor %zu: %s\n", i,
                strerror(-rc));
        return 1;
      }
    }
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "probe") == 0)
    return cmd_probe();
  if (argc < 4 || strcmp(argv[1], "run") != 0)
    return usage();
  run_args a = {.sysfs = argv[2], .n = strtoul(argv[3], NULL, 10), .calls = 1};
  for (int i = 4; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--cycles") == 0)
      a.cycles = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--only") == 0)
      a.only = argv[i + 1];
    else if (strcmp(argv[i], "--calls") == 0)
      a.calls = atoi(argv[i + 1]);
    else
      return usage();
  }
  if (a.n == 0 || (a.cycles > 0) != (a.only != NULL) ||
      (a.calls != 1 && a.calls != 2))
    return usage();
  return cmd_run(&a);
}
