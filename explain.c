/*
 * explain: SetHandler authz-policy-explain.
 *
 *   GET ?uri=URL-PATH&user=NAME&ip=ADDRESS[&method=M][&header=NAME:VALUE...]
 *
 * answers, as JSON, what the server's own configuration decides for that
 * request.  Nothing is re-implemented: the request is a look-up
 * (ap_sub_req_method_uri) for the URL, in this handler's virtual host, so
 * httpd walks and merges the same sections and runs the same access
 * phases as for a real request.  The look-up starts from a copy of this
 * request's client address, headers and variables: for as long as it is
 * made, they are the explained ones (the address given, only the headers
 * given, no variables).  takeover.c takes the user as authenticated
 * without a password in the look-up's authentication phase, and logs none
 * of its denials; a look-up answers no client, writes no denial log line
 * (decision_log.c) and is marked as explaining (never counted).  The
 * result of each Require line is recorded as it is evaluated (checks.c).
 * Where an .htaccess file took part in the handler request's
 * configuration, it answers only with AuthzPolicyHtaccessHandlers on
 * (policy_handler_refused, config.c).
 */
#include "policy.h"
#include "request.h"
#include "checks.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include <apr_lib.h>
#include <apr_strings.h>

#include <arpa/inet.h>

APLOG_USE_MODULE(authz_policy);

#define EXPLAIN_HANDLER "authz-policy-explain"

typedef struct {
    const char *uri, *user, *ip, *method;
    apr_sockaddr_t *addr;
    apr_table_t *headers;        /* the explained request's, Host first */
} explain_query;

static int is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return 0;
    return 1;
}

static const char *parse_header(request_rec *r, explain_query *q,
                                char *value)
{
    char *colon = strchr(value, ':');
    if (!colon)
        return "header: NAME:VALUE";
    *colon = '\0';
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (!is_token(value))
        return apr_psprintf(r->pool, "header: '%s' is not a header name",
                            value);
    for (const char *c = v; *c; c++)
        if ((apr_iscntrl(*c) && *c != '\t'))
            return "header: a value holds a control character";
    if (!strcasecmp(value, "Host"))
        apr_table_set(q->headers, value, v);
    else
        apr_table_add(q->headers, value, v);
    return NULL;
}

static const char *parse_address(request_rec *r, explain_query *q)
{
    unsigned char buf[16];
    int family = inet_pton(AF_INET, q->ip, buf) == 1 ? APR_INET
#if APR_HAVE_IPV6
                 : inet_pton(AF_INET6, q->ip, buf) == 1 ? APR_INET6
#endif
                 : 0;
    if (!family || apr_sockaddr_info_get(&q->addr, q->ip, family, 0, 0,
                                         r->pool) != APR_SUCCESS)
        return apr_psprintf(r->pool, "ip: '%s' is not an IPv4 or IPv6 "
                            "address", q->ip);
    return NULL;
}

/* One parameter; each but header at most once. */
static const char *parse_param(request_rec *r, explain_query *q, char *key,
                               char *value)
{
    const char **slot = !strcmp(key, "uri") ? &q->uri
                        : !strcmp(key, "user") ? &q->user
                        : !strcmp(key, "ip") ? &q->ip
                        : !strcmp(key, "method") ? &q->method : NULL;
    if (!strcmp(key, "header"))
        return parse_header(r, q, value);
    if (!slot)
        return apr_psprintf(r->pool, "unknown parameter '%s'", key);
    if (*slot)
        return apr_psprintf(r->pool, "%s is given twice", key);
    *slot = value;
    return NULL;
}

/* The query string; NULL, or what is wrong with it. */
static const char *parse_query(request_rec *r, explain_query *q)
{
    q->headers = apr_table_make(r->pool, 4);
    const char *host = apr_table_get(r->headers_in, "Host");
    if (host)
        apr_table_setn(q->headers, "Host", host);
    char *args = apr_pstrdup(r->pool, r->args ? r->args : ""), *state;
    for (char *pair = apr_strtok(args, "&", &state); pair;
         pair = apr_strtok(NULL, "&", &state)) {
        char *value = strchr(pair, '=');
        if (!value)
            return "each parameter is NAME=VALUE";
        *value++ = '\0';
        if (ap_unescape_urlencoded(pair) || ap_unescape_urlencoded(value))
            return "a parameter is not URL-encoded";
        const char *err = parse_param(r, q, pair, value);
        if (err)
            return err;
    }
    if (!q->uri || !q->user || !q->ip)
        return "uri, user and ip are required";
    if (q->uri[0] != '/' || strchr(q->uri, '#'))
        return "uri: a URL-path (/...), with a query string if any";
    if (!*q->user)
        return "user: empty";
    if (!q->method)
        q->method = "GET";
    else if (!is_token(q->method))
        return "method: not an HTTP method";
    return parse_address(r, q);
}

/* The look-up, made with the explained address, headers and user. */
static request_rec *explained_lookup(request_rec *r, const explain_query *q)
{
    policy_request *rq = policy_request_get(r, 1);
    apr_sockaddr_t *addr = r->useragent_addr;
    char *ip = r->useragent_ip, *user = r->user;
    apr_table_t *headers = r->headers_in, *env = r->subprocess_env;
    r->useragent_addr = q->addr;
    r->useragent_ip = apr_pstrdup(r->pool, q->ip);
    r->headers_in = q->headers;
    r->subprocess_env = apr_table_make(r->pool, 1);
    r->user = NULL;
    rq->explained_user = q->user;
    request_rec *rr = ap_sub_req_method_uri(q->method, q->uri, r, NULL);
    rq->explained_user = NULL;
    r->useragent_addr = addr;
    r->useragent_ip = ip;
    r->headers_in = headers;
    r->subprocess_env = env;
    r->user = user;
    return rr;
}

static const char *json_list(apr_pool_t *p, const char *const *v,
                             unsigned n)
{
    const char *s = "[";
    for (unsigned i = 0; i < n; i++)
        s = apr_pstrcat(p, s, i ? ", " : "", policy_json_string(p, v[i]),
                        NULL);
    return apr_pstrcat(p, s, "]", NULL);
}

/* One attribute from its sources; null where none applies or it failed. */
static const char *json_attr(request_rec *r, request_rec *rr,
                             policy_request *rrq, policy_attr a)
{
    const policy_dir_conf *d = ap_get_module_config(rr->per_dir_config,
                                                    &authz_policy_module);
    unsigned n = 0;
    const char *const *v = d->sources[a] || d->userfile
                           ? policy_attr_values(rr, rrq, a, &n) : NULL;
    if (!v)
        return "null";
    if (a != ATTR_PLAN)
        return json_list(r->pool, v, n);
    /* several sources: the highest-ranked plan is the user's */
    const policy_server_conf *sc = ap_get_module_config(
        rr->server->module_config, &authz_policy_module);
    const char *best = NULL;
    for (unsigned i = 0; i < n; i++)
        if (!best || policy_plan_rank(&sc->plans, v[i])
                     > policy_plan_rank(&sc->plans, best))
            best = v[i];
    return best ? policy_json_string(r->pool, best) : "null";
}

static const char *json_checks(request_rec *r, const policy_request *rrq)
{
    const char *s = "[";
    for (int i = 0; rrq->checks && i < rrq->checks->nelts; i++) {
        const policy_check *c = &APR_ARRAY_IDX(rrq->checks, i, policy_check);
        s = apr_pstrcat(r->pool, s, i ? ", " : "", "{\"require\": ",
                        policy_json_string(r->pool, c->require),
                        ", \"result\": \"",
                        policy_check_result_name(c->result), "\"}", NULL);
    }
    return apr_pstrcat(r->pool, s, "]", NULL);
}

/* AUTHZ_POLICY_SHADOW's "NAME=RESULT ..." as a JSON list. */
static const char *json_shadows(request_rec *r, request_rec *rr)
{
    policy_shadows_evaluate(rr);
    const char *s = "[";
    char *all = apr_pstrdup(r->pool, apr_table_get(rr->subprocess_env,
                                                   "AUTHZ_POLICY_SHADOW"));
    char *state;
    int i = 0;
    for (char *one = all ? apr_strtok(all, " ", &state) : NULL; one;
         one = apr_strtok(NULL, " ", &state), i++) {
        char *eq = strchr(one, '=');
        if (!eq)
            continue;
        *eq = '\0';
        s = apr_pstrcat(r->pool, s, i ? ", " : "", "{\"name\": ",
                        policy_json_string(r->pool, one), ", \"result\": ",
                        policy_json_string(r->pool, eq + 1), "}", NULL);
    }
    return apr_pstrcat(r->pool, s, "]", NULL);
}

/* The look-up got past the access phases (what fixups do next, mod_dir's
 * redirect for one, is no part of the decision). */
static int note_granted(request_rec *r)
{
    policy_request *mq = r->main ? policy_request_get(r->main, 0) : NULL;
    if (mq && mq->explained_user)
        policy_request_get(r, 1)->decision = DECISION_GRANT;
    return DECLINED;
}

/* "decision", "status", "reason" and "required".  A request let through
 * in report mode is a denial that was not enforced; a denial the module
 * does not answer (Apache's own, a 500 of a source that failed, whose
 * check says "error") has the reason "other", as in report mode's
 * variables. */
static const char *json_decision(request_rec *r, request_rec *rr,
                                 const policy_request *rrq)
{
    if (!rrq->reported && rrq->decision == DECISION_GRANT)
        return "\"decision\": \"grant\", \"status\": null, "
               "\"reason\": null, \"required\": null";
    int ours = rrq->decided_status != 0;
    int status = ours ? rrq->decided_status : rr->status;
    const char *reason = reason_table[ours ? rrq->decided_reason
                                           : REASON_OTHER].name;
    const policy_require *req = ours ? rrq->decided_check : NULL;
    return apr_psprintf(r->pool, "\"decision\": \"deny\", \"status\": %d, "
                        "\"reason\": \"%s\", \"required\": %s", status,
                        reason, req ? policy_json_string(r->pool,
                                                         req->required)
                                    : "null");
}

static const char *explain(request_rec *r, request_rec *rr,
                           const explain_query *q)
{
    policy_request *rrq = policy_request_get(rr, 1);
    rrq->explaining = 1;
    const policy_dir_conf *d = ap_get_module_config(rr->per_dir_config,
                                                    &authz_policy_module);
    const policy_server_conf *sc = ap_get_module_config(
        rr->server->module_config, &authz_policy_module);
    const char *shadows = json_shadows(r, rr);
    const char *decision = json_decision(r, rr, rrq);
    /* granted before authentication: the attributes are still the user's */
    if (!rr->user)
        rr->user = apr_pstrdup(rr->pool, q->user);
    const char *roles = json_attr(r, rr, rrq, ATTR_ROLE);
    const char *plan = json_attr(r, rr, rrq, ATTR_PLAN);
    const char *scopes = json_attr(r, rr, rrq, ATTR_SCOPE);
    if (!rrq->region_state && (sc->geoip || sc->region_from))
        policy_client_region(rr, rrq);
    const char *region = policy_request_region(rrq);
    return apr_pstrcat(r->pool,
        "{\"uri\": ", policy_json_string(r->pool, q->uri),
        ", \"area\": ", policy_json_string(r->pool, policy_request_area(rr)->name),
        ", \"user\": ", policy_json_string(r->pool, q->user),
        ", \"ip\": ", policy_json_string(r->pool, q->ip),
        ", \"region\": ", region ? policy_json_string(r->pool, region)
                                 : "null",
        ", \"attributes\": {\"roles\": ", roles, ", \"plan\": ", plan,
        ", \"scopes\": ", scopes, "}",
        ", \"mode\": \"", d->mode == MODE_REPORT ? "report" : "enforce",
        "\", ", decision,
        ", \"checks\": ", json_checks(r, rrq),
        ", \"shadows\": ", shadows, "}\n", NULL);
}

static int answer(request_rec *r, int status, const char *body)
{
    r->status = status;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (!r->header_only)
        ap_rputs(body, r);
    return OK;
}

static int bad_request(request_rec *r, const char *why)
{
    return answer(r, HTTP_BAD_REQUEST,
                  apr_pstrcat(r->pool, "{\"error\": \"bad_request\", "
                              "\"message\": ",
                              policy_json_string(r->pool, why), "}\n",
                              NULL));
}

static int explain_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, EXPLAIN_HANDLER))
        return DECLINED;
    /* set by a customer, perhaps: the answer of a path with nothing there,
     * before anything (405 included) says that the handler exists */
    if (policy_handler_refused(r, "the " EXPLAIN_HANDLER " handler answers "
                               "404"))
        return HTTP_NOT_FOUND;
    r->allowed |= AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    explain_query q = { 0 };
    const char *err = parse_query(r, &q);
    if (err)
        return bad_request(r, err);
    request_rec *rr = explained_lookup(r, &q);
    if (rr->per_dir_config == r->per_dir_config) {
        ap_destroy_sub_req(rr);
        return bad_request(r, "uri: this handler's own area");
    }
    const char *body = explain(r, rr, &q);
    ap_destroy_sub_req(rr);
    return answer(r, HTTP_OK, body);
}

void policy_explain_register(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(explain_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* the first hook after the access phases */
    ap_hook_type_checker(note_granted, NULL, NULL, APR_HOOK_REALLY_FIRST);
}
