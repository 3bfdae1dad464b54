/* SPDX-License-Identifier: MIT */
/* The emulator's model: groups, CLOSID and RMID allocation (with limbo),
 * last_cmd_status and monitoring values. See emu_model.h. */
#include "emu_model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const feature_names[EMU_NUM_FEATURES] = {
    [EMU_LLC_OCCUPANCY] = "llc_occupancy",
    [EMU_MBM_TOTAL_BYTES] = "mbm_total_bytes",
    [EMU_MBM_LOCAL_BYTES] = "mbm_local_bytes",
};

const char *emu_feature_name(enum emu_feature f) { return feature_names[f]; }

int emu_feature_parse(const char *name) {
  for (int f = 0; f < EMU_NUM_FEATURES; f++)
    if (strcmp(name, feature_names[f]) == 0)
      return f;
  return -1;
}

int emu_parse_uint(const char *s, unsigned long long max,
                   unsigned long long *out) {
  char *end;
  if (*s < '0' || *s > '9')
    return -EINVAL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max)
    return -EINVAL;
  *out = v;
  return 0;
}

int emu_buf_printf(struct emu_buf *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
      return -EINVAL;
    if ((size_t)n < room) {
      b->len += (size_t)n;
      return 0;
    }
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap - b->len <= (size_t)n)
      cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data)
      return -ENOMEM;
    b->data = data;
    b->cap = cap;
  }
}

void emu_buf_free(struct emu_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void emu_last_cmd_clear(struct emu_model *m) { m->last_cmd[0] = '\0'; }

/* Appends like the kernel's rdt_last_cmd_printf (a seq_buf of 512 bytes). */
void emu_last_cmd_printf(struct emu_model *m, const char *fmt, ...) {
  size_t used = strlen(m->last_cmd);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->last_cmd + used, sizeof(m->last_cmd) - used, fmt, ap);
  va_end(ap);
}

static struct emu_group *group_new(struct emu_model *m, const char *name,
                                   enum emu_group_type type,
                                   struct emu_group *parent, uint64_t now_ms) {
  struct emu_group *g = calloc(1, sizeof(*g));
  if (!g)
    return NULL;
  snprintf(g->name, sizeof(g->name), "%s", name);
  g->serial = ++m->next_serial;
  g->type = type;
  g->parent = parent;
  g->created_ms = now_ms;
  return g;
}

static void group_append(struct emu_model *m, struct emu_group *g) {
  struct emu_group **p = &m->groups;
  while (*p)
    p = &(*p)->next;
  *p = g;
}

int emu_model_init(struct emu_model *m, const struct emu_config *cfg,
                   const struct emu_host *host, uint64_t now_ms) {
  memset(m, 0, sizeof(*m));
  m->cfg = *cfg;
  m->host = *host;
  if (cfg->num_rmids < 1 || cfg->num_closids < 1 || cfg->num_caches < 1 ||
      cfg->num_caches > EMU_MAX_CACHES ||
      (size_t)cfg->num_caches * (cfg->snc_nodes ? cfg->snc_nodes : 1) >
          EMU_MAX_NODES)
    return -EINVAL;
  /* rdt_get_mon_l3_config(): with SNC, "r->num_rmid = (x86_cache_max_rmid
   * + 1) / snc_nodes_per_l3_cache": the RMIDs of an L3 are split among its
   * nodes, and info/L3_MON/num_rmids shows what one node has. */
  if (cfg->snc_nodes > 1) {
    m->cfg.num_rmids = cfg->num_rmids / cfg->snc_nodes;
    if (m->cfg.num_rmids < 1)
      return -EINVAL;
  }
  /* "x86,fs/resctrl: Compute number of RMIDs as minimum across resources"
   * (Linux 7.0, resctrl_arch_system_num_rmid_idx()): an RMID tags a group
   * in every monitoring resource, so mkdir runs out at the smallest count;
   * each info/<RES>_MON/num_rmids still shows its own resource's. */
  m->system_rmids = m->cfg.num_rmids;
  if (cfg->num_pkgs && cfg->pkg_rmids && cfg->pkg_rmids < m->system_rmids)
    m->system_rmids = cfg->pkg_rmids;
  m->rmids = calloc(m->system_rmids, sizeof(*m->rmids));
  m->closid_used = calloc(cfg->num_closids, sizeof(*m->closid_used));
  struct emu_group *root = group_new(m, "", EMU_CTRL_MON, NULL, now_ms);
  if (!m->rmids || !m->closid_used || !root) {
    free(root);
    emu_model_free(m);
    return -ENOMEM;
  }
  /* The default group owns CLOSID 0 and RMID 0 (the doc: "the default
   * resource group ... tasks ... not explicitly assigned"; the kernel
   * reserves RMID 0 and never puts it on the free list). */
  for (unsigned i = 0; i < m->system_rmids; i++) {
    m->rmids[i].state = EMU_RMID_FREE;
    m->rmids[i].free_seq = ++m->free_seq;
  }
  m->rmids[0].state = EMU_RMID_USED;
  m->closid_used[0] = true;
  group_append(m, root);
  /* ABMC: mbm_assign_on_mkdir is on at boot, and rdt_get_tree() assigns
   * the default group's counters at mount */
  m->abmc_on_mkdir = true;
  emu_abmc_group_made(m, root, now_ms);
  /* kernel default: the L3 size spread over the RMIDs, in monitor units */
  m->max_threshold_occupancy = (cfg->l3_size / m->cfg.num_rmids) & ~63ULL;
  return 0;
}

void emu_model_free(struct emu_model *m) {
  struct emu_group *g = m->groups;
  while (g) {
    struct emu_group *next = g->next;
    free(g);
    g = next;
  }
  m->groups = NULL;
  free(m->rmids);
  free(m->closid_used);
  free(m->tasks);
  m->rmids = NULL;
  m->closid_used = NULL;
  m->tasks = NULL;
}

struct emu_group *emu_model_root(struct emu_model *m) { return m->groups; }

/* The MON group called name below ctrl, or NULL. */
static struct emu_group *
find_mon(struct emu_model *m, const struct emu_group *ctrl, const char *name) {
  for (struct emu_group *g = m->groups; g; g = g->next)
    if (g->type == EMU_MON && g->parent == ctrl && strcmp(g->name, name) == 0)
      return g;
  return NULL;
}

struct emu_group *emu_model_find(struct emu_model *m, const char *ctrl,
                                 const char *mon) {
  struct emu_group *c = NULL;
  if (!ctrl) {
    c = m->groups;
  } else {
    for (struct emu_group *g = m->groups->next; g; g = g->next)
      if (g->type == EMU_CTRL_MON && strcmp(g->name, ctrl) == 0)
        c = g;
  }
  if (!c || !mon)
    return c;
  return find_mon(m, c, mon);
}

struct emu_group *emu_model_by_serial(struct emu_model *m, uint64_t serial) {
  for (struct emu_group *g = m->groups; g; g = g->next)
    if (g->serial == serial)
      return g;
  return NULL;
}

int emu_model_cache_index(const struct emu_model *m, unsigned cache_id) {
  for (size_t i = 0; i < m->cfg.num_caches; i++)
    if (m->cfg.cache_ids[i] == cache_id)
      return (int)i;
  return -1;
}

/* RMIDs whose limbo time has passed go back to the free list. The kernel
 * frees a limbo RMID once its occupancy drops below max_threshold_occupancy
 * (the doc: "RMID ... is put on a limbo list ... until the occupancy drops";
 * checked every CQM_LIMBOCHECK_INTERVAL): rmid_free computes that time
 * (kernel_limbo_ms), or --limbo-ms stands for it. */
static void limbo_expire(struct emu_model *m, uint64_t now_ms) {
  for (unsigned i = 1; i < m->system_rmids; i++) {
    struct emu_rmid *r = &m->rmids[i];
    if (r->state == EMU_RMID_LIMBO && now_ms >= r->limbo_until_ms) {
      r->state = EMU_RMID_FREE;
      r->free_seq = ++m->free_seq;
    }
  }
}

unsigned emu_model_rmids_in_limbo(struct emu_model *m, uint64_t now_ms) {
  unsigned n = 0;
  limbo_expire(m, now_ms);
  for (unsigned i = 1; i < m->system_rmids; i++)
    n += m->rmids[i].state == EMU_RMID_LIMBO;
  return n;
}

/* monitor.c resctrl_find_free_rmid(): the least recently freed RMID; an
 * empty free list gives -EBUSY while some RMID sits in limbo, else -ENOSPC. */
static int rmid_alloc(struct emu_model *m, uint64_t now_ms) {
  limbo_expire(m, now_ms);
  int best = -1;
  bool limbo = false;
  for (unsigned i = 1; i < m->system_rmids; i++) {
    const struct emu_rmid *r = &m->rmids[i];
    if (r->state == EMU_RMID_LIMBO)
      limbo = true;
    if (r->state == EMU_RMID_FREE &&
        (best < 0 || r->free_seq < m->rmids[best].free_seq))
      best = (int)i;
  }
  if (best < 0)
    return limbo ? -EBUSY : -ENOSPC;
  m->rmids[best].state = EMU_RMID_USED;
  return best;
}

/* The kernel's limbo worker (monitor.c cqm_handle_limbo) runs every
 * CQM_LIMBOCHECK_INTERVAL. */
#define EMU_LIMBO_CHECK_MS 1000

static int rmid_read(const struct emu_model *m, const struct emu_group *g,
                     size_t cache, enum emu_feature f, uint64_t now_ms,
                     uint64_t *val);

/*
 * How long the kernel keeps g's RMID in limbo once g is removed, or
 * UINT64_MAX for ever. monitor.c add_rmid_to_limbo() marks the RMID busy in
 * every domain and (cqm_setup_limbo_handler) schedules cqm_handle_limbo()
 * CQM_LIMBOCHECK_INTERVAL (1 s) later, which calls __check_limbo() every
 * second while RMIDs are busy: an RMID leaves a domain's busy set when its
 * llc_occupancy there reads below resctrl_rmid_realloc_threshold
 * (info/L3_MON/max_threshold_occupancy), and goes back to the free list
 * when no domain holds it busy. A read that fails keeps it busy: since
 * 6.12 an RMID whose occupancy reads Unavailable (or Error) stays dirty for
 * ever. The occupancy decay is ours, not the kernel's (a real cache evicts
 * the lines as other tasks run): the occupancy the group read when removed,
 * per domain, halves every second. So each check k >= 1 (k s after the
 * rmdir) sees occupancy >> k; the RMID is free at the first check where
 * every domain is below the threshold, never sooner than 1 s.
 */
static uint64_t kernel_limbo_ms(const struct emu_model *m,
                                const struct emu_group *g, uint64_t now_ms) {
  uint64_t worst = 0;
  for (size_t c = 0; c < m->cfg.num_caches; c++) {
    uint64_t occ;
    if (rmid_read(m, g, c, EMU_LLC_OCCUPANCY, now_ms, &occ) != 0)
      return UINT64_MAX;
    if (occ > worst)
      worst = occ;
  }
  unsigned k = 1;
  while (k < 63 && (worst >> k) >= m->max_threshold_occupancy)
    k++;
  return (uint64_t)k * EMU_LIMBO_CHECK_MS;
}

/* monitor.c free_rmid(): into limbo only when llc_occupancy is monitored
 * (an RMID with no occupancy counter cannot hold stale cache lines). g is
 * the group giving the RMID back, NULL for one never used (a failed
 * mkdir). */
static void rmid_free(struct emu_model *m, unsigned rmid,
                      const struct emu_group *g, uint64_t now_ms) {
  struct emu_rmid *r = &m->rmids[rmid];
  uint64_t wait = 0;
  if (m->cfg.features[EMU_LLC_OCCUPANCY] && g)
    wait =
        m->cfg.kernel_limbo ? kernel_limbo_ms(m, g, now_ms) : m->cfg.limbo_ms;
  if (wait > 0) {
    r->state = EMU_RMID_LIMBO;
    r->limbo_until_ms = wait == UINT64_MAX ? UINT64_MAX : now_ms + wait;
  } else {
    r->state = EMU_RMID_FREE;
    r->free_seq = ++m->free_seq;
  }
}

/* rdtgroup.c closid_alloc(): the lowest free CLOSID, else -ENOSPC. */
static int closid_alloc(struct emu_model *m) {
  for (unsigned i = 1; i < m->cfg.num_closids; i++) {
    if (!m->closid_used[i]) {
      m->closid_used[i] = true;
      return (int)i;
    }
  }
  return -ENOSPC;
}

/* rdtgroup_mkdir_ctrl_mon(): a CLOSID first ("Out of CLOSIDs"), then an RMID
 * ("Out of RMIDs"); both -ENOSPC, or -EBUSY when RMIDs sit in limbo (the doc,
 * "Resource alloc and monitor groups"; monitor.c). The caller has checked the
 * placement (only at the root, only with allocation) and the name. */
int emu_model_mkdir_ctrl(struct emu_model *m, const char *name,
                         uint64_t now_ms) {
  /* No rdt_last_cmd_clear() here: mkdir_rdt_prepare() lost it (commit
   * "x86/resctrl: Remove unnecessary rdt_last_cmd_clear()", 2019), so a
   * successful mkdir leaves an old "Out of RMIDs" in place and repeated
   * failures accumulate (seen on Debian 6.1 and 6.12, KERNEL-BED.md). */
  if (emu_model_find(m, name, NULL))
    return -EEXIST;
  int closid = closid_alloc(m);
  if (closid < 0) {
    emu_last_cmd_printf(m, "Out of CLOSIDs\n");
    return closid;
  }
  int rmid = rmid_alloc(m, now_ms);
  if (rmid < 0) {
    m->closid_used[closid] = false;
    emu_last_cmd_printf(m, "Out of RMIDs\n");
    return rmid;
  }
  struct emu_group *g = group_new(m, name, EMU_CTRL_MON, NULL, now_ms);
  if (!g) {
    m->closid_used[closid] = false;
    rmid_free(m, (unsigned)rmid, NULL, now_ms);
    return -ENOMEM;
  }
  g->closid = (unsigned)closid;
  g->rmid = (unsigned)rmid;
  group_append(m, g);
  emu_abmc_group_made(m, g, now_ms); /* rdtgroup_assign_cntrs() */
  return 0;
}

/* rdtgroup_mkdir_mon(): a MON group takes its parent's CLOSID and one RMID. */
int emu_model_mkdir_mon(struct emu_model *m, struct emu_group *ctrl,
                        const char *name, uint64_t now_ms) {
  /* No clear either (mkdir_rdt_prepare(), see emu_model_mkdir_ctrl). */
  if (ctrl->type != EMU_CTRL_MON)
    return -EPERM;
  if (find_mon(m, ctrl, name))
    return -EEXIST;
  int rmid = rmid_alloc(m, now_ms);
  if (rmid < 0) {
    emu_last_cmd_printf(m, "Out of RMIDs\n");
    return rmid;
  }
  struct emu_group *g = group_new(m, name, EMU_MON, ctrl, now_ms);
  if (!g) {
    rmid_free(m, (unsigned)rmid, NULL, now_ms);
    return -ENOMEM;
  }
  g->closid = ctrl->closid;
  g->rmid = (unsigned)rmid;
  group_append(m, g);
  emu_abmc_group_made(m, g, now_ms); /* rdtgroup_assign_cntrs() */
  return 0;
}

static void group_unlink_free(struct emu_model *m, struct emu_group *g,
                              uint64_t now_ms) {
  emu_tasks_group_removed(m, g);
  rmid_free(m, g->rmid, g, now_ms);
  for (struct emu_group **p = &m->groups; *p; p = &(*p)->next) {
    if (*p == g) {
      *p = g->next;
      break;
    }
  }
  free(g);
}

/* rdtgroup_rmdir_mon(): the tasks go back to the parent CTRL_MON group and
 * the RMID is freed. rdtgroup_rmdir_ctrl(): the tasks go back to the root,
 * the CLOSID and RMID are freed and so are all its MON groups' RMIDs
 * (free_all_child_rdtgrp). The root cannot be removed. */
int emu_model_rmdir(struct emu_model *m, struct emu_group *g, uint64_t now_ms) {
  if (g == m->groups)
    return -EPERM;
  if (g->type == EMU_CTRL_MON) {
    struct emu_group *c = m->groups;
    while (c) {
      struct emu_group *next = c->next;
      if (c->type == EMU_MON && c->parent == g)
        group_unlink_free(m, c, now_ms);
      c = next;
    }
    m->closid_used[g->closid] = false;
  }
  group_unlink_free(m, g, now_ms);
  return 0;
}

/* A fixed pseudo-random number per (RMID, cache, salt): synthetic values are
 * stable for one RMID and differ between RMIDs and caches. */
static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* Synthetic occupancy stays below l3_size / num_rmids so that no sum of
 * groups exceeds the cache; MBM counts bytes since the group was made at a
 * fixed rate (1-64 MiB/s), so it only grows; local traffic is a fixed share
 * (1/5 to 4/5) of the total. */
static uint64_t synthetic(const struct emu_model *m, const struct emu_group *g,
                          size_t cache, enum emu_feature f, uint64_t now_ms) {
  uint64_t key = ((uint64_t)g->rmid << 32) ^ m->cfg.cache_ids[cache];
  uint64_t h = mix(key);
  if (f == EMU_LLC_OCCUPANCY) {
    uint64_t cap = m->cfg.l3_size / m->cfg.num_rmids / 64;
    return cap ? (h % (cap + 1)) * 64 : 0;
  }
  uint64_t rate_per_s = (1 + h % 64) * 1048576ULL;
  /* counting since the group was made, or since its domain came back */
  uint64_t since = emu_domain_mbm_start(m, g, cache);
  uint64_t assigned = emu_abmc_since(m, g, cache, f); /* ABMC: reset */
  if (assigned > since)
    since = assigned;
  uint64_t elapsed = now_ms > since ? now_ms - since : 0;
  uint64_t total = (h >> 8) % 1048576ULL + rate_per_s * elapsed / 1000;
  if (f == EMU_MBM_TOTAL_BYTES)
    return total;
  return total / 5 * (1 + (h >> 40) % 4);
}

/* ---- Sub-NUMA Clustering (--snc) ---- */

unsigned emu_snc_nodes(const struct emu_model *m) {
  return m->cfg.snc_nodes > 1 ? m->cfg.snc_nodes : 0;
}

/* One SNC node's value of one RMID, as rmid_read below: a set value, else
 * a synthetic one of its own (salted with the node id), occupancy within
 * the node's share of the L3. */
static int node_rmid_read(const struct emu_model *m, const struct emu_group *g,
                          unsigned node, enum emu_feature f, uint64_t now_ms,
                          uint64_t *val) {
  const struct emu_value *v = &g->node_values[node][f];
  unsigned n = emu_snc_nodes(m);
  size_t cache = node / n;
  switch (v->kind) {
  case EMU_VALUE_NUMBER:
    *val = v->number;
    return 0;
  case EMU_VALUE_UNAVAILABLE:
    return -EINVAL;
  case EMU_VALUE_ERROR:
    return -EIO;
  case EMU_VALUE_UNASSIGNED:
    return -ENOENT;
  case EMU_VALUE_DEFAULT:
    break;
  }
  struct emu_group salted = *g;
  salted.rmid = g->rmid ^ ((node + 1) << 24);
  uint64_t x = synthetic(m, &salted, cache, f, now_ms);
  *val = f == EMU_LLC_OCCUPANCY ? x / n / 64 * 64 : x;
  return 0;
}

/* __mon_event_count() with rr->sum (the L3 domain's file under SNC): every
 * mon domain whose ci_id is this L3's is read and the values that read
 * add up ("if (!err) { rr->val += tval; ret = 0; }"); only when none did
 * is the error reported, -EINVAL ("Unavailable") as ret starts. */
static int snc_sum_read(const struct emu_model *m, const struct emu_group *g,
                        size_t cache, enum emu_feature f, uint64_t now_ms,
                        uint64_t *val) {
  unsigned n = emu_snc_nodes(m);
  int ret = -EINVAL;
  uint64_t sum = 0, v;
  for (unsigned k = 0; k < n; k++) {
    if (node_rmid_read(m, g, (unsigned)cache * n + k, f, now_ms, &v) == 0) {
      sum += v;
      ret = 0;
    }
  }
  *val = sum;
  return ret;
}

/* ---- end of Sub-NUMA Clustering ---- */

/* What reading one RMID gives: 0 and a number, or the error the kernel maps
 * to text (rdtgroup_mondata_show: -EIO "Error", -EINVAL "Unavailable",
 * -ENOENT "Unassigned"). */
static int rmid_read(const struct emu_model *m, const struct emu_group *g,
                     size_t cache, enum emu_feature f, uint64_t now_ms,
                     uint64_t *val) {
  if (emu_snc_nodes(m))
    return snc_sum_read(m, g, cache, f, now_ms, val);
  const struct emu_value *v = &g->values[cache][f];
  /* ABMC: an event without a counter reads "Unassigned" */
  if (!emu_abmc_counts(m, g, cache, f))
    return -ENOENT;
  switch (v->kind) {
  case EMU_VALUE_NUMBER:
    *val = v->number;
    return 0;
  case EMU_VALUE_UNAVAILABLE:
    return -EINVAL;
  case EMU_VALUE_ERROR:
    return -EIO;
  case EMU_VALUE_UNASSIGNED:
    return -ENOENT;
  case EMU_VALUE_DEFAULT:
    break;
  }
  *val = synthetic(m, g, cache, f, now_ms);
  return 0;
}

static struct emu_value from_error(int err) {
  struct emu_value v = {.kind = EMU_VALUE_UNAVAILABLE};
  if (err == -EIO)
    v.kind = EMU_VALUE_ERROR;
  else if (err == -ENOENT)
    v.kind = EMU_VALUE_UNASSIGNED;
  return v;
}

/* One RMID's value of an L3 domain (index: the cache) or of an SNC node
 * (index: the node id). */
typedef int (*rmid_reader)(const struct emu_model *m, const struct emu_group *g,
                           size_t index, enum emu_feature f, uint64_t now_ms,
                           uint64_t *val);

static int node_reader(const struct emu_model *m, const struct emu_group *g,
                       size_t node, enum emu_feature f, uint64_t now_ms,
                       uint64_t *val) {
  return node_rmid_read(m, g, (unsigned)node, f, now_ms, val);
}

/* monitor.c mon_event_count(): a CTRL_MON group reads its own RMID plus each
 * of its MON groups' (the doc: "the CTRL_MON group ... all tasks in the group
 * and its child MON groups"); the reads that succeed are summed and an error
 * is reported only when none succeeded (the last error wins). */
static struct emu_value mon_event_sum(const struct emu_model *m,
                                      const struct emu_group *g, size_t index,
                                      enum emu_feature f, uint64_t now_ms,
                                      rmid_reader read) {
  uint64_t sum = 0, val = 0;
  int err = read(m, g, index, f, now_ms, &val);
  bool ok = err == 0;
  if (ok)
    sum += val;
  for (const struct emu_group *c = m->groups; g->type == EMU_CTRL_MON && c;
       c = c->next) {
    if (c->type != EMU_MON || c->parent != g)
      continue;
    int e = read(m, c, index, f, now_ms, &val);
    if (e == 0) {
      sum += val;
      ok = true;
    } else {
      err = e;
    }
  }
  if (ok)
    return (struct emu_value){.kind = EMU_VALUE_NUMBER, .number = sum};
  return from_error(err);
}

struct emu_value emu_model_read_value(struct emu_model *m,
                                      const struct emu_group *g, size_t cache,
                                      enum emu_feature f, uint64_t now_ms) {
  return mon_event_sum(m, g, cache, f, now_ms, rmid_read);
}

void emu_model_set_value(struct emu_group *g, size_t cache, enum emu_feature f,
                         struct emu_value v) {
  g->values[cache][f] = v;
}

/* An SNC node's file: its own RMID's value, and for a CTRL_MON group its
 * MON groups' too (mon_event_count). */
struct emu_value emu_model_read_node_value(struct emu_model *m,
                                           const struct emu_group *g,
                                           unsigned node, enum emu_feature f,
                                           uint64_t now_ms) {
  return mon_event_sum(m, g, node, f, now_ms, node_reader);
}

void emu_model_set_node_value(struct emu_group *g, unsigned node,
                              enum emu_feature f, struct emu_value v) {
  g->node_values[node][f] = v;
}
