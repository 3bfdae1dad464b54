/* SPDX-License-Identifier: MIT */
/* The resctrl tree: which entries exist where (the doc, "Info directory" and
 * "Resource alloc and monitor groups"), what each file reads and writes. */
#include "emu_nodes.h"

#include "emu_fs.h" /* emu_now_ms */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The capacity bitmask of the emulated L3 (11 ways). */
#define EMU_CBM_MASK 0x7ffu

enum {
  F_WRITABLE = 1,
  F_CTRL = 2,  /* only in CTRL_MON groups (the root included) */
  F_ALLOC = 4, /* only when allocation is supported */
  F_ROOT = 8,  /* only in the root */
  F_PKG = 16,  /* only with --perf-pkg */
  F_ABMC = 32, /* only with assignable counters (--abmc-counters) */
};

struct entry_def {
  const char *name;
  enum node_kind kind;
  unsigned flags;
};

/* rdtgroup.c res_common_files: RFTYPE_BASE (cpus, cpus_list, tasks) in every
 * group; RFTYPE_CTRL (schemata, mode, size) in CTRL_MON groups when
 * allocation is supported; mon_groups in CTRL_MON groups and mon_data in all
 * (monitoring is always on in the emulator); info only at the root. */
static const struct entry_def group_entries[] = {
    {"cpus", NODE_CPUS, F_WRITABLE},
    {"cpus_list", NODE_CPUS_LIST, F_WRITABLE},
    {"tasks", NODE_TASKS, F_WRITABLE},
    {"schemata", NODE_SCHEMATA, F_WRITABLE | F_CTRL | F_ALLOC},
    {"mode", NODE_MODE, F_WRITABLE | F_CTRL | F_ALLOC},
    {"size", NODE_SIZE, F_CTRL | F_ALLOC},
    {"info", NODE_INFO_DIR, F_ROOT},
    {"mon_groups", NODE_MON_GROUPS_DIR, F_CTRL},
    {"mon_data", NODE_MON_DATA_DIR, 0},
    /* ABMC: RFTYPE_MON_BASE, shown when counters are assignable
     * (resctrl_file_fflags_init) */
    {"mbm_L3_assignments", NODE_MBM_L3_ASSIGNMENTS, F_WRITABLE | F_ABMC},
};

static const struct entry_def info_entries[] = {
    {"last_cmd_status", NODE_LAST_CMD_STATUS, 0},
    {"L3", NODE_INFO_L3_DIR, F_ALLOC},
    {"L3_MON", NODE_INFO_L3_MON_DIR, 0},
    {"PERF_PKG_MON", NODE_INFO_PKG_MON_DIR, F_PKG},
};

/* --perf-pkg: info/PERF_PKG_MON (emu_perf_pkg.c) */
static const struct entry_def pkg_mon_entries[] = {
    {"mon_features", NODE_PKG_MON_FEATURES, 0},
    {"num_rmids", NODE_PKG_NUM_RMIDS, 0},
};

static const struct entry_def l3_mon_entries[] = {
    {"max_threshold_occupancy", NODE_MAX_THRESHOLD, F_WRITABLE},
    {"mon_features", NODE_MON_FEATURES, 0},
    {"num_rmids", NODE_NUM_RMIDS, 0},
    /* ABMC (the doc, "mbm_assign_mode" ... "mbm_assign_on_mkdir") */
    {"available_mbm_cntrs", NODE_AVAILABLE_MBM_CNTRS, F_ABMC},
    {"mbm_assign_mode", NODE_MBM_ASSIGN_MODE, F_ABMC},
    {"mbm_assign_on_mkdir", NODE_MBM_ASSIGN_ON_MKDIR, F_WRITABLE | F_ABMC},
    {"num_mbm_cntrs", NODE_NUM_MBM_CNTRS, F_ABMC},
};

static const struct entry_def l3_entries[] = {
    {"cbm_mask", NODE_CBM_MASK, 0},
    {"min_cbm_bits", NODE_MIN_CBM_BITS, 0},
    {"num_closids", NODE_NUM_CLOSIDS, 0},
    {"shareable_bits", NODE_SHAREABLE_BITS, 0},
};

bool node_is_dir(enum node_kind kind) { return kind < NODE_MON_VALUE; }

bool node_is_writable(enum node_kind kind) {
  const struct entry_def *tables[] = {group_entries, l3_mon_entries};
  const size_t sizes[] = {sizeof(group_entries) / sizeof(group_entries[0]),
                          sizeof(l3_mon_entries) / sizeof(l3_mon_entries[0])};
  for (size_t t = 0; t < 2; t++)
    for (size_t i = 0; i < sizes[t]; i++)
      if (tables[t][i].kind == kind)
        return tables[t][i].flags & F_WRITABLE;
  return false;
}

static int table_children(struct emu_model *m, const struct node *dir,
                          const struct entry_def *defs, size_t count,
                          node_child_cb cb, void *arg) {
  const struct emu_group *g = dir->group;
  for (size_t i = 0; i < count; i++) {
    unsigned fl = defs[i].flags;
    if ((fl & F_ALLOC) && !m->cfg.alloc)
      continue;
    if ((fl & F_CTRL) && g->type != EMU_CTRL_MON)
      continue;
    if ((fl & F_ROOT) && g != emu_model_root(m))
      continue;
    if ((fl & F_PKG) && !m->cfg.num_pkgs)
      continue;
    if ((fl & F_ABMC) && !emu_abmc_enabled(m))
      continue;
    struct node child = {.kind = defs[i].kind, .group = dir->group};
    int ret = cb(arg, defs[i].name, &child);
    if (ret)
      return ret;
  }
  return 0;
}

#define TABLE(t) t, sizeof(t) / sizeof(t[0])

int node_for_each_child(struct emu_model *m, const struct node *dir,
                        node_child_cb cb, void *arg) {
  struct node child = {.group = dir->group};
  char name[32];
  int ret = 0;
  switch (dir->kind) {
  case NODE_GROUP_DIR:
    ret = table_children(m, dir, TABLE(group_entries), cb, arg);
    /* the root also holds the CTRL_MON groups */
    if (ret || dir->group != emu_model_root(m))
      return ret;
    for (struct emu_group *g = m->groups->next; g && !ret; g = g->next) {
      if (g->type != EMU_CTRL_MON)
        continue;
      child = (struct node){.kind = NODE_GROUP_DIR, .group = g};
      ret = cb(arg, g->name, &child);
    }
    return ret;
  case NODE_MON_GROUPS_DIR:
    for (struct emu_group *g = m->groups; g && !ret; g = g->next) {
      if (g->type != EMU_MON || g->parent != dir->group)
        continue;
      child = (struct node){.kind = NODE_GROUP_DIR, .group = g};
      ret = cb(arg, g->name, &child);
    }
    return ret;
  case NODE_MON_DATA_DIR:
    /* the doc, "mon_data": one "mon_L3_XX" per L3 domain, XX its id, at
     * least two decimal digits (mkdir_mondata_subdir: "mon_%s_%02d") */
    for (size_t i = 0; i < m->cfg.num_caches && !ret; i++) {
      /* an offline domain has no directory (emu_domains.c) */
      if (!emu_domain_online(m, i))
        continue;
      snprintf(name, sizeof(name), "mon_L3_%02u", m->cfg.cache_ids[i]);
      child.kind = NODE_MON_L3_DIR;
      child.cache = i;
      ret = cb(arg, name, &child);
    }
    /* --perf-pkg: one "mon_PERF_PKG_%02d" per package (mkdir_mondata_subdir
     * for the PERF_PKG resource, YY the package id) */
    for (size_t i = 0; i < m->cfg.num_pkgs && !ret; i++) {
      snprintf(name, sizeof(name), "mon_PERF_PKG_%02u", m->cfg.pkg_ids[i]);
      child = (struct node){
          .kind = NODE_MON_PKG_DIR, .group = dir->group, .cache = i};
      ret = cb(arg, name, &child);
    }
    return ret;
  case NODE_MON_PKG_DIR:
    for (unsigned e = 0; e < EMU_PKG_EVENTS && !ret; e++) {
      child = (struct node){.kind = NODE_PKG_VALUE,
                            .group = dir->group,
                            .cache = dir->cache,
                            .pkg_event = e};
      ret = cb(arg, emu_pkg_event_name(e), &child);
    }
    return ret;
  case NODE_MON_L3_DIR:
  case NODE_MON_SUB_DIR:
    for (int f = 0; f < EMU_NUM_FEATURES && !ret; f++) {
      if (!m->cfg.features[f])
        continue;
      child.kind = NODE_MON_VALUE;
      child.cache = dir->cache;
      child.feature = (enum emu_feature)f;
      child.sub = dir->sub;
      child.snc_node = dir->snc_node;
      ret = cb(arg, emu_feature_name((enum emu_feature)f), &child);
    }
    /* Sub-NUMA Clustering: mkdir_mondata_subdir() makes the L3's
     * "mon_L3_%02d" (its files the sums, mon_add_all_files(..., do_sum))
     * and below it one "mon_sub_%s_%02d" per node, named by the node's
     * domain id (hdr->id: its NUMA node), with that node's own files. */
    for (unsigned k = 0;
         dir->kind == NODE_MON_L3_DIR && !ret && k < emu_snc_nodes(m); k++) {
      child = (struct node){.kind = NODE_MON_SUB_DIR,
                            .group = dir->group,
                            .cache = dir->cache,
                            .sub = true,
                            .snc_node =
                                (unsigned)dir->cache * emu_snc_nodes(m) + k};
      snprintf(name, sizeof(name), "mon_sub_L3_%02u", child.snc_node);
      ret = cb(arg, name, &child);
    }
    return ret;
  /* info and its directories carry the root, the only group with info */
  case NODE_INFO_DIR:
    return table_children(m, dir, TABLE(info_entries), cb, arg);
  case NODE_INFO_L3_MON_DIR:
    return table_children(m, dir, TABLE(l3_mon_entries), cb, arg);
  case NODE_INFO_L3_DIR:
    return table_children(m, dir, TABLE(l3_entries), cb, arg);
  case NODE_INFO_PKG_MON_DIR:
    return table_children(m, dir, TABLE(pkg_mon_entries), cb, arg);
  default:
    return -ENOTDIR;
  }
}

struct find_arg {
  const char *name;
  struct node *out;
};

static int find_cb(void *arg, const char *name, const struct node *child) {
  struct find_arg *a = arg;
  if (strcmp(name, a->name) != 0)
    return 0;
  *a->out = *child;
  return 1;
}

int node_resolve(struct emu_model *m, const char *path, struct node *out) {
  struct node cur = {.kind = NODE_GROUP_DIR, .group = emu_model_root(m)};
  char comp[EMU_NAME_MAX + 1];
  const char *p = path;
  for (;;) {
    while (*p == '/')
      p++;
    if (!*p)
      break;
    size_t n = strcspn(p, "/");
    if (n > EMU_NAME_MAX)
      return -ENOENT;
    memcpy(comp, p, n);
    comp[n] = '\0';
    p += n;
    if (!node_is_dir(cur.kind))
      return -ENOTDIR;
    struct node next;
    struct find_arg a = {.name = comp, .out = &next};
    if (node_for_each_child(m, &cur, find_cb, &a) != 1)
      return -ENOENT;
    cur = next;
  }
  *out = cur;
  return 0;
}

/* bitmap_print_to_pagebuf(): "%*pb" prints 32-bit hex chunks separated by
 * commas, the first one only as wide as needed; "%*pbl" prints ranges. */
static int print_cpumask(struct emu_buf *out, unsigned ncpus, bool all) {
  unsigned chunks = (ncpus + 31) / 32;
  int ret = 0;
  for (unsigned c = chunks; c-- > 0 && !ret;) {
    unsigned bits = c == chunks - 1 ? ncpus - c * 32 : 32;
    unsigned width = (bits + 3) / 4;
    unsigned long long v = all ? ((1ULL << bits) - 1) : 0;
    ret = emu_buf_printf(out, "%0*llx%s", (int)width, v, c ? "," : "\n");
  }
  return ret;
}

static int print_domains(const struct emu_model *m, struct emu_buf *out,
                         bool size) {
  int ret = emu_buf_printf(out, "L3:");
  for (size_t i = 0; i < m->cfg.num_caches && !ret; i++) {
    const char *sep = i + 1 < m->cfg.num_caches ? ";" : "\n";
    /* rdtgroup_cbm_to_size(): with SNC, "size / snc_nodes_per_l3_cache" */
    unsigned per = emu_snc_nodes(m) ? emu_snc_nodes(m) : 1;
    if (size)
      ret = emu_buf_printf(out, "%u=%llu%s", m->cfg.cache_ids[i],
                           (unsigned long long)(m->cfg.l3_size / per), sep);
    else
      ret = emu_buf_printf(out, "%u=%x%s", m->cfg.cache_ids[i], EMU_CBM_MASK,
                           sep);
  }
  return ret;
}

/* rdtgroup_mondata_show(): a number and a newline, or the word for the
 * error (the doc, "mon_data": "Unavailable", "Error", "Unassigned"). */
static int print_value(struct emu_model *m, const struct node *n,
                       uint64_t now_ms, struct emu_buf *out) {
  struct emu_value v =
      n->sub ? emu_model_read_node_value(m, n->group, n->snc_node, n->feature,
                                         now_ms)
             : emu_model_read_value(m, n->group, n->cache, n->feature, now_ms);
  switch (v.kind) {
  case EMU_VALUE_NUMBER:
    return emu_buf_printf(out, "%llu\n", (unsigned long long)v.number);
  case EMU_VALUE_ERROR:
    return emu_buf_printf(out, "Error\n");
  case EMU_VALUE_UNASSIGNED:
    return emu_buf_printf(out, "Unassigned\n");
  default:
    return emu_buf_printf(out, "Unavailable\n");
  }
}

int node_content(struct emu_model *m, const struct node *n, uint64_t now_ms,
                 struct emu_buf *out) {
  const struct emu_config *c = &m->cfg;
  bool root = n->group == emu_model_root(m);
  switch (n->kind) {
  case NODE_MON_VALUE:
    return print_value(m, n, now_ms, out);
  case NODE_PKG_VALUE:
    return emu_pkg_show(m, n->group, n->cache, n->pkg_event, out);
  case NODE_PKG_MON_FEATURES:
    return emu_buf_printf(out, "%s\n%s\n", emu_pkg_event_name(0),
                          emu_pkg_event_name(1));
  case NODE_TASKS:
    return emu_tasks_show(m, n->group, out);
  case NODE_CPUS:
    /* CPUs are not emulated: the root owns them all, groups none */
    return print_cpumask(out, c->num_cpus, root);
  case NODE_CPUS_LIST:
    if (!root)
      return emu_buf_printf(out, "\n");
    if (c->num_cpus == 1)
      return emu_buf_printf(out, "0\n");
    return emu_buf_printf(out, "0-%u\n", c->num_cpus - 1);
  case NODE_SCHEMATA:
    return print_domains(m, out, false);
  case NODE_SIZE:
    return print_domains(m, out, true);
  case NODE_MODE:
    return emu_buf_printf(out, "shareable\n");
  case NODE_LAST_CMD_STATUS:
    /* rdt_last_cmd_status_show(): "ok" when nothing was recorded */
    if (!m->last_cmd[0])
      return emu_buf_printf(out, "ok\n");
    return emu_buf_printf(out, "%s", m->last_cmd);
  case NODE_NUM_RMIDS:
    return emu_buf_printf(out, "%u\n", c->num_rmids);
  case NODE_PKG_NUM_RMIDS:
    /* rdt_num_rmids_show(): the resource's own r->mon.num_rmid, which
     * intel_aet.c enable_events() sets to its event groups' smallest */
    return emu_buf_printf(out, "%u\n",
                          c->pkg_rmids ? c->pkg_rmids : c->num_rmids);
  case NODE_MON_FEATURES:
    for (int f = 0; f < EMU_NUM_FEATURES; f++) {
      if (!c->features[f])
        continue;
      int ret = emu_buf_printf(out, "%s\n", emu_feature_name(f));
      if (ret)
        return ret;
    }
    return 0;
  case NODE_MAX_THRESHOLD:
    return emu_buf_printf(out, "%llu\n",
                          (unsigned long long)m->max_threshold_occupancy);
  case NODE_NUM_CLOSIDS:
    return emu_buf_printf(out, "%u\n", c->num_closids);
  case NODE_CBM_MASK:
    return emu_buf_printf(out, "%x\n", EMU_CBM_MASK);
  case NODE_MIN_CBM_BITS:
    return emu_buf_printf(out, "1\n");
  case NODE_SHAREABLE_BITS:
    return emu_buf_printf(out, "0\n");
  case NODE_MBM_ASSIGN_MODE:
    return emu_abmc_show_mode(m, out);
  case NODE_NUM_MBM_CNTRS:
    return emu_abmc_show_counters(m, false, out);
  case NODE_AVAILABLE_MBM_CNTRS:
    return emu_abmc_show_counters(m, true, out);
  case NODE_MBM_ASSIGN_ON_MKDIR:
    return emu_abmc_show_on_mkdir(m, out);
  case NODE_MBM_L3_ASSIGNMENTS:
    return emu_abmc_show_assignments(m, n->group, out);
  default:
    return -EISDIR;
  }
}

/* max_threshold_occ_write(): kstrtouint, at most the L3 size, else -EINVAL */
static int write_threshold(struct emu_model *m, const char *buf, size_t len) {
  char text[64];
  if (len >= sizeof(text))
    return -EINVAL;
  memcpy(text, buf, len);
  text[len] = '\0';
  if (len > 0 && text[len - 1] == '\n')
    text[len - 1] = '\0';
  if (!isdigit((unsigned char)text[0]))
    return -EINVAL;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 0);
  if (errno || *end || v > 0xffffffffULL)
    return -EINVAL;
  if (v > m->cfg.l3_size)
    return -EINVAL;
  m->max_threshold_occupancy = v & ~63ULL;
  return 0;
}

int node_write(struct emu_model *m, const struct node *n, const char *buf,
               size_t len, pid_t caller) {
  switch (n->kind) {
  case NODE_TASKS:
    return emu_tasks_write(m, n->group, buf, len, caller);
  case NODE_MAX_THRESHOLD:
    return write_threshold(m, buf, len);
  case NODE_MBM_ASSIGN_ON_MKDIR:
    return emu_abmc_write_on_mkdir(m, buf, len);
  case NODE_MBM_L3_ASSIGNMENTS:
    return emu_abmc_write_assignments(m, n->group, buf, len, emu_now_ms());
  case NODE_CPUS:
  case NODE_CPUS_LIST:
  case NODE_SCHEMATA:
  case NODE_MODE:
    /* allocation and CPU placement are outside what the emulator models;
     * refuse loudly rather than pretend */
    emu_last_cmd_clear(m);
    emu_last_cmd_printf(m, "emulator: writing this file is not emulated\n");
    return -EINVAL;
  default:
    return -EACCES;
  }
}
