/* SPDX-License-Identifier: MIT */
/**
 * Shared between the two halves of the libvirt module (vr_libvirt.c: the
 * connection and the event thread; vr_libvirt_domains.c: the snapshots).
 * Not for other modules: they use vr_libvirt.h.
 */
#ifndef VR_LIBVIRT_PRIVATE_H
#define VR_LIBVIRT_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "base/vr_log.h"
#include "virt/vr_libvirt.h"

struct vr_libvirt {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  char *uri, *metadata_uri, *run_path, *proc_path;
  char *name_ns, *name_xpath; /* NULL: the name metadata is not read */
  vr_libvirt_dirty_fn on_dirty;
  vr_libvirt_resync_fn on_resync;
  void *opaque;

  /* Under lock. */
  virConnectPtr conn;
  int cb_lifecycle, cb_metadata;
  bool close_cb;
  bool need_reconnect;
  bool stopping;
  int active_cbs;
  int refs; /* ours + one per domain-event registration (dropped by its ff) */
  char (*skipped)[VIR_UUID_STRING_BUFLEN];
  size_t n_skipped;

  /* Event thread only. */
  double next_attempt, backoff;
  c_complain_t conn_complaint;

  int tick;
  atomic_bool thread_stop;
  pthread_t thread;
};

/* A reference on the current connection (release with virConnectClose), or
 * NULL while disconnected or about to reconnect. */
virConnectPtr vr_libvirt_conn_get(vr_libvirt *lv);

/* The calling thread's last libvirt error message, never NULL. */
const char *vr_libvirt_last_error(void);

#endif /* VR_LIBVIRT_PRIVATE_H */
