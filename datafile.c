/*
 * datafile: load-once, reload-on-change data files.  See datafile.h for
 * the contract and docs/design.md for the threat model it answers.  This
 * file holds the public API and the registry of configured files; the
 * work is done by the files listed in datafile_int.h.
 *
 * Three homes for a version of a file:
 * - the parent's carry store (malloc'd, kept in the process pool's user
 *   data, so it outlives the module's own unloading at a restart): the
 *   last good version of every configured file, which children inherit
 *   (datafile_carry.c);
 * - a configured file's current snapshot in a child, either that
 *   inherited version or one the child parsed itself after a change
 *   (datafile_watch.c);
 * - an .htaccess entry: a bounded, per-process cache of files named by
 *   .htaccess files, each loaded by the child that first needed it
 *   (datafile_htaccess.c).
 */
#include "datafile_int.h"
#include "metrics.h"

#include "http_core.h"
#include "http_log.h"
#include "unixd.h"
#include <apr_atomic.h>
#include <apr_strings.h>

#include <limits.h>
#include <unistd.h>

APLOG_USE_MODULE(authz_policy);

/* The files named in the server configuration, for one configuration
 * cycle. */
static struct {
    apr_pool_t *pool;           /* this configuration cycle's */
    apr_hash_t *configured;     /* "kind\npath" -> datafile */
    apr_hash_t *errors;         /* "kind\npath" -> why it did not load */
} registry;

static apr_status_t registry_cleanup(void *unused)
{
    (void)unused;
    htaccess_forget();
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
         hi; hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        if (df->cur)
            snapshot_release(df->cur);
        df->cur = NULL;
    }
    inodes_forget();
    registry.configured = NULL;
    registry.errors = NULL;
    registry.pool = NULL;
    return APR_SUCCESS;
}

void datafile_pre_config_first(apr_pool_t *pconf)
{
    carry_attach(pconf);
}

void datafile_registry_init(apr_pool_t *pconf)
{
    fix_mmap_threshold();
    apr_pool_create(&registry.pool, pconf);
    registry.configured = apr_hash_make(registry.pool);
    registry.errors = apr_hash_make(registry.pool);
    htaccess_init(registry.pool);
    inodes_init(registry.pool);
    configured_set_limit(DATAFILE_CONFIGURED_BYTES);
    notes_pre_config();
    in_child = 0;
    apr_pool_cleanup_register(registry.pool, NULL, registry_cleanup,
                              apr_pool_cleanup_null);
}

/* A path that a user other than root can change: the parent, as root,
 * reads whatever it leads to at every start, restart and change.  Said
 * where the configuration is read first (on screen, by configtest and at
 * a start), then at post_config (in the error log). */
static void warn_changeable(apr_pool_t *p, server_rec *s,
                            const datafile_type *type, const char *path)
{
    const char *where = path_changers(p, path);
    if (!where)
        return;
    ap_log_error(APLOG_MARK, (s ? 0 : APLOG_STARTUP) | APLOG_WARNING, 0, s,
                 AZPLOGNO(00024) "%s %s: a user other than root can change "
                 "what this path leads to, through %s; the server (as "
                 "root) reads it at every start, restart and change.  Keep "
                 "files the server's configuration names where only root "
                 "can write, or let the customer name it in an .htaccess "
                 "file (AuthzPolicyHtaccessFiles)", type->kind, path, where);
}

/* A configured file that does not load: an error for configtest.
 * Otherwise this process may only be signalling the running server
 * (apache2 -k stop or graceful), which must not depend on a data file;
 * a first start stops at post_config, and a restart goes on, requests
 * that need the file answering 500 until it loads. */
static const char *not_loaded(const char *key, const char *err)
{
    apr_hash_set(registry.errors, apr_pstrdup(registry.pool, key),
                 APR_HASH_KEY_STRING, apr_pstrdup(registry.pool, err));
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST)
        return err;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_ERR, 0, NULL,
                     AZPLOGNO(00025) "%s (httpd does not start with it; a "
                     "running server keeps its last good version)", err);
    else
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL, AZPLOGNO(00026)
                     "%s%s", err,
                     carry_started() ? ": requests that need it answer 500 "
                                       "until it loads" : "");
    return NULL;
}

/* A file named in the server configuration, loaded by the parent. */
static const char *open_configured(cmd_parms *cmd, const datafile_type *type,
                                   const char *path, const char *key,
                                   datafile **out)
{
    datafile *df = apr_hash_get(registry.configured, key,
                                APR_HASH_KEY_STRING);
    if (df) {
        *out = df;
        return NULL;
    }
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        warn_changeable(cmd->temp_pool, NULL, type, path);
    snapshot *snap = NULL;
    version failed;
    const char *err = carry_load(cmd->pool, type, path, key, &snap,
                                 &failed);
    if (err && (err = not_loaded(key, err)) != NULL)
        return err;
    df = apr_pcalloc(registry.pool, sizeof *df);
    df->path = apr_pstrdup(registry.pool, path);
    df->type = type;
    if (!snap)
        df->failed = failed;    /* not read again until it changes */
    if (apr_thread_mutex_create(&df->mu, APR_THREAD_MUTEX_DEFAULT,
                                registry.pool) != APR_SUCCESS
        || apr_thread_cond_create(&df->checked, registry.pool)
           != APR_SUCCESS) {
        if (snap)
            snapshot_release(snap);
        return apr_psprintf(cmd->pool, "%s %s: cannot make its lock",
                            type->kind, path);
    }
    if (snap)
        swap_current(df, snap);
    apr_hash_set(registry.configured, apr_pstrdup(registry.pool, key),
                 APR_HASH_KEY_STRING, df);
    *out = df;
    return NULL;
}

const char *datafile_open(cmd_parms *cmd, const datafile_type *type,
                          const char *path, const htaccess_files_rule *rule,
                          datafile **out)
{
    const char *key = apr_pstrcat(cmd->temp_pool, type->kind, "\n", path,
                                  NULL);
    /* .htaccess files are read with neither ACCESS_CONF nor RSRC_CONF */
    if (!(cmd->override & (ACCESS_CONF | RSRC_CONF)))
        return open_from_htaccess(cmd, type, path, key, rule, out);
    return open_configured(cmd, type, path, key, out);
}

void datafile_set_htaccess_limits(apr_off_t max_bytes, unsigned max_files)
{
    htaccess_set_limits(max_bytes, max_files);
}

void datafile_set_file_limit(apr_off_t max_bytes)
{
    configured_set_limit(max_bytes);
}

char *datafile_configured_text(const char *path, apr_size_t *len)
{
    char *buf;
    return read_configured_text(path, &buf, len) == 0 ? buf : NULL;
}

const void *datafile_configured_image(const char *kind, const char *path)
{
    if (!registry.configured)
        return NULL;
    const char *key = apr_pstrcat(registry.pool, kind, "\n", path, NULL);
    datafile *df = apr_hash_get(registry.configured, key,
                                APR_HASH_KEY_STRING);
    return df && df->cur ? df->cur->handle : NULL;
}

/* The server's User cannot read path (the file, or a directory on the
 * way): the root parent loads it, but the running processes, which look
 * at it again as the User, never see it change.  A warning, not an
 * error: a file kept from the User (and from customers' code running as
 * it) is a choice an administrator may make.  s NULL: on screen, where
 * the configuration is read first (configtest, a start); else in the
 * error log. */
static void warn_unreadable(server_rec *s, const datafile *df)
{
    char why[PATH_MAX + 200];
    if (geteuid() != 0 || ap_unixd_config.user_id == 0
        || user_can_read_path(df->path, ap_unixd_config.user_id,
                              ap_unixd_config.group_id,
                              ap_unixd_config.user_name, why, sizeof why))
        return;
    ap_log_error(APLOG_MARK, (s ? 0 : APLOG_STARTUP) | APLOG_WARNING, 0, s,
                 AZPLOGNO(00027) "%s %s: the server's User (%s) cannot "
                 "read it: %s.  The server loads it as root, but its "
                 "running processes cannot look at it again: a change (a "
                 "revoked user) reaches only processes started after the "
                 "parent rereads it, or a restart (apache2ctl graceful).  "
                 "Let the User search every directory on the way and read "
                 "the file (0640 and the User's group), or restart after "
                 "each change",
                 df->type->kind, df->path, ap_unixd_config.user_name, why);
}

void datafile_check_config(void)
{
    /* the first pass only: configtest's, and a start's on its screen */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG
        || !registry.configured)
        return;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
         hi; hi = apr_hash_next(hi))
        warn_unreadable(NULL, apr_hash_this_val(hi));
}

int datafile_post_config(server_rec *s, int real_pass)
{
    /* a first start needs every configured file */
    int missing = 0;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.errors);
         hi && !carry_started(); hi = apr_hash_next(hi)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, AZPLOGNO(00028)
                     "%s: httpd does not start without it",
                     (const char *)apr_hash_this_val(hi));
        missing = 1;
    }
    if (missing)
        return !OK;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
         hi; hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        if (real_pass && df->cur)
            policy_metrics_datafile_loaded(df->path, df->type->kind,
                                           df->cur->entries, &df->cur->source,
                                           sizeof df->cur->source, 0);
        if (real_pass && df->cur)
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, AZPLOGNO(00029)
                         "%s %s: %" APR_SIZE_T_FMT " entries, %"
                         APR_SIZE_T_FMT " bytes shared by all processes, "
                         "parsed in %.3f s%s", df->type->kind, df->path,
                         df->cur->entries, df->cur->size,
                         (double)df->cur->parse_time / 1e6,
                         df->cur->kept ? " (unchanged since: not parsed "
                                         "again)" : "");
        /* once at a first start (its first pass), then at each restart */
        if (!real_pass || carry_started()) {
            warn_changeable(registry.pool, s, df->type, df->path);
            warn_unreadable(s, df);
        }
    }
    if (!real_pass)
        return OK;
    if (notes_share(registry.configured, registry.pool, s) != OK)
        return !OK;
    carry_forget_unconfigured();
    return OK;
}

void datafile_monitor(server_rec *s)
{
    if (!registry.configured || in_child)
        return;
    apr_time_t now = apr_time_now();
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
         hi; hi = apr_hash_next(hi)) {
        const void *key;
        void *val;
        apr_hash_this(hi, &key, NULL, &val);
        snapshot *fresh = check_configured(val, s, now);
        if (fresh)      /* children forked from now on inherit it */
            carry_put(key, fresh);
    }
}

void datafile_child_init(apr_pool_t *pchild, server_rec *s)
{
    /* A child owns what it inherited: its snapshots free their images,
     * and its copy of the carry store frees only itself at exit. */
    in_child = 1;
    if (!registry.configured || !apr_hash_count(registry.configured))
        return;
    watch_start(pchild, s, registry.configured);
}

static apr_status_t release_cleanup(void *snap)
{
    snapshot_release(snap);
    return APR_SUCCESS;
}

const void *datafile_acquire(datafile *df, apr_pool_t *pool, server_rec *s)
{
    snapshot *snap;
    apr_thread_mutex_lock(df->mu);
    /* no version (the file was missing): the check under way may bring
     * one, so wait for it rather than fail */
    while (!df->cur && df->checking)
        apr_thread_cond_wait(df->checked, df->mu);
    snap = df->cur;
    if (snap)
        apr_atomic_inc32(&snap->refs);
    apr_thread_mutex_unlock(df->mu);
    if (!snap) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, AZPLOGNO(00030)
                     "%s %s is not available", df->type->kind, df->path);
        return NULL;
    }
    apr_pool_cleanup_register(pool, snap, release_cleanup,
                              apr_pool_cleanup_null);
    return snap->handle;
}

int datafile_is_loaded(const apr_finfo_t *finfo, const char *path)
{
    if (finfo->filetype != APR_REG)
        return 0;
    return inode_is_loaded((apr_uint64_t)finfo->device,
                           (apr_uint64_t)finfo->inode, path);
}
