/* libFuzzer target: user files of many names built to flood the table's
 * index.
 *
 * The input is up to 16 lines "A B": two blocks per position (at most 8
 * bytes each; bytes that are not printable, '#' and '=' read as 'x').  The
 * file lists every name made of one block per position, in order (2^k
 * names for k lines), each with role=rN (N: the name's number mod 3).
 * Blocks that lead one hash state to one state make every name collide
 * (the seeds hold such pairs for FNV-1a, which the table once used: 65,536
 * names then took 43 s to parse); the fuzzer looks for others.  Run with
 * -timeout (make fuzz: 10 s): a parse that is not near linear is a hang.
 *
 * Oracle: the names sorted apart from the parser.  When two are the same
 * the file must be refused as naming a user twice; otherwise every name
 * must be found with its role, and a name with a byte more or one less
 * must be found exactly when it is in the sorted list. */
#include "userdb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_K 16
#define MAX_BLOCK 8

typedef struct {
    const char *s;
    size_t len;
    unsigned n;                         /* the name's number */
} name_ref;

static int by_bytes(const void *x, const void *y)
{
    const name_ref *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int listed(const name_ref *sorted, size_t count, const char *s,
                  size_t len)
{
    name_ref key = { s, len, 0 };
    return bsearch(&key, sorted, count, sizeof key, by_bytes) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char block[MAX_K][2][MAX_BLOCK];
    size_t blen[MAX_K][2];
    unsigned k = 0;
    const uint8_t *p = data, *end = data + size;
    while (p < end && k < MAX_K) {
        const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *e = eol ? eol : end;
        const uint8_t *sp = memchr(p, ' ', (size_t)(e - p));
        if (!sp)
            sp = e;
        const uint8_t *part[2][2] = { { p, sp }, { sp < e ? sp + 1 : e, e } };
        for (int w = 0; w < 2; w++) {
            size_t n = (size_t)(part[w][1] - part[w][0]);
            if (n > MAX_BLOCK)
                n = MAX_BLOCK;
            if (n == 0)
                n = 1;              /* an empty block reads as "x" */
            for (size_t i = 0; i < n; i++) {
                uint8_t c = part[w][0] + i < part[w][1] ? part[w][0][i] : 'x';
                block[k][w][i] = (c > 0x20 && c < 0x7f && c != '#' && c != '=')
                                 ? (char)c : 'x';
            }
            blen[k][w] = n;
        }
        k++;
        p = eol ? eol + 1 : end;
    }
    if (k == 0)
        return 0;

    size_t count = (size_t)1 << k;
    size_t room = count * (MAX_K * MAX_BLOCK + 16);
    char *file = malloc(room), *at = file;
    name_ref *names = malloc(count * sizeof *names);
    for (size_t u = 0; u < count; u++) {
        char *name = at;
        for (unsigned i = 0; i < k; i++) {
            int w = (u >> i) & 1;
            memcpy(at, block[i][w], blen[i][w]);
            at += blen[i][w];
        }
        names[u] = (name_ref){ name, (size_t)(at - name), (unsigned)u };
        at += sprintf(at, " role=r%u\n", (unsigned)(u % 3));
    }
    size_t len = (size_t)(at - file);
    /* "role=", "plan=" and "scope=" cannot start a name: no '=' in one */

    name_ref *sorted = malloc(count * sizeof *sorted);
    memcpy(sorted, names, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, by_bytes);
    int twice = 0;
    for (size_t i = 1; i < count && !twice; i++)
        twice = by_bytes(&sorted[i - 1], &sorted[i]) == 0;

    char err[256];
    userdb *db = userdb_parse(file, len, err, sizeof err);
    if (twice) {
        if (db || !strstr(err, "duplicate user"))
            abort();                    /* a name listed twice is refused */
    }
    else {
        if (!db || userdb_count(db) != count)
            abort();
        char name[MAX_K * MAX_BLOCK + 2], role[8];
        for (size_t u = 0; u < count; u++) {
            const name_ref *n = &names[u];
            memcpy(name, n->s, n->len);
            name[n->len] = '\0';
            userdb_user us;
            snprintf(role, sizeof role, "r%u", (unsigned)(u % 3));
            if (!userdb_lookup(db, name, &us) || us.nroles != 1
                || strcmp(userdb_str(db, us.roles[0]), role)
                || us.nscopes != 0 || us.nplans != 0)
                abort();
            if (u >= 4096)
                continue;               /* enough names asked around */
            name[n->len] = '!';
            name[n->len + 1] = '\0';
            if (userdb_lookup(db, name, &us)
                != listed(sorted, count, name, n->len + 1))
                abort();
            name[n->len - 1] = '\0';
            if (n->len > 1 && userdb_lookup(db, name, &us)
                != listed(sorted, count, name, n->len - 1))
                abort();
        }
        if (!userdb_valid(db, userdb_size(db)))
            abort();
        userdb_free(db);
    }
    free(sorted);
    free(names);
    free(file);
    return 0;
}
