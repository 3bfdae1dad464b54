/* SPDX-License-Identifier: MIT */
/**
 * HostnameFormat and PluginInstanceFormat (doc/design.md, "collectd
 * interface"): the fields collectd's virt plugin names a domain by, parsed
 * from the config values and joined into one label, so that both plugins
 * put a domain's series under the same host and plugin_instance.
 *
 * Pure: no I/O, no collectd calls. The metadata value is read by the libvirt
 * edge (virt/vr_libvirt_domains.c) and passed in as a string.
 */
#ifndef VR_NAME_FORMAT_H
#define VR_NAME_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  VR_FIELD_HOSTNAME, /* collectd's own Hostname */
  VR_FIELD_NAME,     /* the domain's name */
  VR_FIELD_UUID,     /* the domain's UUID */
  VR_FIELD_METADATA, /* HostnameMetadataXPath in HostnameMetadataNS */
} vr_name_field;

/* virt accepts four fields in HostnameFormat and three in
 * PluginInstanceFormat; a longer list is refused, not cut. */
#define VR_NAME_FIELDS_MAX 4
#define VR_INSTANCE_FIELDS_MAX 3

typedef struct {
  vr_name_field fields[VR_NAME_FIELDS_MAX];
  size_t n; /* 0: the default of the key (hostname, resp. name) */
} vr_name_format;

#define VR_NAME_FORMAT_1(f) ((vr_name_format){.fields = {(f)}, .n = 1})

/* Which key a format is for: they differ in what they accept. */
typedef enum {
  VR_FORMAT_HOSTNAME, /* HostnameFormat: hostname, name, uuid, metadata */
  VR_FORMAT_INSTANCE, /* PluginInstanceFormat: name, uuid, metadata */
} vr_format_key;

/**
 * Parses the values of one key: each value is one field or several
 * separated by blanks (`HostnameFormat name uuid` and
 * `HostnameFormat "name uuid"` are the same), case-insensitively as virt
 * does. Refused with a reason: an unknown field, `hostname` in
 * PluginInstanceFormat (virt has none), `none` in PluginInstanceFormat (our
 * plugin_instance always carries the domain before ":<group>"), no field,
 * more fields than virt takes. Returns 0 or -EINVAL.
 */
int vr_name_format_parse(vr_format_key key, const char *const *values,
                         size_t n_values, vr_name_format *out, char *reason,
                         size_t reason_len);

/** True when a field of the format is `metadata`. */
bool vr_name_format_uses_metadata(const vr_name_format *format);

/** The format written as the config takes it ("name uuid hostname"). */
void vr_name_format_text(const vr_name_format *format, vr_format_key key,
                         char *buf, size_t len);

/* What the fields stand for, for one domain. NULL is an empty field. */
typedef struct {
  const char *hostname; /* collectd's Hostname */
  const char *name;
  const char *uuid;
  const char *metadata; /* NULL or "": the domain has no such value */
} vr_name_values;

/**
 * Joins the fields in order with ':' as virt does: each field after the
 * first is preceded by ':', even when it is empty (a domain without the
 * metadata value gives "web:" for `name metadata`, as virt writes it).
 * Returns 0, or -ENAMETOOLONG when the label does not fit in len (buf then
 * holds what fitted).
 */
int vr_name_compose(const vr_name_format *format, vr_format_key key,
                    const vr_name_values *values, char *buf, size_t len);

/**
 * Marks in clash[i] each of n labels that equals another one (NULL labels
 * never clash): two domains that would share a name each take their UUID
 * instead. Returns how many are marked.
 */
size_t vr_name_clashes(const char *const *labels, size_t n, bool *clash);

#endif /* VR_NAME_FORMAT_H */
