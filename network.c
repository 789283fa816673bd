/*
 * network: the checks that need no user, Require iplist and Require
 * region, and where a client's region comes from.
 *
 * The client is r->useragent_addr, so mod_remoteip's trusted-proxy rules
 * apply; this module parses no X-Forwarded-For itself.  A region header is
 * believed only from a TCP peer (r->connection->client_addr) inside
 * AuthzPolicyTrustedProxy.
 */
#include "policy.h"
#include "request.h"
#include "geoip.h"
#include "iplist.h"

#include "http_log.h"
#include <apr_lib.h>
#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

static void *parse_iplist_image(const char *buf, apr_size_t len,
                                apr_size_t *size, char *err, apr_size_t errlen)
{
    iplist *list = iplist_parse(buf, len, err, errlen);
    if (list)
        *size = iplist_size(list);
    return list;
}

static apr_size_t count_iplist(const void *image)
{
    return iplist_count(image);
}

const datafile_type policy_iplist_type = {
    .kind = "AuthzPolicyIPList", .lines = 1,
    .parse_image = parse_iplist_image,
    .count = count_iplist
};

int policy_addr_in_list(const void *list, const apr_sockaddr_t *addr)
{
    if (!addr)
        return 0;
    if (addr->family == AF_INET)
        return iplist_contains_v4(list, (const uint8_t *)&addr->sa.sin.sin_addr);
#if APR_HAVE_IPV6
    if (addr->family == AF_INET6)
        return iplist_contains_v6(list,
                                  (const uint8_t *)&addr->sa.sin6.sin6_addr);
#endif
    return 0;
}

static authz_status check_iplist(request_rec *r, const policy_require *req)
{
    for (unsigned i = 0; i < req->nvalues; i++) {
        const void *list = req->lists
            ? datafile_acquire(req->lists[i], r->pool, r->server) : NULL;
        if (!list) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00051)
                          "Require iplist %s: the list is not available",
                          req->values[i]);
            return AUTHZ_GENERAL_ERROR;
        }
        if (policy_addr_in_list(list, r->useragent_addr))
            return AUTHZ_GRANTED;
    }
    return AUTHZ_DENIED;
}

/* A header's or variable's value as a region: "DE" or "US-CA".  XX (what
 * CDNs send when they do not know) and anything else is no answer. */
static int region_value(const char *v, policy_request *rq)
{
    char code[REGION_MAX];
    if (!v)
        return 0;
    while (apr_isspace(*v))
        v++;
    size_t len = strlen(v);
    while (len && apr_isspace(v[len - 1]))
        len--;
    if (!region_parse(v, len, code) || !strcmp(code, "XX"))
        return 0;
    memcpy(rq->country, code, 2);
    rq->country[2] = '\0';
    if (len > 2)
        memcpy(rq->subdivision, code, REGION_MAX);
    return 1;
}

typedef struct {
    int count;
    const char *value;
} header_values;

static int count_value(void *rec, const char *key, const char *value)
{
    (void)key;
    header_values *hv = rec;
    hv->count++;
    hv->value = value;
    return 1;
}

/* The region a trusted proxy sends: 1 (found), 0 (no answer) or -1.  One
 * value only: sent twice or as a list ("FR, DE", which is what httpd makes
 * of a repeated header), the header cannot say which value is the proxy's
 * own and which one a client slipped in.  That fails closed (-1, logged,
 * 500) rather than make the region unknown, which would pass Require not
 * region.  A single value that is no code (Cloudflare's T1) is no answer. */
static int header_region(request_rec *r, policy_request *rq, const char *name)
{
    header_values hv = { 0, NULL };
    apr_table_do(count_value, &hv, r->headers_in, name, NULL);
    if (hv.count == 0)
        return 0;
    if (hv.count > 1 || strchr(hv.value, ',')) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00052)
                      "Require region: the %s header from trusted proxy %s "
                      "came %s ('%s'): the region cannot be trusted",
                      name, r->connection->client_ip,
                      hv.count > 1 ? "more than once" : "as a list",
                      ap_escape_logitem(r->pool,
                                        apr_pstrndup(r->pool, hv.value, 64)));
        return -1;
    }
    return region_value(hv.value, rq);
}

/* The answer depends on a request header: a cache between the proxy and
 * us, or the proxy itself, must keep one answer per value.  On the
 * request the client gets (a look-up's headers are not sent), in
 * err_headers_out so that granted and denied answers both carry it. */
static void vary_on(request_rec *r, const char *header)
{
    while (r->main)
        r = r->main;
    apr_table_mergen(r->err_headers_out, "Vary", header);
    policy_request *rq = policy_request_get(r, 1);
    rq->vary = rq->vary ? apr_pstrcat(r->pool, rq->vary, ",", header, NULL)
                        : header;
}

struct vary_values {
    apr_pool_t *pool;
    const char *all;
};

/* (apr_table_do: every Vary field, as one list) */
static int join_vary(void *rec, const char *key, const char *value)
{
    struct vary_values *v = rec;
    (void)key;
    v->all = v->all ? apr_pstrcat(v->pool, v->all, ", ", value, NULL)
                    : value;
    return 1;
}

/* A hidden answer is a missing path's, where none of our checks ran:
 * the headers our checks added to Vary are taken out again (each once,
 * so that the same name added by another module stays, in whichever Vary
 * field it was added). */
void policy_network_unvary(request_rec *r, policy_request *rq)
{
    struct vary_values v = { r->pool, NULL };
    if (!rq->vary)
        return;
    apr_table_do(join_vary, &v, r->err_headers_out, "Vary", NULL);
    const char *vary = v.all;
    if (!vary)
        return;
    char *ours = apr_pstrdup(r->pool, rq->vary), *last;
    apr_array_header_t *names = apr_array_make(r->pool, 4, sizeof(char *));
    for (char *n = apr_strtok(ours, ",", &last); n;
         n = apr_strtok(NULL, ",", &last))
        *(char **)apr_array_push(names) = n;
    const char *kept = NULL;
    char *all = apr_pstrdup(r->pool, vary);
    for (char *t = apr_strtok(all, ", \t", &last); t;
         t = apr_strtok(NULL, ", \t", &last)) {
        int i;
        for (i = 0; i < names->nelts; i++) {
            char **n = &APR_ARRAY_IDX(names, i, char *);
            if (*n && !strcasecmp(*n, t)) {
                *n = NULL;                       /* taken out once */
                break;
            }
        }
        if (i == names->nelts)
            kept = kept ? apr_pstrcat(r->pool, kept, ", ", t, NULL) : t;
    }
    if (kept)
        apr_table_setn(r->err_headers_out, "Vary", kept);
    else
        apr_table_unset(r->err_headers_out, "Vary");
    rq->vary = NULL;
}

int policy_client_region(request_rec *r, policy_request *rq)
{
    if (rq->region_state)
        return rq->region_state;
    rq->region_state = -1;
    rq->country[0] = rq->subdivision[0] = '\0';
    policy_server_conf *sc = ap_get_module_config(r->server->module_config,
                                                  &authz_policy_module);
    static const region_source geoip_only = { SOURCE_GEOIP, NULL };
    const region_source *src = sc->region_from
        ? (const region_source *)sc->region_from->elts : &geoip_only;
    int n = sc->region_from ? sc->region_from->nelts : 1;
    int found = 0;

    for (int i = 0; i < n && !found; i++) {
        switch (src[i].kind) {
        case SOURCE_GEOIP: {
            if (!sc->geoip) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00053)
                              "Require region: region source geoip without "
                              "AuthzPolicyGeoIPDatabase");
                return -1;
            }
            const void *db = datafile_acquire(sc->geoip, r->pool, r->server);
            const char *err = NULL;
            int rv = db ? geoip_lookup(db, (const struct sockaddr *)
                                           &r->useragent_addr->sa,
                                       rq->country, rq->subdivision, &err)
                        : -1;
            if (rv < 0) {
                if (err)
                    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00054)
                                  "Require region: GeoIP look-up of %s "
                                  "failed: %s", r->useragent_ip, err);
                return -1;
            }
            found = rv;
            break;
        }
        case SOURCE_HEADER:
            if (!sc->trusted
                || !policy_addr_in_list(sc->trusted,
                                        r->connection->client_addr))
                break;                  /* anyone may send the header */
            vary_on(r, src[i].name);
            found = header_region(r, rq, src[i].name);
            if (found < 0)
                return -1;
            break;
        case SOURCE_ENV:
            found = region_value(apr_table_get(r->subprocess_env,
                                               src[i].name), rq);
            break;
        }
    }
    if (!found)
        rq->country[0] = rq->subdivision[0] = '\0';
    rq->region_state = 1;
    if (!r->main)
        apr_table_setn(r->subprocess_env, "AUTHZ_POLICY_REGION",
                       apr_pstrdup(r->pool, policy_request_region(rq)));
    return 1;
}

static authz_status check_region(request_rec *r, policy_request *rq,
                                 const policy_require *req)
{
    if (policy_client_region(r, rq) < 0)
        return AUTHZ_GENERAL_ERROR;
    const char *country = rq->country[0] ? rq->country : NULL;
    const char *sub = rq->subdivision[0] ? rq->subdivision : NULL;
    for (unsigned i = 0; i < req->nvalues; i++)
        if (region_matches(req->values[i], country, sub))
            return AUTHZ_GRANTED;
    return AUTHZ_DENIED;
}

/* Require iplist and Require region: no user needed.  A failure is a 500,
 * neither a grant nor a denial to blame. */
authz_status policy_check_network(request_rec *r, const policy_require *req)
{
    policy_request *rq = policy_request_for_check(r, req);
    authz_status st = req->reason == REASON_IPLIST ? check_iplist(r, req)
                                                   : check_region(r, rq, req);
    if (st != AUTHZ_GENERAL_ERROR)
        policy_request_answered(rq, req, st == AUTHZ_GRANTED);
    return st;
}
