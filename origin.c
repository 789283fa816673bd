/*
 * origin: Require same-origin [ORIGIN ...], a check against cross-site
 * request forgery (docs/same-origin.md) that needs no user.
 *
 * The listed origins are parsed once, when the Require line is read, into
 * the canonical form of pure/origin.c; one that is no origin stops the
 * configuration with its name.  At request time the rule of origin_decide
 * is applied to the method, Sec-Fetch-Site, Origin and the request's own
 * origin: the scheme, host and port this server sees for the request
 * (ap_http_scheme, ap_get_server_name_for_url, ap_get_server_port), which
 * is what a browser puts in Origin when the page came from this server
 * under the name the client used.  docs/same-origin.md says how a
 * TLS-terminating proxy, mod_remoteip and UseCanonicalName bear on it.
 */
#include "policy.h"
#include "request.h"
#include "origin.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

const char *policy_same_origin_parse(cmd_parms *cmd, const char *line,
                                     const void **parsed)
{
    apr_array_header_t *vals = apr_array_make(cmd->pool, 2, sizeof(char *));
    const char *required = "same-origin";
    const char *t = line, *w;
    while (*(w = ap_getword_conf(cmd->temp_pool, &t))) {
        char canon[ORIGIN_MAX];
        origin_kind kind = origin_parse(w, strlen(w), canon);
        if (kind != ORIGIN_VALID)
            return apr_psprintf(cmd->pool, "Require same-origin: '%s' is not "
                                "an origin (scheme://host[:port], no path, "
                                "no trailing slash)%s", w,
                                kind == ORIGIN_NULL
                                ? ": null is sent by sandboxed and privacy-"
                                  "sensitive documents of any site and "
                                  "cannot be trusted" : "");
        APR_ARRAY_PUSH(vals, const char *) = apr_pstrdup(cmd->pool, canon);
        required = apr_pstrcat(cmd->pool, required, " ", canon, NULL);
    }
    *parsed = policy_require_make(cmd, REASON_ORIGIN, vals, required);
    return NULL;
}

/* Browsers send the same Host and Origin on every request of a
 * keep-alive connection: the origins of the last comparison are kept with
 * the connection and made again only when what they come from changes.
 * Fixed buffers: a connection that changes them on every request uses no
 * more memory, and longer values are simply not kept. */
typedef struct {
    int own_set;
    char scheme[16];
    char name[ORIGIN_HOST_MAX + 1];   /* ap_get_server_name's */
    apr_port_t port;
    int own_valid;
    char own[ORIGIN_MAX];
    int header_set;
    char header[ORIGIN_MAX];
    int header_valid;
    char header_canon[ORIGIN_MAX];
} origin_memo;

static origin_memo *memo_get(conn_rec *c)
{
    origin_memo *m = ap_get_module_config(c->conn_config,
                                          &authz_policy_module);
    if (!m) {
        m = apr_pcalloc(c->pool, sizeof *m);
        ap_set_module_config(c->conn_config, &authz_policy_module, m);
    }
    return m;
}

/* The request's own origin in canonical form, or NULL when the host it
 * was sent to is no origin's host (the Origin header then matches only a
 * listed origin). */
static const char *own_origin(request_rec *r, origin_memo *m)
{
    const char *scheme = ap_http_scheme(r);
    /* the name as ap_get_server_name_for_url gives it, but bracketed (an
     * IPv6 address) only when the origin is made again, not looked at on
     * every request */
    const char *name = ap_get_server_name(r);
    apr_port_t port = ap_get_server_port(r);
    if (m->own_set && m->port == port && !strcmp(m->scheme, scheme)
        && !strcmp(m->name, name))
        return m->own_valid ? m->own : NULL;
    const char *host = strchr(name, ':')
                       ? apr_pstrcat(r->pool, "[", name, "]", NULL) : name;
    size_t scheme_len = strlen(scheme), name_len = strlen(name);
    if (scheme_len >= sizeof m->scheme || name_len >= sizeof m->name) {
        char *canon = apr_palloc(r->pool, ORIGIN_MAX);
        return origin_make(scheme, host, port, canon) == ORIGIN_VALID
               ? canon : NULL;
    }
    memcpy(m->scheme, scheme, scheme_len + 1);
    memcpy(m->name, name, name_len + 1);
    m->port = port;
    m->own_valid = origin_make(scheme, host, port, m->own) == ORIGIN_VALID;
    m->own_set = 1;
    return m->own_valid ? m->own : NULL;
}

/* The Origin header's canonical form, or NULL when it is no origin. */
static const char *header_origin(request_rec *r, origin_memo *m,
                                 const char *header)
{
    if (m->header_set && !strcmp(m->header, header))
        return m->header_valid ? m->header_canon : NULL;
    size_t len = strlen(header);
    if (len >= sizeof m->header) {
        char *canon = apr_palloc(r->pool, ORIGIN_MAX);
        return origin_parse(header, len, canon) == ORIGIN_VALID ? canon
                                                                : NULL;
    }
    memcpy(m->header, header, len + 1);
    m->header_valid = origin_parse(header, len, m->header_canon)
                      == ORIGIN_VALID;
    m->header_set = 1;
    return m->header_valid ? m->header_canon : NULL;
}

/* Whether a header's name, whose first letter is known to be name's in
 * some case, is name in any case.  The rest is first compared as written
 * here, which is how browsers send it (and, for Origin, HTTP/2's
 * "origin" too); strcasecmp, which goes through the locale for every
 * byte, decides only when that fails. */
static inline int header_named(const char *key, const char *name)
{
    for (size_t i = 1; name[i]; i++)
        if (key[i] != name[i])
            return !strcasecmp(key, name);
    return !key[strlen(name)];
}

/* Sec-Fetch-Site and Origin, the first of each as apr_table_get would
 * find it, in one pass over the request's headers rather than two. */
static void fetch_headers(const apr_table_t *headers, const char **fetch_site,
                          const char **origin)
{
    const apr_array_header_t *a = apr_table_elts(headers);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    *fetch_site = *origin = NULL;
    for (int i = 0; i < a->nelts; i++) {
        const char *key = e[i].key;
        switch (key[0] | 0x20) {
        case 'o':
            if (!*origin && header_named(key, "Origin"))
                *origin = e[i].val;
            break;
        case 's':
            if (!*fetch_site && header_named(key, "Sec-Fetch-Site"))
                *fetch_site = e[i].val;
            break;
        default:
            continue;
        }
        if (*origin && *fetch_site)
            return;
    }
}

authz_status policy_check_same_origin(request_rec *r,
                                      const policy_require *req)
{
    policy_request *rq = policy_request_for_check(r, req);
    const char *fetch_site, *origin;
    fetch_headers(r->headers_in, &fetch_site, &origin);
    const char *own = NULL;
    origin_verdict v;
    if (origin && !fetch_site && !origin_safe_method(r->method)) {
        /* the Origin header decides: origin_decide's last step */
        origin_memo *m = memo_get(r->connection);
        own = own_origin(r, m);
        /* browsers send Origin in canonical form, so it is usually the
         * own origin as it stands (a canonical origin parses to itself) */
        v = own && !strcmp(origin, own)
            ? ORIGIN_GRANT_OWN
            : origin_compare(header_origin(r, m, origin), own, req->values,
                             req->nvalues);
    }
    else {
        v = origin_decide(r->method, fetch_site, origin, NULL, req->values,
                          req->nvalues);
    }
    int granted = ORIGIN_VERDICT_GRANTS(v);
    policy_request_answered(rq, req, granted);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, AZPLOGNO(00055)
                  "Require %s: %s (Origin %s, own origin %s)",
                  req->required, origin_verdict_text(v),
                  origin ? ap_escape_logitem(r->pool, origin) : "-",
                  own ? own : "-");
    return granted ? AUTHZ_GRANTED : AUTHZ_DENIED;
}
