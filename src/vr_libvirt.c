/**
 * libvirt connection, event thread and domain snapshots: see vr_libvirt.h.
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
#include "vr_libvirt.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "vcpu_threads.h"
#include "vr_log.h"

#define VR_DEFAULT_URI "qemu:///system"
#define VR_DEFAULT_RUN_PATH "/run/libvirt/qemu"
#define VR_DEFAULT_PROC_PATH "/proc"
#define VR_TICK_MS 1000
#define VR_BACKOFF_MIN_S 1.0
#define VR_BACKOFF_MAX_S 30.0

struct vr_libvirt {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  char *uri, *metadata_uri, *run_path, *proc_path;
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
  int refs; /* ours + one per libvirt registration (dropped by its ff) */
  char (*skipped)[VIR_UUID_STRING_BUFLEN];
  size_t n_skipped;

  /* Event thread only. */
  double next_attempt, backoff;
  c_complain_t conn_complaint;

  int tick;
  atomic_bool thread_stop;
  pthread_t thread;
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *last_error(void) {
  const char *m = virGetLastErrorMessage();
  return m ? m : "unknown libvirt error";
}

static void lv_free(vr_libvirt_t *lv) {
  pthread_mutex_destroy(&lv->lock);
  pthread_cond_destroy(&lv->cond);
  free(lv->uri);
  free(lv->metadata_uri);
  free(lv->run_path);
  free(lv->proc_path);
  free(lv->skipped);
  free(lv);
}

/* The virFreeCallback of every registration: libvirt calls it once the
 * callback can no longer run (after deregistration, possibly later when a
 * dispatch was in progress on another thread), so lv lives until then. */
static void release_ref(void *opaque) {
  vr_libvirt_t *lv = opaque;
  pthread_mutex_lock(&lv->lock);
  int left = --lv->refs;
  pthread_mutex_unlock(&lv->lock);
  if (left == 0)
    lv_free(lv);
}

static void mark_dirty(vr_libvirt_t *lv, virDomainPtr dom,
                       vr_dirty_reason_t why) {
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
  vr_libvirt_t *lv = opaque;
  (void)conn;
  /* Other tools' elements and <description>/<title> edits are not ours. */
  if (type != VIR_DOMAIN_METADATA_ELEMENT || nsuri == NULL ||
      strcmp(nsuri, lv->metadata_uri) != 0)
    return;
  mark_dirty(lv, dom, VR_DIRTY_METADATA);
}

/* libvirt calls this when the connection dies (libvirtd gone, keepalive
 * timeout); the event thread reconnects. */
static void on_close(virConnectPtr conn, int reason, void *opaque) {
  vr_libvirt_t *lv = opaque;
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
static void disconnect(vr_libvirt_t *lv) {
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
  /* On a dead connection these fail; closing it still frees the callbacks
   * (and calls their free functions). */
  if (lc >= 0)
    virConnectDomainEventDeregisterAny(c, lc);
  if (md >= 0)
    virConnectDomainEventDeregisterAny(c, md);
  if (cc)
    virConnectUnregisterCloseCallback(c, on_close);
  virConnectClose(c);
}

/* Registers one callback with lv as opaque, counting the reference. */
static int register_event(vr_libvirt_t *lv, virConnectPtr c, int id,
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
static int connect_once(vr_libvirt_t *lv, char *reason, size_t reason_len) {
  virConnectPtr c = virConnectOpenReadOnly(lv->uri);
  if (c == NULL) {
    snprintf(reason, reason_len, "cannot connect to %s: %s", lv->uri,
             last_error());
    return -ECONNREFUSED;
  }
  virConnSetErrorFunc(c, NULL, quiet_errors);
  /* Keepalive lets a hung libvirtd be noticed; the test driver lacks it. */
  virConnectSetKeepAlive(c, 5, 3);
  int lc = register_event(lv, c, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                          VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle));
  int md = register_event(lv, c, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                          VIR_DOMAIN_EVENT_CALLBACK(on_metadata));
  if (lc < 0 || md < 0) {
    snprintf(reason, reason_len, "cannot register domain events on %s: %s",
             lv->uri, last_error());
    if (lc >= 0)
      virConnectDomainEventDeregisterAny(c, lc);
    if (md >= 0)
      virConnectDomainEventDeregisterAny(c, md);
    virConnectClose(c);
    return -EIO;
  }
  pthread_mutex_lock(&lv->lock);
  lv->refs++;
  pthread_mutex_unlock(&lv->lock);
  bool cc = virConnectRegisterCloseCallback(c, on_close, lv, release_ref) == 0;
  if (!cc)
    release_ref(lv); /* virConnectIsAlive still notices a lost daemon */
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
static void try_connect(vr_libvirt_t *lv) {
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
static void service_connection(vr_libvirt_t *lv) {
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
  vr_libvirt_t *lv = arg;
  while (!atomic_load(&lv->thread_stop)) {
    if (virEventRunDefaultImpl() < 0)
      VR_ERROR("libvirt event loop: %s", last_error());
    if (!atomic_load(&lv->thread_stop))
      service_connection(lv);
  }
  return NULL;
}

static char *dup_or(const char *s, const char *dflt) {
  return strdup(s != NULL ? s : dflt);
}

int vr_libvirt_start(const vr_libvirt_config_t *cfg, vr_libvirt_t **out,
                     char *reason, size_t reason_len) {
  if (cfg->metadata_uri == NULL || cfg->on_dirty == NULL ||
      cfg->on_resync == NULL) {
    snprintf(reason, reason_len, "metadata URI and callbacks are required");
    return -EINVAL;
  }
  vr_libvirt_t *lv = calloc(1, sizeof(*lv));
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
  lv->uri = dup_or(cfg->uri, VR_DEFAULT_URI);
  lv->metadata_uri = dup_or(cfg->metadata_uri, "");
  lv->run_path = dup_or(cfg->run_path, VR_DEFAULT_RUN_PATH);
  lv->proc_path = dup_or(cfg->proc_path, VR_DEFAULT_PROC_PATH);
  if (!lv->uri || !lv->metadata_uri || !lv->run_path || !lv->proc_path) {
    snprintf(reason, reason_len, "out of memory");
    lv_free(lv);
    return -ENOMEM;
  }
  /* Must precede the first connection, or events never arrive. */
  if (virEventRegisterDefaultImpl() < 0) {
    snprintf(reason, reason_len, "cannot register libvirt's event loop: %s",
             last_error());
    lv_free(lv);
    return -EIO;
  }
  lv->tick = virEventAddTimeout(VR_TICK_MS, on_tick, NULL, NULL);
  if (lv->tick < 0) {
    snprintf(reason, reason_len, "cannot add a libvirt timeout: %s",
             last_error());
    lv_free(lv);
    return -EIO;
  }
  try_connect(lv);
  /* collectd's helper carries the plugin context over: c_complain (the
   * reconnect complaint) asks plugin_get_interval, which logs an error
   * from a thread without one. */
  int err = plugin_thread_create(&lv->thread, event_thread, lv, "vr_events");
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

bool vr_libvirt_connected(vr_libvirt_t *lv) {
  pthread_mutex_lock(&lv->lock);
  bool ok = lv->conn != NULL && !lv->need_reconnect;
  pthread_mutex_unlock(&lv->lock);
  return ok;
}

void vr_libvirt_stop(vr_libvirt_t *lv) {
  if (lv == NULL)
    return;
  pthread_mutex_lock(&lv->lock);
  lv->stopping = true;
  while (lv->active_cbs > 0)
    pthread_cond_wait(&lv->cond, &lv->lock);
  pthread_mutex_unlock(&lv->lock);
  /* Deregister while the loop still runs: libvirt defers freeing a
   * callback deregistered during a dispatch to a later loop iteration. */
  atomic_store(&lv->thread_stop, true);
  disconnect(lv);
  /* A 0 ms timeout fires on every iteration, whichever thread iterates, so
   * our thread returns from virEventRunDefaultImpl and sees the flag. */
  virEventUpdateTimeout(lv->tick, 0);
  pthread_join(lv->thread, NULL);
  virEventRemoveTimeout(lv->tick);
  release_ref(lv);
}

/* ---- snapshots ---- */

void vr_domain_clear(vr_domain_t *d) {
  free(d->name);
  free(d->metadata);
  free(d->vcpu_tids);
  memset(d, 0, sizeof(*d));
}

void vr_domain_list_clear(vr_domain_list_t *list) {
  for (size_t i = 0; i < list->count; i++)
    vr_domain_clear(&list->domains[i]);
  free(list->domains);
  list->domains = NULL;
  list->count = 0;
}

/* A reference on the current connection, or NULL while disconnected. */
static virConnectPtr conn_get(vr_libvirt_t *lv) {
  pthread_mutex_lock(&lv->lock);
  virConnectPtr c = lv->need_reconnect ? NULL : lv->conn;
  if (c != NULL)
    virConnectRef(c);
  pthread_mutex_unlock(&lv->lock);
  return c;
}

/* Maps "the domain went away meanwhile" to -ENOENT, anything else to -EIO. */
static int domain_error(const char *what, const char *name, char *reason,
                        size_t reason_len) {
  virErrorPtr e = virGetLastError();
  int code = e ? e->code : VIR_ERR_OK;
  snprintf(reason, reason_len, "domain %s: %s: %s", name, what, last_error());
  return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID
             ? -ENOENT
             : -EIO;
}

/* Remembers (or forgets, when ok) that UUID was skipped; returns true when
 * it is news, i.e. worth one log line. */
static bool skip_note(vr_libvirt_t *lv, const char *uuid, bool ok) {
  bool news = false;
  pthread_mutex_lock(&lv->lock);
  size_t i = 0;
  while (i < lv->n_skipped && strcmp(lv->skipped[i], uuid) != 0)
    i++;
  if (ok && i < lv->n_skipped) {
    lv->skipped[i][0] = '\0';
    memcpy(lv->skipped[i], lv->skipped[lv->n_skipped - 1],
           VIR_UUID_STRING_BUFLEN);
    lv->n_skipped--;
  } else if (!ok && i == lv->n_skipped) {
    void *grown =
        realloc(lv->skipped, (lv->n_skipped + 1) * sizeof(*lv->skipped));
    if (grown != NULL) {
      lv->skipped = grown;
      snprintf(lv->skipped[lv->n_skipped++], VIR_UUID_STRING_BUFLEN, "%s",
               uuid);
    }
    news = true;
  }
  pthread_mutex_unlock(&lv->lock);
  return news;
}

/* Fills OUT for a running domain: counts, metadata, vCPU threads. */
static int snapshot(vr_libvirt_t *lv, virDomainPtr dom, vr_domain_t *out,
                    char *reason, size_t reason_len) {
  int ret = 0;
  const char *name = virDomainGetName(dom);
  memset(out, 0, sizeof(*out));
  out->name = strdup(name ? name : "");
  if (out->name == NULL || virDomainGetUUIDString(dom, out->uuid) < 0) {
    snprintf(reason, reason_len, "out of memory");
    ret = -ENOMEM;
    goto fail;
  }
  out->max_vcpus = virDomainGetVcpusFlags(dom, VIR_DOMAIN_VCPU_LIVE |
                                                   VIR_DOMAIN_VCPU_MAXIMUM);
  out->cur_vcpus = virDomainGetVcpusFlags(dom, VIR_DOMAIN_VCPU_LIVE);
  if (out->max_vcpus < 1 || out->cur_vcpus < 0) {
    ret = domain_error("cannot get its vCPU count", out->name, reason,
                       reason_len);
    goto fail;
  }
  out->metadata =
      virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, lv->metadata_uri,
                           VIR_DOMAIN_AFFECT_LIVE);
  if (out->metadata == NULL) {
    virErrorPtr e = virGetLastError();
    /* VIR_ERR_NO_DOMAIN_METADATA: the domain simply has no element of ours. */
    if (e == NULL || e->code != VIR_ERR_NO_DOMAIN_METADATA) {
      ret = domain_error("cannot read its metadata", out->name, reason,
                         reason_len);
      goto fail;
    }
  }
  out->vcpu_tids = calloc((size_t)out->max_vcpus, sizeof(pid_t));
  if (out->vcpu_tids == NULL) {
    snprintf(reason, reason_len, "out of memory");
    ret = -ENOMEM;
    goto fail;
  }
  char why[384];
  int found = vr_vcpu_threads_find(lv->run_path, lv->proc_path, out->name,
                                   out->vcpu_tids, (size_t)out->max_vcpus, why,
                                   sizeof(why));
  if (found <= 0) {
    snprintf(reason, reason_len, "%s", why);
    ret = -ESRCH;
    goto fail;
  }
  return 0;
fail:
  vr_domain_clear(out);
  return ret;
}

/* snapshot(), with a domain whose threads cannot be found reported once. */
static int snapshot_checked(vr_libvirt_t *lv, virDomainPtr dom,
                            vr_domain_t *out, char *reason, size_t reason_len) {
  char uuid[VIR_UUID_STRING_BUFLEN] = "";
  virDomainGetUUIDString(dom, uuid);
  int ret = snapshot(lv, dom, out, reason, reason_len);
  if (ret == -ESRCH && skip_note(lv, uuid, false))
    VR_WARNING("domain %s: cannot find its vCPU threads (%s); skipping it. "
               "Only QEMU domains of the local libvirtd are supported; check "
               "that LibvirtRunPath (%s) and ProcPath (%s) are right and "
               "readable",
               virDomainGetName(dom), reason, lv->run_path, lv->proc_path);
  else if (ret == 0)
    skip_note(lv, uuid, true);
  return ret;
}

int vr_libvirt_list(vr_libvirt_t *lv, const vr_domain_filter_t *filter,
                    vr_domain_list_t *out, char *reason, size_t reason_len) {
  virDomainPtr *doms = NULL;
  int ret = 0;
  memset(out, 0, sizeof(*out));
  virConnectPtr c = conn_get(lv);
  if (c == NULL) {
    snprintf(reason, reason_len, "not connected to %s", lv->uri);
    return -ENOTCONN;
  }
  int n = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0) {
    snprintf(reason, reason_len, "cannot list domains on %s: %s", lv->uri,
             last_error());
    ret = -EIO;
    goto out;
  }
  out->domains = calloc(n > 0 ? (size_t)n : 1, sizeof(*out->domains));
  if (out->domains == NULL) {
    snprintf(reason, reason_len, "out of memory");
    ret = -ENOMEM;
    goto out;
  }
  for (int i = 0; i < n; i++) {
    char why[512];
    const char *name = virDomainGetName(doms[i]);
    if (name == NULL || !vr_domain_filter_match(filter, name))
      continue;
    int r = snapshot_checked(lv, doms[i], &out->domains[out->count], why,
                             sizeof(why));
    if (r == 0)
      out->count++;
    else if (r != -ESRCH && r != -ENOENT) /* ENOENT: it stopped meanwhile */
      VR_WARNING("%s", why);
  }
out:
  for (int i = 0; doms != NULL && i < n; i++)
    virDomainFree(doms[i]);
  free(doms);
  virConnectClose(c);
  if (ret < 0)
    vr_domain_list_clear(out);
  return ret;
}

int vr_libvirt_get(vr_libvirt_t *lv, const char *uuid, vr_domain_t *out,
                   char *reason, size_t reason_len) {
  int ret;
  memset(out, 0, sizeof(*out));
  virConnectPtr c = conn_get(lv);
  if (c == NULL) {
    snprintf(reason, reason_len, "not connected to %s", lv->uri);
    return -ENOTCONN;
  }
  virDomainPtr dom = virDomainLookupByUUIDString(c, uuid);
  if (dom == NULL) {
    ret = domain_error("cannot look it up", uuid, reason, reason_len);
  } else if (virDomainIsActive(dom) != 1) {
    snprintf(reason, reason_len, "domain %s is not running", uuid);
    ret = -ENOENT;
  } else {
    ret = snapshot_checked(lv, dom, out, reason, reason_len);
  }
  if (dom != NULL)
    virDomainFree(dom);
  virConnectClose(c);
  return ret;
}
