/*
 * datafile_htaccess: files named in .htaccess files.  Each child loads
 * such a file into its own memory when a request first needs it, after
 * AuthzPolicyHtaccessFiles has allowed it, into a cache bounded by
 * AuthzPolicyHtaccessLimits; a file that failed to load is not read again
 * until it changes.  The cache's lock is never held while a file is
 * opened or read: only the requests for one file wait for its load.
 *
 * A request holds (pins) the entries its .htaccess files named until it
 * ends, which a client that never reads its answer can make last until
 * httpd's Timeout, again and again.  The requests of one .htaccess owner
 * may hold at most half of the entries a process keeps (its share): a
 * request beyond it is refused (that owner's 500), and whatever one
 * customer holds, the other half stays for the others.
 *
 * The cache also counts what it keeps in memory: the parsed tables of the
 * kept versions (a table is up to about 7 times its file) stay within
 * FILES x BYTES, unused entries evicted to make room, and one owner's
 * requests hold at most half of that too.
 */
#include "datafile_int.h"
#include "metrics.h"

#include "http_log.h"
#include "unixd.h"
#include <apr_portable.h>
#include <apr_strings.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

APLOG_USE_MODULE(authz_policy);

/* The pins of one .htaccess owner's requests on one entry. */
typedef struct {
    const datafile *df;
    apr_uint64_t uid;
} hold_key;
typedef struct {
    hold_key key;
    unsigned pins;
} hold;

/* How many entries one owner's requests hold. */
typedef struct {
    apr_uint64_t uid;
    unsigned entries;
} holder;

static struct {
    apr_thread_mutex_t *mu;     /* guards what follows, and the entries'
                                   pins, loading, failed and last_used */
    apr_thread_cond_t *loaded;  /* an entry finished loading */
    apr_thread_mutex_t *cur_mu; /* every entry's mu (guards its cur): an
                                   entry is malloc'd and freed, and a lock
                                   of its own would stay in the pool */
    apr_hash_t *entries;        /* "kind\npath" -> datafile */
    apr_hash_t *holds;          /* hold_key -> hold */
    apr_hash_t *holders;        /* uid -> holder */
    unsigned count;
    apr_size_t kept_bytes;      /* the entries' kept, summed */
    apr_off_t max_bytes;
    unsigned max_files;
} cache;

/* How httpd reads a file it opened with ap_pcfg_openfile(), as it opens
 * .htaccess files: a configuration being read with this function reads an
 * apr_file_t.  Learnt once, from /dev/null (the one non-regular file it
 * opens). */
static apr_status_t (*file_getch)(char *ch, void *param);

/* The .htaccess file being read by cmd, fstat()ed into *hst: the file
 * httpd opened and read the directive from, still open while its
 * directives run, not whatever its path leads to now (a name swapped for
 * a symlink to another customer's home after httpd read it).  A macro's
 * lines are read before the directives run, and httpd is back on the file
 * by then.  A directive read from anything else (a module's own
 * open_htaccess hook) has no owner the module can trust: refused. */
static const char *htaccess_stat(apr_pool_t *p, cmd_parms *cmd,
                                 struct stat *hst)
{
    apr_os_file_t fd;
    if (!cmd->config_file || !file_getch
        || cmd->config_file->getch != file_getch)
        return "refused: the .htaccess file's owner cannot be told (its "
               "directives were not read from a file httpd opened itself)";
    if (apr_os_file_get(&fd, cmd->config_file->param) != APR_SUCCESS
        || fstat(fd, hst) < 0)
        return apr_psprintf(p, "cannot check the .htaccess file: %s",
                            strerror(errno));
    /* httpd follows a symlink named .htaccess, whatever Options say: it
     * would give its directives the owner of a file the customer did not
     * write (another customer's .htaccess, or an upload of theirs).  The
     * name must be the file read, or a link of that file's own owner.  A
     * name changed since httpd opened it no longer matches and is refused.
     * (A hard link is the file itself; fs.protected_hardlinks, Debian's
     * default, keeps customers from linking others' files: see
     * docs/shared-hosting.md.) */
    struct stat lst;
    if (lstat(cmd->config_file->name, &lst) < 0)
        return apr_psprintf(p, "cannot check the .htaccess file: %s",
                            strerror(errno));
    if (S_ISLNK(lst.st_mode) ? lst.st_uid != hst->st_uid
        : lst.st_dev != hst->st_dev || lst.st_ino != hst->st_ino)
        return "refused: the .htaccess file is a symbolic link to a file "
               "of another owner, or changed while it was read";
    return NULL;
}

/* The entries one owner's requests may hold at once: half of them; a
 * quarter for the server's own User, whose uid every customer who runs
 * code as it (a CGI without suEXEC, a shared PHP pool) holds beside their
 * own, so that one customer's two uids leave a quarter to the others. */
static unsigned owner_share(apr_uint64_t uid)
{
    unsigned part = uid == (apr_uint64_t)ap_unixd_config.user_id ? 4 : 2;
    return cache.max_files >= part ? cache.max_files / part : 1;
}

/* The parsed bytes a process keeps: FILES x BYTES. */
static apr_size_t byte_budget(void)
{
    apr_uint64_t b = (apr_uint64_t)cache.max_files
                     * (apr_uint64_t)cache.max_bytes;
    return b > APR_SIZE_MAX ? APR_SIZE_MAX : (apr_size_t)b;
}

/* The parsed bytes one owner's requests may hold at once (the same
 * parts as owner_share). */
static apr_size_t owner_byte_share(apr_uint64_t uid)
{
    unsigned part = uid == (apr_uint64_t)ap_unixd_config.user_id ? 4 : 2;
    return cache.max_files > 1 ? byte_budget() / part : byte_budget();
}

/* A parse error as the .htaccess owner may see it: the offending token
 * (the quoted part) only when they could read the file themselves. */
static const char *shown_why(apr_pool_t *p, const char *why,
                             const struct stat *st, uid_t reader)
{
    const char *quote = strchr(why, '\'');
    if (!quote || uid_can_read(st, reader))
        return apr_pstrdup(p, why);     /* why may be on the caller's stack */
    return apr_pstrcat(p, apr_pstrmemdup(p, why, (apr_size_t)(quote - why)),
                       "(the file's content is not shown: the owner of the "
                       ".htaccess file cannot read it)", NULL);
}

/* AuthzPolicyHtaccessFiles for the file opened as fd; NULL when allowed. */
static const char *refusal(apr_pool_t *p, const htaccess_files_rule *rule,
                           int fd, const struct stat *st,
                           const struct stat *htaccess)
{
    if (rule && rule->mode == HTACCESS_FILES_ANY)
        return NULL;
    if (!rule || rule->mode == HTACCESS_FILES_OWNER) {
        if (st->st_uid == htaccess->st_uid)
            return NULL;
        return apr_psprintf(p, "refused: owned by uid %ld, not by the "
                            ".htaccess file's owner (uid %ld) "
                            "(AuthzPolicyHtaccessFiles owner)",
                            (long)st->st_uid, (long)htaccess->st_uid);
    }
    /* The path of the opened file itself: no symlink can be swapped
     * between this check and the read. */
    char link[64], real[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, real, sizeof real - 1);
    if (n <= 0)
        return "refused: its real path cannot be found";
    real[n] = '\0';
    for (int i = 0; i < rule->ndirs; i++) {
        size_t dl = strlen(rule->dirs[i]);
        if (!strncmp(real, rule->dirs[i], dl) && real[dl] == '/')
            return NULL;
    }
    return apr_psprintf(p, "refused: it resolves to %s, outside the "
                        "AuthzPolicyHtaccessFiles directories", real);
}

static holder *holder_of(apr_uint64_t uid, int make)
{
    holder *h = apr_hash_get(cache.holders, &uid, sizeof uid);
    if (!h && make && (h = calloc(1, sizeof *h)) != NULL) {
        h->uid = uid;
        apr_hash_set(cache.holders, &h->uid, sizeof h->uid, h);
    }
    return h;
}

/* Under cache.mu: one more pin of uid's requests on df; 0 when uid's
 * requests would hold more entries than their share (or out of memory). */
static int pin(datafile *df, apr_uint64_t uid)
{
    hold_key k;
    memset(&k, 0, sizeof k);            /* the hash reads the padding */
    k.df = df;
    k.uid = uid;
    hold *h = apr_hash_get(cache.holds, &k, sizeof k);
    if (!h) {
        holder *o = holder_of(uid, 1);
        if (!o || o->entries >= owner_share(uid)
            || (h = calloc(1, sizeof *h)) == NULL) {
            if (o && !o->entries) {
                apr_hash_set(cache.holders, &o->uid, sizeof o->uid, NULL);
                free(o);
            }
            return 0;
        }
        h->key = k;
        apr_hash_set(cache.holds, &h->key, sizeof h->key, h);
        o->entries++;
    }
    h->pins++;
    df->pins++;
    return 1;
}

typedef struct {
    datafile *df;
    apr_uint64_t uid;
} pinned;

static apr_status_t unpin(void *arg)
{
    pinned *p = arg;
    hold_key k;
    memset(&k, 0, sizeof k);
    k.df = p->df;
    k.uid = p->uid;
    apr_thread_mutex_lock(cache.mu);
    p->df->pins--;
    hold *h = apr_hash_get(cache.holds, &k, sizeof k);
    if (h && !--h->pins) {
        apr_hash_set(cache.holds, &h->key, sizeof h->key, NULL);
        free(h);
        holder *o = holder_of(p->uid, 0);
        if (o && !--o->entries) {
            apr_hash_set(cache.holders, &o->uid, sizeof o->uid, NULL);
            free(o);
        }
    }
    apr_thread_mutex_unlock(cache.mu);
    return APR_SUCCESS;
}

static void entry_free(datafile *df)
{
    swap_current(df, NULL);
    free(df->key);
    free(df->path);
    free(df);
}

/* Under cache.mu: takes the least recently used entry that nobody
 * uses out of the cache, for the caller to free. */
static datafile *evict_unused(void)
{
    datafile *oldest = NULL;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, cache.entries); hi;
         hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        if (!df->pins && !df->loading
            && (!oldest || df->last_used < oldest->last_used))
            oldest = df;
    }
    if (oldest) {
        apr_hash_set(cache.entries, oldest->key, APR_HASH_KEY_STRING,
                     NULL);
        cache.count--;
        cache.kept_bytes -= oldest->kept;
    }
    return oldest;
}

/* Under cache.mu: whether uid's requests already hold df. */
static int holds(const datafile *df, apr_uint64_t uid)
{
    hold_key k;
    memset(&k, 0, sizeof k);
    k.df = df;
    k.uid = uid;
    return apr_hash_get(cache.holds, &k, sizeof k) != NULL;
}

/* Under cache.mu: the parsed bytes of the entries uid's requests hold,
 * but. */
static apr_size_t bytes_held(apr_uint64_t uid, const datafile *but)
{
    apr_size_t n = 0;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, cache.holds); hi;
         hi = apr_hash_next(hi)) {
        const hold *h = apr_hash_this_val(hi);
        if (h->key.uid == uid && h->key.df != but)
            n += h->key.df->kept;
    }
    return n;
}

/* Makes room for size parsed bytes as df's version (loaded by a request
 * of uid's, which pins df): within the owner's share of the bytes, and
 * within the budget once unused entries are evicted (least recently used
 * first, into evicted for the caller to free).  NULL when df now keeps
 * size bytes, else why not (nothing changed but the evictions). */
static const char *make_room(apr_pool_t *p, datafile *df, apr_size_t size,
                             apr_uint64_t uid, apr_array_header_t *evicted)
{
    const char *why = NULL;
    apr_thread_mutex_lock(cache.mu);
    apr_size_t held = bytes_held(uid, df);
    if (held + size > owner_byte_share(uid))
        why = apr_psprintf(p, "refused: its parsed table takes %"
                           APR_SIZE_T_FMT " bytes, and requests under way "
                           "for .htaccess files of uid %" APR_UINT64_T_FMT
                           " hold %" APR_SIZE_T_FMT " already: more than "
                           "their share, %" APR_SIZE_T_FMT " of the %"
                           APR_SIZE_T_FMT " parsed bytes this server process "
                           "keeps (AuthzPolicyHtaccessLimits)", size, uid,
                           held, owner_byte_share(uid), byte_budget());
    while (!why && cache.kept_bytes - df->kept + size > byte_budget()) {
        datafile *old = evict_unused();
        if (old)
            APR_ARRAY_PUSH(evicted, datafile *) = old;
        else
            why = apr_psprintf(p, "refused: its parsed table takes %"
                               APR_SIZE_T_FMT " bytes, and the files in use "
                               "keep %" APR_SIZE_T_FMT " of the %"
                               APR_SIZE_T_FMT " parsed bytes this server "
                               "process keeps (AuthzPolicyHtaccessLimits)",
                               size, cache.kept_bytes - df->kept,
                               byte_budget());
    }
    if (!why) {
        cache.kept_bytes = cache.kept_bytes - df->kept + size;
        df->kept = size;
    }
    apr_thread_mutex_unlock(cache.mu);
    return why;
}

enum { OVER_FILES = 1, OVER_BYTES };

/* Under cache.mu: the entry for key, made if need be and pinned by uid's
 * request for the life of pool.  NULL when uid's requests hold their
 * share already (*over set: of the files, or of the parsed bytes), or the
 * cache is full of entries in use. */
static datafile *entry_get(apr_pool_t *pool, const datafile_type *type,
                           const char *key, const char *path,
                           apr_uint64_t uid, datafile **evicted, int *over)
{
    datafile *df = apr_hash_get(cache.entries, key, APR_HASH_KEY_STRING);
    holder *o = holder_of(uid, 0);
    *evicted = NULL;
    /* checked before an entry is made or another one evicted for it */
    int more = !df || !holds(df, uid);
    if (more && o && o->entries >= owner_share(uid))
        *over = OVER_FILES;
    else if (more && df && df->kept
             && bytes_held(uid, df) + df->kept > owner_byte_share(uid))
        *over = OVER_BYTES;             /* kept already, but not for uid */
    else
        *over = 0;
    if (*over)
        return NULL;
    if (!df) {
        if (cache.count >= cache.max_files
            && !(*evicted = evict_unused()))
            return NULL;
        df = calloc(1, sizeof *df);
        if (!df || !(df->key = strdup(key)) || !(df->path = strdup(path))) {
            if (df)
                free(df->key);
            free(df);
            return NULL;
        }
        df->mu = cache.cur_mu;
        df->type = type;
        df->htaccess = 1;
        apr_hash_set(cache.entries, df->key, APR_HASH_KEY_STRING, df);
        cache.count++;
    }
    pinned *p = apr_palloc(pool, sizeof *p);
    if (!pin(df, uid)) {
        *over = OVER_FILES;             /* (or out of memory) */
        return NULL;
    }
    p->df = df;
    p->uid = uid;
    df->last_used = apr_time_now();
    apr_pool_cleanup_register(pool, p, unpin, apr_pool_cleanup_null);
    return df;
}

/* Opens the file at path as *fd if AuthzPolicyHtaccessFiles and the size
 * limit allow it, for the .htaccess file cmd reads (fstat()ed into *hst);
 * else why not, with nothing left open.  Every check is made on the two
 * descriptors, the one httpd read and the one to be read. */
static const char *open_allowed(apr_pool_t *p, cmd_parms *cmd,
                                const char *path,
                                const htaccess_files_rule *rule, int *fd,
                                struct stat *st, struct stat *hst)
{
    const char *unknown = htaccess_stat(p, cmd, hst);
    if (unknown)
        return unknown;
    int e = open_regular(path, fd, st);
    if (e) {
        char why_not[256];
        describe_read_error(e, why_not, sizeof why_not);
        return apr_pstrdup(p, why_not);
    }
    const char *why = refusal(p, rule, *fd, st, hst);
    if (!why && st->st_size > cache.max_bytes)
        why = apr_psprintf(p, "refused: %" APR_OFF_T_FMT " bytes, more than "
                           "the %" APR_OFF_T_FMT " that AuthzPolicyHtaccess"
                           "Limits allows", (apr_off_t)st->st_size,
                           cache.max_bytes);
    if (why)
        close(*fd);
    return why;
}

/* The entry for key, pinned by uid's request for the life of p, once no
 * other thread is loading it; *load set when this thread is to read
 * version v into it, *why when it cannot be used. */
static datafile *claim_entry(apr_pool_t *p, const datafile_type *type,
                             const char *key, const char *path,
                             apr_uint64_t uid, const version *v, int *load,
                             const char **why)
{
    datafile *evicted, *df;
    int over;
    apr_thread_mutex_lock(cache.mu);
    df = entry_get(p, type, key, path, uid, &evicted, &over);
    while (df && df->loading)   /* only requests for this file wait */
        apr_thread_cond_wait(cache.loaded, cache.mu);
    *load = 0;
    if (over == OVER_BYTES) {
        const datafile *kept = apr_hash_get(cache.entries, key,
                                            APR_HASH_KEY_STRING);
        *why = apr_psprintf(p, "refused: requests under way for .htaccess "
                            "files of uid %" APR_UINT64_T_FMT " hold %"
                            APR_SIZE_T_FMT " parsed bytes of files named in "
                            "them already; with this one's %" APR_SIZE_T_FMT
                            ", more than their share, %" APR_SIZE_T_FMT
                            " of the %" APR_SIZE_T_FMT " this server process "
                            "keeps (AuthzPolicyHtaccessLimits)", uid,
                            bytes_held(uid, NULL), kept->kept,
                            owner_byte_share(uid), byte_budget());
    }
    else if (over)
        *why = apr_psprintf(p, "refused: requests under way for .htaccess "
                            "files of uid %" APR_UINT64_T_FMT " hold %u files "
                            "named in them already, their share of the %u "
                            "this server process keeps "
                            "(AuthzPolicyHtaccessLimits)", uid,
                            owner_share(uid), cache.max_files);
    else if (!df)
        *why = apr_psprintf(p, "refused: this server process keeps %u files "
                            "named in .htaccess files already, all in use "
                            "(AuthzPolicyHtaccessLimits)", cache.count);
    else if (df->cur && same_version(v, &df->cur->source))
        ;                               /* loaded and unchanged */
    else if (same_version(v, &df->failed)) {
        if (!df->cur)   /* else the last good version stays in force */
            *why = "this version failed to load when it was first read "
                   "(see that error); it is not read again until it changes";
    }
    else
        *load = df->loading = 1;
    apr_thread_mutex_unlock(cache.mu);
    if (evicted)
        entry_free(evicted);
    return df;
}

/* Loads or reuses a file named by an .htaccess file. */
const char *open_from_htaccess(cmd_parms *cmd, const datafile_type *type,
                               const char *path, const char *key,
                               const htaccess_files_rule *rule,
                               datafile **out)
{
    apr_pool_t *p = cmd->pool;
    const char *htaccess = cmd->directive ? cmd->directive->filename
                                          : cmd->config_file->name;
    /* httpd puts the .htaccess file's path before a directive's error */
    const char *named = apr_psprintf(p, "%s %s", type->kind, path);
    struct stat hst, st;
    int fd = -1;
    const char *why = open_allowed(p, cmd, path, rule, &fd, &st, &hst);
    if (why)
        return apr_psprintf(p, "%s: %s", named, why);
    version v;
    version_of(&st, &v);
    int load;
    datafile *df = claim_entry(p, type, key, path, (apr_uint64_t)hst.st_uid,
                               &v, &load, &why);

    if (load) {
        char buf[512];
        int again;
        /* the first version is read as it is; a change must settle */
        snapshot *fresh = load_fd(type, fd, &st, df->cur ? SETTLE_TIME : 0,
                                  df->cur ? &df->cur->source : NULL,
                                  cache.max_bytes, 0, buf, sizeof buf,
                                  &again);
        apr_array_header_t *evicted = apr_array_make(p, 4,
                                                     sizeof(datafile *));
        const char *no_room = fresh ? make_room(p, df, fresh->size,
                                                (apr_uint64_t)hst.st_uid,
                                                evicted) : NULL;
        for (int i = 0; i < evicted->nelts; i++) {
            datafile *old = APR_ARRAY_IDX(evicted, i, datafile *);
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, cmd->server,
                         AZPLOGNO(00032) "%s %s: no longer kept, to make "
                         "room for %s (the parsed bytes "
                         "AuthzPolicyHtaccessLimits allows)", old->type->kind,
                         old->path, path);
            entry_free(old);
        }
        if (no_room) {
            /* not a failed version: it may fit once requests end */
            snapshot_release(fresh);
            fresh = NULL;
            again = 1;
            if (!df->cur)
                why = no_room;
            else
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, cmd->server,
                             AZPLOGNO(00033) "%s (named in %s): %s; the "
                             "last good version stays in force", named,
                             htaccess, no_room);
        }
        if (fresh) {
            policy_metrics_htaccess_loaded(path, type->kind,
                                           (apr_uint64_t)hst.st_uid,
                                           fresh->entries, &fresh->source,
                                           sizeof fresh->source, !!df->cur);
            swap_current(df, fresh);
        }
        else if (no_room)
            ;
        else if (!df->cur)
            why = shown_why(p, buf, &st, hst.st_uid);
        else if (!again) {
            /* the status page shows what the log shows: a token of the
             * file only if the .htaccess file's owner could read it */
            const char *shown = shown_why(p, buf, &st, hst.st_uid);
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, cmd->server, AZPLOGNO(00034)
                         "%s (named in %s): %s; the last good version stays "
                         "in force", named, htaccess, shown);
            policy_metrics_htaccess_failed(path, type->kind,
                                           (apr_uint64_t)hst.st_uid, shown);
        }
        apr_thread_mutex_lock(cache.mu);
        if (!fresh && !again)           /* not read again until it changes */
            df->failed = v;
        df->loading = 0;
        apr_thread_cond_broadcast(cache.loaded);
        apr_thread_mutex_unlock(cache.mu);
        give_back_memory();
    }
    close(fd);
    if (why)
        return apr_psprintf(p, "%s: %s", named, why);
    *out = df;
    return NULL;
}

/* AuthzPolicyHtaccessLimits, for this configuration cycle. */
void htaccess_set_limits(apr_off_t max_bytes, unsigned max_files)
{
    cache.max_bytes = max_bytes;
    cache.max_files = max_files;
}

/* pre_config: an empty cache for this configuration cycle. */
void htaccess_init(apr_pool_t *pool)
{
    cache.entries = apr_hash_make(pool);
    cache.holds = apr_hash_make(pool);
    cache.holders = apr_hash_make(pool);
    cache.count = 0;
    cache.kept_bytes = 0;
    cache.max_bytes = DATAFILE_HTACCESS_BYTES;
    cache.max_files = DATAFILE_HTACCESS_FILES;
    apr_thread_mutex_create(&cache.mu, APR_THREAD_MUTEX_DEFAULT, pool);
    apr_thread_cond_create(&cache.loaded, pool);
    apr_thread_mutex_create(&cache.cur_mu, APR_THREAD_MUTEX_DEFAULT, pool);
    ap_configfile_t *devnull;
    if (ap_pcfg_openfile(&devnull, pool, "/dev/null") == APR_SUCCESS) {
        file_getch = devnull->getch;
        ap_cfg_closefile(devnull);
    }
}

/* At the end of a configuration cycle: frees every entry. */
void htaccess_forget(void)
{
    for (apr_hash_index_t *hi = apr_hash_first(NULL, cache.entries); hi;
         hi = apr_hash_next(hi))
        entry_free(apr_hash_this_val(hi));
    /* (no request is under way any more: none of these is left, as a
     * rule) */
    for (apr_hash_index_t *hi = apr_hash_first(NULL, cache.holds); hi;
         hi = apr_hash_next(hi))
        free(apr_hash_this_val(hi));
    for (apr_hash_index_t *hi = apr_hash_first(NULL, cache.holders); hi;
         hi = apr_hash_next(hi))
        free(apr_hash_this_val(hi));
}
