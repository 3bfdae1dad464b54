/* SPDX-License-Identifier: MIT */
/* kbed-load: moves resctrl counters by exact amounts inside the kernel bed's
 * guest, from the task (or thread) whose group they belong to.
 *
 * The bed's QEMU (qemu-rdt.patch) keeps counters per L3 domain and RMID and
 * offers a test-control port (0x5250): a command acts on the RMID loaded in
 * IA32_PQR_ASSOC of the CPU that issues it -- the RMID the kernel loaded for
 * the running task (resctrl_sched_in() on every context switch) -- and on
 * that CPU's L3 domain.  So a task pinned to a CPU, running inside a group,
 * moves exactly that group's counters on exactly that domain, as its cache
 * use would on a host.
 *
 *   kbed-load [--cpu N] [--group DIR] [--hold] ACTION...
 *       joins DIR (writes its tid to DIR/tasks), pins itself to CPU N, runs
 *       the ACTIONs; with --hold it prints "ready" and stays in the group
 *       until killed.
 *   kbed-load --vcpus N [-uuid UUID]
 *       a fake QEMU: N threads named "CPU i/KVM" (as QEMU names vCPU threads
 *       with KVM), thread i pinned to CPU i mod (online CPUs); each stdin
 *       line "I ACTION..." makes thread I run the ACTIONs, then prints
 *       "done I".  Exits at end of input.  "-uuid UUID" is there only to be
 *       read from /proc/PID/cmdline, as QEMU's is: the plugin touches the
 *       threads of a pid file's process only when it names the domain.
 *
 * ACTION: occupancy=BYTES (set), total=BYTES, local=BYTES, bandwidth=BYTES
 * (add to total, local, both), unavailable=EVENT, error=EVENT (1 occupancy,
 * 2 total, 3 local: the counter reads Unavailable/Error until the next set or
 * add), reset (counters read 0), rmid=R (the next action acts on RMID R
 * instead of the running one).  Byte counts are multiples of 64, the
 * counter unit the bed's CPU advertises (CPUID.(0xF,1):EBX).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CTL_PORT 0x5250
#define CTL_MAGIC 0x52445421u

enum {
  CMD_SET_OCCUP = 1,
  CMD_ADD_TOTAL,
  CMD_ADD_LOCAL,
  CMD_ADD_BOTH,
  CMD_UNAVAILABLE,
  CMD_ERROR,
  CMD_RESET
};

static const struct {
  const char *name;
  unsigned cmd;
} actions[] = {
    {"occupancy", CMD_SET_OCCUP},
    {"total", CMD_ADD_TOTAL},
    {"local", CMD_ADD_LOCAL},
    {"bandwidth", CMD_ADD_BOTH},
    {"unavailable", CMD_UNAVAILABLE},
    {"error", CMD_ERROR},
    {"reset", CMD_RESET},
};

/* Runs one ACTION word on the calling CPU; 0, or -1 with a message. */
static int run_action(const char *word) {
  const char *eq = strchr(word, '=');
  size_t len = eq ? (size_t)(eq - word) : strlen(word);
  char *end = NULL;
  unsigned long long val = 0;

  if (eq) {
    errno = 0;
    val = strtoull(eq + 1, &end, 10);
    if (errno || end == eq + 1 || *end) {
      fprintf(stderr, "kbed-load: bad number in '%s'\n", word);
      return -1;
    }
  }
  if (len == 4 && strncmp(word, "rmid", 4) == 0 && eq) {
    outl((uint32_t)val, CTL_PORT);
    return 0;
  }
  for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
    if (strlen(actions[i].name) != len || strncmp(word, actions[i].name, len))
      continue;
    if ((actions[i].cmd == CMD_RESET) != !eq)
      break;
    outl((uint32_t)val, CTL_PORT + 4);
    outl((uint32_t)(val >> 32), CTL_PORT + 8);
    outl(actions[i].cmd, CTL_PORT + 12);
    return 0;
  }
  fprintf(stderr, "kbed-load: unknown action '%s'\n", word);
  return -1;
}

static int pin(int cpu) {
  cpu_set_t set;

  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    fprintf(stderr, "kbed-load: cannot pin to CPU %d: %s\n", cpu,
            strerror(errno));
    return -1;
  }
  sched_yield(); /* now running there, with the RMID the kernel loaded */
  return 0;
}

/* Port access for this thread and its later threads; the magic tells the
 * bed's QEMU from any other machine, where the port means nothing. */
static int open_port(void) {
  if (ioperm(CTL_PORT, 16, 1) != 0) {
    fprintf(stderr, "kbed-load: ioperm(0x%x): %s (run as root in the bed)\n",
            CTL_PORT, strerror(errno));
    return -1;
  }
  if (inl(CTL_PORT) != CTL_MAGIC) {
    fprintf(stderr, "kbed-load: no RDT test-control port: not the kernel "
                    "bed's patched QEMU (tests/kernel-bed/run-in-guest)\n");
    return -1;
  }
  return 0;
}

static int write_tid(const char *dir) {
  char path[4096];
  FILE *f;
  int rc = 0;

  snprintf(path, sizeof(path), "%s/tasks", dir);
  f = fopen(path, "w");
  if (!f)
    return -errno;
  if (fprintf(f, "%ld\n", (long)syscall(SYS_gettid)) < 0)
    rc = -errno;
  if (fclose(f) != 0 && rc == 0)
    rc = -errno;
  return rc;
}

/* Joins the group at dir.  A MON group under another CTRL_MON group takes
 * only tasks of that CTRL_MON group (__rdtgroup_move_task: EINVAL), so on
 * EINVAL the task joins the CTRL_MON group (dir/../..) first. */
static int join_group(const char *dir) {
  char parent[4096];
  int rc = write_tid(dir);

  if (rc == -EINVAL) {
    snprintf(parent, sizeof(parent), "%s/../..", dir);
    rc = write_tid(parent);
    if (rc == 0)
      rc = write_tid(dir);
  }
  if (rc != 0)
    fprintf(stderr, "kbed-load: joining %s: %s\n", dir, strerror(-rc));
  return rc;
}

struct vcpu {
  int index;
  int cpu;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  char *line; /* the actions to run; NULL when idle */
  int rc;
};

/* A fake vCPU thread: named like QEMU's, pinned, acting on request. */
static void *vcpu_main(void *arg) {
  struct vcpu *v = arg;
  char name[16];

  snprintf(name, sizeof(name), "CPU %d/KVM", v->index);
  prctl(PR_SET_NAME, name);
  pin(v->cpu);
  pthread_mutex_lock(&v->lock);
  for (;;) {
    while (!v->line)
      pthread_cond_wait(&v->cond, &v->lock);
    char *save = NULL;
    v->rc = 0;
    for (char *w = strtok_r(v->line, " \t\n", &save); w;
         w = strtok_r(NULL, " \t\n", &save))
      if (run_action(w) != 0)
        v->rc = -1;
    free(v->line);
    v->line = NULL;
    pthread_cond_broadcast(&v->cond);
  }
  return NULL;
}

static int run_vcpus(int n) {
  struct vcpu *v = calloc((size_t)n, sizeof(*v));
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  char buf[1024];
  int rc = 0;

  if (!v || ncpu < 1)
    return 1;
  for (int i = 0; i < n; i++) {
    pthread_t t;
    v[i].index = i;
    v[i].cpu = (int)(i % ncpu);
    pthread_mutex_init(&v[i].lock, NULL);
    pthread_cond_init(&v[i].cond, NULL);
    if (pthread_create(&t, NULL, vcpu_main, &v[i]) != 0)
      return 1;
  }
  printf("ready\n");
  fflush(stdout);
  while (fgets(buf, sizeof(buf), stdin)) {
    char *rest;
    long i = strtol(buf, &rest, 10);
    if (rest == buf || i < 0 || i >= n) {
      fprintf(stderr, "kbed-load: bad line '%s'\n", buf);
      rc = 1;
      continue;
    }
    pthread_mutex_lock(&v[i].lock);
    v[i].line = strdup(rest);
    pthread_cond_broadcast(&v[i].cond);
    while (v[i].line)
      pthread_cond_wait(&v[i].cond, &v[i].lock);
    printf("%s %ld\n", v[i].rc ? "failed" : "done", i);
    fflush(stdout);
    pthread_mutex_unlock(&v[i].lock);
  }
  return rc;
}

int main(int argc, char **argv) {
  const char *group = NULL;
  int cpu = -1, hold = 0, i = 1;

  if (argc > 2 && strcmp(argv[1], "--vcpus") == 0) {
    if (open_port() != 0)
      return 1;
    return run_vcpus(atoi(argv[2]));
  }
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc)
      cpu = atoi(argv[++i]);
    else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc)
      group = argv[++i];
    else if (strcmp(argv[i], "--hold") == 0)
      hold = 1;
    else {
      fprintf(stderr, "usage: kbed-load [--cpu N] [--group DIR] [--hold] "
                      "ACTION... | kbed-load --vcpus N\n");
      return 2;
    }
  }
  if (open_port() != 0)
    return 1;
  if (group && join_group(group) != 0)
    return 1;
  if (cpu >= 0 && pin(cpu) != 0)
    return 1;
  for (; i < argc; i++)
    if (run_action(argv[i]) != 0)
      return 1;
  if (hold) {
    printf("ready\n");
    fflush(stdout);
    for (;;)
      pause();
  }
  return 0;
}
