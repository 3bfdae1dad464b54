/* SPDX-License-Identifier: MIT */
/**
 * The engine's state, shared by its files: engine.c (threads, the read
 * pass), engine_sync.c (one resync pass as a sequence of steps) and the
 * steps' own files (engine_domains.c, engine_plan.c, engine_live.c,
 * engine_health.c). Nothing outside the engine includes this, bar the
 * soak test and the benches, which read `passes` and `n_live` under `lock`.
 *
 * Each lock below says which fields it guards. A function that touches
 * them without taking the lock itself (it relies on its caller) begins
 * with vr_mutex_assert_held, which --enable-lock-debug builds check
 * (base/vr_lock.h; doc/design.md, "Threads and locks").
 */
#ifndef VR_ENGINE_PRIVATE_H
#define VR_ENGINE_PRIVATE_H

#include "base/vr_lock.h"
#include "base/vr_log.h"
#include "engine/engine.h"
#include "plan/desired.h"
#include "plan/group_health.h"
#include "plan/libvirt_monitors.h"
#include "plan/problems.h"
#include "plan/reconcile.h"
#include "plan/rmid_share.h"
#include "plan/thread_watch.h"
#include "plan/written_tids.h"
#include "read/counter_carry.h"
#include "read/dispatch.h"
#include "read/host_context.h"
#include "read/live_group.h"
#include "read/live_set.h"
#include "read/series.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_values.h"
#include "resctrl/thread_view.h"
#include "virt/domain_filter.h"
#include "virt/vr_libvirt.h"

#include "collectd/core/utils/common/common.h"

#include <pthread.h>
#include <stdbool.h>

/* ABMC (engine_abmc.c): L3 domains whose counter coverage is kept. */
#define VR_MAX_ABMC_DOMAINS 64

/* One L3 domain's ABMC coverage of our groups' MBM events. */
typedef struct {
  unsigned id;
  unsigned wanted;
  unsigned counted;
  bool warned; /* a WARNING went out and no OKAY since (worker only) */
} vr_abmc_domain;

/* More dirty domains than this between two passes: a full resync is
 * cheaper than one lookup each. */
#define VR_MAX_DIRTY 64
/* Monitoring domains that came back in one pass, remembered for the
 * restart hints (beyond: the carry finds the restart by itself). */
#define VR_MAX_BACK_DOMAINS 64
/* Read passes a series may go unread before its carried total is
 * forgotten (its group is gone), and how often that is checked. */
#define VR_CARRY_MAX_IDLE 1024
#define VR_CARRY_CHECK_EVERY 64

struct vr_engine {
  const vr_config *cfg;
  vr_series_config series_config;
  vr_domain_filter filter;

  /* lock guards the fields from `stopping` down to `passes`: stopping,
   * full_resync, refetch_all, reap_due, dirty, n_dirty, n_live, passes.
   * The worker sleeps on wake. Held for a few instructions only: never
   * across a read pass, a libvirt call or a resctrl operation, and no other
   * lock is taken while it is held. */
  vr_mutex lock;
  pthread_cond_t wake;
  bool stopping;
  bool full_resync;
  /* libvirt reconnected: events may have been lost, so the next full
   * resync asks libvirt about every domain again (else it reuses what
   * the last one learnt, vr_libvirt_list_known). */
  bool refetch_all;
  bool reap_due; /* a read pass left a retired live set behind */
  char dirty[VR_MAX_DIRTY][VR_UUID_STRING_LEN + 1];
  size_t n_dirty;
  size_t n_live; /* reporting groups in the published live set */
  /* Pass counter, for tests that wait for the worker. */
  unsigned long passes;

  /* The published live set (live_set.h, under its own board lock), and
   * one read pass at a time: read_lock guards carry and host below, and
   * the value buffers of the live groups the pass reads. Taken before the
   * board lock. */
  vr_live_board live;
  vr_mutex read_lock;
  /* Each counter series' carried total across resets (counter_carry.h):
   * the read pass's alone, under read_lock. */
  vr_carry_table *carry;
  /* ReportHost: the host and vms sums (host_context.h), NULL when off;
   * the read pass's alone, under read_lock. */
  vr_host_context *host;

  /* Worker-only state. */
  pthread_t worker;
  bool worker_started;
  vr_libvirt *libvirt;
  vr_resctrl_ref *resctrl; /* NULL while resctrl is unusable */
  vr_resctrl_fd_budget budget;
  vr_domain_list domains;
  bool have_domains; /* one full list seen: safe to prune our groups */
  /* The last pass could not create a group for want of an RMID (ENOSPC,
   * or EBUSY while freed ones sit in limbo): the worker retries after
   * rmid_backoff_s (1, 2, 4 ... s, at most RefreshInterval). */
  bool rmid_retry_wanted;
  unsigned rmid_backoff_s;
  /* The domains whose mkdir failed with ENOSPC in the last pass that saw
   * them, for the fairness rules of the next plan (plan/rmid_share.h): a
   * full pass replaces the list, an event pass its own domains' entries. */
  char (*starved)[VR_UUID_STRING_LEN + 1];
  size_t n_starved;
  /* Monitoring domains that appeared this pass (engine_mon_domains.c). */
  struct {
    vr_mon_resource resource;
    unsigned id;
  } back[VR_MAX_BACK_DOMAINS];
  size_t n_back;
  /* What resctrl offers that the metric table does not know, as last
   * said: said again only when it changes. */
  char unknown_said[512];
  /* Domains whose names clash (engine_names.c), as last said: said again
   * only when the set changes. */
  char clash_said[512];
  /* Threads the last pass did not move because they failed the identity
   * check (vr_vcpu_thread_verify): their line is said once, not at every
   * resync while the refusal lasts. */
  pid_t *not_moving;
  size_t n_not_moving;
  /* The threads this run wrote into which of its groups (written_tids.h):
   * such a thread that no group claims any more goes back to the parent
   * CTRL_MON group, an inherited one stays. Pruned every pass to what our
   * groups list; cleared with the handle. */
  vr_written_set written;
  /* The per-thread view (engine_threads.c): whether the last pass read
   * resctrl's state through it, whether the kernel lacks it, which view
   * was last said (0 none yet, 1 full scan, 2 per-thread), and our
   * threads to look at every VR_THREAD_CHECK_S between passes. */
  bool thread_view_used;
  bool thread_view_missing;
  int state_view;
  vr_thread_watch watch;
  c_complain_t resctrl_complaint;
  c_complain_t lock_complaint; /* resctrl's flock held by another process */
  c_complain_t libvirt_complaint;
  /* the problems raised and not yet cleared (plan/problems.h) */
  vr_problem_table problems;

  /* ABMC (engine_abmc.c): the worker sets each domain's coverage, the
   * read pass dispatches it; abmc_lock guards abmc and n_abmc, held to
   * copy them only. The worker writes them under it and, their only
   * writer, reads them without it. n_abmc 0: no ABMC (or nothing wanted). */
  vr_mutex abmc_lock;
  vr_abmc_domain abmc[VR_MAX_ABMC_DOMAINS];
  size_t n_abmc;
  c_complain_t abmc_complaint;
};

/* What one resync pass works on, step by step. */
typedef struct {
  vr_desired_set desired;
  vr_resctrl_state state;
  vr_plan plan;
  /* Per desired group, filled while executing: create failed
   * (ENOSPC/EBUSY) or assign failed, so the group is not live this pass. */
  vr_health *failure;
  /* Per desired group: the plan made its directory this pass. */
  bool *created;
  /* Per desired group: deferred or yielded for another domain's first
   * group (plan/rmid_share.h); such a group's failure says why. */
  vr_rmid_wait *waits;
  /* libvirt's own monitor groups of the running domains (read-only). */
  vr_lv_monitor_set libvirt;
  /* An event pass ("Data flow"): the domains it is about, by uuid, and
   * shallow copies of those still running; scope is NULL in a full pass.
   * Only their groups are planned, reported and rebuilt; every other live
   * group and health entry is carried over untouched, so that one
   * domain's event costs the same at 50 domains as at 500. */
  char (*scope)[VR_UUID_STRING_LEN + 1];
  size_t n_scope;
  vr_domain_list scope_domains;
} vr_pass;

#endif /* VR_ENGINE_PRIVATE_H */
