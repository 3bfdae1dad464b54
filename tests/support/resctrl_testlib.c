/* SPDX-License-Identifier: MIT */
/* Test helpers for the resctrl module's tests; see resctrl_testlib.h. */
#include "resctrl_testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "resctrl_testlib: %s: %s\n", what, strerror(errno));
  exit(1);
}

const char *rt_tmpdir(void) {
  static char dir[512];
  if (dir[0])
    return dir;
  const char *env = getenv("VR_RESCTRL_TMP");
  if (env && env[0]) {
    snprintf(dir, sizeof(dir), "%s", env);
    return dir;
  }
  snprintf(dir, sizeof(dir), "/tmp/vr-resctrl-XXXXXX");
  if (!mkdtemp(dir))
    die("mkdtemp");
  return dir;
}

void rt_subdir(const char *tag, char *buf, size_t len) {
  static int serial;
  snprintf(buf, len, "%s/%s.%d", rt_tmpdir(), tag, ++serial);
  if (mkdir(buf, 0755) != 0)
    die(buf);
}

/* Appends a line to the wrapper's cleanup list (pids, mounts). */
static void record(const char *file, const char *text) {
  char path[600];
  snprintf(path, sizeof(path), "%s/%s", rt_tmpdir(), file);
  FILE *f = fopen(path, "a");
  if (!f)
    die(path);
  fprintf(f, "%s\n", text);
  fclose(f);
}

void rt_emu_start(rt_emu *emu, const char *const *args) {
  char ready[600];
  const char *builddir = getenv("VR_BUILDDIR");
  char prog[600];
  snprintf(prog, sizeof(prog), "%s/tests/resctrl-emu/resctrl-emu",
           builddir ? builddir : ".");
  if (access(prog, X_OK) != 0)
    die(prog);
  rt_subdir("mnt", emu->mnt, sizeof(emu->mnt));
  snprintf(emu->control, sizeof(emu->control), "%s.ctl", emu->mnt);
  snprintf(ready, sizeof(ready), "%s.ready", emu->mnt);
  record("mounts", emu->mnt);
  const char *argv[64];
  size_t n = 0;
  argv[n++] = prog;
  for (size_t i = 0; args && args[i] && n < 56; i++)
    argv[n++] = args[i];
  argv[n++] = "--control";
  argv[n++] = emu->control;
  argv[n++] = "--ready-file";
  argv[n++] = ready;
  argv[n++] = emu->mnt;
  argv[n] = NULL;
  emu->pid = fork();
  if (emu->pid < 0)
    die("fork");
  if (emu->pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
      dup2(devnull, STDOUT_FILENO);
    execv(prog, (char *const *)argv);
    _exit(127);
  }
  char pidtext[32];
  snprintf(pidtext, sizeof(pidtext), "%d", (int)emu->pid);
  record("pids", pidtext);
  for (int i = 0; i < 1000; i++) {
    int status;
    if (access(ready, F_OK) == 0)
      return;
    if (waitpid(emu->pid, &status, WNOHANG) == emu->pid) {
      fprintf(stderr, "resctrl_testlib: resctrl-emu exited (status %d)\n",
              status);
      exit(1);
    }
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  fprintf(stderr, "resctrl_testlib: resctrl-emu not ready after 10 s\n");
  kill(emu->pid, SIGKILL);
  exit(1);
}

void rt_emu_stop(rt_emu *emu) {
  if (emu->pid <= 0)
    return;
  kill(emu->pid, SIGTERM);
  int status;
  for (int i = 0; i < 500; i++) {
    if (waitpid(emu->pid, &status, WNOHANG) == emu->pid)
      break;
    if (i == 499) {
      kill(emu->pid, SIGKILL);
      waitpid(emu->pid, &status, 0);
    }
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  /* Open fds keep a FUSE mount busy: detach it lazily. */
  umount2(emu->mnt, MNT_DETACH);
  emu->pid = 0;
}

void rt_emu_control(const rt_emu *emu, const char *line) {
  char text[512];
  snprintf(text, sizeof(text), "%s\n", line);
  int fd = open(emu->control, O_WRONLY);
  if (fd < 0)
    die(emu->control);
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
    die("control write");
  close(fd);
}

pid_t rt_spawn_sleeper(void) {
  pid_t pid = fork();
  if (pid < 0)
    die("fork");
  if (pid == 0) {
    for (;;)
      pause();
  }
  return pid;
}

void rt_kill(pid_t pid) {
  if (pid <= 0)
    return;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

pid_t rt_dead_pid(void) {
  pid_t pid = fork();
  if (pid < 0)
    die("fork");
  if (pid == 0)
    _exit(0);
  waitpid(pid, NULL, 0);
  return pid;
}

int rt_write(const char *path, const char *text, bool create) {
  int fd =
      open(path, O_WRONLY | O_APPEND | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (fd < 0)
    return -errno;
  ssize_t n = write(fd, text, strlen(text));
  int rc = n < 0 ? -errno : 0;
  close(fd);
  return rc;
}

ssize_t rt_read(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return -errno;
  ssize_t n = read(fd, buf, len - 1);
  int err = errno;
  close(fd);
  if (n < 0)
    return -err;
  buf[n] = '\0';
  return n;
}

void rt_mkdirs(const char *path) {
  char buf[1024];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(buf, 0755);
      *p = '/';
    }
  }
  if (mkdir(buf, 0755) != 0 && errno != EEXIST)
    die(buf);
}

void rt_put(const char *dir, const char *rel, const char *text) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", dir, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  rt_mkdirs(path);
  *slash = '/';
  if (rt_write(path, text, true) != 0)
    die(path);
}

void rt_fixture_resctrl(const char *dir, const char *ids, const char *features,
                        bool alloc) {
  char feat_lines[256];
  char copy[256];
  snprintf(feat_lines, sizeof(feat_lines), "%s", features);
  for (char *p = feat_lines; *p; p++)
    if (*p == ',')
      *p = '\n';
  strncat(feat_lines, "\n", sizeof(feat_lines) - strlen(feat_lines) - 1);
  rt_put(dir, "info/last_cmd_status", "ok\n");
  rt_put(dir, "info/L3_MON/mon_features", feat_lines);
  rt_put(dir, "info/L3_MON/num_rmids", "32\n");
  rt_put(dir, "tasks", "1\n");
  char path[1024];
  snprintf(path, sizeof(path), "%s/mon_groups", dir);
  rt_mkdirs(path);
  if (alloc)
    rt_put(dir, "info/L3/num_closids", "16\n");
  snprintf(copy, sizeof(copy), "%s", ids);
  char *save = NULL;
  for (char *id = strtok_r(copy, ",", &save); id;
       id = strtok_r(NULL, ",", &save)) {
    char fcopy[256];
    snprintf(fcopy, sizeof(fcopy), "%s", features);
    char *fsave = NULL;
    for (char *f = strtok_r(fcopy, ",", &fsave); f;
         f = strtok_r(NULL, ",", &fsave)) {
      char rel[300];
      snprintf(rel, sizeof(rel), "mon_data/mon_L3_%02d/%s", atoi(id), f);
      rt_put(dir, rel, "1000\n");
    }
  }
}

void rt_fixture_sysfs(const char *dir, const char *spec) {
  char copy[256];
  snprintf(copy, sizeof(copy), "%s", spec);
  char *save = NULL;
  int cpu = 0;
  for (char *e = strtok_r(copy, ",", &save); e;
       e = strtok_r(NULL, ",", &save), cpu++) {
    char *colon = strchr(e, ':');
    *colon = '\0';
    char rel[300], text[64];
    snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index0/level",
             cpu);
    rt_put(dir, rel, "1\n");
    snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index0/id", cpu);
    rt_put(dir, rel, "0\n");
    snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index0/size",
             cpu);
    rt_put(dir, rel, "48K\n");
    snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index3/level",
             cpu);
    rt_put(dir, rel, "3\n");
    snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index3/id", cpu);
    snprintf(text, sizeof(text), "%s\n", e);
    rt_put(dir, rel, text);
    snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cache/index3/size",
             cpu);
    snprintf(text, sizeof(text), "%s\n", colon + 1);
    rt_put(dir, rel, text);
  }
}
