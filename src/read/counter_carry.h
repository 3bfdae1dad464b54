/* SPDX-License-Identifier: MIT */
/**
 * Counter carry: each dispatched MBM counter stays monotonic per series
 * across the kernel's counter resets (doc/design.md, "Counter resets").
 *
 * An MBM counter restarts from zero when its group is made again (a new
 * RMID: mkdir reads each MBM event once with "first" set, which resets it,
 * mon_event_read), when its L3 domain comes back online (the kernel makes
 * mon_L3_XX again the same way, mkdir_mondata_subdir_allrdtgrp), on an
 * ABMC counter (re)assignment, and when AMD's BMEC configuration
 * (mbm_total_bytes_config) changes (the next read says "Unavailable").
 * Writers turn our derive values into rates; a restart would give them one
 * huge negative or wrapped rate. So the value dispatched is the raw
 * counter plus the totals carried over every reset seen.
 *
 * Pure: a carry is data, the table a hash of carries by series key, used
 * by the read pass alone (under the engine's read_lock).
 */
#ifndef VR_COUNTER_CARRY_H
#define VR_COUNTER_CARRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One series' carry. Zeroed: nothing seen yet. */
typedef struct {
  uint64_t last_raw; /* the last counter read */
  uint64_t offset;   /* totals carried over resets: added to every raw */
  bool have_last;
  bool unavailable_seen; /* a read said "Unavailable" since the last value */
  /* ABMC: a read said "Unassigned" since the last value; the kernel
   * resets a counter when it is assigned (rdtgroup_assign_cntr), so the
   * next value restarted from zero for sure. */
  bool unassigned_seen;
  /* vr_carry_feed_checked: the time of the last value fed, in ns (0: none
   * timed yet), for the growth bound */
  uint64_t last_ns;
} vr_carry;

/** What one read did to a carry. */
typedef enum {
  VR_CARRY_STEADY,  /* first value, or the counter grew */
  VR_CARRY_RESTART, /* the caller knew the counter restarted */
  VR_CARRY_DROPPED, /* the counter went down: it restarted, reason unknown */
  /* it went down after "Unavailable": its configuration changed (BMEC) */
  VR_CARRY_DROPPED_AFTER_UNAVAILABLE,
  /* the first value after "Unassigned": its ABMC counter was assigned */
  VR_CARRY_REASSIGNED,
  /* vr_carry_feed_checked refused the value (see vr_value_verdict): the
   * carry is as it was, nothing is sent */
  VR_CARRY_REFUSED,
} vr_carry_event;

/** Why the caller knows a counter restarted, per series. */
typedef enum {
  VR_RESTART_NONE,
  VR_RESTART_GROUP_MADE,  /* the resctrl group was made again */
  VR_RESTART_DOMAIN_BACK, /* its L3 domain came back online */
  /* Its files were made again (read ENODEV), on some domain: explains a
   * drop, but does not say that this series restarted. */
  VR_RESTART_FILES_REMADE,
} vr_restart_hint;

/** True when hint says for sure that the counter restarted from zero. */
bool vr_restart_certain(vr_restart_hint hint);

/**
 * Feeds one counter value raw. restarted: the caller knows the counter
 * started again from zero since the last value (a new group directory, a
 * domain that came back), so all of last_raw is carried even when raw is
 * already above it. Otherwise a value below the last one is a restart.
 * *out receives the monotonic value to dispatch.
 */
vr_carry_event vr_carry_feed(vr_carry *c, uint64_t raw, bool restarted,
                             uint64_t *out);

/*
 * What a value file may hold (doc/design.md, "Values out of bounds"). An
 * MBM file is the kernel's 64-bit running byte total of one RMID on one L3
 * domain; collectd's derive is a signed 64-bit number, so a total of 2^63
 * or more would go out negative. The kernel needs years of traffic to pass
 * 2^63 bytes; a file holding that much is a broken or hostile tree.
 *
 * The growth bound: 2^42 bytes/s (4 TiB/s) per L3 domain, per counter.
 * One socket's memory bandwidth is below 1.2 TB/s today (12 channels of
 * DDR5-8800 about 0.85 TB/s, HBM parts about 1.1 TB/s), and one L3 domain
 * never sees more than its socket's; four times that leaves room for
 * faster parts and for reads whose interval is shorter than the counter's.
 */
#define VR_MBM_MAX_BYTES_PER_SEC (UINT64_C(1) << 42)

/** Whether a read value may be sent, and if not, why. */
typedef enum {
  VR_VALUE_SANE,
  VR_VALUE_TOO_LARGE,  /* 2^63 or more, or a carried total past 2^63 - 1 */
  VR_VALUE_TOO_FAST,   /* grew more than the bound allows since the last */
  VR_VALUE_OVER_CACHE, /* an occupancy above the cache's size */
} vr_value_verdict;

/**
 * Pure: may raw be fed to c, now_ns being the read's time? Checks that raw
 * and the total it makes stay below 2^63, and, when c holds a timed value
 * and max_per_sec is not 0, that the counter grew by at most max_per_sec
 * per second since it (a counter that restarted grew by raw from zero).
 * No earlier value or no time: only the 2^63 check.
 */
vr_value_verdict vr_carry_check(const vr_carry *c, uint64_t raw, bool restarted,
                                uint64_t now_ns, uint64_t max_per_sec);

/**
 * vr_carry_feed after vr_carry_check: a value that fails is not fed (the
 * carry, and so the total, stay as they were: it never goes backwards or
 * wraps) and VR_CARRY_REFUSED is returned with *verdict saying why. The
 * time since the last value fed grows while values are refused, so a
 * counter that is sane again is taken again.
 */
vr_carry_event vr_carry_feed_checked(vr_carry *c, uint64_t raw, bool restarted,
                                     uint64_t now_ns, uint64_t max_per_sec,
                                     vr_value_verdict *verdict, uint64_t *out);

/** Pure: an occupancy (bytes) against the cache's size (0: unknown, any
 * value below 2^63 passes). */
vr_value_verdict vr_occupancy_check(uint64_t bytes, uint64_t cache_size);

/** A short phrase for a verdict, for one log line. */
const char *vr_value_verdict_text(vr_value_verdict v);

/** A read said "Unavailable": remembered to explain a drop that follows. */
void vr_carry_unavailable(vr_carry *c);

/** A read said "Unassigned" (ABMC): the next value starts from zero. */
void vr_carry_unassigned(vr_carry *c);

/** A short phrase for a restart (event, hint), for one log line. */
const char *vr_carry_reason(vr_carry_event event, vr_restart_hint hint);

typedef struct vr_carry_table vr_carry_table;

/** A place a caller keeps to find its series' carry again without a
 * lookup: valid while the table's epoch is unchanged. Zeroed: empty. */
typedef struct {
  void *entry;
  unsigned long epoch;
} vr_carry_ref;

/** An empty table; NULL when out of memory. */
vr_carry_table *vr_carry_table_new(void);
void vr_carry_table_free(vr_carry_table *t);

/** The carry ref points at when ref is still valid (marked used in the
 * current pass), else NULL: then call vr_carry_table_use with the key. */
vr_carry *vr_carry_table_cached(vr_carry_table *t, const vr_carry_ref *ref);

/**
 * The carry of series key (created zeroed when new), through *ref when it
 * is still valid (no hashing: the steady state), else by lookup. NULL when
 * out of memory. Marks the series used in the current pass.
 */
vr_carry *vr_carry_table_use(vr_carry_table *t, const char *key,
                             vr_carry_ref *ref);

/**
 * One read pass is over: every `every` passes, drops the series not used
 * for more than max_idle passes (their group is gone) and, when any went,
 * moves the epoch on so that no ref points at a freed carry.
 */
void vr_carry_table_pass_done(vr_carry_table *t, unsigned every,
                              unsigned long max_idle);

/** Series held. */
size_t vr_carry_table_size(const vr_carry_table *t);

#endif /* VR_COUNTER_CARRY_H */
