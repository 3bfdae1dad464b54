/* SPDX-License-Identifier: MIT */
/**
 * vCPU thread ids of a QEMU domain, found without libvirt's API (which has
 * none for them): QEMU's pid from libvirt's per-domain pid file, then the
 * thread names QEMU gives its vCPU threads in /proc, with libvirt's status
 * XML as fallback. The roots are parameters so tests use fixture trees.
 */
#ifndef VR_VCPU_THREADS_H
#define VR_VCPU_THREADS_H

#include "base/vocabulary.h"
#include "virt/domain_model.h"
#include "virt/qemu_pid.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Parses a thread name "CPU <n>/KVM" or "CPU <n>/TCG" (QEMU names its vCPU
 * threads so; a trailing newline as read from comm is allowed).
 * Returns n >= 0, or -1 when the name is not a vCPU thread's. */
int vr_vcpu_parse_comm(const char *comm);

/* Parses libvirt's status XML (<domstatus> ... <vcpus><vcpu id='' pid=''/>)
 * from memory. tids[i] receives the thread id of vCPU i for i < n (0 where
 * the XML names none).
 * Returns the number found (>= 0), or a negative errno with a reason. */
int vr_vcpu_threads_from_status_xml(const char *xml, size_t len, pid_t *tids,
                                    size_t n, char *reason, size_t reason_len);

/* Every lookup below first checks that the pid file's process is the QEMU
 * of domain UUID (virt/qemu_pid.h, on its /proc cmdline): a stale
 * or wrong pid file may name another domain's QEMU; then nothing is found
 * (-ESRCH with a reason) and so nothing is written.
 *
 * The whole lookup for the domain NAME: pid file, /proc, and, when /proc
 * named no vCPU thread, the status XML <run_path>/<name>.xml.
 * Returns the number found (> 0), or a negative errno with a reason (-ENOENT:
 * no pid file, e.g. another driver's domain). */
int vr_vcpu_threads_find(const char *run_path, const char *proc_path,
                         const char *name, const char *uuid, pid_t *tids,
                         size_t n, char *reason, size_t reason_len);

/* Checks, right before a thread id from an earlier snapshot is written to
 * resctrl, that it is still vCPU vcpu's thread of domain NAME: the pid file
 * names QEMU's pid, tid is one of that process's threads, and its name,
 * when it is a vCPU thread's ("CPU <n>/..."), names vcpu. A snapshot kept
 * while libvirt is away can hold ids of threads that exited and were
 * reused by unrelated tasks. Returns 0, or -ESRCH (or the pid file's
 * errno) with a reason. */
int vr_vcpu_thread_verify(const char *run_path, const char *proc_path,
                          const char *name, const char *uuid, pid_t tid,
                          unsigned vcpu, char *reason, size_t reason_len);

/* Classifies a thread by the name QEMU gives it with debug-threads=on
 * (which libvirt always passes): "CPU <n>/KVM" is vCPU n, "IO iothread<N>"
 * libvirt's iothread N (libvirt names the iothread objects "iothread<N>",
 * QEMU names their threads "IO <object id>"), anything else (the main
 * thread, workers, "IO mon_iothread", "vhost-<pid>",
 * "kvm-nx-lpage-recovery") an emulator thread. *id gets n or N. Pure. */
vr_thread_kind vr_thread_classify(const char *comm, unsigned *id);

/* Every thread of domain NAME's QEMU process that is not a vCPU's, by
 * vr_thread_classify, into *out (heap, *n entries). *named is false when
 * no thread bears a QEMU thread name (a QEMU without debug-threads=on):
 * emulator and iothreads cannot be told apart then, so none is listed.
 * Returns 0, or a negative errno with a reason. */
int vr_qemu_threads_find(const char *run_path, const char *proc_path,
                         const char *name, const char *uuid,
                         vr_qemu_thread **out, size_t *n, bool *named,
                         char *reason, size_t reason_len);

/* vr_vcpu_thread_verify for a thread of another kind: tid is still a
 * thread of domain NAME's QEMU and its name still classifies as kind (and
 * id, for an iothread). Returns 0, or -ESRCH with a reason. */
int vr_qemu_thread_verify(const char *run_path, const char *proc_path,
                          const char *name, const char *uuid, pid_t tid,
                          vr_thread_kind kind, unsigned id, char *reason,
                          size_t reason_len);

#endif /* VR_VCPU_THREADS_H */
