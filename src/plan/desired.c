/* SPDX-License-Identifier: MIT */
/**
 * Desired groups from domain snapshots; see desired.h.
 */
#include "plan/desired.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vr_desired_clear(vr_desired_set *d) {
  for (size_t i = 0; i < d->n_lists; i++)
    vr_group_list_clear(&d->lists[i]);
  free(d->lists);
  free(d->groups);
  free(d->rejections);
  free(d->threads);
  free(d->shared);
  free(d->unnamed);
  memset(d, 0, sizeof(*d));
}

/* The domain's groups, valid and rejected, from its metadata or policy,
 * at most max_groups of them (0: no limit); DefaultGroup per-vcpu's groups
 * count as written ones do, since each takes an RMID all the same. */
static int parse_domain(const vr_domain *dom, vr_default_group policy,
                        size_t max_groups, vr_group_list *list) {
  unsigned max_vcpus = dom->max_vcpus > 0 ? (unsigned)dom->max_vcpus : 0;
  int status = dom->metadata
                   ? vr_group_spec_parse_domain(dom->metadata, max_vcpus,
                                                dom->iothread_ids, list)
                   : vr_group_spec_default(policy, max_vcpus, list);
  return status < 0 ? status : vr_group_list_cap(list, max_groups);
}

/* Does spec take QEMU's thread t? Each thread is classified once, by its
 * name (vr_thread_classify), so at most one group of a domain takes it;
 * a thread no group takes is left where it is (it may have inherited a
 * group from its creator). */
static bool takes_thread(const vr_group_spec *spec, const vr_qemu_thread *t) {
  if (spec->all_threads)
    return true;
  if (t->kind == VR_THREAD_IOTHREAD)
    return t->id < VR_MAX_VCPUS && vr_cpuset_has(&spec->iothreads, t->id);
  return spec->emulator;
}

/* Appends the iothreads and emulator threads of dom that spec takes to the
 * group just added. */
static void add_other_threads(vr_desired_set *d, const vr_domain *dom,
                              const vr_group_spec *spec, size_t *next_thread) {
  vr_desired_group *want = &d->groups[d->n - 1];
  for (size_t t = 0; t < dom->n_threads; t++) {
    const vr_qemu_thread *th = &dom->threads[t];
    if (!takes_thread(spec, th))
      continue;
    d->threads[(*next_thread)++] =
        (vr_vcpu_thread){.vcpu = th->id, .tid = th->tid, .kind = th->kind};
    want->n_threads++;
  }
}

/* Appends spec of dom as a desired group with the threads of its online
 * vCPUs, its iothreads and emulator threads. */
static void add_group(vr_desired_set *d, const vr_domain *dom,
                      const vr_group_spec *spec, size_t *next_thread) {
  vr_desired_group *want = &d->groups[d->n++];
  want->uuid = dom->uuid;
  want->domain = dom->name;
  want->group = spec->name;
  want->members = spec->members;
  want->mbm = spec->mbm;
  want->threads = &d->threads[*next_thread];
  want->domain_vcpu_tids = dom->vcpu_tids;
  want->n_domain_vcpu_tids = dom->max_vcpus > 0 ? (size_t)dom->max_vcpus : 0;
  for (int v = vr_cpuset_next(&spec->vcpus, 0); v >= 0;
       v = vr_cpuset_next(&spec->vcpus, (unsigned)v + 1)) {
    /* Offline vCPUs have no thread yet: picked up at a later resync once
     * online (libvirt 9.0 raises no event for vCPU hot-plug). */
    if (v < dom->max_vcpus && dom->vcpu_tids[v] > 0) {
      d->threads[*next_thread].vcpu = (unsigned)v;
      d->threads[*next_thread].tid = dom->vcpu_tids[v];
      (*next_thread)++;
      want->n_threads++;
    }
  }
  add_other_threads(d, dom, spec, next_thread);
}

/* Says once for dom, when one of its groups wants threads other than
 * vCPUs and the snapshot classified none: a running QEMU always has its
 * main thread, so none means QEMU gave its threads no names (no
 * debug-threads=on) or /proc could not be read. Those groups then hold
 * their vCPUs only, or wait. */
static void note_unnamed(vr_desired_set *d, const vr_domain *dom,
                         const vr_group_list *list,
                         vr_group_rejection *notice) {
  if (dom->n_threads > 0)
    return;
  for (size_t g = 0; g < list->n_groups; g++) {
    const vr_group_spec *spec = &list->groups[g];
    if (!spec->emulator && !spec->all_threads &&
        vr_cpuset_is_empty(&spec->iothreads))
      continue;
    notice->problem = VR_PROBLEM_UNNAMED_THREADS;
    snprintf(notice->group, sizeof(notice->group), "%s",
             VR_DESIRED_UNNAMED_LABEL);
    snprintf(notice->reason, sizeof(notice->reason),
             "QEMU's threads have no names (QEMU without debug-threads=on, "
             "or its /proc unreadable): emulator and iothreads cannot be told "
             "apart, so groups asking for them hold only their vCPUs (found "
             "through libvirt's status XML) or wait");
    d->rejections[d->n_rejections++] = (vr_desired_rejection){
        .uuid = dom->uuid, .domain = dom->name, .rejection = notice};
    return;
  }
}

/* The thread that two or more online vCPUs of dom share, or 0. QEMU's
 * round-robin TCG runs every vCPU on one thread, named "ALL CPUs/TCG";
 * libvirt then reports that thread for each vCPU. */
static pid_t shared_thread(const vr_domain *dom) {
  for (int v = 0; v < dom->max_vcpus; v++)
    for (int w = v + 1; w < dom->max_vcpus && dom->vcpu_tids[v] > 0; w++)
      if (dom->vcpu_tids[w] == dom->vcpu_tids[v])
        return dom->vcpu_tids[v];
  return 0;
}

/* True when spec lists every online vCPU of dom: then one thread running
 * all of them is still exactly that group. */
static bool lists_every_online_vcpu(const vr_domain *dom,
                                    const vr_group_spec *spec) {
  for (int v = 0; v < dom->max_vcpus; v++)
    if (dom->vcpu_tids[v] > 0 && !vr_cpuset_has(&spec->vcpus, (unsigned)v))
      return false;
  return true;
}

/* Adds dom's groups when its vCPUs share a thread: a group of every online
 * vCPU is monitored through that one thread; any other group cannot be
 * told apart from the rest, so it is left out, and the domain is reported
 * once under VR_DESIRED_SHARED_LABEL (not as a conflict per group). */
static void add_shared(vr_desired_set *d, const vr_domain *dom,
                       const vr_group_list *list, pid_t tid,
                       vr_group_rejection *notice, size_t *next_thread) {
  size_t left_out = 0;
  for (size_t g = 0; g < list->n_groups; g++) {
    const vr_group_spec *spec = &list->groups[g];
    if (!lists_every_online_vcpu(dom, spec)) {
      left_out++;
      continue;
    }
    vr_desired_group *want = &d->groups[d->n++];
    *want = (vr_desired_group){
        .uuid = dom->uuid,
        .domain = dom->name,
        .group = spec->name,
        .members = spec->members,
        .mbm = spec->mbm,
        .threads = &d->threads[*next_thread],
        .n_threads = 1,
        .domain_vcpu_tids = dom->vcpu_tids,
        .n_domain_vcpu_tids = (size_t)dom->max_vcpus,
    };
    d->threads[(*next_thread)++] = (vr_vcpu_thread){
        .vcpu = (unsigned)vr_cpuset_next(&spec->vcpus, 0), .tid = tid};
  }
  if (left_out == 0)
    return;
  notice->problem = VR_PROBLEM_SHARED_VCPUS;
  snprintf(notice->group, sizeof(notice->group), "%s", VR_DESIRED_SHARED_LABEL);
  snprintf(notice->reason, sizeof(notice->reason),
           "the vCPUs of this domain cannot be told apart: QEMU runs them all "
           "on thread %d (round-robin TCG, 'ALL CPUs/TCG'); %zu group(s) not "
           "listing every online vCPU are not monitored, a group of all of "
           "them is",
           (int)tid, left_out);
  d->rejections[d->n_rejections++] = (vr_desired_rejection){
      .uuid = dom->uuid, .domain = dom->name, .rejection = notice};
}

int vr_desired_build(const vr_domain_list *domains, vr_default_group policy,
                     vr_desired_set *out) {
  return vr_desired_build_capped(domains, policy, 0, out);
}

int vr_desired_build_capped(const vr_domain_list *domains,
                            vr_default_group policy, size_t max_groups,
                            vr_desired_set *out) {
  size_t n_domains = domains->count;
  size_t total_groups = 0, total_rejections = 0, total_threads = 0;
  int status = -ENOMEM;
  memset(out, 0, sizeof(*out));
  out->lists = calloc(n_domains ? n_domains : 1, sizeof(*out->lists));
  if (!out->lists)
    goto fail;
  for (size_t i = 0; i < n_domains; i++) {
    const vr_domain *dom = &domains->domains[i];
    status = parse_domain(dom, policy, max_groups, &out->lists[i]);
    out->n_lists = i + 1;
    if (status < 0)
      goto fail;
    total_groups += out->lists[i].n_groups;
    total_rejections += out->lists[i].n_rejections;
    total_threads += dom->max_vcpus > 0 ? (size_t)dom->max_vcpus : 0;
    total_threads += dom->n_threads;
  }
  status = -ENOMEM;
  out->groups = calloc(total_groups + 1, sizeof(*out->groups));
  /* two more rejections per domain: its shared-thread and unnamed-thread
   * notices */
  out->rejections =
      calloc(total_rejections + 2 * n_domains + 1, sizeof(*out->rejections));
  out->threads =
      calloc(total_threads + total_groups + 1, sizeof(*out->threads));
  out->shared = calloc(n_domains + 1, sizeof(*out->shared));
  out->unnamed = calloc(n_domains + 1, sizeof(*out->unnamed));
  if (!out->groups || !out->rejections || !out->threads || !out->shared ||
      !out->unnamed)
    goto fail;

  size_t next_thread = 0;
  for (size_t i = 0; i < n_domains; i++) {
    const vr_domain *dom = &domains->domains[i];
    const vr_group_list *list = &out->lists[i];
    for (size_t r = 0; r < list->n_rejections; r++)
      out->rejections[out->n_rejections++] = (vr_desired_rejection){
          .uuid = dom->uuid,
          .domain = dom->name,
          .rejection = &list->rejections[r],
      };
    note_unnamed(out, dom, list, &out->unnamed[i]);
    pid_t shared = shared_thread(dom);
    if (shared > 0) {
      add_shared(out, dom, list, shared, &out->shared[i], &next_thread);
      continue;
    }
    for (size_t g = 0; g < list->n_groups; g++)
      add_group(out, dom, &list->groups[g], &next_thread);
  }
  return 0;

fail:
  vr_desired_clear(out);
  return status;
}
