/* SPDX-License-Identifier: MIT */
/**
 * The engine's threads and its read pass; see engine.h. One resync pass is
 * in engine_sync.c.
 */
#include "engine/engine_abmc.h"
#include "engine/engine_health.h"
#include "engine/engine_private.h"
#include "engine/engine_sync.h"
#include "engine/engine_threads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* e->lock held: uuid joins the dirty list, or the next pass is a full one
 * when the list is full. */
static void note_dirty(vr_engine *e, const char *uuid) {
  vr_mutex_assert_held(&e->lock);
  for (size_t i = 0; i < e->n_dirty; i++)
    if (strcmp(e->dirty[i], uuid) == 0)
      return;
  if (e->n_dirty < VR_MAX_DIRTY)
    sstrncpy(e->dirty[e->n_dirty++], uuid, sizeof(e->dirty[0]));
  else
    e->full_resync = true;
}

/* e->lock held: the next pass is a full one, which asks libvirt about
 * every domain again when refetch. */
static void want_full_resync(vr_engine *e, bool refetch) {
  vr_mutex_assert_held(&e->lock);
  e->full_resync = true;
  e->refetch_all |= refetch;
}

/* Runs on a libvirt event-loop thread: only note the domain and wake the
 * worker; the lookup happens there. */
static void on_dirty(void *opaque, const char *uuid, const char *name,
                     vr_dirty_reason why) {
  vr_engine *e = opaque;
  (void)name;
  (void)why;
  vr_mutex_lock(&e->lock);
  note_dirty(e, uuid);
  pthread_cond_signal(&e->wake);
  vr_mutex_unlock(&e->lock);
}

/* After a (re)connect: events of the time away are lost, so the next pass
 * asks libvirt about every domain. */
static void on_resync(void *opaque) {
  vr_engine *e = opaque;
  vr_mutex_lock(&e->lock);
  want_full_resync(e, true);
  pthread_cond_signal(&e->wake);
  vr_mutex_unlock(&e->lock);
}

void vr_engine_request_resync(vr_engine *e) {
  vr_mutex_lock(&e->lock);
  want_full_resync(e, false);
  pthread_cond_signal(&e->wake);
  vr_mutex_unlock(&e->lock);
}

static void deadline_after(struct timespec *ts, unsigned seconds) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += seconds;
}

static bool deadline_passed(const struct timespec *ts) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > ts->tv_sec ||
         (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

/* The earlier of two deadlines. */
static const struct timespec *earliest(const struct timespec *a,
                                       const struct timespec *b) {
  if (a->tv_sec != b->tv_sec)
    return a->tv_sec < b->tv_sec ? a : b;
  return a->tv_nsec <= b->tv_nsec ? a : b;
}

/* After a pass: arms the RMID retry with the next backoff (1, 2, 4 ... s,
 * at most RefreshInterval) when the pass wanted one, else disarms it. */
static bool arm_rmid_retry(vr_engine *e, struct timespec *next_retry) {
  if (!e->rmid_retry_wanted) {
    e->rmid_backoff_s = 0;
    return false;
  }
  unsigned cap = e->cfg->refresh_interval_s;
  e->rmid_backoff_s = e->rmid_backoff_s ? e->rmid_backoff_s * 2 : 1;
  if (e->rmid_backoff_s > cap)
    e->rmid_backoff_s = cap;
  deadline_after(next_retry, e->rmid_backoff_s);
  return true;
}

/* The worker's next wake-up: the RefreshInterval, and the RMID retry and
 * the look at our threads when armed. */
static const struct timespec *
next_wake(const struct timespec *refresh, const struct timespec *retry,
          bool retry_armed, const struct timespec *check, bool check_armed) {
  const struct timespec *t = refresh;
  if (retry_armed)
    t = earliest(t, retry);
  if (check_armed)
    t = earliest(t, check);
  return t;
}

/* What one pass is about, taken from the fields e->lock guards. */
typedef struct {
  bool full, refetch;
  char dirty[VR_MAX_DIRTY][VR_UUID_STRING_LEN + 1];
  size_t n_dirty;
} pass_request;

/* e->lock held: takes the dirty list and the flags for the pass about to
 * run (full: a deadline of the worker's own is due), leaving them clear
 * for the events that come meanwhile. */
static void take_work(vr_engine *e, bool full, pass_request *w) {
  vr_mutex_assert_held(&e->lock);
  w->full = full || e->full_resync;
  w->refetch = e->refetch_all;
  w->n_dirty = e->n_dirty;
  memcpy(w->dirty, e->dirty, e->n_dirty * sizeof(w->dirty[0]));
  e->n_dirty = 0;
  e->full_resync = false;
  e->refetch_all = false;
  e->reap_due = false;
}

/* Sleeps until an event, a request, the next RefreshInterval, or a read
 * pass that left a retired live set to free; then runs one pass (or only
 * the reaping) with the lock released. Between passes, where the kernel's
 * per-thread view exists, it looks at our threads every VR_THREAD_CHECK_S
 * (engine_threads.c) and runs a pass when one was moved. */
static void *worker_main(void *arg) {
  vr_engine *e = arg;
  struct timespec next_refresh, next_retry, next_check;
  bool retry_armed = false;
  deadline_after(&next_refresh, 0);
  deadline_after(&next_check, VR_THREAD_CHECK_S);
  vr_mutex_lock(&e->lock);
  for (;;) {
    /* Each way round the loop lets the lock go and takes it back. */
    vr_mutex_assert_held(&e->lock);
    if (e->stopping)
      break;
    bool refresh_due = deadline_passed(&next_refresh);
    bool retry_due = retry_armed && deadline_passed(&next_retry);
    /* e->watch is the worker's own: read without a second thought. */
    bool check_armed = e->watch.n > 0;
    if (!refresh_due && !retry_due && !e->full_resync && e->n_dirty == 0) {
      if (e->reap_due) {
        e->reap_due = false;
        vr_mutex_unlock(&e->lock);
        vr_live_reap(&e->live);
        vr_mutex_lock(&e->lock);
        continue;
      }
      if (check_armed && deadline_passed(&next_check)) {
        vr_mutex_unlock(&e->lock);
        bool moved = vr_engine_threads_moved(e);
        deadline_after(&next_check, VR_THREAD_CHECK_S);
        vr_mutex_lock(&e->lock);
        if (moved)
          want_full_resync(e, false);
        continue;
      }
      vr_mutex_cond_wait(&e->wake, &e->lock,
                         next_wake(&next_refresh, &next_retry, retry_armed,
                                   &next_check, check_armed));
      continue;
    }
    pass_request w;
    take_work(e, refresh_due || retry_due, &w);
    if (w.full)
      deadline_after(&next_refresh, e->cfg->refresh_interval_s);
    vr_mutex_unlock(&e->lock);

    vr_live_reap(&e->live);
    vr_engine_sync(e, w.full, w.refetch, w.dirty, w.n_dirty);
    /* An event pass sees only its own domains' failures (engine_sync.c):
     * it may arm a retry, never disarm or lengthen one a full pass armed. */
    if (w.full || !retry_armed)
      retry_armed = arm_rmid_retry(e, &next_retry);
    deadline_after(&next_check, VR_THREAD_CHECK_S);

    vr_mutex_lock(&e->lock);
    e->passes++;
    pthread_cond_broadcast(&e->wake);
  }
  vr_mutex_unlock(&e->lock);
  return NULL;
}

static int build_filter(vr_engine *e, char *reason, size_t reason_len) {
  for (size_t i = 0; i < e->cfg->n_domains; i++) {
    char why[320];
    int status =
        vr_domain_filter_add(&e->filter, e->cfg->domains[i], why, sizeof(why));
    if (status < 0) {
      ssnprintf(reason, reason_len, "Domain: %s", why);
      return status;
    }
  }
  vr_domain_filter_set_ignore_selected(&e->filter, e->cfg->ignore_selected);
  return 0;
}

int vr_engine_start(const vr_config *cfg, vr_engine **out, char *reason,
                    size_t reason_len) {
  int status;
  *out = NULL;
  vr_engine *e = calloc(1, sizeof(*e));
  if (!e) {
    ssnprintf(reason, reason_len, "out of memory");
    return -ENOMEM;
  }
  e->cfg = cfg;
  e->filter = (vr_domain_filter)VR_DOMAIN_FILTER_INIT;
  e->series_config = (vr_series_config){
      .instance_format = cfg->instance_format,
      .host_format = cfg->hostname_format,
      /* set by now: collectd reads Hostname before any plugin's init */
      .hostname = hostname_g,
      .report_bytes = cfg->report_bytes,
      .report_percent = cfg->report_percent,
      .report_bandwidth = cfg->report_bandwidth,
      .report_sub_numa = cfg->report_sub_numa,
      .report_energy = cfg->report_energy,
  };
  C_COMPLAIN_INIT(&e->resctrl_complaint);
  C_COMPLAIN_INIT(&e->lock_complaint);
  C_COMPLAIN_INIT(&e->libvirt_complaint);
  C_COMPLAIN_INIT(&e->abmc_complaint);
  vr_mutex_init(&e->abmc_lock, "e->abmc_lock");
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  vr_mutex_init(&e->lock, "e->lock");
  pthread_cond_init(&e->wake, &attr);
  pthread_condattr_destroy(&attr);
  vr_mutex_init(&e->read_lock, "e->read_lock");
  vr_live_board_init(&e->live);
  e->carry = vr_carry_table_new();
  if (cfg->report_host)
    e->host = vr_host_context_new(&e->series_config);
  if (!e->carry || (cfg->report_host && !e->host)) {
    ssnprintf(reason, reason_len, "out of memory");
    status = -ENOMEM;
    goto fail;
  }

  /* 256 groups x 2 caches x 3 features is 1,536 fds, above the 1,024 soft
   * limit collectd often runs with. */
  rlim_t soft = 0;
  int nofile = vr_resctrl_raise_nofile(RLIM_INFINITY, &soft);
  if (nofile < 0)
    VR_WARNING("raising the open-file limit failed: %s; keeping %llu",
               strerror(-nofile), (unsigned long long)soft);
  else
    VR_INFO("open-file limit is %llu; value files beyond the budget are "
            "read with open-read-close",
            (unsigned long long)soft);
  vr_resctrl_fd_budget_init(&e->budget, soft);

  status = build_filter(e, reason, reason_len);
  if (status < 0)
    goto fail;
  /* `collectd -T` runs init, one read and shutdown: the worker may never
   * reach its first pass, and the operator would not see how to mount
   * resctrl. The check is a few opens, so it runs here, before libvirt's
   * first connection; the worker keeps retrying every RefreshInterval. */
  vr_engine_ensure_resctrl(e);
  vr_engine_release_files(e);
  bool uses_metadata = vr_name_format_uses_metadata(&cfg->hostname_format) ||
                       vr_name_format_uses_metadata(&cfg->instance_format);
  vr_libvirt_config lv_config = {
      .uri = cfg->connection,
      .metadata_uri = cfg->metadata_uri,
      /* read only where a format names it: one RPC less per domain */
      .name_ns = uses_metadata ? cfg->name_metadata_ns : NULL,
      .name_xpath = cfg->name_metadata_xpath,
      .run_path = cfg->libvirt_run_path,
      .proc_path = cfg->proc_path,
      .on_dirty = on_dirty,
      .on_resync = on_resync,
      .opaque = e,
  };
  status = vr_libvirt_start(&lv_config, &e->libvirt, reason, reason_len);
  if (status < 0)
    goto fail;
  /* collectd's helper carries the plugin context over, so c_complain and
   * plugin_get_interval work on the worker as on collectd's threads. */
  status = plugin_thread_create(&e->worker, worker_main, e, "virt_resctrl");
  if (status != 0) {
    ssnprintf(reason, reason_len, "cannot start the worker thread: %s",
              strerror(status));
    status = -status;
    goto fail;
  }
  e->worker_started = true;
  *out = e;
  return 0;

fail:
  vr_engine_stop(e);
  return status;
}

/* read_lock held: reads the pinned set (NULL: none), through the carried
 * totals and into the host sums, which are the read pass's alone. */
static size_t read_set(vr_engine *e, const vr_live_set *set, bool *vanished) {
  vr_mutex_assert_held(&e->read_lock);
  size_t sent =
      set ? vr_live_groups_read(set->groups, set->n, e->carry, vanished) : 0;
  /* The host and vms sums of what this pass read: no system call. */
  if (set && e->host)
    sent += vr_host_context_submit(e->host, set->groups, set->n, set->root->r);
  if (e->carry)
    vr_carry_table_pass_done(e->carry, VR_CARRY_CHECK_EVERY, VR_CARRY_MAX_IDLE);
  return sent;
}

/* e->lock held: a group was removed behind our back or resctrl remounted
 * (vanished: the worker recreates it; the other groups went out all the
 * same), or the set this pass read is retired and now unpinned (dead: the
 * worker frees it, so that its files close without delay). */
static void note_read(vr_engine *e, bool vanished, bool dead) {
  vr_mutex_assert_held(&e->lock);
  e->full_resync |= vanished;
  e->reap_due |= dead;
}

/* Reads the live set that is current when the pass starts, pinned, with
 * no engine lock held: a libvirt event callback or the worker never waits
 * for preads and dispatches. A group the worker drops meanwhile stays open
 * until this pass unpins its set. */
size_t vr_engine_read(vr_engine *e) {
  bool vanished = false;
  vr_mutex_lock(&e->read_lock);
  vr_live_set *set = vr_live_pin(&e->live);
  size_t sent = read_set(e, set, &vanished);
  vr_engine_dispatch_coverage(e);
  bool dead = vr_live_unpin(&e->live, set);
  vr_mutex_unlock(&e->read_lock);
  if (vanished || dead) {
    vr_mutex_lock(&e->lock);
    note_read(e, vanished, dead);
    pthread_cond_signal(&e->wake);
    vr_mutex_unlock(&e->lock);
  }
  return sent;
}

void vr_engine_stop(vr_engine *e) {
  if (!e)
    return;
  if (e->worker_started) {
    vr_mutex_lock(&e->lock);
    e->stopping = true;
    pthread_cond_signal(&e->wake);
    vr_mutex_unlock(&e->lock);
    pthread_join(e->worker, NULL);
  }
  /* No event callback runs after this returns. */
  vr_libvirt_stop(e->libvirt);
  if (e->cfg->remove_groups_on_shutdown)
    vr_engine_remove_all(e);
  /* collectd runs no read callback once shutdown begins: nothing is
   * pinned. */
  vr_live_board_destroy(&e->live);
  vr_carry_table_free(e->carry);
  vr_host_context_free(e->host);
  vr_resctrl_ref_put(e->resctrl);
  vr_domain_list_clear(&e->domains);
  vr_domain_filter_clear(&e->filter);
  vr_problem_table_clear(&e->problems);
  free(e->not_moving);
  free(e->starved);
  vr_thread_watch_clear(&e->watch);
  vr_written_clear(&e->written);
  pthread_cond_destroy(&e->wake);
  vr_mutex_destroy(&e->lock);
  vr_mutex_destroy(&e->read_lock);
  vr_mutex_destroy(&e->abmc_lock);
  free(e);
}
