/*
 * attrs: a user's roles, plan and scopes, from where they are kept
 * (AuthzPolicyAttribute): the sources of policy.h's ATTR_SOURCE_ROWS,
 * each in its own file (attrs_source.h).  Each attribute is fetched at
 * most once per request, however many Require lines ask; the answers of
 * a source with an identity (SQL, LDAP) are also kept in mod_socache
 * across requests (AuthzPolicyCache).  A source that fails fails the request (500): an
 * attribute that could not be read is never taken as empty.
 */
#include "policy.h"
#include "attrs_source.h"
#include "metrics.h"

#include "http_log.h"
#include "util_mutex.h"
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


const char *const policy_attr_name[ATTR_COUNT] = { "role", "plan", "scope" };

/* ------------------------------------------------------------------ */
/* Configuration                                                        */

/* The descriptors, by their rows of policy.h's ATTR_SOURCE_ROWS. */
#define ATTR_SOURCE_ENTRY(name) &attr_source_##name,
const attr_source_type *const attr_source_types[ASRC_COUNT] = {
    ATTR_SOURCE_ROWS(ATTR_SOURCE_ENTRY)
};

const char *policy_attr_source_names(apr_pool_t *p, const char *sep,
                                     int giving_values_only)
{
    const char *names = NULL;
    for (int k = 0; k < ASRC_COUNT; k++)
        if (!giving_values_only || attr_source_types[k]->gives_values)
            names = names ? apr_pstrcat(p, names, sep,
                                        attr_source_types[k]->name, NULL)
                          : attr_source_types[k]->name;
    return names ? names : "";
}

/* Every source's usage, for the directive's errors: joined by ", ", the
 * last by last ("file, env NAME [DELIMITER], dbd \"SQL\" or ldap ..."). */
static const char *source_usages(apr_pool_t *p, const char *last)
{
    const char *all = attr_source_types[0]->usage;
    for (int k = 1; k < ASRC_COUNT; k++)
        all = apr_pstrcat(p, all, k == ASRC_COUNT - 1 ? last : ", ",
                          attr_source_types[k]->usage, NULL);
    return all;
}

/* The sources an .htaccess file may name: "file and env". */
static const char *htaccess_sources(apr_pool_t *p)
{
    const char *names = NULL;
    for (int k = 0; k < ASRC_COUNT; k++)
        if (attr_source_types[k]->in_htaccess)
            names = names ? apr_pstrcat(p, names, " and ",
                                        attr_source_types[k]->name, NULL)
                          : attr_source_types[k]->name;
    return names;
}

const char *policy_attr_directive(cmd_parms *cmd, policy_dir_conf *d,
                                  int argc, char *const argv[])
{
    int in_htaccess = !(cmd->override & (ACCESS_CONF | RSRC_CONF));
    if (argc < 2)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute needs an "
                            "attribute (role, plan, scope) and a source "
                            "(%s)", source_usages(cmd->pool, ", "));
    int a;
    for (a = 0; a < ATTR_COUNT; a++)
        if (!strcasecmp(argv[0], policy_attr_name[a]))
            break;
    if (a == ATTR_COUNT)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute: '%s' is not "
                            "role, plan or scope", argv[0]);
    const char *kind = argv[1];
    int words = argc - 2;
    int k;
    for (k = 0; k < ASRC_COUNT; k++) {
        const attr_source_type *t = attr_source_types[k];
        if (!strcasecmp(kind, t->name) && words >= t->min_args
            && (t->max_args < 0 || words <= t->max_args))
            break;
    }
    if (k == ASRC_COUNT)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute %s: '%s' is not "
                            "%s", argv[0], kind,
                            source_usages(cmd->pool, " or "));
    const attr_source_type *type = attr_source_types[k];
    if (in_htaccess && !type->in_htaccess)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute %s is not "
                            "allowed in .htaccess files (%s are)", type->name,
                            htaccess_sources(cmd->pool));
    attr_source *src = apr_pcalloc(cmd->pool, sizeof *src);
    src->kind = (attr_source_kind)k;
    const char *err = type->parse
        ? type->parse(cmd, src, (policy_attr)a, words, argv + 2) : NULL;
    if (err)
        return err;
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
    (void)pconf;
    policy_cache_pre_config();
}

int policy_attrs_post_config(apr_pool_t *pconf, server_rec *s)
{
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
            /* a process-shared pthread mutex, not httpd's Mutex directive:
             * a lock file or semaphore is given to the server's User, and
             * a customer's code holding it would stall every request that
             * looks in the cache (as the notes' lock, datafile_watch.c) */
            apr_status_t rv = apr_global_mutex_create(&c->mutex, NULL,
                                                      APR_LOCK_PROC_PTHREAD,
                                                      pconf);
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

void policy_attr_add_value(request_rec *r, apr_array_header_t *values,
                           const char *v, apr_size_t len)
{
    while (len && apr_isspace(*v)) {
        v++;
        len--;
    }
    while (len && apr_isspace(v[len - 1]))
        len--;
    if (len)
        APR_ARRAY_PUSH(values, const char *) = apr_pstrmemdup(r->pool, v, len);
}

void policy_attr_split(request_rec *r, apr_array_header_t *values,
                       const char *v, const char *delim)
{
    size_t dl = strlen(delim);
    while (v && *v) {
        const char *hit = strstr(v, delim);
        policy_attr_add_value(r, values, v,
                              hit ? (apr_size_t)(hit - v) : strlen(v));
        v = hit ? hit + dl : NULL;
    }
}

/* Cached answers: the time they were fetched, then the values, one per
 * line (cache.c).  1: from the cache, 2: from this process's memo of it,
 * 0: a miss.  keep 0: an answer from the cache is not copied into the
 * memo either. */
static int cache_get(request_rec *r, policy_cache *c, const char *key,
                     apr_interval_time_t lifetime, int keep,
                     apr_array_header_t *out)
{
    unsigned char buf[8192];
    unsigned int len = sizeof buf - 1;
    apr_status_t rv;
    if (c->memo) {
        const char *values = policy_memo_get(c->memo, key, strlen(key),
                                             r->request_time, lifetime,
                                             r->pool);
        if (values) {
            policy_attr_split(r, out, values, "\n");
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
    policy_attr_split(r, out, values, "\n");
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
                            apr_interval_time_t lifetime,
                            const apr_array_header_t *out, int first)
{
    apr_array_header_t mine = *out;
    mine.elts += first * sizeof(const char *);
    mine.nelts -= first;
    cache_put(r, c, key, lifetime, &mine);
}

/* A source with a key (an identity): its answer from the cache, or
 * fetched and kept there. */
static int fetch_cached(request_rec *r, policy_request *rq, policy_attr a,
                        const attr_source *src, apr_array_header_t *out)
{
    const attr_source_type *type = attr_source_types[src->kind];
    const char *key;
    apr_interval_time_t lifetime;
    int keep;
    policy_cache *c = cache_for(r, src, &key, &lifetime, &keep);
    int hit = c ? cache_get(r, c, key, lifetime, keep, out) : 0;
    if (c)
        policy_metrics_cache(r, hit != 0);
    if (hit) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AZPLOGNO(00006)
                      "AuthzPolicyAttribute %s: %s from the cache%s",
                      type->name, key,
                      hit == 2 ? " (this process's memo)" : "");
        return 0;
    }
    int first = out->nelts;
    if (type->fetch(r, rq, a, src, out) < 0)
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
    static const attr_source file_source = { .kind = ASRC_file };
    const attr_source *const file_only = &file_source;
    const attr_source *const *src = d->sources[a]
        ? (const attr_source *const *)d->sources[a]->elts : &file_only;
    int count = d->sources[a] ? d->sources[a]->nelts : 1;

    apr_array_header_t *out = apr_array_make(r->pool, 4, sizeof(const char *));
    for (int i = 0; i < count; i++) {
        int rv = src[i]->key ? fetch_cached(r, rq, a, src[i], out)
                 : attr_source_types[src[i]->kind]->fetch(r, rq, a, src[i],
                                                          out);
        if (rv < 0) {
            policy_metrics_source_error(r, src[i]->kind);
            return NULL;
        }
    }
    rq->values[a] = (const char **)out->elts;
    rq->nvalues[a] = (unsigned)out->nelts;
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
