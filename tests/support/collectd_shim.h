/* Test-side view of tests/support/collectd_shim.c. */
#ifndef VR_COLLECTD_SHIM_H
#define VR_COLLECTD_SHIM_H

#include "vr_log.h"

#include "collectd/core/utils/common/common.h"

const char *shim_last_log_line(void);
int shim_log_line_count(void);
void shim_reset_log(void);

#endif
