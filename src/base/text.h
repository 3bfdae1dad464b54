/* SPDX-License-Identifier: MIT */
/**
 * Small pure text helpers every module shares: the one decimal parser, the
 * one bounded field copy, the one character-class check. No I/O.
 */
#ifndef VR_TEXT_H
#define VR_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Parses the decimal digits at s, at most len characters of it (SIZE_MAX
 * for a NUL-terminated string; a pread buffer has no terminator), into
 * *out: at least one digit, no sign, no blank, base 10 so that "08" is
 * eight. *end receives the first character after the digits. -EINVAL when
 * s does not start with a digit (*end = s); -ERANGE when the number exceeds
 * max: every digit is still consumed, so a caller can go on parsing, and
 * nothing can overflow.
 */
int vr_parse_decimal(const char *s, size_t len, const char **end, uint64_t max,
                     uint64_t *out);

/**
 * Copies src into a field of len bytes. -ENOSPC when it does not fit (dst
 * is then ""): collectd cuts its fields silently, and two cut names could
 * collide.
 */
int vr_copy_field(char *dst, size_t len, const char *src);

/**
 * True when s is 1 to max_len characters, each an ASCII letter, a digit or
 * one of extra ("" for none).
 */
bool vr_chars_valid(const char *s, size_t max_len, const char *extra);

/**
 * Copies at most max_chars characters of src into dst (dst_len bytes, at
 * least 4) for a log line or a notification: control characters and every
 * non-ASCII byte become '?' (so CR, LF and Unicode's bidi controls such as
 * U+202E cannot forge or reorder a line), and text cut short ends in "...".
 */
void vr_copy_printable(char *dst, size_t dst_len, const char *src,
                       size_t max_chars);

/**
 * vsnprintf into buf (len at least 4); text that does not fit ends in
 * "...", so a reason cut short still shows what it names first and that it
 * was cut.
 */
void vr_vformat_cut(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif /* VR_TEXT_H */
