/* SPDX-License-Identifier: MIT */
/**
 * The names libvirt's QEMU driver gives the resctrl groups of a domain's
 * <cachetune>/<memorytune> and their <monitor>s, so that the plugin (and
 * virt-resmon) can find them in resctrl without asking libvirtd, which
 * refuses cachetune on TCG guests and never publishes the paths.
 *
 * libvirt builds them from three parts (libvirt 9.0):
 *  - the machine name, qemuDomainGetMachineName() ->
 *    virDomainDriverGenerateMachineName("qemu", NULL, id, name, true):
 *    "qemu-<id>-" followed by the domain name reduced by
 *    virDomainMachineNameAppendValid() (hostname characters, '.' and '-'
 *    only, runs of '.'/'-' kept to their first, none leading, none trailing,
 *    the whole name cut at 64 characters);
 *  - the allocation's and the monitor's id, "vcpus_" + virBitmapFormat() of
 *    their vCPUs (virDomainResctrlNew, virDomainResctrlMonDefParse):
 *    ascending, every run of two or more as "a-b" ({0,1} is "0-1");
 *  - the path, virResctrlAllocDeterminePath() /
 *    virResctrlMonitorDeterminePath() in src/util/virresctrl.c:
 *    an allocation with cache or bandwidth entries is the CTRL_MON group
 *    <root>/<machine>-<alloc id>; a monitor whose vCPUs equal its
 *    allocation's shares that directory (same id); any other monitor is the
 *    MON group <alloc path>/mon_groups/<machine>-<monitor id>, where an
 *    allocation without entries (a <cachetune> holding only <monitor>s) has
 *    the root as its path.
 *
 * Pure: no I/O, no allocation. The API is shared with virt-resmon; keep it
 * stable.
 */
#ifndef VR_LIBVIRT_GROUPS_H
#define VR_LIBVIRT_GROUPS_H

#include "base/cpuset.h"

#include <stdbool.h>
#include <stddef.h>

/* virDomainMachineNameAppendValid stops at 64 characters. */
#define VR_LV_MACHINE_NAME_MAX 64
/* A resctrl directory name is one path component (NAME_MAX). */
#define VR_LV_GROUP_NAME_MAX 255

typedef enum {
  /* The allocation's own CTRL_MON group, <root>/<machine>-vcpus_<set>: its
   * values include every MON group below it (the kernel sums them, see
   * mon_event_count() in fs/resctrl/monitor.c). */
  VR_LV_CTRL_MON,
  /* A monitor's MON group, under mon_groups of its allocation or of the
   * root. */
  VR_LV_MON,
} vr_lv_kind;

/** One directory that libvirt's naming accounts for. */
typedef struct {
  vr_lv_kind kind;
  /* The running domain's id, as in "qemu-<id>-...". */
  int domain_id;
  /* The reduced domain name as it appears in the machine name (possibly
   * empty, possibly cut); compare a domain with vr_lv_machine_name(). */
  char name[VR_LV_MACHINE_NAME_MAX + 1];
  /* "qemu-<id>-<name>" (or "qemu-<id>" when the name reduced to nothing). */
  char machine[VR_LV_MACHINE_NAME_MAX + 1];
  /* libvirt's id of the group, "vcpus_<set>": the name libvirt's domstats
   * reports the monitor under (cpu.cache.monitor.<n>.name). */
  char id[VR_LV_GROUP_NAME_MAX + 1];
  vr_cpuset vcpus;
  /* VR_LV_MON only: the allocation the MON group sits under, "" for the
   * root, else the CTRL_MON directory's name (same machine). */
  char alloc[VR_LV_GROUP_NAME_MAX + 1];
} vr_lv_group;

/**
 * libvirt's machine name for a running domain of the system QEMU driver
 * (privileged, not embedded): "qemu-<id>-<reduced name>". Returns the
 * length written, or -EINVAL (id < 0), -ENOSPC (buf too small; then "").
 */
int vr_lv_machine_name(int domain_id, const char *domain_name, char *buf,
                       size_t len);

/**
 * A vCPU set as virBitmapFormat() writes it: ascending, runs of two or
 * more as "a-b" ("0-1", "0,2", "0-3,5-6"). Returns the length written,
 * -EINVAL for an empty set, or -ENOSPC (then buf holds "").
 */
int vr_lv_cpuset_format(const vr_cpuset *set, char *buf, size_t len);

/**
 * The directory name libvirt gives a group of that machine and those vCPUs:
 * "<machine>-vcpus_<set>". Returns the length, -EINVAL or -ENOSPC.
 */
int vr_lv_group_name(const char *machine, const vr_cpuset *vcpus, char *buf,
                     size_t len);

/**
 * Parses one directory name "qemu-<id>-<name>-vcpus_<set>" (or
 * "qemu-<id>-vcpus_<set>"). True when the name is exactly what libvirt
 * would write: the id a decimal int without leading zeros, the name reduced
 * as libvirt reduces it, the set in virBitmapFormat()'s own form (so "0,1"
 * or "1-0" is not libvirt's). out->kind and out->alloc are left as
 * VR_LV_CTRL_MON and "". out may be NULL.
 */
bool vr_lv_group_name_parse(const char *name, vr_lv_group *out);

/**
 * Parses a group's path relative to the resctrl root, as libvirt lays them
 * out: "<name>" (a CTRL_MON allocation), "mon_groups/<name>" (a monitor of
 * an allocation without entries) or "<ctrl>/mon_groups/<name>" (a monitor
 * under its allocation, which must be a libvirt name of the same machine).
 * True when the whole path is libvirt's; out may be NULL.
 */
bool vr_lv_group_path_parse(const char *relpath, vr_lv_group *out);

#endif /* VR_LIBVIRT_GROUPS_H */
