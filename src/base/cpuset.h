/* SPDX-License-Identifier: MIT */
/**
 * vCPU sets in libvirt's cpuset syntax ("0-2", "0,3", "0-7,^4").
 *
 * Pure: no I/O, no allocation. A set holds ids below VR_MAX_VCPUS, which is
 * above the largest vCPU count QEMU accepts, so every real domain fits.
 */
#ifndef VR_CPUSET_H
#define VR_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VR_MAX_VCPUS 4096

typedef struct {
  uint64_t words[VR_MAX_VCPUS / 64];
} vr_cpuset;

void vr_cpuset_clear(vr_cpuset *set);
void vr_cpuset_add(vr_cpuset *set, unsigned id);
bool vr_cpuset_has(const vr_cpuset *set, unsigned id);
unsigned vr_cpuset_count(const vr_cpuset *set);
bool vr_cpuset_is_empty(const vr_cpuset *set);
bool vr_cpuset_equal(const vr_cpuset *a, const vr_cpuset *b);
/* The lowest id shared by both sets, or -1 when they are disjoint. */
int vr_cpuset_first_common(const vr_cpuset *a, const vr_cpuset *b);
/* The lowest id >= from in the set, or -1. Iterate with
 * for (int i = vr_cpuset_next(s, 0); i >= 0; i = vr_cpuset_next(s, i + 1)) */
int vr_cpuset_next(const vr_cpuset *set, unsigned from);

/**
 * Parses libvirt's cpuset syntax: comma-separated ids and ranges "a-b", and
 * "^n" exclusions applied after all inclusions. Every id must be below
 * limit (the domain's maximum vCPU count). Whitespace around items is
 * allowed, as libvirt allows it. Returns 0, or -EINVAL with a reason that
 * quotes the offending item; the result must not be empty.
 */
int vr_cpuset_parse(const char *text, unsigned limit, vr_cpuset *out,
                    char *reason, size_t reason_len);

/**
 * Normal form: ascending, runs of three or more ids as ranges ("0-2",
 * "0,3", "0-3,5-7"). Returns the length written, or -ENOSPC when buf is too
 * small (buf then holds an empty string).
 */
int vr_cpuset_format_ranges(const vr_cpuset *set, char *buf, size_t len);

/** Every id listed ("0,1,2"), for reporting members unambiguously. Returns
 * the length written, or -ENOSPC. */
int vr_cpuset_format_list(const vr_cpuset *set, char *buf, size_t len);

#endif /* VR_CPUSET_H */
