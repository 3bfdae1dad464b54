/* SPDX-License-Identifier: MIT */
/**
 * libFuzzer target for the test that decides which resctrl directories are
 * ours: "<prefix>\n<directory name>". A name it accepts must be exactly
 * what the formatter builds from the parts, so no other directory can ever
 * be taken for ours and removed.
 */
#include "fuzz_check.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *input = vr_fuzz_text(data, size);
  if (!input)
    return 0;
  char why[512];
  if (vr_fuzz_check_owned_name(input, why, sizeof(why)) != 0) {
    fprintf(stderr, "fuzz_owned_name: %s\n", why);
    abort();
  }
  free(input);
  return 0;
}
