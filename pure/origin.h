/*
 * origin: web origins (RFC 6454) and the decision of Require same-origin.
 * Pure C, for unit tests and fuzzing.
 *
 * An origin is serialised as scheme "://" host [ ":" port ] (RFC 6454
 * section 6.2): what browsers send in the Origin header and what an
 * administrator lists after Require same-origin.  Two origins are the same
 * when their canonical forms are equal: scheme and host in lower case, an
 * IPv6 literal written as the URL standard writes it ("[::1]"), the port
 * without leading zeros and left out when it is the scheme's default.
 * Anything outside the grammar (a path, a user, a list of origins, spaces,
 * bytes outside ASCII) is no origin and matches nothing; so is "null",
 * which browsers send for opaque origins.
 */
#ifndef AUTHZ_POLICY_ORIGIN_H
#define AUTHZ_POLICY_ORIGIN_H

#include <stddef.h>

#define ORIGIN_SCHEME_MAX 32         /* longest scheme accepted */
#define ORIGIN_HOST_MAX 255          /* longest host accepted (DNS's) */
/* a canonical origin and its NUL: scheme "://" host ":" port */
#define ORIGIN_MAX (ORIGIN_SCHEME_MAX + 3 + ORIGIN_HOST_MAX + 6 + 1)

typedef enum {
    ORIGIN_INVALID = 0,              /* outside the grammar */
    ORIGIN_NULL,                     /* "null": an opaque origin */
    ORIGIN_VALID                     /* out holds the canonical form */
} origin_kind;

/* Parses one serialised origin of len bytes; for ORIGIN_VALID writes its
 * canonical form, NUL-terminated, to out. */
origin_kind origin_parse(const char *s, size_t len, char out[ORIGIN_MAX]);

/* The canonical origin of a scheme, a host (a name, or an IPv6 literal in
 * brackets) and a port, as a server knows its own; the port is left out
 * when it is the scheme's default. */
origin_kind origin_make(const char *scheme, const char *host, long port,
                        char out[ORIGIN_MAX]);

/* Whether a request method changes nothing by definition (GET, HEAD,
 * OPTIONS, exactly so written: methods are case-sensitive).  Byte by
 * byte after a switch on the first, and inline: asked on every request
 * Require same-origin sees (make bench-instructions). */
static inline int origin_safe_method(const char *method)
{
    const char *m = method;
    switch (*m++) {
    case 'G':
        return *m++ == 'E' && *m++ == 'T' && !*m;
    case 'H':
        return *m++ == 'E' && *m++ == 'A' && *m++ == 'D' && !*m;
    case 'O':
        return *m++ == 'P' && *m++ == 'T' && *m++ == 'I' && *m++ == 'O'
               && *m++ == 'N' && *m++ == 'S' && !*m;
    default:
        return 0;
    }
}

/* Why Require same-origin grants or denies a request. */
typedef enum {
    ORIGIN_GRANT_SAFE_METHOD = 0,    /* GET, HEAD or OPTIONS */
    ORIGIN_GRANT_FETCH_SITE,         /* Sec-Fetch-Site same-origin or none */
    ORIGIN_GRANT_OWN,                /* Origin is the request's own */
    ORIGIN_GRANT_LISTED,             /* Origin is a listed one */
    ORIGIN_GRANT_NO_HEADERS,         /* neither header: not a browser */
    ORIGIN_DENY_FETCH_SITE,          /* Sec-Fetch-Site says another site */
    ORIGIN_DENY_ORIGIN               /* Origin is neither own nor listed */
} origin_verdict;

#define ORIGIN_VERDICT_GRANTS(v) ((v) < ORIGIN_DENY_FETCH_SITE)

/* A short description of a verdict, for trace logging. */
const char *origin_verdict_text(origin_verdict v);

/* The decision of Require same-origin for a request: method, the values of
 * Sec-Fetch-Site and Origin (NULL when absent), the request's own origin
 * in canonical form (NULL when it has none) and the listed origins, in
 * canonical form. */
origin_verdict origin_decide(const char *method, const char *fetch_site,
                             const char *origin_header, const char *own,
                             const char *const *listed, unsigned nlisted);

/* The last step of origin_decide, for a caller that has the Origin
 * header's canonical form already (NULL: it is no origin). */
origin_verdict origin_compare(const char *origin, const char *own,
                              const char *const *listed, unsigned nlisted);

#endif
