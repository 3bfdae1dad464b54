/**
 * Desired groups from domain snapshots; see desired.h.
 */
#include "desired.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vr_desired_clear(vr_desired_set *d) {
  for (size_t i = 0; i < d->n_lists; i++)
    vr_group_list_clear(&d->lists[i]);
  free(d->lists);
  free(d->groups);
  free(d->rejections);
  free(d->threads);
  memset(d, 0, sizeof(*d));
}

/* The domain's groups, valid and rejected, from its metadata or policy. */
static int parse_domain(const vr_domain_t *dom, vr_default_group policy,
                        vr_group_list *list) {
  unsigned max_vcpus = dom->max_vcpus > 0 ? (unsigned)dom->max_vcpus : 0;
  return dom->metadata ? vr_group_spec_parse(dom->metadata, max_vcpus, list)
                       : vr_group_spec_default(policy, max_vcpus, list);
}

/* Appends spec of dom as a desired group with the threads of its online
 * vCPUs. */
static void add_group(vr_desired_set *d, const vr_domain_t *dom,
                      const vr_group_spec *spec, size_t *next_thread) {
  vr_desired_group *want = &d->groups[d->n++];
  want->uuid = dom->uuid;
  want->domain = dom->name;
  want->group = spec->name;
  want->members = spec->members;
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
}

int vr_desired_build(const vr_domain_list_t *domains, vr_default_group policy,
                     vr_desired_set *out) {
  size_t n_domains = domains->count;
  size_t total_groups = 0, total_rejections = 0, total_threads = 0;
  int status = -ENOMEM;
  memset(out, 0, sizeof(*out));
  out->lists = calloc(n_domains ? n_domains : 1, sizeof(*out->lists));
  if (!out->lists)
    goto fail;
  for (size_t i = 0; i < n_domains; i++) {
    const vr_domain_t *dom = &domains->domains[i];
    status = parse_domain(dom, policy, &out->lists[i]);
    out->n_lists = i + 1;
    if (status < 0)
      goto fail;
    total_groups += out->lists[i].n_groups;
    total_rejections += out->lists[i].n_rejections;
    total_threads += dom->max_vcpus > 0 ? (size_t)dom->max_vcpus : 0;
  }
  status = -ENOMEM;
  out->groups = calloc(total_groups + 1, sizeof(*out->groups));
  out->rejections = calloc(total_rejections + 1, sizeof(*out->rejections));
  out->threads = calloc(total_threads + 1, sizeof(*out->threads));
  if (!out->groups || !out->rejections || !out->threads)
    goto fail;

  size_t next_thread = 0;
  for (size_t i = 0; i < n_domains; i++) {
    const vr_domain_t *dom = &domains->domains[i];
    const vr_group_list *list = &out->lists[i];
    for (size_t r = 0; r < list->n_rejections; r++)
      out->rejections[out->n_rejections++] = (vr_desired_rejection){
          .uuid = dom->uuid,
          .domain = dom->name,
          .rejection = &list->rejections[r],
      };
    for (size_t g = 0; g < list->n_groups; g++)
      add_group(out, dom, &list->groups[g], &next_thread);
  }
  return 0;

fail:
  vr_desired_clear(out);
  return status;
}
