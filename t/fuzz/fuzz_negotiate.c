/* libFuzzer target: Accept-header negotiation of the error body's format.
 *
 * Oracle: a naive reading of the rule in negotiate.h, written apart from
 * negotiate.c: split the header on ',', each element on ';'; an element
 * is a media range "type/subtype" (spaces and tabs around it ignored);
 * its weight is its q parameter (RFC 9110: "0" ["." up to 3 digits] or
 * "1" ["." up to 3 zeros]; the last q parameter counts) and an element
 * whose weight is malformed is ignored, as is "* /subtype".  Each format
 * takes the weight of the most specific range that matches it (first one
 * on a tie of specificity); the highest weight above 0 wins, ties going to
 * html, then json, then problem+json. */
#include "negotiate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const types[3] = { "text/html", "application/json",
                                      "application/problem+json" };

/* s[0..len) without leading and trailing spaces and tabs. */
static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* thousandths, or -1 */
static int weight(const char *v, size_t len)
{
    char text[8];
    if (len == 0 || len > 5)
        return -1;
    memcpy(text, v, len);
    text[len] = '\0';
    if (text[0] == '1') {
        if (len == 1)
            return 1000;
        if (text[1] != '.' || strspn(text + 2, "0") != len - 2)
            return -1;
        return 1000;
    }
    if (text[0] != '0')
        return -1;
    if (len == 1)
        return 0;
    if (text[1] != '.' || strspn(text + 2, "0123456789") != len - 2)
        return -1;
    int q = 0, scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10)
        q += (text[i] - '0') * scale;
    return q;
}

/* 0 */ /* /, 1 type/ *, 2 type/subtype; -1 when range does not cover t. */
static int specificity(const char *range, size_t len, const char *t)
{
    const char *slash = memchr(range, '/', len);
    if (!slash || slash == range || slash == range + len - 1)
        return -1;
    size_t tl = (size_t)(slash - range), sl = len - tl - 1;
    const char *sub = slash + 1;
    const char *tslash = strchr(t, '/');
    size_t ttl = (size_t)(tslash - t);
    int star_type = tl == 1 && range[0] == '*';
    int star_sub = sl == 1 && sub[0] == '*';
    if (star_type)
        return star_sub ? 0 : -1;
    if (tl != ttl || strncasecmp(range, t, tl))
        return -1;
    if (star_sub)
        return 1;
    if (sl == strlen(tslash + 1) && !strncasecmp(sub, tslash + 1, sl))
        return 2;
    return -1;
}

static negotiated_format naive(const char *accept)
{
    int q[3] = { -1, -1, -1 }, spec[3] = { -1, -1, -1 };
    const char *p = accept;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t elen = comma ? (size_t)(comma - p) : strlen(p);
        /* the media range, up to the first ';' */
        const char *semi = memchr(p, ';', elen);
        const char *range = p;
        size_t rlen = semi ? (size_t)(semi - p) : elen;
        trim(&range, &rlen);
        int w = 1000;
        for (const char *prm = semi; prm; ) {
            const char *start = prm + 1;
            const char *next = memchr(start, ';', (size_t)(p + elen - start));
            const char *pv = start;
            size_t plen = (size_t)((next ? next : p + elen) - start);
            trim(&pv, &plen);
            if (plen >= 2 && (pv[0] == 'q' || pv[0] == 'Q') && pv[1] == '=')
                w = weight(pv + 2, plen - 2);
            prm = next;
        }
        if (w >= 0)
            for (int c = 0; c < 3; c++) {
                int s = specificity(range, rlen, types[c]);
                if (s > spec[c]) {
                    spec[c] = s;
                    q[c] = w;
                }
            }
        if (!comma)
            break;
        p = comma + 1;
    }
    int best = 0;
    for (int c = 1; c < 3; c++)
        if (q[c] > q[best])
            best = c;
    return q[best] > 0 ? (negotiated_format)best : NEGOTIATED_HTML;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *accept = malloc(size + 1);
    memcpy(accept, data, size);
    accept[size] = '\0';
    negotiated_format f = negotiate_error_format(accept);
    if (f != naive(accept))
        abort();
    free(accept);
    return 0;
}
