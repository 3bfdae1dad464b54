/**
 * Resource monitoring groups from domain metadata; see group_spec.h.
 */
#include "group_spec.h"
#include "text.h"

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

void vr_vformat_cut(char *buf, size_t len, const char *fmt, va_list ap) {
  int n = vsnprintf(buf, len, fmt, ap);
  if (n >= (int)len)
    memcpy(buf + len - 4, "...", 4);
}

int vr_group_default_name(const vr_cpuset *vcpus, char *buf, size_t len) {
  char ranges[VR_GROUP_NAME_MAX + 1];
  if (len > 0)
    buf[0] = '\0';
  if (vr_cpuset_format_ranges(vcpus, ranges, sizeof(ranges)) < 0)
    return -ENOSPC;
  int n = snprintf(buf, len, "vcpus_%s", ranges);
  if (n < 0 || (size_t)n >= len || n > VR_GROUP_NAME_MAX) {
    if (len > 0)
      buf[0] = '\0';
    return -ENOSPC;
  }
  return 0;
}

bool vr_group_name_valid(const char *name) {
  return name[0] != '.' && vr_chars_valid(name, VR_GROUP_NAME_MAX, "_.,-");
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

static int add_rejection(vr_group_list *list, const char *label,
                         const char *reason) {
  vr_group_rejection *grown =
      realloc(list->rejections, (list->n_rejections + 1) * sizeof(*grown));
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
      realloc(list->groups, (list->n_groups + 1) * sizeof(*grown));
  if (!grown) {
    free(members);
    return -ENOMEM;
  }
  list->groups = grown;
  vr_group_spec *g = &grown[list->n_groups++];
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

/* Which group index claims each vCPU, -1 for none: one thread can be in only
 * one resctrl MON group, so a vCPU may appear in one group only. */
typedef struct {
  int owner[VR_MAX_VCPUS];
} vcpu_claims;

/* Validates one <group> element and appends it to the list or its
 * rejection. Returns 0 or -ENOMEM. */
static int take_group(xmlNode *node, unsigned max_vcpus, vcpu_claims *claims,
                      vr_group_list *list) {
  char *name = NULL, *vcpus_text = NULL;
  char reason[VR_REASON_MAX] = "";
  char label[VR_GROUP_NAME_MAX + 64];
  int status = 0;

  for (xmlAttr *attr = node->properties; attr; attr = attr->next) {
    const char *attr_name = (const char *)attr->name;
    char *value = (char *)xmlNodeListGetString(node->doc, attr->children, 1);
    if (!value)
      value = (char *)xmlStrdup((const xmlChar *)"");
    if (!value) {
      status = -ENOMEM;
      goto out;
    }
    if (attr->ns == NULL && strcmp(attr_name, "name") == 0 && !name) {
      name = value;
    } else if (attr->ns == NULL && strcmp(attr_name, "vcpus") == 0 &&
               !vcpus_text) {
      vcpus_text = value;
    } else {
      xmlFree(value);
      if (!reason[0])
        snprintf(reason, sizeof(reason), "unknown attribute \"%.64s\"",
                 attr_name);
    }
  }
  group_label(label, sizeof(label), name, vcpus_text);
  if (reason[0])
    goto reject;
  if (node->children) {
    for (xmlNode *child = node->children; child; child = child->next) {
      if (child->type == XML_ELEMENT_NODE) {
        snprintf(reason, sizeof(reason), "unknown element <%.64s> in <group>",
                 (const char *)child->name);
        goto reject;
      }
      if ((child->type == XML_TEXT_NODE ||
           child->type == XML_CDATA_SECTION_NODE) &&
          !xmlIsBlankNode(child)) {
        snprintf(reason, sizeof(reason),
                 "text inside <group> (it takes "
                 "attributes only)");
        goto reject;
      }
    }
  }
  if (name && !vr_group_name_valid(name)) {
    snprintf(reason, sizeof(reason),
             "invalid name: use 1-%d of [A-Za-z0-9_.,-], not starting with "
             "'.'",
             VR_GROUP_NAME_MAX);
    goto reject;
  }
  if (!vcpus_text || !vcpus_text[0]) {
    snprintf(reason, sizeof(reason), "missing or empty vcpus attribute");
    goto reject;
  }

  vr_cpuset set;
  if (vr_cpuset_parse(vcpus_text, max_vcpus, &set, reason, sizeof(reason)) < 0)
    goto reject;

  char default_name[VR_GROUP_NAME_MAX + 1];
  if (!name) {
    if (vr_group_default_name(&set, default_name, sizeof(default_name)) < 0) {
      snprintf(reason, sizeof(reason),
               "the default name vcpus_<set> exceeds %d characters: give the "
               "group a name attribute",
               VR_GROUP_NAME_MAX);
      goto reject;
    }
    snprintf(label, sizeof(label), "%s", default_name);
  }
  const char *final_name = name ? name : default_name;

  for (size_t i = 0; i < list->n_groups; i++) {
    if (strcmp(list->groups[i].name, final_name) == 0) {
      snprintf(reason, sizeof(reason), "duplicate group name");
      goto reject;
    }
  }
  for (int id = vr_cpuset_next(&set, 0); id >= 0;
       id = vr_cpuset_next(&set, (unsigned)id + 1)) {
    if (claims->owner[id] >= 0) {
      snprintf(reason, sizeof(reason),
               "vCPU %d is already in group \"%s\" (a thread can be in one "
               "monitoring group only)",
               id, list->groups[claims->owner[id]].name);
      goto reject;
    }
  }
  status = add_group(list, final_name, &set);
  if (status == 0) {
    for (int id = vr_cpuset_next(&set, 0); id >= 0;
         id = vr_cpuset_next(&set, (unsigned)id + 1))
      claims->owner[id] = (int)list->n_groups - 1;
  }
  goto out;

reject:
  status = add_rejection(list, label, reason);
out:
  xmlFree(name);
  xmlFree(vcpus_text);
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
    claims->owner[i] = -1;

  for (xmlNode *node = root->children; node && status == 0; node = node->next) {
    if (is_our_element(node, root, GROUP_ELEMENT)) {
      status = take_group(node, max_vcpus, claims, out);
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
