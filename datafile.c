/*
 * datafile: load-once, reload-on-change data files.  See datafile.h for
 * the contract and docs/design.md for the threat model it answers.
 *
 * Three homes for a version of a file:
 * - the parent's carry store (malloc'd, kept in the process pool's user
 *   data, so it outlives the module's own unloading at a restart): the
 *   last good version of every configured file, which children inherit;
 * - a configured file's current snapshot in a child, either that
 *   inherited version or one the child parsed itself after a change;
 * - an .htaccess entry: a bounded, per-process cache of files named by
 *   .htaccess files, each loaded by the child that first needed it.
 */
#include "datafile.h"
#include "metrics.h"

#include "http_core.h"
#include "http_log.h"
#include "unixd.h"
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* read_file's own failures, beside errno values */
#define ERR_NOT_REGULAR (-1)
#define ERR_TOO_LARGE   (-2)

typedef struct {                /* one version of a file */
    apr_int64_t mtime;
    apr_int64_t size;
    apr_uint64_t ino;
    apr_uint64_t dev;
} version;

typedef struct {
    const void *image;          /* NULL once a handle was made from it */
    apr_size_t size;
    apr_size_t entries;
    const datafile_type *type;
    void *handle;               /* what requests get: the image, or the
                                   type's handle on it */
    version source;
    apr_interval_time_t parse_time;
    apr_uint32_t refs;          /* atomic: datafile->cur and requests */
    int carried;                /* the image belongs to the carry store */
} snapshot;

/* What the server's processes tell each other about a configured file,
 * in memory the parent shares with its children (never a file): a version
 * that failed to load is parsed and logged by one process only, and a
 * vanished file is logged once. */
typedef struct {
    apr_uint32_t lock;          /* a spin lock: held for a few reads */
    apr_uint32_t missing;       /* the loss is logged */
    apr_uint32_t stale_logged;
    version bad;
    version good;               /* the newest version any process loaded */
} shared_note;

struct datafile {
    char *path;
    const datafile_type *type;
    pthread_mutex_t mu;         /* guards cur, checking */
    pthread_cond_t checked;     /* a check ended (while cur is NULL) */
    snapshot *cur;              /* NULL while the file is missing */
    int checking;               /* the reload thread looks at it now */
    version failed;             /* a source version known not to load */
    int missing_logged;
    shared_note *note;          /* configured files; NULL: not shared */
    /* .htaccess entries; under registry.mu */
    int htaccess;
    char *key;
    unsigned pins;              /* live configurations that name it */
    int loading;                /* a thread is reading it */
    apr_time_t last_used;
};

/* The parent's last good version of each configured file. */
typedef struct carried {
    struct carried *next;
    char *key;                  /* "kind\npath" */
    version source;
    void *image;
    apr_size_t size;
    apr_interval_time_t parse_time;
    int configured;             /* named by the configuration being read */
} carried;

typedef struct {
    carried *head;
    int started;                /* a first start has completed */
} carry_store;

static struct {
    apr_pool_t *pool;           /* this configuration cycle's */
    apr_hash_t *configured;     /* "kind\npath" -> datafile */
    apr_shm_t *notes;
    carry_store *carry;
    int in_child;
    pthread_mutex_t mu;         /* guards what follows */
    pthread_cond_t loaded;      /* an .htaccess entry finished loading */
    apr_hash_t *htaccess;       /* "kind\npath" -> datafile */
    unsigned nhtaccess;
    apr_hash_t *inodes;         /* inode_key -> inode_use */
    apr_off_t max_bytes;
    unsigned max_files;
} registry;

/* ------------------------------------------------------------------ */
/* Versions and snapshots                                               */

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
    /* In a child, an inherited image is the child's own copy. */
    if (!snap->carried || registry.in_child)
        free((void *)snap->image);
    free(snap);
}

static void snapshot_release(snapshot *snap)
{
    if (apr_atomic_dec32(&snap->refs) == 0)
        snapshot_free(snap);
}

/* Which inodes are loaded as data files, for datafile_is_loaded(). */
typedef struct {
    apr_uint64_t dev, ino;
} inode_key;
typedef struct {
    inode_key key;
    unsigned uses;
} inode_use;

static void count_inode(const version *v, int delta)
{
    inode_key k = { v->dev, v->ino };
    pthread_mutex_lock(&registry.mu);
    inode_use *u = apr_hash_get(registry.inodes, &k, sizeof k);
    if (!u && delta > 0 && (u = calloc(1, sizeof *u)) != NULL) {
        u->key = k;
        apr_hash_set(registry.inodes, &u->key, sizeof u->key, u);
    }
    if (u) {
        u->uses += delta;
        if (u->uses == 0) {
            apr_hash_set(registry.inodes, &u->key, sizeof u->key, NULL);
            free(u);
        }
    }
    pthread_mutex_unlock(&registry.mu);
}

/* Replaces cur; the old snapshot goes when its last request is done.
 * Never called with registry.mu held. */
static void swap_current(datafile *df, snapshot *fresh)
{
    pthread_mutex_lock(&df->mu);
    snapshot *old = df->cur;
    df->cur = fresh;
    pthread_mutex_unlock(&df->mu);
    if (fresh)
        count_inode(&fresh->source, 1);
    if (old) {
        count_inode(&old->source, -1);
        snapshot_release(old);
    }
}

/* ------------------------------------------------------------------ */
/* Reading a file                                                       */

/* Why a file could not be read (read_file's own failures or an errno). */
static void describe_read_error(int e, char *why, apr_size_t whylen)
{
    if (e == ERR_NOT_REGULAR)
        apr_cpystrn(why, "not a regular file: refused without reading it",
                    whylen);
    else if (e == ERR_TOO_LARGE)
        apr_cpystrn(why, "larger than AuthzPolicyHtaccessLimits allows",
                    whylen);
    else if (e == EAGAIN)
        apr_cpystrn(why, "cannot read: it changed while being read", whylen);
    else
        apr_snprintf(why, whylen, "cannot read: %s", strerror(e));
}

/* Opens path for reading only if it is a regular file: stat() first, so
 * that a FIFO or a device is never opened, then the opened descriptor
 * (non-blocking) is checked to be that same regular file. */
static int open_regular(const char *path, int *fd, struct stat *st)
{
    struct stat named;
    if (stat(path, &named) < 0)
        return errno;
    if (!S_ISREG(named.st_mode))
        return ERR_NOT_REGULAR;
    *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (*fd < 0)
        return errno;
    if (fstat(*fd, st) < 0 || !S_ISREG(st->st_mode)
        || st->st_dev != named.st_dev || st->st_ino != named.st_ino) {
        int e = S_ISREG(st->st_mode) ? EAGAIN : ERR_NOT_REGULAR;
        close(*fd);
        return e;
    }
    return 0;
}

/* Reads the whole of the opened file fd (as fstat()ed in before).  EAGAIN:
 * it changed less than settle ago, or while being read (a writer is at
 * work).  The rule is checked on the file actually opened: it may have
 * been truncated since it was last stat()ed.  prev: the version in force,
 * to recognise an in-place rewrite that shrank the file; lines: a text
 * file, whose last line ends in a newline when it is complete; max: the
 * largest size allowed, 0 for no limit. */
static int read_file(int fd, const struct stat *before,
                     apr_interval_time_t settle, const version *prev,
                     int lines, apr_off_t max, char **buf, apr_size_t *len,
                     version *v)
{
    struct stat after;
    version_of(before, v);
    if (max && before->st_size > max)
        return ERR_TOO_LARGE;
    apr_time_t now = apr_time_now();
    apr_interval_time_t age = v->mtime <= now ? now - v->mtime : 0;
    if (settle && (v->size == 0
                   || (prev && v->ino == prev->ino && v->dev == prev->dev
                       && v->size < prev->size)))
        settle = SUSPECT_SETTLE;
    if (settle && age < settle)
        return EAGAIN;
    apr_size_t cap = (apr_size_t)before->st_size + 1, n = 0;
    char *b = malloc(cap);
    if (!b)
        return ENOMEM;
    for (;;) {
        if (n == cap) {
            if (max && (apr_off_t)n > max) {
                free(b);
                return ERR_TOO_LARGE;   /* it grew while being read */
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
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
            return e;
        }
        if (got == 0)
            break;
        n += (apr_size_t)got;
    }
    int changed = fstat(fd, &after) < 0 || after.st_size != before->st_size
                  || after.st_mtim.tv_sec != before->st_mtim.tv_sec
                  || after.st_mtim.tv_nsec != before->st_mtim.tv_nsec
                  || (apr_off_t)n != (apr_off_t)before->st_size;
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

/* Parses the file read from fd into a snapshot; NULL with why (the
 * reason, without the path) on error, *again set when the file was only
 * caught mid-write.  keep_image: the image outlives the handle made from
 * it (the parent keeps it to carry over restarts). */
static snapshot *load_fd(const datafile_type *type, int fd,
                         const struct stat *st, apr_interval_time_t settle,
                         const version *prev, apr_off_t max, int keep_image,
                         char *why, apr_size_t whylen, int *again)
{
    char *buf = NULL;
    apr_size_t len = 0, size = 0;
    version v;
    *again = 0;
    int e = read_file(fd, st, settle, prev, type->lines, max, &buf, &len, &v);
    if (e) {
        *again = (e == EAGAIN);
        describe_read_error(e, why, whylen);
        return NULL;
    }
    apr_time_t start = apr_time_now();
    void *image = type->compile(buf, len, &size, why, whylen);
    apr_interval_time_t took = apr_time_now() - start;
    free(buf);
    if (!image)
        return NULL;
    snapshot *snap = snapshot_new();
    if (!snap) {
        free(image);
        apr_snprintf(why, whylen, "out of memory");
        return NULL;
    }
    snap->image = image;
    snap->size = size;
    snap->entries = type->count ? type->count(image) : 0;
    snap->type = type;
    snap->source = v;
    snap->parse_time = took;
    snap->handle = type->open ? type->open(image, size) : image;
    if (!snap->handle) {
        snapshot_free(snap);
        apr_snprintf(why, whylen, "cannot be opened");
        return NULL;
    }
    if (type->open && !keep_image) {
        free(image);
        snap->image = NULL;
    }
    return snap;
}

static snapshot *load_path(const datafile_type *type, const char *path,
                           apr_interval_time_t settle, const version *prev,
                           int keep_image, char *why, apr_size_t whylen,
                           int *again)
{
    int fd;
    struct stat st;
    int e = open_regular(path, &fd, &st);
    if (e) {
        *again = (e == EAGAIN);
        describe_read_error(e, why, whylen);
        return NULL;
    }
    snapshot *snap = load_fd(type, fd, &st, settle, prev, 0, keep_image,
                             why, whylen, again);
    close(fd);
    return snap;
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

/* Reloads run in whichever worker thread saw the change.  glibc raises its
 * mmap threshold each time a large block is freed, after which parses
 * take their megabytes from that thread's arena, which keeps them: under
 * a threaded MPM every reload would grow the process.  A fixed threshold
 * keeps large blocks (images, read buffers, parse tables) in mappings of
 * their own that go back to the system when freed. */
static void fix_mmap_threshold(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

/* ------------------------------------------------------------------ */
/* The carry store (parent only)                                        */

static carried *carry_find(const char *key)
{
    for (carried *c = registry.carry->head; c; c = c->next)
        if (!strcmp(c->key, key))
            return c;
    return NULL;
}

/* Makes snap's image the carried version of key. */
static void carry_put(const char *key, snapshot *snap)
{
    carried *c = carry_find(key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || !(c->key = strdup(key))) {
            free(c);
            return;                     /* not carried: freed with snap */
        }
        c->next = registry.carry->head;
        registry.carry->head = c;
    }
    else if (c->image != snap->image) {
        free(c->image);
    }
    c->image = (void *)snap->image;
    c->size = snap->size;
    c->source = snap->source;
    c->parse_time = snap->parse_time;
    c->configured = 1;
    snap->carried = 1;
}

static snapshot *from_carried(const datafile_type *type, const carried *c)
{
    snapshot *snap = snapshot_new();
    if (!snap)
        return NULL;
    snap->image = c->image;
    snap->size = c->size;
    snap->entries = type->count ? type->count(c->image) : 0;
    snap->type = type;
    snap->source = c->source;
    snap->parse_time = c->parse_time;
    snap->carried = 1;
    snap->handle = type->open ? type->open(c->image, c->size) : c->image;
    if (!snap->handle) {
        free(snap);
        return NULL;
    }
    return snap;
}

/* ------------------------------------------------------------------ */
/* Looking at a configured file again                                   */

static void note_lock(shared_note *n)
{
    while (__atomic_exchange_n(&n->lock, 1, __ATOMIC_ACQUIRE))
        sched_yield();
}

static void note_unlock(shared_note *n)
{
    __atomic_store_n(&n->lock, 0, __ATOMIC_RELEASE);
}

/* 1 when another process found version v bad already. */
static int note_known_bad(datafile *df, const version *v)
{
    if (!df->note)
        return 0;
    note_lock(df->note);
    int bad = same_version(&df->note->bad, v);
    note_unlock(df->note);
    return bad;
}

/* Records v as bad; 1 when this process is the first to say so. */
static int note_bad(datafile *df, const version *v)
{
    if (!df->note)
        return 1;
    note_lock(df->note);
    int first = !same_version(&df->note->bad, v);
    df->note->bad = *v;
    note_unlock(df->note);
    return first;
}

/* Records v as loaded by this process: the newest such is "the last good
 * version" every process should answer from. */
static void note_good(datafile *df, const version *v)
{
    if (!df->note)
        return;
    note_lock(df->note);
    if (v->mtime >= df->note->good.mtime)
        df->note->good = *v;
    df->note->stale_logged = 0;
    note_unlock(df->note);
}

/* 1 when this process answers from a version older than one another
 * process loaded since (it was started from a parent that had not seen
 * it yet), with logged set when that is news. */
static int note_stale(datafile *df, int *news)
{
    *news = 0;
    if (!df->note || !df->cur)
        return 0;
    note_lock(df->note);
    int stale = df->note->good.mtime
                && !same_version(&df->note->good, &df->cur->source)
                && df->note->good.mtime >= df->cur->source.mtime;
    if (stale && !df->note->stale_logged)
        *news = df->note->stale_logged = 1;
    note_unlock(df->note);
    return stale;
}

/* Records whether the file is missing; 1 when that is news. */
static int note_missing(datafile *df, apr_uint32_t missing)
{
    if (!df->note) {
        int news = df->missing_logged != (int)missing;
        df->missing_logged = (int)missing;
        return news;
    }
    return __atomic_exchange_n(&df->note->missing, missing, __ATOMIC_ACQ_REL)
           != missing;
}

/* The source as it is now: 1 and *v when it is there and settled, 0 when
 * there is nothing new to do, -1 when it is missing. */
static int source_state(datafile *df, apr_time_t now, version *v)
{
    struct stat st;
    if (stat(df->path, &st) < 0)
        return errno == ENOENT ? -1 : 0;
    note_missing(df, 0);
    version_of(&st, v);
    if ((df->cur && same_version(v, &df->cur->source))
        || same_version(v, &df->failed))
        return 0;
    if (v->mtime <= now && now - v->mtime < SETTLE_TIME)
        return 0;                       /* let the writer finish */
    return 1;
}

static void log_missing(datafile *df, server_rec *s)
{
    if (note_missing(df, 1))
        ap_log_error(APLOG_MARK, APLOG_ERR, ENOENT, s,
                     "%s %s has gone: requests that need it are denied "
                     "(500) until it is back", df->type->kind, df->path);
}

/* The file on disk does not load, and this process holds a version older
 * than the last good one (loaded by another process from a file that has
 * been replaced since): answering from it could grant what the newer
 * version took away, so it fails closed until the file loads again. */
static void fail_if_stale(datafile *df, server_rec *s)
{
    int news;
    if (!note_stale(df, &news))
        return;
    if (news)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "%s %s: some server processes hold a version older "
                     "than the last good one, which is no longer on disk: "
                     "they answer 500 until the file loads again",
                     df->type->kind, df->path);
    swap_current(df, NULL);
}

/* Reloads df if it changed; returns the new snapshot (already current)
 * or NULL. */
static snapshot *check_configured(datafile *df, server_rec *s, apr_time_t now)
{
    version v;
    int state = source_state(df, now, &v);
    /* A process with no version at all (the file was missing) waits for a
     * writer to finish rather than answer 500 meanwhile: a little longer
     * than it takes to settle, once. */
    if (state == 0 && !df->cur && !same_version(&v, &df->failed)
        && v.mtime <= now && now - v.mtime < SETTLE_TIME) {
        apr_sleep(v.mtime + SETTLE_TIME - now + apr_time_from_msec(50));
        now = apr_time_now();
        state = source_state(df, now, &v);
    }
    if (state < 0 && df->cur) {
        log_missing(df, s);
        swap_current(df, NULL);                 /* fail closed */
        return NULL;
    }
    if (state <= 0)
        return NULL;
    if (note_known_bad(df, &v)) {
        df->failed = v;
        fail_if_stale(df, s);
        return NULL;
    }
    char why[512];
    int again;
    snapshot *fresh = load_path(df->type, df->path, SETTLE_TIME,
                                df->cur ? &df->cur->source : NULL,
                                !registry.in_child, why, sizeof why, &again);
    if (fresh) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "%s %s reloaded: %" APR_SIZE_T_FMT " entries",
                     df->type->kind, df->path, fresh->entries);
        swap_current(df, fresh);
        policy_metrics_datafile_loaded(df->path, df->type->kind,
                                       fresh->entries, &fresh->source,
                                       sizeof fresh->source, 1);
        note_good(df, &fresh->source);
    }
    else if (!again) {
        df->failed = v;
        if (note_bad(df, &v)) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                         "%s %s: %s; the last good version stays in force",
                         df->type->kind, df->path, why);
            policy_metrics_datafile_failed(df->path, df->type->kind, why);
        }
        fail_if_stale(df, s);
    }
    give_back_memory();
    return fresh;
}

void datafile_monitor(server_rec *s)
{
    if (!registry.configured || registry.in_child)
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

/* ------------------------------------------------------------------ */
/* Files named in .htaccess files                                       */

/* 1 when uid (with its groups) may read a file of mode/owner st. */
static int uid_can_read(const struct stat *st, uid_t uid)
{
    if (uid == 0 || (st->st_uid == uid))
        return uid == 0 || (st->st_mode & S_IRUSR);
    struct passwd pw, *found = NULL;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) != 0 || !found)
        return (st->st_mode & S_IROTH) != 0;
    gid_t groups[256];
    int n = 256;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
        n = 0;
    for (int i = 0; i < n; i++)
        if (groups[i] == st->st_gid)
            return (st->st_mode & S_IRGRP) != 0;
    return (st->st_mode & S_IROTH) != 0;
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

static apr_status_t unpin(void *arg)
{
    datafile *df = arg;
    pthread_mutex_lock(&registry.mu);
    df->pins--;
    pthread_mutex_unlock(&registry.mu);
    return APR_SUCCESS;
}

static void entry_free(datafile *df)
{
    swap_current(df, NULL);
    pthread_cond_destroy(&df->checked);
    pthread_mutex_destroy(&df->mu);
    free(df->key);
    free(df->path);
    free(df);
}

/* Under registry.mu: takes the least recently used entry that nobody
 * uses out of the cache, for the caller to free. */
static datafile *evict_unused(void)
{
    datafile *oldest = NULL;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.htaccess); hi;
         hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        if (!df->pins && !df->loading
            && (!oldest || df->last_used < oldest->last_used))
            oldest = df;
    }
    if (oldest) {
        apr_hash_set(registry.htaccess, oldest->key, APR_HASH_KEY_STRING,
                     NULL);
        registry.nhtaccess--;
    }
    return oldest;
}

/* Under registry.mu: the entry for key, made if need be and pinned for
 * the life of pool.  NULL when the cache is full of entries in use. */
static datafile *entry_get(apr_pool_t *pool, const datafile_type *type,
                           const char *key, const char *path,
                           datafile **evicted)
{
    datafile *df = apr_hash_get(registry.htaccess, key, APR_HASH_KEY_STRING);
    *evicted = NULL;
    if (!df) {
        if (registry.nhtaccess >= registry.max_files
            && !(*evicted = evict_unused()))
            return NULL;
        df = calloc(1, sizeof *df);
        if (!df || !(df->key = strdup(key)) || !(df->path = strdup(path))) {
            if (df)
                free(df->key);
            free(df);
            return NULL;
        }
        pthread_mutex_init(&df->mu, NULL);
        pthread_cond_init(&df->checked, NULL);
        df->type = type;
        df->htaccess = 1;
        apr_hash_set(registry.htaccess, df->key, APR_HASH_KEY_STRING, df);
        registry.nhtaccess++;
    }
    df->pins++;
    df->last_used = apr_time_now();
    apr_pool_cleanup_register(pool, df, unpin, apr_pool_cleanup_null);
    return df;
}

/* Loads or reuses a file named by an .htaccess file. */
static const char *open_from_htaccess(cmd_parms *cmd,
                                      const datafile_type *type,
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
    if (stat(htaccess, &hst) < 0)
        return apr_psprintf(p, "%s: cannot check the .htaccess file: %s",
                            named, strerror(errno));
    int fd = -1;
    int e = open_regular(path, &fd, &st);
    if (e) {
        char why_not[256];
        describe_read_error(e, why_not, sizeof why_not);
        return apr_psprintf(p, "%s: %s", named, why_not);
    }
    const char *why = refusal(p, rule, fd, &st, &hst);
    if (!why && st.st_size > registry.max_bytes)
        why = apr_psprintf(p, "refused: %" APR_OFF_T_FMT " bytes, more than "
                           "the %" APR_OFF_T_FMT " that AuthzPolicyHtaccess"
                           "Limits allows", (apr_off_t)st.st_size,
                           registry.max_bytes);
    if (why) {
        close(fd);
        return apr_psprintf(p, "%s: %s", named, why);
    }
    version v;
    version_of(&st, &v);

    datafile *evicted, *df;
    pthread_mutex_lock(&registry.mu);
    df = entry_get(p, type, key, path, &evicted);
    while (df && df->loading)   /* only requests for this file wait */
        pthread_cond_wait(&registry.loaded, &registry.mu);
    int load = 0;
    if (!df)
        why = apr_psprintf(p, "refused: this server process keeps %u files "
                           "named in .htaccess files already, all in use "
                           "(AuthzPolicyHtaccessLimits)", registry.nhtaccess);
    else if (df->cur && same_version(&v, &df->cur->source))
        ;                               /* loaded and unchanged */
    else if (same_version(&v, &df->failed)) {
        if (!df->cur)   /* else the last good version stays in force */
            why = "this version failed to load when it was first read (see "
                  "that error); it is not read again until it changes";
    }
    else
        load = df->loading = 1;
    pthread_mutex_unlock(&registry.mu);
    if (evicted)
        entry_free(evicted);

    if (load) {
        char buf[512];
        int again;
        /* the first version is read as it is; a change must settle */
        snapshot *fresh = load_fd(type, fd, &st, df->cur ? SETTLE_TIME : 0,
                                  df->cur ? &df->cur->source : NULL,
                                  registry.max_bytes, 0, buf, sizeof buf,
                                  &again);
        if (fresh)
            policy_metrics_datafile_loaded(path, type->kind, fresh->entries,
                                           &fresh->source,
                                           sizeof fresh->source, !!df->cur);
        if (fresh)
            swap_current(df, fresh);
        else if (!df->cur)
            why = shown_why(p, buf, &st, hst.st_uid);
        else if (!again) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, cmd->server,
                         "%s (named in %s): %s; the last good version stays "
                         "in force", named, htaccess,
                         shown_why(p, buf, &st, hst.st_uid));
            policy_metrics_datafile_failed(path, type->kind, buf);
        }
        pthread_mutex_lock(&registry.mu);
        if (!fresh && !again)           /* not read again until it changes */
            df->failed = v;
        df->loading = 0;
        pthread_cond_broadcast(&registry.loaded);
        pthread_mutex_unlock(&registry.mu);
        give_back_memory();
    }
    close(fd);
    if (why)
        return apr_psprintf(p, "%s: %s", named, why);
    *out = df;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The registry                                                         */

static apr_status_t registry_cleanup(void *unused)
{
    (void)unused;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.htaccess); hi;
         hi = apr_hash_next(hi))
        entry_free(apr_hash_this_val(hi));
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
         hi; hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        if (df->cur)
            snapshot_release(df->cur);
        df->cur = NULL;
    }
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.inodes); hi;
         hi = apr_hash_next(hi))
        free(apr_hash_this_val(hi));
    registry.configured = NULL;
    registry.pool = NULL;
    return APR_SUCCESS;
}

/* Frees the carry store when pconf goes for good (it is only cleared, in
 * the DESTROY_CONFIG state, at a restart, when the store must live on).  A pre-
 * cleanup of pconf: it runs while this module's code is still loaded. */
static apr_status_t carry_free(void *store)
{
    carry_store *carry = store;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_DESTROY_CONFIG)
        return APR_SUCCESS;             /* a restart: it lives on */
    for (carried *c = carry->head, *next; c; c = next) {
        next = c->next;
        /* in a child, the images belong to its snapshots */
        if (!registry.in_child)
            free(c->image);
        free(c->key);
        free(c);
    }
    carry->head = NULL;
    return APR_SUCCESS;
}

void datafile_registry_init(apr_pool_t *pconf)
{
    /* The carry store lives in the process pool, which outlives pconf
     * and this module's own unloading at a restart. */
    apr_pool_t *process = apr_pool_parent_get(pconf);
    void *found = NULL;
    apr_pool_userdata_get(&found, "authz_policy_carry", process);
    if (!found) {
        found = apr_pcalloc(process, sizeof(carry_store));
        apr_pool_userdata_set(found, "authz_policy_carry", NULL, process);
    }
    registry.carry = found;
    apr_pool_pre_cleanup_register(pconf, registry.carry, carry_free);
    fix_mmap_threshold();
    for (carried *c = registry.carry->head; c; c = c->next)
        c->configured = 0;

    apr_pool_create(&registry.pool, pconf);
    registry.configured = apr_hash_make(registry.pool);
    registry.htaccess = apr_hash_make(registry.pool);
    registry.inodes = apr_hash_make(registry.pool);
    registry.nhtaccess = 0;
    registry.in_child = 0;
    registry.max_bytes = DATAFILE_HTACCESS_BYTES;
    registry.max_files = DATAFILE_HTACCESS_FILES;
    pthread_mutex_init(&registry.mu, NULL);
    pthread_cond_init(&registry.loaded, NULL);
    apr_pool_cleanup_register(registry.pool, NULL, registry_cleanup,
                              apr_pool_cleanup_null);
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
    carried *c = carry_find(key);
    struct stat st;
    version now;
    snapshot *snap = NULL;
    /* unchanged since the last configuration cycle: not parsed again */
    if (c && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        version_of(&st, &now);
        if (same_version(&now, &c->source))
            snap = from_carried(type, c);
    }
    /* httpd's first pass over the configuration only checks it, and the
     * process that makes it may go on to exit() in the middle of the
     * second (to detach): what it parses stays its own. */
    int carrying = ap_state_query(AP_SQ_MAIN_STATE)
                   != AP_SQ_MS_CREATE_PRE_CONFIG;
    if (!snap) {
        char why[512];
        int again;
        snap = load_path(type, path, 0, NULL, carrying, why, sizeof why,
                         &again);
        if (snap && carrying) {
            carry_put(key, snap);
        }
        else if (c && registry.carry->started) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL,
                         "%s %s: %s; the version loaded before stays in "
                         "force", type->kind, path, why);
            snap = from_carried(type, c);
        }
        if (!snap)
            return apr_psprintf(cmd->pool, "%s %s: %s", type->kind, path,
                                why);
    }
    c = carry_find(key);
    if (c)
        c->configured = 1;
    df = apr_pcalloc(registry.pool, sizeof *df);
    df->path = apr_pstrdup(registry.pool, path);
    df->type = type;
    pthread_mutex_init(&df->mu, NULL);
    pthread_cond_init(&df->checked, NULL);
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
    registry.max_bytes = max_bytes;
    registry.max_files = max_files;
}

/* The server's User cannot read path: its changes will only be seen by the
 * parent, about every ten seconds, and by children started after that. */
static void warn_unreadable(server_rec *s, const datafile *df)
{
    struct stat st;
    if (geteuid() != 0 || ap_unixd_config.user_id == 0
        || stat(df->path, &st) < 0 || uid_can_read(&st,
                                                   ap_unixd_config.user_id))
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 "%s %s is not readable by the server's User (%s): running "
                 "server processes cannot reload it when it changes; only "
                 "the parent will (within about ten seconds), for the "
                 "processes it starts afterwards", df->type->kind, df->path,
                 ap_unixd_config.user_name);
}

void datafile_post_config(server_rec *s, int real_pass)
{
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
         hi; hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        if (real_pass && df->cur)
            policy_metrics_datafile_loaded(df->path, df->type->kind,
                                           df->cur->entries, &df->cur->source,
                                           sizeof df->cur->source, 0);
        if (real_pass && df->cur)
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                         "%s %s: %" APR_SIZE_T_FMT " entries, %"
                         APR_SIZE_T_FMT " bytes shared by all processes, "
                         "parsed in %.3f s", df->type->kind, df->path,
                         df->cur->entries, df->cur->size,
                         (double)df->cur->parse_time / 1e6);
        /* once at a first start (its first pass), then at each restart */
        if (!real_pass || registry.carry->started)
            warn_unreadable(s, df);
    }
    if (!real_pass)
        return;
    unsigned n = apr_hash_count(registry.configured);
    if (n && apr_shm_create(&registry.notes, n * sizeof(shared_note), NULL,
                            registry.pool) == APR_SUCCESS) {
        shared_note *note = apr_shm_baseaddr_get(registry.notes);
        memset(note, 0, n * sizeof *note);
        for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
             hi; hi = apr_hash_next(hi)) {
            datafile *df = apr_hash_this_val(hi);
            df->note = note++;
            if (df->cur)
                df->note->good = df->cur->source;
        }
    }
    /* forget the files this configuration no longer names */
    for (carried **cp = &registry.carry->head; *cp;) {
        carried *c = *cp;
        if (c->configured) {
            cp = &c->next;
            continue;
        }
        *cp = c->next;
        free(c->image);
        free(c->key);
        free(c);
    }
    registry.carry->started = 1;
}

/* Each child has one thread that looks at the configured files once a
 * second and parses a changed one: an idle process keeps up as well as a
 * busy one, requests never wait for a parse, and the memory a parse uses
 * comes and goes in that one thread's arena. */
static struct {
    pthread_t thread;
    int running;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    server_rec *s;
} watcher = { .mu = PTHREAD_MUTEX_INITIALIZER,
              .wake = PTHREAD_COND_INITIALIZER };

static void check_all(server_rec *s)
{
    for (apr_hash_index_t *hi = apr_hash_first(NULL, registry.configured);
         hi; hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        pthread_mutex_lock(&df->mu);
        df->checking = 1;
        pthread_mutex_unlock(&df->mu);
        check_configured(df, s, apr_time_now());
        pthread_mutex_lock(&df->mu);
        df->checking = 0;
        pthread_cond_broadcast(&df->checked);
        pthread_mutex_unlock(&df->mu);
    }
}

static void *watch_files(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&watcher.mu);
    while (!watcher.stop) {
        pthread_mutex_unlock(&watcher.mu);
        check_all(watcher.s);
        pthread_mutex_lock(&watcher.mu);
        if (watcher.stop)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += apr_time_sec(CHECK_INTERVAL);
        pthread_cond_timedwait(&watcher.wake, &watcher.mu, &until);
    }
    pthread_mutex_unlock(&watcher.mu);
    return NULL;
}

static apr_status_t stop_watching(void *unused)
{
    (void)unused;
    if (!watcher.running)
        return APR_SUCCESS;
    pthread_mutex_lock(&watcher.mu);
    watcher.stop = 1;
    pthread_cond_signal(&watcher.wake);
    pthread_mutex_unlock(&watcher.mu);
    /* a read hung on a dead mount must not hold the child's exit */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    if (pthread_timedjoin_np(watcher.thread, NULL, &until) != 0)
        pthread_detach(watcher.thread);
    watcher.running = 0;
    return APR_SUCCESS;
}

void datafile_child_init(apr_pool_t *pchild, server_rec *s)
{
    /* A child owns what it inherited: its snapshots free their images,
     * and its copy of the carry store frees only itself at exit. */
    registry.in_child = 1;
    if (!registry.configured || !apr_hash_count(registry.configured))
        return;
    /* the parent's versions may be up to ten seconds old: a new child
     * starts from the files as they are */
    check_all(s);
    watcher.s = s;
    watcher.stop = 0;
    /* signals are for the child's own threads, never this one */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&watcher.thread, NULL, watch_files, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, e, s, "cannot start the thread "
                     "that reloads data files: changes are seen only by "
                     "the processes started after the parent sees them");
        return;
    }
    watcher.running = 1;
    apr_pool_cleanup_register(pchild, NULL, stop_watching,
                              apr_pool_cleanup_null);
}

static apr_status_t release_cleanup(void *snap)
{
    snapshot_release(snap);
    return APR_SUCCESS;
}

const void *datafile_acquire(datafile *df, apr_pool_t *pool, server_rec *s)
{
    snapshot *snap;
    pthread_mutex_lock(&df->mu);
    /* no version (the file was missing): the check under way may bring
     * one, so wait for it rather than fail */
    while (!df->cur && df->checking)
        pthread_cond_wait(&df->checked, &df->mu);
    snap = df->cur;
    if (snap)
        apr_atomic_inc32(&snap->refs);
    pthread_mutex_unlock(&df->mu);
    if (!snap) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "%s %s is not available", df->type->kind, df->path);
        return NULL;
    }
    apr_pool_cleanup_register(pool, snap, release_cleanup,
                              apr_pool_cleanup_null);
    return snap->handle;
}

int datafile_is_loaded(const apr_finfo_t *finfo)
{
    if (finfo->filetype != APR_REG || !registry.inodes)
        return 0;
    inode_key k = { (apr_uint64_t)finfo->device, (apr_uint64_t)finfo->inode };
    pthread_mutex_lock(&registry.mu);
    int found = apr_hash_get(registry.inodes, &k, sizeof k) != NULL;
    pthread_mutex_unlock(&registry.mu);
    return found;
}
