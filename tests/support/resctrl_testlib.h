/* SPDX-License-Identifier: MIT */
/* Test helpers for the resctrl module's tests: a private temp dir, the
 * emulator mounted on it (and recorded so that the shell wrapper's trap can
 * clean up after a crash), fixture trees, small file helpers. */
#ifndef VR_RESCTRL_TESTLIB_H
#define VR_RESCTRL_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
  pid_t pid;
  char mnt[512];
  char control[600];
} rt_emu;

/* The test's private directory: $VR_RESCTRL_TMP (set by the wrapper) or a
 * fresh mkdtemp one. Created once. */
const char *rt_tmpdir(void);

/* A fresh subdirectory of rt_tmpdir() named after tag; path into buf. */
void rt_subdir(const char *tag, char *buf, size_t len);

/* Mounts resctrl-emu with the NULL-terminated extra args on a fresh
 * directory, with a control FIFO; waits for it to be ready. Aborts the
 * test program (exit 1) when it cannot: a missing emulator fails loudly. */
void rt_emu_start(rt_emu *emu, const char *const *args);

/* SIGTERM, wait, and a lazy unmount in case it did not unmount itself. */
void rt_emu_stop(rt_emu *emu);

/* Writes one control line "GROUP CACHE FEATURE VALUE". */
void rt_emu_control(const rt_emu *emu, const char *line);

/* A child process that sleeps until killed; its pid. */
pid_t rt_spawn_sleeper(void);
void rt_kill(pid_t pid);

/* A pid that is no live task: a reaped child's. */
pid_t rt_dead_pid(void);

/* Writes text to path with open(O_WRONLY|O_APPEND) (no O_CREAT unless
 * create): 0 or -errno. */
int rt_write(const char *path, const char *text, bool create);

/* Reads path into buf: bytes or -errno. */
ssize_t rt_read(const char *path, char *buf, size_t len);

/* mkdir -p for a fixture tree. */
void rt_mkdirs(const char *path);

/* Writes a file, creating parents. */
void rt_put(const char *dir, const char *rel, const char *text);

/* A resctrl-shaped fixture tree in dir: info/last_cmd_status, tasks,
 * info/L3_MON/{mon_features,num_rmids}, mon_groups/, mon_data/mon_L3_XX/
 * per id of the comma list ids with the given features, and info/L3/
 * num_closids when alloc. */
void rt_fixture_resctrl(const char *dir, const char *ids, const char *features,
                        bool alloc);

/* A sysfs fixture: <dir>/devices/system/cpu/cpuN/cache/index{0,3}: one CPU
 * per "id:size" entry of spec ("0:32768K,8:16384K"), level-3 index3. */
void rt_fixture_sysfs(const char *dir, const char *spec);

#endif
