/* SPDX-License-Identifier: MIT */
/**
 * The shared words about monitoring groups; see vocabulary.h.
 */
#include "base/vocabulary.h"
#include "base/text.h"

#include <stdio.h>

bool vr_group_name_valid(const char *name) {
  return name[0] != '.' && vr_chars_valid(name, VR_GROUP_NAME_MAX, "_.,-");
}

const char *vr_thread_describe(vr_thread_kind kind, unsigned id, char *buf,
                               size_t len) {
  if (kind == VR_THREAD_EMULATOR)
    snprintf(buf, len, "the emulator");
  else
    snprintf(buf, len, "%s %u",
             kind == VR_THREAD_IOTHREAD ? "iothread" : "vCPU", id);
  return buf;
}
