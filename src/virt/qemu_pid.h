/* SPDX-License-Identifier: MIT */
/**
 * QEMU's pid from libvirt's per-domain pid file, and the check that the
 * process it names is that domain's QEMU (doc/design.md, "Thread
 * placement"): a stale or wrong pid file may name another domain's QEMU,
 * whose threads must then not be taken for this domain's.
 */
#ifndef VR_QEMU_PID_H
#define VR_QEMU_PID_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* True when QEMU's command line (/proc/<pid>/cmdline: arguments each
 * ending in NUL, len bytes) passes "-uuid <uuid>", as libvirt always does
 * (case-insensitive, as UUID strings are). Pure. */
bool vr_qemu_cmdline_has_uuid(const char *cmdline, size_t len,
                              const char *uuid);

/* Reads <run_path>/<name>.pid into *pid. 0, or a negative errno with a
 * reason (-ENOENT: no pid file). */
int vr_qemu_pidfile_read(const char *run_path, const char *name, pid_t *pid,
                         char *reason, size_t reason_len);

/* 0 when pid's command line names domain uuid; -ENOENT when the process
 * cannot be looked at (gone, or a /proc we may not read); -ESRCH, with a
 * reason, when it is another process; -ENOMEM. */
int vr_qemu_pid_check_uuid(const char *proc_path, pid_t pid, const char *uuid,
                           char *reason, size_t reason_len);

/* vr_qemu_pidfile_read, then vr_qemu_pid_check_uuid: 0 only for this
 * domain's QEMU; a process that cannot be looked at is -ESRCH. */
int vr_qemu_pid_read(const char *run_path, const char *proc_path,
                     const char *name, const char *uuid, pid_t *pid,
                     char *reason, size_t reason_len);

#endif /* VR_QEMU_PID_H */
