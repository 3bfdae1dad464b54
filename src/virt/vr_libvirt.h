/* SPDX-License-Identifier: MIT */
/**
 * The plugin's view of the VMs: one libvirt connection, a libvirt event-loop
 * thread, and snapshots of running domains with their vCPU threads.
 *
 * Threads: event callbacks (on_dirty, on_resync) run on a libvirt event-loop
 * thread, ours or another plugin's (see vr_libvirt.c); they must only record
 * the fact and return. vr_libvirt_list and vr_libvirt_get do libvirt RPCs and
 * block on libvirtd: call them from a worker context, never from collectd's
 * read callback (vr_libvirt_domains.h). They are safe to call from any
 * thread.
 */
#ifndef VR_LIBVIRT_H
#define VR_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <libvirt/libvirt.h>

#include "virt/domain_filter.h"
#include "virt/domain_model.h"

/* Why a domain needs a fresh look. */
typedef enum {
  VR_DIRTY_LIFECYCLE, /* started, stopped, resumed, ... */
  VR_DIRTY_METADATA,  /* our metadata element, or name_ns's, changed */
} vr_dirty_reason;

typedef void (*vr_libvirt_dirty_fn)(void *opaque, const char *uuid,
                                    const char *name, vr_dirty_reason why);
/* After every successful (re)connect: the caller's view may be stale. */
typedef void (*vr_libvirt_resync_fn)(void *opaque);

typedef struct vr_libvirt_config {
  const char *uri;          /* NULL: qemu:///system */
  const char *metadata_uri; /* namespace of our element (required) */
  /* HostnameMetadataNS: the element whose name_xpath value names the domain
   * (vr_domain.name_meta); NULL: not read. */
  const char *name_ns;
  const char *name_xpath;
  const char *run_path;  /* NULL: /run/libvirt/qemu */
  const char *proc_path; /* NULL: /proc */
  vr_libvirt_dirty_fn on_dirty;
  vr_libvirt_resync_fn on_resync;
  void *opaque;
} vr_libvirt_config;

typedef struct vr_libvirt vr_libvirt;

/* Registers libvirt's default event loop, starts the event thread, and tries
 * to connect (a failure to connect is not an error: the thread retries with
 * backoff and calls on_resync once it gets through).
 * Returns 0, or a negative errno with a reason. */
int vr_libvirt_start(const vr_libvirt_config *cfg, vr_libvirt **out,
                     char *reason, size_t reason_len);

bool vr_libvirt_connected(vr_libvirt *lv);

/* Wakes and joins the event thread, deregisters every callback and closes
 * the connection. No callback runs once it returns. NULL is fine. */
void vr_libvirt_stop(vr_libvirt *lv);

#endif /* VR_LIBVIRT_H */
