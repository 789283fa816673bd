/*
 * attrs: a user's roles, plan and scopes, from where they are kept
 * (AuthzPolicyAttribute): the user file, a variable set by an
 * authentication module, or SQL through mod_dbd.  Each attribute is
 * fetched at most once per request, however many Require lines ask;
 * SQL answers are also kept in mod_socache across requests
 * (AuthzPolicyCache).  A source that fails fails the request (500): an
 * attribute that could not be read is never taken as empty.
 */
#include "policy.h"
#include "request.h"
#include "attrs_ldap.h"
#include "metrics.h"
#include "userdb.h"
#include "instant.h"

#include "http_log.h"
#include "util_mutex.h"
#include <apr_dbd.h>                /* before mod_dbd.h, which needs it */
#include "mod_dbd.h"
#include <apr_lib.h>
#include <apr_sha1.h>

/* The bytes of each of a cache key's two digests (the server's, the
 * source's; SHA-1 cut to 64 bits), in hex: worked out at configuration
 * time, so that a request only joins them.  Together 128 bits, and no
 * name a site can choose (its ServerName, its database's, its query)
 * meets another site's half without a second preimage of 64 bits. */
#define KEY_DIGEST_BYTES 8
#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

#define CACHE_MUTEX "authz-policy-cache"

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;

const char *const policy_attr_name[ATTR_COUNT] = { "role", "plan", "scope" };

/* ------------------------------------------------------------------ */
/* Configuration                                                        */

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


const char *policy_attr_directive(cmd_parms *cmd, policy_dir_conf *d,
                                  int argc, char *const argv[])
{
    int in_htaccess = !(cmd->override & (ACCESS_CONF | RSRC_CONF));
    if (argc < 2)
        return "AuthzPolicyAttribute needs an attribute (role, plan, scope) "
               "and a source (file, env NAME [DELIMITER], dbd \"SQL\", "
               "ldap URL [OPTION...])";
    int a;
    for (a = 0; a < ATTR_COUNT; a++)
        if (!strcasecmp(argv[0], policy_attr_name[a]))
            break;
    if (a == ATTR_COUNT)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute: '%s' is not "
                            "role, plan or scope", argv[0]);
    attr_source *src = apr_pcalloc(cmd->pool, sizeof *src);
    const char *kind = argv[1];
    if (!strcasecmp(kind, "file") && argc == 2) {
        src->kind = ASRC_FILE;
    }
    else if (!strcasecmp(kind, "env") && (argc == 3 || argc == 4)) {
        src->kind = ASRC_ENV;
        src->name = argv[2];
        src->delim = argc == 4 ? argv[3] : ",";
        if (!*src->delim)
            return "AuthzPolicyAttribute env: the delimiter is empty";
    }
    else if (!strcasecmp(kind, "dbd") && argc == 3) {
        if (in_htaccess)
            return "AuthzPolicyAttribute dbd is not allowed in .htaccess "
                   "files (file and env are)";
        APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *prepare =
            APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
        if (!prepare)
            return "AuthzPolicyAttribute dbd needs mod_dbd, loaded before "
                   "this line";
        static unsigned counter;
        src->kind = ASRC_DBD;
        src->sql = argv[2];
        src->label = apr_psprintf(cmd->pool, "authz_policy_%s_%u",
                                  policy_attr_name[a], ++counter);
        prepare(cmd->server, src->sql, src->label);
        /* the database is the server's (its DBDriver and DBDParams), in
         * the key through the server's identity */
        src->identity = apr_psprintf(cmd->pool, "dbd\n%" APR_SIZE_T_FMT
                                     ":%s", strlen(src->sql), src->sql);
    }
    else if (!strcasecmp(kind, "ldap") && argc >= 3) {
        if (in_htaccess)
            return "AuthzPolicyAttribute ldap is not allowed in .htaccess "
                   "files (file and env are)";
        src->kind = ASRC_LDAP;
        const char *err = policy_ldap_directive(cmd, src, argc - 2,
                                                argv + 2);
        if (err)
            return err;
    }
    else {
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute %s: '%s' is not "
                            "file, env NAME [DELIMITER], dbd \"SQL\" or "
                            "ldap URL [OPTION...]", argv[0], kind);
    }
    if (src->identity) {
        apr_sha1_ctx_t sha;
        char hex[2 * KEY_DIGEST_BYTES + 1];
        apr_sha1_init(&sha);
        apr_sha1_update_binary(&sha, (const unsigned char *)src->identity,
                               (unsigned int)strlen(src->identity));
        apr_sha1_final(src->digest, &sha);
        ap_bin2hex(src->digest, KEY_DIGEST_BYTES, hex);
        src->key = apr_pstrcat(cmd->pool, "ap:", policy_attr_name[a], ":",
                               hex, NULL);
    }
    if (!d->sources[a])
        d->sources[a] = apr_array_make(cmd->pool, 2, sizeof(attr_source *));
    APR_ARRAY_PUSH(d->sources[a], attr_source *) = src;
    return NULL;
}

const char *policy_cache_directive(cmd_parms *cmd, policy_server_conf *sc,
                                   int argc, char *const argv[])
{
    if (argc < 1 || argc > 2)
        return "AuthzPolicyCache SECONDS [PROVIDER[:ARGS]]";
    char *end;
    long secs = strtol(argv[0], &end, 10);
    if (*end || secs < 0 || secs > 86400 * 365)
        return apr_psprintf(cmd->pool, "AuthzPolicyCache: '%s' is not a "
                            "number of seconds", argv[0]);
    policy_cache *c = apr_pcalloc(cmd->pool, sizeof *c);
    c->ttl = apr_time_from_sec(secs);
    const char *spec = argc == 2 ? argv[1] : "shmcb";
    const char *colon = strchr(spec, ':');
    c->name = colon ? apr_pstrmemdup(cmd->pool, spec, (apr_size_t)(colon - spec))
                    : spec;
    c->args = colon ? colon + 1 : NULL;
    if (secs > 0) {
        c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, c->name,
                                         AP_SOCACHE_PROVIDER_VERSION);
        if (!c->provider)
            return apr_psprintf(cmd->pool, "AuthzPolicyCache: unknown cache "
                                "'%s' (is mod_socache_%s loaded?)", c->name,
                                c->name);
        const char *err = c->provider->create(&c->inst, c->args,
                                              cmd->temp_pool, cmd->pool);
        if (err)
            return apr_psprintf(cmd->pool, "AuthzPolicyCache: %s", err);
    }
    sc->cache = c;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Whose answers: each server's identity in the cache's keys            */

/* mod_dbd's settings of one server.  mod_dbd keeps them in a record of
 * its own that no header declares; they are read here from the
 * configuration tree, which is public, and merged as mod_dbd merges
 * them (a virtual host's driver and non-empty parameters replace the
 * main server's; its DBDInitSQL statements run before the main
 * server's). */
typedef struct {
    const char *driver, *params;
    apr_array_header_t *init;       /* const char *: DBDInitSQL */
} dbd_settings;

static void dbd_settings_read(apr_pool_t *p, const ap_directive_t *d,
                              dbd_settings *out)
{
    out->driver = out->params = NULL;
    out->init = apr_array_make(p, 1, sizeof(const char *));
    for (; d; d = d->next) {
        const char *args = d->args;
        if (!strcasecmp(d->directive, "DBDriver"))
            out->driver = ap_getword_conf(p, &args);
        else if (!strcasecmp(d->directive, "DBDParams"))
            out->params = ap_getword_conf(p, &args);
        else if (!strcasecmp(d->directive, "DBDInitSQL"))
            APR_ARRAY_PUSH(out->init, const char *) =
                ap_getword_conf(p, &args);
    }
}

static void digest_field(apr_sha1_ctx_t *sha, const char *v)
{
    char len[24];
    int n = apr_snprintf(len, sizeof len, "%" APR_SIZE_T_FMT ":",
                         v ? strlen(v) : 0);
    apr_sha1_update_binary(sha, (const unsigned char *)len, (unsigned int)n);
    if (v)
        apr_sha1_update_binary(sha, (const unsigned char *)v,
                               (unsigned int)strlen(v));
}

/* Each server's identity, by server_rec (the record of a virtual host
 * without a directive of this module is the main server's, so it cannot
 * hold it): a SHA-1 digest of its name and port, the file and line of
 * its <VirtualHost>, and its database (DBDriver, DBDParams, DBDInitSQL).
 * A section starts at one line of one file, so no two servers of a
 * configuration have the same; servers of a fleet with the same
 * configuration do, and share answers. */
static apr_hash_t *server_digests;

static void digest_servers(apr_pool_t *pconf, server_rec *s)
{
    server_digests = apr_hash_make(pconf);
    apr_hash_t *sections = apr_hash_make(pconf);    /* "line:file" -> tree */
    dbd_settings main_dbd;
    dbd_settings_read(pconf, ap_conftree, &main_dbd);
    for (const ap_directive_t *d = ap_conftree; d; d = d->next)
        if (!strcasecmp(d->directive, "<VirtualHost") && d->filename)
            apr_hash_set(sections, apr_psprintf(pconf, "%d:%s", d->line_num,
                                                d->filename),
                         APR_HASH_KEY_STRING, d);
    for (server_rec *v = s; v; v = v->next) {
        dbd_settings dbd = main_dbd;
        const ap_directive_t *section = v->defn_name
            ? apr_hash_get(sections, apr_psprintf(pconf, "%d:%s",
                                                  v->defn_line_number,
                                                  v->defn_name),
                           APR_HASH_KEY_STRING)
            : NULL;
        if (section) {
            dbd_settings own;
            dbd_settings_read(pconf, section->first_child, &own);
            if (own.driver)
                dbd.driver = own.driver;
            if (own.params && *own.params)
                dbd.params = own.params;
            dbd.init = apr_array_append(pconf, own.init, main_dbd.init);
        }
        apr_sha1_ctx_t sha;
        apr_sha1_init(&sha);
        digest_field(&sha, "server");
        digest_field(&sha, v->server_hostname);
        digest_field(&sha, apr_itoa(pconf, v->port));
        digest_field(&sha, v->defn_name);
        digest_field(&sha, apr_itoa(pconf, v->defn_line_number));
        digest_field(&sha, dbd.driver);
        digest_field(&sha, dbd.params);
        for (int i = 0; i < dbd.init->nelts; i++)
            digest_field(&sha, APR_ARRAY_IDX(dbd.init, i, const char *));
        unsigned char digest[APR_SHA1_DIGESTSIZE];
        char *hex = apr_palloc(pconf, 2 * KEY_DIGEST_BYTES + 1);
        apr_sha1_final(digest, &sha);
        ap_bin2hex(digest, KEY_DIGEST_BYTES, hex);
        server_rec **key = apr_palloc(pconf, sizeof *key);
        *key = v;
        apr_hash_set(server_digests, key, sizeof *key, hex);
    }
}

void policy_attrs_pre_config(apr_pool_t *pconf)
{
    ap_mutex_register(pconf, CACHE_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
    policy_cache_pre_config();
}

int policy_attrs_post_config(apr_pool_t *pconf, server_rec *s)
{
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    digest_servers(pconf, s);
    for (server_rec *v = s; v; v = v->next) {
        policy_server_conf *sc =
            ap_get_module_config(v->module_config, &authz_policy_module);
        policy_cache *c = sc->cache;
        if (c && c->ready && sc->cache_memo_set
            && sc->cache_memo != c->memo_entries
            && !(c->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE))
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, v, AZPLOGNO(00001)
                         "AuthzPolicyCacheMemo %u is not used: this virtual "
                         "host shares the main server's AuthzPolicyCache "
                         "(and its memo of %u entries); give it an "
                         "AuthzPolicyCache of its own", sc->cache_memo,
                         c->memo_entries);
        if (!c || !c->provider || c->ready)
            continue;               /* off, or shared with the main server */
        /* the memo is for caches over the network: the others are on this
         * host already, behind the global mutex */
        c->memo_entries = 0;
        if (!(c->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE))
            c->memo_entries = sc->cache_memo_set ? sc->cache_memo
                                                 : POLICY_CACHE_MEMO_DEFAULT;
        c->longest = c->ttl;
        if (policy_cache_longest_area_lifetime() > c->longest)
            c->longest = policy_cache_longest_area_lifetime();
        if (c->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
            apr_status_t rv = ap_global_mutex_create(&c->mutex, NULL,
                                                     CACHE_MUTEX, NULL, v,
                                                     pconf, 0);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, rv, v, AZPLOGNO(00002)
                             "AuthzPolicyCache: cannot create its mutex");
                return !OK;
            }
        }
        struct ap_socache_hints hints = { 64, 512,
                                          apr_time_from_sec(60) };
        apr_status_t rv = c->provider->init(c->inst, "authz_policy", &hints,
                                            v, pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, v, AZPLOGNO(00003)
                         "AuthzPolicyCache: cannot start the %s cache",
                         c->name);
            return !OK;
        }
        c->ready = 1;
    }
    return OK;
}

void policy_attrs_child_init(apr_pool_t *p, server_rec *s)
{
    for (server_rec *v = s; v; v = v->next) {
        policy_server_conf *sc =
            ap_get_module_config(v->module_config, &authz_policy_module);
        policy_cache *c = sc->cache;
        if (c && c->ready)
            policy_memo_child_init(c, p);
        if (c && c->mutex && !c->child_ready) {
            apr_global_mutex_child_init(&c->mutex,
                                        apr_global_mutex_lockfile(c->mutex),
                                        p);
            c->child_ready = 1;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Sources                                                              */

typedef struct {
    apr_array_header_t *values;     /* const char * */
} collect;

static void collect_value(request_rec *r, collect *out, const char *v, apr_size_t len)
{
    while (len && apr_isspace(*v)) {
        v++;
        len--;
    }
    while (len && apr_isspace(v[len - 1]))
        len--;
    if (len)
        APR_ARRAY_PUSH(out->values, const char *) =
            apr_pstrmemdup(r->pool, v, len);
}

/* The user file's entry for the user, looked up once per request. */
static int from_file(request_rec *r, policy_request *rq, policy_attr a,
                     collect *out)
{
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
            APR_ARRAY_PUSH(out->values, const char *) =
                userdb_str(rq->file_db, offs[i]);
    return 0;
}

static void split(request_rec *r, collect *out, const char *v,
                  const char *delim)
{
    size_t dl = strlen(delim);
    while (v && *v) {
        const char *hit = strstr(v, delim);
        collect_value(r, out, v, hit ? (apr_size_t)(hit - v) : strlen(v));
        v = hit ? hit + dl : NULL;
    }
}

static int from_env(request_rec *r, const attr_source *src, collect *out)
{
    split(r, out, apr_table_get(r->subprocess_env, src->name), src->delim);
    return 0;
}

/* Cached answers: the time they were fetched, then the values, one per
 * line (cache.c).  1: from the cache, 2: from this process's memo of it,
 * 0: a miss.  keep 0: an answer from the cache is not copied into the
 * memo either. */
static int cache_get(request_rec *r, policy_cache *c, const char *key,
                     apr_interval_time_t lifetime, int keep, collect *out)
{
    unsigned char buf[8192];
    unsigned int len = sizeof buf - 1;
    apr_status_t rv;
    if (c->memo) {
        const char *values = policy_memo_get(c->memo, key, strlen(key),
                                             r->request_time, lifetime,
                                             r->pool);
        if (values) {
            split(r, out, values, "\n");
            return 2;
        }
    }
    if (c->mutex && (rv = apr_global_mutex_lock(c->mutex)) != APR_SUCCESS)
        return 0;
    rv = c->provider->retrieve(c->inst, r->server, (const unsigned char *)key,
                               (unsigned int)strlen(key), buf, &len, r->pool);
    if (c->mutex)
        apr_global_mutex_unlock(c->mutex);
    if (rv != APR_SUCCESS)
        return 0;
    buf[len] = '\0';
    const char *values = policy_cache_fresh((const char *)buf,
                                            r->request_time, lifetime);
    if (!values)
        return 0;
    if (c->memo && keep)
        policy_memo_put(c->memo, key, strlen(key), (const char *)buf, len);
    split(r, out, values, "\n");
    return 1;
}

static void cache_put(request_rec *r, policy_cache *c, const char *key,
                      apr_interval_time_t lifetime,
                      const apr_array_header_t *values)
{
    apr_time_t now = apr_time_now();
    const char *text = policy_cache_stamp(r->pool, now);
    for (int i = 0; i < values->nelts; i++) {
        const char *v = APR_ARRAY_IDX(values, i, const char *);
        if (strchr(v, '\n'))
            return;                 /* not representable: do not cache */
        text = apr_pstrcat(r->pool, text, v, "\n", NULL);
    }
    apr_size_t text_len = strlen(text);
    if (text_len >= 8192)
        return;
    if (c->memo)
        policy_memo_put(c->memo, key, strlen(key), text, text_len);
    if (c->mutex && apr_global_mutex_lock(c->mutex) != APR_SUCCESS)
        return;
    /* kept a second longer than the lifetime: mod_socache_redis rounds it
     * down to whole seconds and stores nothing for less than one; the
     * stamp, not the store, decides when an answer is too old */
    apr_status_t rv = c->provider->store(
        c->inst, r->server, (const unsigned char *)key,
        (unsigned int)strlen(key), now + lifetime + apr_time_from_sec(1),
        (unsigned char *)text, (unsigned int)text_len, r->pool);
    if (c->mutex)
        apr_global_mutex_unlock(c->mutex);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, AZPLOGNO(00005)
                      "AuthzPolicyCache: could not store %s", key);
}


/* The cache and the user's key in it, when AuthzPolicyCache is on.  The
 * key names everything that can change the answer: the attribute, a
 * digest of the server's identity and of the source's (the query; the
 * LDAP line), and the user, whole.  keep: whether an answer fetched now
 * may be stored: not for a user whose password was never checked (the
 * look-ahead of a hidden area), whose answers are read from the cache but
 * never put there.  An explained look-up asks the sources only: what it
 * is given (env=AUTHENTICATE_MEMBEROF, say) changes their answer, which a
 * kept one would hide. */
static policy_cache *cache_for(request_rec *r, const attr_source *src,
                               const char **key,
                               apr_interval_time_t *lifetime, int *keep)
{
    policy_server_conf *sc = ap_get_module_config(r->server->module_config,
                                                  &authz_policy_module);
    policy_cache *c = sc->cache && sc->cache->ready ? sc->cache : NULL;
    *lifetime = c ? policy_cache_lifetime(r, c) : 0;
    if (*lifetime <= 0)
        return NULL;                /* AuthzPolicyCacheTimeout 0 here */
    const char *server = server_digests
        ? apr_hash_get(server_digests, &r->server, sizeof r->server) : NULL;
    if (!server)
        return NULL;                /* whose answer it is is not known */
    const policy_request *rq = policy_request_get(r, 0);
    if (rq && rq->explaining)
        return NULL;
    *keep = !(rq && rq->unchecked_user);
    *key = apr_pstrcat(r->pool, src->key, server, ":", r->user, NULL);
    return c;
}

/* Keeps what one source added to out, from first on. */
static void cache_put_since(request_rec *r, policy_cache *c, const char *key,
                            apr_interval_time_t lifetime, const collect *out,
                            int first)
{
    apr_array_header_t mine = *out->values;
    mine.elts += first * sizeof(const char *);
    mine.nelts -= first;
    cache_put(r, c, key, lifetime, &mine);
}

static int from_dbd(request_rec *r, const attr_source *src, collect *out)
{
    const char *key;
    apr_interval_time_t lifetime;
    int keep;
    policy_cache *c = cache_for(r, src, &key, &lifetime, &keep);
    int hit = c ? cache_get(r, c, key, lifetime, keep, out) : 0;
    if (c)
        policy_metrics_cache(r, hit != 0);
    if (hit) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AZPLOGNO(00006)
                      "AuthzPolicyAttribute dbd: %s from the cache%s", key,
                      hit == 2 ? " (this process's memo)" : "");
        return 0;
    }
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
    int first = out->values->nelts;
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
            collect_value(r, out, v, strlen(v));
    }
    if (c && keep)
        cache_put_since(r, c, key, lifetime, out, first);
    return 0;
}

/* LDAP answers are kept in the cache as SQL ones are. */
static int from_ldap(request_rec *r, const attr_source *src, collect *out)
{
    const char *key;
    apr_interval_time_t lifetime;
    int keep;
    policy_cache *c = cache_for(r, src, &key, &lifetime, &keep);
    int hit = c ? cache_get(r, c, key, lifetime, keep, out) : 0;
    if (c)
        policy_metrics_cache(r, hit != 0);
    if (hit)
        return 0;
    int first = out->values->nelts;
    if (policy_ldap_values(r, src->ldap, out->values) < 0)
        return -1;
    if (c && keep)
        cache_put_since(r, c, key, lifetime, out, first);
    return 0;
}

/* A subrequest (mod_dir's index, SSI) for the same user, with the same
 * sources, reuses what its main request fetched. */
static const policy_request *fetched_by_main(request_rec *r, policy_attr a,
                                             const policy_dir_conf *d)
{
    for (request_rec *m = r->main; m; m = m->main) {
        const policy_request *mq = policy_request_get(m, 0);
        const policy_dir_conf *md = ap_get_module_config(m->per_dir_config,
                                                         &authz_policy_module);
        if (mq && mq->attr_state[a] > 0 && m->user && !strcmp(m->user, r->user)
            && md->sources[a] == d->sources[a] && md->userfile == d->userfile)
            return mq;
    }
    return NULL;
}

const char *const *policy_attr_values(request_rec *r, policy_request *rq,
                                      policy_attr a, unsigned *n)
{
    if (rq->attr_state[a]) {
        *n = rq->nvalues[a];
        return rq->attr_state[a] > 0 ? rq->values[a] : NULL;
    }
    policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                              &authz_policy_module);
    const policy_request *mq = fetched_by_main(r, a, d);
    if (mq) {
        rq->values[a] = mq->values[a];
        rq->nvalues[a] = mq->nvalues[a];
        rq->attr_state[a] = 1;
        *n = rq->nvalues[a];
        return rq->values[a];
    }
    rq->attr_state[a] = -1;
    static const attr_source file_source = { .kind = ASRC_FILE };
    const attr_source *const file_only = &file_source;
    const attr_source *const *src = d->sources[a]
        ? (const attr_source *const *)d->sources[a]->elts : &file_only;
    int count = d->sources[a] ? d->sources[a]->nelts : 1;

    collect out = { apr_array_make(r->pool, 4, sizeof(const char *)) };
    for (int i = 0; i < count; i++) {
        int rv = src[i]->kind == ASRC_FILE ? from_file(r, rq, a, &out)
                 : src[i]->kind == ASRC_ENV ? from_env(r, src[i], &out)
                 : src[i]->kind == ASRC_LDAP ? from_ldap(r, src[i], &out)
                 : from_dbd(r, src[i], &out);
        if (rv < 0) {
            policy_metrics_source_error(r, src[i]->kind);
            return NULL;
        }
    }
    rq->values[a] = (const char **)out.values->elts;
    rq->nvalues[a] = (unsigned)out.values->nelts;
    rq->attr_state[a] = 1;
    *n = rq->nvalues[a];
    return rq->values[a];
}

/* ------------------------------------------------------------------ */
/* Require role, plan and scope                                         */

authz_status policy_check_user_attr(request_rec *r,
                                    const policy_require *req)
{
    policy_request *rq = policy_request_for_check(r, req);
    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    policy_attr attr = req->reason == REASON_ROLE ? ATTR_ROLE
                       : req->reason == REASON_PLAN ? ATTR_PLAN : ATTR_SCOPE;
    unsigned n;
    const char *const *held = policy_attr_values(r, rq, attr, &n);
    if (!held)
        return AUTHZ_GENERAL_ERROR;
    policy_server_conf *sc = ap_get_module_config(r->server->module_config,
                                                  &authz_policy_module);

    int granted = 0;
    switch (req->reason) {
    case REASON_ROLE:
        granted = policy_roles_grant(sc->roles, held, n, req->values,
                                     req->nvalues);
        break;
    case REASON_PLAN: {
        /* several sources: the highest-ranked plan wins */
        int min = policy_plan_rank(&sc->plans, req->lowest_plan);
        for (unsigned i = 0; i < n && !granted; i++)
            granted = policy_plans_grant(&sc->plans, held[i], min);
        break;
    }
    case REASON_SCOPE:
        granted = policy_any_shared(held, n, req->values, req->nvalues);
        break;
    default:
        break;
    }
    policy_request_answered(rq, req, granted);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, AZPLOGNO(00013)
                  "Require %s %s: %s", reason_table[req->reason].name,
                  req->required, granted ? "granted" : "denied");
    return granted ? AUTHZ_GRANTED : AUTHZ_DENIED;
}
