/* SPDX-License-Identifier: MIT */
/* The resctrl emulator's model: groups, CLOSIDs, RMIDs (with limbo), task
 * membership and monitoring values, as plain data. No FUSE here; the only
 * I/O is through struct emu_host (the host's live tasks), so the rules can be
 * read (and tested) apart from the file system glue.
 *
 * Every rule cites Documentation/filesystems/resctrl.rst ("the doc") or the
 * kernel source (fs/resctrl/rdtgroup.c, fs/resctrl/monitor.c; formerly
 * arch/x86/kernel/cpu/resctrl/) where the doc is silent.
 */
#ifndef EMU_MODEL_H
#define EMU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EMU_MAX_CACHES 64
/* --perf-pkg: at most this many packages, two events each. */
#define EMU_MAX_PKGS 16
#define EMU_PKG_EVENTS 2
/* Sub-NUMA Clustering: at most this many SNC nodes in all (--snc). */
#define EMU_MAX_NODES 64
#define EMU_NAME_MAX 255
/* kernfs: a write longer than atomic_write_len (PAGE_SIZE) fails E2BIG. */
#define EMU_ATOMIC_WRITE_LEN 4096
/* the kernel's last_cmd_status buffer is 512 bytes */
#define EMU_LAST_CMD_MAX 512

enum emu_feature {
  EMU_LLC_OCCUPANCY,
  EMU_MBM_TOTAL_BYTES,
  EMU_MBM_LOCAL_BYTES,
  EMU_NUM_FEATURES
};

enum emu_group_type { EMU_CTRL_MON, EMU_MON };

/* What a mon_data file of one RMID reads. DEFAULT is the synthetic value. */
enum emu_value_kind {
  EMU_VALUE_DEFAULT,
  EMU_VALUE_NUMBER,
  EMU_VALUE_UNAVAILABLE,
  EMU_VALUE_ERROR,
  EMU_VALUE_UNASSIGNED
};

struct emu_value {
  enum emu_value_kind kind;
  uint64_t number;
};

struct emu_config {
  unsigned cache_ids[EMU_MAX_CACHES]; /* ascending, like the domain list */
  size_t num_caches;
  unsigned num_rmids;
  unsigned num_closids;
  bool features[EMU_NUM_FEATURES];
  uint64_t l3_size;
  /* Limbo (emu_model.c, rmid_free): kernel_limbo models the kernel's limbo
   * worker; else a fixed limbo_ms (0: instant), as --limbo-ms asks. */
  bool kernel_limbo;
  unsigned limbo_ms;
  bool alloc; /* false: a monitoring-only CPU */
  unsigned num_cpus;
  /* --snc N: Sub-NUMA Clustering, N nodes per L3 domain (0 or 1: off).
   * num_rmids is then the hardware's count; the model keeps num_rmids / N
   * (emu_model_init). */
  unsigned snc_nodes;
  /* --perf-pkg IDS: the packages of the PERF_PKG resource (Linux 7.0),
   * ascending; none without it (emu_perf_pkg.c) */
  unsigned pkg_ids[EMU_MAX_PKGS];
  size_t num_pkgs;
  /* --perf-pkg-rmids N: the RMIDs the telemetry counts (its event groups'
   * num_rmid), info/PERF_PKG_MON/num_rmids; 0: as many as L3 has. */
  unsigned pkg_rmids;
  /* ABMC (emu_abmc.c): --abmc-counters N assignable MBM counters per
   * domain, mode "mbm_event"; 0: no ABMC (every event counts). */
  unsigned abmc_counters;
};

struct emu_group {
  uint64_t serial; /* never reused: open files refer to groups by it */
  char name[EMU_NAME_MAX + 1];
  enum emu_group_type type;
  struct emu_group *parent; /* a MON group's CTRL_MON group; NULL otherwise */
  unsigned closid;
  unsigned rmid;
  uint64_t created_ms;
  struct emu_value values[EMU_MAX_CACHES][EMU_NUM_FEATURES];
  /* --snc: each SNC node's value (by node id); values[] is then unused,
   * an L3 domain reading the sum of its nodes */
  struct emu_value node_values[EMU_MAX_NODES][EMU_NUM_FEATURES];
  /* --perf-pkg: each package's core_energy and activity as the control
   * channel wrote them ("" never set) */
  char pkg_values[EMU_MAX_PKGS][EMU_PKG_EVENTS][24];
  /* ABMC (emu_abmc.c): the event holds a counter on that domain, assigned
   * (and so reset to zero) at cntr_ms. */
  bool cntr[EMU_MAX_CACHES][EMU_NUM_FEATURES];
  uint64_t cntr_ms[EMU_MAX_CACHES][EMU_NUM_FEATURES];
  struct emu_group *next; /* all groups, root first, in creation order */
};

/* The host's tasks, behind a seam so the model stays pure. */
struct emu_host {
  /* 0 and the task's start time when tid is a live task, else -ESRCH */
  int (*task_start)(void *ctx, pid_t tid, unsigned long long *start);
  /* calls cb for every live task (thread) of the host, in pid order */
  int (*for_each_task)(void *ctx, int (*cb)(pid_t tid, void *arg), void *arg);
  /* 0 and the task's process (thread group id), else -ESRCH; may be NULL
   * (then any two tasks count as one process) */
  int (*task_tgid)(void *ctx, pid_t tid, pid_t *tgid);
  /* Optional (NULL: no inheritance modelled). The host's clock in the
   * unit of task_start, and every thread of the process whose main
   * thread is leader (-ESRCH when leader is no process's main thread). */
  int (*now)(void *ctx, unsigned long long *ticks);
  int (*for_each_thread)(void *ctx, pid_t leader,
                         int (*cb)(pid_t tid, void *arg), void *arg);
  void *ctx;
};

struct emu_task {
  pid_t tid;
  unsigned long long start; /* tells a reused tid from the task we placed */
  struct emu_group *ctrl;   /* its CTRL_MON group (may be the root) */
  struct emu_group *mon;    /* NULL or a MON group below ctrl */
  /* host clock when it was placed, and when its threads were last looked
   * at for inheritance (emu_tasks.c, tasks_inherit) */
  unsigned long long placed;
  unsigned long long scanned;
  bool leader; /* a process's main thread (tid == tgid) */
  /* a task in the root and in no MON group is not stored */
};

enum emu_rmid_state { EMU_RMID_FREE, EMU_RMID_USED, EMU_RMID_LIMBO };

struct emu_rmid {
  enum emu_rmid_state state;
  uint64_t free_seq; /* LRU order of the free list */
  uint64_t limbo_until_ms;
};

/* emu_domains.c: an L3 monitoring domain whose CPUs all went offline and
 * perhaps came back (doc/design.md, "resctrl rules", Domains). */
struct emu_domain_state {
  bool offline;
  uint64_t generation; /* bumped each time its mon_L3_XX directories go */
  uint64_t online_ms;  /* when it last came back: MBM counts from here */
};

struct emu_model {
  struct emu_config cfg;
  struct emu_host host;
  struct emu_group *groups; /* groups[0] is the root */
  uint64_t next_serial;
  /* The system's RMIDs: the smallest num_rmids of the monitoring
   * resources (emu_model_init). */
  struct emu_rmid *rmids;
  unsigned system_rmids;
  uint64_t free_seq;
  bool *closid_used;
  struct emu_task *tasks; /* sorted by tid */
  size_t num_tasks;
  size_t cap_tasks;
  uint64_t max_threshold_occupancy;
  char last_cmd[EMU_LAST_CMD_MAX];
  /* Control "rmdir-on-open GROUP": the serial of a group removed right
   * after the next open of its tasks file is answered, as when another
   * process (libvirt at VM stop) removes it between a reader's open and
   * read. 0: none armed. */
  uint64_t rmdir_on_open;
  /* Control "enomem-on-read GROUP": the serial of a group whose next tasks
   * read fails with ENOMEM, as seq_read_iter() does when it cannot
   * allocate its buffer. 0: none armed. */
  uint64_t enomem_on_read;
  /* Per cache index: online or not (control "domain ID offline|online"). */
  struct emu_domain_state domains[EMU_MAX_CACHES];
  /* ABMC: info/L3_MON/mbm_assign_on_mkdir (emu_abmc.c) */
  bool abmc_on_mkdir;
};

/* A growing text buffer for file contents. */
struct emu_buf {
  char *data;
  size_t len;
  size_t cap;
};

int emu_buf_printf(struct emu_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void emu_buf_free(struct emu_buf *b);

const char *emu_feature_name(enum emu_feature f);
int emu_feature_parse(const char *name); /* the feature or -1 */

/* A whole decimal number of at most max (no sign, no blanks); 0 or -EINVAL.
 * Shared by the command line and the control channel. */
int emu_parse_uint(const char *s, unsigned long long max,
                   unsigned long long *out);

int emu_model_init(struct emu_model *m, const struct emu_config *cfg,
                   const struct emu_host *host, uint64_t now_ms);
void emu_model_free(struct emu_model *m);

struct emu_group *emu_model_root(struct emu_model *m);
/* ctrl NULL means the root; mon NULL means the CTRL_MON group itself */
struct emu_group *emu_model_find(struct emu_model *m, const char *ctrl,
                                 const char *mon);
struct emu_group *emu_model_by_serial(struct emu_model *m, uint64_t serial);
int emu_model_cache_index(const struct emu_model *m, unsigned cache_id);

void emu_last_cmd_clear(struct emu_model *m);
void emu_last_cmd_printf(struct emu_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int emu_model_mkdir_ctrl(struct emu_model *m, const char *name,
                         uint64_t now_ms);
int emu_model_mkdir_mon(struct emu_model *m, struct emu_group *ctrl,
                        const char *name, uint64_t now_ms);
int emu_model_rmdir(struct emu_model *m, struct emu_group *g, uint64_t now_ms);
unsigned emu_model_rmids_in_limbo(struct emu_model *m, uint64_t now_ms);

/* the value a group's mon_data file reads (a CTRL_MON sums its MON groups) */
struct emu_value emu_model_read_value(struct emu_model *m,
                                      const struct emu_group *g, size_t cache,
                                      enum emu_feature f, uint64_t now_ms);
void emu_model_set_value(struct emu_group *g, size_t cache, enum emu_feature f,
                         struct emu_value v);

/* Sub-NUMA Clustering (--snc, emu_model.c): the SNC nodes per L3 domain
 * (0 without SNC); node ids as the kernel numbers them, the L3 domains in
 * cache id order each holding the next N nodes: node k of cache index c is
 * c * N + k. */
unsigned emu_snc_nodes(const struct emu_model *m);
/* the value an SNC node's mon_sub_L3_YY file reads */
struct emu_value emu_model_read_node_value(struct emu_model *m,
                                           const struct emu_group *g,
                                           unsigned node, enum emu_feature f,
                                           uint64_t now_ms);
void emu_model_set_node_value(struct emu_group *g, unsigned node,
                              enum emu_feature f, struct emu_value v);

/* emu_perf_pkg.c: the PERF_PKG telemetry resource (--perf-pkg) */
const char *emu_pkg_event_name(unsigned event); /* NULL out of range */
int emu_pkg_index(const struct emu_model *m, unsigned pkg_id); /* or -1 */
/* "GROUP pkg:<id> EVENT VALUE": 0, or -EINVAL with a reason */
int emu_pkg_control(struct emu_model *m, struct emu_group *g,
                    const char *id_text, const char *event, const char *value,
                    char *err, size_t errlen);
/* what mon_PERF_PKG_YY/<event> of g reads */
int emu_pkg_show(struct emu_model *m, const struct emu_group *g, size_t pkg,
                 unsigned event, struct emu_buf *out);

/* emu_tasks.c: the tasks file */
int emu_tasks_write(struct emu_model *m, struct emu_group *g, const char *buf,
                    size_t len, pid_t caller);
int emu_tasks_show(struct emu_model *m, const struct emu_group *g,
                   struct emu_buf *out);
/* arch_dup_task_struct(): tid, a new thread of creator's process, starts in
 * creator's groups (see emu_tasks.c for what /proc cannot tell) */
int emu_tasks_clone(struct emu_model *m, pid_t tid, pid_t creator);
/* drops every membership of g (rmdir); a CTRL_MON's tasks go to the root */
void emu_tasks_group_removed(struct emu_model *m, const struct emu_group *g);
/* the host seam backed by /proc */
extern const struct emu_host emu_proc_host;

/* emu_domains.c: L3 domains going offline and coming back */
bool emu_domain_online(const struct emu_model *m, size_t cache);
uint64_t emu_domain_generation(const struct emu_model *m, size_t cache);
/* 0 while a value file opened at generation gen of cache still exists,
 * else -ENODEV (kernfs: a removed node's open file) */
int emu_domain_check_open(const struct emu_model *m, size_t cache,
                          uint64_t gen);
/* when g's MBM counters on cache last started from zero */
uint64_t emu_domain_mbm_start(const struct emu_model *m,
                              const struct emu_group *g, size_t cache);
/* "domain ID offline" / "domain ID online"; 0, or -EINVAL with a reason */
int emu_domain_control(struct emu_model *m, const char *line, uint64_t now_ms,
                       char *err, size_t errlen);

/* emu_abmc.c: ABMC, assignable MBM counters (Linux 6.18, AMD) */
bool emu_abmc_enabled(const struct emu_model *m);
/* rdtgroup_assign_cntrs(): a new group's (and at mount the default
 * group's) MBM events get counters when mbm_assign_on_mkdir is on */
void emu_abmc_group_made(struct emu_model *m, struct emu_group *g,
                         uint64_t now_ms);
/* domain_destroy_mon_state(): a domain going offline drops its counters */
void emu_abmc_domain_offline(struct emu_model *m, size_t cache);
/* false when ABMC is on and g's event f holds no counter on cache */
bool emu_abmc_counts(const struct emu_model *m, const struct emu_group *g,
                     size_t cache, enum emu_feature f);
/* when g's event f on cache was last assigned (0: never) */
uint64_t emu_abmc_since(const struct emu_model *m, const struct emu_group *g,
                        size_t cache, enum emu_feature f);
int emu_abmc_show_mode(const struct emu_model *m, struct emu_buf *out);
int emu_abmc_show_counters(const struct emu_model *m, bool available,
                           struct emu_buf *out);
int emu_abmc_show_on_mkdir(const struct emu_model *m, struct emu_buf *out);
int emu_abmc_write_on_mkdir(struct emu_model *m, const char *buf, size_t len);
int emu_abmc_show_assignments(const struct emu_model *m,
                              const struct emu_group *g, struct emu_buf *out);
int emu_abmc_write_assignments(struct emu_model *m, struct emu_group *g,
                               const char *buf, size_t len, uint64_t now_ms);

/* emu_control.c: one control-channel line; 0, or -EINVAL with a reason */
int emu_control_line(struct emu_model *m, const char *line, char *err,
                     size_t errlen);

#endif
