/*
 * datafile_watch: looking at a configured file again, in each child from
 * a thread of its own and in the parent from its monitor hook (so that
 * children started later inherit the newest version); and the notes the
 * processes share about each file, through which a process left with a
 * stale version fails closed.
 */
#include "datafile_int.h"
#include "metrics.h"

#include "http_log.h"
#include <apr_shm.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>

APLOG_USE_MODULE(authz_policy);

/* How often a process looks at a file. */
#define CHECK_INTERVAL apr_time_from_sec(1)

/* What the server's processes tell each other about a configured file,
 * in memory the parent shares with its children (never a file): a version
 * that failed to load is parsed and logged by one process only, and a
 * vanished file is logged once. */
struct shared_note {
    apr_uint32_t lock;          /* a spin lock: held for a few reads */
    apr_uint32_t missing;       /* the loss is logged */
    apr_uint32_t stale_logged;
    version bad;
    version good;               /* the newest version any process loaded */
};

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
snapshot *check_configured(datafile *df, server_rec *s, apr_time_t now)
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
                                !in_child, why, sizeof why, &again);
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

/* post_config, after the real pass: one note per configured file, before
 * any child is forked. */
void notes_share(apr_hash_t *configured, apr_pool_t *pool)
{
    apr_shm_t *notes;
    unsigned n = apr_hash_count(configured);
    if (n && apr_shm_create(&notes, n * sizeof(shared_note), NULL,
                            pool) == APR_SUCCESS) {
        shared_note *note = apr_shm_baseaddr_get(notes);
        memset(note, 0, n * sizeof *note);
        for (apr_hash_index_t *hi = apr_hash_first(NULL, configured);
             hi; hi = apr_hash_next(hi)) {
            datafile *df = apr_hash_this_val(hi);
            df->note = note++;
            if (df->cur)
                df->note->good = df->cur->source;
        }
    }
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
    apr_hash_t *files;          /* the configured files */
    server_rec *s;
} watcher = { .mu = PTHREAD_MUTEX_INITIALIZER,
              .wake = PTHREAD_COND_INITIALIZER };

static void check_all(apr_hash_t *files, server_rec *s)
{
    for (apr_hash_index_t *hi = apr_hash_first(NULL, files);
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
        check_all(watcher.files, watcher.s);
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

/* child_init: the files are looked at once now, then once a second from
 * a thread of its own (stopped with pchild). */
void watch_start(apr_pool_t *pchild, server_rec *s, apr_hash_t *configured)
{
    /* the parent's versions may be up to ten seconds old: a new child
     * starts from the files as they are */
    check_all(configured, s);
    watcher.files = configured;
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
