/* SPDX-License-Identifier: MIT */
/**
 * libvirt connection and event thread: see vr_libvirt.h (the domain
 * snapshots are in vr_libvirt_domains.c).
 *
 * Two event loops in one process. libvirt's default event loop is
 * process-wide: since libvirt 6.x virEventRegisterDefaultImpl registers the
 * GLib implementation inside a g_once (vireventglib.c), so collectd's virt
 * plugin and this module may both call it, in any order, harmlessly; and
 * virEventRunDefaultImpl is one g_main_context_iteration on the default
 * GMainContext. When two threads iterate that context, GLib lets one own it
 * at a time and the other waits for ownership (g_main_context_iterate), so
 * the two loops take turns and every source (either plugin's sockets,
 * timeouts and event callbacks) is dispatched by whichever thread owns the
 * context at that moment. Hence: both plugins keep working with both loops
 * running, but our callbacks may run on the virt plugin's thread (they only
 * record a fact under our lock and return, never call libvirt), and our
 * thread may not be the one that dispatches our wake-up timeout; a 1 s tick
 * bounds how long our thread waits before it looks at the connection again.
 * Blocking libvirt calls (connect, list) never run inside a callback, so we
 * never stall the other plugin's loop.
 */
#include "virt/vr_libvirt.h"
#include "virt/vr_libvirt_private.h"

_Static_assert(VR_UUID_STRING_LEN + 1 == VIR_UUID_STRING_BUFLEN,
               "vr_domain.uuid must hold a libvirt UUID string");

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "base/vr_defaults.h"
#include "base/vr_log.h"

#define VR_TICK_MS 1000
#define VR_BACKOFF_MIN_S 1.0
#define VR_BACKOFF_MAX_S 30.0

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *vr_libvirt_last_error(void) {
  const char *m = virGetLastErrorMessage();
  return m ? m : "unknown libvirt error";
}

static void lv_free(vr_libvirt *lv) {
  pthread_mutex_destroy(&lv->lock);
  pthread_cond_destroy(&lv->cond);
  free(lv->uri);
  free(lv->metadata_uri);
  free(lv->name_ns);
  free(lv->name_xpath);
  free(lv->run_path);
  free(lv->proc_path);
  free(lv->skipped);
  free(lv);
}

/* The virFreeCallback of our domain-event registrations. libvirt 9.0 calls
 * it from virConnectDomainEventDeregisterAny, or, when another thread is
 * dispatching that connection's events at that moment, at the end of that
 * same flush on that thread (object_event.c marks the callback deleted and
 * purges it once the dispatch is over). Either way it needs no further
 * iteration of our loop, but lv must live until it has run. */
static void release_ref(void *opaque) {
  vr_libvirt *lv = opaque;
  pthread_mutex_lock(&lv->lock);
  int left = --lv->refs;
  pthread_mutex_unlock(&lv->lock);
  if (left == 0)
    lv_free(lv);
}

static void mark_dirty(vr_libvirt *lv, virDomainPtr dom, vr_dirty_reason why) {
  char uuid[VIR_UUID_STRING_BUFLEN];
  /* Both read the virDomain object itself: no RPC inside a callback. */
  const char *name = virDomainGetName(dom);
  if (name == NULL || virDomainGetUUIDString(dom, uuid) < 0)
    return;
  pthread_mutex_lock(&lv->lock);
  if (lv->stopping) {
    pthread_mutex_unlock(&lv->lock);
    return;
  }
  lv->active_cbs++;
  pthread_mutex_unlock(&lv->lock);
  lv->on_dirty(lv->opaque, uuid, name, why);
  pthread_mutex_lock(&lv->lock);
  lv->active_cbs--;
  pthread_cond_broadcast(&lv->cond);
  pthread_mutex_unlock(&lv->lock);
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event,
                        int detail, void *opaque) {
  (void)conn, (void)event, (void)detail;
  mark_dirty(opaque, dom, VR_DIRTY_LIFECYCLE);
  return 0;
}

static void on_metadata(virConnectPtr conn, virDomainPtr dom, int type,
                        const char *nsuri, void *opaque) {
  vr_libvirt *lv = opaque;
  (void)conn;
  /* Other tools' elements and <description>/<title> edits are not ours;
   * the event names the element's namespace, so an edit of Nova's element
   * renames the domain's series at once (HostnameMetadataNS). */
  if (type != VIR_DOMAIN_METADATA_ELEMENT || nsuri == NULL ||
      (strcmp(nsuri, lv->metadata_uri) != 0 &&
       (lv->name_ns == NULL || strcmp(nsuri, lv->name_ns) != 0)))
    return;
  mark_dirty(lv, dom, VR_DIRTY_METADATA);
}

/* libvirt calls this when the connection dies (libvirtd gone, keepalive
 * timeout); the event thread reconnects.
 *
 * Registered without a virFreeCallback and without a reference on lv:
 * virConnectRegisterCloseCallback returns 0 but silently drops the freecb
 * for a driver without close-callback support (the test driver: libvirt-host.c
 * only forwards to conn->driver->connectRegisterCloseCallback when there is
 * one), so a reference handed to it would never come back. Where it is
 * supported (remote, vz) the callback runs under the lock of libvirt's close
 * callback data, which virConnectUnregisterCloseCallback also takes, so once
 * that returns on_close is neither running nor called again: lv outlives it
 * because disconnect() always unregisters before the connection goes. */
static void on_close(virConnectPtr conn, int reason, void *opaque) {
  vr_libvirt *lv = opaque;
  (void)conn, (void)reason;
  pthread_mutex_lock(&lv->lock);
  lv->need_reconnect = true;
  pthread_mutex_unlock(&lv->lock);
}

static void on_tick(int timer, void *opaque) { (void)timer, (void)opaque; }

/* Our connection's errors are returned, not printed by libvirt's default
 * handler (which writes to stderr). */
static void quiet_errors(void *opaque, virErrorPtr err) {
  (void)opaque, (void)err;
}

/* Takes the connection away from lv and closes it. */
static void disconnect(vr_libvirt *lv) {
  pthread_mutex_lock(&lv->lock);
  virConnectPtr c = lv->conn;
  int lc = lv->cb_lifecycle, md = lv->cb_metadata;
  bool cc = lv->close_cb;
  lv->conn = NULL;
  lv->cb_lifecycle = lv->cb_metadata = -1;
  lv->close_cb = false;
  pthread_mutex_unlock(&lv->lock);
  if (c == NULL)
    return;
  /* On a dead remote connection the deregistrations report an error, but
   * only after libvirt has dropped the callback locally and called its ff;
   * the RPC telling libvirtd is what fails. */
  if (lc >= 0)
    virConnectDomainEventDeregisterAny(c, lc);
  if (md >= 0)
    virConnectDomainEventDeregisterAny(c, md);
  if (cc)
    virConnectUnregisterCloseCallback(c, on_close);
  virConnectClose(c);
}

/* Registers one callback with lv as opaque, counting the reference. */
static int register_event(vr_libvirt *lv, virConnectPtr c, int id,
                          virConnectDomainEventGenericCallback cb) {
  pthread_mutex_lock(&lv->lock);
  lv->refs++;
  pthread_mutex_unlock(&lv->lock);
  int ret = virConnectDomainEventRegisterAny(c, NULL, id, cb, lv, release_ref);
  if (ret < 0)
    release_ref(lv);
  return ret;
}

/* Opens the connection and registers our callbacks. Returns 0 or -errno. */
static int connect_once(vr_libvirt *lv, char *reason, size_t reason_len) {
  virConnectPtr c = virConnectOpenReadOnly(lv->uri);
  if (c == NULL) {
    snprintf(reason, reason_len, "cannot connect to %s: %s", lv->uri,
             vr_libvirt_last_error());
    return -ECONNREFUSED;
  }
  virConnSetErrorFunc(c, NULL, quiet_errors);
  /* Keepalive lets a hung libvirtd be noticed; the test driver lacks it. */
  virConnectSetKeepAlive(c, 5, 3);
  /* vCPU hot-plug has no event to listen for: with libvirt 9.0 and QEMU,
   * `virsh event --all --loop` shows nothing at all for `setvcpus N --live`
   * (no lifecycle, tunable, device-added or other event), even with a
   * <vcpupin> for the plugged vCPU in <cputune>. A plugged vCPU's thread is
   * therefore picked up by the next RefreshInterval resync, or earlier by
   * any other event on that domain. */
  int lc = register_event(lv, c, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                          VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle));
  int md = register_event(lv, c, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                          VIR_DOMAIN_EVENT_CALLBACK(on_metadata));
  if (lc < 0 || md < 0) {
    snprintf(reason, reason_len, "cannot register domain events on %s: %s",
             lv->uri, vr_libvirt_last_error());
    if (lc >= 0)
      virConnectDomainEventDeregisterAny(c, lc);
    if (md >= 0)
      virConnectDomainEventDeregisterAny(c, md);
    virConnectClose(c);
    return -EIO;
  }
  /* On failure virConnectIsAlive still notices a lost daemon. */
  bool cc = virConnectRegisterCloseCallback(c, on_close, lv, NULL) == 0;
  pthread_mutex_lock(&lv->lock);
  lv->conn = c;
  lv->cb_lifecycle = lc;
  lv->cb_metadata = md;
  lv->close_cb = cc;
  lv->need_reconnect = false;
  pthread_mutex_unlock(&lv->lock);
  return 0;
}

/* Tries to connect; on success says so once and asks for a resync, on
 * failure complains once and doubles the backoff. */
static void try_connect(vr_libvirt *lv) {
  char reason[512];
  disconnect(lv);
  if (connect_once(lv, reason, sizeof(reason)) < 0) {
    VR_COMPLAIN(LOG_ERR, &lv->conn_complaint,
                "%s; retrying with backoff (up to every %.0f s)", reason,
                VR_BACKOFF_MAX_S);
    lv->next_attempt = now_s() + lv->backoff;
    lv->backoff =
        lv->backoff * 2 > VR_BACKOFF_MAX_S ? VR_BACKOFF_MAX_S : lv->backoff * 2;
    return;
  }
  VR_RELEASE(LOG_NOTICE, &lv->conn_complaint, "connected to %s again", lv->uri);
  lv->backoff = VR_BACKOFF_MIN_S;
  lv->next_attempt = 0;
  lv->on_resync(lv->opaque);
}

/* Runs on the event thread between loop iterations. */
static void service_connection(vr_libvirt *lv) {
  pthread_mutex_lock(&lv->lock);
  virConnectPtr c = lv->conn;
  bool need = lv->need_reconnect || c == NULL;
  if (c != NULL)
    virConnectRef(c);
  pthread_mutex_unlock(&lv->lock);
  if (c != NULL) {
    /* Local state of the client: no RPC. */
    if (virConnectIsAlive(c) != 1)
      need = true;
    virConnectClose(c);
  }
  if (!need || now_s() < lv->next_attempt || atomic_load(&lv->thread_stop))
    return;
  if (c != NULL)
    VR_WARNING("lost the connection to %s; reconnecting", lv->uri);
  try_connect(lv);
}

static void *event_thread(void *arg) {
  vr_libvirt *lv = arg;
  while (!atomic_load(&lv->thread_stop)) {
    if (virEventRunDefaultImpl() < 0)
      VR_ERROR("libvirt event loop: %s", vr_libvirt_last_error());
    if (!atomic_load(&lv->thread_stop))
      service_connection(lv);
  }
  return NULL;
}

static char *dup_or(const char *s, const char *dflt) {
  return strdup(s != NULL ? s : dflt);
}

int vr_libvirt_start(const vr_libvirt_config *cfg, vr_libvirt **out,
                     char *reason, size_t reason_len) {
  if (cfg->metadata_uri == NULL || cfg->on_dirty == NULL ||
      cfg->on_resync == NULL) {
    snprintf(reason, reason_len, "metadata URI and callbacks are required");
    return -EINVAL;
  }
  vr_libvirt *lv = calloc(1, sizeof(*lv));
  if (lv == NULL) {
    snprintf(reason, reason_len, "out of memory");
    return -ENOMEM;
  }
  pthread_mutex_init(&lv->lock, NULL);
  pthread_cond_init(&lv->cond, NULL);
  lv->refs = 1;
  lv->cb_lifecycle = lv->cb_metadata = -1;
  lv->backoff = VR_BACKOFF_MIN_S;
  lv->tick = -1;
  lv->on_dirty = cfg->on_dirty;
  lv->on_resync = cfg->on_resync;
  lv->opaque = cfg->opaque;
  lv->uri = dup_or(cfg->uri, VR_DEFAULT_CONNECTION);
  lv->metadata_uri = dup_or(cfg->metadata_uri, "");
  lv->run_path = dup_or(cfg->run_path, VR_DEFAULT_LIBVIRT_RUN_PATH);
  lv->proc_path = dup_or(cfg->proc_path, VR_DEFAULT_PROC_PATH);
  if (cfg->name_ns) {
    lv->name_ns = strdup(cfg->name_ns);
    lv->name_xpath = dup_or(cfg->name_xpath, VR_DEFAULT_NAME_METADATA_XPATH);
  }
  if (!lv->uri || !lv->metadata_uri || !lv->run_path || !lv->proc_path ||
      (cfg->name_ns && (!lv->name_ns || !lv->name_xpath))) {
    snprintf(reason, reason_len, "out of memory");
    lv_free(lv);
    return -ENOMEM;
  }
  /* Must precede the first connection, or events never arrive. */
  if (virEventRegisterDefaultImpl() < 0) {
    snprintf(reason, reason_len, "cannot register libvirt's event loop: %s",
             vr_libvirt_last_error());
    lv_free(lv);
    return -EIO;
  }
  lv->tick = virEventAddTimeout(VR_TICK_MS, on_tick, NULL, NULL);
  if (lv->tick < 0) {
    snprintf(reason, reason_len, "cannot add a libvirt timeout: %s",
             vr_libvirt_last_error());
    lv_free(lv);
    return -EIO;
  }
  try_connect(lv);
  /* collectd's helper carries the plugin context over: the reconnect
   * complaints (c_complain) ask plugin_get_interval on this thread. */
  int err =
      plugin_thread_create(&lv->thread, event_thread, lv, "virt_resctrl lv");
  if (err != 0) {
    snprintf(reason, reason_len, "cannot start the event thread: %s",
             strerror(err));
    disconnect(lv);
    virEventRemoveTimeout(lv->tick);
    release_ref(lv);
    return -err;
  }
  *out = lv;
  return 0;
}

bool vr_libvirt_connected(vr_libvirt *lv) {
  pthread_mutex_lock(&lv->lock);
  bool ok = lv->conn != NULL && !lv->need_reconnect;
  pthread_mutex_unlock(&lv->lock);
  return ok;
}

/* A reference on the current connection, or NULL while disconnected. */
virConnectPtr vr_libvirt_conn_get(vr_libvirt *lv) {
  pthread_mutex_lock(&lv->lock);
  virConnectPtr c = lv->need_reconnect ? NULL : lv->conn;
  if (c != NULL)
    virConnectRef(c);
  pthread_mutex_unlock(&lv->lock);
  return c;
}

void vr_libvirt_stop(vr_libvirt *lv) {
  if (lv == NULL)
    return;
  pthread_mutex_lock(&lv->lock);
  lv->stopping = true;
  while (lv->active_cbs > 0)
    pthread_cond_wait(&lv->cond, &lv->lock);
  pthread_mutex_unlock(&lv->lock);
  atomic_store(&lv->thread_stop, true);
  /* A 0 ms timeout fires on every iteration, whichever thread iterates, so
   * our thread returns from virEventRunDefaultImpl and sees the flag. */
  virEventUpdateTimeout(lv->tick, 0);
  pthread_join(lv->thread, NULL);
  /* Only now: before the join the thread could still be reconnecting and
   * store a connection after ours was taken down. Deregistering needs no
   * loop (see release_ref), and remote RPCs run their own I/O. */
  disconnect(lv);
  /* Its ff is NULL: GLib runs timeout ffs from a later idle callback. */
  virEventRemoveTimeout(lv->tick);
  release_ref(lv);
}
