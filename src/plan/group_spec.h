/**
 * Resource monitoring groups as operators describe them in a domain's
 * <metadata> (doc/design.md, "Metadata"):
 *
 *   <resmon xmlns="urn:x-virt-resctrl:resmon:1">
 *     <group vcpus="0-2"/>
 *     <group name="db" vcpus="3,5"/>
 *     <group emulator="yes"/>
 *     <group name="io" iothreads="1-2"/>
 *   </resmon>
 *
 * Pure: takes the XML string virDomainGetMetadata returns and the domain's
 * maximum vCPU count (and libvirt iothread ids), returns the valid groups and,
 * separately, one rejection per invalid group with its reason. Nothing here
 * logs.
 */
#ifndef VR_GROUP_SPEC_H
#define VR_GROUP_SPEC_H

#include "base/cpuset.h"
#include "base/vocabulary.h"

#include <stdarg.h>
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

typedef struct {
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

/**
 * Parses our metadata element. max_vcpus is the domain's maximum vCPU
 * count: ids at or above it are rejected. Invalid groups land in
 * out->rejections and the others still come out valid; a document that is
 * not our element at all is one rejection for "(metadata)". Returns 0, or
 * -ENOMEM (out is then empty).
 */
int vr_group_spec_parse(const char *xml, unsigned max_vcpus,
                        vr_group_list *out);

/**
 * vr_group_spec_parse, also checking every iothreads id against the
 * domain's libvirt iothread ids (iothread_ids; NULL: not known, only the
 * syntax is checked, as virt-resmon does without a domain).
 */
int vr_group_spec_parse_domain(const char *xml, unsigned max_vcpus,
                               const vr_cpuset *iothread_ids,
                               vr_group_list *out);

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

#endif /* VR_GROUP_SPEC_H */
