/*
 * checks.c: the results of the Require lines evaluated for a request,
 * recorded for the explain handler and the trace log.
 */
#ifndef AUTHZ_POLICY_CHECKS_H
#define AUTHZ_POLICY_CHECKS_H

#include "policy.h"

/* One Require line's result, after its own `not`. */
typedef struct {
    const char *require;         /* "role admin", "not ip 10.0.0.0/8" */
    authz_status result;
    int attr;                    /* role, plan, scope: the attribute the
                                    line reads; -1 for the others */
} policy_check;

/* "granted", "denied", "denied_no_user", "neutral" or "error". */
const char *policy_check_result_name(authz_status st);

/* pre_config: wraps every registered authorization provider. */
void policy_checks_pre_config(apr_pool_t *pconf);
/* A new pass over the Require tree: the record starts again. */
void policy_checks_new_pass(policy_request *rq);
/* The trace log line, at the end of each request. */
void policy_checks_register(apr_pool_t *p);

#endif
