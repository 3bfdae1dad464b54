/* SPDX-License-Identifier: MIT */
/**
 * Publication of the live set; see live_set.h.
 */
#include "read/live_set.h"

#include <stdlib.h>

vr_resctrl_ref *vr_resctrl_ref_new(vr_resctrl *r) {
  vr_resctrl_ref *ref = calloc(1, sizeof(*ref));
  if (!ref)
    return NULL;
  ref->r = r;
  ref->refs = 1;
  return ref;
}

void vr_resctrl_ref_put(vr_resctrl_ref *ref) {
  if (!ref || --ref->refs > 0)
    return;
  vr_resctrl_close(ref->r);
  free(ref);
}

vr_live_set *vr_live_set_new(vr_resctrl_ref *root, size_t cap) {
  vr_live_set *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->groups = calloc(cap ? cap : 1, sizeof(*s->groups));
  if (!s->groups) {
    free(s);
    return NULL;
  }
  s->cap = cap;
  s->root = root;
  root->refs++;
  return s;
}

void vr_live_set_add(vr_live_set *s, vr_live_group *g) {
  if (s->n >= s->cap)
    return;
  g->n_sets++;
  s->groups[s->n++] = g;
}

/* Frees a set nothing reads any more, and what only it held. */
static void set_free(vr_live_set *s) {
  for (size_t i = 0; i < s->n; i++)
    if (--s->groups[i]->n_sets == 0)
      vr_live_group_free(s->groups[i]);
  vr_resctrl_ref_put(s->root);
  free(s->groups);
  free(s);
}

void vr_live_board_init(vr_live_board *b) {
  vr_mutex_init(&b->lock, "the live set's board lock");
  b->current = NULL;
  b->dead = NULL;
}

void vr_live_board_destroy(vr_live_board *b) {
  vr_live_publish(b, NULL);
  vr_live_reap(b);
  vr_mutex_destroy(&b->lock);
}

/* Board lock held: s, retired and no longer pinned, goes on the dead list
 * for the worker's next reap. */
static void bury(vr_live_board *b, vr_live_set *s) {
  vr_mutex_assert_held(&b->lock);
  s->next_dead = b->dead;
  b->dead = s;
}

void vr_live_publish(vr_live_board *b, vr_live_set *fresh) {
  vr_mutex_lock(&b->lock);
  vr_live_set *old = b->current;
  b->current = fresh;
  if (old) {
    old->retired = true;
    /* A pinned set goes on the dead list at its last unpin instead. */
    if (old->readers == 0)
      bury(b, old);
  }
  vr_mutex_unlock(&b->lock);
}

void vr_live_reap(vr_live_board *b) {
  vr_mutex_lock(&b->lock);
  vr_live_set *dead = b->dead;
  b->dead = NULL;
  vr_mutex_unlock(&b->lock);
  while (dead) {
    vr_live_set *next = dead->next_dead;
    set_free(dead);
    dead = next;
  }
}

vr_live_set *vr_live_pin(vr_live_board *b) {
  vr_mutex_lock(&b->lock);
  vr_live_set *s = b->current;
  if (s)
    s->readers++;
  vr_mutex_unlock(&b->lock);
  return s;
}

bool vr_live_unpin(vr_live_board *b, vr_live_set *s) {
  bool dead = false;
  if (!s)
    return false;
  vr_mutex_lock(&b->lock);
  if (--s->readers == 0 && s->retired) {
    bury(b, s);
    dead = true;
  }
  vr_mutex_unlock(&b->lock);
  return dead;
}
