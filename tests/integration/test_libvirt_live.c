/* SPDX-License-Identifier: MIT */
/* The libvirt module against a real, private libvirtd (started by
 * libvirt-live.sh through tests/support/libvirtd-env.sh) with QEMU guests
 * vm-md (metadata), vm-plain (none) and vm-hot (<vcpu current='2'>4).
 * A second thread runs libvirt's default event loop with its own connection
 * the way collectd's virt plugin does, for the whole run. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collectd_shim.h"
#include "virt/vr_libvirt.h"
#include "virt/vr_libvirt_domains.h"

#define MD_URI "urn:x-virt-resctrl:resmon:1"

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);          \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static const char *uri, *run_path, *srcdir;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static char dirty_name[64];
static int dirty_why = -1;
static double dirty_at;
static int resyncs;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_dirty(void *opaque, const char *uuid, const char *name,
                     vr_dirty_reason why) {
  (void)opaque, (void)uuid;
  pthread_mutex_lock(&mu);
  /* Keep the first event of the kind we wait for. */
  if (dirty_why < 0) {
    snprintf(dirty_name, sizeof(dirty_name), "%s", name);
    dirty_why = (int)why;
    dirty_at = now_s();
  }
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void on_resync(void *opaque) {
  (void)opaque;
  pthread_mutex_lock(&mu);
  resyncs++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void clear_dirty(void) {
  pthread_mutex_lock(&mu);
  dirty_why = -1;
  dirty_name[0] = '\0';
  pthread_mutex_unlock(&mu);
}

/* Waits until the first dirty mark names NAME with WHY; returns its time. */
static double wait_dirty(const char *name, int why, double timeout) {
  double end = now_s() + timeout, at = -1;
  pthread_mutex_lock(&mu);
  while (now_s() < end) {
    if (dirty_why >= 0) {
      if (dirty_why == why && strcmp(dirty_name, name) == 0) {
        at = dirty_at;
        break;
      }
      dirty_why = -1; /* another domain or kind: keep waiting */
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&cv, &mu, &ts);
  }
  pthread_mutex_unlock(&mu);
  return at;
}

static int get_resyncs(void) {
  pthread_mutex_lock(&mu);
  int r = resyncs;
  pthread_mutex_unlock(&mu);
  return r;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  CHECK(n > 0 && (size_t)n < sizeof(cmd), "command too long");
  int rc = system(cmd);
  CHECK(rc == 0, "command failed (%d): %s", rc, cmd);
}

/* vCPU thread ids from libvirt's status XML, scanned independently of the
 * module's parser. Returns how many were found. */
static int status_tids(const char *name, pid_t *tids, int n) {
  char path[4096], buf[1 << 16];
  snprintf(path, sizeof(path), "%s/%s.xml", run_path, name);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL, "cannot open %s", path);
  size_t len = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[len] = '\0';
  memset(tids, 0, (size_t)n * sizeof(*tids));
  int found = 0;
  for (char *p = strstr(buf, "<vcpu id='"); p;
       p = strstr(p + 1, "<vcpu id='")) {
    int id, pid;
    if (sscanf(p, "<vcpu id='%d' pid='%d'", &id, &pid) == 2 && id < n) {
      tids[id] = pid;
      found++;
    }
  }
  return found;
}

/* The domain's online vCPU count as libvirt reports it. The module does not
 * ask (the vCPU threads tell it which are online); the test checks it. */
static int cur_vcpus(const char *name) {
  virConnectPtr c = virConnectOpenReadOnly(uri);
  CHECK(c != NULL, "read-only connection to %s", uri);
  virDomainPtr dom = virDomainLookupByName(c, name);
  CHECK(dom != NULL, "domain %s", name);
  int n = virDomainGetVcpusFlags(dom, VIR_DOMAIN_VCPU_LIVE);
  virDomainFree(dom);
  virConnectClose(c);
  return n;
}

static void check_tids_match_status(const vr_domain *d) {
  pid_t ref[64];
  int found = status_tids(d->name, ref, 64);
  int cur = cur_vcpus(d->name);
  CHECK(found == cur, "%s: status XML lists %d vCPUs, cur %d", d->name, found,
        cur);
  for (int i = 0; i < d->max_vcpus; i++)
    CHECK(d->vcpu_tids[i] == ref[i], "%s: vCPU %d tid %d, status XML %d",
          d->name, i, (int)d->vcpu_tids[i], (int)ref[i]);
}

static const vr_domain *find(const vr_domain_list *l, const char *name) {
  for (size_t i = 0; i < l->count; i++)
    if (strcmp(l->domains[i].name, name) == 0)
      return &l->domains[i];
  return NULL;
}

/* ---- a second event loop, as collectd's virt plugin runs it ---- */
static atomic_bool other_stop;
static atomic_int other_events;
static int other_cb(virConnectPtr c, virDomainPtr d, int e, int de, void *o) {
  (void)c, (void)d, (void)e, (void)de, (void)o;
  atomic_fetch_add(&other_events, 1);
  return 0;
}
static void other_tick(int t, void *o) { (void)t, (void)o; }
static void *other_loop(void *arg) {
  (void)arg;
  while (!atomic_load(&other_stop))
    virEventRunDefaultImpl();
  return NULL;
}

int main(void) {
  char why[1024];
  uri = getenv("LV_URI");
  run_path = getenv("LV_RUN_PATH");
  srcdir = getenv("VR_SRCDIR");
  CHECK(uri && run_path && srcdir, "LV_URI, LV_RUN_PATH, VR_SRCDIR needed");

  /* The "virt plugin": registers the default impl first, own connection. */
  CHECK(virEventRegisterDefaultImpl() == 0, "register");
  virConnectPtr other = virConnectOpenReadOnly(uri);
  CHECK(other != NULL, "other connection");
  int other_id = virConnectDomainEventRegisterAny(
      other, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
      VIR_DOMAIN_EVENT_CALLBACK(other_cb), NULL, NULL);
  CHECK(other_id >= 0, "other register");
  int other_timer = virEventAddTimeout(200, other_tick, NULL, NULL);
  pthread_t other_thread;
  CHECK(pthread_create(&other_thread, NULL, other_loop, NULL) == 0, "thread");

  vr_libvirt_config cfg = {.uri = uri,
                           .metadata_uri = MD_URI,
                           .run_path = run_path,
                           .on_dirty = on_dirty,
                           .on_resync = on_resync};
  vr_libvirt *lv = NULL;
  CHECK(vr_libvirt_start(&cfg, &lv, why, sizeof(why)) == 0, "%s", why);
  CHECK(get_resyncs() == 1 && vr_libvirt_connected(lv), "first connect");

  /* 1. domains with and without metadata, threads as in the status XML. */
  vr_domain_list l;
  CHECK(vr_libvirt_list(lv, NULL, &l, why, sizeof(why)) == 0, "%s", why);
  CHECK(l.count == 3, "3 domains, got %zu", l.count);
  const vr_domain *md = find(&l, "vm-md"), *plain = find(&l, "vm-plain"),
                  *hot = find(&l, "vm-hot");
  CHECK(md && plain && hot, "all three listed");
  CHECK(md->metadata && strstr(md->metadata, "group"), "vm-md metadata: %s",
        md->metadata ? md->metadata : "(null)");
  CHECK(plain->metadata == NULL, "vm-plain has none");
  CHECK(hot->max_vcpus == 4 && cur_vcpus("vm-hot") == 2, "vm-hot 4/2: %d/%d",
        hot->max_vcpus, cur_vcpus("vm-hot"));
  CHECK(md->max_vcpus == 2 && cur_vcpus("vm-md") == 2, "vm-md 2/2");
  for (size_t i = 0; i < l.count; i++)
    check_tids_match_status(&l.domains[i]);
  char plain_uuid[VIR_UUID_STRING_BUFLEN], md_uuid[VIR_UUID_STRING_BUFLEN],
      hot_uuid[VIR_UUID_STRING_BUFLEN];
  snprintf(plain_uuid, sizeof(plain_uuid), "%s", plain->uuid);
  snprintf(md_uuid, sizeof(md_uuid), "%s", md->uuid);
  snprintf(hot_uuid, sizeof(hot_uuid), "%s", hot->uuid);
  pid_t md_old0 = md->vcpu_tids[0];
  vr_domain_list_clear(&l);
  vr_domain_filter flt = VR_DOMAIN_FILTER_INIT;
  CHECK(vr_domain_filter_add(&flt, "/^vm-h/", why, sizeof(why)) == 0, "%s",
        why);
  CHECK(vr_libvirt_list(lv, &flt, &l, why, sizeof(why)) == 0, "%s", why);
  CHECK(l.count == 1 && find(&l, "vm-hot"), "filter selects vm-hot only");
  vr_domain_list_clear(&l);
  vr_domain one;
  CHECK(vr_libvirt_get(lv, &flt, plain_uuid, &one, why, sizeof(why)) ==
                -ENOENT &&
            one.name == NULL,
        "get: a domain the filter leaves out is -ENOENT, not snapshotted");
  CHECK(strstr(why, "vm-plain") != NULL, "get names it: %s", why);
  CHECK(vr_libvirt_get(lv, &flt, hot_uuid, &one, why, sizeof(why)) == 0 &&
            one.name && strcmp(one.name, "vm-hot") == 0,
        "get: the filter selects vm-hot: %s", why);
  vr_domain_clear(&one);
  vr_domain_filter_clear(&flt);

  /* 2. a live metadata edit arrives through the event path. */
  clear_dirty();
  double t0 = now_s();
  sh("virsh -q -c '%s' metadata vm-plain --uri %s --key vr --live --set "
     "\"<group name='edited' vcpus='0'/>\"",
     uri, MD_URI);
  double at = wait_dirty("vm-plain", VR_DIRTY_METADATA, 10);
  CHECK(at > 0, "metadata-change event not seen within 10 s");
  printf("event->detection latency (virsh metadata --live, incl. virsh run "
         "time): %.3f s\n",
         at - t0);
  CHECK(at - t0 <= 2.0, "latency %.3f s over 2 s", at - t0);
  vr_domain d;
  CHECK(vr_libvirt_get(lv, NULL, plain_uuid, &d, why, sizeof(why)) == 0, "%s",
        why);
  CHECK(d.metadata && strstr(d.metadata, "edited"), "edit visible");
  vr_domain_clear(&d);

  /* 3. destroyed and started again: lifecycle events, new threads. */
  clear_dirty();
  sh("virsh -q -c '%s' destroy vm-md >/dev/null", uri);
  CHECK(wait_dirty("vm-md", VR_DIRTY_LIFECYCLE, 10) > 0, "stop event");
  CHECK(vr_libvirt_get(lv, NULL, md_uuid, &d, why, sizeof(why)) == -ENOENT,
        "stopped domain: -ENOENT");
  clear_dirty();
  sh("virsh -q -c '%s' start vm-md >/dev/null", uri);
  CHECK(wait_dirty("vm-md", VR_DIRTY_LIFECYCLE, 10) > 0, "start event");
  CHECK(vr_libvirt_get(lv, NULL, md_uuid, &d, why, sizeof(why)) == 0, "%s",
        why);
  CHECK(d.vcpu_tids[0] != 0 && d.vcpu_tids[0] != md_old0, "new tids");
  check_tids_match_status(&d);
  vr_domain_clear(&d);

  /* 4. vCPU hot-plug: libvirt 9.0 sends no event for it; a refresh sees
   * the new vCPU's thread. */
  sh("virsh -q -c '%s' setvcpus vm-hot 3 --live", uri);
  CHECK(vr_libvirt_get(lv, NULL, hot_uuid, &d, why, sizeof(why)) == 0, "%s",
        why);
  CHECK(cur_vcpus("vm-hot") == 3 && d.vcpu_tids[2] != 0 && d.vcpu_tids[3] == 0,
        "hot-plugged vCPU 2: cur %d tid %d", cur_vcpus("vm-hot"),
        (int)d.vcpu_tids[2]);
  check_tids_match_status(&d);
  vr_domain_clear(&d);

  /* 5. libvirtd killed and restarted while guests run. */
  int r0 = get_resyncs();
  sh("bash -c '. \"%s/tests/support/libvirtd-env.sh\" && lv_attach && "
     "lv_kill_libvirtd && lv_restart_libvirtd'",
     srcdir);
  double end = now_s() + 60;
  while (get_resyncs() == r0 && now_s() < end)
    usleep(50000);
  CHECK(get_resyncs() > r0, "no resync within 60 s of the restart");
  CHECK(vr_libvirt_connected(lv), "connected again");
  CHECK(vr_libvirt_list(lv, NULL, &l, why, sizeof(why)) == 0, "%s", why);
  CHECK(l.count == 3, "3 domains after restart, got %zu", l.count);
  for (size_t i = 0; i < l.count; i++)
    check_tids_match_status(&l.domains[i]);
  vr_domain_list_clear(&l);
  clear_dirty();
  sh("virsh -q -c '%s' metadata vm-hot --uri %s --key vr --live --set "
     "\"<group name='after' vcpus='0'/>\"",
     uri, MD_URI);
  CHECK(wait_dirty("vm-hot", VR_DIRTY_METADATA, 10) > 0,
        "events after reconnect");

  /* 6. another driver's domain: skipped, said once. */
  vr_libvirt_config tcfg = cfg;
  tcfg.uri = "test:///default";
  vr_libvirt *tlv = NULL;
  CHECK(vr_libvirt_start(&tcfg, &tlv, why, sizeof(why)) == 0, "%s", why);
  shim_reset_log();
  CHECK(vr_libvirt_list(tlv, NULL, &l, why, sizeof(why)) == 0, "%s", why);
  CHECK(l.count == 0, "test driver domain skipped");
  CHECK(shim_log_line_count() == 1 &&
            strstr(shim_last_log_line(), "domain test: cannot find its vCPU") &&
            strstr(shim_last_log_line(), "skipping"),
        "one clear message, got %d: %s", shim_log_line_count(),
        shim_last_log_line());
  vr_domain_list_clear(&l);
  CHECK(vr_libvirt_list(tlv, NULL, &l, why, sizeof(why)) == 0, "%s", why);
  CHECK(shim_log_line_count() == 1, "said only once");
  vr_domain_list_clear(&l);
  vr_libvirt_stop(tlv);

  vr_libvirt_stop(lv);
  /* The other loop got its lifecycle events all along. */
  CHECK(atomic_load(&other_events) >= 2, "other loop saw %d events",
        atomic_load(&other_events));
  atomic_store(&other_stop, true);
  virEventUpdateTimeout(other_timer, 0);
  pthread_join(other_thread, NULL);
  virEventRemoveTimeout(other_timer);
  virConnectDomainEventDeregisterAny(other, other_id);
  virConnectClose(other);
  printf("PASS: libvirt layer against a live libvirtd\n");
  return 0;
}
