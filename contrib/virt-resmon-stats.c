/* SPDX-License-Identifier: MIT */
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
 * for every group of the domain: ours (named by src/resctrl/resctrl_name.c,
 * members from the domain's metadata) and libvirt's own <monitor> groups (named
 * as src/resctrl/libvirt_groups.h says). Choosing and printing the groups is
 * pure (src/plan/domstats.c); this file reads libvirt and resctrl.
 */
#include "virt-resmon.h"

#include "plan/domstats.h"
#include "resctrl/resctrl_io.h"

#include <dirent.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends one directory to out, growing it. */
static int push_dir(vr_domstats_dirs *out, size_t *cap, const char *ctrl,
                    const char *name) {
  if (out->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    vr_domstats_dir *grown = realloc(out->dirs, ncap * sizeof(*grown));
    if (!grown)
      return -ENOMEM;
    out->dirs = grown;
    *cap = ncap;
  }
  vr_domstats_dir *dir = &out->dirs[out->n++];
  snprintf(dir->ctrl, sizeof(dir->ctrl), "%s", ctrl);
  snprintf(dir->name, sizeof(dir->name), "%s", name);
  return 0;
}

/* Appends the MON groups of CTRL_MON group ctrl ("" for the root). 1 when
 * ctrl is no CTRL_MON group: a file of the root (tasks, schemata, ...:
 * FUSE and some filesystems list them as DT_UNKNOWN) or a group removed
 * since the root was listed. */
static int list_mon_groups(const vr_resctrl *r, const char *ctrl,
                           vr_domstats_dirs *out, size_t *cap) {
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
static int list_groups(const vr_resctrl *r, vr_domstats_dirs *out) {
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
  if (rc == 0)
    vr_domstats_sort_dirs(out);
  return rc;
}

static void say_odd(void *arg, const char *line) {
  (void)arg;
  fprintf(stderr, PROG ": %s\n", line);
}

/* Reads every value of every selected group; a group removed meanwhile
 * keeps no values (its lines are left out, its JSON says Vanished). */
static int read_values(const vr_resctrl *r, vr_domstats_domain *d) {
  vr_resctrl_fd_budget budget = {.limit = 0};
  for (size_t i = 0; i < d->n_groups; i++) {
    vr_domstats_group *g = &d->groups[i];
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
static int load_domain(virDomainPtr dom, const options *opts,
                       vr_domstats_domain *d) {
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

/* One domain: select, read, print; *printed counts the domains printed
 * (for the JSON separator). EXIT_DONE or an exit status. */
static int stats_domain(virDomainPtr dom, const options *opts,
                        const vr_resctrl *r, const vr_domstats_dirs *dirs,
                        size_t *printed) {
  vr_domstats_domain d = {0};
  int status = EXIT_LIBVIRT;
  if (load_domain(dom, opts, &d) < 0) {
    virErrorPtr err = virGetLastError();
    /* Every running domain was listed first: a transient one that stopped
     * since is gone (VIR_ERR_NO_DOMAIN), which is no error of ours. */
    if (!opts->domain && err && err->code == VIR_ERR_NO_DOMAIN) {
      status = EXIT_DONE;
      goto out;
    }
    fprintf(stderr, PROG ": reading domain %s: %s\n", d.name ? d.name : "?",
            virGetLastErrorMessage());
    goto out;
  }
  d.groups = calloc(dirs->n ? dirs->n : 1, sizeof(*d.groups));
  if (!d.groups || vr_domstats_select(opts->prefix, &d, dirs) < 0) {
    fprintf(stderr, PROG ": out of memory\n");
    goto out;
  }
  for (size_t s = 0; s < d.meta.n_groups; s++) {
    if (d.id >= 0 && vr_domstats_unplaced(&d, s))
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
  if (opts->json && *printed)
    fputc(',', stdout);
  (*printed)++;
  if (opts->json)
    vr_domstats_print_json(stdout, r, &d);
  else
    vr_domstats_print_text(stdout, r, &d);
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
  vr_domstats_dirs dirs = {0};
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
  size_t printed = 0;
  for (int i = 0; i < n && status == EXIT_DONE; i++)
    status = stats_domain(doms[i], opts, r, &dirs, &printed);
  if (opts->json)
    fputs("]}\n", stdout);
  /* Files refused for what they are (a FIFO, a device), as the plugin
   * logs them: one line each; their values read as failed. */
  vr_resctrl_odd_take(r, say_odd, NULL);
out:
  for (int i = 0; i < n; i++)
    virDomainFree(doms[i]);
  free(doms);
  free(dirs.dirs);
  vr_resctrl_close(r);
  return status;
}
