/*
 * userdb: the read side of the table, for an image from userdb_parse or a
 * mapped file (its layout: userdb_image.h).
 */
#include "userdb_image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void userdb_free(userdb *db)
{
    free(db);
}

static int range_ok(const userdb *h, uint64_t off, uint64_t bytes)
{
    return off % 4 == 0 && off <= h->size && bytes <= h->size - off;
}

int userdb_valid(const void *image, size_t len)
{
    const userdb *h = image;
    if (len < sizeof *h || memcmp(h->magic, USERDB_MAGIC, sizeof h->magic)
        || h->size != len || h->index_slots == 0 || h->nsets == 0)
        return 0;
    uint64_t col = (uint64_t)h->nusers * 4;
    if (!range_ok(h, h->off_name, col) || !range_ok(h, h->off_roles, col)
        || !range_ok(h, h->off_scopes, col) || !range_ok(h, h->off_plan, col)
        || !range_ok(h, h->off_index, (uint64_t)h->index_slots * 4)
        || !range_ok(h, h->off_set_start, (uint64_t)h->nsets * 4)
        || !range_ok(h, h->off_set_n, (uint64_t)h->nsets * 4)
        || !range_ok(h, h->off_items, (uint64_t)h->nitems * 4)
        || !range_ok(h, h->off_item_expiry, (uint64_t)h->nitems * 8)
        || h->off_item_expiry % 8
        || !range_ok(h, h->off_sym, (uint64_t)h->nsyms * 4)
        || h->off_arena > h->size || h->arena_len != h->size - h->off_arena
        || (h->arena_len && ((const char *)image)[h->size - 1] != '\0'))
        return 0;
    /* Every reference inside must stay inside: a damaged file must not
     * lead a look-up astray. */
    const uint32_t *names = COL(h, off_name), *roles = COL(h, off_roles);
    const uint32_t *scopes = COL(h, off_scopes), *plan = COL(h, off_plan);
    for (uint32_t u = 0; u < h->nusers; u++)
        if (names[u] >= h->arena_len || roles[u] >= h->nsets
            || scopes[u] >= h->nsets || plan[u] >= h->nsets)
            return 0;
    /* a look-up of an absent name stops at an empty slot: an index
     * without one would make it go round for ever */
    const uint32_t *slots = COL(h, off_index);
    uint64_t empty = 0;
    for (uint32_t i = 0; i < h->index_slots; i++) {
        if (slots[i] > h->nusers)
            return 0;
        empty += slots[i] == 0;
    }
    if (empty == 0)
        return 0;
    /* and every user is found under its own name with the image's key,
     * in a slot of its own (a look-up in an image that fails this would
     * be wrong, not unsafe) */
    if (h->index_slots - empty != h->nusers)
        return 0;
    for (uint32_t u = 0; u < h->nusers; u++) {
        const char *name = (const char *)image + h->off_arena + names[u];
        if (userdb_find(h, name, strlen(name), NULL) != u + 1)
            return 0;
    }
    const uint32_t *start = COL(h, off_set_start), *n = COL(h, off_set_n);
    for (uint32_t k = 0; k < h->nsets; k++)
        if (start[k] > h->nitems || n[k] > h->nitems - start[k])
            return 0;
    const uint32_t *items = COL(h, off_items), *syms = COL(h, off_sym);
    for (uint32_t i = 0; i < h->nitems; i++)
        if (items[i] >= h->arena_len)
            return 0;
    for (uint32_t i = 0; i < h->nsyms; i++)
        if (syms[i] >= h->arena_len)
            return 0;
    return 1;
}

uint32_t userdb_find(const userdb *db, const char *name, size_t len,
                     unsigned *probes)
{
    const char *arena = (const char *)db + db->off_arena;
    const uint32_t *slots = COL(db, off_index), *names = COL(db, off_name);
    uint32_t i = userdb_slot(userdb_hash(db->key, name, len),
                             db->index_slots), e;
    unsigned n = 1;
    while ((e = slots[i]) != 0) {
        const char *k = arena + names[e - 1];
        if (strncmp(k, name, len) == 0 && k[len] == '\0')
            break;
        if (++i == db->index_slots)
            i = 0;
        n++;
    }
    if (probes)
        *probes = n;
    return e;
}

int userdb_lookup(const userdb *db, const char *name, userdb_user *out)
{
    uint32_t e = userdb_find(db, name, strlen(name), NULL);
    if (!e)
        return 0;
    uint32_t u = e - 1;
    uint32_t rs = COL(db, off_roles)[u], ss = COL(db, off_scopes)[u];
    uint32_t ps = COL(db, off_plan)[u];
    const uint32_t *start = COL(db, off_set_start), *n = COL(db, off_set_n);
    const uint32_t *items = COL(db, off_items);
    const int64_t *expiry =
        (const int64_t *)((const char *)db + db->off_item_expiry);
    out->roles = items + start[rs];
    out->role_expiry = expiry + start[rs];
    out->nroles = n[rs];
    out->scopes = items + start[ss];
    out->scope_expiry = expiry + start[ss];
    out->nscopes = n[ss];
    out->plans = items + start[ps];
    out->plan_expiry = expiry + start[ps];
    out->nplans = n[ps];
    return 1;
}

int userdb_each_held_plan(const userdb *db,
                          void (*each)(void *ctx, const char *plan),
                          void *ctx)
{
    /* the plan sets users point to, each once: most users share a few */
    unsigned char *held = calloc(db->nsets, 1);
    if (!held)
        return -1;
    const uint32_t *plan = COL(db, off_plan);
    for (uint32_t u = 0; u < db->nusers; u++)
        held[plan[u]] = 1;
    const uint32_t *start = COL(db, off_set_start), *n = COL(db, off_set_n);
    const uint32_t *items = COL(db, off_items);
    for (uint32_t k = 0; k < db->nsets; k++)
        for (uint32_t i = 0; held[k] && i < n[k]; i++)
            each(ctx, userdb_str(db, items[start[k] + i]));
    free(held);
    return 0;
}

const char *userdb_str(const userdb *db, uint32_t offset)
{
    return (const char *)db + db->off_arena + offset;
}

size_t userdb_count(const userdb *db)
{
    return db->nusers;
}

size_t userdb_size(const userdb *db)
{
    return (size_t)db->size;
}
