/* SPDX-License-Identifier: MIT */
/**
 * A readable group: what the read path needs to know of one resctrl group,
 * whoever made it (doc/design.md, "The live set").
 *
 * The reconcile steps produce owned ones (our own MON groups); other
 * sources (libvirt's <monitor> groups, the host total) may add read-only
 * ones: reading touches nothing, so a group we did not make can be read
 * but is never written or removed. Pure data, no I/O.
 */
#ifndef VR_READABLE_GROUP_H
#define VR_READABLE_GROUP_H

#include <stdbool.h>

typedef enum {
  VR_SOURCE_OWNED,     /* one of our MON groups (GroupPrefix...) */
  VR_SOURCE_READ_ONLY, /* someone else's: read, never touched */
  /* The root or another CTRL_MON group, read for the host context only
   * (host_context.h): never touched, no series of its own. */
  VR_SOURCE_HOST,
} vr_group_source;

typedef struct {
  /* Identity: the series names and meta data come from these. */
  const char *domain;  /* the domain's name */
  const char *uuid;    /* the domain's UUID string */
  const char *group;   /* the group's name */
  const char *members; /* vCPUs expanded ("0,1,2"), or a description */
  /* What names the domain besides its name and UUID (series.h,
   * vr_series_input): the HostnameMetadataXPath value ("" or NULL: none)
   * and whether another domain would give the same names. A change of
   * either makes the group's series anew. */
  const char *name_meta;
  bool name_clash;
  /* Where resctrl keeps it: ctrl "" is the root CTRL_MON group, name ""
   * the CTRL_MON group itself, else <ctrl>/mon_groups/<name>. */
  const char *ctrl;
  const char *name;
  vr_group_source source;
  /* Who made it, for the meta data `owner` of a group we did not make
   * ("libvirt"); NULL for ours. A string literal: never copied. */
  const char *owner;
  /* Its directory was made this pass: an open reader of an earlier
   * directory under the same name must not be reused. */
  bool new_dir;
  /* A MON group whose CTRL_MON group is reported too (libvirt's monitor
   * under its allocation): the CTRL_MON group's values already hold it
   * (mon_event_count), so the host context's "vms" sum leaves it out. */
  bool in_reported_ctrl;
  /* Ours with mbm="off" (ABMC): its events were given no counter on
   * purpose, so their "Unassigned" is what the operator asked for, not a
   * fault to warn of. */
  bool mbm_off;
} vr_readable_group;

#endif /* VR_READABLE_GROUP_H */
