/* Unit tests of IP lists (iplist.c). */
#include "iplist.h"
#include "unit.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static iplist *parse(const char *text, char *err, size_t errlen)
{
    return iplist_parse(text, strlen(text), err, errlen);
}

static int has(const iplist *l, const char *addr)
{
    uint8_t a[16];
    if (inet_pton(AF_INET, addr, a) == 1)
        return iplist_contains_v4(l, a);
    if (inet_pton(AF_INET6, addr, a) == 1)
        return iplist_contains_v6(l, a);
    return -1;
}

static void expect_error(const char *text, const char *want)
{
    char err[128];
    iplist *l = parse(text, err, sizeof err);
    CHECK(!l && strstr(err, want), "error for %s: %s", want, err);
    iplist_free(l);
}

/* A small deterministic generator (xorshift64*): the same list every run. */
static uint64_t rng_state = 20261127;
static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

typedef struct { uint32_t lo, hi; } net4;

/* The reference: a linear scan of the networks as listed. */
static int linear_has(const net4 *nets, size_t n, uint32_t a)
{
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found |= nets[i].lo <= a && a <= nets[i].hi;
    return found;
}

static int has4(const iplist *l, uint32_t a)
{
    uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8),
                     (uint8_t)a };
    return iplist_contains_v4(l, b);
}

/* A million random networks that never merge: in 64 random /16s, each
 * group of four addresses holds the first, the first two (a /31), the
 * first and the third, or the third alone, and never the fourth.  So
 * every /16 holds thousands of separate ranges, and what the list holds
 * is known exactly: pattern[] per group. */
static void test_random_million(void)
{
    enum { SIXTEENS = 64, GROUPS = 16384, N = 1000000 };
    static const uint8_t holds[4] = { 0x1, 0x3, 0x5, 0x4 };  /* bit = offset */
    uint16_t top[SIXTEENS];
    uint8_t *pattern = calloc((size_t)SIXTEENS * GROUPS, 1);
    net4 *nets = malloc(N * sizeof *nets);
    char *buf = malloc((size_t)N * 24), *p = buf;
    size_t n = 0;
    for (int s = 0; s < SIXTEENS; s++) {
        int fresh;
        do {                            /* distinct, and never 0.x or 255.x */
            top[s] = (uint16_t)(256 + rng() % (65536 - 512));
            fresh = 1;
            for (int t = 0; t < s; t++)
                fresh &= top[t] != top[s];
        } while (!fresh);
    }
    for (int s = 0; s < SIXTEENS && n < N; s++) {
        for (uint32_t g = 0; g < GROUPS && n < N; g++) {
            if (rng() % 100 < 5)
                continue;               /* some groups hold nothing */
            int kind = (int)(rng() % 4);
            uint32_t base = (uint32_t)top[s] << 16 | g << 2;
            if (n + 2 > N)
                kind = 0;               /* one entry left */
            pattern[(size_t)s * GROUPS + g] = holds[kind];
            const char *fmt[4] = { "%u.%u.%u.%u\n", "%u.%u.%u.%u/31\n",
                                   "%u.%u.%u.%u\n", "%u.%u.%u.%u\n" };
            uint32_t first = kind == 3 ? base + 2 : base;
            p += sprintf(p, fmt[kind], first >> 24, first >> 16 & 255,
                         first >> 8 & 255, first & 255);
            nets[n++] = (net4){ first, kind == 1 ? first + 1 : first };
            if (kind == 2) {
                p += sprintf(p, "%u.%u.%u.%u\n", (base + 2) >> 24,
                             (base + 2) >> 16 & 255, (base + 2) >> 8 & 255,
                             (base + 2) & 255);
                nets[n++] = (net4){ base + 2, base + 2 };
            }
        }
    }
    char err[128];
    iplist *l = iplist_parse(buf, (size_t)(p - buf), err, sizeof err);
    CHECK(l && n == N && iplist_count(l) == N,
          "1,000,000 random networks, about 20,000 per /16, parse%s%s",
          l ? "" : ": ", l ? "" : err);
    if (!l)
        goto done;
    double per = (double)iplist_size(l) / N;
    printf("# 1,000,000 random networks: %zu bytes (%.2f per network)\n",
           iplist_size(l), per);
    /* README: "a million networks about 9 bytes each" */
    CHECK(per < 9.5, "about 9 bytes per network (%.2f)", per);
    CHECK(iplist_valid(l, iplist_size(l)), "the image is well formed");

    /* every address of every /16 used, against what the groups hold */
    size_t wrong = 0, checked = 0;
    for (int s = 0; s < SIXTEENS; s++)
        for (uint32_t a = 0; a < 65536; a++) {
            uint32_t addr = (uint32_t)top[s] << 16 | a;
            int want = pattern[(size_t)s * GROUPS + (a >> 2)] >> (a & 3) & 1;
            wrong += has4(l, addr) != want;
            checked++;
        }
    CHECK(wrong == 0, "all %zu addresses of the 64 /16s: %zu wrong", checked,
          wrong);
    /* random addresses anywhere, and around listed ones, against a linear
     * scan of the networks as listed */
    wrong = 0;
    for (int i = 0; i < 300; i++) {
        uint32_t a = i % 3 ? rng() : nets[rng() % N].lo + rng() % 5 - 2;
        wrong += has4(l, a) != linear_has(nets, N, a);
    }
    CHECK(wrong == 0, "300 sampled addresses agree with a linear scan: %zu "
          "wrong", wrong);
    iplist_free(l);
done:
    free(pattern);
    free(nets);
    free(buf);
}

/* IPv6 networks that nest and overlap (random prefixes from /56 to /128
 * in four neighbouring /64s of 2001:db8::/32, listed in random order),
 * against a linear scan: each network's first and last address and the
 * ones just outside, and random addresses of the four /64s. */
typedef unsigned __int128 u128;
typedef struct { u128 lo, hi; } net6;

static int linear_has6(const net6 *nets, size_t n, u128 a)
{
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found |= nets[i].lo <= a && a <= nets[i].hi;
    return found;
}

static int has6(const iplist *l, u128 a)
{
    uint8_t b[16];
    for (int i = 15; i >= 0; i--, a >>= 8)
        b[i] = (uint8_t)a;
    return iplist_contains_v6(l, b);
}

static u128 rng64(void)
{
    return (u128)rng() << 32 | rng();
}

static void test_random_v6_nested(void)
{
    enum { N = 600 };
    const u128 base = (u128)UINT64_C(0x20010db800000000) << 64;
    net6 nets[N];
    char *buf = malloc((size_t)N * 64), *p = buf;
    for (int i = 0; i < N; i++) {
        int prefix = 56 + (int)(rng() % 73);
        u128 a = base | (u128)(rng() % 4) << 64 | rng64();
        u128 mask = prefix == 128 ? ~(u128)0 : ~(~(u128)0 >> prefix);
        nets[i] = (net6){ a & mask, (a & mask) | ~mask };
        uint8_t b[16];
        char text[INET6_ADDRSTRLEN];
        for (int k = 15; k >= 0; k--, a >>= 8)
            b[k] = (uint8_t)a;
        inet_ntop(AF_INET6, b, text, sizeof text);
        p += sprintf(p, "%s/%d\n", text, prefix);
    }
    char err[128];
    iplist *l = iplist_parse(buf, (size_t)(p - buf), err, sizeof err);
    CHECK(l && iplist_count(l) == N, "%d nested IPv6 networks parse%s%s", N,
          l ? "" : ": ", l ? "" : err);
    if (!l)
        goto done;
    size_t wrong = 0, checked = 0;
    for (int i = 0; i < N; i++) {
        const u128 edge[4] = { nets[i].lo, nets[i].hi, nets[i].lo - 1,
                               nets[i].hi + 1 };
        for (int k = 0; k < 4; k++, checked++)
            wrong += has6(l, edge[k]) != linear_has6(nets, N, edge[k]);
    }
    for (int i = 0; i < 4000; i++, checked++) {
        u128 a = base | (u128)(rng() % 4) << 64 | rng64();
        wrong += has6(l, a) != linear_has6(nets, N, a);
    }
    CHECK(wrong == 0, "%zu addresses around and among nested IPv6 networks "
          "agree with a linear scan: %zu wrong", checked, wrong);
    iplist_free(l);
done:
    free(buf);
}

int main(void)
{
    char err[128];
    iplist *l = parse("# blocked networks\n"
                      "10.0.0.0/8\n"
                      "  192.0.2.7   # one host\n"
                      "198.51.100.0/24\r\n"
                      "198.51.101.0/24\n"          /* adjacent: merged */
                      "2001:db8::/32\n"
                      "::ffff:203.0.113.0/120\n"   /* mapped: IPv4 */
                      "172.16.5.9/12\n"            /* host bits ignored */
                      "\n", err, sizeof err);
    CHECK(l != NULL, "sample list parses (%s)", err);
    if (!l)
        return UNIT_DONE();
    CHECK(iplist_count(l) == 7, "seven networks counted");
    CHECK(iplist_valid(l, iplist_size(l)), "the image is well formed");
    CHECK(!iplist_valid(l, iplist_size(l) - 8), "a truncated one is not");
    CHECK(has(l, "10.0.0.0") && has(l, "10.255.255.255") && !has(l, "11.0.0.0")
          && !has(l, "9.255.255.255"), "a /8, edges included");
    CHECK(has(l, "192.0.2.7") && !has(l, "192.0.2.6") && !has(l, "192.0.2.8"),
          "a single host");
    CHECK(has(l, "198.51.100.0") && has(l, "198.51.101.255")
          && !has(l, "198.51.102.0"), "adjacent /24s");
    CHECK(has(l, "2001:db8::1") && has(l, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
          && !has(l, "2001:db9::") && !has(l, "2001:db7:ffff::"), "an IPv6 /32");
    CHECK(has(l, "203.0.113.77") && !has(l, "203.0.114.1"),
          "an IPv4-mapped entry matches IPv4 clients");
    CHECK(has(l, "::ffff:10.1.2.3") && !has(l, "::ffff:11.1.2.3"),
          "an IPv4-mapped client matches IPv4 entries");
    CHECK(has(l, "172.31.255.255") && has(l, "172.16.0.0") && !has(l, "172.32.0.0"),
          "host bits below the prefix ignored");
    CHECK(!has(l, "::1") && !has(l, "0.0.0.0") && !has(l, "255.255.255.255"),
          "others are out");
    iplist_free(l);

    l = parse("0.0.0.0/0\n::/0\n", err, sizeof err);
    CHECK(l && has(l, "1.2.3.4") && has(l, "255.255.255.255") && has(l, "::")
          && has(l, "ffff::1"), "everything");
    iplist_free(l);
    /* IPv6 networks that hold ::ffff:0:0/96 hold every IPv4 client, native
     * or mapped; those inside it hold the IPv4 network they map */
    l = parse("::/0\n", err, sizeof err);
    CHECK(l && has(l, "1.2.3.4") && has(l, "0.0.0.0") && has(l, "255.255.255.255")
          && has(l, "::ffff:1.2.3.4") && has(l, "::1") && has(l, "ffff::1"),
          "::/0 holds IPv4 and IPv4-mapped clients too");
    iplist_free(l);
    l = parse("::ffff:0:0/95\n", err, sizeof err);
    CHECK(l && has(l, "1.2.3.4") && has(l, "255.255.255.255")
          && has(l, "::ffff:10.9.8.7") && has(l, "::fffe:1:2")
          && !has(l, "::fffd:ffff:ffff") && !has(l, "::1:0:0:0")
          && !has(l, "::1"), "::ffff:0:0/95: all of IPv4 and ::fffe:0:0/96");
    iplist_free(l);
    l = parse("::/64\n", err, sizeof err);
    CHECK(l && has(l, "192.0.2.1") && has(l, "::ffff:192.0.2.1") && has(l, "::1")
          && !has(l, "0:0:0:1::"), "::/64 holds ::ffff:0:0/96: IPv4 too");
    iplist_free(l);
    l = parse("::/96\n2001:db8::/32\n::fffe:0:0/96\n", err, sizeof err);
    CHECK(l && !has(l, "1.2.3.4") && !has(l, "::ffff:1.2.3.4") && has(l, "::1.2.3.4")
          && has(l, "::fffe:1.2.3.4"),
          "networks beside ::ffff:0:0/96 hold no IPv4 client");
    iplist_free(l);
    l = parse("::ffff:0:0/96\n", err, sizeof err);
    CHECK(l && has(l, "1.2.3.4") && has(l, "::ffff:255.255.255.255")
          && !has(l, "::fffe:0:0") && !has(l, "::1:0:0:0"),
          "::ffff:0:0/96 is all of IPv4 and nothing else");
    iplist_free(l);
    /* a mapped network is stored as the IPv4 network it maps, and only so:
     * its image (the bytes the error log reports and the .htaccess cache
     * counts) is that of the IPv4 network written out, at /96 as above */
    {
        static const char *const same[][2] = {
            { "::ffff:0:0/96\n", "0.0.0.0/0\n" },
            { "::ffff:10.0.0.0/104\n", "10.0.0.0/8\n" },
            { "::ffff:192.0.2.1\n", "192.0.2.1\n" },
        };
        for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
            iplist *m = parse(same[i][0], err, sizeof err);
            iplist *v4 = parse(same[i][1], err, sizeof err);
            CHECK(m && v4 && iplist_size(m) == iplist_size(v4),
                  "%.*s is stored as %.*s (%zu bytes, %zu)",
                  (int)strlen(same[i][0]) - 1, same[i][0],
                  (int)strlen(same[i][1]) - 1, same[i][1],
                  m ? iplist_size(m) : 0, v4 ? iplist_size(v4) : 0);
            iplist_free(m);
            iplist_free(v4);
        }
    }
    l = parse("::ffff:10.0.0.0/104\n", err, sizeof err);
    CHECK(l && has(l, "10.0.0.0") && has(l, "10.255.255.255") && has(l, "::ffff:10.1.2.3")
          && !has(l, "11.0.0.0") && !has(l, "9.255.255.255") && !has(l, "::ffff:11.0.0.0")
          && iplist_count(l) == 1, "::ffff:10.0.0.0/104 stays 10.0.0.0/8");
    iplist_free(l);
    l = parse("255.255.255.255\n255.255.255.254\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n",
              err, sizeof err);
    CHECK(l && has(l, "255.255.255.255") && has(l, "255.255.255.254")
          && !has(l, "255.255.255.253")
          && has(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
          "the last addresses");
    iplist_free(l);
    l = parse("", err, sizeof err);
    CHECK(l && iplist_count(l) == 0 && !has(l, "1.2.3.4") && !has(l, "::1"),
          "an empty list holds nothing");
    iplist_free(l);
    l = parse("10.0.0.0/16\n10.0.128.0/17\n10.0.0.0/8\n10.5.5.5\n", err, sizeof err);
    CHECK(l && has(l, "10.200.0.1") && has(l, "10.0.200.1"), "overlaps merge");
    iplist_free(l);

    expect_error("10.0.0.0/8\n10.0.0.300\n", "line 2: not an IPv4 or IPv6 address");
    expect_error("10.0.0.0/33\n", "line 1: prefix length over 32");
    expect_error("2001:db8::/129\n", "prefix length over 128");
    expect_error("10.0.0.0/\n", "bad prefix length");
    expect_error("10.0.0.0/8x\n", "bad prefix length");
    expect_error("10.0.0.1 10.0.0.2\n", "one address or network per line");
    expect_error("fe80::1%eth0\n", "not an IPv4 or IPv6 address");
    expect_error("example.com\n", "not an IPv4 or IPv6 address");

    /* a million networks: load time is printed, look-ups checked */
    size_t n = 1000000;
    char *buf = malloc(n * 20), *p = buf;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%u.%u.%u.0/24\n", (unsigned)(1 + i / 65536),
                     (unsigned)(i / 256 % 256), (unsigned)(i % 256));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    l = iplist_parse(buf, (size_t)(p - buf), err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(l && iplist_count(l) == n, "1,000,000 networks parse");
    if (l) {
        printf("# 1,000,000 networks: parsed in %.2f s, %zu bytes\n",
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
               iplist_size(l));
        CHECK(has(l, "1.0.0.1") && has(l, "16.66.63.255") && !has(l, "16.66.64.0")
              && !has(l, "0.255.255.255"), "first and last networks");
        iplist_free(l);
    }
    free(buf);
    test_random_v6_nested();
    test_random_million();
    return UNIT_DONE();
}
