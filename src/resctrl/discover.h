/* SPDX-License-Identifier: MIT */
/**
 * Discovery of what a resctrl root monitors (discover.c): info/'s
 * resources and events, mon_data's domains and SNC nodes, L3 sizes.
 */
#ifndef VR_DISCOVER_H
#define VR_DISCOVER_H

#include "resctrl/resctrl.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * Fills r (root_fd open) from info/, mon_data/ and sysfs_path: the
 * monitored events, the domains (caches) and SNC nodes, the sizes. Returns
 * 0, or a negative errno with a reason that says what to do (-ENOMEDIUM:
 * not mounted; -EMEDIUMTYPE: not resctrl; -EOPNOTSUPP: no monitoring).
 */
int vr_resctrl_discover(vr_resctrl *r, const char *sysfs_path, char *reason,
                        size_t len);

/** True when the handle monitors an event of resource res. */
bool vr_resctrl_monitors(const vr_resctrl *r, vr_mon_resource res);

#endif /* VR_DISCOVER_H */
