/*
 * attrs_dbd: values from SQL through mod_dbd (AuthzPolicyAttribute ATTR
 * dbd "SQL"): a prepared statement, the user name its one parameter, the
 * first column of each row a value, as mod_authz_dbd's AuthzDBDQuery.
 * The database is the server's (its DBDriver and DBDParams), in the
 * cache's keys through the server's identity (attrs.c).
 */
#include "attrs_source.h"

#include "http_log.h"
#include <apr_dbd.h>                /* before mod_dbd.h, which needs it */
#include "mod_dbd.h"
#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;

static const char *parse_dbd(cmd_parms *cmd, attr_source *src,
                             policy_attr a, int argc, char *const argv[])
{
    (void)argc;
    APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *prepare =
        APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    if (!prepare)
        return "AuthzPolicyAttribute dbd needs mod_dbd, loaded before "
               "this line";
    /* mod_dbd's, as its prepare: taken at each configuration cycle */
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    static unsigned counter;
    src->sql = argv[0];
    src->label = apr_psprintf(cmd->pool, "authz_policy_%s_%u",
                              policy_attr_name[a], ++counter);
    prepare(cmd->server, src->sql, src->label);
    src->identity = apr_psprintf(cmd->pool, "dbd\n%" APR_SIZE_T_FMT
                                 ":%s", strlen(src->sql), src->sql);
    return NULL;
}

static int fetch_dbd(request_rec *r, policy_request *rq, policy_attr a,
                     const attr_source *src, apr_array_header_t *values)
{
    (void)rq;
    (void)a;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AZPLOGNO(00007)
                  "AuthzPolicyAttribute dbd: querying for user %s",
                  ap_escape_logitem(r->pool, r->user));

    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00008)
                      "AuthzPolicyAttribute dbd: no database connection");
        return -1;
    }
    apr_dbd_prepared_t *st = apr_hash_get(dbd->prepared, src->label,
                                          APR_HASH_KEY_STRING);
    if (!st) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00009)
                      "AuthzPolicyAttribute dbd: the query \"%s\" is not "
                      "prepared (see mod_dbd's errors at startup)", src->sql);
        return -1;
    }
    /* random access (1): the whole result is fetched here, and a failure
     * is reported; in sequential mode a broken connection would look like
     * "no more rows" and deny instead of failing */
    apr_dbd_results_t *res = NULL;
    int rv = apr_dbd_pvselect(dbd->driver, r->pool, dbd->handle, &res, st, 1,
                              r->user, NULL);
    const char *why = NULL;             /* the first failure's */
    if (rv) {
        /* A connection whose server went away (PostgreSQL restarted) is
         * found broken only by a query: re-established here, as mod_dbd
         * would on the next request, it has lost its prepared statements,
         * which mod_dbd does not prepare again.  Both are done here, once,
         * and the query retried. */
        why = apr_pstrdup(r->pool, apr_dbd_error(dbd->driver, dbd->handle,
                                                 rv));
        apr_dbd_prepared_t *again = NULL;
        if (apr_dbd_check_conn(dbd->driver, r->pool, dbd->handle) == APR_SUCCESS
            && apr_dbd_prepare(dbd->driver, r->pool, dbd->handle, src->sql,
                            src->label, &again) == 0) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AZPLOGNO(00010)
                          "AuthzPolicyAttribute dbd: query prepared again "
                          "after: %s", why);
            res = NULL;
            rv = apr_dbd_pvselect(dbd->driver, r->pool, dbd->handle, &res,
                                  again, 1, r->user, NULL);
        }
    }
    if (rv) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00011)
                      "AuthzPolicyAttribute dbd: query failed: %s", why
                      ? why : apr_dbd_error(dbd->driver, dbd->handle, rv));
        return -1;
    }
    apr_dbd_row_t *row = NULL;
    while ((rv = apr_dbd_get_row(dbd->driver, r->pool, res, &row, -1)) != -1) {
        if (rv) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00012)
                          "AuthzPolicyAttribute dbd: reading rows failed: %s",
                          apr_dbd_error(dbd->driver, dbd->handle, rv));
            return -1;
        }
        const char *v = apr_dbd_get_entry(dbd->driver, row, 0);
        if (v)
            policy_attr_add_value(r, values, v, strlen(v));
    }
    return 0;
}

const attr_source_type attr_source_dbd = {
    .name = "dbd", .usage = "dbd \"SQL\"",
    .min_args = 1, .max_args = 1,
    .parse = parse_dbd, .fetch = fetch_dbd, .gives_values = 1
};
