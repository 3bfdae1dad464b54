/* SPDX-License-Identifier: MIT */
/*
 * vr-bench-events: event latency of the plugin's engine against a real
 * libvirtd, and the system calls of its read path there.
 *
 * The engine runs in this process (vr_engine_start, as the plugin's init
 * does) against a private libvirtd and a mounted resctrl emulator. Each
 * edit renames the guest's one group with virDomainSetMetadata(...,
 * VIR_DOMAIN_AFFECT_LIVE); the latency runs from that call returning to the
 * new group's directory being present in the emulator with the vCPU thread
 * listed in its tasks file, polled every 0.2 ms. The engine learns of the
 * edit only through libvirt's metadata-change event (RefreshInterval is
 * set far beyond the run), so this is the event path.
 *
 * Then, in steady state, it runs the read callback's function
 * (vr_engine_read) CYCLES times untraced, a warm-up that takes whatever a
 * first read does once (a log line, a file opened for good), then CYCLES
 * and 2 x CYCLES times with strace attached to this thread alone
 * (-p without -f: the libvirt event thread and the worker are not traced),
 * so that the summary holds exactly what the read callback did: any libvirt
 * call would show as socket I/O (sendmsg/recvmsg/write/poll on the client
 * socket), any directory scan as getdents64 or openat.
 *
 * Usage: vr-bench-events URI DOMAIN VCPU_TID MOUNT SYSFS RUN_PATH EDITS
 *                        CYCLES STRACE_OUT
 * Prints one line of key=value results.
 */
#include "bench_alloc.h"
#include "bench_stats.h"
#include "collectd_shim.h"

#include "engine/engine.h"
#include "engine/vr_config.h"

#include <libvirt/libvirt.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_US 10e6
#define MAX_EDITS 100

typedef struct {
  const char *uri, *domain, *tid, *mount, *sysfs, *run_path, *strace_out;
  long edits, cycles;
} events_args;

static int set_string(char **field, const char *value) {
  free(*field);
  *field = strdup(value);
  return *field ? 0 : -ENOMEM;
}

static int make_config(vr_config *cfg, const events_args *a) {
  int rc = vr_config_init(cfg);
  if (rc < 0)
    return rc;
  /* Far beyond the run: only the metadata-change event can make the engine
   * act on an edit. */
  cfg->refresh_interval_s = 3600;
  if (set_string(&cfg->connection, a->uri) < 0 ||
      set_string(&cfg->resctrl_path, a->mount) < 0 ||
      set_string(&cfg->sysfs_path, a->sysfs) < 0 ||
      set_string(&cfg->libvirt_run_path, a->run_path) < 0)
    return -ENOMEM;
  return 0;
}

/* Whether <mount>/mon_groups/vr_<uuid>_<group>/tasks lists tid. */
static bool group_ready(const events_args *a, const char *uuid,
                        const char *group) {
  char path[1024], buf[4096];
  snprintf(path, sizeof(path), "%s/mon_groups/vr_%s_%s/tasks", a->mount, uuid,
           group);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  size_t len = strlen(a->tid);
  for (char *line = buf; line && *line; line = strchr(line, '\n')) {
    if (*line == '\n')
      line++;
    if (strncmp(line, a->tid, len) == 0 &&
        (line[len] == '\n' || line[len] == '\0'))
      return true;
  }
  return false;
}

/* One edit; its latency in microseconds, or a negative value on failure. */
static double edit(virDomainPtr dom, const events_args *a, const char *uuid,
                   long i) {
  char xml[512], group[32];
  snprintf(group, sizeof(group), "e%02ld", i);
  snprintf(xml, sizeof(xml),
           "<resmon><group name=\"%s\" vcpus=\"0\"/></resmon>", group);
  /* No namespace in the element: libvirt puts it under key's prefix. */
  if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, "resmon",
                           "urn:x-virt-resctrl:resmon:1",
                           VIR_DOMAIN_AFFECT_LIVE) < 0) {
    fprintf(stderr, "vr-bench-events: virDomainSetMetadata failed\n");
    return -1;
  }
  double t0 = bench_now_us();
  for (;;) {
    if (group_ready(a, uuid, group))
      return bench_now_us() - t0;
    if (bench_now_us() - t0 > TIMEOUT_US) {
      fprintf(stderr, "vr-bench-events: group %s not ready after 10 s\n",
              group);
      return -1;
    }
    usleep(200);
  }
}

/* A warm-up window of cycles reads, untraced and not counted, so that no
 * one-time call falls into the windows compared; then two traced windows,
 * of cycles and of 2 x cycles reads, to <strace_out>.1 and .2: their
 * difference is cycles steady reads with the attaching and detaching
 * cancelled out. *allocs: this thread's allocations in the two windows
 * (3 x cycles reads). */
static int steady_reads(vr_engine *e, const events_args *a, size_t *sent,
                        unsigned long *allocs) {
  *sent = 0;
  for (long c = 0; c < a->cycles; c++)
    *sent += vr_engine_read(e);
  *allocs = 0;
  for (long w = 1; w <= 2; w++) {
    char out[1024];
    snprintf(out, sizeof(out), "%s.%ld", a->strace_out, w);
    pid_t tracer = bench_strace(getpid(), "-c", out);
    if (tracer < 0)
      return -ECHILD;
    unsigned long before = bench_alloc_thread_calls();
    for (long c = 0; c < a->cycles * w; c++)
      *sent += vr_engine_read(e);
    *allocs += bench_alloc_thread_calls() - before;
    kill(tracer, SIGINT);
    int status;
    waitpid(tracer, &status, 0);
  }
  return 0;
}

static int run(const events_args *a) {
  vr_config cfg;
  vr_engine *e = NULL;
  virConnectPtr conn = NULL;
  virDomainPtr dom = NULL;
  double lat[MAX_EDITS];
  char reason[512], uuid[VIR_UUID_STRING_BUFLEN];
  int rc = make_config(&cfg, a);
  if (rc == 0)
    rc = vr_engine_start(&cfg, &e, reason, sizeof(reason));
  if (rc < 0) {
    fprintf(stderr, "vr-bench-events: engine: %s\n",
            rc == -ENOMEM ? "out of memory" : reason);
    goto cleanup;
  }
  conn = virConnectOpen(a->uri);
  dom = conn ? virDomainLookupByName(conn, a->domain) : NULL;
  if (!dom || virDomainGetUUIDString(dom, uuid) < 0) {
    fprintf(stderr, "vr-bench-events: no domain %s at %s\n", a->domain, a->uri);
    rc = -ENOENT;
    goto cleanup;
  }
  /* Edit 0 is a warm-up: the engine's first full resync may still run. */
  for (long i = 0; i <= a->edits && rc == 0; i++) {
    double us = edit(dom, a, uuid, i);
    if (us < 0)
      rc = -ETIMEDOUT;
    else if (i > 0)
      lat[i - 1] = us;
  }
  size_t sent = 0;
  unsigned long allocs = 0;
  if (rc == 0)
    rc = steady_reads(e, a, &sent, &allocs);
  if (rc == 0) {
    double max = bench_quantile(lat, (size_t)a->edits, 1.0);
    printf("edits=%ld latency_med_ms=%.1f latency_max_ms=%.1f "
           "read_cycles=%ld sent=%zu notifications=%llu allocs_per_read=",
           a->edits, bench_quantile(lat, (size_t)a->edits, 0.5) / 1e3,
           max / 1e3, a->cycles * 4, sent,
           (unsigned long long)shim_notifications());
    /* "-" under a sanitizer: its allocator is not the counting one */
    if (bench_alloc_counting())
      printf("%.2f\n", (double)allocs / (double)(a->cycles * 3));
    else
      printf("-\n");
  }

cleanup:
  if (dom)
    virDomainFree(dom);
  if (conn)
    virConnectClose(conn);
  vr_engine_stop(e);
  vr_config_free(&cfg);
  return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  /* Only errors: the plugin's info lines would cost writes in the timings. */
  shim_set_log_level(LOG_ERR);
  if (argc != 10) {
    fprintf(stderr, "usage: vr-bench-events URI DOMAIN VCPU_TID MOUNT SYSFS "
                    "RUN_PATH EDITS CYCLES STRACE_OUT\n");
    return 2;
  }
  events_args a = {.uri = argv[1],
                   .domain = argv[2],
                   .tid = argv[3],
                   .mount = argv[4],
                   .sysfs = argv[5],
                   .run_path = argv[6],
                   .edits = strtol(argv[7], NULL, 10),
                   .cycles = strtol(argv[8], NULL, 10),
                   .strace_out = argv[9]};
  if (a.edits < 1 || a.edits > MAX_EDITS || a.cycles < 1)
    return 2;
  return run(&a);
}
