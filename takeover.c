/*
 * takeover: how denials reach this module.
 *
 * The Require providers answer mod_authz_core honestly and write nothing.
 * To give a denied request the right answer (403 rather than 401 for a
 * user who lacks a role, a hidden 404, a JSON body), this module must see
 * the denial before httpd acts on it, and httpd offers no hook for that.
 *
 * What it replaces: at post_config, when httpd has sorted every hook, this
 * file takes over the three hook chains that can deny a request:
 * access_checker_ex, check_user_id and auth_checker (the chains behind
 * ap_hook_check_access_ex, ap_hook_check_authn and ap_hook_check_authz).
 * In each chain's hook array it keeps only its own link, registered
 * APR_HOOK_REALLY_FIRST, and saves the others, in their sorted order.  Its
 * link runs the saved chain exactly as httpd's ap_run_* would (RUN_FIRST:
 * the first answer other than DECLINED wins), and only when that answer
 * is a denial of a request this module takes part in does it hand the
 * denial to deny.c.  Everywhere else the answer passes through untouched,
 * so Apache behaves as without the module.  httpd still decides when each
 * phase runs (Satisfy, AuthType, ap_some_auth_required): only the running
 * of each chain is ours.
 *
 * Side effects, all of them:
 * - mod_info's hook lists (and ap_hook_get_*) show only this module in
 *   these three chains;
 * - APR's hook tracing (apr_hook_debug_enabled) does not name the modules
 *   of the saved chains when they run;
 * - it relies on httpd sorting the hooks before post_config, as
 *   server/main.c does (apr_hook_sort_all before check_config); a hook
 *   registered later than that would run after this module's link;
 * - at a restart modules register their hooks again, so this is done again
 *   on every configuration pass.
 *
 * The explain handler's look-up (explain.c) is the one request whose
 * chains are not all run: its authentication phase takes the explained
 * user as authenticated (no password, so no hidden-claimed-user shortcut
 * either), and its access and authorization chains run as for any
 * request but log below critical nothing (mod_authz_core's denial lines
 * are for requests someone sent).
 */
#include "policy.h"
#include "request.h"
#include "checks.h"

#include "http_log.h"
#include "http_request.h"

#include <apr_strings.h>
#include <apr_tables.h>

/* The three chains' hooks all have the signature int (request_rec *), so
 * their links, declared by APR_DECLARE_EXTERNAL_HOOK, have one layout. */
typedef ap_LINK_auth_checker_t hook_link;
_Static_assert(__builtin_types_compatible_p(ap_HOOK_access_checker_ex_t,
                                            ap_HOOK_auth_checker_t)
               && __builtin_types_compatible_p(ap_HOOK_check_user_id_t,
                                               ap_HOOK_auth_checker_t)
               && sizeof(ap_LINK_access_checker_ex_t) == sizeof(hook_link)
               && sizeof(ap_LINK_check_user_id_t) == sizeof(hook_link),
               "the access hooks' links differ in layout");

typedef enum { PHASE_ACCESS, PHASE_AUTHN, PHASE_AUTHZ, PHASE_COUNT } phase;

/* Each phase's saved chain: the links httpd sorted, less ours. */
static apr_array_header_t *saved_chain[PHASE_COUNT];

/* RUN_FIRST over a saved chain, as httpd's own ap_run_* does. */
static int run_chain(phase ph, request_rec *r)
{
    const hook_link *l = (const hook_link *)saved_chain[ph]->elts;
    for (int i = 0; i < saved_chain[ph]->nelts; i++) {
        int rv = l[i].pFunc(r);
        if (rv != DECLINED)
            return rv;
    }
    return DECLINED;
}

static int run_authz_chain(request_rec *r)
{
    return run_chain(PHASE_AUTHZ, r);
}

/* The sibling decoy of a hidden denial is looked up without authorization
 * (hidden.c uses it only if nothing is there). */
static int decoy_unchecked(request_rec *r)
{
    policy_request *mq = r->main ? policy_request_get(r->main, 0) : NULL;
    return mq && mq->decoy_lookup == DECOY_UNCHECKED;
}

/* The request was moved onto its decoy, or is the decoy's look-up: the
 * rest of the access phases let it through.  httpd wants a user after
 * the authentication phase; a placeholder is set there for the
 * authorization phase to clear. */
static int let_through(request_rec *r, policy_request *rq, phase ph)
{
    if (ph == PHASE_AUTHN && !r->user) {
        r->user = "";
        if (rq)
            rq->user_placeholder = 1;
    }
    if (ph == PHASE_AUTHZ && rq && rq->user_placeholder) {
        r->user = NULL;
        rq->user_placeholder = 0;
    }
    return OK;
}

/* Whether a chain's answer denies: the access and authorization chains
 * deny with 403 (authorization also with 401, for a request without a
 * user), the authentication chain with 401. */
static int denies(phase ph, int rv)
{
    return ph == PHASE_AUTHN ? rv == HTTP_UNAUTHORIZED
           : ph == PHASE_ACCESS ? rv == HTTP_FORBIDDEN
           : rv == HTTP_FORBIDDEN || rv == HTTP_UNAUTHORIZED;
}

static int report_mode(request_rec *r)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    return d->mode == MODE_REPORT;
}

/* Report mode lets through a request whose authentication failed: it goes
 * on as an anonymous one would, with no user, no auth type and without
 * the credentials that were refused (Basic's name is set before its
 * password is checked, and an application that trusts REMOTE_USER, %u or
 * the header must not take a refused name for a user).  The decision was
 * recorded before, as enforce mode records it. */
static void forget_refused_credentials(request_rec *r)
{
    r->user = NULL;
    r->ap_auth_type = NULL;
    apr_table_unset(r->headers_in, r->proxyreq == PROXYREQ_PROXY
                                   ? "Proxy-Authorization" : "Authorization");
}

/* A chain's denial of a request this module takes part in: the shadows
 * are evaluated, then the denial is answered, or in report mode recorded
 * and the request let through.  A 500 of the access or authorization
 * chains (a failing source) is a decision too, with reason error: it is
 * recorded and answered as a denial, and stays a 500 in enforce mode. */
static int answer_denial(request_rec *r, phase ph, int rv)
{
    policy_request *rq = policy_request_get(r, 0);
    int report = report_mode(r);
    int failed = ph != PHASE_AUTHN && rv == HTTP_INTERNAL_SERVER_ERROR;
    if ((!denies(ph, rv) && !failed) || !policy_request_takes_part(r, rq))
        return rv;
    policy_reason reason = failed ? REASON_ERROR
                           : ph == PHASE_AUTHN ? REASON_ANONYMOUS
                           : policy_request_reason(rq);
    const policy_require *blamed = ph == PHASE_AUTHN || failed || !rq
                                   ? NULL : rq->blamed;
    rq = policy_request_get(r, 1);
    /* a user that authentication refused is no user for the shadows */
    char *user = r->user;
    if (ph == PHASE_AUTHN)
        r->user = NULL;
    policy_shadows_evaluate(r);
    r->user = user;
    if (report) {
        int rv_report = policy_report(r, rq, reason, blamed);
        if (ph == PHASE_AUTHN)
            forget_refused_credentials(r);
        return rv_report;
    }
    return policy_deny(r, rq, reason, blamed);
}

/* One function for the three phases, as mod_authz_core's
 * authorize_user_core is one for two. */
static int run_phase(request_rec *r, phase ph)
{
    policy_request *rq = policy_request_get(r, 0);
    /* The explain handler's look-up (explain.c): its user is taken as
     * authenticated, without a password, and the denials of a request
     * nobody sent are not logged; nothing else differs. */
    static const struct ap_logconf explained_log = { NULL, APLOG_CRIT };
    policy_request *mq = r->main ? policy_request_get(r->main, 0) : NULL;
    if (mq && mq->explained_user) {
        rq = policy_request_get(r, 1);
        rq->explaining = 1;
        r->log = &explained_log;
        if (ph == PHASE_AUTHN) {
            r->user = apr_pstrdup(r->pool, mq->explained_user);
            return OK;
        }
    }
    if (decoy_unchecked(r) || (rq && (rq->hidden || rq->reported)))
        return let_through(r, rq, ph);
    if (rq && ph != PHASE_AUTHN) {
        rq->blamed = NULL;           /* a new pass over the Require tree */
        policy_checks_new_pass(rq);
    }

    policy_reason reason;
    const policy_require *blamed;
    int rv;
    /* Before any password is checked: a claimed user who could not pass
     * a hidden area gets the hidden answer at once (hidden.c).  Not in
     * report mode, which hides nothing. */
    if (ph == PHASE_AUTHN && !report_mode(r)
        && policy_hidden_claimed_user_fails(r, run_authz_chain, &reason,
                                            &blamed)) {
        rq = policy_request_for_check(r, blamed);
        rq->blamed = blamed;
        policy_shadows_evaluate(r);
        rv = policy_deny(r, rq, reason, blamed);
    }
    else {
        rv = answer_denial(r, ph, run_chain(ph, r));
    }
    /* moved onto its decoy, or let through without a user, in the
     * authentication phase: httpd wants a user */
    rq = policy_request_get(r, 0);
    if (ph == PHASE_AUTHN && rv == OK && rq && (rq->hidden || rq->reported))
        return let_through(r, rq, ph);
    return rv;
}

static int access_phase(request_rec *r)
{
    return run_phase(r, PHASE_ACCESS);
}

static int authn_phase(request_rec *r)
{
    return run_phase(r, PHASE_AUTHN);
}

static int authz_phase(request_rec *r)
{
    return run_phase(r, PHASE_AUTHZ);
}

/* Leaves our own link alone in the hook array and keeps the others, in
 * their sorted order, as the chain our link runs. */
static apr_array_header_t *take_over(apr_pool_t *p, apr_array_header_t *hooks,
                                     ap_HOOK_auth_checker_t *ours)
{
    apr_array_header_t *saved = apr_array_make(p, hooks ? hooks->nelts : 1,
                                               sizeof(hook_link));
    hook_link self = { 0 };
    hook_link *l = hooks ? (hook_link *)hooks->elts : NULL;
    for (int i = 0; hooks && i < hooks->nelts; i++) {
        if (l[i].pFunc == ours)
            self = l[i];
        else
            *(hook_link *)apr_array_push(saved) = l[i];
    }
    if (hooks && self.pFunc) {
        hooks->nelts = 1;
        l[0] = self;
    }
    return saved;
}

void policy_takeover_register(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_access_ex(access_phase, NULL, NULL, APR_HOOK_REALLY_FIRST,
                            AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(authn_phase, NULL, NULL, APR_HOOK_REALLY_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(authz_phase, NULL, NULL, APR_HOOK_REALLY_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
}

void policy_takeover_post_config(apr_pool_t *pconf)
{
    saved_chain[PHASE_ACCESS] = take_over(pconf,
        ap_hook_get_access_checker_ex(), access_phase);
    saved_chain[PHASE_AUTHN] = take_over(pconf, ap_hook_get_check_user_id(),
                                         authn_phase);
    saved_chain[PHASE_AUTHZ] = take_over(pconf, ap_hook_get_auth_checker(),
                                         authz_phase);
}
