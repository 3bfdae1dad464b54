/* SPDX-License-Identifier: MIT */
/* resctrl-emu: a FUSE emulator of the Linux resctrl file system, faithful to
 * the kernel's rules (Documentation/filesystems/resctrl.rst and
 * fs/resctrl/rdtgroup.c) so that tests of code using resctrl run on machines
 * without RDT hardware.
 *
 * Usage: resctrl-emu [options] MOUNTPOINT
 *   --cache-ids LIST   L3 cache ids, e.g. 0,1 or 0,8,9 (default 0,1);
 *                      mon_data shows mon_L3_00, mon_L3_08, ...
 *   --num-rmids N      RMIDs, RMID 0 being the root's (default 32)
 *   --num-closids N    CLOSIDs, CLOSID 0 being the root's (default 16)
 *   --features LIST    of llc_occupancy,mbm_total_bytes,mbm_local_bytes
 *                      (default all three)
 *   --l3-size BYTES    size of each L3 (default 33554432)
 *   --limbo-ms MS      a removed group's RMID stays in limbo this long, a
 *                      fixed timer (0: free at once). Without it, the
 *                      kernel's limbo: >= 1 s and until the group's
 *                      occupancy, halving every second, reads below
 *                      max_threshold_occupancy in every domain; for ever
 *                      when it read Unavailable or Error (emu_model.c,
 *                      kernel_limbo_ms). Only with llc_occupancy, like the
 *                      kernel.
 *   --no-alloc         a monitoring-only CPU: no CTRL_MON group but the root
 *   --num-cpus N       CPUs shown in cpus/cpus_list (default: this host's)
 *   --perf-pkg IDS     PERF_PKG telemetry (Linux 7.0) on these package ids,
 *                      e.g. 0,1: info/PERF_PKG_MON and mon_PERF_PKG_YY with
 *                      core_energy and activity per group; control lines
 *                      "GROUP pkg:<id> core_energy|activity VALUE", VALUE
 *                      decimal with up to six fraction digits, read back as
 *                      written (emu_perf_pkg.c).
 *   --perf-pkg-rmids N with --perf-pkg: info/PERF_PKG_MON/num_rmids reads N
 *                      (default: L3's); the system has the smaller of the
 *                      two counts of RMIDs, so mkdir then fails with ENOSPC
 *                      once that many are in use (Linux 7.0,
 *                      resctrl_arch_system_num_rmid_idx()).
 *   --snc N            Sub-NUMA Clustering with N nodes per L3 domain (1-8):
 *                      each mon_L3_XX holds mon_sub_L3_YY per node (YY the
 *                      node id: the L3 domains in cache id order, each with
 *                      the next N ids), its own files the sum of its nodes;
 *                      num_rmids reads --num-rmids / N; control lines set a
 *                      node's value: "GROUP node:YY FEATURE VALUE".
 *   --abmc-counters N  ABMC (Linux 6.18, AMD): N assignable MBM counters
 *                      per L3 domain, mode "mbm_event", mbm_assign_on_mkdir
 *                      on (emu_abmc.c)
 *   --control PATH     a FIFO (created if missing) taking lines
 *                      "GROUP CACHE_ID FEATURE VALUE", e.g.
 *                      "c1/mon_groups/m1 8 llc_occupancy 4096" or
 *                      ". 0 mbm_total_bytes Unavailable"; GROUP relative to
 *                      the mount root (".", "mon_groups/x", "c1",
 *                      "c1/mon_groups/y"), VALUE a decimal number,
 *                      Unavailable, Error, Unassigned or Default (synthetic).
 *                      "rmdir-on-open GROUP" removes GROUP right after the
 *                      next open of its tasks file (a concurrent rmdir
 *                      between a reader's open and read: that read is
 *                      ENODEV); "enomem-on-read GROUP" fails the next
 *                      read of GROUP's tasks with ENOMEM. "domain ID offline"
 *                      and "domain ID online" take L3 domain ID's
 *                      mon_L3_XX out of every group's mon_data and put it
 *                      back, MBM counters from zero (emu_domains.c).
 *                      "clone TID CREATOR" says that thread TID was made by
 *                      CREATOR (/proc cannot tell): it starts in CREATOR's
 *                      groups, as arch_dup_task_struct() copies closid and
 *                      rmid. A line written before an operation on the mount
 * is applied before that operation is answered. Bad lines are reported on
 * stderr.
 *   --ready-file PATH  created (containing "ready") once mounted
 *   --system-lock PATH the emulated machine's "resctrl is mounted" flag
 *                      (default MOUNTPOINT.lock): see "Mounting" below
 * Readiness: once mounted the emulator prints "resctrl-emu: ready" on
 * stdout and creates --ready-file. It runs in the foreground and unmounts on
 * SIGTERM, SIGINT or SIGHUP (exit 0), or when unmounted by fusermount3 -u.
 *
 * Mounting (fs/namespace.c do_umount, fs/resctrl/rdtgroup.c rdt_get_tree):
 * the emulator is a real mount, so the host's VFS itself refuses a plain
 * umount with EBUSY while any file, directory fd or cwd is open inside
 * (do_umount's propagate_mount_busy), as on resctrl; `umount -l` detaches
 * it and the emulator goes on serving the open files of the detached tree
 * until the last one closes (FUSE then ends the connection and the
 * emulator exits), as the kernel keeps a lazily unmounted superblock.
 * resctrl mounts once per system: rdt_get_tree() fails with EBUSY while
 * resctrl_mounted, which stays true until rdt_kill_sb(), i.e. until that
 * detached superblock dies. The emulator models it with a flock on
 * --system-lock held for its whole life: a second emulator on the same
 * lock exits 32 ("mount: ... busy") before mounting. Its "system" is that
 * lock file, so tests side by side do not collide. What FUSE cannot model:
 * `umount -f` (resctrl has no umount_begin; FUSE aborts the connection),
 * and mounting the same superblock twice (bind mounts) is the host's.
 *
 * Synthetic values: llc_occupancy is stable per RMID and cache, below
 * l3_size / num_rmids; mbm_*_bytes grow at a fixed rate per RMID from the
 * group's creation. A CTRL_MON group reads its own plus its MON groups'.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "emu_fs.h"

struct emu_options {
  struct emu_config cfg;
  const char *control;
  const char *ready_file;
  const char *system_lock;
  const char *mountpoint;
};

static void usage(FILE *out) {
  fprintf(out, "usage: resctrl-emu [--cache-ids LIST] [--num-rmids N] "
               "[--num-closids N]\n"
               "       [--features LIST] [--l3-size BYTES] [--limbo-ms MS] "
               "[--no-alloc]\n"
               "       [--num-cpus N] [--snc N] [--perf-pkg IDS] "
               "[--abmc-counters N] [--perf-pkg-rmids N] "
               "[--control FIFO] "
               "[--ready-file PATH] "
               "[--system-lock PATH] MOUNTPOINT\n");
}

static int cmp_unsigned(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return (x > y) - (x < y);
}

/* A comma list of distinct cache ids, kept sorted like the kernel's list of
 * domains. */
static int parse_cache_ids(const char *list, struct emu_config *cfg) {
  char copy[1024];
  snprintf(copy, sizeof(copy), "%s", list);
  cfg->num_caches = 0;
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    unsigned long long id;
    if (cfg->num_caches == EMU_MAX_CACHES || emu_parse_uint(t, 1u << 20, &id))
      return -EINVAL;
    for (size_t i = 0; i < cfg->num_caches; i++)
      if (cfg->cache_ids[i] == id)
        return -EINVAL;
    cfg->cache_ids[cfg->num_caches++] = (unsigned)id;
  }
  if (cfg->num_caches == 0)
    return -EINVAL;
  qsort(cfg->cache_ids, cfg->num_caches, sizeof(unsigned), cmp_unsigned);
  return 0;
}

/* --perf-pkg: a comma list of distinct package ids, sorted. */
static int parse_pkg_ids(const char *list, struct emu_config *cfg) {
  char copy[256];
  snprintf(copy, sizeof(copy), "%s", list);
  cfg->num_pkgs = 0;
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    unsigned long long id;
    if (cfg->num_pkgs == EMU_MAX_PKGS || emu_parse_uint(t, 1u << 16, &id))
      return -EINVAL;
    for (size_t i = 0; i < cfg->num_pkgs; i++)
      if (cfg->pkg_ids[i] == id)
        return -EINVAL;
    cfg->pkg_ids[cfg->num_pkgs++] = (unsigned)id;
  }
  if (cfg->num_pkgs == 0)
    return -EINVAL;
  qsort(cfg->pkg_ids, cfg->num_pkgs, sizeof(unsigned), cmp_unsigned);
  return 0;
}

static int parse_features(const char *list, struct emu_config *cfg) {
  char copy[256];
  snprintf(copy, sizeof(copy), "%s", list);
  memset(cfg->features, 0, sizeof(cfg->features));
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    int f = emu_feature_parse(t);
    if (f < 0)
      return -EINVAL;
    cfg->features[f] = true;
  }
  return 0;
}

static int parse_options(int argc, char **argv, struct emu_options *o) {
  enum {
    O_CACHE = 256,
    O_RMIDS,
    O_CLOSIDS,
    O_FEATURES,
    O_L3,
    O_LIMBO,
    O_NOALLOC,
    O_CPUS,
    O_CONTROL,
    O_READY,
    O_SYSLOCK,
    O_SNC,
    O_PKG,
    O_ABMC,
    O_PKG_RMIDS
  };
  static const struct option longopts[] = {
      {"cache-ids", required_argument, NULL, O_CACHE},
      {"num-rmids", required_argument, NULL, O_RMIDS},
      {"num-closids", required_argument, NULL, O_CLOSIDS},
      {"features", required_argument, NULL, O_FEATURES},
      {"l3-size", required_argument, NULL, O_L3},
      {"limbo-ms", required_argument, NULL, O_LIMBO},
      {"no-alloc", no_argument, NULL, O_NOALLOC},
      {"num-cpus", required_argument, NULL, O_CPUS},
      {"control", required_argument, NULL, O_CONTROL},
      {"ready-file", required_argument, NULL, O_READY},
      {"system-lock", required_argument, NULL, O_SYSLOCK},
      {"snc", required_argument, NULL, O_SNC},
      {"perf-pkg", required_argument, NULL, O_PKG},
      {"abmc-counters", required_argument, NULL, O_ABMC},
      {"perf-pkg-rmids", required_argument, NULL, O_PKG_RMIDS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct emu_config *c = &o->cfg;
  long cpus = sysconf(_SC_NPROCESSORS_CONF);
  *c = (struct emu_config){.num_rmids = 32,
                           .num_closids = 16,
                           .l3_size = 33554432,
                           .alloc = true,
                           .kernel_limbo = true,
                           .num_cpus = cpus > 0 ? (unsigned)cpus : 1};
  parse_cache_ids("0,1", c);
  for (int f = 0; f < EMU_NUM_FEATURES; f++)
    c->features[f] = true;
  int opt;
  while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    unsigned long long v = 0;
    int bad = 0;
    switch (opt) {
    case O_CACHE:
      bad = parse_cache_ids(optarg, c);
      break;
    case O_RMIDS:
      bad = emu_parse_uint(optarg, 1u << 16, &v) || v < 1;
      c->num_rmids = (unsigned)v;
      break;
    case O_CLOSIDS:
      bad = emu_parse_uint(optarg, 1u << 12, &v) || v < 1;
      c->num_closids = (unsigned)v;
      break;
    case O_FEATURES:
      bad = parse_features(optarg, c);
      break;
    case O_L3:
      bad = emu_parse_uint(optarg, 1ULL << 40, &v) || v < 64;
      c->l3_size = v;
      break;
    case O_LIMBO:
      bad = emu_parse_uint(optarg, 86400000, &v);
      c->limbo_ms = (unsigned)v;
      c->kernel_limbo = false;
      break;
    case O_NOALLOC:
      c->alloc = false;
      break;
    case O_CPUS:
      bad = emu_parse_uint(optarg, 4096, &v) || v < 1;
      c->num_cpus = (unsigned)v;
      break;
    case O_CONTROL:
      o->control = optarg;
      break;
    case O_READY:
      o->ready_file = optarg;
      break;
    case O_SYSLOCK:
      o->system_lock = optarg;
      break;
    case O_PKG:
      bad = parse_pkg_ids(optarg, c);
      break;
    case O_PKG_RMIDS:
      bad = emu_parse_uint(optarg, 1u << 16, &v) || v < 1;
      c->pkg_rmids = (unsigned)v;
      break;
    case O_SNC:
      bad = emu_parse_uint(optarg, 8, &v) || v < 1;
      c->snc_nodes = (unsigned)v;
      break;
    case O_ABMC:
      /* the kernel's num_mbm_cntrs is CPUID's count, 32 to 64 today */
      bad = emu_parse_uint(optarg, 4096, &v) || v < 1;
      c->abmc_counters = (unsigned)v;
      break;
    case 'h':
      usage(stdout);
      exit(0);
    default:
      return -EINVAL;
    }
    if (bad) {
      fprintf(stderr, "resctrl-emu: bad value for --%s: %s\n",
              longopts[opt - O_CACHE].name, optarg);
      return -EINVAL;
    }
  }
  if (c->pkg_rmids && !c->num_pkgs) {
    fprintf(stderr, "resctrl-emu: --perf-pkg-rmids needs --perf-pkg\n");
    return -EINVAL;
  }
  if (optind != argc - 1)
    return -EINVAL;
  o->mountpoint = argv[optind];
  return 0;
}

/* rdt_get_tree(): "if (resctrl_mounted) return -EBUSY" — one resctrl
 * mount per system until rdt_kill_sb(). The flock is held (the fd left
 * open) until this process exits, which is when the superblock dies: after
 * the last unmount and the last open file of a lazily unmounted tree. */
static int take_system_lock(const struct emu_options *o) {
  char def[4200];
  const char *path = o->system_lock;
  if (!path) {
    snprintf(def, sizeof(def), "%s.lock", o->mountpoint);
    path = def;
  }
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int err = errno;
    close(fd);
    return err == EWOULDBLOCK ? -EBUSY : -err;
  }
  return fd;
}

static int write_ready_file(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -errno;
  fputs("ready\n", f);
  return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char **argv) {
  struct emu_options o = {0};
  if (parse_options(argc, argv, &o) != 0) {
    usage(stderr);
    return 2;
  }
  int lock_fd = take_system_lock(&o);
  if (lock_fd < 0) {
    fprintf(stderr,
            "resctrl-emu: mount %s: %s (rdt_get_tree: resctrl is mounted once "
            "per system, and an earlier mount is still alive)\n",
            o.mountpoint, strerror(-lock_fd));
    return 32;
  }
  static struct emu_state state = {.control_fd = -1};
  pthread_mutex_init(&state.lock, NULL);
  if (emu_model_init(&state.model, &o.cfg, &emu_proc_host, emu_now_ms())) {
    fprintf(stderr, "resctrl-emu: cannot set up the model\n");
    return 1;
  }
  int status = 1;
  if (o.control) {
    int ret = emu_control_open(&state, o.control);
    if (ret) {
      fprintf(stderr, "resctrl-emu: control %s: %s\n", o.control,
              strerror(-ret));
      goto out_model;
    }
  }
  char *fuse_argv[] = {argv[0], "-o", "fsname=resctrl,subtype=resctrl-emu"};
  struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
  struct fuse *fuse =
      fuse_new(&args, &emu_fuse_ops, sizeof(emu_fuse_ops), &state);
  fuse_opt_free_args(&args); /* fuse_new may have copied and grown them */
  if (!fuse)
    goto out_control;
  if (fuse_mount(fuse, o.mountpoint) != 0)
    goto out_destroy;
  struct fuse_session *se = fuse_get_session(fuse);
  /* A shell starts background jobs with SIGINT ignored, and libfuse only
   * installs its handlers over SIG_DFL: reset them so that SIGINT and
   * SIGHUP stop the emulator wherever it was started from. */
  signal(SIGINT, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (fuse_set_signal_handlers(se) != 0)
    goto out_unmount;
  if (emu_control_thread_start(&state) != 0)
    goto out_signals;
  if (o.ready_file && write_ready_file(o.ready_file) != 0) {
    fprintf(stderr, "resctrl-emu: cannot write %s\n", o.ready_file);
    goto out_thread;
  }
  printf("resctrl-emu: ready\n");
  fflush(stdout);
  /* single-threaded: the model's lock is only shared with the control
   * thread */
  fuse_loop(fuse);
  status = 0;
out_thread:
  emu_control_thread_stop();
out_signals:
  fuse_remove_signal_handlers(se);
out_unmount:
  fuse_unmount(fuse);
out_destroy:
  fuse_destroy(fuse);
out_control:
  if (o.ready_file)
    unlink(o.ready_file);
  if (state.control_fd >= 0)
    close(state.control_fd);
out_model:
  emu_model_free(&state.model);
  close(lock_fd);
  return status;
}
