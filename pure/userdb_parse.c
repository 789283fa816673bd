/*
 * userdb: parsing AuthzPolicyUserFile and building its table (the image's
 * layout is described in userdb_image.h; userdb.c reads it).
 *
 * Parsing fills growable arrays (struct build); image_of then lays the
 * result out as one image.  Every index is probed with the key the image
 * will carry (userdb_image.h), drawn at random for each parse: a file
 * cannot be written so that its names, roles or lists share slots, and
 * so its parse stays linear in its size.
 */
#include "userdb_image.h"
#include "instant.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

typedef struct {
    uint32_t *slot;            /* entry + 1; 0 = empty */
    uint32_t size;             /* slots: any number, at least twice n */
    uint32_t n;
    const uint64_t *key;       /* the hash's key (the parser's) */
} sindex;

typedef struct {
    char *arena;
    size_t arena_len, arena_cap;

    /* users, one column each */
    uint32_t *u_name, *u_roles, *u_scopes, *u_plan;  /* plan: a set too */
    uint32_t nusers, ucap;
    sindex users;
    uint64_t key[2];           /* every index's hash key */

    /* symbols: role, plan and scope names */
    uint32_t *sym_off;
    uint32_t nsyms, symcap;

    /* sets of symbols; set 0 is the empty set */
    uint32_t *set_start, *set_n;
    uint32_t nsets, setcap;
    uint32_t nitems, itemcap;  /* items: in parser.item_sym */
} build;

/* Parse-time only state. */
typedef struct {
    build *db;
    const char *buf;           /* the file, for "first on line N" */
    size_t len;
    sindex syms;
    sindex sets;
    uint32_t *set_key;         /* arena offset of the text a set was read from */
    uint32_t *item_sym;        /* symbol of each item, resolved to pointers last */
    int64_t *item_expiry;      /* beside each item */
    char *err;
    size_t errlen;
    unsigned line;
} parser;

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint32_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > UINT32_MAX / 2)
            return -1;
        ncap *= 2;
    }
    void *np = realloc(*p, (size_t)ncap * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

/* Finds the slot holding key, or the empty slot where it would go. */
static uint32_t *sindex_find(const sindex *ix, const char *arena,
                             const uint32_t *keyoff, const char *key,
                             size_t len)
{
    uint32_t i = userdb_slot(userdb_hash(ix->key, key, len), ix->size);
    for (;;) {
        uint32_t e = ix->slot[i];
        if (e == 0)
            return &ix->slot[i];
        /* strncmp, not memcmp: k may be shorter than len */
        const char *k = arena + keyoff[e - 1];
        if (strncmp(k, key, len) == 0 && k[len] == '\0')
            return &ix->slot[i];
        if (++i == ix->size)
            i = 0;
    }
}

/* An index of 2 * expect + 1 slots: expect entries leave it half empty. */
static int sindex_init(sindex *ix, uint32_t expect, const uint64_t *key)
{
    if (expect > (UINT32_MAX - 1) / 2)
        return -1;
    ix->size = expect * 2 + 1;
    ix->slot = calloc(ix->size, sizeof(uint32_t));
    ix->n = 0;
    ix->key = key;
    return ix->slot ? 0 : -1;
}

/* Keeps the index at most half full; rebuilds it twice as large. */
static int sindex_insert(sindex *ix, uint32_t *slot, uint32_t entry,
                         const char *arena, const uint32_t *keyoff)
{
    *slot = entry + 1;
    ix->n++;
    if ((uint64_t)ix->n * 2 < ix->size)
        return 0;
    sindex big;
    if (ix->n > UINT32_MAX / 4 || sindex_init(&big, ix->n * 2, ix->key))
        return -1;
    big.n = ix->n;
    for (uint32_t i = 0; i < ix->size; i++) {
        uint32_t e = ix->slot[i];
        if (!e)
            continue;
        const char *k = arena + keyoff[e - 1];
        uint32_t j = userdb_slot(userdb_hash(ix->key, k, strlen(k)), big.size);
        while (big.slot[j])
            if (++j == big.size)
                j = 0;
        big.slot[j] = e;
    }
    free(ix->slot);
    *ix = big;
    return 0;
}

/* Copies len bytes and a NUL into the arena; returns the offset or -1. */
static int64_t arena_add(build *db, const char *s, size_t len)
{
    if (db->arena_len + len + 1 > UINT32_MAX)
        return -1;
    if (db->arena_len + len + 1 > db->arena_cap) {
        size_t ncap = db->arena_cap ? db->arena_cap : 4096;
        while (ncap < db->arena_len + len + 1)
            ncap *= 2;
        char *na = realloc(db->arena, ncap);
        if (!na)
            return -1;
        db->arena = na;
        db->arena_cap = ncap;
    }
    size_t off = db->arena_len;
    memcpy(db->arena + off, s, len);
    db->arena[off + len] = '\0';
    db->arena_len += len + 1;
    return (int64_t)off;
}

/* For error messages: at most 40 printable bytes of what the file said. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
    size_t n = len < size - 4 ? len : size - 4;
    if (n > 40)
        n = 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c >= 0x7f || c == '\'') ? '?' : (char)c;
    }
    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static int fail(parser *ps, const char *what, const char *s, size_t len)
{
    char tmp[64];
    if (s)
        snprintf(ps->err, ps->errlen, "line %u: %s '%s'", ps->line, what,
                 shown(s, len, tmp, sizeof tmp));
    else
        snprintf(ps->err, ps->errlen, "line %u: %s", ps->line, what);
    return -1;
}

static int nomem(parser *ps)
{
    return fail(ps, "out of memory", NULL, 0);
}

static int64_t intern_sym(parser *ps, const char *s, size_t len)
{
    build *db = ps->db;
    uint32_t *slot = sindex_find(&ps->syms, db->arena, db->sym_off, s, len);
    if (*slot)
        return *slot - 1;
    int64_t off = arena_add(db, s, len);
    if (off < 0 || grow((void **)&db->sym_off, &db->symcap, db->nsyms + 1,
                        sizeof(uint32_t)))
        return -1;
    db->sym_off[db->nsyms] = (uint32_t)off;
    /* the arena may have moved: look the slot up again */
    slot = sindex_find(&ps->syms, db->arena, db->sym_off, s, len);
    if (sindex_insert(&ps->syms, slot, db->nsyms, db->arena, db->sym_off))
        return -1;
    return db->nsyms++;
}

/* "a,b@INSTANT,c" -> set id.  Sets are interned by their text. */
static int64_t intern_set(parser *ps, const char *key, const char *s,
                          size_t len)
{
    build *db = ps->db;
    uint32_t *slot = sindex_find(&ps->sets, db->arena, ps->set_key, s, len);
    if (*slot)
        return *slot - 1;

    uint32_t start = db->nitems, n = 0;
    const char *p = s, *end = s + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *vend = comma ? comma : end;
        size_t vlen = (size_t)(vend - p), nlen = instant_name_len(p, vlen);
        char what[80];
        if (nlen == 0) {
            snprintf(what, sizeof what, "empty value in %s list", key);
            return fail(ps, what, s, len);
        }
        int64_t expiry = 0;
        if (nlen < vlen
            && instant_parse(p + nlen + 1, vlen - nlen - 1, &expiry)) {
            snprintf(what, sizeof what, "malformed expiry in %s list "
                     "(expected NAME@YYYY-MM-DDTHH:MM:SSZ):", key);
            return fail(ps, what, p, vlen);
        }
        int64_t sym = intern_sym(ps, p, nlen);
        uint32_t ecap = db->itemcap;
        if (sym < 0
            || grow((void **)&ps->item_expiry, &ecap, db->nitems + 1,
                    sizeof(int64_t))
            || grow((void **)&ps->item_sym, &db->itemcap, db->nitems + 1,
                    sizeof(uint32_t)))
            return nomem(ps);
        ps->item_expiry[db->nitems] = expiry;
        ps->item_sym[db->nitems++] = (uint32_t)sym;
        n++;
        p = vend + 1;
    }

    int64_t off = arena_add(db, s, len);
    uint32_t cap = db->setcap;
    if (off < 0
        || grow((void **)&db->set_start, &cap, db->nsets + 1, sizeof(uint32_t))
        || grow((void **)&db->set_n, &db->setcap, db->nsets + 1,
                sizeof(uint32_t)))
        return nomem(ps);
    /* set_key shares the capacity of set_n */
    uint32_t *nk = realloc(ps->set_key, (size_t)db->setcap * sizeof(uint32_t));
    if (!nk)
        return nomem(ps);
    ps->set_key = nk;
    db->set_start[db->nsets] = start;
    db->set_n[db->nsets] = n;
    ps->set_key[db->nsets] = (uint32_t)off;
    slot = sindex_find(&ps->sets, db->arena, ps->set_key, s, len);
    if (sindex_insert(&ps->sets, slot, db->nsets, db->arena, ps->set_key))
        return nomem(ps);
    return db->nsets++;
}

/* Values of a set that never expire. */
static uint32_t permanent_values(const parser *ps, uint32_t set)
{
    uint32_t count = 0, start = ps->db->set_start[set];
    for (uint32_t i = start; i < start + ps->db->set_n[set]; i++)
        count += ps->item_expiry[i] == 0;
    return count;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* What the fields of one line gave its user: a set id each (0: none). */
typedef struct {
    uint32_t roles, scopes, plan;
    int seen_role, seen_scope, seen_plan;
} user_fields;

/* The line that first names the user name: read again from the file's
 * start, only for the error (a column of line numbers would cost 4 bytes
 * per user for every file). */
static unsigned first_line_of(const parser *ps, const char *name, size_t nlen)
{
    const char *p = ps->buf, *end = ps->buf + ps->len;
    unsigned line = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *lend = eol ? eol : end;
        line++;
        if (lend > p && lend[-1] == '\r')
            lend--;
        while (p < lend && is_blank(*p))
            p++;
        const char *n = p;
        while (p < lend && !is_blank(*p))
            p++;
        if ((size_t)(p - n) == nlen && !memcmp(n, name, nlen))
            return line;
        p = eol ? eol + 1 : end;
    }
    return 0;
}

/* The user name that starts a line, from *p up to a blank; advances *p.
 * Refuses a line that starts with a field and a user already listed. */
static int read_user_name(parser *ps, const char **p, const char *end,
                          const char **name, size_t *nlen)
{
    build *db = ps->db;
    *name = *p;
    while (*p < end && !is_blank(**p))
        (*p)++;
    *nlen = (size_t)(*p - *name);
    if ((*nlen > 5 && !memcmp(*name, "role=", 5))
        || (*nlen > 5 && !memcmp(*name, "plan=", 5))
        || (*nlen > 6 && !memcmp(*name, "scope=", 6)))
        return fail(ps, "user name missing before", *name, *nlen);

    uint32_t *slot = sindex_find(&db->users, db->arena, db->u_name, *name,
                                 *nlen);
    if (*slot) {
        char what[64];
        snprintf(what, sizeof what, "duplicate user (first on line %u)",
                 first_line_of(ps, *name, *nlen));
        return fail(ps, what, *name, *nlen);
    }
    return 0;
}

/* One key=value field of flen bytes at f, into fields. */
static int parse_field(parser *ps, const char *f, size_t flen,
                       user_fields *fields)
{
    const char *eq = memchr(f, '=', flen);
    /* the usual ways here: "role = admin" and "scope=a b" */
    if (!eq && ((flen == 4 && (!memcmp(f, "role", 4)
                               || !memcmp(f, "plan", 4)))
                || (flen == 5 && !memcmp(f, "scope", 5))))
        return fail(ps, "malformed field (expected key=value, with no "
                    "spaces around '='):", f, flen);
    if (!eq)
        return fail(ps, "malformed field (expected key=value; a list's "
                    "values are separated by commas, not spaces: "
                    "role=a,b):", f, flen);
    size_t klen = (size_t)(eq - f);
    const char *v = eq + 1;
    size_t vlen = flen - klen - 1;
    int *seen;
    if (klen == 4 && !memcmp(f, "role", 4))
        seen = &fields->seen_role;
    else if (klen == 5 && !memcmp(f, "scope", 5))
        seen = &fields->seen_scope;
    else if (klen == 4 && !memcmp(f, "plan", 4))
        seen = &fields->seen_plan;
    else
        return fail(ps, "unknown key (expected role, plan or scope):",
                    f, klen);
    if (*seen)
        return fail(ps, "key given twice:", f, klen);
    *seen = 1;
    if (vlen == 0)
        return fail(ps, "empty value for", f, klen);
    const char *key = seen == &fields->seen_role ? "role"
                      : seen == &fields->seen_plan ? "plan" : "scope";
    int64_t set = intern_set(ps, key, v, vlen);
    if (set < 0)
        return -1;
    /* plans that expire may be listed beside the one that does not:
     * the highest that has not expired counts */
    if (seen == &fields->seen_plan
        && permanent_values(ps, (uint32_t)set) > 1)
        return fail(ps, "a user has one plan, not a list (only plans "
                    "with an expiry may be added):", v, vlen);
    *(seen == &fields->seen_role ? &fields->roles
      : seen == &fields->seen_plan ? &fields->plan : &fields->scopes) =
        (uint32_t)set;
    return 0;
}

/* Adds the user to the columns and the index. */
static int store_user(parser *ps, const char *name, size_t nlen,
                      const user_fields *fields)
{
    build *db = ps->db;
    int64_t off = arena_add(db, name, nlen);
    /* the columns share ucap */
    uint32_t cap = db->ucap, cap2 = cap, cap3 = cap, cap4 = cap;
    if (off < 0
        || grow((void **)&db->u_name, &cap, db->nusers + 1, sizeof(uint32_t))
        || grow((void **)&db->u_roles, &cap2, db->nusers + 1, sizeof(uint32_t))
        || grow((void **)&db->u_scopes, &cap3, db->nusers + 1, sizeof(uint32_t))
        || grow((void **)&db->u_plan, &cap4, db->nusers + 1, sizeof(uint32_t)))
        return nomem(ps);
    db->ucap = cap;
    uint32_t u = db->nusers;
    db->u_name[u] = (uint32_t)off;
    db->u_roles[u] = fields->roles;
    db->u_scopes[u] = fields->scopes;
    db->u_plan[u] = fields->plan;
    uint32_t *slot = sindex_find(&db->users, db->arena, db->u_name, name,
                                 nlen);
    if (sindex_insert(&db->users, slot, u, db->arena, db->u_name))
        return nomem(ps);
    db->nusers++;
    return 0;
}

static int starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && !memcmp(s, prefix, n);
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}

/* Whether what follows a name's first ':' (up to the line's end) is an
 * htpasswd hash (the rest of the name: $apr1$, $2y$, {SHA}, $5$, $6$ or
 * 13 characters of crypt) or an htdigest "realm:HA1" (the realm may hold
 * spaces; the line ends in ':' and 32 hex digits). */
static int is_password_rest(const char *rest, const char *end)
{
    const char *tok = rest;
    while (tok < end && !is_blank(*tok))
        tok++;
    size_t tlen = (size_t)(tok - rest);
    static const char *const prefixes[] = {
        "$apr1$", "$2y$", "$2a$", "$2b$", "{SHA}", "$5$", "$6$"
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (starts_with(rest, tlen, prefixes[i]))
            return 1;
    if (tlen == 13) {
        size_t i = 0;
        while (i < tlen && (rest[i] == '.' || rest[i] == '/'
                            || (rest[i] >= '0' && rest[i] <= '9')
                            || (rest[i] >= 'A' && rest[i] <= 'Z')
                            || (rest[i] >= 'a' && rest[i] <= 'z')))
            i++;
        if (i == tlen)
            return 1;
    }
    while (end > rest && is_blank(end[-1]))
        end--;
    if (end - rest < 33)
        return 0;
    for (const char *h = end - 32; h < end; h++)
        if (!is_hex(*h))
            return 0;
    return end[-33] == ':';
}

static int parse_line(parser *ps, const char *p, const char *end)
{
    while (p < end && is_blank(*p))
        p++;
    if (p == end || *p == '#')
        return 0;
    if (memchr(p, '\0', (size_t)(end - p)))
        return fail(ps, "NUL byte in line", NULL, 0);

    /* "name:hash" or "name:realm:HA1", an htpasswd or htdigest file named
     * by mistake: told before the fields are read, which would quote the
     * text after the ':' (a realm's space makes the HA1 a "field").  The
     * name alone is shown.  Any other name holding ':' (a URN, an OIDC
     * subject) is a user like any other, fields or none. */
    const char *tok_end = p;
    while (tok_end < end && !is_blank(*tok_end))
        tok_end++;
    const char *colon = memchr(p, ':', (size_t)(tok_end - p));
    if (colon && is_password_rest(colon + 1, end))
        return fail(ps, "a password hash after ':': an htpasswd or htdigest "
                    "line (for AuthUserFile)? This file lists `name "
                    "role=... plan=... scope=...`; user",
                    p, (size_t)(colon - p));

    const char *name;
    size_t nlen;
    if (read_user_name(ps, &p, end, &name, &nlen))
        return -1;

    user_fields fields = {0, 0, 0, 0, 0, 0};
    for (;;) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            break;
        const char *f = p;
        while (p < end && !is_blank(*p))
            p++;
        if (parse_field(ps, f, (size_t)(p - f), &fields))
            return -1;
    }
    return store_user(ps, name, nlen, &fields);
}

static void build_free(build *db)
{
    if (!db)
        return;
    free(db->arena);
    free(db->u_name);
    free(db->u_roles);
    free(db->u_scopes);
    free(db->u_plan);
    free(db->users.slot);
    free(db->sym_off);
    free(db->set_start);
    free(db->set_n);
    free(db);
}

/* Copies n bytes of *src to dst and frees *src: the parse's arrays go
 * while the image fills, so that its peak is not the two of them.  A
 * large array is copied a megabyte at a time, each one's pages given
 * back once copied (only whole pages inside the array: nothing else
 * lives there, and it is freed next), so that copying the largest part
 * does not hold it twice either. */
static void move(char *dst, void *src_p, uint64_t n)
{
    void **src = src_p;
    const size_t chunk = 1 << 20;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    const char *from = *src;
    for (uint64_t done = 0; done < n;) {
        size_t step = n - done < chunk ? (size_t)(n - done) : chunk;
        memcpy(dst + done, from + done, step);
        done += step;
        uintptr_t lo = ((uintptr_t)from + done - step + page - 1) & ~(page - 1);
        uintptr_t hi = ((uintptr_t)from + done) & ~(page - 1);
        if (n > chunk && hi > lo)
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
    }
    free(*src);
    *src = NULL;
}

static uint64_t align8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

/* Lays the parsed table out as one image, taking the parse's arrays. */
static userdb *image_of(parser *ps)
{
    build *b = ps->db;
    /* what only the parse needed goes first */
    free(ps->syms.slot);
    free(ps->sets.slot);
    free(ps->set_key);
    ps->syms.slot = ps->sets.slot = ps->set_key = NULL;

    userdb h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, USERDB_MAGIC, sizeof h.magic);
    h.nusers = b->nusers;
    h.index_slots = b->users.size;
    h.key[0] = b->key[0];
    h.key[1] = b->key[1];
    h.nsets = b->nsets;
    h.nitems = b->nitems;
    h.nsyms = b->nsyms;
    uint64_t at = align8(sizeof h), col = (uint64_t)b->nusers * 4;
    h.off_name = at;   at = align8(at + col);
    h.off_roles = at;  at = align8(at + col);
    h.off_scopes = at; at = align8(at + col);
    h.off_plan = at;   at = align8(at + col);
    h.off_index = at;  at = align8(at + (uint64_t)b->users.size * 4);
    h.off_set_start = at; at = align8(at + (uint64_t)b->nsets * 4);
    h.off_set_n = at;  at = align8(at + (uint64_t)b->nsets * 4);
    h.off_items = at;  at = align8(at + (uint64_t)b->nitems * 4);
    h.off_item_expiry = at; at = align8(at + (uint64_t)b->nitems * 8);
    h.off_sym = at;    at = align8(at + (uint64_t)b->nsyms * 4);
    h.off_arena = at;
    h.arena_len = b->arena_len;
    h.size = at + b->arena_len;
    if (h.size > SIZE_MAX)
        return NULL;

    /* calloc: the padding between the parts is zero, and its pages are
     * the system's fresh ones, touched only as each part is copied */
    char *img = calloc(1, h.size ? (size_t)h.size : 1);
    if (!img)
        return NULL;
    memcpy(img, &h, sizeof h);
    move(img + h.off_name, &b->u_name, col);
    move(img + h.off_roles, &b->u_roles, col);
    move(img + h.off_scopes, &b->u_scopes, col);
    move(img + h.off_plan, &b->u_plan, col);
    move(img + h.off_index, &b->users.slot, (uint64_t)b->users.size * 4);
    move(img + h.off_set_start, &b->set_start, (uint64_t)b->nsets * 4);
    move(img + h.off_set_n, &b->set_n, (uint64_t)b->nsets * 4);
    uint32_t *items = (uint32_t *)(img + h.off_items);
    for (uint32_t i = 0; i < b->nitems; i++)
        items[i] = b->sym_off[ps->item_sym[i]];
    free(ps->item_sym);
    ps->item_sym = NULL;
    move(img + h.off_item_expiry, &ps->item_expiry, (uint64_t)b->nitems * 8);
    move(img + h.off_sym, &b->sym_off, (uint64_t)b->nsyms * 4);
    move(img + h.off_arena, &b->arena, b->arena_len);
    return (userdb *)img;
}

/* The lines that name a user (not blank, not a comment), as parse_line
 * tells them apart: the user index is sized for them once. */
static uint32_t user_lines(const char *buf, size_t len)
{
    uint32_t users = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *lend = eol ? eol : end;
        if (lend > p && lend[-1] == '\r')
            lend--;
        while (p < lend && is_blank(*p))
            p++;
        if (p < lend && *p != '#' && users < UINT32_MAX / 4)
            users++;
        p = eol ? eol + 1 : end;
    }
    return users;
}

userdb *userdb_parse_keyed(const char *buf, size_t len, const uint64_t key[2],
                           char *err, size_t errlen)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.err = err;
    ps.errlen = errlen;
    ps.buf = buf;
    ps.len = len;
    ps.db = calloc(1, sizeof(build));
    build *db = ps.db;
    userdb *image = NULL;
    if (err && errlen)
        err[0] = '\0';

    /* the indexes, and set 0: the empty set.  The user index is sized
     * for the lines that name users, not for every line: blank lines and
     * comments cost nothing. */
    uint32_t c = 0;
    if (db) {
        db->key[0] = key[0];
        db->key[1] = key[1];
    }
    if (!db || sindex_init(&db->users, user_lines(buf, len), db->key)
        || sindex_init(&ps.syms, 8, db->key)
        || sindex_init(&ps.sets, 8, db->key)
        || grow((void **)&db->set_start, &db->setcap, 1, sizeof(uint32_t))
        || grow((void **)&db->set_n, &c, db->setcap, sizeof(uint32_t))
        || !(ps.set_key = calloc(db->setcap, sizeof(uint32_t)))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    db->set_start[0] = 0;
    db->set_n[0] = 0;
    db->nsets = 1;

    const char *p = buf, *end = buf + len;
    ps.line = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *lend = eol ? eol : end;
        ps.line++;
        const char *trim = lend;
        if (trim > p && trim[-1] == '\r')
            trim--;
        if (parse_line(&ps, p, trim))
            goto done;
        p = eol ? eol + 1 : end;
    }
    image = image_of(&ps);
    if (!image)
        snprintf(err, errlen, "out of memory");

done:
    free(ps.syms.slot);
    free(ps.sets.slot);
    free(ps.set_key);
    free(ps.item_sym);
    free(ps.item_expiry);
    build_free(db);
    return image;
}

userdb *userdb_parse(const char *buf, size_t len, char *err, size_t errlen)
{
    /* a key of its own for each parse: no file can be crafted against
     * it, nor against the key of an earlier version */
    uint64_t key[2];
    unsigned char *k = (unsigned char *)key;
    size_t got = 0;
    while (got < sizeof key) {
        ssize_t n = getrandom(k + got, sizeof key - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (err && errlen)
                snprintf(err, errlen, "no random key for the user table "
                         "(getrandom: %s)", strerror(n < 0 ? errno : EIO));
            return NULL;
        }
        got += (size_t)n;
    }
    return userdb_parse_keyed(buf, len, key, err, errlen);
}

/* Calls each for the name of every value of the list from v to end. */
