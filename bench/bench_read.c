/* SPDX-License-Identifier: MIT */
/*
 * vr-bench-read: the plugin's read path against its physical floor.
 *
 * It opens N of our MON groups with vr_live_group_open, exactly as the
 * engine does when a group goes live, and times vr_live_groups_read, which
 * is all that collectd's read callback runs (vr_read -> vr_engine_read ->
 * vr_live_groups_read on a pinned live set, no engine lock). Dispatch goes to
 * the counting sink of tests/support/collectd_sink.c. In the same process and
 * over the same files it times a floor: one pread at offset 0 per value file on
 * fds opened beforehand, the least any reader of these files can do. Cycle and
 * floor samples alternate, and which goes first alternates too, so that the
 * noise of a shared machine hits both alike.
 *
 * Usage:
 *   vr-bench-read setup ROOT N [--files]
 *       creates mon_groups/<ours i> for i < N under ROOT; --files also
 *       writes their mon_data value files (a tmpfs tree; the emulator makes
 *       them itself on mkdir).
 *   vr-bench-read run ROOT SYSFS N [--cycles C] [--nofile L]
 *                      [--keep-files-open 0|1]
 *       without --cycles: timed samples, one line of key=value results;
 *       with --cycles: exactly C cycles and no floor, for strace -c.
 *       --nofile L: run as a collectd whose hard and soft RLIMIT_NOFILE are
 *       L, so that groups beyond the fd budget read open-pread-close.
 *       --keep-files-open 0: as the plugin with KeepFilesOpen false, which
 *       keeps no fd between reads: each group's read opens the root, then
 *       opens, preads and closes each file (the floor keeps its fds: the
 *       ratio is then the cost of keeping nothing open).
 *       --host 0: without the host context (ReportHost false). By default
 *       the cycle also reads the root group as the host context's member
 *       and dispatches the host and vms sums (host_context.h), as the
 *       plugin does by default, and the floor preads the root's files too.
 *       --sub-numa 1: as ReportSubNUMA true, reading each SNC node's
 *       mon_sub_L3_YY files too (vr_resctrl_set_sub_numa) and sending their
 *       values. --energy 0: as ReportEnergy false (default true, as the
 *       plugin's): no core energy or power from mon_PERF_PKG_YY.
 *       The floor reads exactly the files the plugin's readers read in that
 *       mode: the domains of the handle (vr_resctrl.caches: L3 cache ids,
 *       their SNC nodes with --sub-numa 1, PERF_PKG packages) times the
 *       events of each one's resource.
 */
#include "bench_alloc.h"
#include "bench_stats.h"
#include "collectd_shim.h"

#include "read/host_context.h"
#include "read/live_group.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_name.h"
#include "resctrl/resctrl_values.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIN_SAMPLES 21
#define MAX_SAMPLES 401
#define SAMPLE_BUDGET_US 1500000.0 /* per run, both loops together */

/* Group i's domain UUID, as libvirt prints one. */
static void group_uuid(size_t i, char *buf, size_t len) {
  snprintf(buf, len, "00000000-0000-4000-8000-%012x",
           (unsigned)(i & 0xffffffu));
}

/* Group i's directory, named as the plugin names it; cannot fail (valid
 * prefix, uuid and group; callers pass 128 bytes). */
static void group_dir(size_t i, char *buf, size_t len) {
  char uuid[VR_UUID_STRING_LEN + 1];
  group_uuid(i, uuid, sizeof(uuid));
  (void)vr_owned_name_format("vr_", uuid, "g", buf, len);
}

static int put_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  ssize_t n = write(fd, text, strlen(text));
  int rc = n == (ssize_t)strlen(text) ? 0 : -EIO;
  close(fd);
  return rc;
}

static int mkdir_ok(const char *path) {
  return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* The root group's seed: its files read values apart from every group's. */
#define ROOT_SEED SIZE_MAX

/* A value file's text for group seed (ROOT_SEED: the root): a decimal
 * fraction in a PERF_PKG package's files (print_event_value), else a
 * counter as wide as a busy host's, so that parsing costs what it will;
 * on an L3 domain or SNC node the values vr-bench-libvirt writes for its
 * own groups (bench_libvirt.c, value_of), so that both parse alike. */
static void value_text(const char *path, size_t seed, char *buf, size_t len) {
  const char *name = strrchr(path, '/');
  size_t f = 0;
  while (f < VR_FEAT_COUNT &&
         strcmp(name + 1, vr_resctrl_feature_name((vr_resctrl_feature)f)) != 0)
    f++;
  if (strstr(path, "/mon_PERF_PKG_"))
    snprintf(buf, len, "%s\n",
             seed == ROOT_SEED ? "98765.432101" : "12345.678901");
  else if (seed == ROOT_SEED)
    snprintf(buf, len, "987654321012\n");
  else
    snprintf(buf, len, "%zu\n", 123456789012ul + seed * 4096 + f);
}

/* Lays out below dst the directories and value files of src (the root's
 * mon_data as bench_resctrl_tree made it: L3 domains, their SNC nodes,
 * PERF_PKG packages), each file reading a value of its own from seed; with
 * dst == src it rewrites the root's files in place. */
static int mirror_mon_data(const char *src, const char *dst, size_t seed) {
  DIR *d = opendir(src);
  struct dirent *e;
  int rc = d ? 0 : -errno;
  while (rc == 0 && (e = readdir(d))) {
    char from[1024], to[1024], value[48];
    struct stat st;
    if (e->d_name[0] == '.')
      continue;
    snprintf(from, sizeof(from), "%s/%s", src, e->d_name);
    snprintf(to, sizeof(to), "%s/%s", dst, e->d_name);
    if (stat(from, &st) < 0)
      rc = -errno;
    else if (S_ISDIR(st.st_mode)) {
      rc = mkdir_ok(to);
      if (rc == 0)
        rc = mirror_mon_data(from, to, seed);
    } else {
      value_text(to, seed, value, sizeof(value));
      rc = put_file(to, value);
    }
  }
  if (d)
    closedir(d);
  return rc;
}

static int setup_group(const char *root, size_t i, bool files) {
  char dir[128], path[512], from[512];
  group_dir(i, dir, sizeof(dir));
  snprintf(path, sizeof(path), "%s/mon_groups/%s", root, dir);
  int rc = mkdir_ok(path);
  if (rc < 0 || !files)
    return rc;
  snprintf(path, sizeof(path), "%s/mon_groups/%s/mon_data", root, dir);
  snprintf(from, sizeof(from), "%s/mon_data", root);
  rc = mkdir_ok(path);
  return rc < 0 ? rc : mirror_mon_data(from, path, i);
}

/* The root group's value files (tmpfs: the emulator has its own), read
 * for the host context: values of their own. */
static int setup_root(const char *root) {
  char path[512];
  snprintf(path, sizeof(path), "%s/mon_data", root);
  return mirror_mon_data(path, path, ROOT_SEED);
}

static int cmd_setup(const char *root, size_t n, bool files) {
  if (files && setup_root(root) < 0) {
    fprintf(stderr, "vr-bench-read: the root's files under %s\n", root);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    int rc = setup_group(root, i, files);
    if (rc < 0) {
      fprintf(stderr, "vr-bench-read: group %zu under %s: %s\n", i, root,
              strerror(-rc));
      return 1;
    }
  }
  return 0;
}

typedef struct {
  const char *root, *sysfs;
  size_t n;
  long cycles; /* > 0: strace mode */
  rlim_t nofile;
  bool no_keep;   /* --keep-files-open 0 */
  bool no_host;   /* --host 0 */
  bool sub_numa;  /* --sub-numa 1: ReportSubNUMA true */
  bool no_energy; /* --energy 0: ReportEnergy false */
} run_args;

typedef struct {
  vr_resctrl *resctrl;
  vr_resctrl_fd_budget budget;
  vr_series_config series;
  vr_live_group **groups;
  size_t n_groups;
  /* The host context (unless --host 0): the root as its member, and the
   * groups and the root together, as one live set holds them. */
  vr_host_context *host;
  vr_live_group *root_group;
  vr_live_group **all;
  size_t n_all;
  vr_carry_table *carry; /* counters carried across resets, as the plugin */
  /* The domains as the plugin's handle lists them (vr_resctrl.caches):
   * the floor's slots per group follow the readers' layout. */
  size_t n_caches;
  /* One per slot of the readers' layout (-1: no file) while the floor is
   * opened, then only the slots with a file, in slot order: n_floor ==
   * n_files, the value files the plugin reads. */
  int *floor_fds;
  bool *floor_owned; /* opened by the floor, not borrowed */
  size_t n_floor;
  size_t n_files;
  size_t borrowed;
  /* Heap bytes per group by structure (bench_alloc.h: exact), measured
   * while the groups are opened and by the first cycle. */
  struct {
    double live_group;  /* vr_live_group and the live set's pointer */
    double identifiers; /* the identity block: domain, uuid, names */
    double slots;       /* the read's value slots */
    double reader;      /* the reader: its fd table and mon_data path */
    double lists;       /* the dispatch block: per-metric state, names */
    double meta;        /* collectd meta data */
    double carries;     /* counter carries (made by the first read) */
    double sums;        /* host context sums (first read) */
    double host_fixed;  /* the host context's own, once per host */
    size_t fds;         /* value files kept open per group */
  } mem;
} bench_state;

/* A live chunk's bytes as bench_alloc.c counts them. */
static double chunk_of(const void *p) {
  return p ? (double)(malloc_usable_size((void *)p) + sizeof(size_t)) : 0;
}

/* Slot of a value file in the floor: group, domain index, feature. */
static size_t slot_of(const bench_state *s, size_t group, size_t cache,
                      size_t feature) {
  return (group * s->n_caches + cache) * VR_FEAT_COUNT + feature;
}

/* Whether the plugin's readers read event f of domain c of r: the rule of
 * resctrl_values.c (monitored): an event of the domain's resource, an SNC
 * node's only with ReportSubNUMA. */
static bool plugin_reads(const vr_resctrl *r, const vr_resctrl_cache *c,
                         size_t f) {
  return (r->features & (1u << f)) &&
         vr_resctrl_feature_resource((vr_resctrl_feature)f) == c->resource &&
         (c->node < 0 || r->read_nodes);
}

/* Parses ".../mon_groups/vr_<uuid i>_g/mon_data/<domain dir>/FEATURE"
 * (the domain dir "mon_L3_00", "mon_L3_00/mon_sub_L3_01" or
 * "mon_PERF_PKG_00" as r lists it) into its slot; false for any other
 * path. */
static bool parse_slot(const bench_state *s, const vr_resctrl *r,
                       const char *path, size_t n, size_t *slot) {
  static const char mark[] = "/mon_groups/vr_00000000-0000-4000-8000-";
  static const char data[] = "_g/mon_data/";
  const char *p = strstr(path, mark);
  unsigned group;
  int used = 0;
  if (!p || sscanf(p + sizeof(mark) - 1, "%12x%n", &group, &used) != 1 ||
      group >= n ||
      strncmp(p + sizeof(mark) - 1 + used, data, sizeof(data) - 1) != 0)
    return false;
  const char *rest = p + sizeof(mark) - 1 + used + sizeof(data) - 1;
  const char *feature = strrchr(rest, '/');
  if (!feature)
    return false;
  for (size_t c = 0; c < r->n_caches; c++) {
    size_t len = strlen(r->caches[c].dir);
    if (len != (size_t)(feature - rest) ||
        strncmp(rest, r->caches[c].dir, len) != 0)
      continue;
    for (size_t f = 0; f < VR_FEAT_COUNT; f++)
      if (strcmp(feature + 1, vr_resctrl_feature_name((vr_resctrl_feature)f)) ==
          0) {
        *slot = slot_of(s, group, c, f);
        return true;
      }
  }
  return false;
}

/* The floor reads the very descriptors the plugin keeps (found through
 * /proc/self/fd at set-up, untimed): the same open files, and no second
 * set of fds, which would not fit below a 20,000 hard limit at 2048
 * groups. */
static void borrow_plugin_fds(bench_state *s, const run_args *a,
                              const vr_resctrl *r) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  while (d && (e = readdir(d))) {
    char link[300], target[1024];
    size_t slot;
    snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
    ssize_t len = readlink(link, target, sizeof(target) - 1);
    if (len <= 0)
      continue;
    target[len] = '\0';
    if (parse_slot(s, r, target, a->n, &slot) && s->floor_fds[slot] < 0) {
      s->floor_fds[slot] = atoi(e->d_name);
      s->borrowed++;
    }
  }
  if (d)
    closedir(d);
}

/* Opens one of the floor's files; with --nofile at or above the limit. */
static int floor_open(const run_args *a, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || !a->nofile)
    return fd < 0 ? -errno : fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, (int)a->nofile);
  int err = errno;
  close(fd);
  return high < 0 ? -err : high;
}

/* The floor's value files, exactly those the plugin's readers of r read
 * (per group and, with the host context, the root), opened beforehand:
 * borrowed from the plugin where it keeps them, else opened here. With
 * --nofile they sit at or above the limit (placed there while it was still
 * high) so that they leave the plugin the descriptors it would have
 * alone. */
static int open_floor(bench_state *s, const run_args *a, const vr_resctrl *r,
                      bool borrow) {
  s->n_caches = r->n_caches;
  s->n_floor = (a->n + (a->no_host ? 0 : 1)) * r->n_caches * VR_FEAT_COUNT;
  s->floor_fds = malloc((s->n_floor + 1) * sizeof(int));
  s->floor_owned = calloc(s->n_floor + 1, sizeof(bool));
  if (!s->floor_fds || !s->floor_owned)
    return -ENOMEM;
  for (size_t i = 0; i < s->n_floor; i++)
    s->floor_fds[i] = -1;
  if (borrow)
    borrow_plugin_fds(s, a, r);
  /* Group i < a->n, then (i == a->n) the root's files for the host. */
  for (size_t i = 0; i <= a->n && slot_of(s, i, 0, 0) < s->n_floor; i++) {
    char dir[128] = "";
    if (i < a->n)
      group_dir(i, dir, sizeof(dir));
    for (size_t c = 0; c < r->n_caches; c++)
      for (size_t f = 0; f < VR_FEAT_COUNT; f++) {
        char path[1024];
        size_t slot = slot_of(s, i, c, f);
        if (s->floor_fds[slot] >= 0 || !plugin_reads(r, &r->caches[c], f))
          continue;
        snprintf(path, sizeof(path), "%s/%s%s%smon_data/%s/%s", a->root,
                 i < a->n ? "mon_groups/" : "", dir, i < a->n ? "/" : "",
                 r->caches[c].dir,
                 vr_resctrl_feature_name((vr_resctrl_feature)f));
        int fd = floor_open(a, path);
        if (fd < 0)
          return fd;
        s->floor_fds[slot] = fd;
        s->floor_owned[slot] = true;
      }
  }
  /* the slots without a file go: the floor pass preads every entry */
  for (size_t i = 0; i < s->n_floor; i++)
    if (s->floor_fds[i] >= 0) {
      s->floor_fds[s->n_files] = s->floor_fds[i];
      s->floor_owned[s->n_files++] = s->floor_owned[i];
    }
  s->n_floor = s->n_files;
  return 0;
}

static volatile size_t floor_sink;

static void floor_pass(const bench_state *s) {
  char buf[64];
  size_t total = 0;
  for (size_t i = 0; i < s->n_files; i++) {
    ssize_t n = pread(s->floor_fds[i], buf, sizeof(buf) - 1, 0);
    total += n > 0 ? (size_t)n : 0;
  }
  floor_sink = total;
}

/* The resctrl handle, as the engine opens it: with ReportSubNUMA its
 * readers read the SNC nodes' files too. */
static int open_handle(const run_args *a, vr_resctrl **out) {
  char reason[512];
  int rc = vr_resctrl_open(a->root, a->sysfs, out, reason, sizeof(reason));
  if (rc < 0)
    fprintf(stderr, "vr-bench-read: %s\n", reason);
  else
    vr_resctrl_set_sub_numa(*out, a->sub_numa);
  return rc;
}

/* --nofile: the floor's files first, placed above the limit while it is
 * still high; then a hard and soft limit of L, as a collectd started with
 * it would have. Then what vr_engine_start does. */
static int set_limits(bench_state *s, const run_args *a) {
  struct rlimit rl;
  if (a->nofile) {
    rlim_t soft;
    vr_resctrl *layout = NULL;
    int rc = vr_resctrl_raise_nofile(RLIM_INFINITY, &soft);
    /* the floor's files are the handle's layout: a handle of its own */
    if (rc == 0 && a->cycles == 0)
      rc = open_handle(a, &layout);
    if (rc == 0 && a->cycles == 0)
      rc = open_floor(s, a, layout, false);
    vr_resctrl_close(layout);
    rl.rlim_cur = rl.rlim_max = a->nofile;
    if (rc < 0 || setrlimit(RLIMIT_NOFILE, &rl) < 0)
      return rc < 0 ? rc : -errno;
  }
  /* What vr_engine_start does. */
  rlim_t soft = 0;
  int rc = vr_resctrl_raise_nofile(RLIM_INFINITY, &soft);
  vr_resctrl_fd_budget_init(&s->budget, soft);
  return rc;
}

/* The heap the groups took, per group, by structure: the whole from the
 * counting allocator, meta data from collectd's stand-in, and group 0's
 * reader and dispatch block opened again apart (the same calls with the
 * same input) for their share; the rest is the live group's own chunks. */
static int measure_groups(bench_state *s, const run_args *a, long heap0,
                          long meta0) {
  char reason[512], notes[256], dir[128];
  double n = (double)a->n;
  double total = (double)(bench_alloc_bytes() - heap0) / n;
  vr_live_group *g = s->groups[0];
  s->mem.meta = (double)(shim_meta_bytes() - meta0) / n;
  s->mem.fds = vr_resctrl_reader_kept_fds(g->reader);
  group_dir(0, dir, sizeof(dir));
  long h = bench_alloc_bytes();
  vr_resctrl_reader *rd = NULL;
  int rc = vr_resctrl_reader_open(s->resctrl, "", dir, &s->budget, &rd, reason,
                                  sizeof(reason));
  s->mem.reader = (double)(bench_alloc_bytes() - h);
  vr_resctrl_reader_close(rd);
  h = bench_alloc_bytes();
  long m = shim_meta_bytes();
  vr_dispatch_group *d = NULL;
  vr_dispatch_input in = {.domain = g->id.domain,
                          .uuid = g->id.uuid,
                          .group = g->id.group,
                          .members = g->id.members,
                          .resctrl = s->resctrl,
                          .config = &s->series};
  if (rc == 0)
    rc = vr_dispatch_group_new(&in, &d, notes, sizeof(notes), reason,
                               sizeof(reason));
  s->mem.lists =
      (double)(bench_alloc_bytes() - h) - (double)(shim_meta_bytes() - m);
  vr_dispatch_group_free(d);
  if (rc < 0) {
    fprintf(stderr, "vr-bench-read: measuring group 0: %s\n", reason);
    return rc;
  }
  s->mem.identifiers = chunk_of(g->id.domain);
  s->mem.slots = chunk_of(g->values);
  s->mem.live_group = total - s->mem.meta - s->mem.reader - s->mem.lists -
                      s->mem.identifiers - s->mem.slots;
  return 0;
}

static int open_groups(bench_state *s, const run_args *a) {
  char reason[512], notes[256];
  s->carry = vr_carry_table_new();
  if (!s->carry)
    return -ENOMEM;
  int rc = open_handle(a, &s->resctrl);
  if (rc < 0)
    return rc;
  /* What the engine does with KeepFilesOpen false: the root is open only
   * while a pass opens the groups. */
  vr_resctrl_set_keep_open(s->resctrl, !a->no_keep);
  rc = vr_resctrl_attach(s->resctrl);
  if (rc < 0)
    return rc;
  s->series = (vr_series_config){
      .instance_format = VR_NAME_FORMAT_1(VR_FIELD_NAME),
      .host_format = VR_NAME_FORMAT_1(VR_FIELD_HOSTNAME),
      .report_bytes = true,
      .report_percent = true,
      .report_bandwidth = true,
      .report_sub_numa = a->sub_numa,
      .report_energy = !a->no_energy,
  };
  long heap0 = bench_alloc_bytes(), meta0 = shim_meta_bytes();
  s->groups = calloc(a->n, sizeof(*s->groups));
  if (!s->groups)
    return -ENOMEM;
  for (size_t i = 0; i < a->n; i++) {
    char uuid[VR_UUID_STRING_LEN + 1], dir[128], domain[32];
    group_uuid(i, uuid, sizeof(uuid));
    group_dir(i, dir, sizeof(dir));
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
      fprintf(stderr, "vr-bench-read: group %s: %s\n", dir, reason);
      return rc;
    }
    s->n_groups++;
  }
  rc = measure_groups(s, a, heap0, meta0);
  if (rc < 0)
    return rc;
  s->all = calloc(a->n + 1, sizeof(*s->all));
  if (!s->all)
    return -ENOMEM;
  memcpy(s->all, s->groups, a->n * sizeof(*s->all));
  s->n_all = a->n;
  if (!a->no_host) {
    /* What engine_live.c adds with ReportHost (no CTRL_MON group here). */
    vr_readable_group root = vr_host_member("");
    s->host = vr_host_context_new(&s->series);
    rc = s->host ? vr_live_group_open(&root, s->resctrl, &s->series, NULL,
                                      &s->budget, &s->root_group, notes,
                                      sizeof(notes), reason, sizeof(reason))
                 : -ENOMEM;
    if (rc < 0) {
      fprintf(stderr, "vr-bench-read: the root group: %s\n", reason);
      return rc;
    }
    s->all[s->n_all++] = s->root_group;
  }
  vr_resctrl_detach(s->resctrl);
  return 0;
}

/* Values one reader's series send per cycle, as series.c chooses them:
 * per domain of r, the metric table's rows of its resource whose event is
 * monitored and whose Report* key is on, a percent only with a size known;
 * an SNC node's only with ReportSubNUMA, and none in the host context (its
 * sums are per L3 cache id and package). first: the first cycle, without
 * power (a power value needs two reads of the energy counter). */
static size_t values_per_cycle(const vr_resctrl *r, const vr_series_config *cfg,
                               bool context, bool first) {
  const bool gate[] = {[VR_GATE_BYTES] = cfg->report_bytes,
                       [VR_GATE_PERCENT] = cfg->report_percent,
                       [VR_GATE_BANDWIDTH] = cfg->report_bandwidth,
                       [VR_GATE_ENERGY] = cfg->report_energy};
  size_t n = 0;
  for (size_t c = 0; c < r->n_caches; c++) {
    const vr_resctrl_cache *d = &r->caches[c];
    if (d->node >= 0 && (context || !cfg->report_sub_numa))
      continue;
    for (int m = 0; m < VR_METRIC_COUNT; m++) {
      const vr_metric_def *def = &vr_metric_defs[m];
      n += def->resource == d->resource && gate[def->gate] &&
           (r->features & (1u << def->event)) &&
           (def->unit != VR_UNIT_PERCENT_OF_SIZE || d->size) &&
           !(first && def->unit == VR_UNIT_RATE_OF_MICRO);
    }
  }
  return n;
}

/* What one cycle of s dispatches: each group's values, and the host and
 * vms sums unless --host 0. */
static size_t expected_values(const bench_state *s, const run_args *a,
                              bool first) {
  size_t n = a->n * values_per_cycle(s->resctrl, &s->series, false, first);
  if (!a->no_host)
    n += 2 * values_per_cycle(s->resctrl, &s->series, true, first);
  return n;
}

/* One read cycle; fails when a group vanished or a value went missing.
 * heap: when not NULL, the heap bytes the read (carries) and the host
 * context (sums, its own layout) took, in that order. */
static int cycle_heap(bench_state *s, size_t expected, long heap[2]) {
  bool vanished = false;
  long h0 = bench_alloc_bytes();
  size_t sent = vr_live_groups_read(s->all, s->n_all, s->carry, &vanished);
  long h1 = bench_alloc_bytes();
  if (s->host)
    sent += vr_host_context_submit(s->host, s->all, s->n_all, s->resctrl);
  if (heap) {
    heap[0] = h1 - h0;
    heap[1] = bench_alloc_bytes() - h1;
  }
  if (vanished || sent != expected) {
    fprintf(stderr, "vr-bench-read: cycle sent %zu of %zu values%s\n", sent,
            expected, vanished ? ", a group vanished" : "");
    return -EIO;
  }
  return 0;
}

static int cycle(bench_state *s, size_t expected) {
  return cycle_heap(s, expected, NULL);
}

/* The first cycle's heap: the carries, and the host context's sums, one
 * per group and the root, and its own layout (once per host: two dispatch
 * groups, slots and totals), told apart by measuring the root's sum. */
static int first_cycle(bench_state *s, const run_args *a, size_t expected) {
  long heap[2];
  int rc = cycle_heap(s, expected, heap);
  double n = (double)a->n;
  s->mem.carries = (double)heap[0] / n;
  /* two per group: its part of vms, and (a MON group under the root) of
   * host (host_context.c, add_mon_groups) */
  double per_sum = s->n_groups ? chunk_of(s->groups[0]->sum) +
                                     chunk_of(s->groups[0]->host_sum)
                               : 0;
  s->mem.sums = per_sum;
  s->mem.host_fixed = (double)heap[1] - per_sum * n;
  return rc;
}

/* The rest of the result line: heap bytes per group by structure, values
 * per group, allocations per steady cycle ("-" where a sanitizer's
 * allocator runs and nothing is counted). */
static void print_memory(const bench_state *s, double allocs) {
  double total = s->mem.live_group + s->mem.identifiers + s->mem.slots +
                 s->mem.reader + s->mem.lists + s->mem.meta + s->mem.carries +
                 s->mem.sums;
  if (!bench_alloc_counting()) {
    printf("allocs_per_cycle=- heap_per_group=-\n");
    return;
  }
  printf("allocs_per_cycle=%.2f heap_per_group=%.0f mem_live_group=%.0f "
         "mem_identifiers=%.0f mem_slots=%.0f mem_reader=%.0f "
         "mem_lists=%.0f mem_meta=%.0f mem_carries=%.0f mem_sums=%.0f "
         "mem_host_fixed=%.0f fds_per_group=%zu values_per_group=%zu\n",
         allocs, total, s->mem.live_group, s->mem.identifiers, s->mem.slots,
         s->mem.reader, s->mem.lists, s->mem.meta, s->mem.carries, s->mem.sums,
         s->mem.host_fixed, s->mem.fds,
         values_per_cycle(s->resctrl, &s->series, false, false));
}

/* rss_base and rss_groups: VmRSS before and after the groups were opened. */
static int timed(bench_state *s, const run_args *a, size_t expected,
                 long rss_base, long rss_groups) {
  double *cyc = calloc(MAX_SAMPLES, sizeof(double));
  double *flo = calloc(MAX_SAMPLES, sizeof(double));
  int rc = cyc && flo ? 0 : -ENOMEM;
  for (int w = 0; w < 3 && rc == 0; w++) /* warm caches and the allocator */
    rc = cycle(s, expected);
  long rss_warm = bench_rss_kib();
  unsigned long allocs0 = bench_alloc_calls(), cycles = 0;
  size_t k = 0;
  double spent = 0;
  while (rc == 0 && k < MAX_SAMPLES &&
         (k < MIN_SAMPLES || spent < SAMPLE_BUDGET_US)) {
    double t0 = bench_now_us(), t1, t2;
    if (k % 2 == 0) {
      rc = cycle(s, expected);
      t1 = bench_now_us();
      floor_pass(s);
      t2 = bench_now_us();
      cycles++;
      cyc[k] = t1 - t0;
      flo[k] = t2 - t1;
    } else {
      floor_pass(s);
      t1 = bench_now_us();
      rc = cycle(s, expected);
      t2 = bench_now_us();
      cycles++;
      flo[k] = t1 - t0;
      cyc[k] = t2 - t1;
    }
    spent += t2 - t0;
    k++;
  }
  /* Every allocation in the timed loop, the floor's and the bench's own
   * included (they make none): the plugin's per read cycle. */
  double allocs = (double)(bench_alloc_calls() - allocs0) / (double)cycles;
  if (rc == 0) {
    size_t kept = 0;
    for (size_t i = 0; i < s->n_groups; i++)
      kept += vr_resctrl_reader_kept_fds(s->groups[i]->reader) > 0;
    double cm = bench_quantile(cyc, k, 0.5), fm = bench_quantile(flo, k, 0.5);
    printf("n=%zu files=%zu fallback_groups=%zu floor_borrowed=%zu samples=%zu "
           "cycle_med_us=%.1f cycle_p10_us=%.1f cycle_p90_us=%.1f "
           "floor_med_us=%.1f ratio=%.3f ns_per_value=%.0f "
           "dispatched_per_cycle=%zu rss_base_kib=%ld rss_groups_kib=%ld "
           "rss_warm_kib=%ld rss_end_kib=%ld peak_kib=%ld ",
           a->n, s->n_files, s->n_groups - kept, s->borrowed, k, cm,
           bench_quantile(cyc, k, 0.1), bench_quantile(cyc, k, 0.9), fm,
           cm / fm, cm * 1000.0 / (double)s->n_files, expected, rss_base,
           rss_groups, rss_warm, bench_rss_kib(), bench_peak_kib());
    print_memory(s, allocs);
  }
  free(cyc);
  free(flo);
  return rc;
}

static int cmd_run(const run_args *a) {
  bench_state s = {0};
  int rc = set_limits(&s, a);
  if (rc < 0) {
    fprintf(stderr, "vr-bench-read: RLIMIT_NOFILE: %s\n", strerror(-rc));
    goto cleanup;
  }
  long rss_base = bench_rss_kib();
  rc = open_groups(&s, a);
  if (rc < 0)
    goto cleanup;
  long rss_groups = bench_rss_kib();
  /* Default tree: bytes, percent, total, local per group and cache id,
   * and the same for host and vms. The first cycle has no power yet: it
   * runs here, untimed, and in both strace runs alike. */
  size_t expected = expected_values(&s, a, false);
  rc = first_cycle(&s, a, expected_values(&s, a, true));
  if (rc < 0)
    goto cleanup;
  if (a->cycles > 0) {
    for (long c = 0; c < a->cycles && rc == 0; c++)
      rc = cycle(&s, expected);
    if (rc == 0)
      printf("cycles=%ld dispatched=%llu\n", a->cycles,
             (unsigned long long)shim_values());
    goto cleanup;
  }
  if (!a->nofile)
    rc = open_floor(&s, a, s.resctrl, true);
  if (rc < 0) {
    fprintf(stderr, "vr-bench-read: floor files: %s\n", strerror(-rc));
    goto cleanup;
  }
  rc = timed(&s, a, expected, rss_base, rss_groups);

cleanup:
  for (size_t i = 0; i < s.n_groups; i++)
    vr_live_group_free(s.groups[i]);
  vr_live_group_free(s.root_group);
  vr_host_context_free(s.host);
  free(s.all);
  vr_carry_table_free(s.carry);
  free(s.groups);
  for (size_t i = 0; i < s.n_floor && s.floor_owned; i++)
    if (s.floor_owned[i])
      close(s.floor_fds[i]);
  free(s.floor_owned);
  free(s.floor_fds);
  vr_resctrl_close(s.resctrl);
  return rc < 0 ? 1 : 0;
}

static int usage(void) {
  fprintf(stderr, "usage: vr-bench-read setup ROOT N [--files]\n"
                  "       vr-bench-read run ROOT SYSFS N [--cycles C] "
                  "[--nofile L] [--keep-files-open 0|1] [--host 0|1]\n"
                  "       [--sub-numa 0|1] [--energy 0|1]\n");
  return 2;
}

int main(int argc, char **argv) {
  /* Only errors: the plugin's info lines would cost writes in the timings. */
  shim_set_log_level(LOG_ERR);
  if (argc >= 4 && strcmp(argv[1], "setup") == 0)
    return cmd_setup(argv[2], strtoul(argv[3], NULL, 10),
                     argc > 4 && strcmp(argv[4], "--files") == 0);
  if (argc < 5 || strcmp(argv[1], "run") != 0)
    return usage();
  run_args a = {
      .root = argv[2], .sysfs = argv[3], .n = strtoul(argv[4], NULL, 10)};
  for (int i = 5; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--cycles") == 0)
      a.cycles = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--nofile") == 0)
      a.nofile = strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--keep-files-open") == 0)
      a.no_keep = strcmp(argv[i + 1], "0") == 0;
    else if (strcmp(argv[i], "--host") == 0)
      a.no_host = strcmp(argv[i + 1], "0") == 0;
    else if (strcmp(argv[i], "--sub-numa") == 0)
      a.sub_numa = strcmp(argv[i + 1], "1") == 0;
    else if (strcmp(argv[i], "--energy") == 0)
      a.no_energy = strcmp(argv[i + 1], "0") == 0;
    else
      return usage();
  }
  if (a.n == 0)
    return usage();
  return cmd_run(&a);
}
