/**
 * The last resctrl step of a pass: the readable groups it leaves become the
 * new live set, published for the read pass (live_set.h).
 *
 * Readable groups come from sources: reconcile's outcomes give the owned
 * ones here; a source of read-only groups (libvirt's own monitors, the
 * host total) appends its own to the same list before the set is built.
 */
#include "engine_private.h"

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
    };
  }
  return n;
}

/* The live group of the current set that reads the same directory, for
 * reuse, so that its fds and value lists survive. A directory this pass
 * made is a new one even under an old name (removed behind our back, or
 * removed and made again for a stray thread): the old fds point into the
 * removed directory and would fail every read. */
static vr_live_group *reusable(const vr_live_set *old, bool *reused,
                               const vr_readable_group *g) {
  for (size_t i = 0; old && !g->new_dir && i < old->n; i++) {
    const vr_readable_group *id = &old->groups[i]->id;
    if (!reused[i] && id->source == g->source &&
        strcmp(id->name, g->name) == 0 && strcmp(id->ctrl, g->ctrl) == 0) {
      reused[i] = true;
      return old->groups[i];
    }
  }
  return NULL;
}

/* A live group for g: the current set's when it reads the same directory
 * (shared: a read pass may still be reading it), else a new one. */
static vr_live_group *make_live(vr_engine *e, const vr_live_set *old,
                                bool *reused, const vr_readable_group *g) {
  vr_live_group *lg = reusable(old, reused, g);
  if (lg)
    return lg;
  char reason[512] = "", notes[512] = "";
  int status =
      vr_live_group_open(g, e->resctrl->r, &e->series_config, &e->budget, &lg,
                         notes, sizeof(notes), reason, sizeof(reason));
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
  vr_live_publish(&e->live, fresh);
  pthread_mutex_lock(&e->lock);
  e->n_live = fresh ? fresh->n : 0;
  pthread_mutex_unlock(&e->lock);
  vr_live_reap(&e->live);
}

/* Builds the new live set beside the current one, which read passes keep
 * reading meanwhile (a resync must not leave an interval without values),
 * and publishes it. */
void vr_engine_publish_live(vr_engine *e, const vr_pass *pass) {
  const vr_live_set *old = e->live.current; /* only the worker writes it */
  vr_readable_group *readable = calloc(pass->desired.n + 1, sizeof(*readable));
  bool *reused = calloc((old ? old->n : 0) + 1, sizeof(*reused));
  vr_live_set *fresh = NULL;
  if (!readable || !reused)
    goto out;
  size_t n = owned_readable(pass, readable);
  fresh = vr_live_set_new(e->resctrl, n);
  if (!fresh)
    goto out;
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
}
