/* SPDX-License-Identifier: MIT */
/**
 * The live set: the readable groups the read path reads, published by the
 * worker as an immutable snapshot (doc/design.md, "Threads and locks").
 *
 * The worker builds a fresh set beside the current one (sharing the live
 * groups that did not change) and publishes it with a pointer swap. A read
 * pass pins the set that is current when it starts and reads it with no
 * lock held, so neither the worker nor a libvirt event callback ever waits
 * for a read. A set that is no longer current is freed once its last
 * reader has unpinned it, and only by the worker (vr_live_reap): live
 * groups, fd budget and resctrl handles stay the worker's alone.
 */
#ifndef VR_LIVE_SET_H
#define VR_LIVE_SET_H

#include "base/vr_lock.h"
#include "read/live_group.h"
#include "resctrl/resctrl.h"

#include <stdbool.h>
#include <stddef.h>

/* A resctrl handle shared by the engine and every live set read through
 * it: a remount makes a new handle while a pinned set may still read the
 * old one. Counted by the worker only. */
typedef struct {
  vr_resctrl *r;
  unsigned refs;
} vr_resctrl_ref;

/** A counted handle holding r (refs 1), NULL when out of memory. */
vr_resctrl_ref *vr_resctrl_ref_new(vr_resctrl *r);
/** Drops one reference; the last one closes the handle. NULL is fine. */
void vr_resctrl_ref_put(vr_resctrl_ref *ref);

typedef struct vr_live_set {
  vr_resctrl_ref *root; /* the handle every group here reads through */
  unsigned readers;     /* read passes that pinned it (board lock) */
  bool retired;         /* no longer current (board lock) */
  struct vr_live_set *next_dead;
  vr_live_group **groups;
  size_t n, cap;
} vr_live_set;

/* The board lock guards current, dead, and each set's readers and
 * retired; it is held to swap a pointer or count a pin only, never across
 * a read. The worker, current's only writer, reads current without it. */
typedef struct {
  vr_mutex lock;
  vr_live_set *current; /* written by the worker alone */
  vr_live_set *dead;    /* retired, unpinned: for vr_live_reap */
} vr_live_board;

void vr_live_board_init(vr_live_board *b);
/** Retires the current set and frees everything; no read may be running. */
void vr_live_board_destroy(vr_live_board *b);

/** An empty set of up to cap groups read through root (a reference is
 * taken), NULL when out of memory. */
vr_live_set *vr_live_set_new(vr_resctrl_ref *root, size_t cap);
/** Adds g (below cap), which the set then holds. */
void vr_live_set_add(vr_live_set *s, vr_live_group *g);

/** Worker: makes fresh (NULL: none) the set read passes see. */
void vr_live_publish(vr_live_board *b, vr_live_set *fresh);
/** Worker: frees retired sets no read holds, the live groups no set holds
 * any more, and the resctrl handles nothing reads through. */
void vr_live_reap(vr_live_board *b);

/** Read pass: the current set, pinned (NULL when there is none). */
vr_live_set *vr_live_pin(vr_live_board *b);
/** Read pass: done with s (NULL is fine). True when that made s dead:
 * then the worker should reap soon, so its files close without delay. */
bool vr_live_unpin(vr_live_board *b, vr_live_set *s);

#endif /* VR_LIVE_SET_H */
