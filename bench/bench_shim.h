/* The collectd daemon functions the plugin's modules call, stood in for the
 * benchmark programs, which run the modules outside collectd. Dispatch goes
 * to a counting sink, so a cycle costs what the plugin itself costs. */
#ifndef VR_BENCH_SHIM_H
#define VR_BENCH_SHIM_H

#include "vr_log.h"

#include "collectd/core/utils/common/common.h"

#include <stdint.h>

/* Value lists plugin_dispatch_values received since the start. */
uint64_t bench_dispatched(void);

/* Notifications plugin_dispatch_notification received. */
uint64_t bench_notifications(void);

/* Log lines at or above this level go to stderr (LOG_ERR by default, so
 * that the plugin's info lines do not disturb the timed loop). */
void bench_set_log_level(int level);

#endif
