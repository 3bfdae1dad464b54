/* SPDX-License-Identifier: MIT */
/*
 * virt-resmon's parts: the command line and libvirt side (virt-resmon.c),
 * the edits of the <resmon> element as an XML tree (virt-resmon-edit.c) and
 * the stats command, read from resctrl (virt-resmon-stats.c).
 */
#ifndef VIRT_RESMON_H
#define VIRT_RESMON_H

#include "base/cpuset.h"

#include <libvirt/libvirt.h>
#include <libxml/tree.h>
#include <stdbool.h>

#define PROG "virt-resmon"
#define METADATA_KEY "resmon"

enum { EXIT_DONE = 0, EXIT_INVALID = 1, EXIT_LIBVIRT = 2 };

typedef enum { CMD_LIST, CMD_ADD, CMD_REMOVE, CMD_STATS } command;

typedef struct {
  const char *uri;
  const char *ns;
  command cmd;
  const char *domain;
  const char *vcpus;
  const char *name;
  /* add only: the group's other threads and its ABMC priority, written as
   * the iothreads, emulator and mbm attributes for the plugin's parser */
  const char *iothreads;
  bool emulator;
  const char *mbm;
  bool live;
  bool config;
  /* stats only */
  const char *resctrl; /* the resctrl mount (default /sys/fs/resctrl) */
  const char *prefix;  /* the plugin's GroupPrefix (default vr_) */
  bool json;
} options;

/* One definition the command reads or edits: the running one (--live),
 * the persistent one (--config) or whichever is current. */
typedef struct {
  unsigned flags;
  const char *label;
  unsigned max_vcpus;
  char *old_xml; /* NULL: the domain has no element in our namespace */
  char *new_xml;
} target;

/* The existing element of t as a tree, or a new empty <resmon>. */
xmlDoc *resmon_load_tree(const target *t);

/* The tree as the text virDomainSetMetadata takes (heap), NULL when out of
 * memory. */
char *resmon_dump_tree(xmlDoc *doc);

/* The name the plugin will give the group that add makes: --name, or the
 * default of its one kind of thread (vcpus_<set>, iothreads_<set>,
 * emulator). -1 when there is none yet (several kinds without --name, an
 * iothread list that does not parse: the plugin's parser says why), -2 when
 * the default is longer than a name may be (said on stderr). */
int resmon_new_group_name(const options *opts, const vr_cpuset *vcpus,
                          char *buf, size_t len);

/* Adds the group opts and set describe, or removes the one opts->name
 * names, in the tree of the definition called label. EXIT_DONE, or an
 * exit status with the reason on stderr. */
int resmon_edit_add(xmlDoc *doc, const options *opts, const vr_cpuset *set,
                    const char *label);
int resmon_edit_remove(xmlDoc *doc, const options *opts, const char *label);

/* Says what failed with libvirt's last error; returns EXIT_LIBVIRT. */
int libvirt_failed(const char *what);

/* The domain named, or whose UUID is, domain; NULL with libvirt's error. */
virDomainPtr resmon_lookup_domain(virConnectPtr conn, const char *domain);

/* t->max_vcpus and t->old_xml (our element, NULL when the domain has none)
 * of the definition t->flags selects; -1 with libvirt's error. */
int resmon_read_max_vcpus(virDomainPtr dom, target *t);
int resmon_read_metadata(virDomainPtr dom, const char *ns, target *t);

/* The stats command: opts->domain (NULL: every running domain) from
 * resctrl. EXIT_DONE, or EXIT_LIBVIRT with the reason on stderr. */
int resmon_stats(virConnectPtr conn, const options *opts);

#endif /* VIRT_RESMON_H */
