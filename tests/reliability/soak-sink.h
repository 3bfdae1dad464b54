/* Test-side view of soak-sink.c: what the counting sink saw. */
#ifndef VR_SOAK_SINK_H
#define VR_SOAK_SINK_H

#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/metadata/meta_data.h"

unsigned long sink_values(void);
unsigned long sink_values_bad(void);
unsigned long sink_notifications(void);
unsigned long sink_meta_live(void); /* meta data sets not yet destroyed */

#endif
