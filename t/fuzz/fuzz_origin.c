/* libFuzzer target: origins (the Origin header, Require same-origin's
 * arguments) and the decision of Require same-origin.
 *
 * The reference is a naive parser written apart from origin.c: it copies
 * the bytes into a C string, lowercases all of it, cuts at "://", "[...]"
 * and the last part with string functions, and describes an origin as a
 * tuple (scheme, host name or the 16 bytes of an IPv6 address, effective
 * port).  The input is two origins and a method, Sec-Fetch-Site and own
 * origin, separated by newlines; the target checks that origin_parse
 * accepts exactly what the reference accepts, that two origins have the
 * same canonical form exactly when their tuples are equal, that a
 * canonical form parses to itself, and that origin_decide agrees with the
 * rule written out plainly here. */
#include "origin.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int kind;                        /* origin_kind */
    char scheme[64];
    int ipv6;
    char name[512];
    unsigned char addr[16];
    long port;                       /* effective; -1: none */
} ref_origin;

static ref_origin ref_parse(const char *data, size_t size)
{
    ref_origin o;
    memset(&o, 0, sizeof o);
    if (size > 1000 || memchr(data, '\0', size))
        return o;
    char buf[1001];
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (char *c = buf; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c += 'a' - 'A';
    if (!strcmp(buf, "null")) {
        o.kind = ORIGIN_NULL;
        return o;
    }
    char *sep = strstr(buf, "://");
    if (!sep || sep == buf || sep - buf > 32)
        return o;
    *sep = '\0';
    if (buf[0] < 'a' || buf[0] > 'z'
        || strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789+-.") != strlen(buf))
        return o;
    strcpy(o.scheme, buf);
    char *host = sep + 3, *rest;
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (!close)
            return o;
        *close = '\0';
        if (inet_pton(AF_INET6, host + 1, o.addr) != 1)
            return o;
        o.ipv6 = 1;
        rest = close + 1;
    }
    else {
        rest = strchr(host, ':');
        if (!rest)
            rest = host + strlen(host);
        size_t n = (size_t)(rest - host);
        if (n == 0 || n > 255
            || strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789-._~") < n)
            return o;
        memcpy(o.name, host, n);
    }
    long dflt = !strcmp(o.scheme, "http") || !strcmp(o.scheme, "ws") ? 80
                : !strcmp(o.scheme, "https") || !strcmp(o.scheme, "wss") ? 443
                : !strcmp(o.scheme, "ftp") ? 21 : -1;
    o.port = dflt;
    if (*rest) {
        if (*rest != ':' || strspn(rest + 1, "0123456789") != strlen(rest + 1))
            return o;
        const char *digits = rest + 1;
        if (*digits) {
            while (digits[0] == '0' && digits[1])
                digits++;
            if (strlen(digits) > 5 || atol(digits) > 65535)
                return o;
            o.port = atol(digits);
        }
    }
    o.kind = ORIGIN_VALID;
    return o;
}

static int ref_equal(const ref_origin *a, const ref_origin *b)
{
    return a->kind == ORIGIN_VALID && b->kind == ORIGIN_VALID
           && !strcmp(a->scheme, b->scheme) && a->ipv6 == b->ipv6
           && (a->ipv6 ? !memcmp(a->addr, b->addr, 16)
                       : !strcmp(a->name, b->name))
           && a->port == b->port;
}

/* Parses one field both ways and checks them against each other. */
static origin_kind check_one(const char *s, size_t n, char canon[ORIGIN_MAX],
                             ref_origin *ref)
{
    *ref = ref_parse(s, n);
    origin_kind k = origin_parse(s, n, canon);
    if ((int)k != ref->kind)
        abort();
    if (k == ORIGIN_VALID) {
        char again[ORIGIN_MAX];
        if (origin_parse(canon, strlen(canon), again) != ORIGIN_VALID
            || strcmp(canon, again))
            abort();
        for (const char *c = canon; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                abort();
    }
    return k;
}

/* The rule of SPEC section 10, written out plainly. */
static int ref_grants(const char *method, const char *site,
                      const ref_origin *origin, int has_origin,
                      const ref_origin *own, const ref_origin *listed)
{
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD")
        || !strcmp(method, "OPTIONS"))
        return 1;
    if (site)
        return !strcmp(site, "same-origin") || !strcmp(site, "none");
    if (!has_origin)
        return 1;
    return ref_equal(origin, own) || ref_equal(origin, listed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fields: origin a, origin b, method, Sec-Fetch-Site ("-": absent) */
    const char *field[4];
    size_t len[4];
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 4; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        field[i] = p;
        len[i] = nl ? (size_t)(nl - p) : (size_t)(end - p);
        p = nl ? nl + 1 : end;
    }
    char ca[ORIGIN_MAX], cb[ORIGIN_MAX];
    ref_origin ra, rb;
    origin_kind ka = check_one(field[0], len[0], ca, &ra);
    origin_kind kb = check_one(field[1], len[1], cb, &rb);
    if (ka == ORIGIN_VALID && kb == ORIGIN_VALID
        && (strcmp(ca, cb) == 0) != ref_equal(&ra, &rb))
        abort();

    /* the decision: Origin a (the header, absent when empty), own origin
     * b, listed the same as b when b is valid */
    if (memchr(field[0], '\0', len[0]) || memchr(field[2], '\0', len[2])
        || memchr(field[3], '\0', len[3]) || len[2] > 64 || len[3] > 64)
        return 0;
    char header[1001], method[65], site[65];
    if (len[0] > 1000)
        return 0;
    memcpy(header, field[0], len[0]);
    header[len[0]] = '\0';
    memcpy(method, field[2], len[2]);
    method[len[2]] = '\0';
    memcpy(site, field[3], len[3]);
    site[len[3]] = '\0';
    int site_absent = !strcmp(site, "-");
    const char *own = kb == ORIGIN_VALID ? cb : NULL;
    const char *listed[1] = { own };
    ref_origin none;
    memset(&none, 0, sizeof none);
    for (int with_list = 0; with_list < 2; with_list++) {
        origin_verdict v = origin_decide(method, site_absent ? NULL : site,
                                         len[0] ? header : NULL,
                                         with_list ? NULL : own,
                                         listed, with_list && own ? 1 : 0);
        int want = ref_grants(method, site_absent ? NULL : site, &ra,
                              len[0] > 0, with_list ? &none : &rb,
                              with_list ? &rb : &none);
        if (ORIGIN_VERDICT_GRANTS(v) != want)
            abort();
    }
    return 0;
}
