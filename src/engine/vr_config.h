/* SPDX-License-Identifier: MIT */
/**
 * The plugin's configuration: every key of collectd-virt_resctrl(5), with
 * its default from vr_defaults.h. Pure: reads an oconfig tree, fills a struct,
 * and on error names the key and says what is accepted; the glue logs it.
 */
#ifndef VR_CONFIG_H
#define VR_CONFIG_H

#include "plan/group_spec.h"
#include "read/series.h"
#include "resctrl/resctrl_name.h"

#include "liboconfig/oconfig.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *connection;
  char *resctrl_path;
  char *metadata_uri;
  char group_prefix[VR_GROUP_PREFIX_MAX + 1];
  unsigned refresh_interval_s;
  vr_default_group default_group;
  size_t max_groups_per_domain; /* 0: no limit */
  char **domains; /* Domain filter entries, as collectd's virt plugin */
  size_t n_domains;
  bool ignore_selected;
  vr_name_format hostname_format; /* n == 0: hostname */
  vr_name_format instance_format; /* n == 0: name */
  /* HostnameMetadataNS and HostnameMetadataXPath: where the metadata field
   * of the two formats is read */
  char *name_metadata_ns;
  char *name_metadata_xpath;
  bool report_bytes;
  bool report_percent;
  bool report_bandwidth;
  /* ReportSubNUMA: each SNC node's values besides each L3's sum */
  bool report_sub_numa;
  bool report_host; /* ReportHost: the host and vms series */
  /* ReportEnergy: each group's core energy and power per package, where
   * resctrl has PERF_PKG telemetry (Linux 7.0) */
  bool report_energy;
  bool remove_groups_on_shutdown;
  /* false: open-pread-close, nothing held open in resctrl between passes */
  bool keep_files_open;
  char *sysfs_path;
  char *proc_path;
  char *libvirt_run_path;
} vr_config;

/** Fills every key with its default. Returns 0 or -ENOMEM. */
int vr_config_init(vr_config *cfg);

/**
 * Applies the children of a <Plugin virt_resctrl> block. An unknown key or
 * an invalid value fails with -EINVAL and a message naming the key; cfg
 * then keeps the keys applied before it.
 */
int vr_config_apply(vr_config *cfg, const oconfig_item_t *block, char *err,
                    size_t err_len);

void vr_config_free(vr_config *cfg);

#endif /* VR_CONFIG_H */
