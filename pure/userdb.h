/*
 * userdb: the users' attribute file (AuthzPolicyUserFile), parsed once into
 * a compact, immutable table.
 *
 * The table is one contiguous, position-independent image (offsets, no
 * pointers), so that it can be written to a file and mapped by every
 * server process at once.  It is read-only once built: any number of
 * threads may look users up without locking.
 *
 * Pure C (libc only) so that it can be unit-tested and fuzzed on its own.
 */
#ifndef AUTHZ_POLICY_USERDB_H
#define AUTHZ_POLICY_USERDB_H

#include <stddef.h>
#include <stdint.h>

typedef struct userdb userdb;

/* What one user holds.  Role, plan and scope names are given by their
 * offsets (userdb_str turns one into a string), each with the instant it
 * stops counting at (seconds since the epoch, 0: never; instant_live says
 * whether it still counts); everything lives as long as the table.  A
 * user absent from the file holds nothing.  A user has at most one plan
 * that does not expire, and may have others that do. */
typedef struct {
    const uint32_t *roles;      /* nroles offsets */
    const int64_t *role_expiry; /* nroles instants */
    unsigned nroles;
    const uint32_t *scopes;
    const int64_t *scope_expiry;
    unsigned nscopes;
    const uint32_t *plans;
    const int64_t *plan_expiry;
    unsigned nplans;
} userdb_user;

/* Parses a whole file held in memory into a malloc'd image of
 * userdb_size() bytes.  On error returns NULL and writes
 * "line N: what is wrong" to err. */
userdb *userdb_parse(const char *buf, size_t len, char *err, size_t errlen);

/* The same with the key of the table's hash given (16 bytes, as two
 * numbers): for tests.  userdb_parse draws one at random each time, so
 * that no file can be crafted to make its own parse slow. */
userdb *userdb_parse_keyed(const char *buf, size_t len, const uint64_t key[2],
                           char *err, size_t errlen);

/* 1 when image (len bytes, e.g. a mapped file) is a well-formed table. */
int userdb_valid(const void *image, size_t len);

/* 1 and *out filled when the user is listed, 0 otherwise. */
int userdb_lookup(const userdb *db, const char *name, userdb_user *out);
const char *userdb_str(const userdb *db, uint32_t offset);

/* Calls each(ctx, plan) for every plan name a user of the table holds
 * (expiring ones too), at least once each, in no particular order: a
 * check of the names against a configuration that costs one pass over a
 * column, where the text's would read the whole file again.  0, or -1
 * when out of memory (nothing called). */
int userdb_each_held_plan(const userdb *db,
                          void (*each)(void *ctx, const char *plan),
                          void *ctx);

/* Calls each(ctx, plan, plan_len, line) for every plan named in a
 * plan=VALUE[,VALUE...] field of a file's text (the name, without its
 * expiry), in order, without building a table: for checks of the
 * values against a configuration (the table keeps no line numbers).
 * Lines the parser would refuse are skipped; userdb_parse reports them. */
void userdb_each_plan(const char *buf, size_t len,
                      void (*each)(void *ctx, const char *plan,
                                   size_t plan_len, unsigned line),
                      void *ctx);

/* Calls each(ctx, user, key, name, expiry, line) for every value of a
 * role=, plan= or scope= field that carries an expiry instant (the value's
 * name and the instant in seconds since the epoch), without building a
 * table: for `authz-policy check`, which reports grants already expired.
 * user and key are NUL-free spans given with their lengths.  Values whose
 * instant is malformed are skipped; userdb_parse reports them. */
typedef struct {
    const char *user;
    size_t user_len;
    const char *key;             /* "role", "plan" or "scope" */
    size_t key_len;
    const char *name;
    size_t name_len;
    int64_t expiry;
    unsigned line;
} userdb_expiring;
void userdb_each_expiring(const char *buf, size_t len,
                          void (*each)(void *ctx, const userdb_expiring *v),
                          void *ctx);

size_t userdb_count(const userdb *db);
/* Bytes of the image: all the memory a parsed table keeps (at most 7
 * times the file's size plus a megabyte; bench/parse.c measures it). */
size_t userdb_size(const userdb *db);
void userdb_free(userdb *db);             /* for images from userdb_parse */

#endif
