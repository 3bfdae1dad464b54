/* SPDX-License-Identifier: MIT */
/**
 * The engine: keeps one resctrl monitoring group per described vCPU group of
 * every running domain, and reads them.
 *
 * A worker thread does everything that may block: it asks libvirt for
 * domains (on events, every RefreshInterval, after a reconnect), decides
 * with reconcile, and carries the plan out in resctrl under the root's
 * flock. collectd's read callback only preads the open value files of the
 * live groups and dispatches: it never waits on libvirt.
 */
#ifndef VR_ENGINE_H
#define VR_ENGINE_H

#include "engine/vr_config.h"

#include <stddef.h>

typedef struct vr_engine vr_engine;

/**
 * Starts the libvirt connection and event thread and the worker. A resctrl
 * that is not mounted (yet) or lacks L3 monitoring is not an error: the
 * worker says what to do and checks again every RefreshInterval. cfg must
 * outlive the engine. Returns 0 or a negative errno with a reason.
 */
int vr_engine_start(const vr_config *cfg, vr_engine **out, char *reason,
                    size_t reason_len);

/** Dispatches every live group's values. Returns how many went out. */
size_t vr_engine_read(vr_engine *e);

/** Asks the worker for a full resync now (tests, and a vanished group). */
void vr_engine_request_resync(vr_engine *e);

/**
 * Stops the worker and libvirt, removes our groups when the config says
 * so, and frees everything. NULL is fine.
 */
void vr_engine_stop(vr_engine *e);

#endif /* VR_ENGINE_H */
