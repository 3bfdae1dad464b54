/**
 * Pure parsers for the text resctrl and sysfs files hold. No I/O; unit
 * tested in tests/unit/test_resctrl_parse.c.
 */
#ifndef VR_RESCTRL_PARSE_H
#define VR_RESCTRL_PARSE_H

#include "resctrl.h"

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

/** info/<RESOURCE>_MON/mon_features (one name a line) into a feature bit
 * mask; names the metric table does not know are ignored. */
unsigned vr_resctrl_parse_features(const char *text, size_t len);

/**
 * A value file's contents ("12345\n", "Unavailable\n", ...). *value is set
 * only for VR_VALUE_OK.
 */
vr_value_text vr_resctrl_parse_value(const char *text, size_t len,
                                     uint64_t *value);

/**
 * A tasks file (one decimal id a line) into a heap array (*tids, *n_tids;
 * NULL/0 when empty). -EINVAL on a malformed line, -ENOMEM.
 */
int vr_resctrl_parse_tasks(const char *text, size_t len, pid_t **tids,
                           size_t *n_tids);

/** A decimal unsigned number alone on its line ("64\n"): 0 or -EINVAL. */
int vr_resctrl_parse_uint(const char *text, size_t len, unsigned *out);

#endif /* VR_RESCTRL_PARSE_H */
