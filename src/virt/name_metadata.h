/* SPDX-License-Identifier: MIT */
/**
 * The metadata field of HostnameFormat and PluginInstanceFormat: one value
 * of a domain's metadata element in HostnameMetadataNS (Nova's display name
 * by default), found by HostnameMetadataXPath, as collectd's virt plugin
 * reads it. An edge: a libvirt RPC and libxml2. Called by the worker while
 * it takes a domain's snapshot, never by the read pass.
 */
#ifndef VR_NAME_METADATA_H
#define VR_NAME_METADATA_H

#include <stddef.h>

#include <libvirt/libvirt.h>

/* A Nova element is a few hundred bytes; anything past this is not parsed. */
#define VR_NAME_METADATA_MAX_BYTES (64 * 1024)

/**
 * *out receives the value (heap), or NULL when the domain has no element in
 * ns or the XPath finds no single text or attribute node there (virt then
 * writes an empty field: so do we). Returns 0, -EIO when libvirt fails
 * (reason set), -ENOMEM. A value that cannot be parsed is no value: its
 * reason goes to *note ("" when none) for the caller to say once.
 */
int vr_name_metadata_read(virDomainPtr dom, const char *ns, const char *xpath,
                          char **out, char *note, size_t note_len);

/**
 * The same on an element's text (libvirt's virDomainGetMetadata answer):
 * parsed without network, entity substitution or DTD; a document with a
 * DOCTYPE or over VR_NAME_METADATA_MAX_BYTES is refused. Returns 0 (*out
 * NULL: no single node), -EINVAL with a note, -ENOMEM.
 */
int vr_name_metadata_eval(const char *xml, const char *xpath, char **out,
                          char *note, size_t note_len);

#endif /* VR_NAME_METADATA_H */
