/* SPDX-License-Identifier: MIT */
/**
 * Every default of the plugin's configuration, in one place: the config
 * parser, the modules that accept NULL for a path, and contrib/virt-resmon
 * (whose namespace must match the plugin's) read them here, and
 * collectd.conf.example and the man page document them.
 */
#ifndef VR_DEFAULTS_H
#define VR_DEFAULTS_H

#define VR_DEFAULT_CONNECTION "qemu:///system"
#define VR_DEFAULT_RESCTRL_PATH "/sys/fs/resctrl"
#define VR_DEFAULT_METADATA_URI "urn:x-virt-resctrl:resmon:1"
/* HostnameMetadataNS and HostnameMetadataXPath: collectd's virt plugin's
 * defaults, Nova's first namespace (current Nova writes .../nova/1.1). */
#define VR_DEFAULT_NAME_METADATA_NS                                            \
  "http://openstack.org/xmlns/libvirt/nova/1.0"
#define VR_DEFAULT_NAME_METADATA_XPATH "/instance/name/text()"
#define VR_DEFAULT_GROUP_PREFIX "vr_"
#define VR_DEFAULT_REFRESH_INTERVAL_S 60
#define VR_MAX_REFRESH_INTERVAL_S 86400
/* MaxGroupsPerDomain: far above what an operator writes by hand (and a
 * 64-vCPU VM's DefaultGroup per-vcpu), far below what one domain's metadata
 * could otherwise make every pass cost; 0 = no limit. */
#define VR_DEFAULT_MAX_GROUPS_PER_DOMAIN 64
#define VR_MAX_MAX_GROUPS_PER_DOMAIN 1000000
#define VR_DEFAULT_SYSFS_PATH "/sys"
#define VR_DEFAULT_PROC_PATH "/proc"
#define VR_DEFAULT_LIBVIRT_RUN_PATH "/run/libvirt/qemu"
/* How long a pass tries for resctrl's flock before it leaves its changes
 * to the next pass: well under collectd's interval (10 s by default), so
 * that a lock another process keeps never holds up a pass or shutdown for
 * long (doc/design.md, "resctrl rules"). */
#define VR_LOCK_WAIT_MS 500

#endif /* VR_DEFAULTS_H */
