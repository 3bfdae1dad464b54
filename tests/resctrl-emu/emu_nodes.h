/* SPDX-License-Identifier: MIT */
/* The resctrl tree as the emulator shows it: which directories and files
 * exist where, what they read and what writing them does. */
#ifndef EMU_NODES_H
#define EMU_NODES_H

#include "emu_model.h"

enum node_kind {
  /* directories */
  NODE_GROUP_DIR, /* the root or a CTRL_MON or MON group */
  NODE_MON_GROUPS_DIR,
  NODE_MON_DATA_DIR,
  NODE_MON_L3_DIR,
  NODE_MON_SUB_DIR, /* --snc: mon_L3_XX/mon_sub_L3_YY */
  NODE_MON_PKG_DIR, /* --perf-pkg: mon_PERF_PKG_YY */
  NODE_INFO_PKG_MON_DIR,
  NODE_INFO_DIR,
  NODE_INFO_L3_MON_DIR,
  NODE_INFO_L3_DIR,
  /* files */
  NODE_MON_VALUE,
  NODE_TASKS,
  NODE_CPUS,
  NODE_CPUS_LIST,
  NODE_SCHEMATA,
  NODE_MODE,
  NODE_SIZE,
  NODE_LAST_CMD_STATUS,
  NODE_NUM_RMIDS,
  NODE_MON_FEATURES,
  NODE_MAX_THRESHOLD,
  NODE_NUM_CLOSIDS,
  NODE_CBM_MASK,
  NODE_MIN_CBM_BITS,
  NODE_SHAREABLE_BITS,
  NODE_PKG_VALUE,        /* --perf-pkg: cache is the package index */
  NODE_PKG_MON_FEATURES, /* info/PERF_PKG_MON/mon_features */
  NODE_PKG_NUM_RMIDS,    /* info/PERF_PKG_MON/num_rmids */
  /* ABMC (emu_abmc.c) */
  NODE_MBM_ASSIGN_MODE,
  NODE_NUM_MBM_CNTRS,
  NODE_AVAILABLE_MBM_CNTRS,
  NODE_MBM_ASSIGN_ON_MKDIR,
  NODE_MBM_L3_ASSIGNMENTS,
};

struct node {
  enum node_kind kind;
  struct emu_group *group; /* the group it is in; info entries: the root */
  size_t cache;            /* index into cfg.cache_ids (mon_L3_XX, values) */
  enum emu_feature feature;
  /* --snc: the entry is in (or is) an SNC node's mon_sub_L3_YY, node id */
  bool sub;
  unsigned snc_node;
  unsigned pkg_event; /* NODE_PKG_VALUE: 0 core_energy, 1 activity */
};

typedef int (*node_child_cb)(void *arg, const char *name,
                             const struct node *child);

bool node_is_dir(enum node_kind kind);
bool node_is_writable(enum node_kind kind);
/* calls cb for each entry of dir until cb returns non-zero (returned) */
int node_for_each_child(struct emu_model *m, const struct node *dir,
                        node_child_cb cb, void *arg);
/* 0, -ENOENT, or -ENOTDIR when a file is used as a directory */
int node_resolve(struct emu_model *m, const char *path, struct node *out);
int node_content(struct emu_model *m, const struct node *n, uint64_t now_ms,
                 struct emu_buf *out);
/* 0 or a negative errno; the caller has checked the write length */
int node_write(struct emu_model *m, const struct node *n, const char *buf,
               size_t len, pid_t caller);

#endif
