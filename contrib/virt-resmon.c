/* SPDX-License-Identifier: MIT */
/*
 * virt-resmon: list, add and remove a domain's resource monitoring groups,
 * the <resmon> element in its libvirt metadata that the virt_resctrl collectd
 * plugin reads (doc/design.md, "Metadata"). It mirrors the `virsh cpu-resource`
 * command the 2018 resmongroup RFC proposed, on top of stock
 * virDomainGetMetadata/virDomainSetMetadata.
 *
 * The validation is the plugin's own (src/plan/group_spec.c), so whatever this
 * tool writes is what the plugin will monitor. Edits go through the XML
 * tree, not through the parsed group list, so that groups the plugin
 * rejects today (e.g. a vCPU above a maximum that will be raised) survive an
 * unrelated add or remove untouched.
 *
 * `stats` prints the domstats view of the RFC from resctrl
 * (virt-resmon-stats.c).
 *
 * Exit status: 0 done, 1 invalid input (nothing written), 2 libvirt or
 * system error (stats: also resctrl not mounted).
 */
#include "virt-resmon.h"
#include "base/cpuset.h"
#include "base/vr_defaults.h"
#include "plan/group_spec.h"
#include "resctrl/resctrl_name.h"

#include <getopt.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(
      out,
      "Usage: " PROG " [-c URI] [--uri-ns NS] list DOMAIN [--live|--config]\n"
      "       " PROG " [-c URI] [--uri-ns NS] add DOMAIN [--vcpus LIST] "
      "[--iothreads SET]\n"
      "             [--emulator] [--mbm high|normal|off] [--name NAME] "
      "[--live] [--config]\n"
      "       " PROG " [-c URI] [--uri-ns NS] remove DOMAIN --name NAME "
      "[--live] [--config]\n"
      "       " PROG " [-c URI] [--uri-ns NS] [--resctrl PATH] "
      "[--prefix P] stats [DOMAIN] [--json]\n"
      "\n"
      "Lists, adds and removes the vCPU groups the virt_resctrl collectd "
      "plugin\nmonitors (the <resmon> element of the domain's metadata);\n"
      "stats prints their values, and those of libvirt's own monitors,\n"
      "read from resctrl.\n"
      "\n"
      "  -c, --connect URI  libvirt connection URI (default: libvirt's)\n"
      "      --uri-ns NS    metadata namespace "
      "(default " VR_DEFAULT_METADATA_URI ")\n"
      "      --vcpus LIST   vCPUs of the new group, e.g. 0-2 or 3,5\n"
      "      --iothreads SET  libvirt iothread ids (from 1) of the new group\n"
      "      --emulator     the new group holds QEMU's emulator threads\n"
      "                     (add needs one of --vcpus, --iothreads, "
      "--emulator)\n"
      "      --mbm PRIO     ABMC counter priority: high, normal or off\n"
      "      --name NAME    group name (add: default vcpus_<set>,\n"
      "                     iothreads_<set> or emulator; needed for "
      "several kinds)\n"
      "      --live         the running domain\n"
      "      --config       the persistent definition\n"
      "                     (neither: the current state, as virsh does)\n"
      "      --resctrl PATH the resctrl mount (default " VR_DEFAULT_RESCTRL_PATH
      ")\n"
      "      --prefix P     the plugin's GroupPrefix "
      "(default " VR_DEFAULT_GROUP_PREFIX ")\n"
      "      --json         stats as one JSON document\n"
      "  -h, --help         this text\n"
      "  -V, --version      the version of virt_resctrl it belongs to\n"
      "\n"
      "Exit status: 0 done, 1 invalid input (nothing changed), 2 libvirt "
      "error,\nresctrl not mounted or not readable (stats), out of memory.\n"
      "See virt-resmon(1).\n");
}

/* libvirt prints every error to stderr by default; we say it once, with
 * what we were doing. */
static void quiet_libvirt_errors(void *opaque, virErrorPtr err) {
  (void)opaque;
  (void)err;
}

int libvirt_failed(const char *what) {
  fprintf(stderr, PROG ": %s: %s\n", what, virGetLastErrorMessage());
  return EXIT_LIBVIRT;
}

static int parse_options(int argc, char **argv, options *opts) {
  enum {
    OPT_NS = 256,
    OPT_VCPUS,
    OPT_NAME,
    OPT_LIVE,
    OPT_CONFIG,
    OPT_RESCTRL,
    OPT_PREFIX,
    OPT_JSON,
    OPT_IOTHREADS,
    OPT_EMULATOR,
    OPT_MBM
  };
  static const struct option longopts[] = {
      {"connect", required_argument, NULL, 'c'},
      {"uri-ns", required_argument, NULL, OPT_NS},
      {"vcpus", required_argument, NULL, OPT_VCPUS},
      {"name", required_argument, NULL, OPT_NAME},
      {"live", no_argument, NULL, OPT_LIVE},
      {"config", no_argument, NULL, OPT_CONFIG},
      {"resctrl", required_argument, NULL, OPT_RESCTRL},
      {"prefix", required_argument, NULL, OPT_PREFIX},
      {"json", no_argument, NULL, OPT_JSON},
      {"iothreads", required_argument, NULL, OPT_IOTHREADS},
      {"emulator", no_argument, NULL, OPT_EMULATOR},
      {"mbm", required_argument, NULL, OPT_MBM},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  memset(opts, 0, sizeof(*opts));
  opts->ns = VR_DEFAULT_METADATA_URI;
  int c;
  while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
    switch (c) {
    case 'c':
      opts->uri = optarg;
      break;
    case OPT_NS:
      opts->ns = optarg;
      break;
    case OPT_VCPUS:
      opts->vcpus = optarg;
      break;
    case OPT_NAME:
      opts->name = optarg;
      break;
    case OPT_LIVE:
      opts->live = true;
      break;
    case OPT_CONFIG:
      opts->config = true;
      break;
    case OPT_RESCTRL:
      opts->resctrl = optarg;
      break;
    case OPT_PREFIX:
      opts->prefix = optarg;
      break;
    case OPT_JSON:
      opts->json = true;
      break;
    case OPT_IOTHREADS:
      opts->iothreads = optarg;
      break;
    case OPT_EMULATOR:
      opts->emulator = true;
      break;
    case OPT_MBM:
      opts->mbm = optarg;
      break;
    case 'h':
      usage(stdout);
      exit(EXIT_DONE);
    case 'V':
      /* VR_VERSION comes from configure's AC_INIT (contrib/local.mk). */
      printf(PROG " (virt_resctrl) %s\n", VR_VERSION);
      exit(EXIT_DONE);
    default:
      usage(stderr);
      return -1;
    }
  }
  const char *cmd = optind < argc ? argv[optind] : "";
  bool stats = strcmp(cmd, "stats") == 0;
  /* stats without a domain shows every running domain. */
  if (argc - optind != 2 && !(stats && argc - optind == 1)) {
    fprintf(stderr, PROG ": expected a command and a domain; try -h\n");
    return -1;
  }
  opts->domain = argc - optind == 2 ? argv[optind + 1] : NULL;
  if (strcmp(cmd, "list") == 0)
    opts->cmd = CMD_LIST;
  else if (strcmp(cmd, "add") == 0)
    opts->cmd = CMD_ADD;
  else if (strcmp(cmd, "remove") == 0)
    opts->cmd = CMD_REMOVE;
  else if (stats)
    opts->cmd = CMD_STATS;
  else {
    fprintf(stderr,
            PROG ": unknown command \"%s\": use list, add, remove or stats\n",
            cmd);
    return -1;
  }
  const char *problem = NULL;
  bool group_opts = opts->vcpus || opts->iothreads || opts->emulator;
  if (!stats && (opts->resctrl || opts->prefix || opts->json))
    problem = "--resctrl, --prefix and --json belong to stats only";
  else if (stats && (group_opts || opts->mbm || opts->name || opts->live ||
                     opts->config))
    problem = "stats takes no --vcpus, --iothreads, --emulator, --mbm, "
              "--name, --live or --config";
  else if (opts->prefix && !vr_group_prefix_valid(opts->prefix))
    problem = "invalid --prefix: use 1-16 of [A-Za-z0-9_], as GroupPrefix";
  else if (opts->cmd == CMD_ADD && !group_opts)
    problem = "add needs --vcpus LIST, --iothreads SET or --emulator";
  else if (opts->cmd != CMD_ADD && (group_opts || opts->mbm))
    problem = "--vcpus, --iothreads, --emulator and --mbm belong to add only";
  else if (opts->cmd == CMD_REMOVE && !opts->name)
    problem = "remove needs --name NAME (see the names with list)";
  else if (opts->cmd == CMD_LIST && opts->name)
    problem = "list takes no --name";
  else if (opts->cmd == CMD_LIST && opts->live && opts->config)
    problem = "list shows one definition: give --live or --config, not both";
  else if (opts->name && !vr_group_name_valid(opts->name))
    problem = "invalid --name: use 1-64 of [A-Za-z0-9_.,-], not starting "
              "with '.'";
  if (problem) {
    fprintf(stderr, PROG ": %s\n", problem);
    return -1;
  }
  if (!opts->resctrl)
    opts->resctrl = VR_DEFAULT_RESCTRL_PATH;
  if (!opts->prefix)
    opts->prefix = VR_DEFAULT_GROUP_PREFIX;
  return 0;
}

virDomainPtr resmon_lookup_domain(virConnectPtr conn, const char *domain) {
  virDomainPtr dom = virDomainLookupByName(conn, domain);
  if (!dom && strlen(domain) == VIR_UUID_STRING_BUFLEN - 1)
    dom = virDomainLookupByUUIDString(conn, domain);
  return dom;
}

/* The target's maximum vCPU count: vCPU ids must be below it. */
int resmon_read_max_vcpus(virDomainPtr dom, target *t) {
  int n = virDomainGetVcpusFlags(dom, VIR_DOMAIN_VCPU_MAXIMUM | t->flags);
  if (n < 0 && t->flags == VIR_DOMAIN_AFFECT_CURRENT)
    n = virDomainGetMaxVcpus(dom);
  if (n < 0)
    return -1;
  t->max_vcpus = (unsigned)n > VR_MAX_VCPUS ? VR_MAX_VCPUS : (unsigned)n;
  return 0;
}

/* Reads our element; a domain without one has old_xml NULL. */
int resmon_read_metadata(virDomainPtr dom, const char *ns, target *t) {
  t->old_xml =
      virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, ns, t->flags);
  if (t->old_xml)
    return 0;
  virErrorPtr err = virGetLastError();
  return err && err->code == VIR_ERR_NO_DOMAIN_METADATA ? 0 : -1;
}

/* The edit must not add a rejection the plugin would log: parse old and new
 * with the plugin's parser and compare. */
static int validate(const options *opts, const target *t) {
  vr_group_list before = {0}, after = {0};
  int status = EXIT_LIBVIRT;
  if ((t->old_xml &&
       vr_group_spec_parse(t->old_xml, t->max_vcpus, &before) < 0) ||
      vr_group_spec_parse(t->new_xml, t->max_vcpus, &after) < 0) {
    fprintf(stderr, PROG ": out of memory\n");
    goto out;
  }
  status = EXIT_DONE;
  if (after.n_rejections > before.n_rejections) {
    const vr_group_rejection *r = &after.rejections[after.n_rejections - 1];
    fprintf(stderr,
            PROG ": %s definition of %s: group %s: %s; nothing changed\n",
            t->label, opts->domain, r->group, r->reason);
    status = EXIT_INVALID;
  }
out:
  vr_group_list_clear(&before);
  vr_group_list_clear(&after);
  return status;
}

/* Builds t->new_xml from t->old_xml and checks it. */
static int prepare_edit(const options *opts, target *t, const vr_cpuset *set) {
  xmlDoc *doc = resmon_load_tree(t);
  int status = EXIT_LIBVIRT;
  if (!doc || !xmlDocGetRootElement(doc)) {
    fprintf(stderr,
            PROG ": the %s metadata of %s in namespace %s is not XML; replace "
                 "it with `virsh metadata %s --uri %s --key " METADATA_KEY
                 " --edit`\n",
            t->label, opts->domain, opts->ns, opts->domain, opts->ns);
    status = EXIT_INVALID;
    goto out;
  }
  status = opts->cmd == CMD_ADD ? resmon_edit_add(doc, opts, set, t->label)
                                : resmon_edit_remove(doc, opts, t->label);
  if (status != EXIT_DONE)
    goto out;
  t->new_xml = resmon_dump_tree(doc);
  if (!t->new_xml) {
    fprintf(stderr, PROG ": out of memory\n");
    status = EXIT_LIBVIRT;
    goto out;
  }
  status = validate(opts, t);
out:
  xmlFreeDoc(doc);
  return status;
}

static int list_groups(const options *opts, const target *t) {
  if (!t->old_xml) {
    fprintf(stderr, PROG ": %s has no groups (no metadata in namespace %s)\n",
            opts->domain, opts->ns);
    return EXIT_DONE;
  }
  vr_group_list list;
  if (vr_group_spec_parse(t->old_xml, t->max_vcpus, &list) < 0) {
    fprintf(stderr, PROG ": out of memory\n");
    return EXIT_LIBVIRT;
  }
  for (size_t i = 0; i < list.n_groups; i++)
    printf("%s %s\n", list.groups[i].name, list.groups[i].members);
  for (size_t i = 0; i < list.n_rejections; i++)
    printf("rejected %s: %s\n", list.rejections[i].group,
           list.rejections[i].reason);
  vr_group_list_clear(&list);
  return EXIT_DONE;
}

static void say_done(const options *opts, const target *t,
                     const vr_cpuset *set) {
  if (opts->cmd != CMD_ADD) {
    printf("removed group %s from the %s definition of %s\n", opts->name,
           t->label, opts->domain);
    return;
  }
  char members[VR_MAX_VCPUS * 6] = "", what[VR_MAX_VCPUS * 6 + 128] = "";
  char name[VR_GROUP_NAME_MAX + 1] = "";
  /* Whatever was written holds a name: the plugin's parser accepted it. */
  if (resmon_new_group_name(opts, set, name, sizeof(name)) < 0)
    snprintf(name, sizeof(name), "?");
  if (opts->vcpus) {
    vr_cpuset_format_list(set, members, sizeof(members));
    snprintf(what, sizeof(what), "vCPUs %s", members);
  }
  if (opts->iothreads)
    snprintf(what + strlen(what), sizeof(what) - strlen(what), "%siothreads %s",
             what[0] ? "; " : "", opts->iothreads);
  if (opts->emulator)
    snprintf(what + strlen(what), sizeof(what) - strlen(what), "%semulator",
             what[0] ? "; " : "");
  if (opts->mbm)
    snprintf(what + strlen(what), sizeof(what) - strlen(what), "; mbm %s",
             opts->mbm);
  printf("added group %s (%s) to the %s definition of %s\n", name, what,
         t->label, opts->domain);
}

static int run(const options *opts, virDomainPtr dom) {
  target targets[2] = {{0}};
  size_t n = 0;
  if (opts->live)
    targets[n++] = (target){.flags = VIR_DOMAIN_AFFECT_LIVE, .label = "live"};
  if (opts->config)
    targets[n++] =
        (target){.flags = VIR_DOMAIN_AFFECT_CONFIG, .label = "persistent"};
  if (n == 0)
    targets[n++] =
        (target){.flags = VIR_DOMAIN_AFFECT_CURRENT, .label = "current"};

  int status = EXIT_DONE;
  vr_cpuset set = {0};
  /* Read and check every target before writing any. */
  for (size_t i = 0; i < n && status == EXIT_DONE; i++) {
    target *t = &targets[i];
    char what[512];
    snprintf(what, sizeof(what), "reading the %s definition of %s", t->label,
             opts->domain);
    if (resmon_read_max_vcpus(dom, t) < 0 ||
        resmon_read_metadata(dom, opts->ns, t) < 0) {
      status = libvirt_failed(what);
      break;
    }
    if (opts->cmd == CMD_LIST) {
      status = list_groups(opts, t);
      break;
    }
    char reason[VR_REASON_MAX];
    if (opts->cmd == CMD_ADD && opts->vcpus &&
        vr_cpuset_parse(opts->vcpus, t->max_vcpus, &set, reason,
                        sizeof(reason)) < 0) {
      fprintf(stderr,
              PROG ": --vcpus %s (%s definition, %u vCPUs at most): %s\n",
              opts->vcpus, t->label, t->max_vcpus, reason);
      status = EXIT_INVALID;
      break;
    }
    status = prepare_edit(opts, t, &set);
  }
  for (size_t i = 0; opts->cmd != CMD_LIST && i < n && status == EXIT_DONE;
       i++) {
    target *t = &targets[i];
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, t->new_xml,
                             METADATA_KEY, opts->ns, t->flags) < 0) {
      char what[512];
      snprintf(what, sizeof(what), "writing the %s definition of %s%s",
               t->label, opts->domain,
               i > 0 ? " (the live one WAS changed)" : "");
      status = libvirt_failed(what);
    } else {
      say_done(opts, t, &set);
    }
  }
  for (size_t i = 0; i < n; i++) {
    free(targets[i].old_xml);
    free(targets[i].new_xml);
  }
  return status;
}

int main(int argc, char **argv) {
  options opts;
  if (parse_options(argc, argv, &opts) < 0)
    return EXIT_INVALID;

  int status = EXIT_DONE;
  virConnectPtr conn = NULL;
  virDomainPtr dom = NULL;
  virSetErrorFunc(NULL, quiet_libvirt_errors);
  conn = virConnectOpen(opts.uri);
  /* Listing needs no write access; a read-only socket may be all we get. */
  if (!conn && (opts.cmd == CMD_LIST || opts.cmd == CMD_STATS))
    conn = virConnectOpenReadOnly(opts.uri);
  if (!conn) {
    status = libvirt_failed("connecting to libvirt (check -c URI and that "
                            "libvirtd runs)");
    goto out;
  }
  if (opts.cmd == CMD_STATS) {
    status = resmon_stats(conn, &opts);
    goto out;
  }
  dom = resmon_lookup_domain(conn, opts.domain);
  if (!dom) {
    char what[512];
    snprintf(what, sizeof(what), "domain %s (see `virsh list --all`)",
             opts.domain);
    status = libvirt_failed(what);
    goto out;
  }
  status = run(&opts, dom);
out:
  if (dom)
    virDomainFree(dom);
  if (conn)
    virConnectClose(conn);
  return status;
}
