/*
 * metrics_table: named counters in one block of memory that the server's
 * processes share, updated without locks.
 *
 * A table holds up to `bound` entries, each a name (an area, a shadow, a
 * data file) and a fixed number of 64-bit counters.  Entries live in an
 * open-addressing array of twice the bound (a power of two), found by the
 * hash of their name (pure/hash.h).  A process adds a name by claiming a
 * free slot with one compare-and-swap on its hash, writing the name, then
 * publishing it (`ready`); one that finds the hash claimed waits for the
 * name and compares it.  Once `bound` names are in, or for a name that does
 * not fit, the counters of one overflow entry are used instead: memory is
 * fixed when the table is made.
 *
 * Also the Prometheus text format's label escaping, and the layout of an
 * area's decision counters.  Pure C11 (atomics), no APR, no httpd.
 */
#ifndef AUTHZ_POLICY_METRICS_TABLE_H
#define AUTHZ_POLICY_METRICS_TABLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "reason.h"

/* A name this long or longer is counted under the overflow entry. */
#define MTAB_NAME_MAX 256

typedef struct {
    unsigned char *mem;          /* the shared block */
    unsigned bound;              /* entries at most, the overflow aside */
    unsigned nslots;             /* a power of two, >= 2 * bound */
    unsigned ncounters;
    size_t extra;                /* bytes per entry after the counters */
    size_t stride;
} mtab;

/* Bytes of shared memory a table of this shape needs. */
size_t mtab_size(unsigned bound, unsigned ncounters, size_t extra);

/* Makes an empty table in mem (mtab_size bytes) whose overflow entry is
 * named overflow_name. */
void mtab_init(mtab *t, void *mem, unsigned bound, unsigned ncounters,
               size_t extra, const char *overflow_name);

/* The counters of name's entry, added if it is new and there is room;
 * else the overflow entry's.  Never NULL. */
_Atomic uint64_t *mtab_counters(mtab *t, const char *name);

/* The counters of name's entry, or NULL if it has none (no insert). */
_Atomic uint64_t *mtab_find(const mtab *t, const char *name);

/* mtab_counters for a name that owner adds: owner may add at most share
 * names to t, counted in counter 0 of owner's entry in owners (a table
 * of one counter; owners beyond its bound share its overflow entry's
 * count).  Past the share, t's overflow entry; a name already in t is
 * found whoever added it. */
_Atomic uint64_t *mtab_counters_shared(mtab *t, const char *name,
                                       mtab *owners, const char *owner,
                                       unsigned share);

/* The entry at position i (0 .. mtab_positions - 1; the last one is the
 * overflow entry): its name and counters, or NULL for a free slot. */
unsigned mtab_positions(const mtab *t);
const char *mtab_entry(const mtab *t, unsigned i,
                       _Atomic uint64_t **counters);
/* The entry's extra bytes, after its counters. */
void *mtab_extra(_Atomic uint64_t *counters, const mtab *t);
/* Names in the table, the overflow entry aside. */
unsigned mtab_used(const mtab *t);

/* ------------------------------------------------------------------ */
/* An area's decision counters                                          */

typedef enum { MDEC_GRANT = 0, MDEC_DENY, MDEC_WOULD_DENY,
               MDEC_COUNT } mtab_decision;
extern const char *const mtab_decision_label[MDEC_COUNT];

/* The statuses a denial is counted under: the ones it can be answered
 * with, and the answers a hidden denial's decoy can give; any other is
 * counted as "other" (status index MTAB_STATUS_OTHER). */
#define MTAB_STATUSES 11
#define MTAB_STATUS_OTHER (MTAB_STATUSES - 1)
extern const int mtab_status_code[MTAB_STATUSES];
unsigned mtab_status_index(int status);
/* The label of status index i: "403", ..., "other". */
const char *mtab_status_label(unsigned i, char buf[8]);

/* Counters of an area: grants, then deny and would-deny by reason and
 * status. */
#define MTAB_AREA_COUNTERS (1 + 2 * REASON_COUNT * MTAB_STATUSES)
#define MTAB_GRANT_SLOT 0            /* a grant has one, whatever the status */
unsigned mtab_area_slot(mtab_decision decision, policy_reason reason,
                        unsigned status_index);
/* The next of an area's denial counters above 0 after *slot (0 to
 * start): 1 and its decision, reason, status index and count, or 0. */
typedef struct {
    mtab_decision decision;
    policy_reason reason;
    unsigned status;
    uint64_t count;
} mtab_denial;
int mtab_next_denial(_Atomic uint64_t *counters, unsigned *slot,
                     mtab_denial *out);
/* An area's counts by decision, every reason and status summed. */
void mtab_area_totals(_Atomic uint64_t *counters,
                      uint64_t totals[MDEC_COUNT]);
/* Whether any of an entry's n counters is above 0. */
int mtab_any(_Atomic uint64_t *counters, unsigned n);

/* ------------------------------------------------------------------ */
/* The Prometheus text format (0.0.4)                                    */

/* Worst-case output size (NUL included) for len input bytes. */
#define MTAB_LABEL_MAX(len) ((len) * 3 + 1)
/* A label value's inside, without the quotes: backslash, double quote
 * and line feed escaped as the format says; invalid UTF-8 becomes U+FFFD
 * (the format's values are UTF-8).  Returns the length written. */
size_t mtab_escape_label(char *dst, const char *src, size_t len);

#endif
