/*
 * userdb: the users' attribute file (AuthzPolicyUserFile), parsed once into
 * a compact, immutable table.
 *
 * Pure C (libc only) so that it can be unit-tested and fuzzed on its own.
 * A table is read-only after userdb_parse() returns, so any number of
 * threads may look users up in it at once without locking.
 */
#ifndef AUTHZ_POLICY_USERDB_H
#define AUTHZ_POLICY_USERDB_H

#include <stddef.h>

typedef struct userdb userdb;

/* What one user holds.  The pointers point into the table and live as long
 * as it does.  A user absent from the file holds nothing. */
typedef struct {
    const char *const *roles;
    unsigned nroles;
    const char *const *scopes;
    unsigned nscopes;
    const char *plan;           /* NULL: no plan */
} userdb_user;

/* Parses a whole file held in memory.  On error returns NULL and writes
 * "line N: what is wrong" to err. */
userdb *userdb_parse(const char *buf, size_t len, char *err, size_t errlen);

/* 1 and *out filled when the user is listed, 0 otherwise. */
int userdb_lookup(const userdb *db, const char *name, userdb_user *out);

size_t userdb_count(const userdb *db);
size_t userdb_memory(const userdb *db);   /* bytes held by the table */
void userdb_free(userdb *db);

#endif
