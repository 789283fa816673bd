/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a 64-bit hash keyed by 128
 * secret bits.  For tables built from input someone else writes (a
 * customer's user file): without the key, which names share a slot cannot
 * be foreseen, so no file can be crafted to put them all in one.  A few
 * more instructions than FNV-1a on a short name.  The unit test checks
 * the published test vectors.
 */
#ifndef AUTHZ_POLICY_SIPHASH_H
#define AUTHZ_POLICY_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIP_ROUND(v0, v1, v2, v3)                                           \
    do {                                                                    \
        v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32);   \
        v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;                          \
        v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;                          \
        v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32);   \
    } while (0)

/* 8 bytes as a little-endian number, on any machine */
static inline uint64_t sip_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16
           | (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32
           | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48
           | (uint64_t)p[7] << 56;
}

/* The key is k0, k1: its bytes 0-7 and 8-15 read little-endian. */
static inline uint64_t siphash24(uint64_t k0, uint64_t k1, const void *data,
                                 size_t len)
{
    const unsigned char *s = data, *end = s + (len & ~(size_t)7);
    uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
    uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
    uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
    uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
    for (; s < end; s += 8) {
        uint64_t m = sip_le64(s);
        v3 ^= m;
        SIP_ROUND(v0, v1, v2, v3);
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    /* the last 0-7 bytes, and the length's low byte on top */
    uint64_t b = (uint64_t)len << 56;
    switch (len & 7) {
    case 7: b |= (uint64_t)s[6] << 48; /* fall through */
    case 6: b |= (uint64_t)s[5] << 40; /* fall through */
    case 5: b |= (uint64_t)s[4] << 32; /* fall through */
    case 4: b |= (uint64_t)s[3] << 24; /* fall through */
    case 3: b |= (uint64_t)s[2] << 16; /* fall through */
    case 2: b |= (uint64_t)s[1] << 8;  /* fall through */
    case 1: b |= (uint64_t)s[0];       /* fall through */
    default: break;
    }
    v3 ^= b;
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

#undef SIP_ROUND
#undef SIP_ROTL

#endif
