/*
 * decision_log: what a decision leaves for the administrator: the
 * AUTHZ_POLICY_* variables (for CustomLog and ErrorDocument scripts)
 * wherever the module takes part, and for a denial (or, in report mode, a
 * would-be denial) one line in the error log at level info, written once
 * per request with the status the client was sent.
 */
#include "policy.h"
#include "request.h"
#include "metrics.h"

#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

/* One value of the denial log line, in double quotes.  Inside, '"', '%',
 * '\\', control bytes and bytes over 0x7e are percent-encoded, so that no
 * user name or URL can end its field and write fields of its own.  Not
 * backslash escapes: httpd's error log doubles every backslash it is given
 * (and leaves '"' alone), which would turn \" back into a closing quote.
 * No value: a bare -. */
static const char *log_value(apr_pool_t *p, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!value)
        return "-";
    size_t len = strlen(value);
    char *out = apr_palloc(p, 3 * len + 3), *d = out;
    *d++ = '"';
    for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '%' || *s == '\\') {
            *d++ = '%';
            *d++ = hex[*s >> 4];
            *d++ = hex[*s & 15];
        }
        else {
            *d++ = (char)*s;
        }
    }
    *d++ = '"';
    *d = '\0';
    return out;
}

const char *policy_log_value(apr_pool_t *p, const char *value)
{
    return log_value(p, value);
}

static void write_denial_log(request_rec *r, policy_request *rq, int status)
{
    if (!rq->denial_log)
        return;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AZPLOGNO(00043)
                  "%s status=\"%d\" uri=%s", rq->denial_log, status,
                  rq->denial_uri);
    policy_metrics_denial(r, rq->denial_area,
                          rq->decision == DECISION_WOULD_DENY
                          ? MDEC_WOULD_DENY : MDEC_DENY,
                          rq->denial_reason, status);
    rq->denial_log = NULL;              /* once */
}

static const char *const decision_name[] = {
    [DECISION_GRANT] = "grant", [DECISION_DENY] = "deny",
    [DECISION_WOULD_DENY] = "would-deny"
};

typedef void (*variable_setter)(apr_table_t *, const char *, const char *);

/* How our variables are set in t.  apr_table_setn compares a new name
 * with each one of the same first four letters, and all of ours begin
 * AUTHZ_POLICY_: setting one after another cost a third of a grant's
 * bookkeeping (make bench-instructions).  While t holds none of ours (none
 * set by an earlier decision, SetEnvIf or mod_rewrite's E=), adding one
 * is the same as setting it, and compares nothing. */
static variable_setter setter_for(const apr_table_t *t)
{
    const apr_array_header_t *a = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    for (int i = 0; i < a->nelts; i++)
        if ((e[i].key[0] | 0x20) == 'a'
            && !strncasecmp(e[i].key, "AUTHZ_POLICY_", 13))
            return apr_table_setn;
    return apr_table_addn;
}

/* AUTHZ_POLICY_AREA and AUTHZ_POLICY_DECISION, once per request;
 * returns the area, worked out here once for every use of it, and in
 * *set (unless NULL) how the decision's other variables are set. */
static inline policy_area *set_decision(request_rec *r,
                                        policy_request *rq,
                                        policy_decision decision,
                                        variable_setter *set)
{
    policy_area *area = policy_request_area(r);
    variable_setter setter = setter_for(r->subprocess_env);
    rq->decision = decision;
    setter(r->subprocess_env, "AUTHZ_POLICY_AREA", area->name);
    setter(r->subprocess_env, "AUTHZ_POLICY_DECISION",
           decision_name[decision]);
    if (set)
        *set = setter;
    return area;
}

void policy_decision_record(request_rec *r, policy_request *rq,
                            int would_deny, policy_reason reason,
                            const policy_require *req, int status)
{
    policy_decision decision = would_deny ? DECISION_WOULD_DENY
                                          : DECISION_DENY;
    rq->decided_reason = reason;         /* also for look-ups: explain.c */
    rq->decided_check = req;
    rq->decided_status = status;
    /* Subrequests are look-ups (mod_dir, mod_autoindex, SSI): the main
     * request logs what the client gets. */
    if (r->main)
        return;
    variable_setter set;
    rq->denial_area = set_decision(r, rq, decision, &set);
    rq->denial_reason = reason;
    apr_table_t *e = r->subprocess_env;
    set(e, "AUTHZ_POLICY_REASON", reason_table[reason].name);
    if (req)
        set(e, "AUTHZ_POLICY_REQUIRED", req->required);
    set(e, "AUTHZ_POLICY_STATUS", apr_itoa(r->pool, status));
    const char *region = policy_request_region(rq);
    rq->denial_log = apr_psprintf(r->pool,
                  "%s: reason=%s required=%s user=%s client=%s region=%s",
                  decision == DECISION_WOULD_DENY ? "would deny" : "denied",
                  log_value(r->pool, reason_table[reason].name),
                  log_value(r->pool, req ? req->required : NULL),
                  log_value(r->pool, r->user),
                  log_value(r->pool, r->useragent_ip),
                  log_value(r->pool, region));
    rq->denial_uri = apr_pstrcat(r->pool, log_value(r->pool, r->uri),
                                 " area=",
                                 log_value(r->pool, rq->denial_area->name),
                                 NULL);
    /* a hidden denial's status is the decoy's answer, known at the end */
    if (status != HTTP_NOT_FOUND || would_deny)
        write_denial_log(r, rq, status);
}

/* AUTHZ_POLICY_STATUS and the denial's log line carry the status sent:
 * for a hidden denial, whatever the decoy answered (405, 200 for OPTIONS,
 * ...), known only now. */
static int log_denial_status(request_rec *r)
{
    policy_request *rq = policy_request_get(r, 0);
    if (!rq)
        return DECLINED;
    if (rq->hidden) {
        apr_table_setn(r->subprocess_env, "AUTHZ_POLICY_STATUS",
                       apr_itoa(r->pool, r->status));
    }
    if (rq->denial_log)   /* a hidden denial's line, or one not yet written */
        write_denial_log(r, rq, r->status);
    return DECLINED;
}

/* A request that got past the access phases: its shadows, and, where
 * the module takes part, the variables of a grant.  Before every other
 * fixup (mod_dir moves a request onto its index file in one). */
static int record_grant(request_rec *r)
{
    if (r->main)
        return DECLINED;
    policy_request *rq = policy_request_get(r, 0);
    if (rq && rq->hidden)
        return DECLINED;             /* a denial, answered by its decoy */
    if (policy_shadows_in_effect(ap_get_module_config(r->per_dir_config,
                                                      &authz_policy_module))) {
        policy_shadows_evaluate(r);
        rq = policy_request_get(r, 0);
    }
    if ((!rq || rq->decision == DECISION_NONE)
        && policy_request_takes_part(r, rq)) {
        policy_metrics_grant(r, set_decision(r, policy_request_get(r, 1),
                                             DECISION_GRANT, NULL));
    }
    return DECLINED;
}

void policy_decision_log_register(apr_pool_t *p)
{
    (void)p;
    ap_hook_fixups(record_grant, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_log_transaction(log_denial_status, NULL, NULL,
                            APR_HOOK_REALLY_FIRST);
}
