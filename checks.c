/*
 * checks: the result of every Require line evaluated for a request, for
 * the explain handler (explain.c) and for the trace log
 * (LogLevel authz_policy:trace1, one line per request).
 *
 * mod_authz_core keeps its tree of Require lines to itself and logs each
 * result on a line of its own (AH01626, at debug).  To see the results,
 * this file wraps every authorization provider: at pre_config, when every
 * LoadModule has registered its providers and no Require line has been
 * read yet, each provider of the group "authz" is registered again under
 * its name as a wrapper.  The wrapper's parse_require_line keeps, with
 * what the provider itself parsed, the line as written ("not role
 * viewer"); its check_authorization calls the provider and, for an
 * explained request or one traced at trace1, records the line's result
 * after its own `not`, as mod_authz_core applies it.  Everything else
 * passes through unchanged.
 *
 * Providers registered while the configuration is read (AuthzProviderAlias
 * names, LuaAuthzProvider) are not wrapped: their own lines are not
 * recorded (the line an alias stands for is, by its provider's name).
 * Lines of <AuthzPolicyShadow> are not recorded here: shadows have their
 * own results.  A pass over the Require tree starts the record again
 * (takeover.c): the record holds the pass that decided.
 */
#include "policy.h"
#include "request.h"
#include "checks.h"
#include "attrs_source.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "ap_provider.h"
#include <apr_lib.h>
#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

/* What the wrapper's parse_require_line gives mod_authz_core. */
typedef struct {
    const authz_provider *provider;  /* the wrapped one */
    const void *parsed;              /* what it parsed */
    const char *text;                /* the line as written, less Require */
    int negated;                     /* Require not */
    int in_shadow;                   /* a line of <AuthzPolicyShadow> */
    int inert;                       /* its provider acts on nothing */
    int attr;                        /* role, plan, scope: the attribute it
                                        reads; -1 for the others */
    int from_server;                 /* the server's configuration, not an
                                        .htaccess file */
} wrapped_line;

/* The providers the hidden area's look-ahead may run (hidden.c): before
 * any password is checked, with a user name nobody authenticated, only
 * what reads the request, the configuration or a local file and acts on
 * nothing:
 * - mod_authz_core's all, env, method, expr (an expression reads the
 *   request and files);
 * - mod_authz_host's ip, local, host, forward-dns (the client's address,
 *   and DNS answers that do not depend on the user);
 * - mod_authz_user's user, valid-user; mod_authz_groupfile's group (a
 *   local file); mod_authz_owner's file-owner, file-group (a stat);
 * - this module's own, Require role, plan and scope only where the area
 *   reads that attribute from the user file alone (inert_attr).
 * Any other provider is not run: mod_authz_dbd's dbd-login writes to a
 * database, dbd-group and mod_authnz_ldap's queries reach a server for a
 * name whose password was never checked, and a third party's may do
 * anything.  Such a line answers an error, so the look-ahead cannot
 * conclude and the password is checked first, as without it.  An alias
 * (<AuthzProviderAlias>) is judged by the provider it stands for. */
static const char *const inert_providers[] = {
    "all", "env", "method", "expr",
    "ip", "local", "host", "forward-dns",
    "user", "valid-user", "group", "file-owner", "file-group",
    "role", "plan", "scope", "iplist", "region", "same-origin",
    NULL
};

static int inert_provider(const char *name)
{
    for (const char *const *p = inert_providers; *p; p++)
        if (!strcasecmp(name, *p))
            return 1;
    return 0;
}

/* The attribute a Require line of this module reads, or -1. */
static int line_attr(const char *name)
{
    for (int a = 0; a < ATTR_COUNT; a++)
        if (!strcasecmp(name, policy_attr_name[a]))
            return a;
    return -1;
}

/* Whether the area holds attribute a without a query: only from the user
 * file, which is in memory.  SQL and LDAP would be asked about a name
 * whose password was never checked; a variable may be one that
 * authentication sets (mod_authnz_ldap's AUTHENTICATE_*, an OIDC claim),
 * not set yet before it runs. */
static int inert_attr(request_rec *r, int a)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    if (!d->sources[a])
        return 1;
    const attr_source *const *src = (const void *)d->sources[a]->elts;
    for (int i = 0; i < d->sources[a]->nelts; i++)
        if (!attr_source_types[src[i]->kind]->in_memory)
            return 0;
    return 1;
}

/* name -> the provider registered under it before it was wrapped; made
 * again for each configuration cycle (the registry is too). */
static apr_hash_t *wrapped;

const char *policy_check_result_name(authz_status st)
{
    switch (st) {
    case AUTHZ_GRANTED:
        return "granted";
    case AUTHZ_DENIED:
        return "denied";
    case AUTHZ_DENIED_NO_USER:
        return "denied_no_user";
    case AUTHZ_NEUTRAL:
        return "neutral";
    default:
        return "error";
    }
}

static int recording(request_rec *r, policy_request *rq)
{
    return (rq && rq->explaining) || APLOGrtrace1(r);
}

static void record(request_rec *r, const wrapped_line *w, authz_status st)
{
    /* mod_authz_core's reading of `not`: a grant denies, a denial is no
     * answer */
    if (w->negated)
        st = st == AUTHZ_GRANTED ? AUTHZ_DENIED
             : st == AUTHZ_DENIED || st == AUTHZ_DENIED_NO_USER
               ? AUTHZ_NEUTRAL : st;
    policy_request *rq = policy_request_get(r, 1);
    if (!rq->checks)
        rq->checks = apr_array_make(r->pool, 4, sizeof(policy_check));
    policy_check *c = apr_array_push(rq->checks);
    c->require = w->text;
    c->result = st;
    c->attr = w->attr;
}

static authz_status recorded_check(request_rec *r, const char *line,
                                   const void *parsed)
{
    const wrapped_line *w = parsed;
    policy_request *rq = policy_request_get(r, 0);
    /* the look-ahead cannot conclude: mod_authz_core passes an error up
     * the tree at once, and the chain answers 500 */
    if (rq && rq->looking_ahead
        && (!w->inert || (w->attr >= 0 && !inert_attr(r, w->attr))))
        return AUTHZ_GENERAL_ERROR;
    authz_status st = w->provider->check_authorization(r, line, w->parsed);
    if (!w->in_shadow && recording(r, rq))
        record(r, w, st);
    /* report mode set by a customer's .htaccess does not lift the
     * administrator's lines merged after it (takeover.c) */
    if (w->from_server && !w->in_shadow) {
        const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                        &authz_policy_module);
        if (d->mode == MODE_REPORT && d->mode_htaccess)
            policy_request_get(r, 1)->server_line_ran = 1;
    }
    return st;
}

/* The name of the provider a line names: from the directive being read
 * (Require [not] NAME ..., <AuthzProviderAlias NAME ...>), else from the
 * note mod_authz_core leaves for providers. */
static const char *provider_name(cmd_parms *cmd, int *negated)
{
    const ap_directive_t *d = cmd->directive;
    *negated = 0;
    int require = d && d->args && !strcasecmp(d->directive, "Require");
    if (require || (d && d->args
                    && !strcasecmp(d->directive, "<AuthzProviderAlias"))) {
        const char *args = d->args;
        const char *name = ap_getword_conf(cmd->temp_pool, &args);
        if (require && !strcasecmp(name, "not")) {
            *negated = 1;
            name = ap_getword_conf(cmd->temp_pool, &args);
        }
        return name;
    }
    void *note = NULL;
    apr_pool_userdata_get(&note, AUTHZ_PROVIDER_NAME_NOTE, cmd->temp_pool);
    return note;
}

static const char *recorded_parse(cmd_parms *cmd, const char *line,
                                  const void **parsed)
{
    wrapped_line *w = apr_pcalloc(cmd->pool, sizeof *w);
    const char *name = provider_name(cmd, &w->negated);
    w->provider = name && wrapped ? apr_hash_get(wrapped, name,
                                                 APR_HASH_KEY_STRING)
                                  : NULL;
    if (!w->provider)
        return apr_psprintf(cmd->pool, "mod_authz_policy cannot tell which "
                            "provider this line names (%s)",
                            name ? name : "no name");
    w->inert = inert_provider(name);
    w->from_server = !!(cmd->override & (ACCESS_CONF | RSRC_CONF));
    w->attr = line_attr(name);
    for (const ap_directive_t *d = cmd->directive; d; d = d->parent)
        if (d->directive && !strcasecmp(d->directive, "<AuthzPolicyShadow"))
            w->in_shadow = 1;
    while (line && apr_isspace(*line))
        line++;
    w->text = apr_pstrcat(cmd->pool, w->negated ? "not " : "", name,
                          line && *line ? " " : "", line, NULL);
    *parsed = w;
    if (!w->provider->parse_require_line)
        return NULL;
    return w->provider->parse_require_line(cmd, line, &w->parsed);
}

static const authz_provider recording_provider = {
    &recorded_check,
    &recorded_parse,
};

void policy_checks_pre_config(apr_pool_t *pconf)
{
    wrapped = apr_hash_make(pconf);
    apr_array_header_t *names = ap_list_provider_names(pconf,
                                                       AUTHZ_PROVIDER_GROUP,
                                                       AUTHZ_PROVIDER_VERSION);
    const ap_list_provider_names_t *n = (const void *)names->elts;
    for (int i = 0; i < names->nelts; i++) {
        const authz_provider *p = ap_lookup_provider(AUTHZ_PROVIDER_GROUP,
                                                     n[i].provider_name,
                                                     AUTHZ_PROVIDER_VERSION);
        if (!p || p == &recording_provider || !p->check_authorization)
            continue;
        apr_hash_set(wrapped, n[i].provider_name, APR_HASH_KEY_STRING, p);
        ap_register_provider(pconf, AUTHZ_PROVIDER_GROUP, n[i].provider_name,
                             AUTHZ_PROVIDER_VERSION, &recording_provider);
    }
}

void policy_checks_new_pass(policy_request *rq)
{
    if (rq->checks)
        apr_array_clear(rq->checks);
}

/* The attributes a request looked up, for the trace line. */
static const char *looked_up(request_rec *r, const policy_request *rq)
{
    const char *s = "";
    for (int a = 0; a < ATTR_COUNT; a++) {
        if (!rq->attr_state[a])
            continue;
        const char *v = rq->attr_state[a] < 0 ? "(failed)" : "";
        for (unsigned i = 0; rq->attr_state[a] > 0 && i < rq->nvalues[a]; i++)
            v = apr_pstrcat(r->pool, v, i ? "," : "", rq->values[a][i], NULL);
        s = apr_pstrcat(r->pool, s, " ", policy_attr_name[a], "s=",
                        policy_log_value(r->pool, v), NULL);
    }
    return s;
}

/* LogLevel authz_policy:trace1: one line per request with every check's
 * result, the user's attributes and the decision. */
static int trace_checks(request_rec *r)
{
    policy_request *rq = policy_request_get(r, 0);
    if (r->main || !rq || !rq->checks || !rq->checks->nelts
        || !APLOGrtrace1(r))
        return DECLINED;
    const char *checks = "";
    for (int i = 0; i < rq->checks->nelts; i++) {
        const policy_check *c = &APR_ARRAY_IDX(rq->checks, i, policy_check);
        checks = apr_pstrcat(r->pool, checks, i ? ", " : "",
                             policy_log_value(r->pool, c->require), "=",
                             policy_check_result_name(c->result), NULL);
    }
    static const char *const decided[] = {
        [DECISION_NONE] = "none", [DECISION_GRANT] = "grant",
        [DECISION_DENY] = "deny", [DECISION_WOULD_DENY] = "would-deny"
    };
    const char *shadows = apr_table_get(r->subprocess_env,
                                        "AUTHZ_POLICY_SHADOW");
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, AZPLOGNO(00019)
                  "checks: %s; user=%s%s region=%s area=%s decision=%s "
                  "status=%d shadows=%s uri=%s", checks,
                  policy_log_value(r->pool, r->user), looked_up(r, rq),
                  policy_log_value(r->pool, policy_request_region(rq)),
                  policy_log_value(r->pool, policy_request_area(r)->name),
                  decided[rq->decision], r->status,
                  policy_log_value(r->pool, shadows),
                  policy_log_value(r->pool, r->uri));
    return DECLINED;
}

void policy_checks_register(apr_pool_t *p)
{
    (void)p;
    ap_hook_log_transaction(trace_checks, NULL, NULL, APR_HOOK_MIDDLE);
}
