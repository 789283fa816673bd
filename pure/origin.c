/*
 * origin: parsing and comparing web origins; Require same-origin's rule.
 */
#include "origin.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* The schemes whose default port is left out (the URL standard's special
 * schemes that have one); -1 for the others. */
static long default_port(const char *scheme)
{
    if (!strcmp(scheme, "http") || !strcmp(scheme, "ws"))
        return 80;
    if (!strcmp(scheme, "https") || !strcmp(scheme, "wss"))
        return 443;
    if (!strcmp(scheme, "ftp"))
        return 21;
    return -1;
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

/* A host that is a name or an IPv4 address: RFC 3986's unreserved
 * characters only (browsers send names in ASCII, IDNs as punycode). */
static size_t name_host(const char *s, size_t len, char *out)
{
    if (len == 0 || len > ORIGIN_HOST_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_'
            && c != '~')
            return 0;
        out[i] = lower(c);
    }
    out[len] = '\0';
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
        if (!is_digit(s[i]))
            return -2;
        port = port * 10 + (s[i] - '0');
        if (port > 65535)
            return -2;
    }
    return port;
}

/* The scheme at the start of s (len bytes), lower-cased into scheme:
 * ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).  Its length; 0 if none. */
static size_t parse_scheme(const char *s, size_t len,
                           char scheme[ORIGIN_SCHEME_MAX + 1])
{
    size_t i = 0;
    if (len == 0 || !is_alpha(s[0]))
        return 0;
    while (i < len && i <= ORIGIN_SCHEME_MAX
           && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-'
               || s[i] == '.')) {
        scheme[i] = lower(s[i]);
        i++;
    }
    if (i > ORIGIN_SCHEME_MAX)
        return 0;
    scheme[i] = '\0';
    return i;
}

/* The canonical form of the host host[0..len): a bracketed IPv6 literal
 * or a name.  Its length; 0 if it is neither. */
static size_t canonical_host(const char *host, size_t len, char *out)
{
    if (len == 0)
        return 0;
    return host[0] == '[' ? ipv6_literal(host, len, out)
                          : name_host(host, len, out);
}

/* Writes scheme "://" host [ ":" port ] to out, the port left out when
 * there is none (-1) or it is the scheme's default.  Without snprintf:
 * this runs for every request that Require same-origin compares. */
static void serialise(char out[ORIGIN_MAX], const char *scheme,
                      size_t scheme_len, const char *host, size_t host_len,
                      long port)
{
    size_t n = 0;
    memcpy(out, scheme, scheme_len);
    n += scheme_len;
    memcpy(out + n, "://", 3);
    n += 3;
    memcpy(out + n, host, host_len);
    n += host_len;
    if (port >= 0 && port != default_port(scheme)) {
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
    char scheme[ORIGIN_SCHEME_MAX + 1];
    size_t i = parse_scheme(s, len, scheme);
    if (i == 0 || len - i < 3 || memcmp(s + i, "://", 3))
        return ORIGIN_INVALID;

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
    char canon_host[ORIGIN_HOST_MAX + 1];
    size_t canon_len = canonical_host(host, host_len, canon_host);
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
    serialise(out, scheme, i, canon_host, canon_len, port);
    return ORIGIN_VALID;
}

origin_kind origin_make(const char *scheme, const char *host, long port,
                        char out[ORIGIN_MAX])
{
    char canon_scheme[ORIGIN_SCHEME_MAX + 1], canon_host[ORIGIN_HOST_MAX + 1];
    size_t scheme_len = strlen(scheme);
    if (parse_scheme(scheme, scheme_len, canon_scheme) != scheme_len
        || scheme_len == 0 || port < 0 || port > 65535)
        return ORIGIN_INVALID;
    size_t host_len = canonical_host(host, strlen(host), canon_host);
    if (host_len == 0)
        return ORIGIN_INVALID;
    serialise(out, canon_scheme, scheme_len, canon_host, host_len, port);
    return ORIGIN_VALID;
}

int origin_safe_method(const char *method)
{
    return !strcmp(method, "GET") || !strcmp(method, "HEAD")
           || !strcmp(method, "OPTIONS");
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
    if (origin_parse(origin_header, strlen(origin_header), canon)
        != ORIGIN_VALID)
        return ORIGIN_DENY_ORIGIN;
    if (own && !strcmp(canon, own))
        return ORIGIN_GRANT_OWN;
    for (unsigned i = 0; i < nlisted; i++)
        if (!strcmp(canon, listed[i]))
            return ORIGIN_GRANT_LISTED;
    return ORIGIN_DENY_ORIGIN;
}
