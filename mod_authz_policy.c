/*
 * mod_authz_policy: Require providers for roles, plans, scopes, IP lists
 * and regions, and the right answer to the client when a request is
 * denied.
 *
 * This file is the module's entry: the module record, the hooks, and the
 * providers, each a parse of its Require line at configuration time and a
 * check at request time, as in mod_authz_host.  The rest, one job a file
 * (DEVELOPERS.md has the table):
 *   config.c      configuration records and every directive
 *   require.c     Require lines, parsed once; configtest.c checks of the
 *                 whole configuration
 *   attrs.c       a user's roles, plan and scopes, and their checks
 *   network.c     Require iplist and region, and a client's region
 *   origin.c      Require same-origin (CSRF)
 *   takeover.c    how denials reach this module (it runs the access
 *                 phases' hook chains: read its header)
 *   deny.c        the answer to a denied request; decision_log.c the
 *                 variables and log line of a decision; hidden.c the
 *                 hidden 404
 *   shadow.c      <AuthzPolicyShadow>: candidate policies
 *   explain.c     SetHandler authz-policy-explain; checks.c the result
 *                 of each Require line, for it and the trace log
 *   request.c     what the module knows about one request
 *   datafile.c    data files, shared by the server's processes
 *   geoip.c       MaxMind DB files
 *   metrics.c     the shared counters; status.c, status_text.c the
 *                 authz-policy-status handler
 *   pure/         parsers, tables, escaping, negotiation: no httpd
 */
#include "policy.h"
#include "status.h"
#include "checks.h"

#include "http_log.h"
#include "http_request.h"
#include "ap_provider.h"
#include "ap_mpm.h"
#include "http_core.h"
#include "mpm_common.h"

/* ------------------------------------------------------------------ */
/* Require providers                                                   */

static authz_status role_check_authorization(request_rec *r,
                                           const char *require_line,
                                           const void *parsed_require_line)
{
    (void)require_line;
    return policy_check_user_attr(r, parsed_require_line);
}

static const char *role_parse_config(cmd_parms *cmd, const char *require_line,
                                   const void **parsed_require_line)
{
    return policy_require_parse(cmd, require_line, REASON_ROLE,
                                parsed_require_line);
}

static const authz_provider authz_role_provider = {
    &role_check_authorization,
    &role_parse_config,
};

static authz_status plan_check_authorization(request_rec *r,
                                           const char *require_line,
                                           const void *parsed_require_line)
{
    (void)require_line;
    return policy_check_user_attr(r, parsed_require_line);
}

static const char *plan_parse_config(cmd_parms *cmd, const char *require_line,
                                   const void **parsed_require_line)
{
    return policy_require_parse(cmd, require_line, REASON_PLAN,
                                parsed_require_line);
}

static const authz_provider authz_plan_provider = {
    &plan_check_authorization,
    &plan_parse_config,
};

static authz_status scope_check_authorization(request_rec *r,
                                           const char *require_line,
                                           const void *parsed_require_line)
{
    (void)require_line;
    return policy_check_user_attr(r, parsed_require_line);
}

static const char *scope_parse_config(cmd_parms *cmd, const char *require_line,
                                   const void **parsed_require_line)
{
    return policy_require_parse(cmd, require_line, REASON_SCOPE,
                                parsed_require_line);
}

static const authz_provider authz_scope_provider = {
    &scope_check_authorization,
    &scope_parse_config,
};

static authz_status iplist_check_authorization(request_rec *r,
                                           const char *require_line,
                                           const void *parsed_require_line)
{
    (void)require_line;
    return policy_check_network(r, parsed_require_line);
}

static const char *iplist_parse_config(cmd_parms *cmd, const char *require_line,
                                   const void **parsed_require_line)
{
    return policy_require_parse(cmd, require_line, REASON_IPLIST,
                                parsed_require_line);
}

static const authz_provider authz_iplist_provider = {
    &iplist_check_authorization,
    &iplist_parse_config,
};

static authz_status region_check_authorization(request_rec *r,
                                           const char *require_line,
                                           const void *parsed_require_line)
{
    (void)require_line;
    return policy_check_network(r, parsed_require_line);
}

static const char *region_parse_config(cmd_parms *cmd, const char *require_line,
                                   const void **parsed_require_line)
{
    return policy_require_parse(cmd, require_line, REASON_REGION,
                                parsed_require_line);
}

static const authz_provider authz_region_provider = {
    &region_check_authorization,
    &region_parse_config,
};

static authz_status same_origin_check_authorization(
    request_rec *r, const char *require_line, const void *parsed_require_line)
{
    (void)require_line;
    return policy_check_same_origin(r, parsed_require_line);
}

static const char *same_origin_parse_config(cmd_parms *cmd,
                                            const char *require_line,
                                            const void **parsed_require_line)
{
    return policy_same_origin_parse(cmd, require_line, parsed_require_line);
}

static const authz_provider authz_same_origin_provider = {
    &same_origin_check_authorization,
    &same_origin_parse_config,
};

/* ------------------------------------------------------------------ */
/* Start-up and the server's life                                      */

/* Before the MPM's pre_config, which detaches at a first start: the
 * launcher exits there, and must free what its first pass parsed. */
static int policy_pre_config_first(apr_pool_t *pconf, apr_pool_t *plog,
                                   apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    datafile_pre_config_first(pconf);
    return OK;
}

static int policy_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    datafile_registry_init(pconf);
    policy_attrs_pre_config(pconf);
    policy_require_pre_config(pconf);
    policy_configtest_pre_config(pconf);
    policy_metrics_pre_config(pconf);
    policy_checks_pre_config(pconf);
    return OK;
}

static int policy_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    int roles = policy_configtest_roles(pconf, s);
    int requires = policy_require_check_config(pconf, ptemp, s);
    policy_configtest_warnings(ptemp, s);
    datafile_check_config();
    return roles == OK && requires == OK ? OK : !OK;
}

static int policy_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    /* The first of httpd's two start-up passes only checks the
     * configuration: publish data files in the real one. */
    int real_pass = ap_state_query(AP_SQ_MAIN_STATE)
                    != AP_SQ_MS_CREATE_PRE_CONFIG;
    policy_server_conf *sc = ap_get_module_config(s->module_config,
                                                  &authz_policy_module);
    datafile_set_htaccess_limits(
        sc->htaccess_bytes ? sc->htaccess_bytes : DATAFILE_HTACCESS_BYTES,
        sc->htaccess_max_files ? sc->htaccess_max_files
                               : DATAFILE_HTACCESS_FILES);
    /* the counters first: data files are listed in them */
    if (real_pass && policy_metrics_post_config(pconf, s) != OK)
        return !OK;
    if (real_pass)
        policy_status_post_config(s);
    if (datafile_post_config(s, real_pass) != OK)
        return !OK;
    if (real_pass && policy_attrs_post_config(pconf, s) != OK)
        return !OK;
    if (real_pass)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, AZPLOGNO(00049)
                     "mod_authz_policy %s configured", AUTHZ_POLICY_VERSION);
    return policy_takeover_post_config(pconf, s);
}

/* The parent looks at the configured data files again, so that the
 * children it starts later inherit their newest versions. */
static int policy_monitor(apr_pool_t *p, server_rec *s)
{
    (void)p;
    datafile_monitor(s);
    return DECLINED;
}

/* A file loaded as a data file is never served as content: it gets the
 * answer of a path that does not exist. */
static int hide_data_files(request_rec *r)
{
    if (!r->filename || !datafile_is_loaded(&r->finfo, r->filename))
        return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AZPLOGNO(00050)
                  "%s is a data file of mod_authz_policy: answered as a "
                  "missing file", r->filename);
    return HTTP_NOT_FOUND;
}

static void policy_child_init(apr_pool_t *pchild, server_rec *s)
{
    policy_metrics_child_init(pchild);
    datafile_child_init(pchild, s);
    policy_attrs_child_init(pchild, s);
    policy_hidden_child_init(pchild);
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(policy_pre_config_first, NULL, NULL,
                       APR_HOOK_REALLY_FIRST);
    ap_hook_pre_config(policy_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(policy_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(policy_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(policy_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(policy_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(hide_data_files, NULL, NULL, APR_HOOK_REALLY_FIRST);

    /* the access phases' chains, run by takeover.c */
    policy_takeover_register(p);

    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "role",
                              AUTHZ_PROVIDER_VERSION, &authz_role_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "plan",
                              AUTHZ_PROVIDER_VERSION, &authz_plan_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "scope",
                              AUTHZ_PROVIDER_VERSION, &authz_scope_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "iplist",
                              AUTHZ_PROVIDER_VERSION, &authz_iplist_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "region",
                              AUTHZ_PROVIDER_VERSION, &authz_region_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "same-origin",
                              AUTHZ_PROVIDER_VERSION,
                              &authz_same_origin_provider,
                              AP_AUTH_INTERNAL_PER_CONF);

    policy_shadow_init();
    policy_deny_register(p);
    policy_decision_log_register(p);
    policy_hidden_register(p);
    policy_status_register(p);
    policy_checks_register(p);
    policy_explain_register(p);
}

/* the one name the module exports (the Makefile hides the rest) */
__attribute__((visibility("default")))
AP_DECLARE_MODULE(authz_policy) = {
    STANDARD20_MODULE_STUFF,
    policy_create_dir_conf,
    policy_merge_dir_conf,
    policy_create_server_conf,
    policy_merge_server_conf,
    policy_cmds,
    register_hooks,
    AP_MODULE_FLAG_NONE
};

