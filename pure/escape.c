/*
 * escape: HTML and JSON escaping that holds for hostile bytes.
 */
#include "escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_valid(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    else if ((c & 0xe0) == 0xc0) {
        n = 2; v = c & 0x1f; min = 0x80;
    }
    else if ((c & 0xf0) == 0xe0) {
        n = 3; v = c & 0x0f; min = 0x800;
    }
    else if ((c & 0xf8) == 0xf0) {
        n = 4; v = c & 0x07; min = 0x10000;
    }
    else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

size_t escape_utf8_char(const unsigned char *s, size_t avail, uint32_t *cp)
{
    return utf8_valid(s, avail, cp);
}

size_t escape_html(char *dst, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    char *d = dst;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_valid(s + i, len - i, &cp);
        const char *rep = NULL;
        if (n == 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f) {
            rep = "&#xFFFD;";
            n = n ? n : 1;
        }
        else if (cp == '&') rep = "&amp;";
        else if (cp == '<') rep = "&lt;";
        else if (cp == '>') rep = "&gt;";
        else if (cp == '"') rep = "&quot;";
        else if (cp == '\'') rep = "&#39;";
        if (rep) {
            size_t rl = strlen(rep);
            memcpy(d, rep, rl);
            d += rl;
        }
        else {
            memcpy(d, s + i, n);
            d += n;
        }
        i += n;
    }
    *d = '\0';
    return (size_t)(d - dst);
}

size_t escape_json(char *dst, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    char *d = dst;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_valid(s + i, len - i, &cp);
        if (n == 0) {
            memcpy(d, "\\ufffd", 6);
            d += 6;
            i += 1;
            continue;
        }
        if (cp == '"' || cp == '\\') {
            *d++ = '\\';
            *d++ = (char)cp;
        }
        else if (cp == '\n') {
            memcpy(d, "\\n", 2);
            d += 2;
        }
        else if (cp == '\t') {
            memcpy(d, "\\t", 2);
            d += 2;
        }
        /* controls, and what could end a <script> or an HTML sniff */
        else if (cp < 0x20 || cp == 0x7f || cp == '<' || cp == '>'
                 || cp == '&') {
            snprintf(d, 7, "\\u%04x", (unsigned)cp);
            d += 6;
        }
        else if (cp == 0x2028 || cp == 0x2029) {   /* JavaScript newlines */
            snprintf(d, 7, "\\u%04x", (unsigned)cp);
            d += 6;
        }
        else {
            memcpy(d, s + i, n);
            d += n;
        }
        i += n;
    }
    *d = '\0';
    return (size_t)(d - dst);
}
