/* SPDX-License-Identifier: MIT */
/**
 * The host context's read-pass side; see host_context.h.
 */
#include "read/host_context.h"

#include "base/vr_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { SCOPE_HOST, SCOPE_VMS, SCOPE_COUNT };

static const char *const scope_names[SCOPE_COUNT] = {VR_SERIES_HOST_INSTANCE,
                                                     VR_SERIES_VMS_INSTANCE};

/* A scope's running counter totals on one cache id: by id, not by index,
 * because a domain going offline changes the handle's indexes. */
typedef struct {
  unsigned id;
  uint64_t total[SCOPE_COUNT][VR_FEAT_COUNT];
} cache_total;

struct vr_host_context {
  const vr_series_config *config;
  /* The layout the dispatch groups and buffers were made for: a new
   * resctrl handle with other domains, sizes or events makes them anew. */
  unsigned features;
  size_t n_caches;
  vr_resctrl_cache *caches;
  vr_dispatch_group *dispatch[SCOPE_COUNT];
  /* Per value slot of a read (n_caches * VR_FEAT_COUNT). */
  vr_sum_slot *slots;
  vr_resctrl_value *out;
  vr_resctrl_value *part; /* a host member's own part, or a MON group's */
  uint64_t *skew;         /* its MON groups' growth this read, per value slot */
  cache_total *totals;
  size_t n_totals;
  /* A scope's first members count all of their counter (the total starts
   * at their sum); later members count from their first read. */
  bool started[SCOPE_COUNT];
};

vr_host_context *vr_host_context_new(const vr_series_config *config) {
  vr_host_context *h = calloc(1, sizeof(*h));
  if (h)
    h->config = config;
  return h;
}

static void drop_layout(vr_host_context *h) {
  for (int s = 0; s < SCOPE_COUNT; s++) {
    vr_dispatch_group_free(h->dispatch[s]);
    h->dispatch[s] = NULL;
  }
  free(h->caches);
  free(h->slots);
  free(h->out);
  free(h->part);
  free(h->skew);
  h->caches = NULL;
  h->slots = NULL;
  h->out = NULL;
  h->part = NULL;
  h->skew = NULL;
  h->n_caches = 0;
}

void vr_host_context_free(vr_host_context *h) {
  if (!h)
    return;
  drop_layout(h);
  free(h->totals);
  free(h);
}

static bool same_layout(const vr_host_context *h, const vr_resctrl *r) {
  if (!h->caches || h->features != r->features || h->n_caches != r->n_caches)
    return false;
  for (size_t i = 0; i < r->n_caches; i++)
    if (h->caches[i].id != r->caches[i].id ||
        h->caches[i].size != r->caches[i].size ||
        h->caches[i].resource != r->caches[i].resource)
      return false;
  return true;
}

/* Makes the value lists and buffers for r's layout. Said once per layout
 * when it fails: the layout is kept, so the next pass does not retry. */
static void make_layout(vr_host_context *h, const vr_resctrl *r) {
  char notes[512] = "", reason[512] = "";
  size_t n = r->n_caches * VR_FEAT_COUNT;
  drop_layout(h);
  h->features = r->features;
  h->n_caches = r->n_caches;
  h->caches = calloc(r->n_caches + 1, sizeof(*h->caches));
  h->slots = calloc(n + 1, sizeof(*h->slots));
  h->out = calloc(n + 1, sizeof(*h->out));
  h->part = calloc(n + 1, sizeof(*h->part));
  h->skew = calloc(n + 1, sizeof(*h->skew));
  if (!h->caches || !h->slots || !h->out || !h->part || !h->skew) {
    VR_ERROR("host context: out of memory");
    goto fail;
  }
  memcpy(h->caches, r->caches, r->n_caches * sizeof(*h->caches));
  for (int s = 0; s < SCOPE_COUNT; s++) {
    vr_dispatch_input in = {
        .resctrl = r, .config = h->config, .context = scope_names[s]};
    if (vr_dispatch_group_new(&in, &h->dispatch[s], notes, sizeof(notes),
                              reason, sizeof(reason)) < 0) {
      VR_ERROR("host context: cannot name the %s series: %s", scope_names[s],
               reason);
      goto fail;
    }
  }
  return;

fail:
  /* Keep an empty layout of the same shape: no retry until it changes. */
  for (int s = 0; s < SCOPE_COUNT; s++) {
    vr_dispatch_group_free(h->dispatch[s]);
    h->dispatch[s] = NULL;
  }
}

/* The running totals of cache id, made zero when new; NULL when out of
 * memory. */
static cache_total *total_of(vr_host_context *h, unsigned id) {
  for (size_t i = 0; i < h->n_totals; i++)
    if (h->totals[i].id == id)
      return &h->totals[i];
  cache_total *grown = realloc(h->totals, (h->n_totals + 1) * sizeof(*grown));
  if (!grown)
    return NULL;
  h->totals = grown;
  h->totals[h->n_totals] = (cache_total){.id = id};
  return &h->totals[h->n_totals++];
}

static bool in_scope(const vr_live_group *g, int scope) {
  if (scope != SCOPE_HOST && g->id.in_reported_ctrl)
    return false;
  return (g->id.source == VR_SOURCE_HOST) == (scope == SCOPE_HOST);
}

/* A MON group read this pass (ours or libvirt's) under the CTRL_MON group
 * ctrl ("" the root), in the reader's layout. */
static bool mon_group_of(const vr_live_group *c, const char *ctrl,
                         size_t n_slots) {
  return c->id.source != VR_SOURCE_HOST && c->id.name[0] != '\0' &&
         strcmp(c->id.ctrl, ctrl) == 0 && c->n_values == n_slots;
}

/* The host member g's counters less those of the MON groups under it that
 * this pass read, into h->part: the kernel reads a CTRL_MON group as its
 * own RMID plus each MON group's (mon_event_count), so without this one
 * MON group's counter going down (restarted, "Unassigned", removed) would
 * make the whole CTRL_MON counter fall and its other MON groups' growth
 * would be lost to host that read, but not to vms: vms would grow more
 * than host. Each MON group is summed into host on its own instead
 * (add_mon_groups). A part below zero (a MON group read after its CTRL_MON
 * group and grown between) is no number this read. The MON groups' growth
 * since their last read goes to h->skew: how far the part may fall from
 * that read skew alone (vr_sum_part_delta). */
static void own_part(vr_host_context *h, const vr_live_group *g,
                     vr_live_group *const *groups, size_t n, size_t n_slots) {
  memcpy(h->part, g->values, n_slots * sizeof(*h->part));
  memset(h->skew, 0, n_slots * sizeof(*h->skew));
  /* the index of slot k's counter in a member's memory (sum_state) */
  size_t counter = 0;
  for (size_t k = 0; k < n_slots; k++) {
    vr_resctrl_value *v = &h->part[k];
    if (!vr_sum_event_is_counter((vr_resctrl_feature)(k % VR_FEAT_COUNT)))
      continue;
    size_t m = counter++;
    if (v->status != VR_READ_VALUE)
      continue;
    uint64_t mon = 0;
    for (size_t i = 0; i < n; i++) {
      const vr_live_group *c = groups[i];
      if (!mon_group_of(c, g->id.ctrl, n_slots) ||
          c->values[k].status != VR_READ_VALUE)
        continue;
      mon += c->values[k].value;
      const vr_sum_member *was = c->host_sum ? &c->host_sum[m] : NULL;
      if (was && was->seen && !was->unassigned &&
          c->values[k].value >= was->last)
        h->skew[k] += c->values[k].value - was->last;
    }
    if (mon > v->value)
      v->status = VR_READ_UNAVAILABLE;
    else
      v->value -= mon;
  }
}

/* A member's memory of its counters for n value slots: one per counter
 * slot, not per slot (host_sum.h), since every group keeps two. */
static vr_sum_member *sum_state(size_t n) {
  size_t counters = vr_sum_counter_slots(n);
  return calloc(counters ? counters : 1, sizeof(vr_sum_member));
}

/* Adds the counters of every MON group under the host member g to host,
 * each with its own memory (host_sum): its occupancy is in g's already. */
static void add_mon_groups(vr_host_context *h, const vr_live_group *g,
                           vr_live_group *const *groups, size_t n,
                           size_t n_slots) {
  for (size_t i = 0; i < n; i++) {
    vr_live_group *c = groups[i];
    if (!mon_group_of(c, g->id.ctrl, n_slots))
      continue;
    if (!c->host_sum)
      c->host_sum = sum_state(n_slots);
    if (!c->host_sum)
      continue;
    memcpy(h->part, c->values, n_slots * sizeof(*h->part));
    for (size_t k = 0; k < n_slots; k++)
      if (!vr_sum_event_is_counter((vr_resctrl_feature)(k % VR_FEAT_COUNT)))
        h->part[k].status = VR_READ_NOT_MONITORED;
    vr_sum_add(h->slots, c->host_sum, h->part, n_slots,
               !h->started[SCOPE_HOST] || c->id.new_dir);
  }
}

/* Adds up one scope's members into h->slots; true when it had any. */
static bool sum_scope(vr_host_context *h, vr_live_group *const *groups,
                      size_t n, int scope) {
  size_t n_slots = h->n_caches * VR_FEAT_COUNT;
  bool any = false;
  vr_sum_begin(h->slots, n_slots);
  for (size_t i = 0; i < n; i++) {
    vr_live_group *g = groups[i];
    if (!in_scope(g, scope))
      continue;
    if (!g->sum)
      g->sum = sum_state(g->n_values);
    /* A member we cannot follow, or read through another layout: no gauge
     * sum this read rather than one that leaves it out. */
    if (!g->sum || g->n_values != n_slots) {
      for (size_t k = 0; k < n_slots; k++)
        h->slots[k].gauge_missing = true;
      continue;
    }
    /* A directory this pass made counts from zero at its mkdir (mkdir
     * resets each MBM event, mon_event_read with "first" set): all of its
     * first value is traffic since. */
    bool first = !h->started[scope] || g->id.new_dir;
    if (scope == SCOPE_HOST) {
      own_part(h, g, groups, n, n_slots);
      vr_sum_add_part(h->slots, g->sum, h->part, h->skew, n_slots, first);
      add_mon_groups(h, g, groups, n, n_slots);
    } else {
      vr_sum_add(h->slots, g->sum, g->values, n_slots, first);
    }
    any = true;
  }
  return any;
}

/* The sums as values in the reader's layout, for dispatch: a gauge whose
 * sum is missing goes out as no value (never a partial sum). has_members:
 * the scope had a member this read. */
static void fill_out(vr_host_context *h, int scope, bool has_members) {
  for (size_t c = 0; c < h->n_caches; c++) {
    cache_total *t = total_of(h, h->caches[c].id);
    for (int f = 0; f < VR_FEAT_COUNT; f++) {
      size_t k = c * VR_FEAT_COUNT + (size_t)f;
      vr_resctrl_value *v = &h->out[k];
      *v = (vr_resctrl_value){.status = VR_READ_VALUE};
      if (!(h->features & (1u << f)))
        v->status = VR_READ_NOT_MONITORED;
      else if (vr_sum_event_is_counter((vr_resctrl_feature)f)) {
        if (!t) {
          v->status = VR_READ_FAILED;
          continue;
        }
        /* Members, none of whose counters read a number (ABMC: all
         * "Unassigned"): the total would go out flat, a rate of 0 B/s that
         * no traffic made. No value instead; dispatch says nothing of an
         * Unavailable counter without a carry. A scope without members
         * (no VM running) did have no traffic: its total goes out flat. */
        if (has_members && !h->slots[k].counted) {
          v->status = VR_READ_UNAVAILABLE;
          continue;
        }
        t->total[scope][f] += h->slots[k].delta;
        v->value = t->total[scope][f];
      } else if (h->slots[k].gauge_missing)
        v->status = VR_READ_FAILED;
      else
        v->value = h->slots[k].gauge;
    }
  }
}

vr_readable_group vr_host_member(const char *ctrl) {
  return (vr_readable_group){.domain = "(host)",
                             .uuid = "",
                             .group = ctrl[0] ? ctrl : "(root)",
                             .members = "",
                             .ctrl = ctrl,
                             .name = "",
                             .source = VR_SOURCE_HOST};
}

size_t vr_host_context_submit(vr_host_context *h, vr_live_group *const *groups,
                              size_t n, const vr_resctrl *r) {
  size_t sent = 0;
  if (!same_layout(h, r))
    make_layout(h, r);
  if (!h->slots || !h->out)
    return 0;
  for (int s = 0; s < SCOPE_COUNT; s++) {
    bool has_members = sum_scope(h, groups, n, s);
    if (has_members)
      h->started[s] = true;
    fill_out(h, s, has_members);
    if (h->dispatch[s])
      sent += vr_dispatch_group_submit(h->dispatch[s], h->out,
                                       h->n_caches * VR_FEAT_COUNT, NULL);
  }
  return sent;
}
