/* SPDX-License-Identifier: MIT */
/*
 * vr-bench-threads: the threads of a dense host, for make bench-scale.
 *
 *   vr-bench-threads host N
 *     N idle threads in this process (the rest of the host: other tasks the
 *     kernel walks on every read of a tasks file).
 *   vr-bench-threads qemu RUN_DIR VCPUS NAME=UUID...
 *     one child process per NAME standing in for that domain's QEMU: VCPUS
 *     threads named "CPU <n>/KVM" (QEMU's own names, qemu_thread_create in
 *     kvm_start_vcpu_thread), "-uuid UUID" on its command line (libvirt
 *     passes it to QEMU, and the plugin checks it before it touches a pid
 *     file's threads), then <RUN_DIR>/<NAME>.pid, written as libvirt's QEMU
 *     driver writes it, once the names are set. The plugin finds vCPU
 *     threads only through that pid file, /proc/<pid>/cmdline and
 *     /proc/<pid>/task/ * /comm, so it cannot tell these from QEMU's.
 *   vr-bench-threads one RUN_DIR VCPUS NAME -uuid UUID
 *     what each child of "qemu" runs as (exec'd, for its own command line).
 *
 * Prints "ready" once every thread and pid file exists, then sleeps until
 * SIGTERM or SIGINT; its children die with it (PR_SET_PDEATHSIG). Threads
 * get the smallest stack the C library allows: 20,000 of them fit in a few
 * hundred MiB.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void *idle_thread(void *arg) {
  (void)arg;
  for (;;)
    pause();
  return NULL;
}

/* Starts n idle threads; names[i] (NULL: none) names thread i. The creator
 * names each (pthread_setname_np writes /proc/self/task/<tid>/comm before
 * it returns), so that a reader of /proc sees every name once this
 * returns: a thread naming itself may not have run yet on a loaded host,
 * and a pid file written before its name misleads the plugin's lookup. */
static int spawn(long n, char **names) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
  for (long i = 0; i < n; i++) {
    pthread_t t;
    int rc = pthread_create(&t, &attr, idle_thread, NULL);
    if (rc == 0 && names && names[i])
      rc = pthread_setname_np(t, names[i]);
    if (rc != 0) {
      fprintf(stderr, "vr-bench-threads: thread %ld of %ld: %s\n", i, n,
              strerror(rc));
      pthread_attr_destroy(&attr);
      return -rc;
    }
  }
  pthread_attr_destroy(&attr);
  return 0;
}

static int write_pidfile(const char *dir, const char *name) {
  char path[PATH_MAX], tmp[PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s.pid", dir, name);
  snprintf(tmp, sizeof(tmp), "%s/.%s.pid.tmp", dir, name);
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -errno;
  fprintf(f, "%d", (int)getpid());
  if (fclose(f) != 0 || rename(tmp, path) != 0)
    return -errno;
  return 0;
}

/* One stand-in QEMU: VCPUS named threads, then the pid file. */
static void fake_qemu(const char *dir, long vcpus, const char *name) {
  char **names = calloc((size_t)vcpus, sizeof(*names));
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1)
    _exit(1);
  for (long i = 0; names && i < vcpus; i++) {
    names[i] = malloc(32);
    if (names[i])
      snprintf(names[i], 32, "CPU %ld/KVM", i);
  }
  if (!names || spawn(vcpus, names) < 0 || write_pidfile(dir, name) < 0)
    _exit(1);
  for (;;)
    pause();
}

static volatile sig_atomic_t stop;
static void on_stop(int sig) {
  (void)sig;
  stop = 1;
}

int main(int argc, char **argv) {
  struct sigaction sa = {.sa_handler = on_stop};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  if (argc == 3 && strcmp(argv[1], "host") == 0) {
    long n = strtol(argv[2], NULL, 10);
    if (n < 0 || spawn(n, NULL) < 0)
      return 1;
  } else if (argc >= 5 && strcmp(argv[1], "qemu") == 0) {
    long vcpus = strtol(argv[3], NULL, 10);
    int children = argc - 4;
    if (vcpus < 1)
      return 2;
    for (int i = 0; i < children; i++) {
      char *uuid = strchr(argv[4 + i], '=');
      if (!uuid)
        return 2;
      *uuid++ = '\0'; /* argv[4 + i] is the name from here on */
      pid_t pid = fork();
      if (pid < 0) {
        perror("vr-bench-threads: fork");
        return 1;
      }
      if (pid == 0) {
        execl("/proc/self/exe", argv[0], "one", argv[2], argv[3], argv[4 + i],
              "-uuid", uuid, (char *)NULL);
        _exit(1);
      }
    }
    /* Ready when every pid file is there. */
    for (int i = 0; i < children; i++) {
      char path[PATH_MAX];
      snprintf(path, sizeof(path), "%s/%s.pid", argv[2], argv[4 + i]);
      int tries = 0;
      while (access(path, F_OK) != 0 && tries++ < 3000 && !stop)
        usleep(10000);
      if (access(path, F_OK) != 0) {
        fprintf(stderr, "vr-bench-threads: no pid file %s\n", path);
        return 1;
      }
    }
  } else if (argc == 7 && strcmp(argv[1], "one") == 0 &&
             strcmp(argv[5], "-uuid") == 0) {
    long vcpus = strtol(argv[3], NULL, 10);
    if (vcpus < 1)
      return 2;
    fake_qemu(argv[2], vcpus, argv[4]);
  } else {
    fprintf(stderr,
            "usage: vr-bench-threads host N\n"
            "       vr-bench-threads qemu RUN_DIR VCPUS NAME=UUID...\n");
    return 2;
  }
  printf("ready\n");
  fflush(stdout);
  while (!stop)
    pause();
  return 0;
}
