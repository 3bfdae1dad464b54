/* SPDX-License-Identifier: MIT */
/**
 * Resource monitoring groups from domain metadata; see group_spec.h.
 */
#include "plan/group_spec.h"
#include "base/text.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_ELEMENT "resmon"
#define GROUP_ELEMENT "group"
#define DOCUMENT_LABEL "(metadata)"
/* Far above what 4096 per-vCPU groups take (about 40 bytes each); a larger
 * document is hostile or broken, and parsing it would stall the resync. */
#define MAX_DOCUMENT_BYTES (1024 * 1024)
/* "vcpus=" + a quoted excerpt of the attribute, for rejections of groups
 * that have no usable name. */
#define LABEL_EXCERPT 40

/* The label a rejection shows: the name when present, else the vcpus. */
static void group_label(char *buf, size_t len, const char *name,
                        const char *vcpus) {
  if (name)
    snprintf(buf, len, "%.*s", VR_GROUP_NAME_MAX + 8, name);
  else if (vcpus)
    snprintf(buf, len, "vcpus=%.*s", LABEL_EXCERPT, vcpus);
  else
    snprintf(buf, len, "(unnamed)");
}

/* Which group index claims each vCPU and each iothread id, and which claims
 * the emulator threads, -1 for none: one thread can be in only one resctrl
 * MON group, so each thread may appear in one group only. */
typedef struct {
  int owner[VR_MAX_VCPUS];
  int io_owner[VR_MAX_VCPUS];
  int emulator_owner;
} vcpu_claims;

typedef struct {
  vcpu_claims claims;
  vr_name_index names; /* the duplicate check in O(1) per group */
} parse_context;

/* The attributes of one <group> as written, before validation. */
typedef struct {
  char *name, *vcpus, *iothreads, *emulator, *mbm;
} group_attrs;

static void group_attrs_free(group_attrs *a) {
  xmlFree(a->name);
  xmlFree(a->vcpus);
  xmlFree(a->iothreads);
  xmlFree(a->emulator);
  xmlFree(a->mbm);
}

/* Takes node's attributes into a; the first unknown or repeated one gives
 * reason. Returns 0 or -ENOMEM. */
static int read_attrs(xmlNode *node, group_attrs *a, char *reason,
                      size_t reason_len) {
  for (xmlAttr *attr = node->properties; attr; attr = attr->next) {
    const char *attr_name = (const char *)attr->name;
    char *value = (char *)xmlNodeListGetString(node->doc, attr->children, 1);
    if (!value)
      value = (char *)xmlStrdup((const xmlChar *)"");
    if (!value)
      return -ENOMEM;
    char **slot = NULL;
    if (attr->ns == NULL && strcmp(attr_name, "name") == 0)
      slot = &a->name;
    else if (attr->ns == NULL && strcmp(attr_name, "vcpus") == 0)
      slot = &a->vcpus;
    else if (attr->ns == NULL && strcmp(attr_name, "iothreads") == 0)
      slot = &a->iothreads;
    else if (attr->ns == NULL && strcmp(attr_name, "emulator") == 0)
      slot = &a->emulator;
    else if (attr->ns == NULL && strcmp(attr_name, "mbm") == 0)
      slot = &a->mbm;
    if (slot && !*slot) {
      *slot = value;
      continue;
    }
    xmlFree(value);
    if (!reason[0])
      snprintf(reason, reason_len, "unknown attribute \"%.64s\"", attr_name);
  }
  return 0;
}

/* A <group> holds attributes only. Returns false with reason otherwise. */
static bool attributes_only(const xmlNode *node, char *reason,
                            size_t reason_len) {
  for (xmlNode *child = node->children; child; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      snprintf(reason, reason_len, "unknown element <%.64s> in <group>",
               (const char *)child->name);
      return false;
    }
    if ((child->type == XML_TEXT_NODE ||
         child->type == XML_CDATA_SECTION_NODE) &&
        !xmlIsBlankNode(child)) {
      snprintf(reason, reason_len,
               "text inside <group> (it takes attributes only)");
      return false;
    }
  }
  return true;
}

/* The name of a group without a name attribute, by the one kind of thread
 * it holds; a group of several kinds must be named (no default could say
 * all it holds within the name's character set). */
static int default_group_name(const vr_group_spec *g, char *buf, size_t len,
                              char *reason, size_t reason_len) {
  bool has_vcpus = !vr_cpuset_is_empty(&g->vcpus);
  bool has_io = !vr_cpuset_is_empty(&g->iothreads);
  if ((int)has_vcpus + (int)has_io + (int)g->emulator > 1) {
    snprintf(reason, reason_len,
             "a group of more than one kind of thread (vcpus, iothreads, "
             "emulator) needs a name attribute");
    return -EINVAL;
  }
  if (g->emulator) {
    snprintf(buf, len, "%s", VR_GROUP_EMULATOR_NAME);
    return 0;
  }
  int rc = has_io ? vr_group_default_iothreads_name(&g->iothreads, buf, len)
                  : vr_group_default_name(&g->vcpus, buf, len);
  if (rc < 0)
    snprintf(reason, reason_len,
             "the default name %s_<set> exceeds %d characters: give the "
             "group a name attribute",
             has_io ? "iothreads" : "vcpus", VR_GROUP_NAME_MAX);
  return rc;
}

/* Checks that no thread of g is claimed by an earlier group. */
static bool unclaimed(const vr_group_spec *g, const vcpu_claims *claims,
                      const vr_group_list *list, char *reason,
                      size_t reason_len) {
  for (int id = vr_cpuset_next(&g->vcpus, 0); id >= 0;
       id = vr_cpuset_next(&g->vcpus, (unsigned)id + 1)) {
    if (claims->owner[id] >= 0) {
      snprintf(reason, reason_len,
               "vCPU %d is already in group \"%s\" (a thread can be in one "
               "monitoring group only)",
               id, list->groups[claims->owner[id]].name);
      return false;
    }
  }
  for (int id = vr_cpuset_next(&g->iothreads, 0); id >= 0;
       id = vr_cpuset_next(&g->iothreads, (unsigned)id + 1)) {
    if (claims->io_owner[id] >= 0) {
      snprintf(reason, reason_len,
               "iothread %d is already in group \"%s\" (a thread can be in "
               "one monitoring group only)",
               id, list->groups[claims->io_owner[id]].name);
      return false;
    }
  }
  if (g->emulator && claims->emulator_owner >= 0) {
    snprintf(reason, reason_len,
             "the emulator threads are already in group \"%s\" (a thread can "
             "be in one monitoring group only)",
             list->groups[claims->emulator_owner].name);
    return false;
  }
  return true;
}

static void claim(const vr_group_spec *g, int index, vcpu_claims *claims) {
  for (int id = vr_cpuset_next(&g->vcpus, 0); id >= 0;
       id = vr_cpuset_next(&g->vcpus, (unsigned)id + 1))
    claims->owner[id] = index;
  for (int id = vr_cpuset_next(&g->iothreads, 0); id >= 0;
       id = vr_cpuset_next(&g->iothreads, (unsigned)id + 1))
    claims->io_owner[id] = index;
  if (g->emulator)
    claims->emulator_owner = index;
}

/* Parses the iothreads attribute: libvirt's iothread ids start at 1
 * (virDomainIOThreadIDDef), and each must be one of the domain's when
 * those are known. Returns 0 or -EINVAL with reason. */
static int parse_iothreads(const char *text, const vr_cpuset *domain_ids,
                           vr_cpuset *out, char *reason, size_t reason_len) {
  if (vr_cpuset_parse(text, VR_MAX_VCPUS, out, reason, reason_len) < 0)
    return -EINVAL;
  if (vr_cpuset_has(out, 0)) {
    snprintf(reason, reason_len,
             "iothread id 0 does not exist (libvirt numbers iothreads from 1)");
    return -EINVAL;
  }
  for (int id = vr_cpuset_next(out, 0); domain_ids && id >= 0;
       id = vr_cpuset_next(out, (unsigned)id + 1)) {
    if (!vr_cpuset_has(domain_ids, (unsigned)id)) {
      snprintf(reason, reason_len, "the domain has no iothread %d", id);
      return -EINVAL;
    }
  }
  return 0;
}

/* Parses the mbm attribute: who gets an ABMC counter first where a domain
 * has fewer than the groups want. Returns 0 or -EINVAL with reason. */
static int parse_mbm(const char *text, vr_mbm_priority *out, char *reason,
                     size_t reason_len) {
  if (strcmp(text, "high") == 0)
    *out = VR_MBM_HIGH;
  else if (strcmp(text, "normal") == 0)
    *out = VR_MBM_NORMAL;
  else if (strcmp(text, "off") == 0)
    *out = VR_MBM_OFF;
  else {
    snprintf(reason, reason_len, "mbm must be \"high\", \"normal\" or \"off\"");
    return -EINVAL;
  }
  return 0;
}

/* Validates one <group> element and appends it to the list or its
 * rejection. Returns 0 or -ENOMEM. */
static int take_group(xmlNode *node, unsigned max_vcpus,
                      const vr_cpuset *iothread_ids, parse_context *ctx,
                      vr_group_list *list) {
  vcpu_claims *claims = &ctx->claims;
  vr_problem_class problem = VR_PROBLEM_INVALID_GROUP;
  group_attrs a = {0};
  char reason[VR_REASON_MAX] = "";
  char label[VR_GROUP_NAME_MAX + 64];
  vr_group_spec g = {0};
  int status = read_attrs(node, &a, reason, sizeof(reason));
  if (status < 0)
    goto out;

  group_label(label, sizeof(label), a.name, a.vcpus);
  if (reason[0] || !attributes_only(node, reason, sizeof(reason)))
    goto reject;
  if (a.name && !vr_group_name_valid(a.name)) {
    problem = VR_PROBLEM_INVALID_NAME;
    snprintf(reason, sizeof(reason),
             "invalid name: use 1-%d of [A-Za-z0-9_.,-], not starting with "
             "'.'",
             VR_GROUP_NAME_MAX);
    goto reject;
  }
  if (a.emulator) {
    if (strcmp(a.emulator, "yes") != 0 && strcmp(a.emulator, "no") != 0) {
      snprintf(reason, sizeof(reason), "emulator must be \"yes\" or \"no\"");
      goto reject;
    }
    g.emulator = strcmp(a.emulator, "yes") == 0;
  }
  if (a.mbm && parse_mbm(a.mbm, &g.mbm, reason, sizeof(reason)) < 0)
    goto reject;
  problem = VR_PROBLEM_INVALID_SET;
  if (a.iothreads && parse_iothreads(a.iothreads, iothread_ids, &g.iothreads,
                                     reason, sizeof(reason)) < 0)
    goto reject;
  /* vcpus may be left out only by a group that holds other threads; an
   * empty attribute is always a mistake. */
  if ((a.vcpus && !a.vcpus[0]) || (!a.vcpus && !a.iothreads && !g.emulator)) {
    snprintf(reason, sizeof(reason), "missing or empty vcpus attribute");
    goto reject;
  }
  if (a.vcpus &&
      vr_cpuset_parse(a.vcpus, max_vcpus, &g.vcpus, reason, sizeof(reason)) < 0)
    goto reject;

  if (a.name) {
    snprintf(g.name, sizeof(g.name), "%s", a.name);
  } else {
    problem = VR_PROBLEM_INVALID_NAME;
    if (default_group_name(&g, g.name, sizeof(g.name), reason, sizeof(reason)) <
        0)
      goto reject;
    snprintf(label, sizeof(label), "%s", g.name);
  }
  problem = VR_PROBLEM_DUPLICATE;
  if (vr_name_index_has(&ctx->names, list, g.name)) {
    snprintf(reason, sizeof(reason), "duplicate group name");
    goto reject;
  }
  problem = VR_PROBLEM_OVERLAP;
  if (!unclaimed(&g, claims, list, reason, sizeof(reason)))
    goto reject;
  status = vr_group_list_add(list, g.name, &g.vcpus);
  if (status == 0) {
    vr_group_spec *added = &list->groups[list->n_groups - 1];
    added->iothreads = g.iothreads;
    added->emulator = g.emulator;
    added->mbm = g.mbm;
    claim(added, (int)list->n_groups - 1, claims);
    status = vr_name_index_add(&ctx->names, list, list->n_groups - 1);
  }
  goto out;

reject:
  status = vr_group_list_reject(list, problem, label, reason);
out:
  group_attrs_free(&a);
  return status;
}

/* libvirt hands back the element with its namespace declaration stripped or
 * kept, depending on version and how it was set, and has already picked it
 * by our namespace URI: so the root may be in any namespace, but a child is
 * ours only in the root's own namespace (a <group> from another vocabulary
 * mixed in is an unknown element). */
static bool same_namespace(const xmlNode *a, const xmlNode *b) {
  if (!a->ns || !b->ns)
    return !a->ns && !b->ns;
  return xmlStrEqual(a->ns->href, b->ns->href);
}

static bool is_our_element(const xmlNode *node, const xmlNode *root,
                           const char *local_name) {
  return node->type == XML_ELEMENT_NODE &&
         strcmp((const char *)node->name, local_name) == 0 &&
         (!root || same_namespace(node, root));
}

int vr_group_spec_parse(const char *xml, unsigned max_vcpus,
                        vr_group_list *out) {
  return vr_group_spec_parse_domain(xml, max_vcpus, NULL, out);
}

int vr_group_spec_parse_domain(const char *xml, unsigned max_vcpus,
                               const vr_cpuset *iothread_ids,
                               vr_group_list *out) {
  memset(out, 0, sizeof(*out));
  xmlDoc *doc = NULL;
  parse_context *ctx = NULL;
  int status = 0;
  size_t len = strlen(xml);

  if (len > MAX_DOCUMENT_BYTES) {
    status = vr_group_list_reject(out, VR_PROBLEM_METADATA, DOCUMENT_LABEL,
                                  "metadata larger than 1 MiB, not parsed");
    goto out;
  }
  /* No network, no entity substitution, no DTD loading: the text comes from
   * whoever may edit domain metadata. */
  doc = xmlReadMemory(xml, (int)len, "metadata.xml", NULL,
                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  if (!doc) {
    status = vr_group_list_reject(out, VR_PROBLEM_METADATA, DOCUMENT_LABEL,
                                  "unparsable XML");
    goto out;
  }
  if (doc->intSubset || doc->extSubset) {
    status = vr_group_list_reject(out, VR_PROBLEM_METADATA, DOCUMENT_LABEL,
                                  "a DOCTYPE is not allowed in the metadata");
    goto out;
  }
  xmlNode *root = xmlDocGetRootElement(doc);
  if (!root || !is_our_element(root, NULL, ROOT_ELEMENT)) {
    status = vr_group_list_reject(out, VR_PROBLEM_METADATA, DOCUMENT_LABEL,
                                  "the root element is not <resmon>");
    goto out;
  }
  if (root->properties) {
    char reason[VR_REASON_MAX];
    snprintf(reason, sizeof(reason), "unknown attribute \"%.64s\" on <resmon>",
             (const char *)root->properties->name);
    status =
        vr_group_list_reject(out, VR_PROBLEM_METADATA, DOCUMENT_LABEL, reason);
    if (status < 0)
      goto out;
  }

  ctx = calloc(1, sizeof(*ctx));
  if (!ctx) {
    status = -ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < VR_MAX_VCPUS; i++)
    ctx->claims.owner[i] = ctx->claims.io_owner[i] = -1;
  ctx->claims.emulator_owner = -1;

  for (xmlNode *node = root->children; node && status == 0; node = node->next) {
    if (is_our_element(node, root, GROUP_ELEMENT)) {
      status = take_group(node, max_vcpus, iothread_ids, ctx, out);
    } else if (node->type == XML_ELEMENT_NODE) {
      char reason[VR_REASON_MAX], label[VR_GROUP_NAME_MAX + 8];
      snprintf(reason, sizeof(reason), "unknown element <%.64s>",
               (const char *)node->name);
      snprintf(label, sizeof(label), "<%.64s>", (const char *)node->name);
      status = vr_group_list_reject(out, VR_PROBLEM_METADATA, label, reason);
    }
  }

out:
  if (ctx)
    vr_name_index_clear(&ctx->names);
  free(ctx);
  if (doc)
    xmlFreeDoc(doc);
  if (status < 0)
    vr_group_list_clear(out);
  return status;
}
