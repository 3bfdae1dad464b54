/* SPDX-License-Identifier: MIT */
/*
 * The domstats view: which resctrl groups belong to a domain, and their
 * text and JSON; see domstats.h.
 */
#include "plan/domstats.h"

#include "resctrl/libvirt_groups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vr_domstats_dir_path(const vr_domstats_dir *dir, char *buf, size_t len) {
  if (dir->name[0])
    snprintf(buf, len, "%s%smon_groups/%s", dir->ctrl, dir->ctrl[0] ? "/" : "",
             dir->name);
  else
    snprintf(buf, len, "%s", dir->ctrl);
}

static int dir_cmp(const void *a, const void *b) {
  const vr_domstats_dir *x = a, *y = b;
  int c = strcmp(x->ctrl, y->ctrl);
  return c ? c : strcmp(x->name, y->name);
}

void vr_domstats_sort_dirs(vr_domstats_dirs *dirs) {
  if (dirs->n)
    qsort(dirs->dirs, dirs->n, sizeof(*dirs->dirs), dir_cmp);
}

static int group_cmp(const void *a, const void *b) {
  return strcmp(((const vr_domstats_group *)a)->name,
                ((const vr_domstats_group *)b)->name);
}

/* The members a group's name gives away when the metadata does not say
 * (a DefaultGroup of the plugin, or a group whose metadata is gone): the
 * plugin's default names "vcpus_<set>" and "vm" (group_spec.h). */
static void members_from_name(vr_domstats_group *g, const char *group) {
  char reason[VR_REASON_MAX];
  if (strncmp(group, "vcpus_", 6) == 0 &&
      vr_cpuset_parse(group + 6, VR_MAX_VCPUS, &g->vcpus, reason,
                      sizeof(reason)) == 0)
    g->members_known = true;
  else if (strcmp(group, VR_GROUP_VM_NAME) == 0)
    g->members_known = g->all_threads = true;
}

static vr_domstats_group *add_group(vr_domstats_domain *d,
                                    const vr_domstats_dir *dir,
                                    const char *name, bool libvirt) {
  vr_domstats_group *g = &d->groups[d->n_groups++];
  memset(g, 0, sizeof(*g));
  snprintf(g->name, sizeof(g->name), "%s", name);
  g->libvirt = libvirt;
  g->dir = dir;
  return g;
}

/*
 * Pure: the groups of domain d among dirs (sorted), in the order they are
 * printed: ours in metadata order, then ours the metadata does not name (a
 * DefaultGroup) by name, then libvirt's by name. A metadata group without
 * a directory is not listed (the caller says so). d->groups must hold
 * dirs->n entries. 0 or -ENOMEM.
 */
int vr_domstats_select(const char *prefix, vr_domstats_domain *d,
                       const vr_domstats_dirs *dirs) {
  char machine[VR_LV_MACHINE_NAME_MAX + 1] = "";
  if (d->id >= 0)
    vr_lv_machine_name(d->id, d->name, machine, sizeof(machine));
  bool *taken = calloc(dirs->n ? dirs->n : 1, sizeof(*taken));
  if (!taken)
    return -ENOMEM;
  for (size_t s = 0; s < d->meta.n_groups; s++) {
    const vr_group_spec *spec = &d->meta.groups[s];
    for (size_t i = 0; i < dirs->n; i++) {
      char uuid[VR_UUID_STRING_LEN + 1], group[VR_GROUP_NAME_MAX + 1];
      const vr_domstats_dir *dir = &dirs->dirs[i];
      if (taken[i] || !dir->name[0] ||
          !vr_owned_name_parse(prefix, dir->name, uuid, group) ||
          strcmp(uuid, d->uuid) != 0 || strcmp(group, spec->name) != 0)
        continue;
      vr_domstats_group *g = add_group(d, dir, spec->name, false);
      g->members_known = true;
      g->vcpus = spec->vcpus;
      g->iothreads = spec->iothreads;
      g->emulator = spec->emulator;
      g->all_threads = spec->all_threads;
      taken[i] = true;
      break;
    }
  }
  size_t first = d->n_groups;
  for (size_t i = 0; i < dirs->n; i++) {
    char uuid[VR_UUID_STRING_LEN + 1], group[VR_GROUP_NAME_MAX + 1];
    const vr_domstats_dir *dir = &dirs->dirs[i];
    if (taken[i] || !dir->name[0] ||
        !vr_owned_name_parse(prefix, dir->name, uuid, group) ||
        strcmp(uuid, d->uuid) != 0)
      continue;
    members_from_name(add_group(d, dir, group, false), group);
    taken[i] = true;
  }
  qsort(d->groups + first, d->n_groups - first, sizeof(*d->groups), group_cmp);
  first = d->n_groups;
  for (size_t i = 0; machine[0] && i < dirs->n; i++) {
    const vr_domstats_dir *dir = &dirs->dirs[i];
    char rel[VR_DOMSTATS_PATH_MAX];
    vr_lv_group lv;
    vr_domstats_dir_path(dir, rel, sizeof(rel));
    if (taken[i] || !vr_lv_group_path_parse(rel, &lv) ||
        strcmp(lv.machine, machine) != 0)
      continue;
    /* libvirt's domstats names a monitor by its id, "vcpus_<set>". */
    vr_domstats_group *g = add_group(d, dir, lv.id, true);
    g->members_known = true;
    g->vcpus = lv.vcpus;
    taken[i] = true;
  }
  qsort(d->groups + first, d->n_groups - first, sizeof(*d->groups), group_cmp);
  free(taken);
  return 0;
}

/* The ids of a set, expanded ("0,1,2"), as the seed's `.vcpus=` shows. */
static void format_members(const vr_cpuset *set, char *buf, size_t len) {
  if (vr_cpuset_format_list(set, buf, len) < 0)
    snprintf(buf, len, "?");
}

static const vr_resctrl_value *value_of(const vr_domstats_group *g,
                                        size_t cache, vr_resctrl_feature f) {
  return g->values ? &g->values[cache * VR_FEAT_COUNT + f] : NULL;
}

/* The text of a value that is not a number: the word resctrl wrote. */
static const char *value_word(const vr_resctrl_value *v) {
  switch (v->status) {
  case VR_READ_UNAVAILABLE:
    return "Unavailable";
  case VR_READ_ERROR:
    return "Error";
  case VR_READ_UNASSIGNED:
    return "Unassigned";
  case VR_READ_VANISHED:
    return "Vanished";
  default:
    return "Failed";
  }
}

static bool is_monitored(const vr_resctrl *r, vr_resctrl_feature f) {
  return r->features & (1u << f);
}

/* The MBM rows printed per cache: event, text key, JSON key. */
static const struct {
  vr_resctrl_feature event;
  const char *text;
  const char *json;
} bandwidth_rows[] = {
    {VR_FEAT_MBM_TOTAL_BYTES, "total", "mbm_total_bytes"},
    {VR_FEAT_MBM_LOCAL_BYTES, "local", "mbm_local_bytes"},
};

/* A value resctrl did not give as a number has no line, as domstats leaves
 * out what it could not read. */
void vr_domstats_print_text(FILE *out, const vr_resctrl *r,
                            const vr_domstats_domain *d) {
  char list[VR_MAX_VCPUS * 6];
  fprintf(out, "Domain: '%s'\n", d->name);
  for (size_t i = 0; i < d->n_groups; i++) {
    const vr_domstats_group *g = &d->groups[i];
    const char *n = g->name;
    if (!vr_cpuset_is_empty(&g->vcpus)) {
      format_members(&g->vcpus, list, sizeof(list));
      fprintf(out, "  cpu.cacheoccupancy.%s.vcpus=%s\n", n, list);
    }
    if (!vr_cpuset_is_empty(&g->iothreads)) {
      format_members(&g->iothreads, list, sizeof(list));
      fprintf(out, "  cpu.cacheoccupancy.%s.iothreads=%s\n", n, list);
    }
    if (g->emulator)
      fprintf(out, "  cpu.cacheoccupancy.%s.emulator=yes\n", n);
    if (g->all_threads)
      fprintf(out, "  cpu.cacheoccupancy.%s.threads=all\n", n);
    for (size_t c = 0; c < r->n_caches; c++) {
      const vr_resctrl_value *v = value_of(g, c, VR_FEAT_LLC_OCCUPANCY);
      if (is_monitored(r, VR_FEAT_LLC_OCCUPANCY) && v &&
          v->status == VR_READ_VALUE)
        fprintf(out, "  cpu.cacheoccupancy.%s.%u.value=%llu\n", n,
                r->caches[c].id, (unsigned long long)v->value);
    }
    for (size_t c = 0; c < r->n_caches; c++) {
      for (size_t k = 0; k < sizeof(bandwidth_rows) / sizeof(*bandwidth_rows);
           k++) {
        const vr_resctrl_value *v = value_of(g, c, bandwidth_rows[k].event);
        if (is_monitored(r, bandwidth_rows[k].event) && v &&
            v->status == VR_READ_VALUE)
          fprintf(out, "  cpu.membandwidth.%s.%u.%s=%llu\n", n, r->caches[c].id,
                  bandwidth_rows[k].text, (unsigned long long)v->value);
      }
    }
  }
  /* virsh domstats ends each domain with an empty line. */
  fputc('\n', out);
}

/* A JSON string: libvirt domain names may hold any character but '/'. */
static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(out, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(out, "\\u%04x", ch);
    else
      fputc(ch, out);
  }
  fputc('"', out);
}

static void json_set(FILE *out, const char *key, const vr_cpuset *set) {
  fprintf(out, ",\"%s\":[", key);
  const char *sep = "";
  for (int i = vr_cpuset_next(set, 0); i >= 0;
       i = vr_cpuset_next(set, (unsigned)i + 1)) {
    fprintf(out, "%s%d", sep, i);
    sep = ",";
  }
  fputc(']', out);
}

/* A monitored event's value: a number, or resctrl's word for none. */
static void json_value(FILE *out, const char *key, const vr_resctrl_value *v) {
  fprintf(out, ",\"%s\":", key);
  if (v && v->status == VR_READ_VALUE)
    fprintf(out, "%llu", (unsigned long long)v->value);
  else
    json_string(out, v ? value_word(v) : "Vanished");
}

static void json_group(FILE *out, const vr_resctrl *r,
                       const vr_domstats_group *g) {
  fputs("{\"name\":", out);
  json_string(out, g->name);
  fprintf(out, ",\"owner\":\"%s\",\"resctrl\":",
          g->libvirt ? "libvirt" : "virt_resctrl");
  char rel[VR_DOMSTATS_PATH_MAX];
  vr_domstats_dir_path(g->dir, rel, sizeof(rel));
  json_string(out, rel);
  if (g->members_known) {
    json_set(out, "vcpus", &g->vcpus);
    json_set(out, "iothreads", &g->iothreads);
    fprintf(out, ",\"emulator\":%s,\"all_threads\":%s",
            g->emulator ? "true" : "false", g->all_threads ? "true" : "false");
  }
  fputs(",\"caches\":[", out);
  for (size_t c = 0; c < r->n_caches; c++) {
    fprintf(out, "%s{\"id\":%u", c ? "," : "", r->caches[c].id);
    if (is_monitored(r, VR_FEAT_LLC_OCCUPANCY))
      json_value(out, "llc_occupancy", value_of(g, c, VR_FEAT_LLC_OCCUPANCY));
    for (size_t k = 0; k < sizeof(bandwidth_rows) / sizeof(*bandwidth_rows);
         k++)
      if (is_monitored(r, bandwidth_rows[k].event))
        json_value(out, bandwidth_rows[k].json,
                   value_of(g, c, bandwidth_rows[k].event));
    fputc('}', out);
  }
  fputs("]}", out);
}

/* One object per domain; the caller wraps them in {"domains":[...]}. */
void vr_domstats_print_json(FILE *out, const vr_resctrl *r,
                            const vr_domstats_domain *d) {
  fputs("{\"domain\":", out);
  json_string(out, d->name);
  fprintf(out, ",\"uuid\":\"%s\",\"groups\":[", d->uuid);
  for (size_t i = 0; i < d->n_groups; i++) {
    if (i)
      fputc(',', out);
    json_group(out, r, &d->groups[i]);
  }
  fputs("]}", out);
}

/* A metadata group the plugin reads from libvirt's monitor of exactly its
 * vCPUs (doc/design.md, "Metadata") has no directory of ours, and needs none.
 */
bool vr_domstats_unplaced(const vr_domstats_domain *d, size_t spec) {
  const vr_group_spec *s = &d->meta.groups[spec];
  for (size_t i = 0; i < d->n_groups; i++) {
    const vr_domstats_group *g = &d->groups[i];
    if (!g->libvirt && strcmp(g->name, s->name) == 0)
      return false;
    if (g->libvirt && vr_cpuset_is_empty(&s->iothreads) && !s->emulator &&
        !s->all_threads && vr_cpuset_equal(&g->vcpus, &s->vcpus))
      return false;
  }
  return true;
}
