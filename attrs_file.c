/*
 * attrs_file: the user file source (AuthzPolicyAttribute ATTR file, and
 * every attribute without a line): the AuthzPolicyUserFile in effect, a
 * data file (datafile.h) whose entry for the user is looked up once per
 * request for all three attributes.
 */
#include "attrs_source.h"
#include "userdb.h"
#include "instant.h"

#include "http_log.h"

APLOG_USE_MODULE(authz_policy);

static void *parse_userfile_image(const char *buf, apr_size_t len,
                                  apr_size_t *size, char *err,
                                  apr_size_t errlen)
{
    userdb *db = userdb_parse(buf, len, err, errlen);
    if (db)
        *size = userdb_size(db);
    return db;
}

static apr_size_t count_userdb(const void *db)
{
    return userdb_count(db);
}

/* AuthzPolicyUserFile files, as data files (datafile.h). */
const datafile_type policy_userfile_type = {
    .kind = "AuthzPolicyUserFile", .lines = 1,
    .parse_image = parse_userfile_image,
    .count = count_userdb
};

/* The user file's entry for the user, looked up once per request. */
static int fetch_file(request_rec *r, policy_request *rq, policy_attr a,
                      const attr_source *src, apr_array_header_t *values)
{
    (void)src;
    if (rq->file_state == 0) {
        rq->file_state = -1;
        policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                  &authz_policy_module);
        if (!d->userfile) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00004)
                          "no AuthzPolicyUserFile applies to %s: %s checks "
                          "cannot be made", r->uri, policy_attr_name[a]);
            return -1;
        }
        rq->file_db = datafile_acquire(d->userfile, r->pool, r->server);
        if (!rq->file_db)
            return -1;
        rq->file_found = userdb_lookup(rq->file_db, r->user, &rq->file_user);
        rq->file_state = 1;
    }
    if (rq->file_state < 0)
        return -1;
    if (!rq->file_found)
        return 0;
    const userdb_user *u = &rq->file_user;
    const uint32_t *offs = a == ATTR_ROLE ? u->roles
                           : a == ATTR_PLAN ? u->plans : u->scopes;
    const int64_t *expiry = a == ATTR_ROLE ? u->role_expiry
                            : a == ATTR_PLAN ? u->plan_expiry
                                             : u->scope_expiry;
    unsigned n = a == ATTR_ROLE ? u->nroles
                 : a == ATTR_PLAN ? u->nplans : u->nscopes;
    /* expired values stop counting without a reload; the highest of the
     * plans left is taken, as among several sources */
    int64_t now = apr_time_sec(r->request_time);
    for (unsigned i = 0; i < n; i++)
        if (instant_live(expiry[i], now))
            APR_ARRAY_PUSH(values, const char *) =
                userdb_str(rq->file_db, offs[i]);
    return 0;
}

/* in memory: answers a look-ahead without asking anyone; a line of it
 * gives values only with an AuthzPolicyUserFile, which configtest looks
 * for by itself */
const attr_source_type attr_source_file = {
    .name = "file", .usage = "file",
    .min_args = 0, .max_args = 0, .in_htaccess = 1,
    .fetch = fetch_file, .in_memory = 1
};
