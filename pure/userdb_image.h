/*
 * The layout of a userdb image, shared by the parser that lays it out
 * (userdb_parse.c) and the read side (userdb.c); nothing else includes it.
 *
 * Layout, chosen for a million users in little memory:
 *  - every string (user names, role/plan/scope names) lives once in one
 *    arena and is referred to by a 32-bit offset;
 *  - users are columns of 32-bit numbers (name, role set, scope set, plan);
 *  - role and scope lists are interned as sets: most users share a handful
 *    of combinations, so a user costs 4 bytes per list, not a copy of it;
 *  - an open-addressing hash index (at most half full) finds a user with
 *    one or two probes whatever the size of the file.
 *  - a value may expire (role=oncall@2026-12-01T18:00:00Z): the instant
 *    lives beside the value in its set (0 = never), so a look-up costs
 *    the same and the caller compares with the request's time.
 * About 35 bytes per user plus the name.
 *
 * The image is a header, the columns, the index, the sets and the arena,
 * every reference an offset from the header.
 */
#ifndef AUTHZ_POLICY_USERDB_IMAGE_H
#define AUTHZ_POLICY_USERDB_IMAGE_H

#include "userdb.h"
#include "hash.h"

#include <stdint.h>

#define USERDB_MAGIC "AZPUSR2"

/* The image.  Offsets are from the start of the header. */
struct userdb {
    char magic[8];
    uint64_t size;                      /* bytes in the image */
    uint32_t nusers, index_mask, nsets, nitems, nsyms, pad;
    uint64_t off_name, off_roles, off_scopes, off_plan; /* user columns */
    uint64_t off_index;                 /* index_mask + 1 slots */
    uint64_t off_set_start, off_set_n;  /* nsets each */
    uint64_t off_items;                 /* nitems arena offsets */
    uint64_t off_item_expiry;           /* nitems instants; 0: never */
    uint64_t off_sym;                   /* nsyms arena offsets */
    uint64_t off_arena, arena_len;
};

/* A column of the image: 32-bit numbers at the header's offset off. */
#define COL(db, off) ((const uint32_t *)((const char *)(db) + (db)->off))

/* a table index: the low bits of the project's one hash; the parser
 * fills the user index with it and a look-up probes it the same way */
static inline uint32_t hash_bytes(const char *s, size_t len)
{
    return (uint32_t)hash_fnv1a64(s, len);
}

#endif
