/* SPDX-License-Identifier: MIT */
/**
 * What must hold for any input to the metadata, cpuset and owned-name
 * parsers, whatever an attacker writes. Shared by the libFuzzer targets
 * (built with clang by run-fuzz.sh) and the hostile-input test (built with
 * the project's compiler), so that a corpus file that once crashed a
 * fuzzer is replayed with the same checks in every `make check`.
 *
 * Each check returns 0 when the invariants hold, or -1 with what broke in
 * why (a fuzzer then aborts, a test fails with that text).
 */
#ifndef VR_FUZZ_CHECK_H
#define VR_FUZZ_CHECK_H

#include "plan/group_spec.h"

#include <stddef.h>
#include <stdint.h>

/**
 * Splits a fuzz input into a vCPU limit and the text behind it, so that a
 * fuzzer explores limits too and seeds stay readable. The first byte b:
 *   0x00-0xEF: the limit is b itself, e.g. 'A' (65) before an XML seed;
 *   0xF0-0xFE: the limit is the next two bytes, big-endian (0-65535, so
 *              4095, 4096 and 4097 are reachable);
 *   0xFF:      the limit is UINT_MAX.
 * An empty input gives limit 0. Returns the number of bytes consumed.
 */
size_t vr_fuzz_split_limit(const uint8_t *data, size_t size, unsigned *limit);

/**
 * Copies the rest of a fuzz input into a NUL-terminated heap string (cut at
 * the first NUL, as C callers would see it). Returns NULL when out of
 * memory.
 */
char *vr_fuzz_text(const uint8_t *data, size_t size);

/**
 * Parses xml as metadata of a domain with max_vcpus vCPUs and checks the
 * result: valid names, members equal to the set listed, every id below
 * max_vcpus, no vCPU in two groups, no duplicate names, rejection labels
 * and reasons printable ASCII, reasons non-empty.
 */
int vr_fuzz_check_group_spec(const char *xml, unsigned max_vcpus, char *why,
                             size_t why_len);

/**
 * Parses text as a cpuset below limit; on success formats it both ways,
 * re-parses each form to the same set, and checks that a buffer one byte
 * short is refused with -ENOSPC and an empty string.
 */
int vr_fuzz_check_cpuset(const char *text, unsigned limit, char *why,
                         size_t why_len);

/**
 * Splits input at its first newline into a group prefix and a directory
 * name; checks that vr_owned_name_parse accepts only names that
 * vr_owned_name_format would build from the parts it returns.
 */
int vr_fuzz_check_owned_name(const char *input, char *why, size_t why_len);

#endif /* VR_FUZZ_CHECK_H */
