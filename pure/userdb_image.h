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
 *  - an open-addressing hash index (at most half full, two slots per
 *    user) finds a user with one or two probes whatever the size of the
 *    file.  Its hash is keyed (SipHash-2-4) with 128 random bits drawn at
 *    each parse and kept in the header: whoever writes the file cannot
 *    know which names will share a slot, so no file puts them all in one
 *    (with an unkeyed hash, 16,384 crafted names took a second to load).
 *  - a value may expire (role=oncall@2026-12-01T18:00:00Z): the instant
 *    lives beside the value in its set (0 = never), so a look-up costs
 *    the same and the caller compares with the request's time.
 * About 30 bytes per user plus the name; bench/parse.c measures the
 * worst a file can cost per byte of it.
 *
 * The image is a header, the columns, the index, the sets and the arena,
 * every reference an offset from the header.
 */
#ifndef AUTHZ_POLICY_USERDB_IMAGE_H
#define AUTHZ_POLICY_USERDB_IMAGE_H

#include "userdb.h"
#include "siphash.h"

#include <stdint.h>

#define USERDB_MAGIC "AZPUSR3"

/* The image.  Offsets are from the start of the header. */
struct userdb {
    char magic[8];
    uint64_t size;                      /* bytes in the image */
    uint32_t nusers, index_slots, nsets, nitems, nsyms, pad;
    uint64_t off_name, off_roles, off_scopes, off_plan; /* user columns */
    uint64_t off_index;                 /* index_slots slots */
    uint64_t off_set_start, off_set_n;  /* nsets each */
    uint64_t off_items;                 /* nitems arena offsets */
    uint64_t off_item_expiry;           /* nitems instants; 0: never */
    uint64_t off_sym;                   /* nsyms arena offsets */
    uint64_t off_arena, arena_len;
    uint64_t key[2];                    /* the index's hash key */
};

/* A column of the image: 32-bit numbers at the header's offset off. */
#define COL(db, off) ((const uint32_t *)((const char *)(db) + (db)->off))

/* A name's hash under the image's key; the parser fills every index with
 * it and a look-up probes the user index the same way. */
static inline uint64_t userdb_hash(const uint64_t key[2], const char *s,
                                   size_t len)
{
    return siphash24(key[0], key[1], s, len);
}

/* The first slot to probe, of slots: the hash's top 32 bits scaled to the
 * table, so that the table may have any size (two slots per user). */
static inline uint32_t userdb_slot(uint64_t hash, uint32_t slots)
{
    return (uint32_t)(((hash >> 32) * slots) >> 32);
}

/* The user entry (its number + 1) listed under name, 0 when none; *probes
 * (if not NULL): how many index slots the search looked at (the unit
 * test's measure of crafted input). */
uint32_t userdb_find(const userdb *db, const char *name, size_t len,
                     unsigned *probes);

#endif
