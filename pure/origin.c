/*
 * origin: parsing and comparing web origins; Require same-origin's rule.
 *
 * Origins are written straight into the caller's buffer, byte by byte
 * with bitmaps of the allowed characters: Require same-origin makes one
 * from the request and parses the Origin header on every request it
 * compares, and that should cost little next to the request itself.
 */
#include "origin.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Whether c is in the set of 128 ASCII bits. */
static int in_set(const uint64_t set[2], unsigned char c)
{
    return c < 128 && (set[c >> 6] >> (c & 63) & 1);
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static const uint64_t scheme_chars[2] = { 0x03FF680000000000ull,
                                          0x07FFFFFE07FFFFFEull };
/* RFC 3986 unreserved: ALPHA DIGIT "-" "." "_" "~" (browsers send names
 * in ASCII, IDNs as punycode) */
static const uint64_t host_chars[2] = { 0x03FF600000000000ull,
                                        0x47FFFFFE87FFFFFEull };

static char lower(char c)
{
    return (unsigned char)(c - 'A') < 26 ? (char)(c | 0x20) : c;
}

/* The default port of a (lower-case) scheme of len bytes, for the URL
 * standard's special schemes that have one; -1 for the others. */
static long default_port(const char *scheme, size_t len)
{
    switch (len) {
    case 2:
        return memcmp(scheme, "ws", 2) ? -1 : 80;
    case 3:
        return !memcmp(scheme, "wss", 3) ? 443
               : !memcmp(scheme, "ftp", 3) ? 21 : -1;
    case 4:
        return memcmp(scheme, "http", 4) ? -1 : 80;
    case 5:
        return memcmp(scheme, "https", 5) ? -1 : 443;
    default:
        return -1;
    }
}

/* The bracketed IPv6 literal s[0..len) (brackets included), written as
 * the URL standard serialises it: lower-case hex pieces without leading
 * zeros, the first longest run of two or more zero pieces as "::".
 * Returns its length, or 0 if it is no IPv6 address. */
static size_t ipv6_literal(const char *s, size_t len, char *out)
{
    char text[INET6_ADDRSTRLEN];
    unsigned char a[16];
    if (len < 4 || len - 2 >= sizeof text || s[len - 1] != ']'
        || memchr(s, '\0', len))
        return 0;
    memcpy(text, s + 1, len - 2);
    text[len - 2] = '\0';
    if (inet_pton(AF_INET6, text, a) != 1)
        return 0;
    unsigned piece[8];
    for (int i = 0; i < 8; i++)
        piece[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && piece[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t n = 0;
    out[n++] = '[';
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            out[n++] = ':';
            if (i == 0)
                out[n++] = ':';
            i += best_len - 1;
            continue;
        }
        n += (size_t)sprintf(out + n, "%x", piece[i]);
        if (i < 7)
            out[n++] = ':';
    }
    out[n++] = ']';
    out[n] = '\0';
    return n;
}

/* A host that is a name or an IPv4 address, lower-cased into out. */
static size_t name_host(const char *s, size_t len, char *out)
{
    if (len == 0 || len > ORIGIN_HOST_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!in_set(host_chars, (unsigned char)s[i]))
            return 0;
        out[i] = lower(s[i]);
    }
    return len;
}

/* The port after the host's colon: digits, at most 65535.  Empty means
 * the scheme's default (RFC 3986's port is *DIGIT): -1; none: -2. */
static long parse_port(const char *s, size_t len)
{
    if (len == 0)
        return -1;
    long port = 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)(s[i] - '0') > 9)
            return -2;
        port = port * 10 + (s[i] - '0');
        if (port > 65535)
            return -2;
    }
    return port;
}

/* The scheme at the start of s (len bytes), lower-cased into out; its
 * length, 0 if there is none. */
static size_t put_scheme(const char *s, size_t len, char *out)
{
    size_t i = 0;
    if (len == 0 || (unsigned char)((s[0] | 0x20) - 'a') >= 26)
        return 0;
    while (i < len && in_set(scheme_chars, (unsigned char)s[i])) {
        if (i == ORIGIN_SCHEME_MAX)
            return 0;
        out[i] = lower(s[i]);
        i++;
    }
    return i;
}

/* The canonical host of host[0..len) written to out: a bracketed IPv6
 * literal or a name.  Its length; 0 if it is neither. */
static size_t put_host(const char *host, size_t len, char *out)
{
    if (len == 0)
        return 0;
    return host[0] == '[' ? ipv6_literal(host, len, out)
                          : name_host(host, len, out);
}

/* Ends the origin whose scheme (scheme_len bytes) and host fill out[0..n)
 * with ":port", unless there is none (-1) or it is the scheme's default,
 * and a NUL. */
static void put_port(char *out, size_t n, size_t scheme_len, long port)
{
    if (port >= 0 && port != default_port(out, scheme_len)) {
        char digits[6];
        int d = 0;
        do {
            digits[d++] = (char)('0' + port % 10);
            port /= 10;
        } while (port);
        out[n++] = ':';
        while (d)
            out[n++] = digits[--d];
    }
    out[n] = '\0';
}

origin_kind origin_parse(const char *s, size_t len, char out[ORIGIN_MAX])
{
    if (len == 4 && !strncasecmp(s, "null", 4))
        return ORIGIN_NULL;
    size_t i = put_scheme(s, len, out);
    if (i == 0 || len - i < 3 || memcmp(s + i, "://", 3))
        return ORIGIN_INVALID;
    memcpy(out + i, "://", 3);

    const char *host = s + i + 3;
    size_t rest = len - i - 3, host_len;
    if (rest > 0 && host[0] == '[') {
        const char *close = memchr(host, ']', rest);
        host_len = close ? (size_t)(close - host) + 1 : 0;
    }
    else {
        const char *colon = memchr(host, ':', rest);
        host_len = colon ? (size_t)(colon - host) : rest;
    }
    size_t canon_len = put_host(host, host_len, out + i + 3);
    if (canon_len == 0)
        return ORIGIN_INVALID;

    long port = -1;
    if (host_len < rest) {
        if (host[host_len] != ':')
            return ORIGIN_INVALID;
        port = parse_port(host + host_len + 1, rest - host_len - 1);
        if (port < -1)
            return ORIGIN_INVALID;
    }
    put_port(out, i + 3 + canon_len, i, port);
    return ORIGIN_VALID;
}

origin_kind origin_make(const char *scheme, const char *host, long port,
                        char out[ORIGIN_MAX])
{
    size_t scheme_len = strlen(scheme);
    if (put_scheme(scheme, scheme_len, out) != scheme_len || scheme_len == 0
        || port < 0 || port > 65535)
        return ORIGIN_INVALID;
    memcpy(out + scheme_len, "://", 3);
    size_t host_len = put_host(host, strlen(host), out + scheme_len + 3);
    if (host_len == 0)
        return ORIGIN_INVALID;
    put_port(out, scheme_len + 3 + host_len, scheme_len, port);
    return ORIGIN_VALID;
}

const char *origin_verdict_text(origin_verdict v)
{
    static const char *const text[] = {
        [ORIGIN_GRANT_SAFE_METHOD] = "granted: a safe method",
        [ORIGIN_GRANT_FETCH_SITE] = "granted: Sec-Fetch-Site same-origin "
                                    "or none",
        [ORIGIN_GRANT_OWN] = "granted: Origin is the request's own",
        [ORIGIN_GRANT_LISTED] = "granted: Origin is a listed origin",
        [ORIGIN_GRANT_NO_HEADERS] = "granted: neither Sec-Fetch-Site nor "
                                    "Origin (not a browser)",
        [ORIGIN_DENY_FETCH_SITE] = "denied: Sec-Fetch-Site names another "
                                   "site",
        [ORIGIN_DENY_ORIGIN] = "denied: Origin is neither the request's "
                               "own nor listed",
    };
    return (unsigned)v < sizeof text / sizeof *text ? text[v] : "?";
}

origin_verdict origin_decide(const char *method, const char *fetch_site,
                             const char *origin_header, const char *own,
                             const char *const *listed, unsigned nlisted)
{
    if (origin_safe_method(method))
        return ORIGIN_GRANT_SAFE_METHOD;
    /* Sec-Fetch-Site values are tokens: exact, case-sensitive */
    if (fetch_site)
        return !strcmp(fetch_site, "same-origin") || !strcmp(fetch_site, "none")
               ? ORIGIN_GRANT_FETCH_SITE : ORIGIN_DENY_FETCH_SITE;
    if (!origin_header)
        return ORIGIN_GRANT_NO_HEADERS;
    char canon[ORIGIN_MAX];
    int valid = origin_parse(origin_header, strlen(origin_header), canon)
                == ORIGIN_VALID;
    return origin_compare(valid ? canon : NULL, own, listed, nlisted);
}

origin_verdict origin_compare(const char *origin, const char *own,
                              const char *const *listed, unsigned nlisted)
{
    if (!origin)
        return ORIGIN_DENY_ORIGIN;
    if (own && !strcmp(origin, own))
        return ORIGIN_GRANT_OWN;
    for (unsigned i = 0; i < nlisted; i++)
        if (!strcmp(origin, listed[i]))
            return ORIGIN_GRANT_LISTED;
    return ORIGIN_DENY_ORIGIN;
}
