/* SPDX-License-Identifier: MIT */
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

#include "plan/group_list.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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

#endif /* VR_GROUP_SPEC_H */
