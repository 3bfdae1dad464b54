/* SPDX-License-Identifier: MIT */
/**
 * libFuzzer target for the metadata parser: the first byte(s) pick the
 * domain's maximum vCPU count (see vr_fuzz_split_limit), the rest is the
 * XML that virDomainGetMetadata would hand us. Any broken invariant aborts.
 */
#include "fuzz_check.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libxml2 prints parse errors to stderr unless told not to; the parser
 * already passes XML_PARSE_NOERROR, this also silences the generic ones so
 * the fuzzer's output stays readable. */
static void quiet(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  xmlInitParser();
  xmlSetGenericErrorFunc(NULL, quiet);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned max_vcpus;
  size_t used = vr_fuzz_split_limit(data, size, &max_vcpus);
  char *xml = vr_fuzz_text(data + used, size - used);
  if (!xml)
    return 0;
  char why[512];
  if (vr_fuzz_check_group_spec(xml, max_vcpus, why, sizeof(why)) != 0) {
    fprintf(stderr, "fuzz_group_spec: max_vcpus %u: %s\n", max_vcpus, why);
    abort();
  }
  free(xml);
  return 0;
}
