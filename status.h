/*
 * status: the authz-policy-status handler (status.c: HTML, mod_status's
 * section and ?auto lines; status_text.c: JSON and Prometheus).
 */
#ifndef AUTHZ_POLICY_STATUS_H
#define AUTHZ_POLICY_STATUS_H

#include "metrics.h"

/* s escaped by escape (escape.h, metrics_table.h), which writes at most
 * per_byte bytes for each byte of s, into p. */
typedef size_t (*status_escape)(char *dst, const char *src, size_t len);
const char *policy_status_escaped(apr_pool_t *p, const char *s,
                                  status_escape escape, size_t per_byte);

void policy_status_json(request_rec *r, const policy_metrics *m);
void policy_status_prometheus(request_rec *r, const policy_metrics *m);

/* post_config: lists at 0 the areas named with AuthzPolicyName and the
 * shadows of the server configuration. */
void policy_status_post_config(server_rec *s);
void policy_status_register(apr_pool_t *p);

#endif
