/*
 * iplist: parsing, merging and searching address ranges.
 *
 * Image layout (offsets from the header): IPv4 ranges as pairs of 32-bit
 * numbers, IPv6 ranges as four 64-bit halves (low high-half, low low-half,
 * high high-half, high low-half), each sorted and disjoint, each with an
 * index of 65,537 entries: index[k] is the first range that ends at or
 * after the first address whose top 16 bits are k.
 */
#include "iplist.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPLIST_MAGIC "AZPIPL1"
#define BUCKETS 65536

typedef struct { uint32_t lo, hi; } range4;
typedef struct { uint64_t lo_h, lo_l, hi_h, hi_l; } range6;

struct iplist {
    char magic[8];
    uint64_t size;
    uint64_t entries;                   /* networks as listed */
    uint64_t n4, n6;
    uint64_t off4, off_idx4, off6, off_idx6;
};

typedef struct {
    range4 *v4;
    size_t n4, cap4;
    range6 *v6;
    size_t n6, cap6;
    size_t entries;
} builder;

/* Room for one more element in a growing array; -1 when out of memory. */
static int make_room(void **v, size_t n, size_t *cap, size_t elem,
                     size_t first)
{
    if (n < *cap)
        return 0;
    size_t grown = *cap ? *cap * 2 : first;
    void *p = realloc(*v, grown * elem);
    if (!p)
        return -1;
    *v = p;
    *cap = grown;
    return 0;
}

static int push4(builder *b, range4 r)
{
    void *v = b->v4;
    if (make_room(&v, b->n4, &b->cap4, sizeof r, 256))
        return -1;
    b->v4 = v;
    b->v4[b->n4++] = r;
    return 0;
}

static int push6(builder *b, range6 r)
{
    void *v = b->v6;
    if (make_room(&v, b->n6, &b->cap6, sizeof r, 64))
        return -1;
    b->v6 = v;
    b->v6[b->n6++] = r;
    return 0;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
/* ::ffff:0:0, the first IPv4-mapped address: its high half is 0 */
#define V4MAPPED_LOW UINT64_C(0x0000ffff00000000)

/* One address or CIDR; 0 on success, else a static reason. */
static const char *parse_net(const char *s, size_t len, builder *b)
{
    char text[64];
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (alen == 0 || alen >= sizeof text)
        return "not an IPv4 or IPv6 address";
    memcpy(text, s, alen);
    text[alen] = '\0';

    long prefix = -1;
    if (slash) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3)
            return "bad prefix length";
        prefix = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return "bad prefix length";
            prefix = prefix * 10 + (*p - '0');
        }
    }

    uint8_t a[16];
    if (memchr(text, ':', alen)) {
        if (inet_pton(AF_INET6, text, a) != 1)
            return "not an IPv4 or IPv6 address";
        if (prefix < 0)
            prefix = 128;
        if (prefix > 128)
            return "prefix length over 128";
        if (prefix >= 96 && !memcmp(a, v4mapped, 12)) {
            memmove(a, a + 12, 4);      /* the IPv4 network it maps */
            prefix -= 96;
            goto v4;
        }
        uint64_t h = be64(a), l = be64(a + 8), mh, ml;
        if (prefix == 0) { mh = 0; ml = 0; }
        else if (prefix < 64) { mh = ~UINT64_C(0) << (64 - prefix); ml = 0; }
        else if (prefix == 64) { mh = ~UINT64_C(0); ml = 0; }
        else if (prefix < 128) { mh = ~UINT64_C(0); ml = ~UINT64_C(0) << (128 - prefix); }
        else { mh = ~UINT64_C(0); ml = ~UINT64_C(0); }
        range6 r = { h & mh, l & ml, (h & mh) | ~mh, (l & ml) | ~ml };
        if (push6(b, r))
            return "out of memory";
        /* A network that holds all of ::ffff:0:0/96 (::/0, ::/64,
         * ::ffff:0:0/95) holds every IPv4 client too: look-ups of IPv4 and
         * IPv4-mapped clients only search the IPv4 ranges. */
        if (prefix <= 96 && (h & mh) == 0 && (V4MAPPED_LOW & ml) == (l & ml)) {
            range4 all = { 0, UINT32_MAX };
            return push4(b, all) ? "out of memory" : NULL;
        }
        return NULL;
    }
    if (inet_pton(AF_INET, text, a) != 1)
        return "not an IPv4 or IPv6 address";
    if (prefix < 0)
        prefix = 32;
v4:
    if (prefix > 32)
        return "prefix length over 32";
    {
        uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16
                     | (uint32_t)a[2] << 8 | a[3];
        uint32_t mask = prefix ? ~UINT32_C(0) << (32 - prefix) : 0;
        range4 r = { v & mask, (v & mask) | ~mask };
        return push4(b, r) ? "out of memory" : NULL;
    }
}

static int cmp4(const void *x, const void *y)
{
    const range4 *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static int lt6(uint64_t ah, uint64_t al, uint64_t bh, uint64_t bl)
{
    return ah < bh || (ah == bh && al < bl);
}

static int cmp6(const void *x, const void *y)
{
    const range6 *a = x, *b = y;
    return lt6(a->lo_h, a->lo_l, b->lo_h, b->lo_l) ? -1
           : lt6(b->lo_h, b->lo_l, a->lo_h, a->lo_l);
}

/* Sorts and merges overlapping or adjacent ranges in place. */
static size_t merge4(range4 *r, size_t n)
{
    if (n == 0)
        return 0;
    qsort(r, n, sizeof *r, cmp4);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        if (r[out].hi == UINT32_MAX || r[i].lo <= r[out].hi + 1) {
            if (r[i].hi > r[out].hi)
                r[out].hi = r[i].hi;
        }
        else {
            r[++out] = r[i];
        }
    }
    return out + 1;
}

static size_t merge6(range6 *r, size_t n)
{
    if (n == 0)
        return 0;
    qsort(r, n, sizeof *r, cmp6);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        /* next = hi + 1, unless hi is the last address */
        uint64_t nh = r[out].hi_h, nl = r[out].hi_l + 1;
        int top = r[out].hi_h == UINT64_MAX && r[out].hi_l == UINT64_MAX;
        if (nl == 0)
            nh++;
        if (top || !lt6(nh, nl, r[i].lo_h, r[i].lo_l)) {
            if (lt6(r[out].hi_h, r[out].hi_l, r[i].hi_h, r[i].hi_l)) {
                r[out].hi_h = r[i].hi_h;
                r[out].hi_l = r[i].hi_l;
            }
        }
        else {
            r[++out] = r[i];
        }
    }
    return out + 1;
}

static void shown(char *dst, size_t size, const char *s, size_t len)
{
    size_t n = len < 40 ? len : 40;
    if (n > size - 4)
        n = size - 4;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c < 0x20 || c >= 0x7f || c == '\'') ? '?' : (char)c;
    }
    strcpy(dst + n, n < len ? "..." : "");
}

static uint64_t align8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

/* The bucket indexes: index[k] is the first range ending at or after
 * bucket k's first address.  (Their own functions, so that fuzzing can
 * leave these 65,537-step loops out of its coverage tracing.) */
static void index4(uint32_t *idx, const range4 *r, size_t n)
{
    size_t i = 0;
    for (uint32_t k = 0; k <= BUCKETS; k++) {
        while (k < BUCKETS && i < n && (r[i].hi >> 16) < k)
            i++;
        idx[k] = (uint32_t)(k == BUCKETS ? n : i);
    }
}

static void index6(uint32_t *idx, const range6 *r, size_t n)
{
    size_t i = 0;
    for (uint32_t k = 0; k <= BUCKETS; k++) {
        while (k < BUCKETS && i < n && (r[i].hi_h >> 48) < k)
            i++;
        idx[k] = (uint32_t)(k == BUCKETS ? n : i);
    }
}

/* 1 when both indexes are ascending and within their range counts. */
static int indexes_ok(const uint32_t *idx4, uint64_t n4, const uint32_t *idx6,
                      uint64_t n6)
{
    for (uint32_t k = 0; k <= BUCKETS; k++)
        if (idx4[k] > n4 || idx6[k] > n6
            || (k && (idx4[k] < idx4[k - 1] || idx6[k] < idx6[k - 1])))
            return 0;
    return 1;
}

iplist *iplist_parse(const char *buf, size_t len, char *err, size_t errlen)
{
    builder b;
    memset(&b, 0, sizeof b);
    iplist *img = NULL;
    if (err && errlen)
        err[0] = '\0';

    unsigned line = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *s = p, *e = eol ? eol : end;
        line++;
        p = eol ? eol + 1 : end;
        const char *hash = memchr(s, '#', (size_t)(e - s));
        if (hash)
            e = hash;
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (s == e)
            continue;
        const char *why;
        char tmp[64];
        if (memchr(s, ' ', (size_t)(e - s)) || memchr(s, '\t', (size_t)(e - s)))
            why = "one address or network per line";
        else if (memchr(s, '\0', (size_t)(e - s)))
            why = "NUL byte in line";
        else
            why = parse_net(s, (size_t)(e - s), &b);
        if (why) {
            shown(tmp, sizeof tmp, s, (size_t)(e - s));
            snprintf(err, errlen, "line %u: %s: '%s'", line, why, tmp);
            goto done;
        }
        b.entries++;
    }

    b.n4 = merge4(b.v4, b.n4);
    b.n6 = merge6(b.v6, b.n6);

    iplist h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, IPLIST_MAGIC, sizeof h.magic);
    h.entries = b.entries;
    h.n4 = b.n4;
    h.n6 = b.n6;
    uint64_t at = align8(sizeof h);
    h.off4 = at;      at = align8(at + b.n4 * sizeof(range4));
    h.off_idx4 = at;  at = align8(at + (BUCKETS + 1) * 4);
    h.off6 = at;      at = align8(at + b.n6 * sizeof(range6));
    h.off_idx6 = at;  at = align8(at + (BUCKETS + 1) * 4);
    h.size = at;

    img = calloc(1, (size_t)h.size);
    if (!img) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    memcpy(img, &h, sizeof h);
    char *base = (char *)img;
    if (b.n4)
        memcpy(base + h.off4, b.v4, b.n4 * sizeof(range4));
    if (b.n6)
        memcpy(base + h.off6, b.v6, b.n6 * sizeof(range6));
    index4((uint32_t *)(base + h.off_idx4), b.v4, b.n4);
    index6((uint32_t *)(base + h.off_idx6), b.v6, b.n6);

done:
    free(b.v4);
    free(b.v6);
    return img;
}

void iplist_free(iplist *list)
{
    free(list);
}

size_t iplist_size(const iplist *list)
{
    return (size_t)list->size;
}

size_t iplist_count(const iplist *list)
{
    return (size_t)list->entries;
}

static int in_image(const iplist *h, uint64_t off, uint64_t bytes)
{
    return off % 8 == 0 && off <= h->size && bytes <= h->size - off;
}

int iplist_valid(const void *image, size_t len)
{
    const iplist *h = image;
    if (len < sizeof *h || memcmp(h->magic, IPLIST_MAGIC, sizeof h->magic)
        || h->size != len || h->n4 > UINT32_MAX || h->n6 > UINT32_MAX
        || !in_image(h, h->off4, h->n4 * sizeof(range4))
        || !in_image(h, h->off6, h->n6 * sizeof(range6))
        || !in_image(h, h->off_idx4, (BUCKETS + 1) * 4)
        || !in_image(h, h->off_idx6, (BUCKETS + 1) * 4))
        return 0;
    return indexes_ok((const uint32_t *)((const char *)h + h->off_idx4), h->n4,
                      (const uint32_t *)((const char *)h + h->off_idx6), h->n6);
}

int iplist_contains_v4(const iplist *list, const uint8_t addr[4])
{
    uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16
                 | (uint32_t)addr[2] << 8 | addr[3];
    const range4 *r = (const range4 *)((const char *)list + list->off4);
    const uint32_t *idx = (const uint32_t *)((const char *)list + list->off_idx4);
    uint32_t k = a >> 16;
    /* the range holding a, if any, is in [idx[k], idx[k + 1]] */
    size_t lo = idx[k], hi = idx[k + 1] < list->n4 ? idx[k + 1] + 1 : list->n4;
    while (lo < hi) {                   /* first range ending at or after a */
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].hi < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < list->n4 && r[lo].lo <= a && a <= r[lo].hi;
}

int iplist_contains_v6(const iplist *list, const uint8_t addr[16])
{
    if (!memcmp(addr, v4mapped, 12))
        return iplist_contains_v4(list, addr + 12);
    uint64_t ah = be64(addr), al = be64(addr + 8);
    const range6 *r = (const range6 *)((const char *)list + list->off6);
    const uint32_t *idx = (const uint32_t *)((const char *)list + list->off_idx6);
    uint32_t k = (uint32_t)(ah >> 48);
    size_t lo = idx[k], hi = idx[k + 1] < list->n6 ? idx[k + 1] + 1 : list->n6;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lt6(r[mid].hi_h, r[mid].hi_l, ah, al))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < list->n6 && !lt6(ah, al, r[lo].lo_h, r[lo].lo_l)
           && !lt6(r[lo].hi_h, r[lo].hi_l, ah, al);
}
