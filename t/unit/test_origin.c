/* Unit tests of origin.c: parsing and comparing origins, and the decision
 * of Require same-origin. */
#include "origin.h"
#include "unit.h"

#include <string.h>

/* The canonical form of s, or "INVALID" / "NULL". */
static const char *canon(const char *s)
{
    static char out[ORIGIN_MAX];
    switch (origin_parse(s, strlen(s), out)) {
    case ORIGIN_VALID:
        return out;
    case ORIGIN_NULL:
        return "NULL";
    default:
        return "INVALID";
    }
}

#define CANON(in, want) \
    CHECK(!strcmp(canon(in), want), "'%s' is %s (got %s)", in, want, canon(in))

static void parsing(void)
{
    CANON("https://app.example.com", "https://app.example.com");
    CANON("HTTPS://App.Example.COM", "https://app.example.com");
    CANON("https://app.example.com:443", "https://app.example.com");
    CANON("http://app.example.com:80", "http://app.example.com");
    CANON("https://app.example.com:80", "https://app.example.com:80");
    CANON("http://app.example.com:443", "http://app.example.com:443");
    CANON("https://a.example:08443", "https://a.example:8443");
    CANON("https://a.example:00443", "https://a.example");
    CANON("https://a.example:", "https://a.example");
    CANON("http://a.example:0", "http://a.example:0");
    CANON("foo://a.example:0", "foo://a.example:0");
    CANON("wss://a.example:443", "wss://a.example");
    CANON("chrome-extension://abcdef", "chrome-extension://abcdef");
    CANON("http://127.0.0.1:8080", "http://127.0.0.1:8080");
    CANON("http://[::1]", "http://[::1]");
    CANON("http://[0:0:0:0:0:0:0:1]:80", "http://[::1]");
    CANON("http://[2001:DB8:0:0:1:0:0:1]:8443", "http://[2001:db8::1:0:0:1]:8443");
    CANON("http://[::ffff:127.0.0.1]", "http://[::ffff:7f00:1]");
    CANON("http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:2::3]");
    CANON("http://[1::]", "http://[1::]");
    CANON("http://[::]", "http://[::]");
    CANON("null", "NULL");
    CANON("NULL", "NULL");

    CANON("", "INVALID");
    CANON("https://", "INVALID");
    CANON("https:/a.example", "INVALID");
    CANON("a.example", "INVALID");
    CANON("://a.example", "INVALID");
    CANON("1http://a.example", "INVALID");
    CANON("https://a.example/", "INVALID");
    CANON("https://a.example/path", "INVALID");
    CANON("https://user@a.example", "INVALID");
    CANON("https://a.example?x", "INVALID");
    CANON("https://a.example#x", "INVALID");
    CANON("https://a.example https://b.example", "INVALID");
    CANON("https://a.example, https://b.example", "INVALID");
    CANON(" https://a.example", "INVALID");
    CANON("https://a.example ", "INVALID");
    CANON("https://a.example:65536", "INVALID");
    CANON("https://a.example:99999999999999999999", "INVALID");
    CANON("https://a.example:-1", "INVALID");
    CANON("https://a.example:1:2", "INVALID");
    CANON("https://a.exa\xc3\xa9mple", "INVALID");
    CANON("https://a.exa\"mple", "INVALID");
    CANON("https://a.exa%41mple", "INVALID");
    CANON("http://[::1", "INVALID");
    CANON("http://[::1]x", "INVALID");
    CANON("http://[::g]", "INVALID");
    CANON("http://[fe80::1%25eth0]", "INVALID");
    CANON("http://[]", "INVALID");
    CANON("http://::1", "INVALID");
    CANON("nul", "INVALID");
    CANON("nullx", "INVALID");

    char s[400], out[ORIGIN_MAX];
    memset(s, 'a', sizeof s);
    memcpy(s, "http://", 7);
    CHECK(origin_parse(s, 7 + 255, out) == ORIGIN_VALID
          && strlen(out) == 7 + 255, "a 255-byte host is an origin");
    CHECK(origin_parse(s, 7 + 256, out) == ORIGIN_INVALID,
          "a 256-byte host is none");
    memset(s, 'a', 40);
    memcpy(s + 32, "://a", 4);
    CHECK(origin_parse(s, 36, out) == ORIGIN_VALID,
          "a 32-byte scheme is taken");
    memset(s, 'a', 40);
    memcpy(s + 33, "://a", 4);
    CHECK(origin_parse(s, 37, out) == ORIGIN_INVALID,
          "a 33-byte scheme is not");
    CHECK(origin_parse("http://a.example\0x", 18, out) == ORIGIN_INVALID,
          "a NUL byte inside is outside the grammar");
    CHECK(origin_parse("http://[::1\0:2]", 15, out) == ORIGIN_INVALID,
          "... in an IPv6 literal too");
}

static void making(void)
{
    char out[ORIGIN_MAX];
    CHECK(origin_make("HTTP", "Example.COM", 80, out) == ORIGIN_VALID
          && !strcmp(out, "http://example.com"), "make: default port left out");
    CHECK(origin_make("https", "a.example", 8443, out) == ORIGIN_VALID
          && !strcmp(out, "https://a.example:8443"), "make: other port kept");
    CHECK(origin_make("http", "[0::1]", 8080, out) == ORIGIN_VALID
          && !strcmp(out, "http://[::1]:8080"), "make: an IPv6 literal");
    CHECK(origin_make("http", "a.example", 0, out) == ORIGIN_VALID
          && !strcmp(out, "http://a.example:0"), "make: port 0 is a port");
    /* a made origin is canonical: an Origin header of the same bytes is
     * that origin (origin.c compares the header with it as it stands) */
    static const struct { const char *scheme, *host; long port; } own[] = {
        { "HTTP", "Example.COM", 80 }, { "https", "a.example", 443 },
        { "https", "a.example", 8443 }, { "http", "[0::1]", 8080 },
        { "http", "[::ffff:127.0.0.1]", 80 }, { "http", "127.0.0.1", 8470 },
        { "http", "xn--bcher-kva.example", 0 },
    };
    for (size_t i = 0; i < sizeof own / sizeof *own; i++) {
        char again[ORIGIN_MAX];
        CHECK(origin_make(own[i].scheme, own[i].host, own[i].port, out)
                  == ORIGIN_VALID
              && origin_parse(out, strlen(out), again) == ORIGIN_VALID
              && !strcmp(out, again), "make: %s parses to itself", out);
    }
    CHECK(origin_make("http", "a.example", 65536, out) == ORIGIN_INVALID,
          "make: no port above 65535");
    CHECK(origin_make("http", "a.example", -1, out) == ORIGIN_INVALID,
          "make: no negative port");
    CHECK(origin_make("http", "a example", 80, out) == ORIGIN_INVALID,
          "make: a host with a space is none");
    CHECK(origin_make("http", "", 80, out) == ORIGIN_INVALID,
          "make: an empty host is none");
    CHECK(origin_make("http", "[::1", 80, out) == ORIGIN_INVALID
          && origin_make("http", "[::1]x", 80, out) == ORIGIN_INVALID,
          "make: a broken IPv6 literal is none");
    CHECK(origin_make("ht tp", "a.example", 80, out) == ORIGIN_INVALID
          && origin_make("", "a.example", 80, out) == ORIGIN_INVALID,
          "make: a broken scheme is none");
    char a[ORIGIN_MAX], b[ORIGIN_MAX];
    CHECK(origin_make("https", "App.Example.com", 443, a) == ORIGIN_VALID
          && origin_parse("https://app.example.com", 23, b) == ORIGIN_VALID
          && !strcmp(a, b), "make and parse agree");
}

static const char *const listed[] = { "https://app.example.com",
                                      "http://[::1]:8080" };

static origin_verdict decide(const char *method, const char *site,
                             const char *origin)
{
    return origin_decide(method, site, origin, "https://admin.example.com",
                         listed, 2);
}

#define DECIDE(method, site, origin, want)                                  \
    CHECK(decide(method, site, origin) == want, "%s, Sec-Fetch-Site %s, "   \
          "Origin %s: %s", method, site ? site : "(none)",                   \
          origin ? origin : "(none)", origin_verdict_text(want))

static void deciding(void)
{
    /* safe methods, whatever the headers */
    DECIDE("GET", "cross-site", "https://evil.example", ORIGIN_GRANT_SAFE_METHOD);
    DECIDE("HEAD", "cross-site", "null", ORIGIN_GRANT_SAFE_METHOD);
    DECIDE("OPTIONS", "cross-site", "https://evil.example", ORIGIN_GRANT_SAFE_METHOD);
    DECIDE("get", "cross-site", NULL, ORIGIN_DENY_FETCH_SITE);
    DECIDE("PROPFIND", "cross-site", NULL, ORIGIN_DENY_FETCH_SITE);
    /* only the whole names: prefixes, extensions and neighbours are not */
    static const char *const unsafe[] = {
        "", "G", "GE", "GETS", "H", "HEA", "HEADS", "O", "OPTION",
        "OPTIONSX", "POST", "PUT", "PATCH", "DELETE", "TRACE", "Get",
        "OPTIONs", "GEt"
    };
    for (size_t i = 0; i < sizeof unsafe / sizeof *unsafe; i++)
        CHECK(!origin_safe_method(unsafe[i]), "'%s' is not a safe method",
              unsafe[i]);

    /* Fetch Metadata */
    DECIDE("POST", "same-origin", "https://admin.example.com", ORIGIN_GRANT_FETCH_SITE);
    DECIDE("POST", "none", NULL, ORIGIN_GRANT_FETCH_SITE);
    DECIDE("DELETE", "same-origin", "https://evil.example", ORIGIN_GRANT_FETCH_SITE);
    DECIDE("POST", "same-site", "https://www.example.com", ORIGIN_DENY_FETCH_SITE);
    DECIDE("POST", "cross-site", "https://evil.example", ORIGIN_DENY_FETCH_SITE);
    DECIDE("PUT", "cross-site", "https://app.example.com", ORIGIN_DENY_FETCH_SITE);
    DECIDE("POST", "Same-Origin", NULL, ORIGIN_DENY_FETCH_SITE);
    DECIDE("POST", "same-origin, cross-site", NULL, ORIGIN_DENY_FETCH_SITE);
    DECIDE("POST", "", NULL, ORIGIN_DENY_FETCH_SITE);

    /* Origin alone: older browsers */
    DECIDE("POST", NULL, "https://admin.example.com", ORIGIN_GRANT_OWN);
    DECIDE("POST", NULL, "https://ADMIN.example.com:443", ORIGIN_GRANT_OWN);
    DECIDE("POST", NULL, "https://app.example.com", ORIGIN_GRANT_LISTED);
    DECIDE("POST", NULL, "http://[0::1]:8080", ORIGIN_GRANT_LISTED);
    DECIDE("POST", NULL, "http://admin.example.com", ORIGIN_DENY_ORIGIN);
    DECIDE("POST", NULL, "https://admin.example.com:8443", ORIGIN_DENY_ORIGIN);
    DECIDE("POST", NULL, "https://evil.example", ORIGIN_DENY_ORIGIN);
    DECIDE("POST", NULL, "null", ORIGIN_DENY_ORIGIN);
    DECIDE("POST", NULL, "", ORIGIN_DENY_ORIGIN);
    DECIDE("POST", NULL, "https://admin.example.com/", ORIGIN_DENY_ORIGIN);
    DECIDE("POST", NULL, "https://admin.example.com\x01", ORIGIN_DENY_ORIGIN);

    /* neither: not a browser */
    DECIDE("POST", NULL, NULL, ORIGIN_GRANT_NO_HEADERS);

    CHECK(origin_decide("POST", NULL, "https://admin.example.com", NULL,
                        NULL, 0) == ORIGIN_DENY_ORIGIN,
          "a request without an own origin matches only listed ones");
    for (int v = ORIGIN_GRANT_SAFE_METHOD; v <= ORIGIN_DENY_ORIGIN; v++)
        CHECK(ORIGIN_VERDICT_GRANTS(v) == (v <= ORIGIN_GRANT_NO_HEADERS)
              && strcmp(origin_verdict_text(v), "?"),
              "verdict %d: %s", v, origin_verdict_text(v));
}

int main(void)
{
    parsing();
    making();
    deciding();
    return UNIT_DONE();
}
