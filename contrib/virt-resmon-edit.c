/* SPDX-License-Identifier: MIT */
/*
 * virt-resmon: the edits of the <resmon> element, done on its XML tree so
 * that groups the plugin rejects today survive an unrelated add or remove
 * untouched; see virt-resmon.h.
 */
#include "virt-resmon.h"

#include "plan/group_spec.h"

#include <libxml/parser.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name the plugin gives a group element: its name attribute, or the
 * default of the one kind of thread it holds (vcpus first, as the plugin
 * rejects a group of several kinds without a name). Empty when it has none. */
static void effective_name(xmlNode *group, char *buf, size_t len) {
  buf[0] = '\0';
  xmlChar *name = xmlGetNoNsProp(group, (const xmlChar *)"name");
  xmlChar *vcpus = xmlGetNoNsProp(group, (const xmlChar *)"vcpus");
  xmlChar *io = xmlGetNoNsProp(group, (const xmlChar *)"iothreads");
  xmlChar *emulator = xmlGetNoNsProp(group, (const xmlChar *)"emulator");
  vr_cpuset set;
  char reason[VR_REASON_MAX];
  if (name)
    snprintf(buf, len, "%s", (const char *)name);
  else if (vcpus && vr_cpuset_parse((const char *)vcpus, VR_MAX_VCPUS, &set,
                                    reason, sizeof(reason)) == 0)
    vr_group_default_name(&set, buf, len);
  else if (!vcpus && io &&
           vr_cpuset_parse((const char *)io, VR_MAX_VCPUS, &set, reason,
                           sizeof(reason)) == 0)
    vr_group_default_iothreads_name(&set, buf, len);
  else if (!vcpus && !io && emulator &&
           strcmp((const char *)emulator, "yes") == 0)
    snprintf(buf, len, "%s", VR_GROUP_EMULATOR_NAME);
  xmlFree(name);
  xmlFree(vcpus);
  xmlFree(io);
  xmlFree(emulator);
}

int resmon_new_group_name(const options *opts, const vr_cpuset *vcpus,
                          char *buf, size_t len) {
  int kinds =
      (opts->vcpus != NULL) + (opts->iothreads != NULL) + (int)opts->emulator;
  vr_cpuset io;
  char reason[VR_REASON_MAX];
  if (opts->name) {
    snprintf(buf, len, "%s", opts->name);
    return 0;
  }
  if (kinds > 1)
    return -1;
  if (opts->emulator) {
    snprintf(buf, len, "%s", VR_GROUP_EMULATOR_NAME);
    return 0;
  }
  if (opts->iothreads) {
    if (vr_cpuset_parse(opts->iothreads, VR_MAX_VCPUS, &io, reason,
                        sizeof(reason)) < 0)
      return -1;
    if (vr_group_default_iothreads_name(&io, buf, len) == 0)
      return 0;
  } else if (vr_group_default_name(vcpus, buf, len) == 0) {
    return 0;
  }
  fprintf(stderr,
          PROG ": the default name of the group is longer than %d "
               "characters: give the group a --name\n",
          VR_GROUP_NAME_MAX);
  return -2;
}

static bool is_group(const xmlNode *node) {
  return node->type == XML_ELEMENT_NODE &&
         strcmp((const char *)node->name, "group") == 0;
}

/* The existing element as a tree, or a new empty one. */
xmlDoc *resmon_load_tree(const target *t) {
  if (!t->old_xml) {
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = doc ? xmlNewNode(NULL, (const xmlChar *)"resmon") : NULL;
    if (!root) {
      xmlFreeDoc(doc);
      return NULL;
    }
    xmlDocSetRootElement(doc, root);
    return doc;
  }
  return xmlReadMemory(
      t->old_xml, (int)strlen(t->old_xml), "metadata.xml", NULL,
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Drops every namespace from the tree. virDomainSetMetadata puts the element
 * in its namespace under the key as prefix itself, and fails ("failed to
 * create a new XML namespace") when the element already declares that
 * prefix, which is how virDomainGetMetadata returns it. First every use is
 * cleared, then the declarations are freed, so none is freed in use. */
static void strip_namespaces(xmlNode *node, bool free_declarations) {
  for (; node; node = node->next) {
    if (node->type != XML_ELEMENT_NODE)
      continue;
    if (free_declarations) {
      xmlFreeNsList(node->nsDef);
      node->nsDef = NULL;
    } else {
      node->ns = NULL;
      for (xmlAttr *attr = node->properties; attr; attr = attr->next)
        attr->ns = NULL;
    }
    strip_namespaces(node->children, free_declarations);
  }
}

char *resmon_dump_tree(xmlDoc *doc) {
  strip_namespaces(xmlDocGetRootElement(doc), false);
  strip_namespaces(xmlDocGetRootElement(doc), true);
  xmlBuffer *buf = xmlBufferCreate();
  char *text = NULL;
  if (buf && xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0) >= 0)
    text = strdup((const char *)xmlBufferContent(buf));
  xmlBufferFree(buf);
  return text;
}

/* Appends the group; the plugin reads groups in order and a thread belongs
 * to the first group claiming it, so an appended group can only invalidate
 * itself, never one that runs today. The attributes are written as given
 * (vcpus as ranges) and judged by the plugin's parser afterwards, so that
 * virt-resmon accepts exactly what the plugin monitors. */
int resmon_edit_add(xmlDoc *doc, const options *opts, const vr_cpuset *set,
                    const char *label) {
  char ranges[VR_MAX_VCPUS * 6] = "";
  char name[VR_GROUP_NAME_MAX + 1] = "";
  if (opts->vcpus && vr_cpuset_format_ranges(set, ranges, sizeof(ranges)) < 0)
    return EXIT_LIBVIRT;
  int rc = resmon_new_group_name(opts, set, name, sizeof(name));
  if (rc == -2)
    return EXIT_INVALID;
  bool named = rc == 0;
  xmlNode *root = xmlDocGetRootElement(doc);
  for (xmlNode *n = root->children; named && n; n = n->next) {
    char existing[VR_GROUP_NAME_MAX + 16];
    if (!is_group(n))
      continue;
    effective_name(n, existing, sizeof(existing));
    if (strcmp(existing, name) == 0) {
      fprintf(stderr,
              PROG ": the %s definition of %s already has a group named "
                   "\"%s\": remove it first or choose another --name\n",
              label, opts->domain, name);
      return EXIT_INVALID;
    }
  }
  xmlNode *group = xmlNewChild(root, root->ns, (const xmlChar *)"group", NULL);
  if (!group ||
      (opts->name &&
       !xmlNewProp(group, (const xmlChar *)"name", (const xmlChar *)name)) ||
      (opts->vcpus &&
       !xmlNewProp(group, (const xmlChar *)"vcpus", (const xmlChar *)ranges)) ||
      (opts->iothreads && !xmlNewProp(group, (const xmlChar *)"iothreads",
                                      (const xmlChar *)opts->iothreads)) ||
      (opts->emulator && !xmlNewProp(group, (const xmlChar *)"emulator",
                                     (const xmlChar *)"yes")) ||
      (opts->mbm &&
       !xmlNewProp(group, (const xmlChar *)"mbm", (const xmlChar *)opts->mbm)))
    return EXIT_LIBVIRT;
  return EXIT_DONE;
}

/* Removes every group element with that name, valid or rejected. An empty
 * <resmon/> stays: it says "no groups", where a missing element would let
 * the plugin's DefaultGroup apply. */
int resmon_edit_remove(xmlDoc *doc, const options *opts, const char *label) {
  xmlNode *root = xmlDocGetRootElement(doc);
  int removed = 0;
  xmlNode *next;
  for (xmlNode *n = root->children; n; n = next) {
    char existing[VR_GROUP_NAME_MAX + 16];
    next = n->next;
    if (!is_group(n))
      continue;
    effective_name(n, existing, sizeof(existing));
    if (strcmp(existing, opts->name) == 0) {
      xmlUnlinkNode(n);
      xmlFreeNode(n);
      removed++;
    }
  }
  if (removed == 0) {
    fprintf(stderr,
            PROG ": the %s definition of %s has no group named \"%s\" (see "
                 "`" PROG " list %s`)\n",
            label, opts->domain, opts->name, opts->domain);
    return EXIT_INVALID;
  }
  return EXIT_DONE;
}
