/*
 * escape: makes any bytes safe inside an HTML page or a JSON string.
 * Invalid UTF-8 becomes U+FFFD, so the output is always valid UTF-8.
 * Pure C, for unit tests and fuzzing.
 */
#ifndef AUTHZ_POLICY_ESCAPE_H
#define AUTHZ_POLICY_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/* Worst-case output sizes (NUL included) for len input bytes. */
#define ESCAPE_HTML_MAX(len) ((len) * 8 + 1)
#define ESCAPE_JSON_MAX(len) ((len) * 6 + 1)

/* Write the escaped text and a NUL to dst; return its length. */
size_t escape_html(char *dst, const char *src, size_t len);
/* The inside of a JSON string, without the quotes. */
size_t escape_json(char *dst, const char *src, size_t len);

/* The length (1-4) of the valid UTF-8 sequence at s, its code point in
 * *cp; 0 when invalid (overlong forms and surrogates included). */
size_t escape_utf8_char(const unsigned char *s, size_t avail, uint32_t *cp);

#endif
