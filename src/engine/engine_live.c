/* SPDX-License-Identifier: MIT */
/**
 * The last resctrl step of a pass: the readable groups it leaves become the
 * new live set, published for the read pass (live_set.h).
 *
 * Readable groups come from sources: reconcile's outcomes give the owned
 * ones here; a source of read-only groups (libvirt's own monitors, the
 * host total) appends its own to the same list before the set is built.
 */
#include "engine/engine_live.h"
#include "engine/engine_names.h"
#include "engine/engine_scope.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The owned groups of this pass that exist in resctrl with every thread:
 * an OK outcome whose create and assigns did not fail. */
static size_t owned_readable(const vr_pass *pass, vr_readable_group *out) {
  size_t n = 0;
  for (size_t i = 0; i < pass->desired.n; i++) {
    const vr_desired_group *want = &pass->desired.groups[i];
    const vr_group_outcome *outcome = &pass->plan.outcomes[i];
    if (outcome->kind != VR_OUTCOME_OK ||
        pass->failure[i].kind != VR_HEALTH_UNKNOWN)
      continue;
    out[n++] = (vr_readable_group){
        .domain = want->domain,
        .uuid = want->uuid,
        .group = want->group,
        .members = want->members,
        .ctrl = outcome->ctrl,
        .name = outcome->name,
        .source = VR_SOURCE_OWNED,
        .new_dir = pass->created[i],
        .mbm_off = want->mbm == VR_MBM_OFF,
    };
  }
  return n;
}

/* ReportHost: the root group and every other CTRL_MON group the pass's
 * state read found, read-only, for the host total (host_context.h). The
 * root's mon_data already holds its MON groups, ours included, and each
 * CTRL_MON group's its own (mon_event_count): MON groups are not added
 * again. */
static size_t host_readable(const vr_pass *pass, vr_readable_group *out) {
  out[0] = vr_host_member("");
  for (size_t i = 0; i < pass->state.n_ctrl_groups; i++)
    out[i + 1] = vr_host_member(pass->state.ctrl_groups[i]);
  return pass->state.n_ctrl_groups + 1;
}

/* libvirt's own monitor groups (libvirt_monitors.h): read-only, under the
 * name libvirt's domstats gives them (its id, "vcpus_0-1"), or under the
 * name of the metadata group that asked for exactly their vCPUs. */
static size_t libvirt_readable(const vr_pass *pass, vr_readable_group *out,
                               size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t m = 0; m < pass->libvirt.n; m++)
      if (pass->libvirt.items[m].served != VR_NO_DESIRED &&
          strcmp(out[i].ctrl, pass->libvirt.items[m].ctrl) == 0 &&
          strcmp(out[i].name, pass->libvirt.items[m].name) == 0) {
        out[i].source = VR_SOURCE_READ_ONLY;
        out[i].owner = "libvirt";
      }
  for (size_t m = 0; m < pass->libvirt.n; m++) {
    const vr_lv_monitor *mon = &pass->libvirt.items[m];
    /* An event pass carries other domains' live groups over as they are
     * (vr_engine_publish_live): adding them again would report them twice. */
    if (mon->served != VR_NO_DESIRED || !vr_pass_in_scope(pass, mon->uuid))
      continue;
    out[n++] = (vr_readable_group){
        .domain = mon->domain,
        .uuid = mon->uuid,
        .group = mon->group.id,
        .members = mon->members,
        .ctrl = mon->ctrl,
        .name = mon->name,
        .source = VR_SOURCE_READ_ONLY,
        .owner = "libvirt",
    };
  }
  /* libvirt reports a monitor that is its allocation's CTRL_MON group; the
   * MON groups under it, libvirt's and ours, are in its values already. */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; out[i].name[0] != '\0' && j < n; j++)
      if (out[j].source == VR_SOURCE_READ_ONLY && out[j].name[0] == '\0' &&
          strcmp(out[i].ctrl, out[j].ctrl) == 0)
        out[i].in_reported_ctrl = true;
  return n;
}

/* Named alike: a new metadata value (a Nova rename) or a clash that came
 * or went makes the group's series anew, under the new names. */
static bool same_names(const vr_readable_group *id,
                       const vr_readable_group *g) {
  return strcmp(id->name_meta, g->name_meta ? g->name_meta : "") == 0 &&
         id->name_clash == g->name_clash;
}

/* The live group of the current set that reads the same directory under
 * the same name, or NULL. A read-only group's directory does not carry our
 * name: libvirt's group is reported under its id, or under the name of the
 * metadata group that asks for its vCPUs, and that may change while the
 * directory stays. */
static vr_live_group *same_dir(const vr_live_set *old, bool *reused,
                               const vr_readable_group *g, size_t *at) {
  for (size_t i = 0; old && i < old->n; i++) {
    const vr_readable_group *id = &old->groups[i]->id;
    if (!reused[i] && id->source == g->source &&
        strcmp(id->name, g->name) == 0 && strcmp(id->ctrl, g->ctrl) == 0 &&
        strcmp(id->group, g->group) == 0 &&
        id->in_reported_ctrl == g->in_reported_ctrl &&
        id->mbm_off == g->mbm_off && same_names(id, g)) {
      *at = i;
      return old->groups[i];
    }
  }
  return NULL;
}

/* Why each domain's counters of g may have restarted since its series last
 * went out (counter_carry.h): its directory is new (made again: new RMID),
 * its domain came back this pass, or its old files answered ENODEV. */
static void restart_hints(const vr_engine *e, const vr_readable_group *g,
                          bool was_stale, vr_restart_hint *hints) {
  const vr_resctrl *r = e->resctrl->r;
  for (size_t i = 0; i < r->n_caches; i++) {
    hints[i] = VR_RESTART_NONE;
    if (g->new_dir)
      hints[i] = VR_RESTART_GROUP_MADE;
    else if (vr_engine_domain_came_back(e, r->caches[i].resource,
                                        r->caches[i].id))
      hints[i] = VR_RESTART_DOMAIN_BACK;
    else if (was_stale)
      hints[i] = VR_RESTART_FILES_REMADE;
  }
}

/* A live group for g: the current set's when it reads the same directory
 * through the same resctrl handle (shared: a read pass may still be
 * reading it), else a new one. Not reused: a directory this pass made (a
 * new one even under an old name, removed behind our back or for a stray
 * thread: the old fds point into the removed directory), a group whose
 * files answered ENODEV (its domain's files were made again), and every
 * group when the handle changed (the domains did: the old reader's slots
 * are the old handle's). */
static vr_live_group *make_live(vr_engine *e, const vr_live_set *old,
                                bool *reused, const vr_readable_group *g) {
  size_t at = 0;
  vr_live_group *prev = same_dir(old, reused, g, &at);
  bool was_stale =
      prev && atomic_load_explicit(&prev->stale, memory_order_relaxed);
  if (prev && !g->new_dir && !was_stale && old->root == e->resctrl) {
    reused[at] = true;
    return prev;
  }
  vr_live_group *lg = NULL;
  char reason[512] = "", notes[512] = "";
  vr_restart_hint *hints = calloc(e->resctrl->r->n_caches + 1, sizeof(*hints));
  if (hints)
    restart_hints(e, g, was_stale, hints);
  int status =
      vr_live_group_open(g, e->resctrl->r, &e->series_config, hints, &e->budget,
                         &lg, notes, sizeof(notes), reason, sizeof(reason));
  free(hints);
  /* A host context member without mon_data, or with a link or a file
   * there, is no CTRL_MON group of the kernel's (a stray directory), or was
   * removed since the state read: nothing to say, at every pass. */
  if (g->source == VR_SOURCE_HOST && (status == -ENOENT || status == -ELOOP ||
                                      status == -ENOTDIR || status == -EXDEV))
    return NULL;
  if (status < 0) {
    VR_WARNING("domain %s group %s: cannot read its values: %s", g->domain,
               g->group, reason);
    return NULL;
  }
  if (notes[0])
    VR_NOTICE("domain %s group %s: %s", g->domain, g->group, notes);
  return lg;
}

/* Makes fresh the set read passes see, and frees at once what no read
 * pass holds any more. */
static void publish(vr_engine *e, vr_live_set *fresh) {
  /* n_live counts the groups that report: the host context's CTRL_MON
   * groups are read, not reported. */
  size_t n_reported = 0;
  for (size_t i = 0; fresh && i < fresh->n; i++)
    n_reported += fresh->groups[i]->id.source != VR_SOURCE_HOST;
  vr_live_publish(&e->live, fresh);
  vr_mutex_lock(&e->lock);
  e->n_live = n_reported;
  vr_mutex_unlock(&e->lock);
  vr_live_reap(&e->live);
}

/* In an event pass, a live group of a domain outside its scope is kept as
 * it is; the host context's members (no domain) are rebuilt every pass. */
static bool carried_over(const vr_pass *pass, const vr_live_group *lg) {
  return pass->scope && lg->id.source != VR_SOURCE_HOST &&
         !vr_pass_in_scope(pass, lg->id.uuid);
}

/* Builds the new live set beside the current one, which read passes keep
 * reading meanwhile (a resync must not leave an interval without values),
 * and publishes it. */
void vr_engine_publish_live(vr_engine *e, const vr_pass *pass) {
  const vr_live_set *old = e->live.current; /* only the worker writes it */
  size_t n_host = e->cfg->report_host ? pass->state.n_ctrl_groups + 1 : 0;
  vr_readable_group *readable =
      calloc(pass->desired.n + pass->libvirt.n + n_host + 1, sizeof(*readable));
  bool *reused = calloc((old ? old->n : 0) + 1, sizeof(*reused));
  vr_live_set *fresh = NULL;
  if (!readable || !reused)
    goto out;
  size_t n = owned_readable(pass, readable), carried = 0;
  n = libvirt_readable(pass, readable, n);
  /* The host context's members are read again at every pass, from the
   * state it read (the whole tree, whatever the scope). */
  if (n_host)
    n += host_readable(pass, readable + n);
  vr_engine_name_groups(e, readable, n, pass->scope != NULL);
  /* An event pass (engine_sync.c) rebuilds only its domains' groups; the
   * others are carried over, shared, as they are. */
  for (size_t i = 0; pass->scope && old && i < old->n; i++)
    if (carried_over(pass, old->groups[i]))
      carried++;
  fresh = vr_live_set_new(e->resctrl, n + carried);
  if (!fresh)
    goto out;
  for (size_t i = 0; carried && i < old->n; i++)
    if (carried_over(pass, old->groups[i])) {
      reused[i] = true;
      vr_live_set_add(fresh, old->groups[i]);
    }
  for (size_t i = 0; i < n; i++) {
    vr_live_group *lg = make_live(e, old, reused, &readable[i]);
    if (lg)
      vr_live_set_add(fresh, lg);
  }
  publish(e, fresh);
out:
  free(readable);
  free(reused);
}

void vr_engine_forget_resctrl(vr_engine *e) {
  publish(e, NULL);
  /* A read pass may still hold a set read through it: the last set to go
   * closes the handle. */
  vr_resctrl_ref_put(e->resctrl);
  e->resctrl = NULL;
  /* Another mount has other groups: what we wrote here says nothing there. */
  vr_written_clear(&e->written);
}
