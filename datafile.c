/*
 * datafile: load-once, reload-on-change data files shared by every
 * process.  See datafile.h for the contract.
 *
 * An image file is the image followed by a 64-byte trailer (which source
 * version it was parsed from), so that a library that reads a file format
 * itself (libmaxminddb) can open the image file as it is.  It is only ever replaced by rename, so a
 * process that maps it never sees it change.  Next to it, "<name>.lock"
 * elects the one process that parses a changed source, and "<name>.bad"
 * names a source version that failed, so that nobody parses it again.
 */
#include "datafile.h"

#include "http_log.h"
#include "unixd.h"
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

APLOG_USE_MODULE(authz_policy);

/* How often a process looks at a file, and how long a changed source must
 * stay unchanged before it is read: a file being rewritten in place is not
 * read half-written. */
#define CHECK_INTERVAL apr_time_from_sec(1)
#define SETTLE_TIME    apr_time_from_sec(1)
/* What a writer that stalled mid-way leaves looks like a finished file to
 * a clock: an empty file, an in-place rewrite that made the file shorter,
 * or a text file whose last line is unfinished must stay unchanged this
 * long before it is believed. */
#define SUSPECT_SETTLE apr_time_from_sec(10)

#define IMAGE_MAGIC   "AZPIMG1"
#define IMAGE_TRAILER 64

typedef struct {                /* one version of a file; also on disk */
    apr_int64_t mtime;
    apr_int64_t size;
    apr_uint64_t ino;
    apr_uint64_t dev;
} version;

typedef struct {
    char pad[IMAGE_TRAILER - 8 - sizeof(version) - 8];
    version source;             /* what the image was parsed from */
    apr_uint64_t size;          /* image bytes before the trailer */
    char magic[8];
} image_trailer;

typedef struct {
    const void *image;
    apr_size_t size;
    const datafile_type *type;
    void *handle;               /* what requests get: the image, or the
                                   type's handle on it */
    void *map;                  /* mapped file, else the image is malloc'd */
    apr_size_t map_len;
    version source;
    apr_interval_time_t parse_time;
    apr_uint32_t refs;          /* under the datafile's mutex */
} snapshot;

struct datafile {
    const char *path;
    const datafile_type *type;
    apr_thread_mutex_t *mu;     /* guards cur, refs, next_check, checking */
    snapshot *cur;              /* NULL while the file is missing */
    apr_time_t next_check;
    int checking;               /* one thread looks at the files at once */
    /* published images; NULL: this process keeps its own copy */
    const char *image_path, *lock_path, *bad_path;
    version image;              /* the image file cur was mapped from */
    version failed;             /* a source version known not to parse */
    int missing_logged;
};

static struct {
    apr_pool_t *pool;
    apr_hash_t *files;          /* "kind\npath" -> datafile */
    apr_thread_mutex_t *mu;
    const char *image_dir;      /* set by the parent at post_config */
} registry;

/* ------------------------------------------------------------------ */
/* Snapshots                                                            */

static snapshot *snapshot_new(void)
{
    snapshot *snap = calloc(1, sizeof *snap);
    if (snap)
        snap->refs = 1;         /* held by datafile->cur */
    return snap;
}

static void snapshot_free(snapshot *snap)
{
    if (snap->type && snap->type->close && snap->handle)
        snap->type->close(snap->handle);
    if (snap->map)
        munmap(snap->map, snap->map_len);
    else
        free((void *)snap->image);
    free(snap);
}

static void snapshot_release(datafile *df, snapshot *snap)
{
    int last;
    apr_thread_mutex_lock(df->mu);
    last = (--snap->refs == 0);
    apr_thread_mutex_unlock(df->mu);
    if (last)
        snapshot_free(snap);
}

/* Replaces cur; the old snapshot goes when its last request is done. */
static void swap_current(datafile *df, snapshot *fresh)
{
    snapshot *old;
    apr_thread_mutex_lock(df->mu);
    old = df->cur;
    df->cur = fresh;
    apr_thread_mutex_unlock(df->mu);
    if (old)
        snapshot_release(df, old);
}

/* ------------------------------------------------------------------ */
/* Source files                                                         */

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

/* Reads the whole file.  EAGAIN: it changed less than settle ago, or
 * while being read (a writer is at work).  The rule is checked on the file
 * actually opened: it may have been truncated since it was last stat()ed.
 * prev: the version in force, to recognise an in-place rewrite that
 * shrank the file; lines: a text file, whose last line ends in a newline
 * when it is complete. */
static int read_file(const char *path, apr_interval_time_t settle,
                     const version *prev, int lines, char **buf,
                     apr_size_t *len, version *v)
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
    version_of(&before, v);
    apr_time_t now = apr_time_now();
    apr_interval_time_t age = v->mtime <= now ? now - v->mtime : 0;
    if (settle && (v->size == 0
                   || (prev && v->ino == prev->ino && v->dev == prev->dev
                       && v->size < prev->size)))
        settle = SUSPECT_SETTLE;
    if (settle && age < settle) {
        close(fd);
        return EAGAIN;
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
    if (!changed && settle && lines && n > 0 && b[n - 1] != '\n'
        && age < SUSPECT_SETTLE)
        changed = 1;                    /* an unfinished last line */
    if (changed) {
        free(b);
        return EAGAIN;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Parses path into a heap snapshot; on error fills err (naming the file)
 * and returns NULL, with *again set when it was only caught mid-write.
 * settle: 0 at startup (read what is there), SETTLE_TIME on reloads. */
static snapshot *load(const datafile_type *type, const char *path,
                      apr_interval_time_t settle, const version *prev,
                      char *err, apr_size_t errlen, int *again)
{
    char *buf = NULL;
    apr_size_t len = 0, size = 0;
    version v;
    *again = 0;
    int e = read_file(path, settle, prev, type->lines, &buf, &len, &v);
    if (e) {
        *again = (e == EAGAIN);
        apr_snprintf(err, errlen, "%s %s: cannot read: %s", type->kind, path,
                     e == EAGAIN ? "it changed while being read"
                                 : strerror(e));
        return NULL;
    }
    char why[512];
    apr_time_t start = apr_time_now();
    void *image = type->compile(buf, len, &size, why, sizeof why);
    apr_interval_time_t took = apr_time_now() - start;
    free(buf);
    if (!image) {
        apr_snprintf(err, errlen, "%s %s: %s", type->kind, path, why);
        return NULL;
    }
    snapshot *snap = snapshot_new();
    if (!snap) {
        free(image);
        apr_snprintf(err, errlen, "%s %s: out of memory", type->kind, path);
        return NULL;
    }
    snap->image = image;
    snap->size = size;
    snap->type = type;
    snap->handle = type->open ? type->open(NULL, image, size) : image;
    snap->source = v;
    snap->parse_time = took;
    if (!snap->handle) {
        snapshot_free(snap);
        apr_snprintf(err, errlen, "%s %s: cannot be opened", type->kind, path);
        return NULL;
    }
    return snap;
}

/* ------------------------------------------------------------------ */
/* Image files                                                          */

/* Writes path by rename: nobody ever maps half a file. */
static int write_by_rename(const char *path, const void *a, apr_size_t alen,
                           const void *b, apr_size_t blen)
{
    char *tmp = malloc(strlen(path) + 32);
    if (!tmp)
        return ENOMEM;
    sprintf(tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return e;
    }
    const struct { const char *p; apr_size_t n; } part[2] = { { a, alen },
                                                               { b, blen } };
    int e = 0;
    for (int i = 0; i < 2 && !e; i++) {
        const char *p = part[i].p;
        apr_size_t left = part[i].n;
        while (left > 0) {
            ssize_t n = write(fd, p, left);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                e = errno;
                break;
            }
            p += n;
            left -= (apr_size_t)n;
        }
    }
    if (close(fd) < 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) < 0)
        e = errno;
    if (e)
        unlink(tmp);
    free(tmp);
    return e;
}

static int publish(const datafile *df, const snapshot *snap)
{
    image_trailer t;
    memset(&t, 0, sizeof t);
    memcpy(t.magic, IMAGE_MAGIC, sizeof t.magic);
    t.source = snap->source;
    t.size = snap->size;
    return write_by_rename(df->image_path, snap->image, snap->size, &t,
                           sizeof t);
}

/* Maps an image file; NULL with errno set when it is absent or unusable. */
static snapshot *map_image(const datafile *df, version *file)
{
    struct stat st;
    int fd = open(df->image_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || st.st_size <= IMAGE_TRAILER) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    apr_size_t len = (apr_size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return NULL;
    image_trailer t;
    memcpy(&t, (const char *)map + len - IMAGE_TRAILER, sizeof t);
    snapshot *snap = NULL;
    if (memcmp(t.magic, IMAGE_MAGIC, sizeof t.magic) == 0
        && t.size == len - IMAGE_TRAILER
        && df->type->valid(map, len - IMAGE_TRAILER))
        snap = snapshot_new();
    if (!snap) {
        munmap(map, len);
        errno = EINVAL;
        return NULL;
    }
    snap->image = map;
    snap->size = len - IMAGE_TRAILER;
    snap->type = df->type;
    snap->map = map;
    snap->map_len = len;
    snap->source = t.source;
    snap->handle = df->type->open ? df->type->open(df->image_path, map,
                                                   snap->size)
                                  : map;
    if (!snap->handle) {
        snapshot_free(snap);
        errno = EINVAL;
        return NULL;
    }
    version_of(&st, file);
    return snap;
}

/* Maps the published image again if it was replaced; drops cur if it was
 * withdrawn. */
static void follow_image(datafile *df, server_rec *s)
{
    struct stat st;
    version v;
    if (stat(df->image_path, &st) < 0) {
        if (df->cur)
            swap_current(df, NULL);
        memset(&df->image, 0, sizeof df->image);
        return;
    }
    version_of(&st, &v);
    if (df->cur && same_version(&v, &df->image))
        return;
    snapshot *fresh = map_image(df, &v);
    if (!fresh) {
        if (errno != ENOENT)
            ap_log_error(APLOG_MARK, APLOG_ERR, errno, s,
                         "%s %s: cannot map %s", df->type->kind, df->path,
                         df->image_path);
        return;
    }
    swap_current(df, fresh);
    df->image = v;
}

/* The source version another process found bad, if any. */
static int known_bad(const datafile *df, const version *v)
{
    version bad;
    int fd = open(df->bad_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, &bad, sizeof bad);
    close(fd);
    return n == (ssize_t)sizeof bad && same_version(&bad, v);
}

/* ------------------------------------------------------------------ */
/* Looking at the files, once a second per process                      */

/* The source as it is now: 1 and *v when it is there and settled, 0 when
 * there is nothing new to do, -1 when it is missing. */
static int source_state(datafile *df, server_rec *s, apr_time_t now,
                        version *v)
{
    struct stat st;
    (void)s;
    if (stat(df->path, &st) < 0)
        return errno == ENOENT ? -1 : 0;
    df->missing_logged = 0;
    version_of(&st, v);
    if ((df->cur && same_version(v, &df->cur->source))
        || same_version(v, &df->failed))
        return 0;
    if (v->mtime <= now && now - v->mtime < SETTLE_TIME)
        return 0;                       /* let the writer finish */
    return 1;
}

/* Parses the source; a failure is logged and remembered in df->failed
 * (*bad set) unless the file was only caught mid-write. */
static snapshot *reload(datafile *df, server_rec *s, const version *v,
                        int *bad)
{
    *bad = 0;
    char err[1024];
    int again;
    snapshot *fresh = load(df->type, df->path, SETTLE_TIME,
                           df->cur ? &df->cur->source : NULL, err,
                           sizeof err, &again);
    if (fresh) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "%s %s reloaded: %" APR_SIZE_T_FMT " entries",
                     df->type->kind, df->path,
                     df->type->count ? df->type->count(fresh->image) : 0);
    }
    else if (!again) {
        df->failed = *v;
        *bad = 1;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "%s; the last good version stays in force", err);
    }
    return fresh;
}

static void log_missing(datafile *df, server_rec *s)
{
    if (!df->missing_logged)
        ap_log_error(APLOG_MARK, APLOG_ERR, ENOENT, s,
                     "%s %s has gone: requests that need it are denied "
                     "(500) until it is back", df->type->kind, df->path);
    df->missing_logged = 1;
}

/* A parse allocates and frees megabytes in whichever thread did it; glibc
 * would keep them in that thread's arena.  Reloads are rare: give the
 * memory back to the system each time. */
static void give_back_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* A process with its own copy (no image directory). */
static void step_alone(datafile *df, server_rec *s, apr_time_t now)
{
    version v;
    int st = source_state(df, s, now, &v);
    if (st < 0 && df->cur) {
        log_missing(df, s);
        swap_current(df, NULL);                 /* fail closed */
    }
    else if (st > 0) {
        int bad;
        snapshot *fresh = reload(df, s, &v, &bad);
        if (fresh)
            swap_current(df, fresh);
        give_back_memory();
    }
}

/* A process following published images. */
static void step_images(datafile *df, server_rec *s, apr_time_t now)
{
    version v;
    follow_image(df, s);
    int st = source_state(df, s, now, &v);
    if (st == 0 || (st < 0 && !df->cur))
        return;                 /* nothing new, or already withdrawn */
    if (st > 0 && known_bad(df, &v)) {
        df->failed = v;
        return;
    }
    /* One process acts for all: whoever takes the lock. */
    int fd = open(df->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (fd >= 0)
            close(fd);
        return;                         /* busy: follow its result later */
    }
    follow_image(df, s);                /* someone may have just done it */
    if (st < 0) {
        if (unlink(df->image_path) == 0)
            log_missing(df, s);
        swap_current(df, NULL);
    }
    else if (!df->cur || !same_version(&v, &df->cur->source)) {
        int bad;
        snapshot *fresh = reload(df, s, &v, &bad);
        if (fresh) {
            int e = publish(df, fresh);
            if (e)
                ap_log_error(APLOG_MARK, APLOG_ERR, e, s,
                             "%s %s: cannot write %s; the last good version "
                             "stays in force", df->type->kind, df->path,
                             df->image_path);
            snapshot_free(fresh);
            follow_image(df, s);
        }
        else if (bad) {
            /* nobody parses this version again */
            write_by_rename(df->bad_path, &v, sizeof v, NULL, 0);
        }
        give_back_memory();
    }
    close(fd);                          /* releases the lock */
}

/* ------------------------------------------------------------------ */
/* The registry                                                         */

static apr_uint64_t hash64(const char *s)
{
    apr_uint64_t h = APR_UINT64_C(1469598103934665603);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= APR_UINT64_C(1099511628211);
    }
    return h;
}

static void set_image_paths(datafile *df, const char *key)
{
    const char *base = apr_psprintf(registry.pool, "%s/%016" APR_UINT64_T_HEX_FMT,
                                    registry.image_dir, hash64(key));
    df->image_path = apr_pstrcat(registry.pool, base, ".img", NULL);
    df->lock_path = apr_pstrcat(registry.pool, base, ".lock", NULL);
    df->bad_path = apr_pstrcat(registry.pool, base, ".bad", NULL);
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
    memset(&registry, 0, sizeof registry);
    return APR_SUCCESS;
}

void datafile_registry_init(apr_pool_t *pconf)
{
    /* Our own pool: .htaccess files open data files at request time, from
     * many threads, and pconf is not ours to allocate from then. */
    apr_pool_create(&registry.pool, pconf);
    registry.files = apr_hash_make(registry.pool);
    registry.image_dir = NULL;
    apr_thread_mutex_create(&registry.mu, APR_THREAD_MUTEX_DEFAULT,
                            registry.pool);
    apr_pool_cleanup_register(registry.pool, NULL, registry_cleanup,
                              apr_pool_cleanup_null);
}

const char *datafile_open(apr_pool_t *p, const datafile_type *type,
                          const char *path, datafile **out)
{
    const char *key = apr_pstrcat(p, type->kind, "\n", path, NULL);
    const char *err = NULL;

    apr_thread_mutex_lock(registry.mu);
    datafile *df = apr_hash_get(registry.files, key, APR_HASH_KEY_STRING);
    if (!df) {
        apr_pool_t *rp = registry.pool;
        datafile *fresh = apr_pcalloc(rp, sizeof *fresh);
        fresh->path = apr_pstrdup(rp, path);
        fresh->type = type;
        apr_thread_mutex_create(&fresh->mu, APR_THREAD_MUTEX_DEFAULT, rp);
        /* At request time (an .htaccess file), another process may have
         * published it already: share that version. */
        if (registry.image_dir) {
            set_image_paths(fresh, key);
            version v;
            fresh->cur = map_image(fresh, &v);
            if (fresh->cur)
                fresh->image = v;
        }
        if (!fresh->cur) {
            char buf[1024];
            int again;
            /* at startup, or first named by an .htaccess file: read what
             * is there now */
            fresh->cur = load(type, path, 0, NULL, buf, sizeof buf, &again);
            if (!fresh->cur)
                err = apr_pstrdup(p, buf);
            else if (fresh->image_path && !publish(fresh, fresh->cur)) {
                version v;
                snapshot *mapped = map_image(fresh, &v);
                if (mapped) {
                    snapshot_free(fresh->cur);
                    fresh->cur = mapped;
                    fresh->image = v;
                }
            }
        }
        if (fresh->cur) {
            fresh->next_check = apr_time_now() + CHECK_INTERVAL;
            apr_hash_set(registry.files, apr_pstrdup(rp, key),
                         APR_HASH_KEY_STRING, fresh);
            df = fresh;
        }
    }
    apr_thread_mutex_unlock(registry.mu);
    *out = df;
    return err;
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
    if (due) {
        if (df->image_path)
            step_images(df, s, now);
        else
            step_alone(df, s, now);
        apr_thread_mutex_lock(df->mu);
        df->next_check = now + CHECK_INTERVAL;
        df->checking = 0;
        apr_thread_mutex_unlock(df->mu);
    }

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
    return snap->handle;
}

void datafile_child_init(void)
{
    if (!registry.files)
        return;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.files); hi;
         hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        df->next_check = 0;         /* look at the image at once */
    }
}

void datafile_publish(apr_pool_t *pconf, server_rec *s)
{
    const char *dir = ap_runtime_dir_relative(pconf, "authz_policy");
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s,
                     "cannot create %s: every server process keeps its own "
                     "copy of the data files", dir);
        return;
    }
    /* Children (the server's User) publish new versions here. */
    if (geteuid() == 0
        && chown(dir, ap_unixd_config.user_id, ap_unixd_config.group_id) < 0)
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s,
                     "cannot hand %s to the server's user: reloads will "
                     "be done by each process for itself", dir);
    registry.image_dir = apr_pstrdup(registry.pool, dir);

    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.files); hi;
         hi = apr_hash_next(hi)) {
        const void *key;
        void *val;
        apr_hash_this(hi, &key, NULL, &val);
        datafile *df = val;
        set_image_paths(df, key);
        unlink(df->bad_path);
        int e = df->cur ? publish(df, df->cur) : EINVAL;
        version v;
        snapshot *mapped = e ? NULL : map_image(df, &v);
        if (!mapped) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, e ? e : errno, s,
                         "%s %s: cannot publish %s; each server process "
                         "will keep its own copy", df->type->kind, df->path,
                         df->image_path);
            df->image_path = df->lock_path = df->bad_path = NULL;
            continue;
        }
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "%s %s: %" APR_SIZE_T_FMT " entries, %" APR_SIZE_T_FMT
                     " bytes shared by all processes, parsed in %.3f s",
                     df->type->kind, df->path,
                     df->type->count ? df->type->count(mapped->image) : 0,
                     mapped->size, (double)df->cur->parse_time / 1e6);
        swap_current(df, mapped);       /* one copy, shared by children */
        df->image = v;
    }
}
