/* SPDX-License-Identifier: MIT */
/**
 * What the metadata gives a domain: its valid groups and, apart, one
 * rejection per invalid group with its reason (doc/design.md, "Metadata").
 * Built by the metadata parser (group_spec.c) or by DefaultGroup's policy
 * (vr_group_spec_default); the names of unnamed groups. Pure.
 */
#ifndef VR_GROUP_LIST_H
#define VR_GROUP_LIST_H

#include "base/cpuset.h"
#include "base/vocabulary.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char name[VR_GROUP_NAME_MAX + 1];
  vr_cpuset vcpus;
  char *members; /* every vCPU listed, "0,1,2" (heap) */
  /* Non-vCPU threads (doc/design.md, "Metadata"): libvirt iothread ids
   * (QEMU's "IO iothread<N>"), QEMU's other threads (emulator="yes"), or
   * every thread of the QEMU process (DefaultGroup vm). */
  vr_cpuset iothreads;
  bool emulator;
  bool all_threads;
  vr_mbm_priority mbm; /* attribute mbm: "high", "normal" (default), "off" */
} vr_group_spec;

/* What kind of thing went wrong (doc/design.md, "collectd interface"): the
 * notification state is kept per domain and class, never per label, since
 * labels are the operator's and any number of rejections may share one. */
typedef enum {
  VR_PROBLEM_METADATA,      /* the document as a whole, or an unknown element */
  VR_PROBLEM_INVALID_GROUP, /* unknown attribute, bad emulator= or mbm= */
  VR_PROBLEM_INVALID_NAME,  /* a name resctrl cannot carry */
  VR_PROBLEM_INVALID_SET,   /* a vCPU or iothread set out of range or bad */
  VR_PROBLEM_DUPLICATE,     /* a second group of one name */
  VR_PROBLEM_OVERLAP,       /* a thread already in another group */
  VR_PROBLEM_OVER_CAP,      /* groups beyond MaxGroupsPerDomain */
  VR_PROBLEM_SHARED_VCPUS,  /* every vCPU on one thread (TCG) */
  VR_PROBLEM_UNNAMED_THREADS, /* QEMU threads without names */
  VR_PROBLEM_CONFLICT,        /* resctrl refused or holds it otherwise */
  VR_PROBLEM_NO_RMID,         /* mkdir: ENOSPC */
  VR_PROBLEM_RMID_LIMBO,      /* mkdir: EBUSY */
  VR_PROBLEM_CLASSES,
} vr_problem_class;

typedef struct {
  vr_problem_class problem;
  /* The group as the operator wrote it: its name, or "vcpus=..." when it
   * had none, or "(metadata)" when the whole document was rejected. */
  char group[VR_GROUP_NAME_MAX + 32];
  char reason[VR_REASON_MAX];
} vr_group_rejection;

typedef struct {
  vr_group_spec *groups;
  size_t n_groups;
  vr_group_rejection *rejections;
  size_t n_rejections;
} vr_group_list;

typedef enum {
  VR_DEFAULT_GROUP_NONE,
  VR_DEFAULT_GROUP_ALL,
  VR_DEFAULT_GROUP_PER_VCPU,
  VR_DEFAULT_GROUP_VM, /* one group "vm" of every QEMU thread */
} vr_default_group;

/* The default group names of the thread kinds other than vCPUs. */
#define VR_GROUP_EMULATOR_NAME "emulator"
#define VR_GROUP_VM_NAME "vm"

/** Appends a valid group of vcpus; its members text is built here.
 * 0 or -ENOMEM. */
int vr_group_list_add(vr_group_list *list, const char *name,
                      const vr_cpuset *vcpus);

/** Appends a rejection of class problem; label and reason are copied printable
 * (control and non-ASCII bytes become '?', long text is cut). 0 or -ENOMEM. */
int vr_group_list_reject(vr_group_list *list, vr_problem_class problem,
                         const char *label, const char *reason);

/* How many names a summary line lists before "..." and the count. */
#define VR_SUMMARY_NAMES 5

/**
 * Keeps the first max_groups groups (0: no limit) and turns the rest into
 * one rejection of class VR_PROBLEM_OVER_CAP under "(metadata)", naming
 * the first few and the count and saying which key to raise
 * (doc/design.md, "Metadata"). 0 or -ENOMEM.
 */
int vr_group_list_cap(vr_group_list *list, size_t max_groups);

/** The groups a domain without our element gets under policy. */
int vr_group_spec_default(vr_default_group policy, unsigned max_vcpus,
                          vr_group_list *out);

/**
 * The name of a group without a name attribute: "vcpus_" and the set in
 * normal form ("vcpus_0-2", "vcpus_0,3"). The plugin and virt-resmon both
 * name groups by it. -ENOSPC when it exceeds VR_GROUP_NAME_MAX (the group
 * must then be given a name) or len; buf is then "".
 */
int vr_group_default_name(const vr_cpuset *vcpus, char *buf, size_t len);

/** As vr_group_default_name for iothread ids: "iothreads_1-2". */
int vr_group_default_iothreads_name(const vr_cpuset *iothreads, char *buf,
                                    size_t len);

void vr_group_list_clear(vr_group_list *list);

/* The names of a list's groups, as an open-addressing hash of indices + 1
 * (0: a free slot), so that the duplicate check costs O(1) per group, not a
 * scan of every earlier one (which made a document of 24,000 groups
 * quadratic). Zero-initialised is empty. */
typedef struct {
  size_t *slots;
  size_t n_slots; /* a power of two, or 0 */
  size_t n_used;
} vr_name_index;

/** True when a group of list recorded in index is called name. */
bool vr_name_index_has(const vr_name_index *index, const vr_group_list *list,
                       const char *name);

/** Records list->groups[at]'s name. 0 or -ENOMEM. */
int vr_name_index_add(vr_name_index *index, const vr_group_list *list,
                      size_t at);

void vr_name_index_clear(vr_name_index *index);

#endif /* VR_GROUP_LIST_H */
