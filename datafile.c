/*
 * datafile: load-once, reload-on-change data files with reference-counted
 * snapshots.  See datafile.h for the contract.
 */
#include "datafile.h"

#include "http_log.h"
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

APLOG_USE_MODULE(authz_policy);

/* How often a process looks at a file's metadata, and how long a changed
 * file must stay unchanged before it is read: a file being rewritten in
 * place is not read half-written. */
#define CHECK_INTERVAL apr_time_from_sec(1)
#define SETTLE_TIME    apr_time_from_sec(1)

typedef struct {
    void *data;
    const datafile_type *type;
    apr_uint32_t refs;          /* under the datafile's mutex */
} snapshot;

typedef struct {                /* identifies one version of a file */
    apr_time_t mtime;
    apr_off_t size;
    ino_t ino;
    dev_t dev;
} version;

struct datafile {
    const char *path;
    const datafile_type *type;
    apr_thread_mutex_t *mu;
    snapshot *cur;              /* NULL while the file is missing */
    version loaded;             /* the version cur was read from */
    version failed;             /* last version that failed: logged once */
    apr_time_t next_check;
    int checking;
    int missing_logged;
};

static struct {
    apr_pool_t *pool;
    apr_hash_t *files;          /* "kind\0path" -> datafile */
    apr_thread_mutex_t *mu;
} registry;

static void snapshot_release(datafile *df, snapshot *snap)
{
    int last;
    apr_thread_mutex_lock(df->mu);
    last = (--snap->refs == 0);
    apr_thread_mutex_unlock(df->mu);
    if (last) {
        snap->type->free(snap->data);
        free(snap);
    }
}

static apr_status_t registry_cleanup(void *unused)
{
    (void)unused;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.files); hi;
         hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        if (df->cur)
            snapshot_release(df, df->cur);
        df->cur = NULL;
    }
    registry.pool = NULL;
    registry.files = NULL;
    return APR_SUCCESS;
}

void datafile_registry_init(apr_pool_t *pconf)
{
    /* Our own pool: .htaccess files open data files at request time, from
     * many threads, and pconf is not ours to allocate from then. */
    apr_pool_create(&registry.pool, pconf);
    registry.files = apr_hash_make(registry.pool);
    apr_thread_mutex_create(&registry.mu, APR_THREAD_MUTEX_DEFAULT,
                            registry.pool);
    apr_pool_cleanup_register(registry.pool, NULL, registry_cleanup,
                              apr_pool_cleanup_null);
}

static int same_version(const version *a, const version *b)
{
    return a->mtime == b->mtime && a->size == b->size && a->ino == b->ino
           && a->dev == b->dev;
}

static void version_of(const struct stat *st, version *v)
{
    v->mtime = apr_time_from_sec(st->st_mtim.tv_sec)
               + st->st_mtim.tv_nsec / 1000;
    v->size = st->st_size;
    v->ino = st->st_ino;
    v->dev = st->st_dev;
}

/* Reads the whole file.  Fails with EAGAIN when the file changed while it
 * was being read (a writer is at work): the caller tries again later. */
static int read_file(const char *path, char **buf, apr_size_t *len,
                     version *v)
{
    struct stat before, after;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (fstat(fd, &before) < 0 || !S_ISREG(before.st_mode)) {
        int e = S_ISREG(before.st_mode) ? errno : EINVAL;
        close(fd);
        return e;
    }
    apr_size_t cap = (apr_size_t)before.st_size + 1, n = 0;
    char *b = malloc(cap);
    if (!b) {
        close(fd);
        return ENOMEM;
    }
    for (;;) {
        if (n == cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                close(fd);
                return ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, b + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(b);
            close(fd);
            return e;
        }
        if (got == 0)
            break;
        n += (apr_size_t)got;
    }
    int changed = fstat(fd, &after) < 0 || after.st_size != before.st_size
                  || after.st_mtim.tv_sec != before.st_mtim.tv_sec
                  || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec
                  || (apr_off_t)n != (apr_off_t)before.st_size;
    close(fd);
    if (changed) {
        free(b);
        return EAGAIN;
    }
    version_of(&before, v);
    *buf = b;
    *len = n;
    return 0;
}

/* Loads path; on error fills err (naming the file) and returns NULL. */
static snapshot *load(const datafile_type *type, const char *path,
                      version *v, char *err, apr_size_t errlen)
{
    char *buf = NULL;
    apr_size_t len = 0;
    int e = read_file(path, &buf, &len, v);
    if (e) {
        apr_snprintf(err, errlen, "%s %s: cannot read: %s", type->kind, path,
                     e == EAGAIN ? "it changed while being read"
                                 : strerror(e));
        return NULL;
    }
    char why[512];
    void *data = type->load(buf, len, why, sizeof why);
    free(buf);
    if (!data) {
        apr_snprintf(err, errlen, "%s %s: %s", type->kind, path, why);
        return NULL;
    }
    snapshot *snap = calloc(1, sizeof *snap);
    if (!snap) {
        type->free(data);
        apr_snprintf(err, errlen, "%s %s: out of memory", type->kind, path);
        return NULL;
    }
    snap->data = data;
    snap->type = type;
    snap->refs = 1;             /* held by datafile->cur */
    return snap;
}

const char *datafile_open(apr_pool_t *p, const datafile_type *type,
                          const char *path, datafile **out)
{
    const char *key = apr_pstrcat(p, type->kind, "\n", path, NULL);
    const char *err = NULL;

    apr_thread_mutex_lock(registry.mu);
    datafile *df = apr_hash_get(registry.files, key, APR_HASH_KEY_STRING);
    if (!df) {
        char buf[1024];
        version v;
        snapshot *snap = load(type, path, &v, buf, sizeof buf);
        if (!snap) {
            err = apr_pstrdup(p, buf);
        }
        else {
            apr_pool_t *rp = registry.pool;
            df = apr_pcalloc(rp, sizeof *df);
            df->path = apr_pstrdup(rp, path);
            df->type = type;
            df->cur = snap;
            df->loaded = v;
            df->next_check = apr_time_now() + CHECK_INTERVAL;
            apr_thread_mutex_create(&df->mu, APR_THREAD_MUTEX_DEFAULT, rp);
            apr_hash_set(registry.files, apr_pstrdup(rp, key),
                         APR_HASH_KEY_STRING, df);
        }
    }
    apr_thread_mutex_unlock(registry.mu);
    *out = df;
    return err;
}

/* Looks at the file and reloads it when a new, settled version is there.
 * Runs in one thread at a time per file (df->checking). */
static void check(datafile *df, server_rec *s, apr_time_t now)
{
    struct stat st;
    version v;
    snapshot *fresh = NULL, *old = NULL;
    apr_time_t next = now + CHECK_INTERVAL;
    int missing = 0;

    if (stat(df->path, &st) < 0) {
        missing = (errno == ENOENT);
        if (!df->missing_logged)
            ap_log_error(APLOG_MARK, APLOG_ERR, errno, s,
                         "%s %s: cannot be read; %s", df->type->kind,
                         df->path, missing ? "requests that need it are "
                         "denied (500) until it is back"
                         : "the last good version stays in force");
        df->missing_logged = 1;
    }
    else {
        version_of(&st, &v);
        if (df->missing_logged)
            df->missing_logged = 0;
        if ((df->cur && same_version(&v, &df->loaded))
            || same_version(&v, &df->failed)) {
            /* unchanged, or a version already found bad */
        }
        else if (now - v.mtime < SETTLE_TIME && v.mtime <= now) {
            next = v.mtime + SETTLE_TIME;        /* let the writer finish */
        }
        else {
            char err[1024];
            fresh = load(df->type, df->path, &v, err, sizeof err);
            if (!fresh && strstr(err, "changed while being read")) {
                next = now + SETTLE_TIME;
            }
            else if (!fresh) {
                df->failed = v;
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                             "%s%s", err, df->cur
                             ? "; the last good version stays in force" : "");
            }
            else {
                ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                             "%s %s reloaded: %" APR_SIZE_T_FMT " entries",
                             df->type->kind, df->path,
                             df->type->describe(fresh->data));
            }
        }
    }

    apr_thread_mutex_lock(df->mu);
    if (fresh) {
        old = df->cur;
        df->cur = fresh;
        df->loaded = v;
    }
    else if (missing && df->cur) {
        old = df->cur;                    /* fail closed: 500 until back */
        df->cur = NULL;
        memset(&df->loaded, 0, sizeof df->loaded);
    }
    df->next_check = next;
    df->checking = 0;
    apr_thread_mutex_unlock(df->mu);
    if (old)
        snapshot_release(df, old);
}

static apr_status_t release_cleanup(void *arg)
{
    void **pair = arg;
    snapshot_release(pair[0], pair[1]);
    return APR_SUCCESS;
}

const void *datafile_acquire(datafile *df, apr_pool_t *pool, server_rec *s)
{
    apr_time_t now = apr_time_now();
    int due = 0;
    snapshot *snap;

    apr_thread_mutex_lock(df->mu);
    if (!df->checking && now >= df->next_check) {
        df->checking = 1;
        due = 1;
    }
    apr_thread_mutex_unlock(df->mu);
    if (due)
        check(df, s, now);

    apr_thread_mutex_lock(df->mu);
    snap = df->cur;
    if (snap)
        snap->refs++;
    apr_thread_mutex_unlock(df->mu);
    if (!snap) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "%s %s is not available", df->type->kind, df->path);
        return NULL;
    }
    void **pair = apr_palloc(pool, 2 * sizeof(void *));
    pair[0] = df;
    pair[1] = snap;
    apr_pool_cleanup_register(pool, pair, release_cleanup,
                              apr_pool_cleanup_null);
    return snap->data;
}

const char *datafile_path(const datafile *df)
{
    return df->path;
}
