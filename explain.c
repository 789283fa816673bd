/*
 * explain: SetHandler authz-policy-explain.
 *
 *   GET ?uri=URL-PATH&user=NAME&ip=ADDRESS[&method=M][&host=NAME]
 *       [&header=NAME:VALUE...][&env=NAME=VALUE...]
 *
 * answers, as JSON, what the server's own configuration decides for that
 * request.  Nothing is re-implemented: the request is a look-up
 * (ap_sub_req_method_uri) for the URL in the virtual host the handler
 * request itself reached, so httpd walks and merges the same sections and
 * runs the same access phases as for a real request.  A Host given
 * (host= or header=Host:) must reach that same virtual host, as a real
 * request with it would (host_refused): another site is explained by its
 * own handler, asked with its Host, never through this one.
 * The look-up starts from a copy of this request's client address,
 * headers and variables: for as long as it is made, they are the
 * explained ones (the address given, only the headers given, only the
 * variables given).  takeover.c takes the user as authenticated without
 * a password in the look-up's authentication phase, and logs none of its
 * denials; a look-up answers no client, writes no denial log line
 * (decision_log.c) and is marked as explaining (never counted).  The
 * result of each Require line is recorded as it is evaluated (checks.c).
 *
 * What the look-up cannot know is said as a caveat, and then the decision
 * is "unknown": an area that needs a user and has no AuthType (a real
 * request is a 500), a variable of an attribute source that
 * authentication would set and the question did not give, a look-up that
 * failed (500).
 *
 * Where an .htaccess file took part in the handler request's
 * configuration, it answers only with AuthzPolicyHtaccessHandlers on
 * (policy_handler_refused, config.c), and then only about the host name
 * it was asked with: under mass virtual hosting every customer's name is
 * one virtual host, and a customer's handler never explains another
 * site.
 */
#include "policy.h"
#include "request.h"
#include "checks.h"
#include "attrs_source.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_vhost.h"
#include <apr_lib.h>
#include <apr_strings.h>

#include <arpa/inet.h>

APLOG_USE_MODULE(authz_policy);

#define EXPLAIN_HANDLER "authz-policy-explain"

typedef struct {
    const char *uri, *user, *ip, *method;
    const char *host;            /* given (host= or header=Host:), or NULL */
    apr_sockaddr_t *addr;
    apr_table_t *headers;        /* the explained request's, Host first */
    apr_table_t *env;            /* its variables (env=NAME=VALUE) */
    server_rec *server;          /* the virtual host a request with host
                                    reaches */
    const char *hostname;        /* host as httpd reads it (lower case, no
                                    port); NULL if none was given */
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

/* The Host, once: from host= or from header=Host:. */
static const char *parse_host(explain_query *q, const char *value)
{
    if (q->host)
        return "host is given twice (host= and header=Host: are one)";
    if (!*value)
        return "host: empty";
    q->host = value;
    return NULL;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if (apr_iscntrl(*s) && *s != '\t')
            return 1;
    return 0;
}

/* env=NAME=VALUE: a variable the explained request has, as one that an
 * authentication module (an SSO module's claims) sets for a real one. */
static const char *parse_env(request_rec *r, explain_query *q, char *value)
{
    char *eq = strchr(value, '=');
    if (!eq || eq == value)
        return "env: NAME=VALUE";
    *eq = '\0';
    if (has_control(value) || has_control(eq + 1))
        return "env: a name or value holds a control character";
    if (apr_table_get(q->env, value))
        return apr_psprintf(r->pool, "env: '%s' is given twice", value);
    apr_table_set(q->env, value, eq + 1);
    return NULL;
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
    if (has_control(v))
        return "header: a value holds a control character";
    if (!strcasecmp(value, "Host"))
        return parse_host(q, v);
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

/* One parameter; each but header and env at most once. */
static const char *parse_param(request_rec *r, explain_query *q, char *key,
                               char *value)
{
    const char **slot = !strcmp(key, "uri") ? &q->uri
                        : !strcmp(key, "user") ? &q->user
                        : !strcmp(key, "ip") ? &q->ip
                        : !strcmp(key, "method") ? &q->method : NULL;
    if (!strcmp(key, "header"))
        return parse_header(r, q, value);
    if (!strcmp(key, "host"))
        return parse_host(q, value);
    if (!strcmp(key, "env"))
        return parse_env(r, q, value);
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
    q->env = apr_table_make(r->pool, 2);
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
    if (q->host)
        apr_table_setn(q->headers, "Host", q->host);
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

/* The virtual host that a request with the given Host reaches on the
 * handler request's connection, picked as httpd picks it when it reads a
 * request (ap_update_vhost_from_headers, in every 2.4): among the virtual
 * hosts of the address the connection came to, the first whose
 * ServerName or ServerAlias matches, else the address's first.  Without a
 * given Host, the handler's own.  NULL, or what is wrong with the Host. */
static const char *pick_server(request_rec *r, explain_query *q)
{
    q->server = r->server;
    if (!q->host)
        return NULL;
    server_rec *server = r->server;
    const char *hostname = r->hostname;
    apr_table_t *headers = r->headers_in;
    apr_uri_t parsed_uri = r->parsed_uri;
    int status = r->status;
    r->server = r->connection->base_server;
    r->hostname = NULL;
    r->headers_in = q->headers;
    r->status = HTTP_OK;
    ap_update_vhost_from_headers(r);
    int malformed = r->status != HTTP_OK;
    q->server = r->server;
    q->hostname = r->hostname;
    r->server = server;
    r->hostname = hostname;
    r->headers_in = headers;
    r->parsed_uri = parsed_uri;
    r->status = status;
    return malformed || !q->hostname
           ? apr_psprintf(r->pool, "host: '%s' is not a host", q->host)
           : NULL;
}

/* Whether s has name as its ServerName or a ServerAlias, as httpd
 * matches them (ServerAlias wildcards included). */
static int server_named(const server_rec *s, const char *name)
{
    if (s->server_hostname && !strcasecmp(s->server_hostname, name))
        return 1;
    for (int i = 0; s->names && i < s->names->nelts; i++)
        if (!strcasecmp(APR_ARRAY_IDX(s->names, i, const char *), name))
            return 1;
    for (int i = 0; s->wild_names && i < s->wild_names->nelts; i++)
        if (!ap_strcasecmp_match(name, APR_ARRAY_IDX(s->wild_names, i,
                                                     const char *)))
            return 1;
    return 0;
}

/* Why the given Host is not this handler's to explain, or NULL.  Only
 * the virtual host the handler request reached: another one, or a name
 * no virtual host of the address has (httpd would give it the address's
 * first, which is then not the site asked about), is explained by its
 * own handler.  Where an .htaccess file took part, only the host name
 * the handler was asked with: under mass virtual hosting every
 * customer's name is this one virtual host. */
static const char *host_refused(request_rec *r, const explain_query *q,
                                const char *htaccess)
{
    if (!q->hostname)
        return NULL;
    if (q->server != r->server)
        return apr_psprintf(r->pool, "another virtual host, %s",
                            q->server->server_hostname);
    /* with no virtual host on the address, every name reaches it */
    if (r->connection->vhost_lookup_data && !server_named(r->server,
                                                          q->hostname))
        return "no virtual host of this address has that name";
    if (htaccess && (!r->hostname || strcasecmp(r->hostname, q->hostname)))
        return "a name of this virtual host other than the one this "
               "handler was asked with";
    return NULL;
}

/* The look-up, made with the explained address, headers, variables and
 * user, in the explained virtual host. */
static request_rec *explained_lookup(request_rec *r, const explain_query *q)
{
    policy_request *rq = policy_request_get(r, 1);
    apr_sockaddr_t *addr = r->useragent_addr;
    char *ip = r->useragent_ip, *user = r->user;
    apr_table_t *headers = r->headers_in, *env = r->subprocess_env;
    const char *hostname = r->hostname;
    r->useragent_addr = q->addr;
    r->useragent_ip = apr_pstrdup(r->pool, q->ip);
    r->headers_in = q->headers;
    r->subprocess_env = q->env;
    r->user = NULL;
    /* the virtual host is the handler's own (host_refused) */
    if (q->hostname)
        r->hostname = q->hostname;
    rq->explained_user = q->user;
    request_rec *rr = ap_sub_req_method_uri(q->method, q->uri, r, NULL);
    rq->explained_user = NULL;
    r->useragent_addr = addr;
    r->useragent_ip = ip;
    r->headers_in = headers;
    r->subprocess_env = env;
    r->user = user;
    r->hostname = hostname;
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

/* The status a denied look-up ends with; 0 for a grant. */
static int denied_status(const request_rec *rr, const policy_request *rrq)
{
    if (!rrq->reported && rrq->decision == DECISION_GRANT)
        return 0;
    return rrq->decided_status ? rrq->decided_status : rr->status;
}

/* What the answer cannot know here, each as {"caveat": CODE, ...,
 * "message": TEXT}: any makes the decision "unknown". */
typedef struct {
    apr_pool_t *p;
    const char *json;            /* the list so far, from its "[" */
    int n;
} caveat_list;

static void caveat(caveat_list *c, const char *code, const char *fields,
                   const char *message)
{
    c->json = apr_pstrcat(c->p, c->json, c->n++ ? ", " : "",
                          "{\"caveat\": \"", code, "\"", fields,
                          ", \"message\": ",
                          policy_json_string(c->p, message), "}", NULL);
}

/* Variables of the area's attribute sources that a Require line of the
 * deciding pass read and the question did not give: a real request has
 * them from its authentication (mod_auth_openidc's claims, say), which
 * the look-up does not run. */
static void env_caveats(caveat_list *c, request_rec *rr,
                        const policy_request *rrq, const explain_query *q)
{
    int read[ATTR_COUNT] = { 0 };
    for (int i = 0; rrq->checks && i < rrq->checks->nelts; i++) {
        const policy_check *k = &APR_ARRAY_IDX(rrq->checks, i, policy_check);
        if (k->attr >= 0 && k->result != AUTHZ_DENIED_NO_USER)
            read[k->attr] = 1;
    }
    const policy_dir_conf *d = ap_get_module_config(rr->per_dir_config,
                                                    &authz_policy_module);
    apr_table_t *told = apr_table_make(c->p, 2);
    for (int a = 0; a < ATTR_COUNT; a++) {
        const attr_source *const *src = d->sources[a] && read[a]
            ? (const attr_source *const *)d->sources[a]->elts : NULL;
        for (int i = 0; src && i < d->sources[a]->nelts; i++) {
            /* an LDAP source's env= too: mod_authnz_ldap sets it */
            const attr_source_type *t = attr_source_types[src[i]->kind];
            const char *name = t->explain_variable
                               ? t->explain_variable(src[i]) : NULL;
            if (!name || apr_table_get(q->env, name)
                || apr_table_get(told, name))
                continue;
            apr_table_setn(told, name, "");
            caveat(c, "env_not_given",
                   apr_pstrcat(c->p, ", \"variable\": ",
                               policy_json_string(c->p, name), NULL),
                   apr_psprintf(c->p, "%s values come from the variable "
                                "%s, which a real request's authentication "
                                "sets (an SSO module's claims, "
                                "mod_authnz_ldap's memberOf): it was not "
                                "given here; give it as env=%s=VALUE "
                                "(authz-policy explain: --env)",
                                policy_attr_name[a], name, name));
        }
    }
}

static const char *json_caveats(request_rec *r, request_rec *rr,
                                const policy_request *rrq,
                                const explain_query *q, int authenticated,
                                int *n)
{
    caveat_list c = { r->pool, "[", 0 };
    /* httpd's AH00027: the authentication phase ran, nothing set a user */
    if (authenticated && !ap_auth_type(rr))
        caveat(&c, "no_authtype", "", apr_psprintf(r->pool,
               "the area needs a user and sets no AuthType: a real request "
               "is answered 500 (AH00027), unless another module sets its "
               "user; the checks are those of %s taken as authenticated",
               q->user));
    env_caveats(&c, rr, rrq, q);
    if (denied_status(rr, rrq) == HTTP_INTERNAL_SERVER_ERROR) {
        const char *line = NULL;
        for (int i = 0; rrq->checks && i < rrq->checks->nelts && !line; i++) {
            const policy_check *k = &APR_ARRAY_IDX(rrq->checks, i,
                                                   policy_check);
            if (k->result == AUTHZ_GENERAL_ERROR)
                line = k->require;
        }
        /* report mode records the 500 and lets the request through */
        const policy_dir_conf *d = ap_get_module_config(rr->per_dir_config,
                                                        &authz_policy_module);
        const char *outcome = d->mode == MODE_REPORT
            ? "in report mode, a real request is let through and recorded "
              "as a 500"
            : "a real request is answered 500";
        caveat(&c, "error", "", line
               ? apr_psprintf(r->pool, "Require %s failed (its source or "
                              "data file): %s while it fails", line, outcome)
               : apr_psprintf(r->pool, "the look-up failed: %s while that "
                              "lasts", outcome));
    }
    *n = c.n;
    return apr_pstrcat(r->pool, c.json, "]", NULL);
}

/* "decision", "status", "reason" and "required".  A request let through
 * in report mode is a denial that was not enforced; a denial the module
 * does not answer (Apache's own) has the reason "other", as in report
 * mode's variables.  With a caveat, the decision is "unknown". */
static const char *json_decision(request_rec *r, request_rec *rr,
                                 const policy_request *rrq, int unknown)
{
    int status = denied_status(rr, rrq);
    if (unknown)
        return "\"decision\": \"unknown\", \"status\": null, "
               "\"reason\": null, \"required\": null";
    if (!status)
        return "\"decision\": \"grant\", \"status\": null, "
               "\"reason\": null, \"required\": null";
    int ours = rrq->decided_status != 0;
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
    /* the look-up has a user only where its authentication phase ran
     * (takeover.c), that is where the decision needed one */
    int ncaveats, authenticated = rr->user != NULL;
    const char *caveats = json_caveats(r, rr, rrq, q, authenticated,
                                       &ncaveats);
    const char *decision = json_decision(r, rr, rrq, ncaveats > 0);
    /* granted before authentication: the attributes are still the user's */
    if (!rr->user)
        rr->user = apr_pstrdup(rr->pool, q->user);
    const char *roles = json_attr(r, rr, rrq, ATTR_ROLE);
    const char *plan = json_attr(r, rr, rrq, ATTR_PLAN);
    const char *scopes = json_attr(r, rr, rrq, ATTR_SCOPE);
    if (!rrq->region_state && (sc->geoip || sc->region_from))
        policy_client_region(rr, rrq);
    const char *region = policy_request_region(rrq);
    const char *host = apr_table_get(q->headers, "Host");
    return apr_pstrcat(r->pool,
        "{\"uri\": ", policy_json_string(r->pool, q->uri),
        ", \"host\": ", host ? policy_json_string(r->pool, host) : "null",
        ", \"server\": ", policy_json_string(r->pool,
                                             rr->server->server_hostname),
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
        ", \"shadows\": ", shadows, ", \"caveats\": ", caveats, "}\n",
        NULL);
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
    if (!err)
        err = pick_server(r, &q);
    if (err)
        return bad_request(r, err);
    /* a customer's .htaccess may have set it (where
     * AuthzPolicyHtaccessHandlers allows it) */
    const char *htaccess = policy_handler_htaccess(r);
    const char *refused = host_refused(r, &q, htaccess);
    if (refused) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, AZPLOGNO(00044) "the "
                      EXPLAIN_HANDLER " handler at %s refuses host %s (%s): "
                      "it explains only the site it was asked as%s; ask "
                      "that site's own handler, with Host: %s",
                      ap_escape_logitem(r->pool, r->uri),
                      ap_escape_logitem(r->pool, q.host),
                      ap_escape_logitem(r->pool, refused),
                      htaccess ? apr_pstrcat(r->pool, " (the .htaccess file "
                                 "in ", ap_escape_logitem(r->pool, htaccess),
                                 " took part in its configuration)", NULL)
                               : "",
                      ap_escape_logitem(r->pool, q.hostname));
        return answer(r, HTTP_FORBIDDEN, apr_pstrcat(r->pool,
                      "{\"error\": \"forbidden\", \"message\": ",
                      policy_json_string(r->pool, apr_pstrcat(r->pool,
                          "host: this handler explains only the site it "
                          "was asked as; ask that site's own explain "
                          "handler, sending the request with Host: ",
                          q.hostname, NULL)), "}\n", NULL));
    }
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
