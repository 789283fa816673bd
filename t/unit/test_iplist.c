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
    return UNIT_DONE();
}
