/*
 * ldapdn: the parts of LDAP distinguished names (RFC 4514) that turn a
 * directory's groups into role names.  Group DNs come from the directory
 * (memberOf values, search results) or from a variable an authentication
 * module set: remote data, so every function takes a length, never reads
 * past it, and answers -1 for what it cannot parse.  Pure C.
 */
#ifndef AUTHZ_POLICY_LDAPDN_H
#define AUTHZ_POLICY_LDAPDN_H

#include <stddef.h>

/* How long a DN, a value or a role name may be here; longer ones are
 * refused (-1), never cut. */
#define LDAPDN_MAX 1024

/* Calls each() for every value of a multi-valued attribute as mod_ldap
 * and mod_authnz_ldap join them ("; " between values), spaces around a
 * value trimmed, empty ones skipped.  A ';' escaped in a DN ("\;") does
 * not split. */
void ldapdn_split(const char *joined, size_t len,
                  void (*each)(const char *value, size_t len, void *ctx),
                  void *ctx);

/* The value of the DN's first RDN, unescaped, when that RDN is a single
 * type=value pair of the given type (case-insensitive: "cn"), into out
 * (NUL-terminated).  Its length, or -1 when the DN is malformed, its first
 * RDN has another type or several pairs, or out is too small. */
long ldapdn_first_value(const char *dn, size_t len, const char *type,
                        char *out, size_t size);

/* A DN in one form for comparing (into out, NUL-terminated): attribute
 * types and values in lower case (ASCII), spaces around separators
 * dropped, each value escaped only where RFC 4514 requires.  Its length,
 * or -1 when the DN is malformed or out is too small. */
long ldapdn_normalize(const char *dn, size_t len, char *out, size_t size);

/* in as an LDAP filter assertion value (RFC 4515: '*', '(', ')', '\' and
 * NUL as \2a, \28, \29, \5c, \00), into out, NUL-terminated.  Its length,
 * or -1 when out is too small. */
long ldapdn_filter_escape(const char *in, size_t len, char *out, size_t size);

/* One map entry "ROLE=DN" (the text of a map= option): the role's length
 * in *role_len (the role is text's first *role_len bytes: not empty,
 * no space, ',' or '=') and the DN normalized into
 * dn_out.  0, or -1 when the role or the DN is not valid. */
int ldapdn_parse_map(const char *text, size_t len, size_t *role_len,
                     char *dn_out, size_t size);

#endif
