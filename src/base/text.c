/* SPDX-License-Identifier: MIT */
/**
 * Small text helpers; see text.h.
 */
#include "base/text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int vr_parse_decimal(const char *s, size_t len, const char **end, uint64_t max,
                     uint64_t *out) {
  const char *p = s;
  uint64_t v = 0;
  size_t digits = 0;
  bool over = false;
  if (len == 0 || *p < '0' || *p > '9') {
    *end = s;
    return -EINVAL;
  }
  /* The read path parses every value file with this, so the common number
   * costs a multiply and an add per digit: 19 digits stay below
   * 10^19 < 2^64; only a longer run (leading zeros count) asks whether the
   * next digit would overflow. max is compared once at the end. */
  for (; len > 0 && digits < 19 && *p >= '0' && *p <= '9'; p++, len--, digits++)
    v = v * 10 + (unsigned)(*p - '0');
  for (; len > 0 && *p >= '0' && *p <= '9'; p++, len--) {
    unsigned d = (unsigned)(*p - '0');
    over = over || v > UINT64_MAX / 10 ||
           (v == UINT64_MAX / 10 && d > (unsigned)(UINT64_MAX % 10));
    if (!over)
      v = v * 10 + d;
  }
  *end = p;
  if (over || v > max)
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

void vr_vformat_cut(char *buf, size_t len, const char *fmt, va_list ap) {
  int n = vsnprintf(buf, len, fmt, ap);
  if (n >= (int)len)
    memcpy(buf + len - 4, "...", 4);
}

void vr_copy_printable(char *dst, size_t dst_len, const char *src,
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
