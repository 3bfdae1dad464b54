/**
 * The plugin's view of the VMs: one libvirt connection, a libvirt event-loop
 * thread, and snapshots of running domains with their vCPU threads.
 *
 * Threads: event callbacks (on_dirty, on_resync) run on a libvirt event-loop
 * thread, ours or another plugin's (see vr_libvirt.c); they must only record
 * the fact and return. vr_libvirt_list and vr_libvirt_get do libvirt RPCs and
 * block on libvirtd: call them from a worker context, never from collectd's
 * read callback. They are safe to call from any thread.
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
  VR_DIRTY_METADATA,  /* our metadata element changed */
} vr_dirty_reason;

typedef void (*vr_libvirt_dirty_fn)(void *opaque, const char *uuid,
                                    const char *name, vr_dirty_reason why);
/* After every successful (re)connect: the caller's view may be stale. */
typedef void (*vr_libvirt_resync_fn)(void *opaque);

typedef struct vr_libvirt_config {
  const char *uri;          /* NULL: qemu:///system */
  const char *metadata_uri; /* namespace of our element (required) */
  const char *run_path;     /* NULL: /run/libvirt/qemu */
  const char *proc_path;    /* NULL: /proc */
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

/* Snapshots every running domain that FILTER selects (NULL: all). Domains
 * whose vCPU threads cannot be found are logged once and left out.
 * Returns 0, or a negative errno (-ENOTCONN while disconnected). */
int vr_libvirt_list(vr_libvirt *lv, const vr_domain_filter *filter,
                    vr_domain_list *out, char *reason, size_t reason_len);

/* vr_libvirt_list, asking libvirt only about what KNOWN (an earlier list of
 * this connection, or NULL) does not tell: a domain listed there with the
 * same UUID and id keeps its vCPU count and metadata, and only its vCPU
 * threads are looked up again (locally, in /proc). One RPC for an
 * unchanged host, instead of two per domain. Sound only while the events
 * of the same connection report every metadata change: after a reconnect,
 * pass NULL. */
int vr_libvirt_list_known(vr_libvirt *lv, const vr_domain_filter *filter,
                          const vr_domain_list *known, vr_domain_list *out,
                          char *reason, size_t reason_len);

/* Snapshots one domain by UUID string, if FILTER (NULL: all) selects it.
 * Returns 0; -ENOENT when it is not running (or gone) or not selected;
 * -ESRCH when its threads cannot be found; or another negative errno. */
int vr_libvirt_get(vr_libvirt *lv, const vr_domain_filter *filter,
                   const char *uuid, vr_domain *out, char *reason,
                   size_t reason_len);

bool vr_libvirt_connected(vr_libvirt *lv);

/* Wakes and joins the event thread, deregisters every callback and closes
 * the connection. No callback runs once it returns. NULL is fine. */
void vr_libvirt_stop(vr_libvirt *lv);

#endif /* VR_LIBVIRT_H */
