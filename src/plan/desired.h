/* SPDX-License-Identifier: MIT */
/**
 * Desired groups: every running, selected domain's metadata (or the
 * DefaultGroup policy) turned into the groups reconcile should see, with
 * the thread ids of their online vCPUs, and the rejected groups as data.
 *
 * Pure: no I/O, no logging, no notification; the engine reports the
 * rejections (engine_health.c).
 */
#ifndef VR_DESIRED_H
#define VR_DESIRED_H

#include "plan/group_spec.h"
#include "plan/reconcile.h"
#include "virt/domain_model.h"

#include <stddef.h>

/* One group (or a whole document) a domain's metadata got wrong. */
typedef struct {
  const char *uuid;   /* the domain's */
  const char *domain; /* its name */
  const vr_group_rejection *rejection;
} vr_desired_rejection;

typedef struct {
  vr_desired_group *groups;
  size_t n;
  vr_desired_rejection *rejections;
  size_t n_rejections;
  /* What groups and rejections point into. */
  vr_vcpu_thread *threads; /* one block, sliced per group */
  vr_group_list *lists;    /* per domain, owns names and members */
  size_t n_lists;
  /* Per domain: the notice "vCPUs cannot be told apart", when its vCPUs
   * share one thread (rejections may point here). */
  vr_group_rejection *shared;
  /* Per domain: the notice "QEMU names no threads", when a group asks for
   * emulator or iothreads and the snapshot found none (rejections may
   * point here). */
  vr_group_rejection *unnamed;
} vr_desired_set;

/**
 * Builds the desired groups of domains (which must outlive out): each
 * domain's metadata element, or policy for a domain without one. Returns 0
 * or -ENOMEM (out is then empty). Free with vr_desired_clear.
 */
/* The label under which a domain whose vCPUs share one thread is reported
 * (once, whatever its groups). */
#define VR_DESIRED_SHARED_LABEL "(vcpus)"
/* The label under which a domain whose QEMU threads have no names is
 * reported (once, when a group of it wants emulator or iothreads). */
#define VR_DESIRED_UNNAMED_LABEL "(threads)"

int vr_desired_build(const vr_domain_list *domains, vr_default_group policy,
                     vr_desired_set *out);

/** vr_desired_build with at most max_groups groups per domain (0: no
 * limit, what vr_desired_build does): MaxGroupsPerDomain. */
int vr_desired_build_capped(const vr_domain_list *domains,
                            vr_default_group policy, size_t max_groups,
                            vr_desired_set *out);

void vr_desired_clear(vr_desired_set *d);

#endif /* VR_DESIRED_H */
