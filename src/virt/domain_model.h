/* SPDX-License-Identifier: MIT */
/**
 * A running domain as the plugin sees it: the snapshot the libvirt edge
 * (virt/vr_libvirt.c) fills, and the pure planning modules (plan/desired,
 * plan/libvirt_monitors) read. Plain data, no libvirt header: the modules
 * that decide stay testable without libvirt.
 */
#ifndef VR_DOMAIN_MODEL_H
#define VR_DOMAIN_MODEL_H

#include "base/cpuset.h"
#include "base/vocabulary.h"

#include <stddef.h>
#include <sys/types.h>

/* A QEMU thread that is not a vCPU's, as its name classifies it. */
typedef struct {
  pid_t tid;
  vr_thread_kind kind; /* VR_THREAD_IOTHREAD or VR_THREAD_EMULATOR */
  unsigned id;         /* the iothread id; 0 for an emulator thread */
} vr_qemu_thread;

typedef struct vr_domain {
  char *name;
  char uuid[VR_UUID_STRING_LEN + 1]; /* VIR_UUID_STRING_BUFLEN */
  int id;         /* libvirt's id of this run: a restart changes it */
  int max_vcpus;  /* length of vcpu_tids */
  char *metadata; /* our element, NULL when the domain has none */
  /* HostnameMetadataXPath's value in HostnameMetadataNS's element, for
   * HostnameFormat and PluginInstanceFormat; NULL when not asked or none */
  char *name_meta;
  pid_t *vcpu_tids; /* by vCPU id; 0 for an offline vCPU */
  /* QEMU's other threads by their names (iothreads, emulator threads),
   * and libvirt's iothread ids (NULL: unknown). */
  vr_qemu_thread *threads;
  size_t n_threads;
  vr_cpuset *iothread_ids;
} vr_domain;

typedef struct vr_domain_list {
  vr_domain *domains;
  size_t count;
} vr_domain_list;

void vr_domain_clear(vr_domain *d);
void vr_domain_list_clear(vr_domain_list *list);

#endif /* VR_DOMAIN_MODEL_H */
