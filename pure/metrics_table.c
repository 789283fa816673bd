/*
 * metrics_table: named counters in shared memory (metrics_table.h).
 */
#include "metrics_table.h"

#include "escape.h"
#include "hash.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    _Atomic uint64_t hash;       /* 0: free; claimed by compare-and-swap */
    _Atomic uint32_t ready;      /* the name is written */
    uint32_t unused;
    char name[MTAB_NAME_MAX];
} entry_head;

typedef struct {
    _Atomic uint32_t used;       /* names in the table */
} table_head;

#define HEAD_BYTES 64
/* How long a process waits for another to finish writing a name it
 * claimed (a few stores): past that, the other was stopped in between and
 * the slot's name is never known, so the overflow entry counts. */
#define READY_SPINS 100000

static size_t stride_of(unsigned ncounters, size_t extra)
{
    size_t bytes = sizeof(entry_head) + ncounters * sizeof(uint64_t) + extra;
    return (bytes + 7) & ~(size_t)7;
}

static unsigned slots_for(unsigned bound)
{
    unsigned n = 2;
    while (n < 2 * bound)
        n *= 2;
    return n;
}

size_t mtab_size(unsigned bound, unsigned ncounters, size_t extra)
{
    return HEAD_BYTES + (slots_for(bound) + 1) * stride_of(ncounters, extra);
}

static entry_head *at(const mtab *t, unsigned i)
{
    return (entry_head *)(t->mem + HEAD_BYTES + (size_t)i * t->stride);
}

static _Atomic uint64_t *counters_of(entry_head *e)
{
    return (_Atomic uint64_t *)(e + 1);
}

void mtab_init(mtab *t, void *mem, unsigned bound, unsigned ncounters,
               size_t extra, const char *overflow_name)
{
    t->mem = mem;
    t->bound = bound;
    t->nslots = slots_for(bound);
    t->ncounters = ncounters;
    t->extra = extra;
    t->stride = stride_of(ncounters, extra);
    memset(mem, 0, mtab_size(bound, ncounters, extra));
    entry_head *overflow = at(t, t->nslots);
    snprintf(overflow->name, sizeof overflow->name, "%s", overflow_name);
    atomic_store(&overflow->ready, 1);
}

static uint64_t name_hash(const char *name, size_t len)
{
    uint64_t h = hash_fnv1a64(name, len);
    return h ? h : 1;                    /* 0 marks a free slot */
}

/* Whether claimed slot e holds name; waits for its name to be written. */
static int holds(entry_head *e, const char *name)
{
    for (long spins = 0; !atomic_load_explicit(&e->ready,
                                               memory_order_acquire);
         spins++)
        if (spins > READY_SPINS)
            return 0;
    return !strcmp(e->name, name);
}

/* Claims free slot e for name; 0 when another process took it first
 * (*seen: its hash) or the table is full (*seen: 0). */
static int claim(mtab *t, entry_head *e, const char *name, size_t len,
                 uint64_t h, uint64_t *seen)
{
    table_head *head = (table_head *)t->mem;
    *seen = 0;
    /* the place is taken before the slot: the bound holds even while
     * several processes insert at once */
    if (atomic_fetch_add(&head->used, 1) >= t->bound) {
        atomic_fetch_sub(&head->used, 1);
        return 0;
    }
    uint64_t expected = 0;
    if (!atomic_compare_exchange_strong(&e->hash, &expected, h)) {
        atomic_fetch_sub(&head->used, 1);
        *seen = expected;
        return 0;
    }
    memcpy(e->name, name, len + 1);
    atomic_store_explicit(&e->ready, 1, memory_order_release);
    return 1;
}

/* *added (if not NULL) set when this call put name in. */
static _Atomic uint64_t *lookup(mtab *t, const char *name, int insert,
                                int *added)
{
    size_t len = strlen(name);
    entry_head *overflow = at(t, t->nslots);
    if (len >= MTAB_NAME_MAX)
        return insert ? counters_of(overflow) : NULL;
    uint64_t h = name_hash(name, len);
    unsigned mask = t->nslots - 1;
    for (unsigned n = 0, i = (unsigned)h & mask; n < t->nslots;
         n++, i = (i + 1) & mask) {
        entry_head *e = at(t, i);
        uint64_t seen = atomic_load_explicit(&e->hash, memory_order_acquire);
        if (!seen) {
            if (!insert)
                return NULL;
            if (claim(t, e, name, len, h, &seen)) {
                if (added)
                    *added = 1;
                return counters_of(e);
            }
            if (!seen)
                break;                   /* full */
        }
        if (seen == h && holds(e, name))
            return counters_of(e);
    }
    return insert ? counters_of(overflow) : NULL;
}

_Atomic uint64_t *mtab_counters(mtab *t, const char *name)
{
    return lookup(t, name, 1, NULL);
}

_Atomic uint64_t *mtab_find(const mtab *t, const char *name)
{
    return lookup((mtab *)t, name, 0, NULL);
}

_Atomic uint64_t *mtab_counters_shared(mtab *t, const char *name,
                                       mtab *owners, const char *owner,
                                       unsigned share)
{
    _Atomic uint64_t *c = mtab_find(t, name);
    if (c)
        return c;
    _Atomic uint64_t *taken = mtab_counters(owners, owner);
    /* the place is taken before the name is added, as in claim() */
    if (atomic_fetch_add(&taken[0], 1) >= share) {
        atomic_fetch_sub(&taken[0], 1);
        return counters_of(at(t, t->nslots));
    }
    int added = 0;
    c = lookup(t, name, 1, &added);
    if (!added)          /* another process added it, or t is full */
        atomic_fetch_sub(&taken[0], 1);
    return c;
}

unsigned mtab_positions(const mtab *t)
{
    return t->nslots + 1;
}

const char *mtab_entry(const mtab *t, unsigned i, _Atomic uint64_t **counters)
{
    entry_head *e = at(t, i);
    if (!atomic_load_explicit(&e->ready, memory_order_acquire))
        return NULL;
    *counters = counters_of(e);
    return e->name;
}

void *mtab_extra(_Atomic uint64_t *counters, const mtab *t)
{
    return (void *)(counters + t->ncounters);
}

unsigned mtab_used(const mtab *t)
{
    return atomic_load(&((table_head *)t->mem)->used);
}

/* ------------------------------------------------------------------ */

const char *const mtab_decision_label[MDEC_COUNT] = {
    [MDEC_GRANT] = "grant", [MDEC_DENY] = "deny",
    [MDEC_WOULD_DENY] = "would_deny"
};

/* 200, 405 and 501: a hidden denial answered as OPTIONS, PUT or an
 * unknown method on a missing path are. */
const int mtab_status_code[MTAB_STATUSES] = {
    401, 403, 404, 407, 451, 500, 200, 400, 405, 501, 0
};

unsigned mtab_status_index(int status)
{
    for (unsigned i = 0; i < MTAB_STATUS_OTHER; i++)
        if (mtab_status_code[i] == status)
            return i;
    return MTAB_STATUS_OTHER;
}

const char *mtab_status_label(unsigned i, char buf[8])
{
    if (i >= MTAB_STATUS_OTHER)
        return "other";
    snprintf(buf, 8, "%d", mtab_status_code[i]);
    return buf;
}

unsigned mtab_area_slot(mtab_decision decision, policy_reason reason,
                        unsigned status_index)
{
    if (decision == MDEC_GRANT)
        return MTAB_GRANT_SLOT;
    return 1 + ((decision == MDEC_WOULD_DENY) * REASON_COUNT + reason)
               * MTAB_STATUSES + status_index;
}

int mtab_next_denial(_Atomic uint64_t *counters, unsigned *slot,
                     mtab_denial *out)
{
    while (++*slot < MTAB_AREA_COUNTERS) {
        out->count = atomic_load(&counters[*slot]);
        if (!out->count)
            continue;
        unsigned i = *slot - 1;
        out->status = i % MTAB_STATUSES;
        out->reason = (policy_reason)(i / MTAB_STATUSES % REASON_COUNT);
        out->decision = i / MTAB_STATUSES / REASON_COUNT ? MDEC_WOULD_DENY
                                                         : MDEC_DENY;
        return 1;
    }
    return 0;
}

void mtab_area_totals(_Atomic uint64_t *counters,
                      uint64_t totals[MDEC_COUNT])
{
    totals[MDEC_GRANT] = atomic_load(&counters[MTAB_GRANT_SLOT]);
    for (int d = MDEC_DENY; d < MDEC_COUNT; d++) {
        totals[d] = 0;
        for (int r = 0; r < REASON_COUNT; r++)
            for (unsigned s = 0; s < MTAB_STATUSES; s++)
                totals[d] += atomic_load(&counters[mtab_area_slot(d, r, s)]);
    }
}

int mtab_any(_Atomic uint64_t *counters, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (atomic_load(&counters[i]))
            return 1;
    return 0;
}

size_t mtab_escape_label(char *dst, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src, *end = s + len;
    char *d = dst;
    for (uint32_t cp; s < end;) {
        size_t n = escape_utf8_char(s, (size_t)(end - s), &cp);
        if (!n) {
            memcpy(d, "\xef\xbf\xbd", 3);        /* U+FFFD */
            d += 3;
            s++;
        }
        else if (cp == '\\' || cp == '"' || cp == '\n') {
            *d++ = '\\';
            *d++ = cp == '\n' ? 'n' : (char)cp;
            s++;
        }
        else {
            memcpy(d, s, n);
            d += n;
            s += n;
        }
    }
    *d = '\0';
    return (size_t)(d - dst);
}
