/* SPDX-License-Identifier: MIT */
/**
 * The list of groups and rejections; see group_list.h.
 */
#include "plan/group_list.h"
#include "base/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* prefix and set in normal form, within VR_GROUP_NAME_MAX and len. */
static int prefixed_ranges(const char *prefix, const vr_cpuset *set, char *buf,
                           size_t len) {
  char ranges[VR_GROUP_NAME_MAX + 1];
  if (len > 0)
    buf[0] = '\0';
  if (vr_cpuset_format_ranges(set, ranges, sizeof(ranges)) < 0)
    return -ENOSPC;
  int n = snprintf(buf, len, "%s%s", prefix, ranges);
  if (n < 0 || (size_t)n >= len || n > VR_GROUP_NAME_MAX) {
    if (len > 0)
      buf[0] = '\0';
    return -ENOSPC;
  }
  return 0;
}

int vr_group_default_name(const vr_cpuset *vcpus, char *buf, size_t len) {
  return prefixed_ranges("vcpus_", vcpus, buf, len);
}

int vr_group_default_iothreads_name(const vr_cpuset *iothreads, char *buf,
                                    size_t len) {
  return prefixed_ranges("iothreads_", iothreads, buf, len);
}

/* Room for one more element in an array of n that only this file grows:
 * its capacity is the smallest power of two holding n, so that a document
 * of 10,000 groups costs a few copies, not 10,000 (an ASan build's realloc
 * copies every time: test_hostile took minutes there). */
static void *grow_for_one(void *array, size_t n, size_t size) {
  if (n != 0 && (n & (n - 1)) != 0)
    return array;
  return realloc(array, (n ? 2 * n : 1) * size);
}

int vr_group_list_reject(vr_group_list *list, vr_problem_class problem,
                         const char *label, const char *reason) {
  vr_group_rejection *grown =
      grow_for_one(list->rejections, list->n_rejections, sizeof(*grown));
  if (!grown)
    return -ENOMEM;
  list->rejections = grown;
  vr_group_rejection *r = &grown[list->n_rejections++];
  r->problem = problem;
  vr_copy_printable(r->group, sizeof(r->group), label, VR_GROUP_NAME_MAX + 8);
  vr_copy_printable(r->reason, sizeof(r->reason), reason, sizeof(r->reason));
  return 0;
}

int vr_group_list_add(vr_group_list *list, const char *name,
                      const vr_cpuset *vcpus) {
  /* Up to four digits and a comma per id. */
  size_t members_len = (size_t)vr_cpuset_count(vcpus) * 5 + 1;
  char *members = malloc(members_len);
  if (!members)
    return -ENOMEM;
  if (vr_cpuset_format_list(vcpus, members, members_len) < 0) {
    free(members);
    return -ENOMEM;
  }
  vr_group_spec *grown =
      grow_for_one(list->groups, list->n_groups, sizeof(*grown));
  if (!grown) {
    free(members);
    return -ENOMEM;
  }
  list->groups = grown;
  vr_group_spec *g = &grown[list->n_groups++];
  memset(g, 0, sizeof(*g));
  snprintf(g->name, sizeof(g->name), "%s", name);
  g->vcpus = *vcpus;
  g->members = members;
  return 0;
}

int vr_group_list_cap(vr_group_list *list, size_t max_groups) {
  if (max_groups == 0 || list->n_groups <= max_groups)
    return 0;
  size_t over = list->n_groups - max_groups;
  char names[VR_SUMMARY_NAMES * (VR_GROUP_NAME_MAX + 2) + 8] = "";
  size_t used = 0;
  for (size_t i = 0; i < over && i < VR_SUMMARY_NAMES; i++)
    used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
                             i ? ", " : "", list->groups[max_groups + i].name);
  if (over > VR_SUMMARY_NAMES)
    snprintf(names + used, sizeof(names) - used, ", ...");
  char reason[VR_REASON_MAX];
  /* The names come last: cut, the line still says which key to raise. */
  if (snprintf(reason, sizeof(reason),
               "over MaxGroupsPerDomain %zu: %zu of %zu groups not monitored; "
               "raise MaxGroupsPerDomain for a domain this large (left out: "
               "%s)",
               max_groups, over, list->n_groups, names) >= (int)sizeof(reason))
    memcpy(reason + sizeof(reason) - 4, "...", 4);
  for (size_t i = max_groups; i < list->n_groups; i++)
    free(list->groups[i].members);
  list->n_groups = max_groups;
  return vr_group_list_reject(list, VR_PROBLEM_OVER_CAP, "(metadata)", reason);
}

void vr_group_list_clear(vr_group_list *list) {
  for (size_t i = 0; i < list->n_groups; i++)
    free(list->groups[i].members);
  free(list->groups);
  free(list->rejections);
  memset(list, 0, sizeof(*list));
}

int vr_group_spec_default(vr_default_group policy, unsigned max_vcpus,
                          vr_group_list *out) {
  memset(out, 0, sizeof(*out));
  if (max_vcpus > VR_MAX_VCPUS)
    max_vcpus = VR_MAX_VCPUS;
  if (policy == VR_DEFAULT_GROUP_NONE || max_vcpus == 0)
    return 0;

  vr_cpuset set;
  int status = 0;
  if (policy == VR_DEFAULT_GROUP_ALL) {
    vr_cpuset_clear(&set);
    for (unsigned id = 0; id < max_vcpus; id++)
      vr_cpuset_add(&set, id);
    status = vr_group_list_add(out, "all", &set);
  } else if (policy == VR_DEFAULT_GROUP_VM) {
    vr_cpuset_clear(&set);
    for (unsigned id = 0; id < max_vcpus; id++)
      vr_cpuset_add(&set, id);
    status = vr_group_list_add(out, VR_GROUP_VM_NAME, &set);
    if (status == 0)
      out->groups[0].all_threads = true;
  } else {
    for (unsigned id = 0; id < max_vcpus && status == 0; id++) {
      char name[VR_GROUP_NAME_MAX + 1];
      snprintf(name, sizeof(name), "vcpu_%u", id);
      vr_cpuset_clear(&set);
      vr_cpuset_add(&set, id);
      status = vr_group_list_add(out, name, &set);
    }
  }
  if (status < 0)
    vr_group_list_clear(out);
  return status;
}

/* FNV-1a: a collision costs only a longer probe, which the load factor of
 * at most one half keeps short. */
static size_t name_hash(const char *name) {
  size_t h = (size_t)14695981039346656037ULL;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    h = (h ^ *p) * (size_t)1099511628211ULL;
  return h;
}

/* The slot holding name, or the free slot where it would go. */
static size_t *name_slot(const vr_name_index *index, const vr_group_list *list,
                         const char *name) {
  size_t mask = index->n_slots - 1;
  for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
    size_t *slot = &index->slots[i];
    if (*slot == 0 || strcmp(list->groups[*slot - 1].name, name) == 0)
      return slot;
  }
}

bool vr_name_index_has(const vr_name_index *index, const vr_group_list *list,
                       const char *name) {
  return index->n_slots > 0 && *name_slot(index, list, name) != 0;
}

int vr_name_index_add(vr_name_index *index, const vr_group_list *list,
                      size_t at) {
  if (2 * (index->n_used + 1) > index->n_slots) {
    vr_name_index bigger = {.n_slots =
                                index->n_slots ? 2 * index->n_slots : 64};
    bigger.slots = calloc(bigger.n_slots, sizeof(*bigger.slots));
    if (!bigger.slots)
      return -ENOMEM;
    for (size_t i = 0; i < index->n_slots; i++)
      if (index->slots[i])
        *name_slot(&bigger, list, list->groups[index->slots[i] - 1].name) =
            index->slots[i];
    bigger.n_used = index->n_used;
    free(index->slots);
    *index = bigger;
  }
  *name_slot(index, list, list->groups[at].name) = at + 1;
  index->n_used++;
  return 0;
}

void vr_name_index_clear(vr_name_index *index) {
  free(index->slots);
  *index = (vr_name_index){0};
}
