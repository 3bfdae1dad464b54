/* SPDX-License-Identifier: MIT */
/**
 * Pure parsers for resctrl and sysfs file contents; see resctrl_parse.h.
 */
#include "resctrl/resctrl_parse.h"
#include "base/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of text without trailing newlines and spaces. */
static size_t trimmed_len(const char *text, size_t len) {
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' ||
                     text[len - 1] == '\t'))
    len--;
  return len;
}

/* Base-10 digits, all of text[0..len) and nothing else, into *out. Empty:
 * -EINVAL. */
static int parse_decimal(const char *text, size_t len, uint64_t *out) {
  const char *end;
  uint64_t v;
  if (len == 0)
    return -EINVAL;
  int rc = vr_parse_decimal(text, len, &end, UINT64_MAX, &v);
  if (rc == -ERANGE)
    return rc;
  if (rc < 0 || end != text + len)
    return -EINVAL;
  *out = v;
  return 0;
}

int vr_resctrl_parse_cache_size(const char *text, uint64_t *bytes) {
  size_t len = trimmed_len(text, strlen(text));
  uint64_t mult = 1;
  if (len > 0) {
    switch (text[len - 1]) {
    case 'K':
      mult = 1ULL << 10;
      len--;
      break;
    case 'M':
      mult = 1ULL << 20;
      len--;
      break;
    case 'G':
      mult = 1ULL << 30;
      len--;
      break;
    default:
      break;
    }
  }
  uint64_t v;
  int rc = parse_decimal(text, len, &v);
  if (rc < 0)
    return rc;
  if (v == 0)
    return -EINVAL;
  if (v > UINT64_MAX / mult)
    return -ERANGE;
  *bytes = v * mult;
  return 0;
}

bool vr_resctrl_parse_mon_dir(const char *name, vr_mon_resource *resource,
                              unsigned *id) {
  for (int r = 0; r < VR_RES_COUNT; r++) {
    const char *res = vr_mon_resource_name((vr_mon_resource)r);
    size_t rlen = strlen(res);
    /* "mon_" <resource> "_" <decimal> */
    if (strncmp(name, "mon_", 4) != 0 || strncmp(name + 4, res, rlen) != 0 ||
        name[4 + rlen] != '_')
      continue;
    const char *digits = name + 4 + rlen + 1;
    uint64_t v;
    if (parse_decimal(digits, strlen(digits), &v) < 0 || v > UINT32_MAX)
      return false;
    if (resource)
      *resource = (vr_mon_resource)r;
    if (id)
      *id = (unsigned)v;
    return true;
  }
  return false;
}

bool vr_resctrl_parse_mon_sub_dir(const char *name, vr_mon_resource *resource,
                                  unsigned *node) {
  /* "mon_sub_" <resource> "_" <decimal>: the parent's form after "sub_" */
  char parent[VR_RESCTRL_NAME_MAX + 1];
  if (strncmp(name, "mon_sub_", 8) != 0 ||
      (size_t)snprintf(parent, sizeof(parent), "mon_%s", name + 8) >=
          sizeof(parent))
    return false;
  return vr_resctrl_parse_mon_dir(parent, resource, node);
}

/* Steps through text line by line: returns the next line at *pos (its
 * length, trimmed, in *line_len) and moves *pos past it; NULL at the end. */
static const char *next_line(const char *text, size_t len, size_t *pos,
                             size_t *line_len) {
  if (*pos >= len)
    return NULL;
  const char *line = text + *pos;
  const char *nl = memchr(line, '\n', len - *pos);
  size_t raw_len = nl ? (size_t)(nl - line) : len - *pos;
  *pos += raw_len + 1;
  *line_len = trimmed_len(line, raw_len);
  return line;
}

unsigned vr_resctrl_parse_features(const char *text, size_t len) {
  unsigned mask = 0;
  size_t pos = 0, line_len;
  const char *line;
  while ((line = next_line(text, len, &pos, &line_len))) {
    for (int f = 0; f < VR_FEAT_COUNT; f++) {
      const char *event = vr_resctrl_feature_name((vr_resctrl_feature)f);
      if (line_len == strlen(event) && memcmp(line, event, line_len) == 0)
        mask |= 1u << f;
    }
  }
  return mask;
}

/* The kernel's resource names: "L3", "MB", "SMBA", "PERF_PKG". */
static bool resource_name_ok(const char *s, size_t len) {
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '_'))
      return false;
  return true;
}

bool vr_resctrl_parse_mon_dir_any(const char *name, char *res, size_t res_len,
                                  unsigned *id) {
  if (strncmp(name, "mon_", 4) != 0)
    return false;
  const char *body = name + 4;
  /* The id follows the last '_': a resource name may hold '_' itself. */
  const char *sep = strrchr(body, '_');
  if (!sep || !resource_name_ok(body, (size_t)(sep - body)))
    return false;
  uint64_t v;
  if (parse_decimal(sep + 1, strlen(sep + 1), &v) < 0 || v > UINT32_MAX)
    return false;
  if ((size_t)(sep - body) >= res_len)
    return false;
  memcpy(res, body, (size_t)(sep - body));
  res[sep - body] = '\0';
  *id = (unsigned)v;
  return true;
}

bool vr_resctrl_parse_mon_info_dir(const char *name, char *res,
                                   size_t res_len) {
  size_t len = strlen(name);
  if (len <= 4 || strcmp(name + len - 4, "_MON") != 0 ||
      !resource_name_ok(name, len - 4) || len - 4 >= res_len)
    return false;
  memcpy(res, name, len - 4);
  res[len - 4] = '\0';
  return true;
}

/* Appends word to a ", "-separated list, as much as fits. */
static void list_append(char *list, size_t list_len, const char *word,
                        size_t word_len) {
  size_t used = strlen(list);
  if (list_len == 0 || used + 1 >= list_len)
    return;
  snprintf(list + used, list_len - used, "%s%.*s", used ? ", " : "",
           (int)word_len, word);
}

size_t vr_resctrl_parse_mon_features(const char *text, size_t len,
                                     vr_mon_resource resource, unsigned *mask,
                                     char *unknown, size_t unknown_len) {
  static const char config[] = "_config";
  const size_t config_len = sizeof(config) - 1;
  size_t pos = 0, line_len, n_unknown = 0;
  const char *line;
  *mask = 0;
  while ((line = next_line(text, len, &pos, &line_len))) {
    if (line_len == 0 ||
        (line_len > config_len &&
         memcmp(line + line_len - config_len, config, config_len) == 0))
      continue;
    bool known = false;
    for (int f = 0; f < VR_FEAT_COUNT && !known; f++) {
      const char *event = vr_resctrl_feature_name((vr_resctrl_feature)f);
      if (vr_resctrl_feature_resource((vr_resctrl_feature)f) == resource &&
          line_len == strlen(event) && memcmp(line, event, line_len) == 0) {
        *mask |= 1u << f;
        known = true;
      }
    }
    if (!known) {
      n_unknown++;
      list_append(unknown, unknown_len, line, line_len);
    }
  }
  return n_unknown;
}

vr_value_text vr_resctrl_parse_value(const char *text, size_t len,
                                     uint64_t *value) {
  static const struct {
    const char *word;
    vr_value_text kind;
  } words[] = {
      {"Unavailable", VR_VALUE_UNAVAILABLE},
      {"Error", VR_VALUE_ERROR},
      {"Unassigned", VR_VALUE_UNASSIGNED},
  };
  len = trimmed_len(text, len);
  /* a number, as nearly every read is, is no word: straight to its digits */
  bool digit = len > 0 && text[0] >= '0' && text[0] <= '9';
  for (size_t i = 0; !digit && i < sizeof(words) / sizeof(words[0]); i++) {
    if (len == strlen(words[i].word) && memcmp(text, words[i].word, len) == 0)
      return words[i].kind;
  }
  uint64_t v;
  if (parse_decimal(text, len, &v) < 0)
    return VR_VALUE_MALFORMED;
  *value = v;
  return VR_VALUE_OK;
}

vr_value_text vr_resctrl_parse_fixed(const char *text, size_t len,
                                     uint64_t *micro) {
  uint64_t whole, frac = 0, scale = 1000000;
  bool round_up = false;
  len = trimmed_len(text, len);
  const char *dot = memchr(text, '.', len);
  const char *end = text + len;
  /* The integer part, or one of the words vr_resctrl_parse_value knows
   * (a word with a fraction is no value). */
  vr_value_text kind =
      vr_resctrl_parse_value(text, dot ? (size_t)(dot - text) : len, &whole);
  if (kind != VR_VALUE_OK)
    return dot ? VR_VALUE_MALFORMED : kind;
  if (whole > UINT64_MAX / 1000000 || (dot && dot + 1 == end))
    return VR_VALUE_MALFORMED;
  for (const char *f = dot ? dot + 1 : end; f < end; f++) {
    if (*f < '0' || *f > '9')
      return VR_VALUE_MALFORMED;
    if (scale > 1) {
      scale /= 10;
      frac += (uint64_t)(*f - '0') * scale;
    } else if (f == dot + 7) {
      round_up = *f >= '5'; /* the seventh place rounds the sixth */
    }
  }
  /* whole <= UINT64_MAX / 10^6: no overflow below, and room for the one */
  *micro = whole * 1000000 + frac + round_up;
  return VR_VALUE_OK;
}

int vr_resctrl_parse_uint(const char *text, size_t len, unsigned *out) {
  uint64_t v;
  len = trimmed_len(text, len);
  if (parse_decimal(text, len, &v) < 0 || v > UINT32_MAX)
    return -EINVAL;
  *out = (unsigned)v;
  return 0;
}

int vr_resctrl_parse_tasks_more(const char *text, size_t len, size_t max,
                                pid_t **tids, size_t *n, size_t *cap) {
  size_t pos = 0, line_len;
  const char *line;
  while ((line = next_line(text, len, &pos, &line_len))) {
    if (line_len == 0)
      continue;
    uint64_t v;
    if (parse_decimal(line, line_len, &v) < 0 || v == 0 || v > INT32_MAX)
      return -EINVAL;
    if (*n >= max)
      return -E2BIG;
    if (*n == *cap) {
      size_t ncap = *cap ? *cap * 2 : 16;
      pid_t *grown = realloc(*tids, ncap * sizeof(**tids));
      if (!grown)
        return -ENOMEM;
      *tids = grown;
      *cap = ncap;
    }
    (*tids)[(*n)++] = (pid_t)v;
  }
  return 0;
}

int vr_resctrl_parse_tasks(const char *text, size_t len, pid_t **tids,
                           size_t *n_tids) {
  pid_t *out = NULL;
  size_t n = 0, cap = 0;
  int rc = vr_resctrl_parse_tasks_more(text, len, SIZE_MAX, &out, &n, &cap);
  if (rc < 0) {
    free(out);
    out = NULL;
    n = 0;
  }
  *tids = out;
  *n_tids = n;
  return rc;
}
