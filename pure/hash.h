/*
 * The one hash function of the project: 64-bit FNV-1a.  Fast on the short
 * keys it is given (user names, SQL text), and the same on every machine,
 * so a cache key made from it is the same on every server of a fleet.
 * Not for keys an attacker chooses to collide where that would cost more
 * than a longer probe (userdb's table is built from the administrator's
 * file).
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
