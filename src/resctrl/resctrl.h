/* SPDX-License-Identifier: MIT */
/**
 * The plugin's resctrl module: the only code that touches the resctrl
 * filesystem (doc/design.md, "resctrl rules"; the kernel's
 * Documentation/filesystems/resctrl.rst).
 *
 * It opens a configurable root, discovers what the hardware monitors, takes
 * the root's flock, reads every tasks file into a vr_resctrl_state, and
 * creates, fills and removes MON groups. It decides nothing: the reconcile
 * module chooses which group goes where. Every function returns 0 or a
 * negative errno and, where a reason buffer is passed, a sentence saying
 * what failed and what to do; nothing here logs.
 *
 * Safety: every path is resolved below the root's directory fd with no
 * symbolic link followed, and only directories whose name is ours
 * (vr_owned_name_parse) are ever created, written or removed.
 *
 * Value reading is in resctrl_values.h.
 */
#ifndef VR_RESCTRL_H
#define VR_RESCTRL_H

#include "resctrl/metric_table.h"
#include "resctrl/resctrl_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** One monitoring domain: a mon_data/mon_<RESOURCE>_<id> directory (an L3
 * cache id for L3). The events it offers are the feature mask's events of
 * its resource (metric_table.h). */
typedef struct {
  vr_mon_resource resource;
  unsigned id; /* <id>, parsed base 10 */
  char
      dir[VR_RESCTRL_NAME_MAX * 2 + 2]; /* "mon_L3_08" as the kernel wrote it */
  uint64_t size;                        /* bytes from sysfs; 0 when unknown */
  /* Sub-NUMA Clustering (Linux 6.11+): -1 for a domain itself; else the SNC
   * node whose mon_sub_<RESOURCE>_YY below domain id this entry reads (dir
   * "mon_L3_00/mon_sub_L3_01", size the node's share of the L3). nodes:
   * the SNC nodes listed below the domain (0 without SNC). */
  int node;
  unsigned nodes;
} vr_resctrl_cache;

/** An opened resctrl root and what it offers. Read the fields freely. */
typedef struct {
  char path[4096];
  int root_fd;              /* O_DIRECTORY, kept for the handle's lifetime */
  unsigned features;        /* bit (1u << vr_resctrl_feature) per event */
  vr_resctrl_cache *caches; /* by resource, ascending id, domain then nodes */
  size_t n_caches;
  size_t n_nodes; /* entries of caches that are SNC nodes */
  /* ReportSubNUMA: readers read the SNC nodes' files too. Set once, before
   * sharing (vr_resctrl_set_sub_numa). */
  bool read_nodes;
  bool alloc_capable; /* CTRL_MON groups other than the root can exist */
  /* The group limit: the smaller of info/L3_MON/num_rmids and
   * info/PERF_PKG_MON/num_rmids; 0 when unreadable. Each resource's own
   * count besides (0: absent or unreadable), for the log. */
  unsigned num_rmids;
  unsigned l3_num_rmids, pkg_num_rmids;
  unsigned num_closids; /* info/<resource>/num_closids; 0 without alloc */
  /* Monitoring the metric table does not know, skipped: "resource
   * PERF_PKG; L3 event(s) mbm_foo" ("" when none), for one log line. */
  char unknown[512];
  /* What the mount was when opened: the root's device and inode and the
   * filesystem magic (statfs f_type), to notice an unmount or remount. */
  dev_t root_dev;
  ino_t root_ino;
  long fs_magic;
  /* false (KeepFilesOpen false): no descriptor stays open between passes;
   * root_fd is -1 but between vr_resctrl_attach and vr_resctrl_detach, and
   * value readers open, pread and close. Set once, before sharing. */
  bool keep_open;
  /* Files refused for what they are (a FIFO, a device, a tasks file over
   * its cap), noted by any thread for one log line each (resctrl_io.h);
   * the pointer is set once, what it points to has its own lock. */
  struct vr_resctrl_odd *odd;
} vr_resctrl;

/**
 * Opens the resctrl root at path (NULL: /sys/fs/resctrl) and discovers its
 * features, cache ids and allocation support; L3 sizes come from
 * sysfs_path (NULL: /sys). The root directory itself must not be a symbolic
 * link. Distinct failures, each with a reason that says what to do:
 *  -ENOENT       path does not exist (kernel without resctrl support);
 *  -ENOMEDIUM    an empty directory: resctrl is not mounted there;
 *  -EMEDIUMTYPE  a directory that is not a resctrl filesystem;
 *  -EOPNOTSUPP   resctrl without monitoring (no info/<RESOURCE>_MON with a
 *                known event, or no mon_data/mon_<RESOURCE>_XX);
 *  other         the errno of the failed open/read.
 * Missing L3 sizes are not an error (cache size stays 0).
 */
int vr_resctrl_open(const char *path, const char *sysfs_path, vr_resctrl **out,
                    char *reason, size_t reason_len);

/** Closes the root fd and frees the handle; NULL is fine. */
void vr_resctrl_close(vr_resctrl *r);

/**
 * Lists mon_data again: *changed says whether its monitoring domains (of
 * the resources r monitors) are no longer those r was opened with. The
 * kernel removes mon_<RESOURCE>_<id> from every group when the last CPU of
 * a domain goes offline (domain_remove_cpu_mon, rmdir_mondata_subdir_allrdtgrp)
 * and makes it again when one comes back (domain_add_cpu_mon,
 * mkdir_mondata_subdir_allrdtgrp); a handle's readers are laid out by its
 * domains, so a change needs a new handle. 0, or -errno when mon_data
 * cannot be listed.
 */
int vr_resctrl_domains_changed(const vr_resctrl *r, bool *changed);

/**
 * KeepFilesOpen false: closes root_fd now and makes every later reader
 * open, pread and close, so that nothing pins the mount between passes
 * (do_umount fails with EBUSY while any file is open inside). Call once,
 * right after vr_resctrl_open, before the handle is shared.
 */
void vr_resctrl_set_keep_open(vr_resctrl *r, bool keep);

/**
 * ReportSubNUMA: makes readers of r read each SNC node's mon_sub_L3_YY
 * files besides the domain's sums. Call once, right after vr_resctrl_open,
 * before the handle is shared; without SNC nodes it changes nothing.
 */
void vr_resctrl_set_sub_numa(vr_resctrl *r, bool read_nodes);

/**
 * True when r->path still is the mount r was opened on: same root device
 * and inode, same filesystem magic (a stat and a statfs). False after an
 * unmount (lazy or not: the path shows the directory below) or a remount
 * (a new superblock has a new device), when the held descriptors read a
 * detached tree or pin a mount the operator wants gone.
 */
bool vr_resctrl_same_mount(const vr_resctrl *r);

/**
 * KeepFilesOpen false: opens root_fd again for one pass, -ESTALE when the
 * path is no longer the mount r was opened on. A no-op with root_fd open.
 */
int vr_resctrl_attach(vr_resctrl *r);

/** KeepFilesOpen false: closes root_fd at the end of a pass. */
void vr_resctrl_detach(vr_resctrl *r);

/**
 * Opens the root directory of r->path for one read, O_PATH, and checks it
 * is still the mount r was opened on: the fd, -ESTALE (another mount) or
 * -errno. For readers of a handle that keeps nothing open.
 */
int vr_resctrl_open_root_once(const vr_resctrl *r);

/** The group limit from the limit so far and one more resource's
 * num_rmids, 0 standing for unknown: the smaller of the known ones. */
unsigned vr_resctrl_rmid_limit(unsigned so_far, unsigned more);

/** Index of the domain mon_<resource>_<id> (not one of its SNC nodes) in
 * r->caches, or -1. By resource too: mon_PERF_PKG_00 is not mon_L3_00. */
int vr_resctrl_cache_index(const vr_resctrl *r, vr_mon_resource resource,
                           unsigned id);

/**
 * Takes flock(LOCK_EX) on the root directory, as libvirt and pqos do around
 * their mkdir/tasks/rmdir, on a descriptor of its own so that it also
 * excludes other handles in this process. Never waits in flock(2): tries
 * with LOCK_NB until wait_ms have passed (0: once), then -EWOULDBLOCK
 * while someone else holds it. On success *lock_fd receives the
 * descriptor that vr_resctrl_unlock releases.
 */
int vr_resctrl_lock(const vr_resctrl *r, unsigned wait_ms, int *lock_fd);

/**
 * Calls say once for each note not yet said ("<root>/<rel> is a FIFO, not
 * a regular file: not read"), and once for the notes beyond the list;
 * returns how many lines it said. The caller logs or prints them.
 */
size_t vr_resctrl_odd_take(const vr_resctrl *r,
                           void (*say)(void *arg, const char *line), void *arg);

/** Releases a lock taken by vr_resctrl_lock; -1 is fine. */
void vr_resctrl_unlock(int lock_fd);

#endif /* VR_RESCTRL_H */
