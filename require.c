/*
 * require: Require role|plan|scope|iplist|region lines, parsed once when
 * the configuration is read, as mod_authz_host parses its own.  What a
 * line names that is declared elsewhere (plans, IP lists) is checked once
 * the whole configuration is read, or at once for .htaccess files.
 */
#include "policy.h"

#include "http_log.h"
#include <apr_lib.h>
#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

/* Require lines read before check_config are validated there, once every
 * AuthzPolicyPlans, AuthzPolicyIPList and source is known; those in
 * .htaccess are validated at once (plans and lists only). */
typedef struct {
    policy_require *req;
    server_rec *server;
    const char *where;
    const ap_directive_t *directive;
} pending_check;

static apr_array_header_t *pending_checks;  /* NULL once configured */

/* Whether a grant of this line denies: an odd number of `not` and
 * <RequireNone> between it and the top. */
static int require_negated(const cmd_parms *cmd)
{
    const ap_directive_t *d = cmd->directive;
    int neg = 0;
    if (!d)
        return 0;
    if (d->args) {
        const char *a = d->args;
        while (apr_isspace(*a))
            a++;
        if (!strncasecmp(a, "not", 3) && apr_isspace(a[3]))
            neg = 1;
    }
    for (d = d->parent; d; d = d->parent)
        if (d->directive && !strcasecmp(d->directive, "<RequireNone"))
            neg ^= 1;
    return neg;
}

policy_require *policy_require_make(cmd_parms *cmd, policy_reason reason,
                                    const apr_array_header_t *values,
                                    const char *required)
{
    policy_require *req = apr_pcalloc(cmd->pool, sizeof *req);
    req->reason = reason;
    req->section = cmd->path ? policy_area_make(cmd->pool, cmd->path) : NULL;
    req->negated = require_negated(cmd);
    req->values = (const char **)values->elts;
    req->nvalues = (unsigned)values->nelts;
    req->required = req->negated
                    ? apr_pstrcat(cmd->pool, "not ", required, NULL)
                    : required;
    return req;
}

/* p: the pool of req itself (the lists are kept in it). */
static const char *validate_iplists(apr_pool_t *p, policy_require *req,
                                    const policy_server_conf *sc)
{
    datafile **lists = apr_pcalloc(p, req->nvalues * sizeof *lists);
    for (unsigned i = 0; i < req->nvalues; i++) {
        lists[i] = apr_hash_get(sc->iplists, req->values[i],
                                APR_HASH_KEY_STRING);
        if (!lists[i])
            return apr_psprintf(p, "Require iplist: no list '%s' is declared "
                                "by AuthzPolicyIPList", req->values[i]);
    }
    req->lists = lists;
    return NULL;
}

static const char *validate_plans(apr_pool_t *p, policy_require *req,
                                  const policy_server_conf *sc)
{
    int lowest = -1;
    for (unsigned i = 0; i < req->nvalues; i++) {
        int rank = policy_plan_rank(&sc->plans, req->values[i]);
        if (rank < 0) {
            const char *declared = policy_configtest_plans_text(p, sc);
            return apr_psprintf(p, "Require plan: '%s' is not declared by "
                                "AuthzPolicyPlans (%s%s)%s", req->values[i],
                                declared ? "it declares " : "",
                                declared ? declared
                                         : "none for this server",
                                strchr(req->values[i], ',')
                                ? ": a Require line separates plans with "
                                  "spaces" : "");
        }
        if (lowest < 0 || rank < lowest) {
            lowest = rank;
            req->lowest_plan = req->values[i];
        }
    }
    return NULL;
}

/* What can only be checked once the whole configuration is read. */
static const char *validate_late(apr_pool_t *p, policy_require *req,
                                 const policy_server_conf *sc)
{
    return req->reason == REASON_PLAN ? validate_plans(p, req, sc)
           : req->reason == REASON_IPLIST ? validate_iplists(p, req, sc)
           : NULL;
}

const char *policy_require_parse(cmd_parms *cmd, const char *line,
                                 policy_reason reason, const void **parsed)
{
    apr_array_header_t *vals = apr_array_make(cmd->pool, 4, sizeof(char *));
    const char *t = line, *w;
    while (*(w = ap_getword_conf(cmd->pool, &t)))
        APR_ARRAY_PUSH(vals, const char *) = w;
    if (vals->nelts == 0)
        return apr_psprintf(cmd->pool, "Require %s needs at least one %s",
                            reason_table[reason].name,
                            reason_table[reason].name);
    for (int i = 0; i < vals->nelts; i++) {
        const char *err = policy_refuse_comment(
            cmd->pool, apr_pstrcat(cmd->pool, "Require ",
                                   reason_table[reason].name, NULL),
            APR_ARRAY_IDX(vals, i, const char *));
        if (err)
            return err;
    }

    policy_require *req = policy_require_make(
        cmd, reason, vals, apr_array_pstrcat(cmd->pool, vals, ' '));

    if (reason == REASON_REGION) {
        for (unsigned i = 0; i < req->nvalues; i++) {
            char code[REGION_MAX];
            if (!region_parse(req->values[i], strlen(req->values[i]), code))
                return apr_psprintf(cmd->pool, "Require region: '%s' is not "
                                    "an ISO 3166 code (DE, US, US-CA; XX for "
                                    "unknown)", req->values[i]);
            req->values[i] = apr_pstrdup(cmd->pool, code);
        }
        req->required = apr_array_pstrcat(cmd->pool, vals, ' ');
        if (req->negated)
            req->required = apr_pstrcat(cmd->pool, "not ", req->required,
                                        NULL);
    }
    if (pending_checks) {
        pending_check *pc = apr_array_push(pending_checks);
        pc->req = req;
        pc->server = cmd->server;
        pc->directive = cmd->directive;
        pc->where = cmd->directive
            ? apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                           cmd->directive->line_num)
            : "?";
    }
    else if (reason == REASON_PLAN || reason == REASON_IPLIST) {
        const char *err = validate_late(cmd->pool, req,
                                        ap_get_module_config(cmd->server->module_config,
                                                             &authz_policy_module));
        if (err)
            return err;
    }
    *parsed = req;
    return NULL;
}

void policy_require_pre_config(apr_pool_t *pconf)
{
    pending_checks = apr_array_make(pconf, 8, sizeof(pending_check));
}

/* The lines read before check_config: what they name must be declared,
 * and their attributes and regions must have a source. */
int policy_require_check_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                server_rec *s)
{
    int rc = OK;
    for (int i = 0; pending_checks && i < pending_checks->nelts; i++) {
        pending_check *pc = &APR_ARRAY_IDX(pending_checks, i, pending_check);
        int warning = 0;
        const char *err = validate_late(pconf, pc->req,
            ap_get_module_config(pc->server->module_config,
                                 &authz_policy_module));
        if (!err)
            err = policy_configtest_require(ptemp, s, pc->server,
                                            pc->directive, pc->req, &warning);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP
                         | (warning ? APLOG_WARNING : APLOG_EMERG), 0, NULL,
                         AZPLOGNO(00056) "%s (%s)", err, pc->where);
            if (!warning)
                rc = !OK;
        }
    }
    pending_checks = NULL;           /* from now on: validate at once */
    return rc;
}
