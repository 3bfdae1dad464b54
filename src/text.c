/**
 * Small text helpers; see text.h.
 */
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int vr_parse_decimal(const char *s, size_t len, const char **end, uint64_t max,
                     uint64_t *out) {
  const char *p = s;
  uint64_t v = 0;
  bool over = false;
  if (len == 0 || *p < '0' || *p > '9') {
    *end = s;
    return -EINVAL;
  }
  for (; len > 0 && *p >= '0' && *p <= '9'; p++, len--) {
    unsigned d = (unsigned)(*p - '0');
    /* v * 10 + d > max, asked without overflowing */
    if (over || d > max || v > (max - d) / 10)
      over = true;
    else
      v = v * 10 + d;
  }
  *end = p;
  if (over)
    return -ERANGE;
  *out = v;
  return 0;
}

int vr_copy_field(char *dst, size_t len, const char *src) {
  int n = snprintf(dst, len, "%s", src);
  if (n < 0 || (size_t)n >= len) {
    if (len > 0)
      dst[0] = '\0';
    return -ENOSPC;
  }
  return 0;
}

bool vr_chars_valid(const char *s, size_t max_len, const char *extra) {
  size_t len = strlen(s);
  if (len == 0 || len > max_len)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c));
    if (!ok)
      return false;
  }
  return true;
}
