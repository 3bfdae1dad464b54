/**
 * The engine's state, shared by engine.c (threads, reads) and engine_sync.c
 * (one resync pass). Nothing outside the engine includes this.
 */
#ifndef VR_ENGINE_PRIVATE_H
#define VR_ENGINE_PRIVATE_H

#include "dispatch.h"
#include "domain_filter.h"
#include "engine.h"
#include "group_health.h"
#include "live_group.h"
#include "resctrl.h"
#include "resctrl_values.h"
#include "series.h"
#include "vr_libvirt.h"
#include "vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <pthread.h>
#include <stdbool.h>

/* Notification state of each (domain, group) seen in the last pass, and of
 * each domain's metadata as a whole (group "(metadata)"). */
typedef struct {
  char uuid[VR_UUID_STRING_LEN + 1];
  char *domain;
  char group[VR_GROUP_NAME_MAX + 32];
  vr_health state;
  bool seen;
} vr_health_entry;

typedef struct {
  vr_health_entry *entries;
  size_t n;
} vr_health_table;

void vr_health_table_clear(vr_health_table *t);

/* More dirty domains than this between two passes: a full resync is
 * cheaper than one lookup each. */
#define VR_MAX_DIRTY 64

struct vr_engine {
  const vr_config *cfg;
  vr_series_config series_config;
  vr_domain_filter_t filter;

  /* lock guards everything down to `live`; the worker sleeps on wake. */
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stopping;
  bool full_resync;
  char dirty[VR_MAX_DIRTY][VR_UUID_STRING_LEN + 1];
  size_t n_dirty;
  vr_live_group *live;
  size_t n_live;
  /* Pass counter, for tests that wait for the worker. */
  unsigned long passes;

  /* Worker-only state. */
  pthread_t worker;
  bool worker_started;
  vr_libvirt_t *libvirt;
  vr_resctrl *resctrl;
  vr_resctrl_fd_budget budget;
  vr_domain_list_t domains;
  bool have_domains; /* one full list seen: safe to prune our groups */
  c_complain_t resctrl_complaint;
  c_complain_t libvirt_complaint;
  vr_health_table health;
};

/** One pass: refresh domains (all, or the dirty ones), reconcile, swap in
 * the new live groups. Runs on the worker thread. */
void vr_engine_sync(vr_engine *e, bool full,
                    char dirty[][VR_UUID_STRING_LEN + 1], size_t n_dirty);

/** Opens resctrl at ResctrlPath unless the engine holds it already; logs
 * what to do when it cannot (once, via c_complain) and returns false. */
bool vr_engine_ensure_resctrl(vr_engine *e);

/** Removes every group of ours under the root (shutdown). */
void vr_engine_remove_all(vr_engine *e);

#endif /* VR_ENGINE_PRIVATE_H */
