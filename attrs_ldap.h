/*
 * attrs_ldap: a user's roles (or scopes, or plans) from the groups they
 * belong to in an LDAP directory or Active Directory, through mod_ldap's
 * connections (AuthzPolicyAttribute ATTR ldap URL [OPTION...]).
 */
#ifndef AUTHZ_POLICY_ATTRS_LDAP_H
#define AUTHZ_POLICY_ATTRS_LDAP_H

#include "policy.h"

/* The arguments after "ldap" (argv[0] is the URL); fills src->ldap and
 * src->identity.  NULL, or what is wrong. */
const char *policy_ldap_directive(cmd_parms *cmd, attr_source *src,
                                  int argc, char *const argv[]);

/* Appends the values the user's groups give to values (const char *).
 * 0, or -1 when the directory could not answer (logged): the caller
 * answers 500. */
int policy_ldap_values(request_rec *r, const policy_ldap_source *ls,
                       apr_array_header_t *values);

/* The variable env= names (the user's memberOf values, which
 * mod_authnz_ldap sets), or NULL. */
const char *policy_ldap_env(const policy_ldap_source *ls);

#endif
