/* SPDX-License-Identifier: MIT */
/**
 * The domstats view of a domain's groups that `virt-resmon stats` prints:
 * the 2018 resmongroup RFC's `virsh domstats --cpu-resource` output
 *
 *   Domain: 'vm3'
 *     cpu.cacheoccupancy.vcpus_2.vcpus=2
 *     cpu.cacheoccupancy.vcpus_2.0.value=372186
 *     cpu.membandwidth.vcpus_2.0.total=1048576
 *
 * and the same as JSON. Which resctrl groups belong to a domain: ours by
 * resctrl_name (prefix + uuid + group), members from the metadata; and
 * libvirt's own <monitor> groups by libvirt_groups, for the domain's
 * current machine name. Pure: the caller lists resctrl and reads values;
 * the printers write to a stream. Unit tested in tests/unit/test_domstats.c.
 */
#ifndef VR_DOMSTATS_H
#define VR_DOMSTATS_H

#include "base/cpuset.h"
#include "plan/group_spec.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_name.h"
#include "resctrl/resctrl_values.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** One group directory in resctrl: the MON group ctrl/mon_groups/name (ctrl
 * "" for the root's), or the CTRL_MON group ctrl itself (name ""). */
typedef struct {
  char ctrl[VR_RESCTRL_NAME_MAX + 1];
  char name[VR_RESCTRL_NAME_MAX + 1];
} vr_domstats_dir;

typedef struct {
  vr_domstats_dir *dirs;
  size_t n;
} vr_domstats_dirs;

/** One group of a domain as the view shows it. */
typedef struct {
  char name[VR_RESCTRL_NAME_MAX + 1]; /* the name in the keys */
  bool libvirt;                       /* libvirt made it (read-only) */
  const vr_domstats_dir *dir;
  bool members_known; /* else nothing says which threads it holds */
  vr_cpuset vcpus;
  vr_cpuset iothreads;
  bool emulator;
  bool all_threads;
  vr_resctrl_value *values; /* n_caches * VR_FEAT_COUNT, NULL: unread */
} vr_domstats_group;

/** One domain: filled by the caller (name, uuid, id, meta), groups by
 * vr_domstats_select, values by the caller. */
typedef struct {
  const char *name;
  char uuid[VR_UUID_STRING_LEN + 1];
  int id; /* -1: not running */
  vr_group_list meta;
  vr_domstats_group *groups;
  size_t n_groups;
} vr_domstats_domain;

/** A directory's path relative to the resctrl root, "c1/mon_groups/m". */
#define VR_DOMSTATS_PATH_MAX (2 * VR_RESCTRL_NAME_MAX + 16)
void vr_domstats_dir_path(const vr_domstats_dir *dir, char *buf, size_t len);

/** Sorts by ctrl, then name: the output must not follow readdir's order. */
void vr_domstats_sort_dirs(vr_domstats_dirs *dirs);

/**
 * Fills d->groups (room for dirs->n entries, given by the caller) with the
 * groups of d among dirs, in the order they are printed: ours in metadata
 * order, then ours the metadata does not name (a DefaultGroup: members
 * from the plugin's default names "vcpus_<set>" and "vm") by name, then
 * libvirt's, under libvirt's monitor id "vcpus_<set>", by name. Values
 * stay NULL. 0 or -ENOMEM.
 */
int vr_domstats_select(const char *prefix, vr_domstats_domain *d,
                       const vr_domstats_dirs *dirs);

/** True when metadata group spec of d got no group from vr_domstats_select
 * and no libvirt monitor of exactly its vCPUs stands in for it. */
bool vr_domstats_unplaced(const vr_domstats_domain *d, size_t spec);

/** The seed's text for one domain, ending in an empty line as virsh
 * domstats does; r gives the cache ids and the monitored events. */
void vr_domstats_print_text(FILE *out, const vr_resctrl *r,
                            const vr_domstats_domain *d);

/** One domain as one JSON object (no newline). */
void vr_domstats_print_json(FILE *out, const vr_resctrl *r,
                            const vr_domstats_domain *d);

#endif /* VR_DOMSTATS_H */
