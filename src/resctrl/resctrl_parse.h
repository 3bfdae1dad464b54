/* SPDX-License-Identifier: MIT */
/**
 * Pure parsers for the text resctrl and sysfs files hold. No I/O; unit
 * tested in tests/unit/test_resctrl_parse.c.
 */
#ifndef VR_RESCTRL_PARSE_H
#define VR_RESCTRL_PARSE_H

#include "resctrl/resctrl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** What a mon_data value file said. */
typedef enum {
  VR_VALUE_OK = 0,      /* a counter value */
  VR_VALUE_UNAVAILABLE, /* "Unavailable": no reading this time */
  VR_VALUE_ERROR,       /* "Error": the hardware reported an error */
  VR_VALUE_UNASSIGNED,  /* "Unassigned": no hardware counter assigned */
  VR_VALUE_MALFORMED,   /* anything else: no value either */
} vr_value_text;

/**
 * A sysfs cache "size" file ("32768K\n"; K, M, G or no suffix) into bytes.
 * -EINVAL when malformed or zero, -ERANGE on overflow.
 */
int vr_resctrl_parse_cache_size(const char *text, uint64_t *bytes);

/**
 * True for a mon_data entry "mon_<RESOURCE>_<decimal>" of a resource in the
 * metric table (the kernel prints at least two digits: "mon_L3_08" is
 * cache id 8, parsed base 10, never octal); *resource and *id receive it.
 * False for anything else, "mon_sub_L3_YY" (SNC) included.
 */
bool vr_resctrl_parse_mon_dir(const char *name, vr_mon_resource *resource,
                              unsigned *id);

/**
 * A Sub-NUMA Clustering entry below mon_<RESOURCE>_XX: "mon_sub_<RESOURCE>_YY"
 * of a resource in the metric table, YY the SNC node's id (Linux 6.11+,
 * mkdir_mondata_subdir: "mon_sub_%s_%02d" with the node's domain id, the
 * parent "mon_%s_%02d" with the L3 cache id and holding their sum).
 * *resource and *node receive it; false for anything else.
 */
bool vr_resctrl_parse_mon_sub_dir(const char *name, vr_mon_resource *resource,
                                  unsigned *node);

/** info/<RESOURCE>_MON/mon_features (one name a line) into a feature bit
 * mask; names the metric table does not know are ignored. */
unsigned vr_resctrl_parse_features(const char *text, size_t len);

/**
 * Any mon_data entry "mon_<RESOURCE>_<decimal>", known to the metric table
 * or not (the kernel names one per monitoring domain of every resource,
 * mkdir_mondata_subdir: "mon_%s_%02d"): the resource name (upper-case
 * letters, digits and '_', as the kernel spells "L3" or "PERF_PKG") into
 * res (res_len bytes), the id into *id. False for anything else,
 * "mon_sub_L3_YY" (SNC, lower-case "sub") included.
 */
bool vr_resctrl_parse_mon_dir_any(const char *name, char *res, size_t res_len,
                                  unsigned *id);

/**
 * An info/ entry "<RESOURCE>_MON" (a monitoring resource's directory): the
 * resource's name into res. False for anything else.
 */
bool vr_resctrl_parse_mon_info_dir(const char *name, char *res, size_t res_len);

/**
 * One resource's mon_features: *mask receives the events of resource the
 * metric table knows; the names it does not know are appended to unknown
 * (", "-separated, truncated at unknown_len) so that the caller can say
 * once what it skips. A line ending "_config" names a configuration file
 * (AMD BMEC, "mbm_total_bytes_config": rdt_mon_features_show prints one
 * after each configurable event), not an event: neither known nor
 * unknown. Returns how many unknown events there were.
 */
size_t vr_resctrl_parse_mon_features(const char *text, size_t len,
                                     vr_mon_resource resource, unsigned *mask,
                                     char *unknown, size_t unknown_len);

/**
 * A value file's contents ("12345\n", "Unavailable\n", ...). *value is set
 * only for VR_VALUE_OK.
 */
vr_value_text vr_resctrl_parse_value(const char *text, size_t len,
                                     uint64_t *value);

/**
 * A PERF_PKG telemetry value file (Linux 7.0): the kernel
 * prints a binary fixed-point counter as a decimal fraction
 * ("<integer>.<fraction>", print_event_value; core_energy in Joules with
 * six places for its 18 fraction bits), or the words of
 * vr_resctrl_parse_value. *micro receives the value in millionths (rounded
 * to the nearest beyond six places; an integer without '.' is read too),
 * only for VR_VALUE_OK; MALFORMED for anything else or on overflow.
 */
vr_value_text vr_resctrl_parse_fixed(const char *text, size_t len,
                                     uint64_t *micro);

/**
 * A tasks file (one decimal id a line) into a heap array (*tids, *n_tids;
 * NULL/0 when empty). -EINVAL on a malformed line, -ENOMEM.
 */
int vr_resctrl_parse_tasks(const char *text, size_t len, pid_t **tids,
                           size_t *n_tids);

/**
 * The incremental form, for a tasks file read in chunks: parses the whole
 * lines of text (len bytes, ending at a line's end or at the file's) and
 * appends their ids to *tids (*n of them, *cap allocated). -E2BIG when
 * that would keep more than max ids, -EINVAL on a malformed line,
 * -ENOMEM; the caller frees *tids either way.
 */
int vr_resctrl_parse_tasks_more(const char *text, size_t len, size_t max,
                                pid_t **tids, size_t *n, size_t *cap);

/** A decimal unsigned number alone on its line ("64\n"): 0 or -EINVAL. */
int vr_resctrl_parse_uint(const char *text, size_t len, unsigned *out);

#endif /* VR_RESCTRL_PARSE_H */
