/*
 * takeover: how denials reach this module.
 *
 * The Require providers answer mod_authz_core honestly and write nothing.
 * To give a denied request the right answer (403 rather than 401 for a
 * user who lacks a role, a hidden 404, a JSON body), this module must see
 * the denial before httpd acts on it, and httpd offers no hook for that.
 *
 * What it replaces: at post_config, when httpd has sorted every hook, this
 * file takes over the four hook chains that can deny a request:
 * access_checker (mod_access_compat's Order/Allow/Deny, mod_ssl's
 * SSLRequire), access_checker_ex, check_user_id and auth_checker (the
 * chains behind ap_hook_check_access, ap_hook_check_access_ex,
 * ap_hook_check_authn and ap_hook_check_authz).  In each chain's hook
 * array it keeps only its own link, registered APR_HOOK_REALLY_FIRST, and
 * saves the others, in their sorted order.  Its link runs the saved chain
 * exactly as httpd's ap_run_* would (access_checker RUN_ALL: the first
 * answer other than OK or DECLINED wins, else OK; the others RUN_FIRST:
 * the first answer other than DECLINED wins), and only when that answer
 * is a denial httpd acts on, of a request this module takes part in
 * (access_checker's: where the area asks for it, below), does it hand
 * the denial to deny.c.  Everywhere else the answer passes
 * through untouched, so Apache behaves as without the module.  httpd
 * still decides when each phase runs (Satisfy, AuthType,
 * ap_some_auth_required): only the running of each chain is ours.
 *
 * access_checker's denial is answered only where AuthzPolicyServerDenials
 * is on (whether or not the module takes part otherwise), and only
 * mod_access_compat's (another module's link there, such as mod_ssl's
 * SSLRequireSSL, stays Apache's): elsewhere it passes through, and the
 * server answers exactly as without the module.  It is final only under
 * Satisfy All (or none set): under Satisfy Any httpd goes on to
 * authentication, which may still grant (server/request.c), so there it
 * passes through and the later chains decide.  In report mode it is
 * recorded and let through, as every other denial in the area (SPEC 7:
 * every path that can deny), where both the mode and the directive come
 * from the server's configuration; an administrator who wants a Deny
 * kept while a report-mode area is tried leaves the directive off there.
 * Report mode set in an .htaccess file lifts only that file's own lines:
 * a denial by a Require line of the server's configuration (checks.c
 * marks that one ran) is enforced, so that a customer cannot lift an
 * administrator's <Location> below the customer's DocumentRoot.
 *
 * The guard: this is only right for the hook layout it was written for,
 * httpd 2.4's ap_process_request_internal.  The build refuses other
 * versions' headers; httpd refuses a module of another major MMN at
 * LoadModule; at check_config (so apachectl configtest says it) and
 * again before taking over, this file checks the running server (2.4, no
 * older MMN than the headers) and each sorted chain: its array holds
 * this module's link, first, and, for access_checker_ex and auth_checker,
 * mod_authz_core's, whose decisions it answers.  A link sorted before
 * ours (APR_HOOK_REALLY_FIRST - 1, or ordered before it) or a chain
 * another module has already taken over would mean requests this module
 * never sees.  At the end of post_config (APR_HOOK_REALLY_LAST) each
 * chain must hold our link alone: another module that took a chain over
 * after us, or added a link to it, would run outside it.  Any difference
 * stops httpd with a message naming the chain and the module whose link
 * is there (docs/troubleshooting.md); there is no reduced mode, since a
 * denial the module does not see is answered by httpd's stock page and,
 * in a hidden area, confirms what it hides.  What this cannot see: a
 * module that changes the arrays after post_config (in child_init, or at
 * request time).
 *
 * Side effects, all of them:
 * - mod_info's hook lists (and ap_hook_get_*) show only this module in
 *   these four chains;
 * - APR's hook tracing (apr_hook_debug_enabled) does not name the modules
 *   of the saved chains when they run;
 * - it relies on httpd sorting the hooks before check_config and
 *   post_config, as server/main.c does (apr_hook_sort_all); a hook
 *   registered later than that would run after this module's link, which
 *   the guard refuses;
 * - at a restart modules register their hooks again, so this is done again
 *   on every configuration pass;
 * - ap_some_authn_required(), which runs access_checker and
 *   access_checker_ex to ask a question (no module of httpd calls it),
 *   would answer a denial it meets there.
 *
 * The explain handler's look-up (explain.c) is the one request whose
 * chains are not all run: its authentication phase takes the explained
 * user as authenticated (no password, so no hidden-claimed-user shortcut
 * either), and its access and authorization chains run as for any
 * request but log below critical nothing (mod_authz_core's and
 * mod_access_compat's denial lines are for requests someone sent).
 */
#include "policy.h"
#include "request.h"
#include "checks.h"

#include "ap_mmn.h"
#include "ap_release.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"

#include <apr_strings.h>
#include <apr_tables.h>

APLOG_USE_MODULE(authz_policy);

/* The layout this file runs (see the header): httpd 2.4's. */
#if AP_SERVER_MAJORVERSION_NUMBER != 2 || AP_SERVER_MINORVERSION_NUMBER != 4 \
    || !AP_MODULE_MAGIC_AT_LEAST(20120211, 0)
#error "takeover.c runs httpd 2.4's access hook chains: see its header"
#endif

/* The four chains' hooks all have the signature int (request_rec *), so
 * their links, declared by APR_DECLARE_EXTERNAL_HOOK, have one layout. */
typedef ap_LINK_auth_checker_t hook_link;
_Static_assert(__builtin_types_compatible_p(ap_HOOK_access_checker_t,
                                            ap_HOOK_auth_checker_t)
               && __builtin_types_compatible_p(ap_HOOK_access_checker_ex_t,
                                               ap_HOOK_auth_checker_t)
               && __builtin_types_compatible_p(ap_HOOK_check_user_id_t,
                                               ap_HOOK_auth_checker_t)
               && sizeof(ap_LINK_access_checker_t) == sizeof(hook_link)
               && sizeof(ap_LINK_access_checker_ex_t) == sizeof(hook_link)
               && sizeof(ap_LINK_check_user_id_t) == sizeof(hook_link),
               "the access hooks' links differ in layout");

/* The chains in the order httpd runs them: access_checker (Order/Deny,
 * SSLRequire), access_checker_ex (mod_authz_core without a user),
 * check_user_id (authentication), auth_checker (mod_authz_core). */
typedef enum {
    PHASE_ACCESS_CHECKER, PHASE_ACCESS, PHASE_AUTHN, PHASE_AUTHZ, PHASE_COUNT
} phase;

/* Each phase's saved chain: the links httpd sorted, less ours. */
static apr_array_header_t *saved_chain[PHASE_COUNT];

/* A saved chain run as httpd's own ap_run_* runs it: access_checker is
 * RUN_ALL (every link OK or DECLINED, else the first other answer), the
 * others RUN_FIRST (the first answer other than DECLINED).  *by: the
 * module whose link gave the answer (NULL if none did). */
static int run_chain(phase ph, request_rec *r, const char **by)
{
    int all = ph == PHASE_ACCESS_CHECKER;
    const hook_link *l = (const hook_link *)saved_chain[ph]->elts;
    *by = NULL;
    for (int i = 0; i < saved_chain[ph]->nelts; i++) {
        int rv = l[i].pFunc(r);
        if (rv != DECLINED && (!all || rv != OK)) {
            *by = l[i].szName;
            return rv;
        }
    }
    return all ? OK : DECLINED;
}

static int run_authz_chain(request_rec *r)
{
    const char *by;
    return run_chain(PHASE_AUTHZ, r, &by);
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
           : ph != PHASE_AUTHZ ? rv == HTTP_FORBIDDEN
           : rv == HTTP_FORBIDDEN || rv == HTTP_UNAUTHORIZED;
}

static int report_mode(request_rec *r)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    return d->mode == MODE_REPORT;
}

/* access_checker's answer is httpd's to act on unless the area asks for
 * it (AuthzPolicyServerDenials on), and only mod_access_compat's (Order,
 * Allow, Deny): another module's link there, such as mod_ssl's
 * SSLRequireSSL or SSLVerifyClient, is not the server's refusal of a
 * client's address, and report mode must not serve a page over plain HTTP
 * or without its certificate.  Even mod_access_compat's is not final under
 * Satisfy Any (authentication may still grant).  Report mode lets it
 * through only where both the mode and AuthzPolicyServerDenials come from
 * the server's configuration: a customer's .htaccess that sets both above
 * an administrator's <Location> (/server-status under the DocumentRoot)
 * must not lift the administrator's Deny.  Asked only of an answer that is
 * neither OK nor DECLINED; by: the module whose link gave it. */
static int left_to_httpd(request_rec *r, phase ph, const char *by)
{
    if (ph != PHASE_ACCESS_CHECKER)
        return 0;
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    if (!d->server_denials || ap_satisfies(r) == SATISFY_ANY
        || !by || strcmp(by, "mod_access_compat.c"))
        return 1;
    return d->mode == MODE_REPORT
           && (d->mode_htaccess || d->server_denials_htaccess);
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
    /* Report mode set in an .htaccess file tries out that file's own
     * lines: where a Require line of the server's configuration took part
     * (a <Location> or <Files> merged after the file, such as an
     * administrator's /server-status under a customer's DocumentRoot),
     * the denial is enforced, or a customer could lift it. */
    int report = report_mode(r)
                 && !(rq && rq->server_line_ran);
    int failed = ph != PHASE_AUTHN && rv == HTTP_INTERNAL_SERVER_ERROR;
    /* access_checker's comes here only where the area asks for it */
    int ours = ph == PHASE_ACCESS_CHECKER || policy_request_takes_part(r, rq);
    if ((!denies(ph, rv) && !failed) || !ours)
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

/* One function for the four phases, as mod_authz_core's
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
    if (rq && (ph == PHASE_ACCESS || ph == PHASE_AUTHZ)) {
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
        const char *by;
        rv = run_chain(ph, r, &by);
        if (rv != OK && rv != DECLINED && !left_to_httpd(r, ph, by))
            rv = answer_denial(r, ph, rv);
    }
    /* moved onto its decoy, or let through without a user, in the
     * authentication phase: httpd wants a user */
    rq = policy_request_get(r, 0);
    if (ph == PHASE_AUTHN && rv == OK && rq && (rq->hidden || rq->reported))
        return let_through(r, rq, ph);
    return rv;
}

/* Nothing else on the chain (mod_access_compat and mod_ssl not loaded):
 * nothing to run or answer. */
static int access_checker_phase(request_rec *r)
{
    return saved_chain[PHASE_ACCESS_CHECKER]->nelts
           ? run_phase(r, PHASE_ACCESS_CHECKER) : OK;
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

/* The chains as the guard and the take-over see them. */
static const struct {
    const char *name;                       /* httpd's, for messages */
    apr_array_header_t *(*hooks)(void);
    ap_HOOK_auth_checker_t *ours;
    int authz_core;                         /* mod_authz_core's link is on
                                               it, whose denials we answer */
} chains[PHASE_COUNT] = {
    [PHASE_ACCESS_CHECKER] = { "access_checker", ap_hook_get_access_checker,
                               access_checker_phase, 0 },
    [PHASE_ACCESS] = { "access_checker_ex", ap_hook_get_access_checker_ex,
                       access_phase, 1 },
    [PHASE_AUTHN] = { "check_user_id", ap_hook_get_check_user_id,
                      authn_phase, 0 },
    [PHASE_AUTHZ] = { "auth_checker", ap_hook_get_auth_checker,
                      authz_phase, 1 },
};

/* The name httpd registered a link under: its module's source file. */
static const char *link_module(const hook_link *l)
{
    return l->szName ? l->szName : "an unnamed module";
}

/* Why the running server is not the one this file was built for; NULL if
 * it is.  httpd itself refuses a module of another major MMN; an older
 * 2.4 than the headers (a smaller minor MMN) may lack what they describe. */
static const char *server_error(apr_pool_t *p)
{
    ap_version_t v;
    ap_get_server_revision(&v);
    if (v.major != AP_SERVER_MAJORVERSION_NUMBER
        || v.minor != AP_SERVER_MINORVERSION_NUMBER)
        return apr_psprintf(p, "the server is httpd %d.%d.%d, and the module "
                            "was built for httpd %d.%d", v.major, v.minor,
                            v.patch, AP_SERVER_MAJORVERSION_NUMBER,
                            AP_SERVER_MINORVERSION_NUMBER);
    if (core_module.minor_version < MODULE_MAGIC_NUMBER_MINOR)
        return apr_psprintf(p, "the server's module interface is %d.%d, "
                            "older than the %d.%d the module was built "
                            "against", core_module.version,
                            core_module.minor_version,
                            MODULE_MAGIC_NUMBER_MAJOR,
                            MODULE_MAGIC_NUMBER_MINOR);
    return NULL;
}

/* Why a sorted chain is not what the take-over was built for; NULL if it
 * is: our link in it, first, and mod_authz_core's where it belongs. */
static const char *layout_error(apr_pool_t *p, phase ph)
{
    const apr_array_header_t *hooks = chains[ph].hooks();
    const hook_link *l = hooks ? (const hook_link *)hooks->elts : NULL;
    int n = hooks ? hooks->nelts : 0, ours = 0, authz_core = 0;
    for (int i = 0; i < n; i++) {
        ours |= l[i].pFunc == chains[ph].ours;
        authz_core |= l[i].szName && !strcmp(l[i].szName, "mod_authz_core.c");
    }
    if (!ours)
        return apr_psprintf(p, "the %s chain does not hold this module's "
                            "link (%s%s%s): another module has emptied or "
                            "taken over the chain", chains[ph].name,
                            n ? "it holds " : "it is empty",
                            n ? link_module(&l[0]) : "", n ? "'s" : "");
    if (l[0].pFunc != chains[ph].ours)
        return apr_psprintf(p, "the %s chain runs %s's link before this "
                            "module's (registered before "
                            "APR_HOOK_REALLY_FIRST, or ordered before it)",
                            chains[ph].name, link_module(&l[0]));
    if (chains[ph].authz_core && !authz_core)
        return apr_psprintf(p, "the %s chain holds no link of "
                            "mod_authz_core.c, whose decisions this module "
                            "answers (LoadModule authz_core_module)",
                            chains[ph].name);
    return NULL;
}

/* Why a chain taken over does not hold our link alone; NULL if it does. */
static const char *taken_over_error(apr_pool_t *p, phase ph)
{
    const apr_array_header_t *hooks = chains[ph].hooks();
    const hook_link *l = hooks ? (const hook_link *)hooks->elts : NULL;
    int n = hooks ? hooks->nelts : 0;
    if (n == 1 && l[0].pFunc == chains[ph].ours)
        return NULL;
    if (!n)
        return apr_psprintf(p, "after the take-over the %s chain is empty",
                            chains[ph].name);
    if (n == 1)
        return apr_psprintf(p, "after the take-over the %s chain holds %s's "
                            "link, not this module's alone", chains[ph].name,
                            link_module(&l[0]));
    return apr_psprintf(p, "after the take-over the %s chain holds %d links "
                        "(the first %s's), not this module's alone",
                        chains[ph].name, n, link_module(&l[0]));
}

/* The guard's refusal (at check_config, s is NULL: httpd's screen). */
static int refuse(server_rec *s, const char *why)
{
    ap_log_error(APLOG_MARK, (s ? 0 : APLOG_STARTUP) | APLOG_EMERG, 0, s,
                 AZPLOGNO(00060) "mod_authz_policy: %s.  The module runs "
                 "httpd 2.4's access hook chains in httpd's place "
                 "(takeover.c) and does not start where they differ from "
                 "what it was built for: authorization would not run as "
                 "configured", why);
    return !OK;
}

/* The server and every chain as the take-over needs them. */
static int check_layout(apr_pool_t *p, server_rec *s)
{
    const char *why = server_error(p);
    for (int ph = 0; !why && ph < PHASE_COUNT; ph++)
        why = layout_error(p, ph);
    return why ? refuse(s, why) : OK;
}

/* Before any configuration pass starts the server: apachectl configtest
 * says it too. */
static int takeover_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)s;
    return check_layout(ptemp, NULL);
}

/* After every other module's post_config: each chain still ours alone. */
static int takeover_verify(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    for (int ph = 0; ph < PHASE_COUNT; ph++) {
        const char *why = taken_over_error(ptemp, ph);
        if (why)
            return refuse(s, why);
    }
    return OK;
}

/* Leaves our own link alone in the hook array and keeps the others, in
 * their sorted order, as the chain our link runs (check_layout has found
 * ours first). */
static apr_array_header_t *take_over(apr_pool_t *p, phase ph)
{
    apr_array_header_t *hooks = chains[ph].hooks();
    apr_array_header_t *saved = apr_array_make(p, hooks->nelts,
                                               sizeof(hook_link));
    hook_link *l = (hook_link *)hooks->elts;
    for (int i = 1; i < hooks->nelts; i++)
        *(hook_link *)apr_array_push(saved) = l[i];
    hooks->nelts = 1;
    return saved;
}

void policy_takeover_register(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_access(access_checker_phase, NULL, NULL,
                         APR_HOOK_REALLY_FIRST, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_access_ex(access_phase, NULL, NULL, APR_HOOK_REALLY_FIRST,
                            AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(authn_phase, NULL, NULL, APR_HOOK_REALLY_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(authz_phase, NULL, NULL, APR_HOOK_REALLY_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_config(takeover_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(takeover_verify, NULL, NULL, APR_HOOK_REALLY_LAST);
}

int policy_takeover_post_config(apr_pool_t *pconf, server_rec *s)
{
    /* the layout again: a later check_config or open_logs may have
     * changed it */
    if (check_layout(pconf, s) != OK)
        return !OK;
    for (int ph = 0; ph < PHASE_COUNT; ph++)
        saved_chain[ph] = take_over(pconf, ph);
    return OK;
}
