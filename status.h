/*
 * status: the authz-policy-status handler (status.c: HTML, mod_status's
 * section and ?auto lines; status_text.c: JSON and Prometheus).
 */
#ifndef AUTHZ_POLICY_STATUS_H
#define AUTHZ_POLICY_STATUS_H

#include "metrics.h"

/* A walk over a table's entries, the overflow entry only once it counted
 * something. */
typedef struct {
    const mtab *table;
    unsigned next;
} status_walk;
typedef struct {
    const char *name;
    _Atomic uint64_t *counters;
} status_entry;
int status_next(status_walk *w, status_entry *e);

void policy_status_json(request_rec *r, const policy_metrics *m);
void policy_status_prometheus(request_rec *r, const policy_metrics *m);

/* post_config: lists at 0 the areas named with AuthzPolicyName and the
 * shadows of the server configuration. */
void policy_status_post_config(server_rec *s);
void policy_status_register(apr_pool_t *p);

#endif
