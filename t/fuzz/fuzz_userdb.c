/* libFuzzer target: the user-file parser, the image check and look-ups.
 * Invariants: a parse either gives a table whose image is valid or an
 * error message; no input crashes; an arbitrary image never passes as
 * valid when it is not well formed (and checking it never crashes). */
#include "userdb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    userdb *db = userdb_parse((const char *)data, size, err, sizeof err);
    if (db) {
        if (!userdb_valid(db, userdb_size(db)))
            abort();
        /* look up the first field of every line */
        const char *p = (const char *)data, *end = p + size;
        while (p < end) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            const char *lend = eol ? eol : end;
            char name[128];
            size_t n = 0;
            while (p + n < lend && n < sizeof name - 1 && p[n] != ' '
                   && p[n] != '\t' && p[n] != '\r')
                n++;
            memcpy(name, p, n);
            name[n] = '\0';
            userdb_user u;
            if (userdb_lookup(db, name, &u)) {
                for (unsigned i = 0; i < u.nroles; i++)
                    (void)strlen(userdb_str(db, u.roles[i]));
                for (unsigned i = 0; i < u.nscopes; i++)
                    (void)strlen(userdb_str(db, u.scopes[i]));
                if (u.plan)
                    (void)strlen(u.plan);
            }
            p = eol ? eol + 1 : end;
        }
        userdb_free(db);
    }
    else if (!err[0]) {
        abort();                        /* an error always says why */
    }

    /* The same bytes as an image read back from disk. */
    void *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    (void)userdb_valid(copy, size);
    free(copy);
    return 0;
}
