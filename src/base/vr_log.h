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

#include "base/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VR_LOG_PREFIX "virt_resctrl plugin: "

/* collectd's own limit for one log line (plugin_log's buffer). */
#define VR_LOG_LINE_MAX 1024

/* Formats one line and makes it printable (vr_copy_printable): a line may
 * carry names from outside (domain names, where libvirt allows CR and
 * Unicode bidi controls; metadata; resctrl entries), and none may forge or
 * reorder a log line (doc/design.md, "Values out of bounds"). */
__attribute__((format(printf, 3, 4))) static inline void
vr_log_printable(char *line, size_t len, const char *format, ...) {
  char raw[VR_LOG_LINE_MAX];
  va_list ap;
  va_start(ap, format);
  vsnprintf(raw, sizeof(raw), format, ap);
  va_end(ap);
  vr_copy_printable(line, len, raw, sizeof(raw));
}

#define VR_LOG_AT(level, ...)                                                  \
  do {                                                                         \
    char vr_log_line_[VR_LOG_LINE_MAX];                                        \
    vr_log_printable(vr_log_line_, sizeof(vr_log_line_),                       \
                     VR_LOG_PREFIX __VA_ARGS__);                               \
    plugin_log((level), "%s", vr_log_line_);                                   \
  } while (0)

#define VR_ERROR(...) VR_LOG_AT(LOG_ERR, __VA_ARGS__)
#define VR_WARNING(...) VR_LOG_AT(LOG_WARNING, __VA_ARGS__)
#define VR_NOTICE(...) VR_LOG_AT(LOG_NOTICE, __VA_ARGS__)
#define VR_INFO(...) VR_LOG_AT(LOG_INFO, __VA_ARGS__)
#define VR_DEBUG(...) VR_LOG_AT(LOG_DEBUG, __VA_ARGS__)

/* Makes field (len bytes) printable in place. */
static inline void vr_printable_in_place(char *field, size_t len) {
  char copy[NOTIF_MAX_MSG_LEN];
  if (len > sizeof(copy))
    len = sizeof(copy);
  vr_copy_printable(copy, len, field, len);
  memcpy(field, copy, strlen(copy) + 1);
}

/* Dispatches notification n with its message, host and plugin_instance
 * made printable, as log lines are: a domain name reaches all three. */
static inline int vr_notify(notification_t *n) {
  vr_printable_in_place(n->message, sizeof(n->message));
  vr_printable_in_place(n->host, sizeof(n->host));
  vr_printable_in_place(n->plugin_instance, sizeof(n->plugin_instance));
  return plugin_dispatch_notification(n);
}

/* A change of state said both ways: one log line with n's message (a
 * WARNING for a warning, INFO for an OKAY), then the notification. */
static inline int vr_notify_logged(notification_t *n) {
  if (n->severity == NOTIF_WARNING)
    VR_WARNING("%s", n->message);
  else
    VR_INFO("%s", n->message);
  return vr_notify(n);
}

/* Repeated failures (a lost libvirt connection, resctrl not mounted): the
 * first is logged, later ones with doubling intervals, and VR_RELEASE says
 * once that it works again. */
#define VR_COMPLAIN(level, c, ...)                                             \
  do {                                                                         \
    char vr_log_line_[VR_LOG_LINE_MAX];                                        \
    vr_log_printable(vr_log_line_, sizeof(vr_log_line_),                       \
                     VR_LOG_PREFIX __VA_ARGS__);                               \
    c_complain((level), (c), "%s", vr_log_line_);                              \
  } while (0)
#define VR_RELEASE(level, c, ...)                                              \
  do {                                                                         \
    char vr_log_line_[VR_LOG_LINE_MAX];                                        \
    vr_log_printable(vr_log_line_, sizeof(vr_log_line_),                       \
                     VR_LOG_PREFIX __VA_ARGS__);                               \
    c_release((level), (c), "%s", vr_log_line_);                               \
  } while (0)

#endif /* VR_LOG_H */
