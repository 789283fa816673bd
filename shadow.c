/*
 * shadow: <AuthzPolicyShadow NAME>, a candidate policy evaluated beside
 * the enforced one and never enforced.
 *
 * Its Require lines may name any provider, stock ones included, so they
 * cannot be handed to mod_authz_core (whose tree is its own and always
 * enforced).  They are parsed here, as mod_authz_core parses them: the
 * provider looked up by name and its parse_require_line called with the
 * line.  At request time the tree is evaluated with mod_authz_core's rules
 * (apply_authz_sections: RequireAll, RequireAny, RequireNone, `not`,
 * neutral results), without method limits and without ever asking for
 * authentication: a shadow that needs a user on a request without one is
 * "deny:anonymous".
 *
 * What the shadows change of the request's record (which check took part,
 * which one is blamed) is put back afterwards: the enforced decision's
 * attribution stays its own.  Attributes fetched for a shadow stay in the
 * record, so nothing is fetched twice.
 */
#include "policy.h"
#include "request.h"
#include "metrics.h"

#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "ap_provider.h"
#include <apr_lib.h>
#include <apr_strings.h>

#include <stdio.h>

APLOG_USE_MODULE(authz_policy);

/* mod_authz_core's name for the note that tells a provider its name */
#define PROVIDER_NAME_NOTE "authz_provider_name"

typedef struct shadow_node shadow_node;
struct shadow_node {
    const authz_provider *provider;  /* a Require line; NULL: a block */
    const char *provider_name;
    const char *args;                /* the line after the provider's name */
    const void *parsed;
    int negate;                      /* `not`, or <RequireNone> */
    int any;                         /* a block: RequireAny or RequireNone */
    shadow_node *first, *next;       /* a block's lines and blocks */
};

struct policy_shadow {
    const char *name;
    apr_size_t name_len;
    shadow_node *root;               /* the lines, as one RequireAll */
};

static const char *parse_block(cmd_parms *cmd, const ap_directive_t *first,
                               shadow_node *block);

static const char *parse_require(cmd_parms *cmd, const ap_directive_t *d,
                                 shadow_node *node, const shadow_node *block)
{
    const char *args = d->args;
    node->provider_name = ap_getword_conf(cmd->pool, &args);
    if (!strcasecmp(node->provider_name, "not")) {
        node->negate = 1;
        node->provider_name = ap_getword_conf(cmd->pool, &args);
    }
    if (node->negate && block->any)
        return "a negative Require line has no effect in RequireAny or "
               "RequireNone";
    node->args = args;
    node->provider = ap_lookup_provider(AUTHZ_PROVIDER_GROUP,
                                        node->provider_name,
                                        AUTHZ_PROVIDER_VERSION);
    if (!node->provider || !node->provider->check_authorization)
        return apr_psprintf(cmd->pool, "Unknown Authz provider: %s",
                            node->provider_name);
    if (!node->provider->parse_require_line)
        return NULL;
    /* the provider sees this line as its directive, as under Require */
    const ap_directive_t *outer = cmd->directive;
    cmd->directive = (ap_directive_t *)d;
    apr_pool_userdata_setn(node->provider_name, PROVIDER_NAME_NOTE,
                           apr_pool_cleanup_null, cmd->temp_pool);
    const char *err = node->provider->parse_require_line(cmd, args,
                                                         &node->parsed);
    cmd->directive = (ap_directive_t *)outer;
    return err;
}

static const char *parse_line(cmd_parms *cmd, const ap_directive_t *d,
                              shadow_node *node, const shadow_node *block)
{
    if (!strcasecmp(d->directive, "Require"))
        return parse_require(cmd, d, node, block);
    int all = !strcasecmp(d->directive, "<RequireAll");
    node->any = !strcasecmp(d->directive, "<RequireAny");
    node->negate = !strcasecmp(d->directive, "<RequireNone");
    if (!all && !node->any && !node->negate)
        return apr_psprintf(cmd->pool, "<AuthzPolicyShadow> holds Require "
                            "lines and <RequireAll>, <RequireAny> and "
                            "<RequireNone> blocks, not %s", d->directive);
    node->any |= node->negate;
    if (node->negate && block->any)
        return "<RequireNone> has no effect in RequireAny or RequireNone";
    return parse_block(cmd, d->first_child, node);
}

static const char *parse_block(cmd_parms *cmd, const ap_directive_t *first,
                               shadow_node *block)
{
    shadow_node **tail = &block->first;
    for (const ap_directive_t *d = first; d; d = d->next) {
        shadow_node *node = apr_pcalloc(cmd->pool, sizeof *node);
        const char *err = parse_line(cmd, d, node, block);
        if (err) {
            if (!cmd->err_directive)
                cmd->err_directive = (ap_directive_t *)d;
            return err;
        }
        *tail = node;
        tail = &node->next;
    }
    return NULL;
}

const char *policy_shadow_section(cmd_parms *cmd, policy_dir_conf *d,
                                  const char *arg)
{
    const char *end = ap_strrchr_c(arg, '>');
    if (!end)
        return "<AuthzPolicyShadow> is missing its closing '>'";
    const char *args = apr_pstrmemdup(cmd->temp_pool, arg, end - arg);
    const char *name = ap_getword_conf(cmd->pool, &args);
    if (!*name || *ap_getword_conf(cmd->temp_pool, &args))
        return "<AuthzPolicyShadow> takes one name";
    for (const char *c = name; *c; c++)
        if (!apr_isalnum(*c) && !strchr("-_.:", *c))
            return apr_psprintf(cmd->pool, "<AuthzPolicyShadow %s>: a name "
                                "is letters, digits and - _ . :", name);
    policy_shadow *shadow = apr_pcalloc(cmd->pool, sizeof *shadow);
    shadow->name = name;
    shadow->name_len = strlen(name);
    shadow->root = apr_pcalloc(cmd->pool, sizeof *shadow->root);
    const char *err = parse_block(cmd, cmd->directive->first_child,
                                  shadow->root);
    if (err)
        return apr_psprintf(cmd->pool, "<AuthzPolicyShadow %s>: %s", name,
                            err);
    if (!shadow->root->first)
        return apr_psprintf(cmd->pool, "<AuthzPolicyShadow %s> holds no "
                            "Require line", name);
    if (!d->shadows)
        d->shadows = apr_array_make(cmd->pool, 2, sizeof(policy_shadow *));
    for (int i = 0; i < d->shadows->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(d->shadows, i, policy_shadow *)->name,
                    name))
            return apr_psprintf(cmd->pool, "<AuthzPolicyShadow %s> is "
                                "given twice in this section", name);
    APR_ARRAY_PUSH(d->shadows, policy_shadow *) = shadow;
    return NULL;
}

const char *policy_shadow_name(const policy_shadow *shadow)
{
    return shadow->name;
}

apr_array_header_t *policy_shadows_merge(apr_pool_t *p,
                                         apr_array_header_t *base,
                                         apr_array_header_t *add)
{
    if (!base || !add)
        return add ? add : base;
    apr_array_header_t *merged = apr_array_copy(p, base);
    for (int i = 0; i < add->nelts; i++) {
        policy_shadow *s = APR_ARRAY_IDX(add, i, policy_shadow *);
        int j;
        for (j = 0; j < merged->nelts; j++)
            if (!strcmp(APR_ARRAY_IDX(merged, j, policy_shadow *)->name,
                        s->name))
                break;
        if (j == merged->nelts)
            APR_ARRAY_PUSH(merged, policy_shadow *) = s;
        else
            APR_ARRAY_IDX(merged, j, policy_shadow *) = s;  /* replaces */
    }
    return merged;
}

/* mod_authz_core's combination of a block's results (apply_authz_sections):
 * in RequireAll a denial wins, in RequireAny a grant; "no user yet" where
 * a user could change the result; neutral lines do not count. */
static authz_status evaluate(request_rec *r, const shadow_node *node)
{
    authz_status result = AUTHZ_NEUTRAL;
    if (node->provider) {
        result = node->provider->check_authorization(r, node->args,
                                                     node->parsed);
    }
    else {
        for (const shadow_node *c = node->first; c; c = c->next) {
            authz_status cr = evaluate(r, c);
            if (cr == AUTHZ_GENERAL_ERROR)
                return cr;
            if (cr == AUTHZ_NEUTRAL)
                continue;
            if (!node->any) {
                if (cr == AUTHZ_DENIED) {
                    result = cr;
                    break;
                }
                if ((cr == AUTHZ_DENIED_NO_USER && result != AUTHZ_DENIED)
                    || result == AUTHZ_NEUTRAL)
                    result = cr;
            }
            else {
                if (cr == AUTHZ_GRANTED) {
                    result = cr;
                    break;
                }
                if ((cr == AUTHZ_DENIED_NO_USER && result == AUTHZ_DENIED)
                    || result == AUTHZ_NEUTRAL)
                    result = cr;
            }
        }
    }
    if (node->negate)
        result = result == AUTHZ_GRANTED ? AUTHZ_DENIED
                 : result == AUTHZ_DENIED || result == AUTHZ_DENIED_NO_USER
                   ? AUTHZ_NEUTRAL : result;
    return result;
}

/* "deny:REASON" for each reason, made once: the request path only
 * points at them. */
static char deny_result[REASON_COUNT][32];

void policy_shadow_init(void)
{
    for (int i = 0; i < REASON_COUNT; i++)
        snprintf(deny_result[i], sizeof deny_result[i], "deny:%s",
                 reason_table[i].name);
}

/* One shadow's result: "grant" or "deny:REASON"; a failing source is a
 * denial (reason error), as the enforced policy fails closed. */
static const char *shadow_result(request_rec *r, policy_request *rq,
                                 const policy_shadow *shadow)
{
    rq->blamed = NULL;
    authz_status st = evaluate(r, shadow->root);
    if (st == AUTHZ_GRANTED)
        return "grant";
    if (st == AUTHZ_DENIED_NO_USER && !r->user)
        return deny_result[REASON_ANONYMOUS];
    return deny_result[st == AUTHZ_GENERAL_ERROR
                       ? REASON_ERROR : policy_request_reason(rq)];
}

void policy_shadows_evaluate(request_rec *r)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    if (!policy_shadows_in_effect(d))
        return;
    policy_request *rq = policy_request_get(r, 0);
    /* look-ups have no shadows, but for the explain handler's */
    if (r->main && !(rq && rq->explaining))
        return;
    rq = policy_request_get(r, 1);
    if (rq->shadows_done)
        return;
    rq->shadows_done = 1;
    /* the enforced decision's attribution, put back afterwards */
    int took_part = rq->took_part;
    const policy_require *blamed = rq->blamed, *last = rq->last_check;
    const int n = d->shadows->nelts;
    const char **res = apr_palloc(r->pool, n * sizeof *res);
    apr_size_t len = 0;
    for (int i = 0; i < n; i++) {
        const policy_shadow *s = APR_ARRAY_IDX(d->shadows, i,
                                               policy_shadow *);
        res[i] = shadow_result(r, rq, s);
        ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, AZPLOGNO(00057)
                      "shadow %s: %s", s->name, res[i]);
        policy_metrics_shadow(r, s->name, res[i][0] == 'g');   /* grant */
        len += s->name_len + 1 + strlen(res[i]) + 1;
    }
    rq->took_part = took_part;
    rq->blamed = blamed;
    rq->last_check = last;
    /* "NAME=RESULT NAME=RESULT" */
    char *results = apr_palloc(r->pool, len), *at = results;
    for (int i = 0; i < n; i++) {
        const policy_shadow *s = APR_ARRAY_IDX(d->shadows, i,
                                               policy_shadow *);
        memcpy(at, s->name, s->name_len);
        at += s->name_len;
        *at++ = '=';
        apr_size_t rl = strlen(res[i]);
        memcpy(at, res[i], rl);
        at += rl;
        *at++ = i + 1 < n ? ' ' : '\0';
    }
    apr_table_setn(r->subprocess_env, "AUTHZ_POLICY_SHADOW", results);
}
