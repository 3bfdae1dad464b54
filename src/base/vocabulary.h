/* SPDX-License-Identifier: MIT */
/**
 * The words every layer shares about a monitoring group: how long its name
 * may be and which characters it may hold (it becomes a resctrl directory
 * name), the room for a reason, the kinds of QEMU thread a group may hold,
 * and who gets an ABMC counter first. The metadata parser (plan/group_spec)
 * produces them; resctrl names, QEMU thread lookups and the ABMC decisions
 * consume them, so they live below all of those. Pure.
 */
#ifndef VR_VOCABULARY_H
#define VR_VOCABULARY_H

#include <stdbool.h>
#include <stddef.h>

/* Group names become resctrl directory names: [A-Za-z0-9_.,-]{1,64}, not
 * starting with '.'. */
#define VR_GROUP_NAME_MAX 64
#define VR_REASON_MAX 256
/* A domain UUID in libvirt's string form, without the NUL. */
#define VR_UUID_STRING_LEN 36

/** True when name may be a group name (see VR_GROUP_NAME_MAX). */
bool vr_group_name_valid(const char *name);

/* Who gets an ABMC counter first when a domain has fewer than the groups
 * want (metadata attribute mbm, doc/design.md, "ABMC counters"). */
typedef enum {
  VR_MBM_NORMAL, /* default: after the high ones, in a stable order */
  VR_MBM_HIGH,   /* mbm="high": first */
  VR_MBM_OFF,    /* mbm="off": never (no bandwidth value for the group) */
} vr_mbm_priority;

/* The kinds of QEMU thread a group may hold (doc/design.md, "Metadata"). */
typedef enum {
  VR_THREAD_VCPU,     /* "CPU <n>/KVM": vCPU n */
  VR_THREAD_IOTHREAD, /* "IO iothread<N>": libvirt's iothread N */
  VR_THREAD_EMULATOR, /* any other thread of the QEMU process */
} vr_thread_kind;

/** "vCPU 3", "iothread 1" or "the emulator", for log lines and reasons. */
const char *vr_thread_describe(vr_thread_kind kind, unsigned id, char *buf,
                               size_t len);

#endif /* VR_VOCABULARY_H */
