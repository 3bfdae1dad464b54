/* SPDX-License-Identifier: MIT */
/* The tasks file: task membership of CTRL_MON and MON groups, and the host
 * seam that tells live tasks through /proc. */
#include "emu_model.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct emu_task *task_find(struct emu_model *m, pid_t tid) {
  size_t lo = 0, hi = m->num_tasks;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->tasks[mid].tid == tid)
      return &m->tasks[mid];
    if (m->tasks[mid].tid < tid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static void task_remove(struct emu_model *m, struct emu_task *t) {
  size_t i = (size_t)(t - m->tasks);
  memmove(&m->tasks[i], &m->tasks[i + 1],
          (m->num_tasks - i - 1) * sizeof(*m->tasks));
  m->num_tasks--;
}

/* Records where a task is; the root without a MON group is the default and
 * is not stored. */
static int task_place(struct emu_model *m, pid_t tid, unsigned long long start,
                      struct emu_group *ctrl, struct emu_group *mon) {
  struct emu_task *t = task_find(m, tid);
  if (ctrl == emu_model_root(m) && !mon) {
    if (t)
      task_remove(m, t);
    return 0;
  }
  if (!t) {
    if (m->num_tasks == m->cap_tasks) {
      size_t cap = m->cap_tasks ? m->cap_tasks * 2 : 16;
      struct emu_task *tasks = realloc(m->tasks, cap * sizeof(*tasks));
      if (!tasks)
        return -ENOMEM;
      m->tasks = tasks;
      m->cap_tasks = cap;
    }
    size_t i = 0;
    while (i < m->num_tasks && m->tasks[i].tid < tid)
      i++;
    memmove(&m->tasks[i + 1], &m->tasks[i],
            (m->num_tasks - i) * sizeof(*m->tasks));
    m->num_tasks++;
    t = &m->tasks[i];
    t->tid = tid;
  }
  t->start = start;
  t->ctrl = ctrl;
  t->mon = mon;
  t->placed = t->scanned = 0;
  /* Only a process's main thread is looked at for inheritance: knowing it
   * here keeps tasks_inherit from reading /proc for every placed vCPU
   * thread at every tasks read (a dense host places thousands). */
  pid_t tgid = tid;
  t->leader = !m->host.task_tgid ||
              (m->host.task_tgid(m->host.ctx, tid, &tgid) == 0 && tgid == tid);
  if (m->host.now)
    m->host.now(m->host.ctx, &t->placed);
  t->scanned = t->placed;
  return 0;
}

struct inherit_arg {
  struct emu_model *m;
  pid_t leader;
  unsigned long long since; /* threads started after this are new */
  int ret;
};

static int inherit_cb(pid_t tid, void *arg) {
  struct inherit_arg *a = arg;
  unsigned long long start;
  if (tid == a->leader || task_find(a->m, tid) ||
      a->m->host.task_start(a->m->host.ctx, tid, &start) != 0 ||
      start < a->since)
    return 0;
  /* re-find the leader: task_place may have moved the array */
  struct emu_task *l = task_find(a->m, a->leader);
  if (!l)
    return 0;
  a->ret = task_place(a->m, tid, start, l->ctrl, l->mon);
  return a->ret;
}

/* kernel/fork.c dup_task_struct() -> arch_dup_task_struct() copies the whole
 * task_struct, closid and rmid included: a new thread starts in its
 * creator's CTRL_MON and MON group. FUSE never sees a clone, so the model
 * looks, at every tasks read or write, for threads that started since it
 * last looked, in processes whose main thread is placed, and places each
 * once where the main thread is. It takes the main thread for the creator
 * (/proc does not say which thread called clone): QEMU's main loop is what
 * creates its workers and hot-added iothreads. Threads started before the
 * main thread was placed stay where they were, as in the kernel. Start
 * times count clock ticks: a thread started in the tick of the last look
 * may have started after it, so it is looked at again (one that was
 * placed then is known and skipped), never lost. */
static int tasks_inherit(struct emu_model *m) {
  unsigned long long now;
  if (!m->host.now || !m->host.for_each_thread ||
      m->host.now(m->host.ctx, &now) != 0)
    return 0;
  size_t n = m->num_tasks;
  pid_t *leaders = malloc((n ? n : 1) * sizeof(*leaders));
  if (!leaders)
    return -ENOMEM;
  for (size_t i = 0; i < n; i++)
    leaders[i] = m->tasks[i].tid;
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++) {
    struct emu_task *l = task_find(m, leaders[i]);
    if (!l || !l->leader)
      continue;
    struct inherit_arg a = {.m = m,
                            .leader = leaders[i],
                            .since = l->scanned > l->placed ? l->scanned
                                                            : l->placed};
    l->scanned = now;
    m->host.for_each_thread(m->host.ctx, leaders[i], inherit_cb, &a);
    ret = a.ret;
  }
  free(leaders);
  return ret;
}

/* Dead tasks leave every group (the kernel's lists walk the live tasks); a
 * tid reused by a new task is not the task we placed. */
static void tasks_prune(struct emu_model *m) {
  size_t i = 0;
  while (i < m->num_tasks) {
    unsigned long long start;
    struct emu_task *t = &m->tasks[i];
    if (m->host.task_start(m->host.ctx, t->tid, &start) == 0 &&
        start == t->start) {
      i++;
      continue;
    }
    task_remove(m, t);
  }
}

void emu_tasks_group_removed(struct emu_model *m, const struct emu_group *g) {
  size_t i = 0;
  while (i < m->num_tasks) {
    struct emu_task *t = &m->tasks[i];
    if (t->mon == g)
      t->mon = NULL; /* rdtgroup_rmdir_mon: back to the parent */
    if (t->ctrl == g || (t->ctrl == emu_model_root(m) && !t->mon)) {
      task_remove(m, t); /* rdtgroup_rmdir_ctrl: back to the root */
      continue;
    }
    i++;
  }
}

/* rdtgroup.c __rdtgroup_move_task(): writing to a CTRL_MON group's tasks sets
 * the task's CLOSID and RMID to the group's (so it leaves any MON group);
 * writing to a MON group's tasks is allowed only for a task already in the
 * parent CTRL_MON group (the doc, "tasks": "If the group is a MON group, then
 * the task must already belong to the CTRL_MON parent of this group. The task
 * is removed from any previous MON group."). The permission check
 * (rdtgroup_task_write_permission) always passes: the emulator serves root. */
static int task_move(struct emu_model *m, struct emu_group *g, pid_t tid) {
  unsigned long long start;
  if (m->host.task_start(m->host.ctx, tid, &start) != 0) {
    emu_last_cmd_printf(m, "No task %d\n", (int)tid);
    return -ESRCH;
  }
  struct emu_task *t = task_find(m, tid);
  struct emu_group *cur_ctrl = t ? t->ctrl : emu_model_root(m);
  if (g->type == EMU_MON) {
    if (cur_ctrl != g->parent) {
      emu_last_cmd_printf(m, "Can't move task to different control group\n");
      return -EINVAL;
    }
    return task_place(m, tid, start, g->parent, g);
  }
  return task_place(m, tid, start, g, NULL);
}

/*
 * Inheritance: arch_dup_task_struct() (arch/x86/kernel/process.c, with
 * CONFIG_X86_CPU_RESCTRL) copies the creating thread's closid and rmid into
 * the new one, so a thread starts in the CTRL_MON and MON group of the
 * thread that called clone() (since 6.13 KVM's kvm-nx-lpage-recovery task
 * is made from the first vCPU thread to run). What /proc cannot tell: who
 * created a thread (/proc/<tid>/status gives its process, Tgid, and PPid
 * is the process's parent, not the creating thread), nor when, between
 * two looks. So the emulator applies the rule only when told: the control
 * line "clone TID CREATOR" says TID was made by CREATOR. Threads it is not
 * told of start in the root like every task it never placed, which is
 * kinder than Linux for threads a grouped thread creates. The rule: TID
 * must be live, of CREATOR's process, and in no group yet (a thread the
 * emulator placed already is not new); it then takes CREATOR's groups.
 */
int emu_tasks_clone(struct emu_model *m, pid_t tid, pid_t creator) {
  unsigned long long start, cstart;
  tasks_prune(m);
  if (m->host.task_start(m->host.ctx, tid, &start) != 0 ||
      m->host.task_start(m->host.ctx, creator, &cstart) != 0)
    return -ESRCH;
  if (m->host.task_tgid) {
    pid_t a, b;
    if (m->host.task_tgid(m->host.ctx, tid, &a) != 0 ||
        m->host.task_tgid(m->host.ctx, creator, &b) != 0)
      return -ESRCH;
    if (a != b)
      return -EINVAL;
  }
  if (task_find(m, tid) || tid == creator)
    return -EINVAL;
  const struct emu_task *c = task_find(m, creator);
  if (!c)
    return 0; /* the creator is in the root: so is the new thread */
  return task_place(m, tid, start, c->ctrl, c->mon);
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* kstrtoint(s, 0, ...): base 0 (0x hex, leading 0 octal), an optional sign,
 * the whole string, within int. */
static int parse_kernel_int(const char *s, int *out) {
  const char *p = s;
  if (*p == '+' || *p == '-')
    p++;
  if (!isdigit((unsigned char)*p))
    return -EINVAL;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  if (errno || *end != '\0' || v < INT_MIN || v > INT_MAX)
    return -EINVAL;
  *out = (int)v;
  return 0;
}

/* rdtgroup.c rdtgroup_tasks_write(): each write(2) is a comma separated list
 * handled in order up to the first failure (the doc, "tasks": "Multiple tasks
 * can be moved in one write"); the write offset is ignored, so a write
 * never truncates: it moves tasks. Task id 0 is the writing task (the doc:
 * "a task id of 0 is interpreted as the task id of the currently running
 * task"): FUSE tells us the calling thread, which is what the kernel uses. */
int emu_tasks_write(struct emu_model *m, struct emu_group *g, const char *buf,
                    size_t len, pid_t caller) {
  emu_last_cmd_clear(m);
  char *copy = malloc(len + 1);
  if (!copy)
    return -ENOMEM;
  memcpy(copy, buf, len);
  copy[len] = '\0';
  tasks_prune(m);
  tasks_inherit(m);
  int ret = 0;
  char *p = copy;
  while (p && p[0] != '\0' && p[0] != '\n') {
    char *tok = trim(strsep(&p, ","));
    int pid;
    if (parse_kernel_int(tok, &pid) != 0) {
      emu_last_cmd_printf(m, "Task list parsing error pid %s\n", tok);
      ret = -EINVAL;
      break;
    }
    if (pid < 0) {
      emu_last_cmd_printf(m, "Invalid pid %d\n", pid);
      ret = -EINVAL;
      break;
    }
    ret = task_move(m, g, pid ? (pid_t)pid : caller);
    if (ret) {
      emu_last_cmd_printf(m, "Error while processing task %d\n", pid);
      break;
    }
  }
  free(copy);
  return ret;
}

struct show_root_arg {
  struct emu_model *m;
  struct emu_buf *out;
};

static int show_root_cb(pid_t tid, void *arg) {
  struct show_root_arg *a = arg;
  const struct emu_task *t = task_find(a->m, tid);
  if (t && t->ctrl != emu_model_root(a->m))
    return 0;
  return emu_buf_printf(a->out, "%d\n", (int)tid);
}

/* The host's threads as the last walk of /proc listed them, in its order.
 * A read of a group's tasks visits each (below), as show_rdt_tasks()
 * visits every thread under rdtgroup_mutex: O(host threads) per read, in
 * memory as the kernel's is. The list itself is taken again once it is a
 * second old; what it lacks meanwhile (a thread born since) or still holds
 * (one that died) is settled by each member's own /proc entry below. */
static struct {
  pid_t *tids;
  size_t n, cap;
  uint64_t at_ms;
  bool valid;
  const struct emu_host *host_of; /* the model it was taken for */
} host_threads;

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int host_threads_add(pid_t tid, void *arg) {
  (void)arg;
  if (host_threads.n == host_threads.cap) {
    size_t cap = host_threads.cap ? host_threads.cap * 2 : 1024;
    pid_t *tids = realloc(host_threads.tids, cap * sizeof(*tids));
    if (!tids)
      return -ENOMEM;
    host_threads.tids = tids;
    host_threads.cap = cap;
  }
  host_threads.tids[host_threads.n++] = tid;
  return 0;
}

static int host_threads_refresh(struct emu_model *m) {
  uint64_t now = mono_ms();
  if (host_threads.valid && host_threads.host_of == &m->host &&
      now - host_threads.at_ms < 1000)
    return 0;
  host_threads.n = 0;
  host_threads.valid = false;
  int ret = m->host.for_each_task(m->host.ctx, host_threads_add, NULL);
  if (ret)
    return ret;
  host_threads.valid = true;
  host_threads.host_of = &m->host;
  host_threads.at_ms = now;
  return 0;
}

/* Whether t is in g (a MON group by its RMID, a CTRL_MON group by its
 * CLOSID, which its MON groups' tasks share) and still the task placed
 * there: a reused tid is another task, which the kernel never placed. */
static bool live_member(struct emu_model *m, const struct emu_group *g,
                        const struct emu_task *t) {
  unsigned long long start;
  if (g->type == EMU_MON ? t->mon != g : t->ctrl != g)
    return false;
  return m->host.task_start(m->host.ctx, t->tid, &start) == 0 &&
         start == t->start;
}

static int pid_cmp(const void *a, const void *b) {
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

/* A non-root group's tasks: the walk of the host's threads, then members
 * born since the list was taken (the kernel lists them last too: new tasks
 * join the end of its task list). */
static int show_group(struct emu_model *m, const struct emu_group *g,
                      struct emu_buf *out) {
  pid_t *shown = NULL;
  size_t n_shown = 0;
  int ret = host_threads_refresh(m);
  if (!ret && m->num_tasks) {
    shown = malloc(m->num_tasks * sizeof(*shown));
    if (!shown)
      ret = -ENOMEM;
  }
  for (size_t i = 0; !ret && i < host_threads.n; i++) {
    const struct emu_task *t = task_find(m, host_threads.tids[i]);
    if (!t || !live_member(m, g, t))
      continue;
    shown[n_shown++] = t->tid;
    ret = emu_buf_printf(out, "%d\n", (int)t->tid);
  }
  /* (no qsort or bsearch of an empty array: shown may be NULL) */
  if (!ret && n_shown)
    qsort(shown, n_shown, sizeof(*shown), pid_cmp);
  for (size_t i = 0; !ret && i < m->num_tasks; i++) {
    const struct emu_task *t = &m->tasks[i];
    if ((n_shown &&
         bsearch(&t->tid, shown, n_shown, sizeof(*shown), pid_cmp)) ||
        !live_member(m, g, t))
      continue;
    ret = emu_buf_printf(out, "%d\n", (int)t->tid);
  }
  free(shown);
  return ret;
}

/* rdtgroup.c show_rdt_tasks(): a CTRL_MON group lists the tasks with its
 * CLOSID (those of its MON groups too), and only when allocation is
 * supported (is_closid_match checks the alloc capability: on a
 * monitoring-only CPU the root's tasks reads empty); a MON group lists the
 * tasks with its RMID. The root holds every task not placed elsewhere. */
int emu_tasks_show(struct emu_model *m, const struct emu_group *g,
                   struct emu_buf *out) {
  /* Cheap unless a process's main thread is placed (tasks_inherit). */
  tasks_inherit(m);
  if (g == emu_model_root(m)) {
    tasks_prune(m);
    if (!m->cfg.alloc)
      return 0;
    struct show_root_arg a = {.m = m, .out = out};
    return m->host.for_each_task(m->host.ctx, show_root_cb, &a);
  }
  /* The kernel does not keep a group's task list: show_rdt_tasks() walks
   * every thread of the host (for_each_process_thread under rcu and
   * rdtgroup_mutex) and prints those whose closid/rmid match, for any
   * group, so one read costs O(host threads) however few the group holds.
   * Modelled by walking a list of the host's threads here too, in the
   * host's order; membership is the model's. A dead task is simply not
   * listed, so no pruning of the whole model is needed here (it cost one
   * /proc read per placed task per read, which the kernel does not pay). */
  return show_group(m, g, out);
}

/* /proc/<tid>/stat field 22 (starttime) tells tasks apart across tid reuse.
 * /proc/<tid> exists for every thread, listed or not, as find_task_by_vpid
 * finds them. */
static int proc_task_start(void *ctx, pid_t tid, unsigned long long *start) {
  (void)ctx;
  char path[64], buf[1024];
  if (tid <= 0)
    return -ESRCH;
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -ESRCH;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return -ESRCH;
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (!p)
    return -ESRCH;
  /* after "comm)" come fields 3 (state) to 22 (starttime): stop on the
   * blank before field 22 (stopping one earlier read field 21,
   * itrealvalue, always 0, so a reused tid looked like the task placed) */
  for (int field = 3; field <= 22; field++) {
    p = strchr(p + 1, ' ');
    if (!p)
      return -ESRCH;
  }
  *start = strtoull(p + 1, NULL, 10);
  return 0;
}

/* /proc/<tid>/status "Tgid:": the thread's process. */
static int proc_task_tgid(void *ctx, pid_t tid, pid_t *tgid) {
  (void)ctx;
  char path[64], line[256];
  if (tid <= 0)
    return -ESRCH;
  snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -ESRCH;
  int ret = -ESRCH;
  while (fgets(line, sizeof(line), f)) {
    int v;
    if (sscanf(line, "Tgid: %d", &v) == 1) {
      *tgid = (pid_t)v;
      ret = 0;
      break;
    }
  }
  fclose(f);
  return ret;
}

static int is_number(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s))
      return 0;
  return 1;
}

static int proc_for_each_task(void *ctx, int (*cb)(pid_t tid, void *arg),
                              void *arg) {
  (void)ctx;
  DIR *procs = opendir("/proc");
  if (!procs)
    return -errno;
  int ret = 0;
  struct dirent *pe;
  while (ret == 0 && (pe = readdir(procs)) != NULL) {
    if (!is_number(pe->d_name))
      continue;
    char path[300];
    snprintf(path, sizeof(path), "/proc/%s/task", pe->d_name);
    DIR *threads = opendir(path);
    if (!threads)
      continue; /* exited meanwhile */
    struct dirent *te;
    while (ret == 0 && (te = readdir(threads)) != NULL)
      if (is_number(te->d_name))
        ret = cb((pid_t)atoi(te->d_name), arg);
    closedir(threads);
  }
  closedir(procs);
  return ret;
}

/* The clock of /proc/<tid>/stat's starttime: clock ticks since boot. */
static int proc_now(void *ctx, unsigned long long *ticks) {
  (void)ctx;
  char buf[64];
  int fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return -EIO;
  buf[n] = '\0';
  *ticks =
      (unsigned long long)(strtod(buf, NULL) * (double)sysconf(_SC_CLK_TCK));
  return 0;
}

/* /proc/<leader>/task lists every thread of the process, but /proc/<tid>
 * also answers for a thread that is not the main one: check Tgid. */
static int proc_for_each_thread(void *ctx, pid_t leader,
                                int (*cb)(pid_t tid, void *arg), void *arg) {
  char path[64];
  pid_t tgid;
  if (proc_task_tgid(ctx, leader, &tgid) != 0 || tgid != leader)
    return -ESRCH;
  snprintf(path, sizeof(path), "/proc/%d/task", (int)leader);
  DIR *threads = opendir(path);
  if (!threads)
    return -ESRCH;
  int ret = 0;
  struct dirent *te;
  while (ret == 0 && (te = readdir(threads)) != NULL)
    if (is_number(te->d_name))
      ret = cb((pid_t)atoi(te->d_name), arg);
  closedir(threads);
  return ret;
}

const struct emu_host emu_proc_host = {
    .task_start = proc_task_start,
    .for_each_task = proc_for_each_task,
    .task_tgid = proc_task_tgid,
    .now = proc_now,
    .for_each_thread = proc_for_each_thread,
    .ctx = NULL,
};
