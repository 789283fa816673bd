/* libFuzzer target: IP-list lines.
 *
 * Oracle: a naive reading of the same lines (the rules of iplist.h: one
 * address or CIDR per line, '#' comments, blanks, host bits ignored,
 * IPv4-mapped networks of /96 and longer are IPv4, an IPv6 network that
 * holds all of ::ffff:0:0/96 holds every IPv4 address) into a plain array of
 * networks.  The parser must accept exactly what the naive reading
 * accepts, count the same networks, and answer every look-up as a linear
 * scan over that array does: for addresses taken from the input and for
 * the first and last address of every network and their neighbours.
 *
 * The image the parser built must pass iplist_valid; with a byte changed
 * (chosen by the input) it must be rejected, or else be
 * safe to search (AddressSanitizer watches the look-ups). */
#include "iplist.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int v6;                     /* 0: IPv4 (addr[0..3]) */
    uint8_t addr[16];
    unsigned prefix;
} net;

#define MAX_NETS 4096

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                           0xff, 0xff };

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* One trimmed, non-empty line; 1 and *n on success. */
static int naive_net(const char *s, size_t len, net *n)
{
    char text[80];
    if (len >= sizeof text || memchr(s, '\0', len))
        return 0;
    memcpy(text, s, len);
    text[len] = '\0';
    if (strpbrk(text, " \t"))
        return 0;
    char *slash = strchr(text, '/');
    long prefix = -1;
    if (slash) {
        *slash = '\0';
        const char *d = slash + 1;
        size_t nd = strlen(d);
        if (nd < 1 || nd > 3 || strspn(d, "0123456789") != nd)
            return 0;
        prefix = atol(d);
    }
    if (!text[0] || strlen(text) >= 64)
        return 0;
    memset(n, 0, sizeof *n);
    if (strchr(text, ':')) {
        if (inet_pton(AF_INET6, text, n->addr) != 1)
            return 0;
        if (prefix < 0)
            prefix = 128;
        if (prefix > 128)
            return 0;
        if (prefix >= 96 && !memcmp(n->addr, mapped_prefix, 12)) {
            memmove(n->addr, n->addr + 12, 4);
            memset(n->addr + 4, 0, 12);
            n->prefix = (unsigned)prefix - 96;
            return 1;
        }
        n->v6 = 1;
        n->prefix = (unsigned)prefix;
        return 1;
    }
    if (inet_pton(AF_INET, text, n->addr) != 1)
        return 0;
    if (prefix < 0)
        prefix = 32;
    if (prefix > 32)
        return 0;
    n->prefix = (unsigned)prefix;
    return 1;
}

/* -1: rejected; else the number of networks (at most max). */
static long naive_parse(const char *buf, size_t len, net *nets, size_t max)
{
    size_t count = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *s = p, *e = eol ? eol : end;
        p = eol ? eol + 1 : end;
        const char *hash = memchr(s, '#', (size_t)(e - s));
        if (hash)
            e = hash;
        while (s < e && is_blank(*s))
            s++;
        while (e > s && is_blank(e[-1]))
            e--;
        if (s == e)
            continue;
        net n;
        if (!naive_net(s, (size_t)(e - s), &n))
            return -1;
        if (count < max)
            nets[count] = n;
        count++;
    }
    return (long)count;
}

static int in_net(const net *n, int v6, const uint8_t *a)
{
    if (n->v6 != v6)
        return 0;
    unsigned bits = n->prefix;
    for (unsigned i = 0; i < bits / 8; i++)
        if (a[i] != n->addr[i])
            return 0;
    if (bits % 8) {
        uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
        if ((a[bits / 8] & mask) != (n->addr[bits / 8] & mask))
            return 0;
    }
    return 1;
}

/* An IPv6 network that holds all of ::ffff:0:0/96 (::/0, ::ffff:0:0/95)
 * holds every IPv4 address. */
static int holds_all_v4(const net *n)
{
    uint8_t mapped[16] = { 0 };
    memcpy(mapped, mapped_prefix, 12);
    return n->v6 && n->prefix <= 96 && in_net(n, 1, mapped);
}

/* The linear scan.  An IPv4-mapped IPv6 address is the IPv4 address. */
static int naive_contains(const net *nets, size_t count, int v6,
                          const uint8_t *a)
{
    if (v6 && !memcmp(a, mapped_prefix, 12)) {
        v6 = 0;
        a += 12;
    }
    for (size_t i = 0; i < count; i++)
        if (in_net(&nets[i], v6, a) || (!v6 && holds_all_v4(&nets[i])))
            return 1;
    return 0;
}

static void check(const iplist *l, const net *nets, size_t count, int v6,
                  const uint8_t *a)
{
    int got = v6 ? iplist_contains_v6(l, a) : iplist_contains_v4(l, a);
    if (got != naive_contains(nets, count, v6, a))
        abort();
    if (!v6) {                  /* and the same address, IPv4-mapped */
        uint8_t m[16];
        memcpy(m, mapped_prefix, 12);
        memcpy(m + 12, a, 4);
        if (iplist_contains_v6(l, m) != got)
            abort();
    }
}

/* a + delta (delta -1 or +1) as a bytes-long big-endian number. */
static void step(uint8_t *a, size_t bytes, int delta)
{
    for (size_t i = bytes; i-- > 0;) {
        a[i] = (uint8_t)(a[i] + delta);
        if ((delta > 0 && a[i] != 0) || (delta < 0 && a[i] != 0xff))
            break;
    }
}

/* The first and last address of n and the addresses just outside. */
static void check_edges(const iplist *l, const net *nets, size_t count,
                        const net *n)
{
    size_t bytes = n->v6 ? 16 : 4;
    uint8_t first[16], last[16];
    memcpy(first, n->addr, 16);
    for (unsigned b = n->prefix; b < bytes * 8; b++)
        first[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
    memcpy(last, first, 16);
    for (unsigned b = n->prefix; b < bytes * 8; b++)
        last[b / 8] |= (uint8_t)(0x80 >> (b % 8));
    check(l, nets, count, n->v6, first);
    check(l, nets, count, n->v6, last);
    step(first, bytes, -1);
    step(last, bytes, +1);
    check(l, nets, count, n->v6, first);
    check(l, nets, count, n->v6, last);
}

/* Look-ups on an image that passed iplist_valid must stay inside it. */
static void search_anyway(const iplist *l, const uint8_t *data, size_t size)
{
    uint8_t a[16] = { 0 };
    (void)iplist_contains_v4(l, a);
    (void)iplist_contains_v6(l, a);
    memset(a, 0xff, sizeof a);
    (void)iplist_contains_v4(l, a);
    (void)iplist_contains_v6(l, a);
    for (size_t i = 0; i + 16 <= size && i < 256; i += 16) {
        (void)iplist_contains_v6(l, data + i);
        (void)iplist_contains_v4(l, data + i);
    }
}

/* The image with a byte changed, where the input's last bytes say (the
 * header, where the offsets and counts are, first), in place (a copy of
 * half a megabyte per try would cost more than the rest of a run), then
 * put back. */
static void mutated_images(iplist *l, const uint8_t *data, size_t size)
{
    size_t len = iplist_size(l);
    uint8_t *image = (uint8_t *)l;
    for (int round = 0; round < 2 && size >= 4 * (size_t)(round + 1); round++) {
        const uint8_t *m = data + size - 4 * (size_t)(round + 1);
        size_t where = ((size_t)m[0] << 16 | (size_t)m[1] << 8 | m[2]);
        where = round == 0 ? where % 72 : where % len;
        uint8_t was = image[where];
        image[where] ^= m[3] ? m[3] : 1;
        if (iplist_valid(image, len))
            search_anyway(l, data, size);
        image[where] = was;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static net nets[MAX_NETS];
    char err[256];
    long naive = naive_parse((const char *)data, size, nets, MAX_NETS);
    if (naive > MAX_NETS)
        return 0;                       /* beyond this oracle's array */
    iplist *l = iplist_parse((const char *)data, size, err, sizeof err);
    if ((l != NULL) != (naive >= 0))
        abort();                        /* accepts what it should not, or
                                           refuses a valid list */
    if (l) {
        size_t count = (size_t)naive;
        if (iplist_count(l) != count || !iplist_valid(l, iplist_size(l)))
            abort();
        for (size_t i = 0; i < count; i++)
            check_edges(l, nets, count, &nets[i]);
        for (size_t i = 0; i + 16 <= size; i += 16) {
            check(l, nets, count, 1, data + i);
            check(l, nets, count, 0, data + i);
        }
        mutated_images(l, data, size);
        iplist_free(l);
    }
    else if (!err[0]) {
        abort();                        /* an error always says why */
    }

    /* The same bytes as an image read back from disk. */
    void *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (iplist_valid(copy, size))
        search_anyway(copy, data, size);
    free(copy);
    return 0;
}
