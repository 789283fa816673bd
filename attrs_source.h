/*
 * attrs_source: what an attribute source is (AuthzPolicyAttribute ATTR
 * SOURCE ...), as one descriptor per source, in the source's own file
 * (attrs_file.c, attrs_env.c, attrs_dbd.c, attrs_ldap.c), listed once in
 * policy.h's ATTR_SOURCE_ROWS.  attrs.c parses the directive, fetches,
 * caches and counts through these; checks.c, configtest.c, explain.c and
 * the status page read their fields instead of naming sources.
 *
 * t/sources.t reads each descriptor as written, `const attr_source_type
 * attr_source_NAME = {` to `};`: its .name and .usage strings, and
 * .in_htaccess and .gives_values when they are `= 1`.
 */
#ifndef AUTHZ_POLICY_ATTRS_SOURCE_H
#define AUTHZ_POLICY_ATTRS_SOURCE_H

#include "policy.h"
#include "request.h"

typedef struct {
    /* the word of its line, and its label in every metric
     * (source_errors' key, source="...") */
    const char *name;
    /* its line after the attribute, for messages: env NAME [DELIMITER] */
    const char *usage;
    /* how many words its line takes after the name (max -1: any) */
    int min_args, max_args;
    /* whether an .htaccess file may name it */
    int in_htaccess;
    /* Fills src from the words after the name (src->kind is set): NULL,
     * or what is wrong.  A source whose answers may be kept in
     * AuthzPolicyCache sets src->identity, everything that can change its
     * answer for a user (the server's own part is attrs.c's): the cache
     * key is made from it.  NULL: nothing to parse. */
    const char *(*parse)(cmd_parms *cmd, attr_source *src, policy_attr a,
                         int argc, char *const argv[]);
    /* Appends the user's values of attribute a to values (const char *,
     * in r->pool).  0, or -1 when the source could not answer (logged):
     * the request answers 500.  The cache, when the source has a key, is
     * read and written around it by attrs.c. */
    int (*fetch)(request_rec *r, policy_request *rq, policy_attr a,
                 const attr_source *src, apr_array_header_t *values);
    /* its values are in memory, asked of no one: a name whose password
     * was never checked may be looked up (checks.c) */
    int in_memory;
    /* configtest: whether a line of it alone gives the attribute values
     * (file's needs an AuthzPolicyUserFile, which configtest looks for) */
    int gives_values;
    /* explain: the variable of the request whose value it reads, which a
     * real request's authentication sets and an explained one must be
     * given (NULL: it answers an explained request as a real one, from
     * the file, the database or the directory) */
    const char *(*explain_variable)(const attr_source *src);
} attr_source_type;

/* Each source's descriptor, by its row (policy.h). */
#define ATTR_SOURCE_DECLARE(name) extern const attr_source_type attr_source_##name;
ATTR_SOURCE_ROWS(ATTR_SOURCE_DECLARE)
extern const attr_source_type *const attr_source_types[ASRC_COUNT];

/* The sources' names in the table's order (only those with gives_values
 * if giving_values_only), joined by sep, in p. */
const char *policy_attr_source_names(apr_pool_t *p, const char *sep,
                                     int giving_values_only);

/* For the sources' fetch: a value, trimmed (empty ones are skipped);
 * and a string split at delim into such values. */
void policy_attr_add_value(request_rec *r, apr_array_header_t *values,
                           const char *v, apr_size_t len);
void policy_attr_split(request_rec *r, apr_array_header_t *values,
                       const char *v, const char *delim);

#endif
