/*
 * The one hash function of the project: 64-bit FNV-1a.  Fast on the short
 * keys it is given (user names, SQL text), and the same on every machine,
 * so a cache key made from it is the same on every server of a fleet.
 * Not for a table whose keys someone else chooses, where keys that
 * collide would cost more than a longer probe: FNV-1a has no key, and
 * names that share its low bits are easy to make.  The user table, built
 * from files a hosting customer may write, is indexed with SipHash and a
 * random key (siphash.h).
 */
#ifndef AUTHZ_POLICY_HASH_H
#define AUTHZ_POLICY_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t hash_fnv1a64(const void *data, size_t len)
{
    const unsigned char *s = data;
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

#endif
