/* SPDX-License-Identifier: MIT */
/**
 * libFuzzer target for libvirt's cpuset syntax: the first byte(s) pick the
 * limit (see vr_fuzz_split_limit), the rest is the vcpus attribute. A set
 * that parses must format both ways and parse back to itself.
 */
#include "fuzz_check.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned limit;
  size_t used = vr_fuzz_split_limit(data, size, &limit);
  char *text = vr_fuzz_text(data + used, size - used);
  if (!text)
    return 0;
  char why[512];
  if (vr_fuzz_check_cpuset(text, limit, why, sizeof(why)) != 0) {
    fprintf(stderr, "fuzz_cpuset: limit %u: %s\n", limit, why);
    abort();
  }
  free(text);
  return 0;
}
