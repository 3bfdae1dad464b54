/* SPDX-License-Identifier: MIT */
/* Test-side view of tests/support/collectd_shim.c. */
#ifndef VR_COLLECTD_SHIM_H
#define VR_COLLECTD_SHIM_H

#include "base/vr_log.h"

#include "collectd/core/utils/common/common.h"

#include "collectd/core/utils/metadata/meta_data.h"

/* What the log stand-in saw (collectd_shim.c). Lines above the level set
 * (default: all) are counted but not printed. */
void shim_set_log_level(int level);
const char *shim_last_log_line(void);
int shim_log_line_count(void);
void shim_reset_log(void);

/* What the counting sink saw (collectd_sink.c): value lists (those collectd
 * would reject also counted apart), notifications, meta data sets not yet
 * destroyed. */
unsigned long shim_values(void);
unsigned long shim_values_bad(void);
unsigned long shim_notifications(void);
unsigned long shim_meta_live(void);
/* Heap bytes the live meta data sets hold (chunks and their headers). */
long shim_meta_bytes(void);

/* A copy of one value list the sink accepted: what a writer would get. */
typedef struct {
  char host[DATA_MAX_NAME_LEN];
  char plugin_instance[DATA_MAX_NAME_LEN];
  char type[DATA_MAX_NAME_LEN];
  char type_instance[DATA_MAX_NAME_LEN];
  value_t value; /* gauge or derive: the type says which (types.db) */
  cdtime_t time; /* 0: collectd stamps it */
  bool has_meta;
  /* The meta data as "key=value\n" lines (truncated at its size). */
  char meta[512];
} shim_value;

/* Unit tests that check the numbers, not only how many: from now on the
 * sink copies each accepted value list into buf (at most cap; the count
 * goes on beyond). NULL stops copying. Not for threaded callers. */
void shim_capture(shim_value *buf, size_t cap);
/* Value lists accepted since shim_capture (may exceed its cap). */
size_t shim_captured(void);
/* The first of the n captured values in seen with this plugin_instance
 * (NULL: any), type and type_instance; NULL when none went out. */
const shim_value *shim_find(const shim_value *seen, size_t n,
                            const char *instance, const char *type,
                            const char *type_instance);

#endif
