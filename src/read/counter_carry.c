/* SPDX-License-Identifier: MIT */
/**
 * Counter carry and its table; see counter_carry.h.
 */
#include "read/counter_carry.h"

#include <stdlib.h>
#include <string.h>

vr_carry_event vr_carry_feed(vr_carry *c, uint64_t raw, bool restarted,
                             uint64_t *out) {
  vr_carry_event event = VR_CARRY_STEADY;
  if (c->have_last && c->unassigned_seen && !restarted) {
    /* A counter is assigned anew only after it read "Unassigned", and the
     * kernel resets it then: carry all of the last value even when the
     * new counter already passed it. */
    event = VR_CARRY_REASSIGNED;
    c->offset += c->last_raw;
  } else if (c->have_last && (restarted || raw < c->last_raw)) {
    event = restarted             ? VR_CARRY_RESTART
            : c->unavailable_seen ? VR_CARRY_DROPPED_AFTER_UNAVAILABLE
                                  : VR_CARRY_DROPPED;
    /* Everything counted up to the last read is kept: the series goes on
     * from there as the new counter grows. */
    c->offset += c->last_raw;
  }
  c->last_raw = raw;
  c->have_last = true;
  c->unavailable_seen = false;
  c->unassigned_seen = false;
  *out = c->offset + raw;
  return event;
}

#define VR_VALUE_LIMIT (UINT64_C(1) << 63)

/* How many bytes max_per_sec allows in ns nanoseconds, saturating. */
static uint64_t allowed_growth(uint64_t max_per_sec, uint64_t ns) {
  uint64_t secs = ns / 1000000000u, rest = ns % 1000000000u;
  if (secs != 0 && max_per_sec > UINT64_MAX / secs)
    return UINT64_MAX;
  uint64_t whole = max_per_sec * secs;
  /* rest < 1e9: the part of a second, rounded up */
  uint64_t part = max_per_sec / 1000000000u * rest +
                  (max_per_sec % 1000000000u * rest + 999999999u) / 1000000000u;
  return whole > UINT64_MAX - part ? UINT64_MAX : whole + part;
}

vr_value_verdict vr_carry_check(const vr_carry *c, uint64_t raw, bool restarted,
                                uint64_t now_ns, uint64_t max_per_sec) {
  if (raw >= VR_VALUE_LIMIT)
    return VR_VALUE_TOO_LARGE;
  if (!c->have_last)
    return VR_VALUE_SANE;
  /* The total this value makes (as vr_carry_feed adds it up). */
  bool from_zero = restarted || c->unassigned_seen || raw < c->last_raw;
  uint64_t offset = c->offset + (from_zero ? c->last_raw : 0);
  if (offset >= VR_VALUE_LIMIT || raw >= VR_VALUE_LIMIT - offset)
    return VR_VALUE_TOO_LARGE;
  if (max_per_sec == 0 || c->last_ns == 0 || now_ns == 0)
    return VR_VALUE_SANE;
  uint64_t growth = from_zero ? raw : raw - c->last_raw;
  uint64_t elapsed = now_ns > c->last_ns ? now_ns - c->last_ns : 0;
  return growth > allowed_growth(max_per_sec, elapsed) ? VR_VALUE_TOO_FAST
                                                       : VR_VALUE_SANE;
}

vr_carry_event vr_carry_feed_checked(vr_carry *c, uint64_t raw, bool restarted,
                                     uint64_t now_ns, uint64_t max_per_sec,
                                     vr_value_verdict *verdict, uint64_t *out) {
  *verdict = vr_carry_check(c, raw, restarted, now_ns, max_per_sec);
  if (*verdict != VR_VALUE_SANE)
    return VR_CARRY_REFUSED;
  vr_carry_event event = vr_carry_feed(c, raw, restarted, out);
  c->last_ns = now_ns;
  return event;
}

vr_value_verdict vr_occupancy_check(uint64_t bytes, uint64_t cache_size) {
  if (bytes >= VR_VALUE_LIMIT)
    return VR_VALUE_TOO_LARGE;
  if (cache_size != 0 && bytes > cache_size)
    return VR_VALUE_OVER_CACHE;
  return VR_VALUE_SANE;
}

const char *vr_value_verdict_text(vr_value_verdict v) {
  switch (v) {
  case VR_VALUE_TOO_LARGE:
    return "2^63 or more, beyond any real counter";
  case VR_VALUE_TOO_FAST:
    return "it grew faster than 4 TiB/s since the last value";
  case VR_VALUE_OVER_CACHE:
    return "above the cache's size";
  default:
    return "sane";
  }
}

void vr_carry_unavailable(vr_carry *c) { c->unavailable_seen = true; }

void vr_carry_unassigned(vr_carry *c) { c->unassigned_seen = true; }

bool vr_restart_certain(vr_restart_hint hint) {
  return hint == VR_RESTART_GROUP_MADE || hint == VR_RESTART_DOMAIN_BACK;
}

const char *vr_carry_reason(vr_carry_event event, vr_restart_hint hint) {
  if (hint == VR_RESTART_GROUP_MADE)
    return "the resctrl group was made again";
  if (hint == VR_RESTART_DOMAIN_BACK)
    return "its L3 domain came back online";
  if (event == VR_CARRY_REASSIGNED)
    return "its ABMC counter was assigned again after \"Unassigned\" "
           "(the kernel resets a counter it assigns)";
  if (event == VR_CARRY_DROPPED_AFTER_UNAVAILABLE)
    return "it read Unavailable before: its event configuration changed "
           "(mbm_*_bytes_config) or its counter was reassigned";
  if (hint == VR_RESTART_FILES_REMADE)
    return "its mon_data files were made again: an L3 domain went offline "
           "and came back";
  return "reason unknown";
}

/* Entries hold their key; carry first, so a ref's entry is its carry. */
typedef struct entry {
  vr_carry carry;
  unsigned long last_pass;
  struct entry *next;
  char key[];
} entry;

struct vr_carry_table {
  entry **buckets;
  size_t n_buckets; /* a power of two */
  size_t n;
  unsigned long pass;
  unsigned long epoch;
};

/* FNV-1a, 64 bits. */
static uint64_t hash_key(const char *key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 0x100000001b3ULL;
  return h;
}

vr_carry_table *vr_carry_table_new(void) {
  vr_carry_table *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  t->n_buckets = 64;
  t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
  if (!t->buckets) {
    free(t);
    return NULL;
  }
  t->epoch = 1; /* a zeroed ref is never valid */
  return t;
}

void vr_carry_table_free(vr_carry_table *t) {
  if (!t)
    return;
  for (size_t b = 0; b < t->n_buckets; b++) {
    entry *e = t->buckets[b];
    while (e) {
      entry *next = e->next;
      free(e);
      e = next;
    }
  }
  free(t->buckets);
  free(t);
}

/* Doubles the buckets once the table holds as many entries; entries keep
 * their addresses, so refs stay valid. */
static void grow(vr_carry_table *t) {
  size_t nb = t->n_buckets * 2;
  entry **buckets = calloc(nb, sizeof(*buckets));
  if (!buckets)
    return; /* longer chains, still correct */
  for (size_t b = 0; b < t->n_buckets; b++) {
    entry *e = t->buckets[b];
    while (e) {
      entry *next = e->next;
      size_t at = hash_key(e->key) & (nb - 1);
      e->next = buckets[at];
      buckets[at] = e;
      e = next;
    }
  }
  free(t->buckets);
  t->buckets = buckets;
  t->n_buckets = nb;
}

vr_carry *vr_carry_table_cached(vr_carry_table *t, const vr_carry_ref *ref) {
  if (!ref->entry || ref->epoch != t->epoch)
    return NULL;
  entry *e = ref->entry;
  e->last_pass = t->pass;
  return &e->carry;
}

vr_carry *vr_carry_table_use(vr_carry_table *t, const char *key,
                             vr_carry_ref *ref) {
  entry *e = NULL;
  if (ref && ref->entry && ref->epoch == t->epoch) {
    e = ref->entry;
  } else {
    size_t at = hash_key(key) & (t->n_buckets - 1);
    for (e = t->buckets[at]; e && strcmp(e->key, key) != 0; e = e->next)
      ;
    if (!e) {
      size_t len = strlen(key) + 1;
      e = calloc(1, sizeof(*e) + len);
      if (!e)
        return NULL;
      memcpy(e->key, key, len);
      e->next = t->buckets[at];
      t->buckets[at] = e;
      if (++t->n > t->n_buckets)
        grow(t);
    }
    if (ref)
      *ref = (vr_carry_ref){.entry = e, .epoch = t->epoch};
  }
  e->last_pass = t->pass;
  return &e->carry;
}

void vr_carry_table_pass_done(vr_carry_table *t, unsigned every,
                              unsigned long max_idle) {
  bool dropped = false;
  t->pass++;
  if (every == 0 || t->pass % every != 0)
    return;
  for (size_t b = 0; b < t->n_buckets; b++) {
    entry **p = &t->buckets[b];
    while (*p) {
      entry *e = *p;
      if (t->pass - e->last_pass > max_idle) {
        *p = e->next;
        free(e);
        t->n--;
        dropped = true;
      } else {
        p = &e->next;
      }
    }
  }
  if (dropped)
    t->epoch++;
}

size_t vr_carry_table_size(const vr_carry_table *t) { return t->n; }
