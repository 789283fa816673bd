/*
 * mod_rival_hooks: for t/takeover_guard.t only (the test builds it with
 * apxs).  It does to the four hook chains that mod_authz_policy takes
 * over what another module might do, so that the test can see the module
 * refuse to start, or run the other module's link as httpd would.
 *
 *   RivalHook CHAIN HOW
 *
 * CHAIN: access_checker, access_checker_ex, check_user_id or auth_checker.
 * HOW:
 *   first   an ordinary link (APR_HOOK_FIRST, before the stock modules'
 *           links): the take-over runs it
 *   before  a link at APR_HOOK_REALLY_FIRST - 1, which httpd sorts before
 *           mod_authz_policy's
 *   empty   the take-over itself, done at check_config before
 *           mod_authz_policy's: the chain left with this link alone
 *   late    the take-over itself, done at post_config after
 *           mod_authz_policy's: the chain replaced by this link alone
 *   added   a link registered at post_config, after the take-over
 *
 * The links are registered while the configuration is read, as mod_lua
 * and mod_perl register theirs (httpd sorts the hooks again after that).
 * Each adds its chain's name to the answer's X-Rival header and declines,
 * but access_checker's allows (OK), as a module that has nothing against
 * the request does: the other links of that chain must run all the same.
 * Below /rival-deny, access_checker's denies (403), as mod_ssl's does for
 * SSLRequireSSL: a denial that is not mod_access_compat's.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_request.h"

#include <apr_hooks.h>
#include <apr_strings.h>
#include <string.h>

module AP_MODULE_DECLARE_DATA rival_hooks_module;

typedef ap_LINK_auth_checker_t link_t;
typedef apr_array_header_t *(get_fn)(void);
typedef void (hook_fn)(ap_HOOK_auth_checker_t *, const char *const *,
                       const char *const *, int);

#define RIVAL_LINK(chain, answer)                                          \
    static int rival_##chain(request_rec *r)                               \
    {                                                                      \
        apr_table_merge(r->err_headers_out, "X-Rival", #chain);            \
        return answer;                                                     \
    }
RIVAL_LINK(access_checker, strncmp(r->uri, "/rival-deny", 11) ? OK
                                                           : HTTP_FORBIDDEN)
RIVAL_LINK(access_checker_ex, DECLINED)
RIVAL_LINK(check_user_id, DECLINED)
RIVAL_LINK(auth_checker, DECLINED)

static const struct {
    const char *name;
    ap_HOOK_auth_checker_t *fn;
    get_fn *get;
    hook_fn *hook;
} chains[] = {
    { "access_checker", rival_access_checker, ap_hook_get_access_checker,
      ap_hook_access_checker },
    { "access_checker_ex", rival_access_checker_ex,
      ap_hook_get_access_checker_ex, ap_hook_access_checker_ex },
    { "check_user_id", rival_check_user_id, ap_hook_get_check_user_id,
      ap_hook_check_user_id },
    { "auth_checker", rival_auth_checker, ap_hook_get_auth_checker,
      ap_hook_auth_checker },
};
#define NCHAINS (int)(sizeof chains / sizeof chains[0])

/* per chain: 0 nothing, or what to do at check_config or post_config */
enum { NONE, EMPTY, LATE, ADDED };
static int pending[NCHAINS];

static void register_link(int c, int order)
{
    /* the name httpd's hook tracing and mod_authz_policy's messages show */
    const char *was = apr_hook_debug_current;
    apr_hook_debug_current = "mod_rival_hooks.c";
    chains[c].hook(chains[c].fn, NULL, NULL, order);
    apr_hook_debug_current = was;
}

/* The chain's array left holding one link: this module's. */
static void take_over(int c)
{
    apr_array_header_t *a = chains[c].get();
    link_t *l = (link_t *)a->elts;
    link_t own = l[0];
    own.pFunc = chains[c].fn;
    own.szName = "mod_rival_hooks.c";
    own.nOrder = APR_HOOK_REALLY_FIRST;
    l[0] = own;
    a->nelts = 1;
}

static const char *set_rival(cmd_parms *cmd, void *dummy, const char *chain,
                             const char *how)
{
    (void)dummy;
    int c;
    for (c = 0; c < NCHAINS && strcmp(chains[c].name, chain); c++)
        ;
    if (c == NCHAINS)
        return "RivalHook: unknown chain";
    if (!strcmp(how, "first"))
        register_link(c, APR_HOOK_FIRST);
    else if (!strcmp(how, "before"))
        register_link(c, APR_HOOK_REALLY_FIRST - 1);
    else if (!strcmp(how, "empty")) {
        register_link(c, APR_HOOK_MIDDLE);
        pending[c] = EMPTY;
    }
    else if (!strcmp(how, "late"))
        pending[c] = LATE;
    else if (!strcmp(how, "added"))
        pending[c] = ADDED;
    else
        return apr_pstrcat(cmd->pool, "RivalHook: unknown ", how, NULL);
    return NULL;
}

static int rival_pre_config(apr_pool_t *p, apr_pool_t *plog, apr_pool_t *pt)
{
    (void)p; (void)plog; (void)pt;
    for (int c = 0; c < NCHAINS; c++)
        pending[c] = NONE;
    return OK;
}

static int rival_check_config(apr_pool_t *p, apr_pool_t *plog,
                              apr_pool_t *pt, server_rec *s)
{
    (void)p; (void)plog; (void)pt; (void)s;
    for (int c = 0; c < NCHAINS; c++) {
        if (pending[c] != EMPTY)
            continue;
        /* this module's link first, then the others dropped */
        apr_array_header_t *a = chains[c].get();
        link_t *l = (link_t *)a->elts;
        for (int i = 0; i < a->nelts; i++)
            if (l[i].pFunc == chains[c].fn)
                l[0] = l[i];
        a->nelts = 1;
    }
    return OK;
}

static int rival_post_config(apr_pool_t *p, apr_pool_t *plog,
                             apr_pool_t *pt, server_rec *s)
{
    (void)p; (void)plog; (void)pt; (void)s;
    for (int c = 0; c < NCHAINS; c++) {
        if (pending[c] == LATE)
            take_over(c);
        else if (pending[c] == ADDED)
            register_link(c, APR_HOOK_MIDDLE);
    }
    return OK;
}

static const command_rec rival_cmds[] = {
    AP_INIT_TAKE2("RivalHook", set_rival, NULL, RSRC_CONF,
                  "RivalHook CHAIN first|before|empty|late|added"),
    { NULL }
};

static void rival_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(rival_pre_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_check_config(rival_check_config, NULL, NULL,
                         APR_HOOK_REALLY_FIRST);
    /* after mod_authz_policy's (APR_HOOK_MIDDLE), before its last look
     * (APR_HOOK_REALLY_LAST) */
    ap_hook_post_config(rival_post_config, NULL, NULL, APR_HOOK_LAST);
}

AP_DECLARE_MODULE(rival_hooks) = {
    STANDARD20_MODULE_STUFF,
    NULL, NULL, NULL, NULL,
    rival_cmds,
    rival_register_hooks,
    AP_MODULE_FLAG_NONE
};
