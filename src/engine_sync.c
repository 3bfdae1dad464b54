/**
 * One resync pass of the engine's worker: refresh the domains, turn their
 * metadata into desired groups, let reconcile decide, carry the plan out in
 * resctrl under the root's flock, and swap in the new set of live groups.
 */
#include "engine_private.h"

#include "reconcile.h"
#include "vcpu_threads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The desired groups of one pass and what they point into. */
typedef struct {
  vr_desired_group *groups;
  size_t n;
  vr_vcpu_thread *threads; /* one block, sliced per group */
  vr_group_list *lists;    /* per domain, owns names and members */
  size_t n_lists;
  /* Filled while executing: create failed (ENOSPC/EBUSY) or assign
   * failed, so the group is not live this pass. */
  vr_health *failure;
  /* Filled while executing: the plan made the group's directory this pass
   * (see make_live). */
  bool *created;
} desired_set;

static void desired_set_clear(desired_set *d) {
  for (size_t i = 0; i < d->n_lists; i++)
    vr_group_list_clear(&d->lists[i]);
  free(d->lists);
  free(d->groups);
  free(d->threads);
  free(d->failure);
  free(d->created);
  memset(d, 0, sizeof(*d));
}

/* ---- notifications ---------------------------------------------------- */

static vr_health_entry *health_entry(vr_engine *e, const char *uuid,
                                     const char *domain, const char *group) {
  for (size_t i = 0; i < e->health.n; i++) {
    vr_health_entry *h = &e->health.entries[i];
    if (strcmp(h->uuid, uuid) == 0 && strcmp(h->group, group) == 0)
      return h;
  }
  vr_health_entry *grown =
      realloc(e->health.entries, (e->health.n + 1) * sizeof(*grown));
  if (!grown)
    return NULL;
  e->health.entries = grown;
  vr_health_entry *h = &grown[e->health.n];
  memset(h, 0, sizeof(*h));
  h->domain = strdup(domain);
  if (!h->domain)
    return NULL;
  e->health.n++;
  sstrncpy(h->uuid, uuid, sizeof(h->uuid));
  sstrncpy(h->group, group, sizeof(h->group));
  h->state.kind = VR_HEALTH_UNKNOWN;
  return h;
}

/* One log line and one collectd notification per change of state. */
static void send_notice(const vr_health_entry *h, const vr_notice *notice) {
  if (notice->severity == VR_NOTICE_NONE)
    return;
  notification_t n = {
      .severity =
          notice->severity == VR_NOTICE_WARNING ? NOTIF_WARNING : NOTIF_OKAY,
      .time = cdtime(),
      .plugin = VR_SERIES_PLUGIN,
  };
  sstrncpy(n.host, hostname_g, sizeof(n.host));
  ssnprintf(n.plugin_instance, sizeof(n.plugin_instance), "%s:%s", h->domain,
            h->group);
  sstrncpy(n.message, notice->message, sizeof(n.message));
  if (notice->severity == VR_NOTICE_WARNING)
    VR_WARNING("%s", notice->message);
  else
    VR_INFO("%s", notice->message);
  plugin_dispatch_notification(&n);
}

static void report(vr_engine *e, const char *uuid, const char *domain,
                   const char *group, const vr_health *next) {
  vr_health_entry *h = health_entry(e, uuid, domain, group);
  if (!h)
    return;
  vr_notice notice;
  vr_health_update(&h->state, next, domain, group, &notice);
  h->seen = true;
  send_notice(h, &notice);
}

/* Entries not seen this pass belong to stopped domains or dropped groups:
 * clear their warnings, then forget them. */
static void health_sweep(vr_engine *e) {
  size_t kept = 0;
  for (size_t i = 0; i < e->health.n; i++) {
    vr_health_entry *h = &e->health.entries[i];
    if (!h->seen) {
      vr_health gone;
      vr_notice notice;
      vr_health_set(&gone, VR_HEALTH_GONE, "gone");
      vr_health_update(&h->state, &gone, h->domain, h->group, &notice);
      send_notice(h, &notice);
      free(h->domain);
      continue;
    }
    h->seen = false;
    e->health.entries[kept++] = *h;
  }
  e->health.n = kept;
}

void vr_health_table_clear(vr_health_table *t) {
  for (size_t i = 0; i < t->n; i++)
    free(t->entries[i].domain);
  free(t->entries);
  memset(t, 0, sizeof(*t));
}

/* ---- domains ---------------------------------------------------------- */

static void remove_domain(vr_domain_list_t *list, size_t i) {
  vr_domain_clear(&list->domains[i]);
  list->domains[i] = list->domains[--list->count];
}

/* Replaces (or adds, or drops) one domain after an event. */
static void refresh_domain(vr_engine *e, const char *uuid) {
  char reason[512] = "";
  vr_domain_t fresh;
  memset(&fresh, 0, sizeof(fresh));
  int status = vr_libvirt_get(e->libvirt, &e->filter, uuid, &fresh, reason,
                              sizeof(reason));
  size_t at = e->domains.count;
  for (size_t i = 0; i < e->domains.count; i++)
    if (strcmp(e->domains.domains[i].uuid, uuid) == 0)
      at = i;
  if (status == -ENOENT || status == -ESRCH) {
    if (at < e->domains.count)
      remove_domain(&e->domains, at);
    vr_domain_clear(&fresh);
    return;
  }
  if (status < 0)
    return; /* disconnected: keep what we knew, groups keep reporting */
  if (at < e->domains.count) {
    vr_domain_clear(&e->domains.domains[at]);
    e->domains.domains[at] = fresh;
    return;
  }
  vr_domain_t *grown =
      realloc(e->domains.domains, (e->domains.count + 1) * sizeof(*grown));
  if (!grown) {
    vr_domain_clear(&fresh);
    return;
  }
  e->domains.domains = grown;
  e->domains.domains[e->domains.count++] = fresh;
}

static void refresh_domains(vr_engine *e, bool full,
                            char dirty[][VR_UUID_STRING_LEN + 1],
                            size_t n_dirty) {
  char reason[512] = "";
  if (full || !e->have_domains) {
    vr_domain_list_t fresh = {0};
    int status =
        vr_libvirt_list(e->libvirt, &e->filter, &fresh, reason, sizeof(reason));
    if (status < 0) {
      VR_COMPLAIN(LOG_WARNING, &e->libvirt_complaint,
                  "cannot list domains (%s); groups already made keep "
                  "reporting, retrying",
                  reason);
      return;
    }
    VR_RELEASE(LOG_INFO, &e->libvirt_complaint, "libvirt answers again");
    vr_domain_list_clear(&e->domains);
    e->domains = fresh;
    e->have_domains = true;
    return;
  }
  for (size_t i = 0; i < n_dirty; i++)
    refresh_domain(e, dirty[i]);
}

/* ---- desired groups --------------------------------------------------- */

static int build_desired(vr_engine *e, desired_set *d) {
  size_t n_domains = e->domains.count;
  memset(d, 0, sizeof(*d));
  d->lists = calloc(n_domains ? n_domains : 1, sizeof(*d->lists));
  if (!d->lists)
    return -ENOMEM;
  size_t total_groups = 0, total_threads = 0;
  for (size_t i = 0; i < n_domains; i++) {
    const vr_domain_t *dom = &e->domains.domains[i];
    unsigned max_vcpus = dom->max_vcpus > 0 ? (unsigned)dom->max_vcpus : 0;
    int status = dom->metadata ? vr_group_spec_parse(dom->metadata, max_vcpus,
                                                     &d->lists[i])
                               : vr_group_spec_default(e->cfg->default_group,
                                                       max_vcpus, &d->lists[i]);
    d->n_lists = i + 1;
    if (status < 0)
      return status;
    total_groups += d->lists[i].n_groups;
    total_threads += max_vcpus;
  }
  d->groups = calloc(total_groups + 1, sizeof(*d->groups));
  d->failure = calloc(total_groups + 1, sizeof(*d->failure));
  d->created = calloc(total_groups + 1, sizeof(*d->created));
  d->threads = calloc(total_threads + 1, sizeof(*d->threads));
  if (!d->groups || !d->failure || !d->created || !d->threads)
    return -ENOMEM;

  size_t next_thread = 0;
  for (size_t i = 0; i < n_domains; i++) {
    const vr_domain_t *dom = &e->domains.domains[i];
    const vr_group_list *list = &d->lists[i];
    /* A rejection is reported under its group's label; the document as a
     * whole under "(metadata)". Clearing happens by not being seen. */
    for (size_t r = 0; r < list->n_rejections; r++) {
      vr_health bad;
      vr_health_set(&bad, VR_HEALTH_INVALID, "%s", list->rejections[r].reason);
      report(e, dom->uuid, dom->name, list->rejections[r].group, &bad);
    }
    for (size_t g = 0; g < list->n_groups; g++) {
      const vr_group_spec *spec = &list->groups[g];
      vr_desired_group *want = &d->groups[d->n];
      want->uuid = dom->uuid;
      want->domain = dom->name;
      want->group = spec->name;
      want->members = spec->members;
      want->threads = &d->threads[next_thread];
      for (int v = vr_cpuset_next(&spec->vcpus, 0); v >= 0;
           v = vr_cpuset_next(&spec->vcpus, (unsigned)v + 1)) {
        /* Offline vCPUs have no thread yet: picked up at a later resync
         * once online (libvirt 9.0 raises no event for vCPU hot-plug). */
        if (v < dom->max_vcpus && dom->vcpu_tids[v] > 0) {
          d->threads[next_thread].vcpu = (unsigned)v;
          d->threads[next_thread].tid = dom->vcpu_tids[v];
          next_thread++;
          want->n_threads++;
        }
      }
      d->n++;
    }
  }
  return 0;
}

/* ---- carrying the plan out -------------------------------------------- */

static void execute_plan(vr_engine *e, const vr_plan *plan, desired_set *d) {
  const char *prefix = e->cfg->group_prefix;
  char reason[512];
  for (size_t i = 0; i < plan->n_actions; i++) {
    const vr_action *a = &plan->actions[i];
    vr_health *failure =
        a->desired != VR_NO_DESIRED ? &d->failure[a->desired] : NULL;
    if (failure && a->kind == VR_ACTION_CREATE)
      d->created[a->desired] = true;
    if (failure && failure->kind != VR_HEALTH_UNKNOWN)
      continue; /* its create failed: skip its assigns */
    int status = 0;
    reason[0] = '\0';
    if (a->kind == VR_ACTION_REMOVE) {
      status = vr_resctrl_group_remove(e->resctrl, prefix, a->ctrl, a->name,
                                       reason, sizeof(reason));
      if (status < 0)
        VR_WARNING("cannot remove resctrl group %s: %s", a->name, reason);
    } else if (a->kind == VR_ACTION_CREATE) {
      status = vr_resctrl_group_create(e->resctrl, prefix, a->ctrl, a->name,
                                       reason, sizeof(reason));
      if (status < 0 && status != -EEXIST)
        vr_health_from_create_error(status, reason, failure);
    } else if (a->desired != VR_NO_DESIRED &&
               vr_vcpu_thread_verify(e->cfg->libvirt_run_path,
                                     e->cfg->proc_path,
                                     d->groups[a->desired].domain, a->tid,
                                     a->vcpu, reason, sizeof(reason)) < 0) {
      /* A stale snapshot (libvirt away): never move a task that is not
       * this vCPU's thread any more; the next look-up finds the new one. */
      VR_INFO("domain %s group %s: not moving thread %d of vCPU %u: %s",
              d->groups[a->desired].domain, d->groups[a->desired].group,
              (int)a->tid, a->vcpu, reason);
    } else {
      vr_resctrl_tasks_result result;
      status = vr_resctrl_group_add_tasks(e->resctrl, prefix, a->ctrl, a->name,
                                          &a->tid, 1, &result, reason,
                                          sizeof(reason));
      if (status < 0 && failure)
        vr_health_set(failure, VR_HEALTH_CONFLICT,
                      "cannot move the thread of vCPU %u (tid %d) into its "
                      "group: %s",
                      a->vcpu, (int)a->tid, reason);
    }
  }
}

/* ---- live groups ------------------------------------------------------ */

/* Makes a live group for a desired group that now exists in resctrl:
 * reuses the one of the last pass when it is the same directory, so its
 * fds and value lists survive. A directory this pass created is a new one
 * even under an old name (removed behind our back, or removed and made
 * again for a stray thread): the old fds point into the removed directory
 * and would fail every read, so they are not reused. */
static int make_live(vr_engine *e, const vr_desired_group *want,
                     const vr_group_outcome *outcome, bool created,
                     const vr_live_group *old, size_t n_old, bool *reused,
                     vr_live_group *out) {
  for (size_t i = 0; i < n_old && !created; i++) {
    if (!reused[i] && strcmp(old[i].name, outcome->name) == 0 &&
        strcmp(old[i].ctrl, outcome->ctrl) == 0) {
      /* The read callback may still be reading old[i]: share, don't move. */
      *out = old[i];
      reused[i] = true;
      return 0;
    }
  }
  char reason[512] = "", notes[512] = "";
  vr_dispatch_input ids = {
      .domain = want->domain,
      .uuid = want->uuid,
      .group = want->group,
      .members = want->members,
      .resctrl = e->resctrl,
      .config = &e->series_config,
  };
  int status =
      vr_live_group_open(&e->budget, &ids, outcome->ctrl, outcome->name, out,
                         notes, sizeof(notes), reason, sizeof(reason));
  if (status < 0) {
    VR_WARNING("domain %s group %s: cannot read its values: %s", want->domain,
               want->group, reason);
    return status;
  }
  if (notes[0])
    VR_NOTICE("domain %s group %s: %s", want->domain, want->group, notes);
  return 0;
}

/* Makes fresh the read callback's live set, then releases the old groups
 * it no longer sees (those not marked in reused, which fresh shares). Only
 * the worker writes e->live, so it may read it without the lock. */
static void publish_live(vr_engine *e, vr_live_group *fresh, size_t n_fresh,
                         const bool *reused) {
  pthread_mutex_lock(&e->lock);
  vr_live_group *old = e->live;
  size_t n_old = e->n_live;
  e->live = fresh;
  e->n_live = n_fresh;
  pthread_mutex_unlock(&e->lock);
  for (size_t i = 0; i < n_old; i++)
    if (!reused || !reused[i])
      vr_live_group_release(&old[i]);
  free(old);
}

/* Builds the new live set beside the old one, which the read callback keeps
 * reading meanwhile (a resync must not leave an interval without values),
 * and swaps it in. */
static void swap_live(vr_engine *e, const desired_set *d, const vr_plan *plan) {
  const vr_live_group *old = e->live;
  size_t n_old = e->n_live;
  vr_live_group *fresh = calloc(d->n + 1, sizeof(*fresh));
  bool *reused = calloc(n_old + 1, sizeof(*reused));
  size_t n_fresh = 0;
  if (!fresh || !reused) {
    free(fresh);
    free(reused);
    return;
  }
  for (size_t i = 0; i < d->n; i++) {
    if (plan->outcomes[i].kind != VR_OUTCOME_OK ||
        d->failure[i].kind != VR_HEALTH_UNKNOWN)
      continue;
    if (make_live(e, &d->groups[i], &plan->outcomes[i], d->created[i], old,
                  n_old, reused, &fresh[n_fresh]) == 0)
      n_fresh++;
  }
  publish_live(e, fresh, n_fresh, reused);
  free(reused);
}

/* Drops every live group and the resctrl handle: the mount went away. */
static void forget_resctrl(vr_engine *e) {
  publish_live(e, NULL, 0, NULL);
  vr_resctrl_close(e->resctrl);
  e->resctrl = NULL;
}

bool vr_engine_ensure_resctrl(vr_engine *e) {
  if (e->resctrl)
    return true;
  char reason[1024] = "";
  int status = vr_resctrl_open(e->cfg->resctrl_path, e->cfg->sysfs_path,
                               &e->resctrl, reason, sizeof(reason));
  if (status < 0) {
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "%s; checking again every %u s", reason,
                e->cfg->refresh_interval_s);
    return false;
  }
  VR_RELEASE(LOG_INFO, &e->resctrl_complaint, "resctrl at %s is usable",
             e->cfg->resctrl_path);
  VR_INFO("resctrl at %s: %zu L3 cache id(s), features 0x%x, %s",
          e->cfg->resctrl_path, e->resctrl->n_caches, e->resctrl->features,
          e->resctrl->alloc_capable ? "with allocation" : "monitoring only");
  return true;
}

static void report_outcomes(vr_engine *e, const desired_set *d,
                            const vr_plan *plan) {
  for (size_t i = 0; i < d->n; i++) {
    const vr_desired_group *want = &d->groups[i];
    vr_health next;
    if (d->failure[i].kind != VR_HEALTH_UNKNOWN)
      next = d->failure[i];
    else
      vr_health_from_outcome(&plan->outcomes[i], &next);
    report(e, want->uuid, want->domain, want->group, &next);
  }
}

void vr_engine_sync(vr_engine *e, bool full,
                    char dirty[][VR_UUID_STRING_LEN + 1], size_t n_dirty) {
  desired_set d;
  vr_plan plan = {0};
  vr_resctrl_state state = {0};
  char reason[1024] = "";
  int lock_fd = -1;

  refresh_domains(e, full, dirty, n_dirty);
  if (!vr_engine_ensure_resctrl(e))
    return;
  /* Until libvirt has answered once, we cannot tell our groups of running
   * domains from stale ones: prune nothing. */
  if (!e->have_domains)
    return;
  if (build_desired(e, &d) < 0) {
    VR_ERROR("out of memory building the desired groups");
    goto out;
  }
  if (vr_resctrl_lock(e->resctrl, true, &lock_fd) < 0 ||
      vr_resctrl_state_read(e->resctrl, &state, reason, sizeof(reason)) < 0) {
    VR_COMPLAIN(LOG_WARNING, &e->resctrl_complaint,
                "resctrl at %s went away (%s); checking again every %u s",
                e->cfg->resctrl_path, reason, e->cfg->refresh_interval_s);
    vr_resctrl_unlock(lock_fd);
    lock_fd = -1;
    forget_resctrl(e);
    goto out;
  }
  if (vr_reconcile(d.groups, d.n, &state, e->cfg->group_prefix, &plan) < 0) {
    VR_ERROR("out of memory reconciling");
    goto out;
  }
  execute_plan(e, &plan, &d);
  vr_resctrl_unlock(lock_fd);
  lock_fd = -1;
  report_outcomes(e, &d, &plan);
  swap_live(e, &d, &plan);
  health_sweep(e);

out:
  vr_resctrl_unlock(lock_fd);
  vr_resctrl_state_free(&state);
  vr_plan_clear(&plan);
  desired_set_clear(&d);
}

void vr_engine_remove_all(vr_engine *e) {
  char reason[1024] = "";
  int lock_fd = -1;
  size_t removed = 0;
  /* A pass whose lock or state read failed dropped the handle; the groups
   * it left still hold RMIDs, which nobody frees once we are gone. So
   * reopen whenever the mount is reachable. */
  if (!e->resctrl && vr_resctrl_open(e->cfg->resctrl_path, e->cfg->sysfs_path,
                                     &e->resctrl, reason, sizeof(reason)) < 0)
    return;
  /* Removing only our own groups cannot confuse libvirt or pqos, so a
   * failing lock does not keep them. */
  int status = vr_resctrl_lock(e->resctrl, true, &lock_fd);
  if (status < 0)
    VR_WARNING("cannot lock %s (%s); removing our groups without the lock",
               e->cfg->resctrl_path, strerror(-status));
  status = vr_resctrl_remove_owned(e->resctrl, e->cfg->group_prefix, &removed,
                                   reason, sizeof(reason));
  if (status < 0)
    VR_WARNING("cannot remove every resctrl group of ours: %s", reason);
  VR_INFO("removed %zu resctrl group(s) at shutdown", removed);
  vr_resctrl_unlock(lock_fd);
}
