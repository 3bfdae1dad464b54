/* SPDX-License-Identifier: MIT */
/**
 * ABMC files of resctrl; see resctrl_abmc.h.
 */
#include "resctrl/resctrl_abmc.h"

#include "resctrl/abmc_text.h"
#include "resctrl/resctrl_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int vr_resctrl_abmc_info(const vr_resctrl *r, bool *active, char *available,
                         size_t len) {
  char mode[256];
  *active = false;
  available[0] = '\0';
  /* Absent before Linux 6.18 and on CPUs without assignable counters. */
  ssize_t n = vr_resctrl_read_file(r->root_fd, "info/L3_MON/mbm_assign_mode",
                                   mode, sizeof(mode));
  if (n == -ENOENT)
    return 0;
  if (n < 0)
    return (int)n;
  if (!vr_abmc_mode_is_event(mode))
    return 0;
  n = vr_resctrl_read_file(r->root_fd, "info/L3_MON/available_mbm_cntrs",
                           available, len);
  if (n < 0)
    return (int)n;
  *active = true;
  return 0;
}

/* "<ctrl>/mon_groups/<name>/mbm_L3_assignments", or below the root. */
static int group_path(const char *ctrl, const char *name, char *path,
                      size_t len) {
  if (!vr_resctrl_component_ok(name) ||
      (ctrl[0] && !vr_resctrl_component_ok(ctrl)))
    return -EINVAL;
  int n = ctrl[0]
              ? snprintf(path, len, "%s/mon_groups/%s/mbm_L3_assignments", ctrl,
                         name)
              : snprintf(path, len, "mon_groups/%s/mbm_L3_assignments", name);
  return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int vr_resctrl_abmc_group_read(const vr_resctrl *r, const char *ctrl,
                               const char *name, char *buf, size_t len) {
  char path[1024];
  int status = group_path(ctrl, name, path, sizeof(path));
  if (status < 0)
    return status;
  ssize_t n = vr_resctrl_read_file(r->root_fd, path, buf, len);
  return n < 0 ? (int)n : 0;
}

int vr_resctrl_abmc_group_write(const vr_resctrl *r, const char *ctrl,
                                const char *name, const char *event,
                                unsigned id, bool assign, char *reason,
                                size_t reason_len) {
  char path[1024], line[128];
  int status = group_path(ctrl, name, path, sizeof(path));
  if (status < 0) {
    vr_resctrl_reason(reason, reason_len, "invalid group path");
    return status;
  }
  int n =
      snprintf(line, sizeof(line), "%s:%u=%c\n", event, id, assign ? 'e' : '_');
  if (n < 0 || (size_t)n >= sizeof(line))
    return -EINVAL;
  int fd = vr_resctrl_open_beneath(r->root_fd, path, O_WRONLY);
  if (fd < 0) {
    vr_resctrl_reason(reason, reason_len, "cannot open %s: %s", path,
                      strerror(-fd));
    return fd;
  }
  ssize_t w = write(fd, line, (size_t)n);
  status = w == n ? 0 : (w < 0 ? -errno : -EIO);
  close(fd);
  if (status < 0) {
    char kernel[256];
    vr_resctrl_last_cmd_status(r, kernel, sizeof(kernel));
    vr_resctrl_reason(reason, reason_len,
                      "writing \"%.*s\" to %s: %s (the "
                      "kernel says: %s)",
                      n - 1, line, path, strerror(-status), kernel);
  }
  return status;
}
