/* SPDX-License-Identifier: MIT */
/* kbed-state: reads resctrl's task placement the plugin's two ways, inside
 * the kernel bed's guest (doc/design.md, "resctrl rules", Task model), and
 * compares them.
 *
 *   kbed-state [--full | --threads] [--repeat K] PREFIX TID...
 *
 * --full: every tasks file under /sys/fs/resctrl (vr_resctrl_state_read);
 * --threads: /proc/<tid>/cpu_resctrl_groups for each TID and our groups'
 * tasks only (vr_resctrl_state_read_threads).  Either prints one line
 * "VIEW tasks_reads=N proc_reads=M us_per_read=U", then "place TID CTRL/MON"
 * per TID.  Without a mode it reads both and exits 1 unless they agree on
 * every TID's place and on our MON groups (named under PREFIX) and their
 * tasks, printing "same" when they do.  K repeats each read (the time is
 * the mean; the guest is TCG, so only the ratio means anything). */
#include "plan/reconcile.h"
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_name.h"
#include "resctrl/resctrl_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MNT "/sys/fs/resctrl"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Reads the state one way, repeat times; prints the counts and places. */
static int read_view(const vr_resctrl *r, bool threads, int repeat,
                     const char *prefix, const pid_t *tids, size_t n,
                     vr_resctrl_state *s) {
  char reason[512] = "";
  double start = now_us();
  for (int k = 0; k < repeat; k++) {
    vr_resctrl_state_free(s);
    int rc = threads
                 ? vr_resctrl_state_read_threads(r, "/proc", prefix, tids, n, s,
                                                 reason, sizeof(reason))
                 : vr_resctrl_state_read(r, s, reason, sizeof(reason));
    if (rc < 0) {
      fprintf(stderr, "kbed-state: %s\n", reason);
      return -1;
    }
  }
  printf("%s tasks_reads=%zu proc_reads=%zu us_per_read=%.0f\n",
         threads ? "threads" : "full", s->n_tasks_reads, s->n_proc_reads,
         (now_us() - start) / repeat);
  for (size_t i = 0; i < n; i++) {
    const vr_task_place *p = vr_resctrl_state_find(s, tids[i]);
    printf("place %d %s/%s\n", (int)tids[i], p->ctrl, p->mon);
  }
  return 0;
}

/* Our MON groups of s as "ctrl/name:tid,tid,..." lines, sorted tids. */
static int compare_pid(const void *a, const void *b) {
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

static bool same_ours(const vr_resctrl_state *a, const vr_resctrl_state *b,
                      const char *prefix) {
  size_t na = 0, nb = 0;
  for (size_t i = 0; i < a->n_mon_groups; i++) {
    const vr_mon_group_state *g = &a->mon_groups[i];
    if (!vr_owned_name_parse(prefix, g->name, NULL, NULL))
      continue;
    na++;
    bool found = false;
    for (size_t j = 0; j < b->n_mon_groups && !found; j++) {
      const vr_mon_group_state *h = &b->mon_groups[j];
      if (strcmp(g->name, h->name) || strcmp(g->ctrl, h->ctrl) ||
          g->n_tids != h->n_tids)
        continue;
      qsort(g->tids, g->n_tids, sizeof(pid_t), compare_pid);
      qsort(h->tids, h->n_tids, sizeof(pid_t), compare_pid);
      found = g->n_tids == 0 ||
              memcmp(g->tids, h->tids, g->n_tids * sizeof(pid_t)) == 0;
    }
    if (!found) {
      printf("differ: our group %s/%s\n", g->ctrl, g->name);
      return false;
    }
  }
  for (size_t j = 0; j < b->n_mon_groups; j++)
    if (vr_owned_name_parse(prefix, b->mon_groups[j].name, NULL, NULL))
      nb++;
  if (na != nb)
    printf("differ: %zu groups of ours against %zu\n", na, nb);
  return na == nb;
}

int main(int argc, char **argv) {
  int mode = 0, repeat = 1, a = 1, status = 1;
  for (; a < argc && argv[a][0] == '-'; a++) {
    if (!strcmp(argv[a], "--full"))
      mode = 1;
    else if (!strcmp(argv[a], "--threads"))
      mode = 2;
    else if (!strcmp(argv[a], "--repeat") && a + 1 < argc)
      repeat = atoi(argv[++a]);
  }
  if (a >= argc || repeat < 1) {
    fprintf(stderr, "usage: kbed-state [--full|--threads] [--repeat K] "
                    "PREFIX TID...\n");
    return 2;
  }
  const char *prefix = argv[a++];
  size_t n = (size_t)(argc - a);
  pid_t *tids = calloc(n ? n : 1, sizeof(*tids));
  for (size_t i = 0; i < n; i++)
    tids[i] = (pid_t)atoi(argv[a + (int)i]);
  char reason[512] = "";
  vr_resctrl *r = NULL;
  vr_resctrl_state full = {0}, threads = {0};
  if (vr_resctrl_open(MNT, NULL, &r, reason, sizeof(reason)) < 0) {
    fprintf(stderr, "kbed-state: %s\n", reason);
    goto out;
  }
  if (mode != 2 && read_view(r, false, repeat, prefix, tids, n, &full) < 0)
    goto out;
  if (mode != 1 && read_view(r, true, repeat, prefix, tids, n, &threads) < 0)
    goto out;
  status = 0;
  if (mode == 0) {
    for (size_t i = 0; i < n; i++) {
      const vr_task_place *p = vr_resctrl_state_find(&full, tids[i]);
      const vr_task_place *q = vr_resctrl_state_find(&threads, tids[i]);
      if (strcmp(p->ctrl, q->ctrl) || strcmp(p->mon, q->mon)) {
        printf("differ: thread %d: full %s/%s, threads %s/%s\n", (int)tids[i],
               p->ctrl, p->mon, q->ctrl, q->mon);
        status = 1;
      }
    }
    if (!same_ours(&full, &threads, prefix) ||
        !same_ours(&threads, &full, prefix))
      status = 1;
    if (status == 0)
      printf("same\n");
  }
out:
  vr_resctrl_state_free(&full);
  vr_resctrl_state_free(&threads);
  vr_resctrl_close(r);
  free(tids);
  return status;
}
