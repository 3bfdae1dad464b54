/* SPDX-License-Identifier: MIT */
/**
 * HostnameFormat and PluginInstanceFormat fields; see name_format.h.
 */
#include "read/name_format.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const field_words[] = {
    [VR_FIELD_HOSTNAME] = "hostname",
    [VR_FIELD_NAME] = "name",
    [VR_FIELD_UUID] = "uuid",
    [VR_FIELD_METADATA] = "metadata",
};

static const char *key_name(vr_format_key key) {
  return key == VR_FORMAT_HOSTNAME ? "HostnameFormat" : "PluginInstanceFormat";
}

/* One word of a value: a field the key accepts, or a reason. */
static int parse_word(vr_format_key key, const char *word, size_t len,
                      vr_name_field *out, char *reason, size_t reason_len) {
  for (size_t f = 0; f < sizeof(field_words) / sizeof(field_words[0]); f++) {
    if (strlen(field_words[f]) != len ||
        strncasecmp(word, field_words[f], len) != 0)
      continue;
    /* virt's PluginInstanceFormat has no hostname field: every domain's
     * plugin_instance would then start alike. */
    if (key == VR_FORMAT_INSTANCE && f == VR_FIELD_HOSTNAME)
      break;
    *out = (vr_name_field)f;
    return 0;
  }
  if (key == VR_FORMAT_INSTANCE && len == 4 &&
      strncasecmp(word, "none", 4) == 0)
    snprintf(reason, reason_len,
             "PluginInstanceFormat: \"none\" is not accepted: virt_resctrl's "
             "plugin_instance is \"<domain>:<group>\", the domain named by "
             "name, uuid or metadata");
  else
    snprintf(reason, reason_len, "%s: unknown field \"%.*s\" (accepted: %s)",
             key_name(key), (int)(len > 64 ? 64 : len), word,
             key == VR_FORMAT_HOSTNAME ? "hostname, name, uuid, metadata"
                                       : "name, uuid, metadata");
  return -EINVAL;
}

int vr_name_format_parse(vr_format_key key, const char *const *values,
                         size_t n_values, vr_name_format *out, char *reason,
                         size_t reason_len) {
  size_t max =
      key == VR_FORMAT_HOSTNAME ? VR_NAME_FIELDS_MAX : VR_INSTANCE_FIELDS_MAX;
  vr_name_format parsed = {.n = 0};
  for (size_t v = 0; v < n_values; v++) {
    const char *p = values[v];
    for (;;) {
      p += strspn(p, " \t");
      size_t len = strcspn(p, " \t");
      if (len == 0)
        break;
      if (parsed.n == max) {
        snprintf(reason, reason_len, "%s: at most %zu fields", key_name(key),
                 max);
        return -EINVAL;
      }
      if (parse_word(key, p, len, &parsed.fields[parsed.n], reason,
                     reason_len) < 0)
        return -EINVAL;
      parsed.n++;
      p += len;
    }
  }
  if (parsed.n == 0) {
    snprintf(reason, reason_len, "%s needs at least one field", key_name(key));
    return -EINVAL;
  }
  *out = parsed;
  return 0;
}

/* The fields in effect: n == 0 is the key's default. */
static vr_name_format effective(const vr_name_format *format,
                                vr_format_key key) {
  if (format->n > 0)
    return *format;
  return VR_NAME_FORMAT_1(key == VR_FORMAT_HOSTNAME ? VR_FIELD_HOSTNAME
                                                    : VR_FIELD_NAME);
}

bool vr_name_format_uses_metadata(const vr_name_format *format) {
  for (size_t i = 0; i < format->n; i++)
    if (format->fields[i] == VR_FIELD_METADATA)
      return true;
  return false;
}

void vr_name_format_text(const vr_name_format *format, vr_format_key key,
                         char *buf, size_t len) {
  vr_name_format f = effective(format, key);
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < f.n && used < len; i++) {
    int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
                     field_words[f.fields[i]]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

static const char *field_value(vr_name_field field,
                               const vr_name_values *values) {
  const char *v = NULL;
  switch (field) {
  case VR_FIELD_HOSTNAME:
    v = values->hostname;
    break;
  case VR_FIELD_NAME:
    v = values->name;
    break;
  case VR_FIELD_UUID:
    v = values->uuid;
    break;
  case VR_FIELD_METADATA:
    v = values->metadata;
    break;
  }
  return v ? v : "";
}

int vr_name_compose(const vr_name_format *format, vr_format_key key,
                    const vr_name_values *values, char *buf, size_t len) {
  vr_name_format f = effective(format, key);
  size_t used = 0;
  if (len == 0)
    return -ENAMETOOLONG;
  buf[0] = '\0';
  for (size_t i = 0; i < f.n; i++) {
    int n = snprintf(buf + used, len - used, "%s%s", i ? ":" : "",
                     field_value(f.fields[i], values));
    if (n < 0 || (size_t)n >= len - used)
      return -ENAMETOOLONG;
    used += (size_t)n;
  }
  return 0;
}

size_t vr_name_clashes(const char *const *labels, size_t n, bool *clash) {
  size_t marked = 0;
  for (size_t i = 0; i < n; i++)
    clash[i] = false;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; labels[i] && j < n; j++) {
      if (!labels[j] || strcmp(labels[i], labels[j]) != 0)
        continue;
      marked += !clash[i] + !clash[j];
      clash[i] = clash[j] = true;
    }
  }
  return marked;
}
