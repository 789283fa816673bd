/*
 * userdb_scan: a user file's text read field by field, without building
 * a table, for checks that need line numbers (the table keeps none): the
 * plans named, against AuthzPolicyPlans; the grants that expire, for
 * `authz-policy check`.  Lines the parser would refuse are read as far as
 * they go; userdb_parse reports them.
 */
#include "userdb.h"
#include "instant.h"

#include <string.h>

/* One key=VALUE[,VALUE...] field of a user's line. */
typedef struct {
    const char *user, *key, *values;
    size_t user_len, key_len, values_len;
    unsigned line;
} field;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *q, const char *end)
{
    while (q < end && is_blank(*q))
        q++;
    return q;
}

static const char *word_end(const char *q, const char *end)
{
    while (q < end && !is_blank(*q))
        q++;
    return q;
}

/* The fields of one line (lend: its end, without "\r\n"). */
static void line_fields(const char *q, const char *lend, unsigned line,
                        void (*fn)(void *ctx, const field *f), void *ctx)
{
    q = skip_blanks(q, lend);
    if (q == lend || *q == '#')
        return;
    field f = { .user = q, .line = line };
    q = word_end(q, lend);
    f.user_len = (size_t)(q - f.user);
    while ((q = skip_blanks(q, lend)) < lend) {
        const char *w = q;
        q = word_end(q, lend);
        const char *eq = memchr(w, '=', (size_t)(q - w));
        if (!eq)
            continue;
        f.key = w;
        f.key_len = (size_t)(eq - w);
        f.values = eq + 1;
        f.values_len = (size_t)(q - eq - 1);
        fn(ctx, &f);
    }
}

static void each_field(const char *buf, size_t len,
                       void (*fn)(void *ctx, const field *f), void *ctx)
{
    const char *p = buf, *end = buf + len;
    unsigned line = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *lend = eol ? eol : end;
        line++;
        if (lend > p && lend[-1] == '\r')
            lend--;
        line_fields(p, lend, line, fn, ctx);
        p = eol ? eol + 1 : end;
    }
}

/* Calls fn(ctx, f, value, value_len) for each comma-separated value. */
static void each_value(const field *f, void *ctx,
                       void (*fn)(void *ctx, const field *f, const char *v,
                                  size_t len))
{
    const char *v = f->values, *end = f->values + f->values_len;
    while (v < end) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        const char *vend = comma ? comma : end;
        if (vend > v)
            fn(ctx, f, v, (size_t)(vend - v));
        v = vend + 1;
    }
}

/* userdb_each_plan */

typedef struct {
    void (*each)(void *ctx, const char *plan, size_t plan_len,
                 unsigned line);
    void *ctx;
} plan_walk;

static void plan_value(void *ctx, const field *f, const char *v, size_t len)
{
    plan_walk *w = ctx;
    size_t nlen = instant_name_len(v, len);
    if (nlen)
        w->each(w->ctx, v, nlen, f->line);
}

static void plan_field(void *ctx, const field *f)
{
    if (f->key_len == 4 && !memcmp(f->key, "plan", 4))
        each_value(f, ctx, plan_value);
}

void userdb_each_plan(const char *buf, size_t len,
                      void (*each)(void *ctx, const char *plan,
                                   size_t plan_len, unsigned line),
                      void *ctx)
{
    plan_walk w = { each, ctx };
    each_field(buf, len, plan_field, &w);
}

/* userdb_each_expiring */

typedef struct {
    void (*each)(void *ctx, const userdb_expiring *v);
    void *ctx;
} expiry_walk;

static void expiring_value(void *ctx, const field *f, const char *v,
                           size_t len)
{
    expiry_walk *w = ctx;
    size_t nlen = instant_name_len(v, len);
    userdb_expiring e = { f->user, f->user_len, f->key, f->key_len, v, nlen,
                          0, f->line };
    if (nlen < len && nlen > 0
        && instant_parse(v + nlen + 1, len - nlen - 1, &e.expiry) == 0)
        w->each(w->ctx, &e);
}

static void expiring_field(void *ctx, const field *f)
{
    if ((f->key_len == 4 && (!memcmp(f->key, "role", 4)
                             || !memcmp(f->key, "plan", 4)))
        || (f->key_len == 5 && !memcmp(f->key, "scope", 5)))
        each_value(f, ctx, expiring_value);
}

void userdb_each_expiring(const char *buf, size_t len,
                          void (*each)(void *ctx, const userdb_expiring *v),
                          void *ctx)
{
    expiry_walk w = { each, ctx };
    each_field(buf, len, expiring_field, &w);
}
