/*
 * policy_model: the decisions behind Require role / plan / scope, apart
 * from Apache's request cycle so that they can be unit-tested.
 *
 *  - role inheritance (AuthzPolicyRoleInherit) is a graph whose transitive
 *    closure is computed once at configuration time; a cycle is an error;
 *  - plans (AuthzPolicyPlans) are ranked lowest first;
 *  - scopes are plain set membership.
 */
#ifndef AUTHZ_POLICY_MODEL_H
#define AUTHZ_POLICY_MODEL_H

#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>

typedef struct {
    apr_hash_t *edges;      /* role -> apr_array of inherited role names */
    apr_hash_t *closure;    /* role -> NULL-terminated array of every role it
                               implies (itself excluded); set by finalize */
} policy_roles;

policy_roles *policy_roles_make(apr_pool_t *p);
/* A role graph holding the edges of both (a virtual host adds to the main
 * server's). */
policy_roles *policy_roles_merge(apr_pool_t *p, const policy_roles *base,
                                 const policy_roles *add);
/* Adds "holders of role also hold inherited"; refuses an edge that closes a
 * cycle, naming it ("admin -> editor -> admin"). */
const char *policy_roles_add(apr_pool_t *p, policy_roles *g, const char *role,
                             const char *inherited);
/* Computes the closure; an error names a cycle. */
const char *policy_roles_finalize(apr_pool_t *p, policy_roles *g);
/* 1 when any held role, or any role it implies, is among required. */
int policy_roles_grant(const policy_roles *g, const char *const *held,
                       unsigned nheld, const char *const *required,
                       unsigned nrequired);

typedef struct {
    apr_array_header_t *names;   /* lowest first */
    apr_hash_t *rank;            /* name -> (rank + 1) as pointer-size int */
} policy_plans;

/* Builds the ranking from names lowest first; an error names a repeat. */
const char *policy_plans_set(apr_pool_t *p, policy_plans *plans,
                             const char *const *names, int n);
/* -1 when plan is NULL or not declared. */
int policy_plan_rank(const policy_plans *plans, const char *plan);
/* 1 when the user's plan ranks at or above min_rank. */
int policy_plans_grant(const policy_plans *plans, const char *user_plan,
                       int min_rank);

/* 1 when the two lists share a value. */
int policy_any_shared(const char *const *a, unsigned na,
                      const char *const *b, unsigned nb);

#endif
