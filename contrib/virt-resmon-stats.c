/*
 * virt-resmon stats: the domstats view the 2018 resmongroup RFC proposed
 * (`virsh domstats --cpu-resource`), read straight from resctrl, without
 * collectd:
 *
 *   Domain: 'vm3'
 *     cpu.cacheoccupancy.vcpus_2.vcpus=2
 *     cpu.cacheoccupancy.vcpus_2.0.value=372186
 *     cpu.membandwidth.vcpus_2.0.total=1048576
 *
 * for every group of the domain: ours (named by src/resctrl_name.c, members
 * from the domain's metadata) and libvirt's own <monitor> groups (named as
 * src/libvirt_groups.h says). Choosing and printing the groups is pure
 * (stats_select, print_text, print_json take data); only resmon_stats and
 * its helpers read libvirt and resctrl.
 */
#include "virt-resmon.h"

#include "cpuset.h"
#include "group_spec.h"
#include "libvirt_groups.h"
#include "resctrl.h"
#include "resctrl_io.h"
#include "resctrl_name.h"
#include "resctrl_values.h"

#include <dirent.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One group directory in resctrl: the MON group ctrl/mon_groups/name (ctrl
 * "" for the root's), or the CTRL_MON group ctrl itself (name ""). */
typedef struct {
  char ctrl[VR_RESCTRL_NAME_MAX + 1];
  char name[VR_RESCTRL_NAME_MAX + 1];
} rc_dir;

typedef struct {
  rc_dir *dirs;
  size_t n;
} rc_dirs;

/* One group of a domain as stats reports it. */
typedef struct {
  char name[VR_RESCTRL_NAME_MAX + 1]; /* the name in the keys */
  bool libvirt;                       /* libvirt made it (read-only) */
  const rc_dir *dir;
  bool members_known; /* else nothing says which threads it holds */
  vr_cpuset vcpus;
  vr_cpuset iothreads;
  bool emulator;
  bool all_threads;
  vr_resctrl_value *values; /* n_caches * VR_FEAT_COUNT, NULL: unread */
} stat_group;

/* What one domain looks like to stats. */
typedef struct {
  const char *name;
  char uuid[VIR_UUID_STRING_BUFLEN];
  int id; /* -1: not running */
  vr_group_list meta;
  stat_group *groups;
  size_t n_groups;
} stat_domain;

/* A directory's path relative to the resctrl root. */
#define VR_DIR_PATH_MAX (2 * VR_RESCTRL_NAME_MAX + 16)
static void dir_path(const rc_dir *dir, char *buf, size_t len) {
  if (dir->name[0])
    snprintf(buf, len, "%s%smon_groups/%s", dir->ctrl, dir->ctrl[0] ? "/" : "",
             dir->name);
  else
    snprintf(buf, len, "%s", dir->ctrl);
}

static int dir_cmp(const void *a, const void *b) {
  const rc_dir *x = a, *y = b;
  int c = strcmp(x->ctrl, y->ctrl);
  return c ? c : strcmp(x->name, y->name);
}

static int group_cmp(const void *a, const void *b) {
  return strcmp(((const stat_group *)a)->name, ((const stat_group *)b)->name);
}

/* The members a group's name gives away when the metadata does not say
 * (a DefaultGroup of the plugin, or a group whose metadata is gone): the
 * plugin's default names "vcpus_<set>" and "vm" (group_spec.h). */
static void members_from_name(stat_group *g, const char *group) {
  char reason[VR_REASON_MAX];
  if (strncmp(group, "vcpus_", 6) == 0 &&
      vr_cpuset_parse(group + 6, VR_MAX_VCPUS, &g->vcpus, reason,
                      sizeof(reason)) == 0)
    g->members_known = true;
  else if (strcmp(group, VR_GROUP_VM_NAME) == 0)
    g->members_known = g->all_threads = true;
}

static stat_group *add_group(stat_domain *d, const rc_dir *dir,
                             const char *name, bool libvirt) {
  stat_group *g = &d->groups[d->n_groups++];
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
static int stats_select(const char *prefix, stat_domain *d,
                        const rc_dirs *dirs) {
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
      const rc_dir *dir = &dirs->dirs[i];
      if (taken[i] || !dir->name[0] ||
          !vr_owned_name_parse(prefix, dir->name, uuid, group) ||
          strcmp(uuid, d->uuid) != 0 || strcmp(group, spec->name) != 0)
        continue;
      stat_group *g = add_group(d, dir, spec->name, false);
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
    const rc_dir *dir = &dirs->dirs[i];
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
    const rc_dir *dir = &dirs->dirs[i];
    char rel[VR_DIR_PATH_MAX];
    vr_lv_group lv;
    dir_path(dir, rel, sizeof(rel));
    if (taken[i] || !vr_lv_group_path_parse(rel, &lv) ||
        strcmp(lv.machine, machine) != 0)
      continue;
    /* libvirt's domstats names a monitor by its id, "vcpus_<set>". */
    stat_group *g = add_group(d, dir, lv.id, true);
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

static const vr_resctrl_value *value_of(const stat_group *g, size_t cache,
                                        vr_resctrl_feature f) {
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

/* Pure: the seed's text. A value resctrl did not give as a number has no
 * line, as domstats leaves out what it could not read. */
static void print_text(FILE *out, const vr_resctrl *r, const stat_domain *d) {
  char list[VR_MAX_VCPUS * 6];
  fprintf(out, "Domain: '%s'\n", d->name);
  for (size_t i = 0; i < d->n_groups; i++) {
    const stat_group *g = &d->groups[i];
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

static void json_group(FILE *out, const vr_resctrl *r, const stat_group *g) {
  fputs("{\"name\":", out);
  json_string(out, g->name);
  fprintf(out, ",\"owner\":\"%s\",\"resctrl\":",
          g->libvirt ? "libvirt" : "virt_resctrl");
  char rel[VR_DIR_PATH_MAX];
  dir_path(g->dir, rel, sizeof(rel));
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

/* Pure: one domain as one JSON object on one line. */
static void print_json(FILE *out, const vr_resctrl *r, const stat_domain *d) {
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

/* Appends one directory to out, growing it. */
static int push_dir(rc_dirs *out, size_t *cap, const char *ctrl,
                    const char *name) {
  if (out->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    rc_dir *grown = realloc(out->dirs, ncap * sizeof(*grown));
    if (!grown)
      return -ENOMEM;
    out->dirs = grown;
    *cap = ncap;
  }
  rc_dir *dir = &out->dirs[out->n++];
  snprintf(dir->ctrl, sizeof(dir->ctrl), "%s", ctrl);
  snprintf(dir->name, sizeof(dir->name), "%s", name);
  return 0;
}

/* Appends the MON groups of CTRL_MON group ctrl ("" for the root). 1 when
 * ctrl is no CTRL_MON group: a file of the root (tasks, schemata, ...:
 * FUSE and some filesystems list them as DT_UNKNOWN) or a group removed
 * since the root was listed. */
static int list_mon_groups(const vr_resctrl *r, const char *ctrl, rc_dirs *out,
                           size_t *cap) {
  char rel[VR_RESCTRL_NAME_MAX + 16];
  snprintf(rel, sizeof(rel), "%s%smon_groups", ctrl, ctrl[0] ? "/" : "");
  DIR *d = vr_resctrl_open_listing(r->root_fd, rel);
  if (!d)
    return errno == ENOENT || errno == ENOTDIR ? 1 : -errno;
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)))
    if (e->d_name[0] != '.' && strlen(e->d_name) <= VR_RESCTRL_NAME_MAX)
      rc = push_dir(out, cap, ctrl, e->d_name);
  closedir(d);
  return rc;
}

/* Every CTRL_MON group but the root and every MON group, sorted, so that
 * the output does not follow readdir's order. */
static int list_groups(const vr_resctrl *r, rc_dirs *out) {
  size_t cap = 0;
  memset(out, 0, sizeof(*out));
  int rc = list_mon_groups(r, "", out, &cap);
  if (rc > 0)
    rc = -ENOENT; /* the root has mon_groups whenever it monitors */
  DIR *d = rc == 0 ? vr_resctrl_open_listing(r->root_fd, NULL) : NULL;
  if (rc == 0 && !d)
    rc = -errno;
  struct dirent *e;
  while (rc == 0 && d && (e = readdir(d))) {
    if (e->d_name[0] == '.' || vr_resctrl_reserved_root_entry(e->d_name) ||
        strlen(e->d_name) > VR_RESCTRL_NAME_MAX ||
        (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
      continue;
    rc = list_mon_groups(r, e->d_name, out, &cap);
    if (rc == 0)
      rc = push_dir(out, &cap, e->d_name, "");
    else if (rc > 0)
      rc = 0;
  }
  if (d)
    closedir(d);
  if (rc == 0 && out->n)
    qsort(out->dirs, out->n, sizeof(*out->dirs), dir_cmp);
  return rc;
}

/* Reads every value of every selected group; a group removed meanwhile
 * keeps no values (its lines are left out, its JSON says Vanished). */
static int read_values(const vr_resctrl *r, stat_domain *d) {
  vr_resctrl_fd_budget budget = {.limit = 0};
  for (size_t i = 0; i < d->n_groups; i++) {
    stat_group *g = &d->groups[i];
    char reason[VR_REASON_MAX];
    vr_resctrl_reader *rd = NULL;
    if (vr_resctrl_reader_open(r, g->dir->ctrl, g->dir->name, &budget, &rd,
                               reason, sizeof(reason)) < 0) {
      fprintf(stderr, PROG ": domain %s group %s: %s\n", d->name, g->name,
              reason);
      continue;
    }
    size_t n = vr_resctrl_reader_count(rd);
    g->values = calloc(n ? n : 1, sizeof(*g->values));
    if (!g->values) {
      vr_resctrl_reader_close(rd);
      return -ENOMEM;
    }
    if (vr_resctrl_reader_read(rd, g->values, n) < 0) {
      fprintf(stderr, PROG ": domain %s group %s: removed while read\n",
              d->name, g->name);
      free(g->values);
      g->values = NULL;
    }
    vr_resctrl_reader_close(rd);
  }
  return 0;
}

/* Fills d from libvirt: uuid, id, and our metadata's groups (the live
 * definition of a running domain, as the plugin reads it). */
static int load_domain(virDomainPtr dom, const options *opts, stat_domain *d) {
  target t = {.flags = VIR_DOMAIN_AFFECT_CURRENT, .label = "current"};
  d->name = virDomainGetName(dom);
  unsigned id = virDomainGetID(dom);
  d->id = id == (unsigned)-1 ? -1 : (int)id;
  if (!d->name || virDomainGetUUIDString(dom, d->uuid) < 0 ||
      resmon_read_max_vcpus(dom, &t) < 0 ||
      resmon_read_metadata(dom, opts->ns, &t) < 0)
    return -1;
  int rc =
      t.old_xml ? vr_group_spec_parse(t.old_xml, t.max_vcpus, &d->meta) : 0;
  free(t.old_xml);
  return rc < 0 ? -1 : 0;
}

/* One domain: select, read, print. EXIT_DONE or an exit status. */
static int stats_domain(virDomainPtr dom, const options *opts,
                        const vr_resctrl *r, const rc_dirs *dirs) {
  stat_domain d = {0};
  int status = EXIT_LIBVIRT;
  if (load_domain(dom, opts, &d) < 0) {
    fprintf(stderr, PROG ": reading domain %s: %s\n", d.name ? d.name : "?",
            virGetLastErrorMessage());
    goto out;
  }
  d.groups = calloc(dirs->n ? dirs->n : 1, sizeof(*d.groups));
  if (!d.groups || stats_select(opts->prefix, &d, dirs) < 0) {
    fprintf(stderr, PROG ": out of memory\n");
    goto out;
  }
  for (size_t s = 0; s < d.meta.n_groups; s++) {
    bool found = false;
    for (size_t i = 0; i < d.n_groups && !found; i++)
      found = !d.groups[i].libvirt &&
              strcmp(d.groups[i].name, d.meta.groups[s].name) == 0;
    if (!found && d.id >= 0)
      fprintf(stderr,
              PROG ": domain %s group %s: no resctrl group %s<uuid>_%s under "
                   "%s (is collectd running the plugin with GroupPrefix "
                   "%s?)\n",
              d.name, d.meta.groups[s].name, opts->prefix,
              d.meta.groups[s].name, r->path, opts->prefix);
  }
  if (read_values(r, &d) < 0) {
    fprintf(stderr, PROG ": out of memory\n");
    goto out;
  }
  if (opts->json)
    print_json(stdout, r, &d);
  else
    print_text(stdout, r, &d);
  status = EXIT_DONE;
out:
  for (size_t i = 0; i < d.n_groups; i++)
    free(d.groups[i].values);
  free(d.groups);
  vr_group_list_clear(&d.meta);
  return status;
}

static int domain_name_cmp(const void *a, const void *b) {
  return strcmp(virDomainGetName(*(virDomainPtr const *)a),
                virDomainGetName(*(virDomainPtr const *)b));
}

int resmon_stats(virConnectPtr conn, const options *opts) {
  virDomainPtr *doms = NULL;
  int n = 0, status = EXIT_LIBVIRT;
  vr_resctrl *r = NULL;
  rc_dirs dirs = {0};
  char reason[VR_REASON_MAX];
  if (opts->domain) {
    doms = calloc(1, sizeof(*doms));
    if (!doms || !(doms[0] = resmon_lookup_domain(conn, opts->domain))) {
      snprintf(reason, sizeof(reason), "domain %s (see `virsh list --all`)",
               opts->domain);
      status = libvirt_failed(reason);
      goto out;
    }
    n = 1;
  } else {
    n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (n < 0) {
      n = 0;
      status = libvirt_failed("listing the running domains");
      goto out;
    }
    qsort(doms, (size_t)n, sizeof(*doms), domain_name_cmp);
  }
  int rc = vr_resctrl_open(opts->resctrl, NULL, &r, reason, sizeof(reason));
  if (rc < 0) {
    fprintf(stderr, PROG ": %s\n", reason);
    goto out;
  }
  rc = list_groups(r, &dirs);
  if (rc < 0) {
    fprintf(stderr, PROG ": listing the groups under %s: %s\n", r->path,
            strerror(-rc));
    goto out;
  }
  status = EXIT_DONE;
  if (opts->json)
    fputs("{\"domains\":[", stdout);
  for (int i = 0; i < n && status == EXIT_DONE; i++) {
    if (opts->json && i)
      fputc(',', stdout);
    status = stats_domain(doms[i], opts, r, &dirs);
  }
  if (opts->json)
    fputs("]}\n", stdout);
out:
  for (int i = 0; i < n; i++)
    virDomainFree(doms[i]);
  free(doms);
  free(dirs.dirs);
  vr_resctrl_close(r);
  return status;
}
