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

/* Copies text for a log line: control characters and non-ASCII bytes
 * become '?', and long text is cut with "...", so a hostile name can
 * neither forge log lines nor flood them. */
static void copy_printable(char *dst, size_t dst_len, const char *src,
                           size_t max_chars) {
  size_t out = 0, i = 0;
  for (; src[i] != '\0' && i < max_chars && out + 1 < dst_len; i++) {
    unsigned char c = (unsigned char)src[i];
    dst[out++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  if (src[i] != '\0' && out + 4 < dst_len) {
    memcpy(dst + out, "...", 3);
    out += 3;
  }
  dst[out] = '\0';
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

static int add_rejection(vr_group_list *list, const char *label,
                         const char *reason) {
  vr_group_rejection *grown =
      grow_for_one(list->rejections, list->n_rejections, sizeof(*grown));
  if (!grown)
    return -ENOMEM;
  list->rejections = grown;
  vr_group_rejection *r = &grown[list->n_rejections++];
  copy_printable(r->group, sizeof(r->group), label, VR_GROUP_NAME_MAX + 8);
  copy_printable(r->reason, sizeof(r->reason), reason, sizeof(r->reason));
  return 0;
}

/* Appends a valid group; members is built here from the set. */
static int add_group(vr_group_list *list, const char *name,
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

void vr_group_list_clear(vr_group_list *list) {
  for (size_t i = 0; i < list->n_groups; i++)
    free(list->groups[i].members);
  free(list->groups);
  free(list->rejections);
  memset(list, 0, sizeof(*list));
}

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
                      const vr_cpuset *iothread_ids, vcpu_claims *claims,
                      vr_group_list *list) {
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
    if (default_group_name(&g, g.name, sizeof(g.name), reason, sizeof(reason)) <
        0)
      goto reject;
    snprintf(label, sizeof(label), "%s", g.name);
  }
  for (size_t i = 0; i < list->n_groups; i++) {
    if (strcmp(list->groups[i].name, g.name) == 0) {
      snprintf(reason, sizeof(reason), "duplicate group name");
      goto reject;
    }
  }
  if (!unclaimed(&g, claims, list, reason, sizeof(reason)))
    goto reject;
  status = add_group(list, g.name, &g.vcpus);
  if (status == 0) {
    vr_group_spec *added = &list->groups[list->n_groups - 1];
    added->iothreads = g.iothreads;
    added->emulator = g.emulator;
    added->mbm = g.mbm;
    claim(added, (int)list->n_groups - 1, claims);
  }
  goto out;

reject:
  status = add_rejection(list, label, reason);
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
  vcpu_claims *claims = NULL;
  int status = 0;
  size_t len = strlen(xml);

  if (len > MAX_DOCUMENT_BYTES) {
    status = add_rejection(out, DOCUMENT_LABEL,
                           "metadata larger than 1 MiB, not parsed");
    goto out;
  }
  /* No network, no entity substitution, no DTD loading: the text comes from
   * whoever may edit domain metadata. */
  doc = xmlReadMemory(xml, (int)len, "metadata.xml", NULL,
                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  if (!doc) {
    status = add_rejection(out, DOCUMENT_LABEL, "unparsable XML");
    goto out;
  }
  if (doc->intSubset || doc->extSubset) {
    status = add_rejection(out, DOCUMENT_LABEL,
                           "a DOCTYPE is not allowed in the metadata");
    goto out;
  }
  xmlNode *root = xmlDocGetRootElement(doc);
  if (!root || !is_our_element(root, NULL, ROOT_ELEMENT)) {
    status =
        add_rejection(out, DOCUMENT_LABEL, "the root element is not <resmon>");
    goto out;
  }
  if (root->properties) {
    char reason[VR_REASON_MAX];
    snprintf(reason, sizeof(reason), "unknown attribute \"%.64s\" on <resmon>",
             (const char *)root->properties->name);
    status = add_rejection(out, DOCUMENT_LABEL, reason);
    if (status < 0)
      goto out;
  }

  claims = malloc(sizeof(*claims));
  if (!claims) {
    status = -ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < VR_MAX_VCPUS; i++)
    claims->owner[i] = claims->io_owner[i] = -1;
  claims->emulator_owner = -1;

  for (xmlNode *node = root->children; node && status == 0; node = node->next) {
    if (is_our_element(node, root, GROUP_ELEMENT)) {
      status = take_group(node, max_vcpus, iothread_ids, claims, out);
    } else if (node->type == XML_ELEMENT_NODE) {
      char reason[VR_REASON_MAX], label[VR_GROUP_NAME_MAX + 8];
      snprintf(reason, sizeof(reason), "unknown element <%.64s>",
               (const char *)node->name);
      snprintf(label, sizeof(label), "<%.64s>", (const char *)node->name);
      status = add_rejection(out, label, reason);
    }
  }

out:
  free(claims);
  if (doc)
    xmlFreeDoc(doc);
  if (status < 0)
    vr_group_list_clear(out);
  return status;
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
    status = add_group(out, "all", &set);
  } else if (policy == VR_DEFAULT_GROUP_VM) {
    vr_cpuset_clear(&set);
    for (unsigned id = 0; id < max_vcpus; id++)
      vr_cpuset_add(&set, id);
    status = add_group(out, VR_GROUP_VM_NAME, &set);
    if (status == 0)
      out->groups[0].all_threads = true;
  } else {
    for (unsigned id = 0; id < max_vcpus && status == 0; id++) {
      char name[VR_GROUP_NAME_MAX + 1];
      snprintf(name, sizeof(name), "vcpu_%u", id);
      vr_cpuset_clear(&set);
      vr_cpuset_add(&set, id);
      status = add_group(out, name, &set);
    }
  }
  if (status < 0)
    vr_group_list_clear(out);
  return status;
}
