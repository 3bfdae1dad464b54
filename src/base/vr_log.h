/* SPDX-License-Identifier: MIT */
/**
 * Logging for every module of the plugin.
 *
 * All lines carry the "virt_resctrl plugin: " prefix that collectd plugins
 * use. Inside collectd plugin_log, c_complain and c_release come from the
 * daemon; test programs link tests/support/collectd_shim.c instead, which
 * prints to stderr.
 */
#ifndef VR_LOG_H
#define VR_LOG_H

#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/utils_complain.h"

#define VR_LOG_PREFIX "virt_resctrl plugin: "

#define VR_ERROR(...) plugin_log(LOG_ERR, VR_LOG_PREFIX __VA_ARGS__)
#define VR_WARNING(...) plugin_log(LOG_WARNING, VR_LOG_PREFIX __VA_ARGS__)
#define VR_NOTICE(...) plugin_log(LOG_NOTICE, VR_LOG_PREFIX __VA_ARGS__)
#define VR_INFO(...) plugin_log(LOG_INFO, VR_LOG_PREFIX __VA_ARGS__)
#define VR_DEBUG(...) plugin_log(LOG_DEBUG, VR_LOG_PREFIX __VA_ARGS__)

/* Repeated failures (a lost libvirt connection, resctrl not mounted): the
 * first is logged, later ones with doubling intervals, and VR_RELEASE says
 * once that it works again. */
#define VR_COMPLAIN(level, c, ...)                                             \
  c_complain((level), (c), VR_LOG_PREFIX __VA_ARGS__)
#define VR_RELEASE(level, c, ...)                                              \
  c_release((level), (c), VR_LOG_PREFIX __VA_ARGS__)

#endif /* VR_LOG_H */
