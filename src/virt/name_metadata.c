/* SPDX-License-Identifier: MIT */
/**
 * The metadata field of the name formats; see name_metadata.h.
 */
#include "virt/name_metadata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

/* The one node's text: a text node's content, or an attribute's value
 * (`/instance/@uuid`), the two kinds virt takes. */
static int node_text(const xmlNode *node, char **out) {
  const xmlChar *text = NULL;
  if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE)
    text = node->content;
  else if (node->type == XML_ATTRIBUTE_NODE && node->children)
    text = node->children->content;
  if (text == NULL)
    return 0;
  *out = strdup((const char *)text);
  return *out ? 0 : -ENOMEM;
}

int vr_name_metadata_eval(const char *xml, const char *xpath, char **out,
                          char *note, size_t note_len) {
  xmlDoc *doc = NULL;
  xmlXPathContext *ctx = NULL;
  xmlXPathObject *found = NULL;
  int status = -EINVAL;
  size_t len = strlen(xml);
  *out = NULL;
  note[0] = '\0';
  if (len > VR_NAME_METADATA_MAX_BYTES) {
    snprintf(note, note_len, "element larger than %d bytes, not parsed",
             VR_NAME_METADATA_MAX_BYTES);
    goto out;
  }
  /* Whoever may edit a domain's metadata writes this text: no network, no
   * entity substitution (no XML_PARSE_NOENT), no DTD loading. */
  doc =
      xmlReadMemory(xml, (int)len, "name-metadata.xml", NULL,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL) {
    snprintf(note, note_len, "unparsable XML");
    goto out;
  }
  if (doc->intSubset || doc->extSubset) {
    snprintf(note, note_len, "a DOCTYPE is not allowed");
    goto out;
  }
  ctx = xmlXPathNewContext(doc);
  if (ctx == NULL) {
    status = -ENOMEM;
    goto out;
  }
  found = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
  if (found == NULL) {
    snprintf(note, note_len, "HostnameMetadataXPath \"%s\" does not evaluate",
             xpath);
    goto out;
  }
  status = 0;
  /* virt takes exactly one node: none, or several, is no value */
  if (found->type == XPATH_NODESET && found->nodesetval &&
      found->nodesetval->nodeNr == 1)
    status = node_text(found->nodesetval->nodeTab[0], out);
out:
  xmlXPathFreeObject(found);
  xmlXPathFreeContext(ctx);
  xmlFreeDoc(doc);
  return status;
}

int vr_name_metadata_read(virDomainPtr dom, const char *ns, const char *xpath,
                          char **out, char *note, size_t note_len) {
  *out = NULL;
  note[0] = '\0';
  char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, ns,
                                   VIR_DOMAIN_AFFECT_LIVE);
  if (xml == NULL) {
    virErrorPtr e = virGetLastError();
    /* VIR_ERR_NO_DOMAIN_METADATA: no such element, an empty field. */
    if (e != NULL && e->code == VIR_ERR_NO_DOMAIN_METADATA) {
      virResetLastError();
      return 0;
    }
    snprintf(note, note_len, "cannot read its %s element: %s", ns,
             e && e->message ? e->message : "unknown libvirt error");
    return -EIO;
  }
  int status = vr_name_metadata_eval(xml, xpath, out, note, note_len);
  free(xml);
  /* an element we cannot read names nothing; the note says why */
  return status == -EINVAL ? 0 : status;
}
