/* SPDX-License-Identifier: MIT */
/**
 * What a resctrl root monitors: its resources and events (info/), its
 * monitoring domains and SNC nodes (mon_data/), and the L3 sizes (sysfs).
 * See discover.h.
 */
#include "resctrl/discover.h"
#include "base/small_file.h"
#include "base/vr_defaults.h"
#include "resctrl/resctrl_io.h"
#include "resctrl/resctrl_parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MOUNT_HINT "mount -t resctrl resctrl %s"

/* True when the directory has no entry but "." and "..": what an unmounted
 * /sys/fs/resctrl looks like. */
static bool dir_is_empty(int dirfd) {
  DIR *d = vr_resctrl_open_listing(dirfd, NULL);
  bool empty = true;
  if (!d)
    return false;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  closedir(d);
  return empty;
}

static bool exists_beneath(int dirfd, const char *rel, int flags) {
  int fd = vr_resctrl_open_beneath(dirfd, rel, O_PATH | flags);
  if (fd < 0)
    return false;
  close(fd);
  return true;
}

/*
 * Allocation exists when info/ holds a resource directory with num_closids
 * (info/L3, info/L3DATA, info/MB, ...), not only *_MON ones: the kernel
 * creates those per alloc-capable resource (resctrl.rst, "Info
 * directory"). Without one, mkdir at the root fails with EPERM, and we find
 * that out without creating anything. *num_closids: the smallest count.
 */
static int discover_alloc(vr_resctrl *r) {
  DIR *d = vr_resctrl_open_listing(r->root_fd, "info");
  if (!d)
    return -errno;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' ||
        (len >= 4 && !strcmp(e->d_name + len - 4, "_MON")))
      continue;
    char rel[VR_RESCTRL_NAME_MAX + 32];
    char buf[32];
    unsigned n;
    snprintf(rel, sizeof(rel), "info/%s/num_closids", e->d_name);
    ssize_t got = vr_resctrl_read_file(r->root_fd, rel, buf, sizeof(buf));
    if (got < 0 || vr_resctrl_parse_uint(buf, (size_t)got, &n) < 0)
      continue;
    if (!r->alloc_capable || n < r->num_closids)
      r->num_closids = n;
    r->alloc_capable = true;
  }
  closedir(d);
  return 0;
}

/* By resource, then id, a domain before its SNC nodes (node -1 first). */
static int cache_cmp(const void *a, const void *b) {
  const vr_resctrl_cache *x = a, *y = b;
  if (x->resource != y->resource)
    return (x->resource > y->resource) - (x->resource < y->resource);
  if (x->id != y->id)
    return (x->id > y->id) - (x->id < y->id);
  return (x->node > y->node) - (x->node < y->node);
}

/* A new zeroed entry at the end of r->caches, or NULL without memory. */
static vr_resctrl_cache *add_cache(vr_resctrl *r, size_t *cap) {
  if (r->n_caches == *cap) {
    size_t ncap = *cap ? *cap * 2 : 4;
    vr_resctrl_cache *grown = realloc(r->caches, ncap * sizeof(*grown));
    if (!grown)
      return NULL;
    r->caches = grown;
    *cap = ncap;
  }
  vr_resctrl_cache *c = &r->caches[r->n_caches++];
  memset(c, 0, sizeof(*c));
  c->node = -1;
  return c;
}

/*
 * Sub-NUMA Clustering (Linux 6.11+): with SNC on, the kernel's L3
 * monitoring domains are NUMA nodes, and mkdir_mondata_subdir() makes one
 * mon_L3_XX per L3 cache (XX the cache id) holding the sum of its nodes
 * (mon_add_all_files(..., do_sum): __mon_event_count adds every domain with
 * that ci_id), with one mon_sub_L3_YY per node below it (YY the node's
 * domain id). The nodes of the domain at index at become entries of their
 * own, after the domain's; the domain keeps their count.
 */
static int discover_nodes(vr_resctrl *r, size_t at, size_t *cap) {
  int rc = 0;
  char rel[sizeof(r->caches[at].dir) + 16];
  snprintf(rel, sizeof(rel), "mon_data/%s", r->caches[at].dir);
  DIR *d = vr_resctrl_open_listing(r->root_fd, rel);
  if (!d)
    return errno == ENOENT ? 0 : -errno;
  struct dirent *e;
  while ((e = readdir(d))) {
    vr_mon_resource res;
    unsigned node;
    if (!vr_resctrl_parse_mon_sub_dir(e->d_name, &res, &node) ||
        res != r->caches[at].resource || node > INT32_MAX)
      continue;
    vr_resctrl_cache *c = add_cache(r, cap);
    if (!c) {
      rc = -ENOMEM;
      break;
    }
    const vr_resctrl_cache *parent = &r->caches[at];
    c->resource = parent->resource;
    c->id = parent->id;
    c->node = (int)node;
    /* both kernfs names: at most VR_RESCTRL_NAME_MAX each */
    snprintf(c->dir, sizeof(c->dir), "%.255s/%.255s", parent->dir, e->d_name);
    r->caches[at].nodes++;
    r->n_nodes++;
  }
  closedir(d);
  return rc;
}

/* Each SNC node's share of its L3 (the kernel divides an L3 evenly among
 * its nodes: rdtgroup_cbm_to_size() returns size / snc_nodes_per_l3_cache),
 * the size its occupancy percent is of. */
static void node_sizes(vr_resctrl *r) {
  for (size_t i = 0; i < r->n_caches; i++) {
    vr_resctrl_cache *c = &r->caches[i];
    int p = c->node < 0 ? -1 : vr_resctrl_cache_index(r, c->resource, c->id);
    if (p < 0 || r->caches[p].resource != c->resource)
      continue;
    c->nodes = r->caches[p].nodes;
    c->size = c->nodes ? r->caches[p].size / c->nodes : 0;
  }
}

/* Notes, once per name, monitoring the metric table does not know. */
static void note_unknown(vr_resctrl *r, const char *what) {
  size_t used = strlen(r->unknown);
  if (strstr(r->unknown, what) || used + 1 >= sizeof(r->unknown))
    return;
  snprintf(r->unknown + used, sizeof(r->unknown) - used, "%s%s",
           used ? "; " : "", what);
}

/* The resource of the table called name, or VR_RES_COUNT. */
static vr_mon_resource resource_by_name(const char *name) {
  for (int res = 0; res < VR_RES_COUNT; res++)
    if (strcmp(vr_mon_resource_name((vr_mon_resource)res), name) == 0)
      return (vr_mon_resource)res;
  return VR_RES_COUNT;
}

bool vr_resctrl_monitors(const vr_resctrl *r, vr_mon_resource res) {
  for (int f = 0; f < VR_FEAT_COUNT; f++)
    if ((r->features & (1u << f)) &&
        vr_resctrl_feature_resource((vr_resctrl_feature)f) == res)
      return true;
  return false;
}

/* The monitoring domains: the root group's mon_data/mon_<RESOURCE>_XX
 * directories of every resource with a monitored event. */
static int discover_caches(vr_resctrl *r) {
  int rc = 0;
  size_t cap = 0;
  DIR *d = vr_resctrl_open_listing(r->root_fd, "mon_data");
  if (!d)
    return -errno;
  struct dirent *e;
  while ((e = readdir(d))) {
    unsigned id;
    vr_mon_resource res;
    char res_name[VR_RESCTRL_NAME_MAX + 1], what[VR_RESCTRL_NAME_MAX + 32];
    if (vr_resctrl_parse_mon_dir_any(e->d_name, res_name, sizeof(res_name),
                                     &id) &&
        resource_by_name(res_name) == VR_RES_COUNT) {
      snprintf(what, sizeof(what), "resource %s", res_name);
      note_unknown(r, what);
    }
    if (!vr_resctrl_parse_mon_dir(e->d_name, &res, &id) ||
        !vr_resctrl_monitors(r, res))
      continue;
    vr_resctrl_cache *c = add_cache(r, &cap);
    if (!c) {
      rc = -ENOMEM;
      goto cleanup;
    }
    c->resource = res;
    c->id = id;
    snprintf(c->dir, sizeof(c->dir), "%s", e->d_name);
  }
  /* Only L3 has SNC nodes (the kernel's RESCTRL_L3_NODE scope). */
  for (size_t i = 0, n = r->n_caches; i < n && rc == 0; i++)
    if (r->caches[i].resource == VR_RES_L3)
      rc = discover_nodes(r, i, &cap);
  if (r->n_caches > 1)
    qsort(r->caches, r->n_caches, sizeof(*r->caches), cache_cmp);
cleanup:
  closedir(d);
  return rc;
}

/* One devices/system/cpu/cpuN/cache/indexM directory: a level-3 entry
 * gives its cache id's size. */
static void size_from_index(vr_resctrl *r, int index_fd) {
  char buf[64];
  unsigned level, id;
  uint64_t size;
  ssize_t n = vr_read_small_file_at(index_fd, "level", buf, sizeof(buf));
  if (n < 0 || vr_resctrl_parse_uint(buf, (size_t)n, &level) < 0 || level != 3)
    return;
  n = vr_read_small_file_at(index_fd, "id", buf, sizeof(buf));
  if (n < 0 || vr_resctrl_parse_uint(buf, (size_t)n, &id) < 0)
    return;
  int i = vr_resctrl_cache_index(r, VR_RES_L3, id);
  if (i < 0 || r->caches[i].size)
    return;
  n = vr_read_small_file_at(index_fd, "size", buf, sizeof(buf));
  if (n < 0 || vr_resctrl_parse_cache_size(buf, &size) < 0)
    return;
  r->caches[i].size = size;
}

static bool all_sizes_known(const vr_resctrl *r) {
  for (size_t i = 0; i < r->n_caches; i++)
    if (!r->caches[i].size && r->caches[i].node < 0)
      return false;
  return true;
}

/*
 * L3 sizes per cache id from <sysfs>/devices/system/cpu/cpu*\/cache/index*:
 * the entry whose level is 3 names its id and size ("32768K"). Missing
 * entries leave size 0: the caller reports no percent for that cache.
 */
static void discover_sizes(vr_resctrl *r, const char *sysfs_path) {
  char path[4200];
  snprintf(path, sizeof(path), "%s/devices/system/cpu", sysfs_path);
  DIR *cpus = opendir(path);
  if (!cpus)
    return;
  struct dirent *e;
  while (!all_sizes_known(r) && (e = readdir(cpus))) {
    if (strncmp(e->d_name, "cpu", 3) != 0 || e->d_name[3] < '0' ||
        e->d_name[3] > '9')
      continue;
    char rel[300];
    snprintf(rel, sizeof(rel), "%s/cache", e->d_name);
    int cache_fd = openat(dirfd(cpus), rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cache_fd < 0)
      continue;
    DIR *idx = fdopendir(cache_fd);
    if (!idx) {
      close(cache_fd);
      continue;
    }
    struct dirent *ie;
    while ((ie = readdir(idx))) {
      if (strncmp(ie->d_name, "index", 5) != 0)
        continue;
      int index_fd =
          openat(dirfd(idx), ie->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (index_fd < 0)
        continue;
      size_from_index(r, index_fd);
      close(index_fd);
    }
    closedir(idx);
  }
  closedir(cpus);
}

/* One info/<RESOURCE>_MON directory of a known resource: its events from
 * mon_features and its num_rmids. One RMID tags a group in every
 * monitoring resource, and Intel's telemetry may count fewer RMIDs than
 * the L3 (each info/<RESOURCE>_MON/num_rmids says how many that resource
 * counts, resctrl.rst "Info directory"), so a group is fully monitored
 * only below the smaller count: that is the group limit. */
static ssize_t discover_resource(vr_resctrl *r, vr_mon_resource res) {
  const char *name = vr_mon_resource_name(res);
  char rel[64], buf[1024], unknown[256] = "", what[400];
  snprintf(rel, sizeof(rel), "info/%s_MON/mon_features", name);
  ssize_t n = vr_resctrl_read_file(r->root_fd, rel, buf, sizeof(buf));
  if (n < 0)
    return n;
  unsigned mask;
  if (vr_resctrl_parse_mon_features(buf, (size_t)n, res, &mask, unknown,
                                    sizeof(unknown)) > 0) {
    snprintf(what, sizeof(what), "%s event(s) %s", name, unknown);
    note_unknown(r, what);
  }
  r->features |= mask;
  snprintf(rel, sizeof(rel), "info/%s_MON/num_rmids", name);
  ssize_t got = vr_resctrl_read_file(r->root_fd, rel, buf, sizeof(buf));
  unsigned count = 0;
  if (got < 0 || vr_resctrl_parse_uint(buf, (size_t)got, &count) < 0)
    count = 0;
  r->num_rmids = vr_resctrl_rmid_limit(r->num_rmids, count);
  if (res == VR_RES_PERF_PKG)
    r->pkg_num_rmids = count;
  else
    r->l3_num_rmids = count;
  return n;
}

/* Every info/<RESOURCE>_MON directory (resctrl.rst, "Info directory": one
 * per monitoring resource): the events of the resources the metric table
 * knows; a resource it does not know is noted and skipped. -1 when no
 * mon_features of a known resource exists. */
static ssize_t discover_features(vr_resctrl *r) {
  ssize_t any = -1;
  DIR *d = vr_resctrl_open_listing(r->root_fd, "info");
  if (!d)
    return -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    char res_name[VR_RESCTRL_NAME_MAX + 1], what[VR_RESCTRL_NAME_MAX + 32];
    if (!vr_resctrl_parse_mon_info_dir(e->d_name, res_name, sizeof(res_name)))
      continue;
    vr_mon_resource res = resource_by_name(res_name);
    if (res == VR_RES_COUNT) {
      snprintf(what, sizeof(what), "resource %s", res_name);
      note_unknown(r, what);
      continue;
    }
    ssize_t n = discover_resource(r, res);
    if (n >= 0)
      any = n;
  }
  closedir(d);
  return any;
}

/* The checks that tell "not mounted" from "not resctrl" from "no
 * monitoring", then the discovery proper. */
int vr_resctrl_discover(vr_resctrl *r, const char *sysfs_path, char *reason,
                        size_t len) {
  const char *first = vr_mon_resource_name(VR_RES_L3);
  ssize_t n;
  int rc;
  if (!exists_beneath(r->root_fd, "info", O_DIRECTORY) ||
      !exists_beneath(r->root_fd, "tasks", 0)) {
    if (dir_is_empty(r->root_fd)) {
      vr_resctrl_reason(reason, len,
                        "resctrl is not mounted at %s: " MOUNT_HINT, r->path,
                        r->path);
      return -ENOMEDIUM;
    }
    vr_resctrl_reason(reason, len,
                      "%s is not a resctrl filesystem (no info/ or tasks): "
                      "set ResctrlPath to its mount point, or " MOUNT_HINT,
                      r->path, r->path);
    return -EMEDIUMTYPE;
  }
  n = discover_features(r);
  if (n < 0 || r->features == 0) {
    vr_resctrl_reason(reason, len,
                      "resctrl at %s has no %s monitoring "
                      "(info/%s_MON/mon_features %s): the CPU lacks CMT/MBM "
                      "or it is disabled (rdt= boot option)",
                      r->path, first, first,
                      n < 0 ? "missing" : "lists no known event");
    return -EOPNOTSUPP;
  }
  rc = discover_alloc(r);
  if (rc < 0) {
    vr_resctrl_reason(reason, len, "cannot list %s/info: %s", r->path,
                      strerror(-rc));
    return rc;
  }
  rc = discover_caches(r);
  if (rc < 0 || r->n_caches == 0) {
    vr_resctrl_reason(reason, len,
                      "resctrl at %s has no %s monitoring domain "
                      "(mon_data/mon_%s_XX): %s",
                      r->path, first, first,
                      rc < 0 ? strerror(-rc) : "none listed");
    return rc < 0 ? rc : -EOPNOTSUPP;
  }
  discover_sizes(r, sysfs_path);
  node_sizes(r);
  return 0;
}
