/* libFuzzer target: the user file.
 *
 * Oracle: a naive line parser of the file's rules (docs/directives.md,
 * AuthzPolicyUserFile: "name key=value ...", keys role, scope (lists) and
 * plan, each at most once, no empty values, '#' comments, blank lines,
 * CRLF; a line whose first word holds ':' followed by an htpasswd hash,
 * or that ends in htdigest's ":realm:HA1", is refused, any other name
 * holding ':' is a user) keeping every user in a plain array.  A value
 * may end in "@YYYY-MM-DDTHH:MM:SSZ" (its last '@' followed by a digit),
 * years from 2000, checked here by the C library (timegm, and gmtime_r
 * giving the same fields back); a plan may be a list whose values, all but one at
 * most, expire.  The parser must accept exactly what the naive parser
 * accepts, count the same users, and a look-up of each user must return
 * the roles, scopes and plans the line gave, in order, each with its
 * instant; names that are not in the file are not found.
 *
 * The image the parser built must pass userdb_valid; copies of it with a
 * few bytes changed (chosen by the input) must be rejected, or else be
 * safe to search (AddressSanitizer watches the look-ups). */
#define _GNU_SOURCE                    /* timegm */
#include "userdb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_USERS 1024

typedef struct {
    const char *name;
    size_t nlen;
    const char *roles, *scopes, *plan;   /* NULL: not given */
    size_t rlen, slen, plen;
} naive_user;

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

static int starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len > n && !memcmp(s, prefix, n);
}

/* One list item: the length of its name and its instant (0: none), or
 * -1 when the instant is malformed. */
static long naive_item(const char *v, size_t len, int64_t *expiry)
{
    const char *at = NULL;
    for (size_t i = 0; i < len; i++)
        if (v[i] == '@')
            at = v + i;
    *expiry = 0;
    if (!at || at + 1 == v + len || at[1] < '0' || at[1] > '9')
        return (long)len;
    const char *t = at + 1;
    static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
    if ((size_t)(v + len - t) != sizeof form - 1)
        return -1;
    for (size_t i = 0; i < sizeof form - 1; i++)
        if (form[i] == 'd' ? t[i] < '0' || t[i] > '9' : t[i] != form[i])
            return -1;
    struct tm tm, back;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = atoi(t) - 1900;
    tm.tm_mon = atoi(t + 5) - 1;
    tm.tm_mday = atoi(t + 8);
    tm.tm_hour = atoi(t + 11);
    tm.tm_min = atoi(t + 14);
    tm.tm_sec = atoi(t + 17);
    time_t when = timegm(&tm);
    if (tm.tm_year < 100 || !gmtime_r(&when, &back)
        || back.tm_year != tm.tm_year || back.tm_mon != atoi(t + 5) - 1
        || back.tm_mday != atoi(t + 8) || back.tm_hour != atoi(t + 11)
        || back.tm_min != atoi(t + 14) || back.tm_sec != atoi(t + 17))
        return -1;
    *expiry = (int64_t)when;
    return (long)(at - v);
}

/* "a,b@INSTANT,c": no empty item, no empty name, no malformed instant;
 * the number of items that never expire, or -1. */
static long list_ok(const char *v, size_t len)
{
    if (len == 0 || v[0] == ',' || v[len - 1] == ',')
        return -1;
    long permanent = 0;
    const char *p = v, *end = v + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *vend = comma ? comma : end;
        int64_t expiry;
        long nlen = naive_item(p, (size_t)(vend - p), &expiry);
        if (nlen <= 0)
            return -1;
        permanent += expiry == 0;
        p = vend + 1;
    }
    return permanent;
}

static int same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && !memcmp(a, b, alen);
}

/* An htpasswd or htdigest line, from its first non-blank to its end:
 * the first word holds ':' and what follows that ':' begins with a
 * hash's prefix, or is 13 crypt characters up to a blank or the end, or
 * the line ends in ':' and 32 hex digits (blanks after them allowed). */
static int password_line(const char *s, const char *e)
{
    const char *c = s;
    while (c < e && !blank(*c) && *c != ':')
        c++;
    if (c == e || *c != ':')
        return 0;
    const char *r = c + 1;
    static const char *const hashes[] = {
        "$apr1$", "$2y$", "$2a$", "$2b$", "{SHA}", "$5$", "$6$"
    };
    size_t wlen = 0;
    while (r + wlen < e && !blank(r[wlen]))
        wlen++;
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++)
        if (wlen >= strlen(hashes[i])
            && !strncmp(r, hashes[i], strlen(hashes[i])))
            return 1;
    static const char crypt_chars[] = "./0123456789"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    size_t in_crypt = 0;
    while (in_crypt < wlen && r[in_crypt]
           && strchr(crypt_chars, r[in_crypt]))
        in_crypt++;
    if (wlen == 13 && in_crypt == 13)
        return 1;
    const char *t = e;
    while (t > r && blank(t[-1]))
        t--;
    if (t - r < 33 || t[-33] != ':')
        return 0;
    for (int i = 1; i <= 32; i++)
        if (!t[-i] || !strchr("0123456789abcdefABCDEF", t[-i]))
            return 0;
    return 1;
}

/* -1: rejected; else the number of users (at most max kept). */
static long naive_parse(const char *buf, size_t len, naive_user *users,
                        size_t max)
{
    size_t count = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *e = eol ? eol : end;
        const char *s = p;
        p = eol ? eol + 1 : end;
        if (e > s && e[-1] == '\r')
            e--;
        while (s < e && blank(*s))
            s++;
        if (s == e || *s == '#')
            continue;
        if (memchr(s, '\0', (size_t)(e - s)))
            return -1;
        if (password_line(s, e))
            return -1;
        naive_user u;
        memset(&u, 0, sizeof u);
        /* fields: runs of non-blanks */
        int field = 0;
        while (s < e) {
            const char *f = s;
            while (s < e && !blank(*s))
                s++;
            size_t flen = (size_t)(s - f);
            while (s < e && blank(*s))
                s++;
            if (field++ == 0) {
                if (starts(f, flen, "role=") || starts(f, flen, "plan=")
                    || starts(f, flen, "scope="))
                    return -1;
                for (size_t i = 0; i < count && i < max; i++)
                    if (same(users[i].name, users[i].nlen, f, flen))
                        return -1;
                u.name = f;
                u.nlen = flen;
                continue;
            }
            const char *eq = memchr(f, '=', flen);
            if (!eq)
                return -1;
            const char *v = eq + 1;
            size_t klen = (size_t)(eq - f), vlen = flen - klen - 1;
            const char **slot;
            size_t *slen;
            if (same(f, klen, "role", 4))
                slot = &u.roles, slen = &u.rlen;
            else if (same(f, klen, "scope", 5))
                slot = &u.scopes, slen = &u.slen;
            else if (same(f, klen, "plan", 4))
                slot = &u.plan, slen = &u.plen;
            else
                return -1;
            if (*slot || vlen == 0)
                return -1;
            long permanent = list_ok(v, vlen);
            if (permanent < 0 || (slot == &u.plan && permanent > 1))
                return -1;
            *slot = v;
            *slen = vlen;
        }
        if (count < max)
            users[count] = u;
        count++;
    }
    return (long)count;
}

/* The returned list of offsets and instants is the comma-separated
 * text, in order. */
static void same_list(const userdb *db, const uint32_t *items,
                      const int64_t *expiry, unsigned n, const char *text,
                      size_t len)
{
    if (!text) {
        if (n != 0)
            abort();
        return;
    }
    const char *p = text, *end = text + len;
    unsigned i = 0;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *vend = comma ? comma : end;
        if (i >= n)
            abort();
        int64_t want;
        size_t nlen = (size_t)naive_item(p, (size_t)(vend - p), &want);
        if (expiry[i] != want)
            abort();
        const char *got = userdb_str(db, items[i++]);
        if (strlen(got) != nlen || memcmp(got, p, nlen))
            abort();
        p = vend + 1;
    }
    if (i != n)
        abort();
}

static void search_anyway(const userdb *db, const naive_user *users,
                          size_t count)
{
    char name[256];
    for (size_t i = 0; i < count && i < 64; i++) {
        size_t n = users[i].nlen < sizeof name - 1 ? users[i].nlen : sizeof name - 1;
        memcpy(name, users[i].name, n);
        name[n] = '\0';
        userdb_user u;
        if (userdb_lookup(db, name, &u)) {
            for (unsigned k = 0; k < u.nroles; k++)
                (void)(strlen(userdb_str(db, u.roles[k])) + u.role_expiry[k]);
            for (unsigned k = 0; k < u.nscopes; k++)
                (void)(strlen(userdb_str(db, u.scopes[k]))
                       + u.scope_expiry[k]);
            for (unsigned k = 0; k < u.nplans; k++)
                (void)(strlen(userdb_str(db, u.plans[k])) + u.plan_expiry[k]);
        }
    }
}

/* Copies of the image with a byte changed, where the input's last bytes
 * say (the header, where offsets and counts are, most often). */
static void mutated_images(const userdb *db, const uint8_t *data, size_t size,
                           const naive_user *users, size_t count)
{
    size_t len = userdb_size(db);
    for (int round = 0; round < 3 && size >= 4 * (size_t)(round + 1); round++) {
        const uint8_t *m = data + size - 4 * (size_t)(round + 1);
        size_t where = ((size_t)m[0] << 16 | (size_t)m[1] << 8 | m[2]);
        where = round == 0 ? where % 152 : where % len;   /* 152: the header */
        uint8_t *copy = malloc(len);
        memcpy(copy, db, len);
        copy[where] ^= m[3] ? m[3] : 1;
        if (userdb_valid(copy, len))
            search_anyway((const userdb *)copy, users, count);
        free(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static naive_user users[MAX_USERS];
    char err[256];
    if (size > 4096)
        return 0;                       /* names are copied to the stack */
    long naive = naive_parse((const char *)data, size, users, MAX_USERS);
    if (naive > MAX_USERS)
        return 0;                       /* beyond this oracle's array */
    userdb *db = userdb_parse((const char *)data, size, err, sizeof err);
    if ((db != NULL) != (naive >= 0))
        abort();                        /* accepts what it should not, or
                                           refuses a valid file */
    if (db) {
        size_t count = (size_t)naive;
        if (!userdb_valid(db, userdb_size(db)) || userdb_count(db) != count)
            abort();
        char name[4200];
        for (size_t i = 0; i < count; i++) {
            const naive_user *nu = &users[i];
            memcpy(name, nu->name, nu->nlen);
            name[nu->nlen] = '\0';
            userdb_user u;
            if (!userdb_lookup(db, name, &u))
                abort();
            same_list(db, u.roles, u.role_expiry, u.nroles, nu->roles,
                      nu->rlen);
            same_list(db, u.scopes, u.scope_expiry, u.nscopes, nu->scopes,
                      nu->slen);
            same_list(db, u.plans, u.plan_expiry, u.nplans, nu->plan,
                      nu->plen);
            /* a longer or shorter name is someone else, if anyone */
            name[nu->nlen] = 'x';
            name[nu->nlen + 1] = '\0';
            int listed = 0;
            for (size_t j = 0; j < count && !listed; j++)
                listed = same(users[j].name, users[j].nlen, name, nu->nlen + 1);
            if (userdb_lookup(db, name, &u) != listed)
                abort();
            if (nu->nlen > 1) {
                name[nu->nlen - 1] = '\0';
                listed = 0;
                for (size_t j = 0; j < count && !listed; j++)
                    listed = same(users[j].name, users[j].nlen, name, nu->nlen - 1);
                if (userdb_lookup(db, name, &u) != listed)
                    abort();
            }
        }
        mutated_images(db, data, size, users, count);
        userdb_free(db);
    }
    else if (!err[0]) {
        abort();                        /* an error always says why */
    }

    /* The same bytes as an image read back from disk. */
    void *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (userdb_valid(copy, size))
        search_anyway(copy, users, naive > 0 ? (size_t)naive : 0);
    free(copy);
    return 0;
}
