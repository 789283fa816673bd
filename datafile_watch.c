/*
 * datafile_watch: reading a configured file, and looking at it again, in
 * each child from a thread of its own and in the parent from its monitor
 * hook (so that children started later inherit the newest version); and
 * the notes the processes share about each file, through which a process
 * left with a stale version fails closed.
 *
 * The parent reads configured files as root, from paths the server's
 * configuration names: within AuthzPolicyFileLimit, and with the
 * offending token of a file that does not load shown only if the server's
 * User and every user who can change the path could read the file
 * themselves (the path may be a customer's, and so may the error log).
 */
#include "datafile_int.h"
#include "metrics.h"

#include "http_log.h"
#include "unixd.h"
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

APLOG_USE_MODULE(authz_policy);

/* How often a process looks at a file. */
#define CHECK_INTERVAL apr_time_from_sec(1)

/* AuthzPolicyFileLimit: the largest configured file read. */
static apr_off_t configured_max = DATAFILE_CONFIGURED_BYTES;

void configured_set_limit(apr_off_t max_bytes)
{
    configured_max = max_bytes;
}

/* Who besides root can change what a path leads to: a directory on the
 * way (every symlink followed) that is not root's, or that a group or
 * everyone may write, and the file itself.  The first found is named. */
#define MAX_CHANGERS 8
typedef struct {
    uid_t uids[MAX_CHANGERS];
    int nuids;
    int anyone;             /* a group or everyone, or not known */
    char first[PATH_MAX];   /* the first directory or file found */
    char how[160];          /* what makes it changeable */
} changers;

static void user_name(uid_t uid, char *out, apr_size_t len)
{
    struct passwd pw, *found = NULL;
    char buf[1024];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
        apr_snprintf(out, len, "%s (uid %ld)", pw.pw_name, (long)uid);
    else
        apr_snprintf(out, len, "uid %ld", (long)uid);
}

static void group_name(gid_t gid, char *out, apr_size_t len)
{
    struct group gr, *found = NULL;
    char buf[1024];
    if (getgrgid_r(gid, &gr, buf, sizeof buf, &found) == 0 && found)
        apr_snprintf(out, len, "group %s", gr.gr_name);
    else
        apr_snprintf(out, len, "gid %ld", (long)gid);
}

static void changer_found(changers *c, const char *where, const char *how)
{
    if (c->first[0])
        return;
    apr_cpystrn(c->first, *where ? where : "/", sizeof c->first);
    apr_cpystrn(c->how, how, sizeof c->how);
}

static void add_uid(changers *c, uid_t uid, const char *where,
                    const char *what)
{
    char name[300], how[160];
    if (uid == 0)
        return;
    user_name(uid, name, sizeof name);
    apr_snprintf(how, sizeof how, "%s owned by %s", what, name);
    changer_found(c, where, how);
    for (int i = 0; i < c->nuids; i++)
        if (c->uids[i] == uid)
            return;
    if (c->nuids < MAX_CHANGERS)
        c->uids[c->nuids++] = uid;
    else
        c->anyone = 1;
}

static void add_anyone(changers *c, const char *where, const char *how)
{
    changer_found(c, where, how);
    c->anyone = 1;
}

/* Who may write dir (stat()ed as st), and through it replace its entry
 * (owned by entry_uid). */
static void dir_changers(changers *c, const char *dir, const struct stat *st,
                         uid_t entry_uid)
{
    add_uid(c, st->st_uid, dir, "a directory");
    int group = (st->st_mode & S_IWGRP) && st->st_gid != 0;
    if (!group && !(st->st_mode & S_IWOTH))
        return;
    if (st->st_mode & S_ISVTX) {        /* only the entry's owner */
        add_uid(c, entry_uid, dir, "an entry of a sticky directory");
        return;
    }
    char how[160], name[200];
    if (st->st_mode & S_IWOTH)
        apr_cpystrn(how, "a directory everyone may write", sizeof how);
    else {
        group_name(st->st_gid, name, sizeof name);
        apr_snprintf(how, sizeof how, "a directory %s may write", name);
    }
    add_anyone(c, dir, how);
}

/* Walks path as the kernel resolves it (lstat() of each step, symlinks
 * followed), collecting who can change where it leads.  Anything that
 * cannot be followed counts as changeable by anyone. */
static void find_changers(const char *path, changers *c)
{
    char done[PATH_MAX] = "";           /* resolved so far; "" is / */
    char rest[2 * PATH_MAX];
    struct stat dir, entry;
    int links = 0;
    memset(c, 0, sizeof *c);
    if (path[0] != '/' || strlen(path) >= sizeof rest
        || lstat("/", &dir) < 0) {
        add_anyone(c, path, "a path that cannot be followed");
        return;
    }
    apr_cpystrn(rest, path, sizeof rest);
    int have_entry = 0;
    for (;;) {
        char *comp = rest;
        while (*comp == '/')
            comp++;
        if (!*comp)
            break;
        char *end = strchr(comp, '/');
        size_t n = end ? (size_t)(end - comp) : strlen(comp);
        char name[NAME_MAX + 1];
        if (n > NAME_MAX) {
            add_anyone(c, path, "a path that cannot be followed");
            return;
        }
        memcpy(name, comp, n);
        name[n] = '\0';
        /* a forward copy, not memmove(): glibc's fortified memmove is
         * the same function as __memcpy_chk, which valgrind then reports
         * as an overlapping memcpy */
        {
            char *to = rest;
            const char *from = comp + n;
            while ((*to++ = *from++) != '\0')
                ;
        }
        if (!strcmp(name, "."))
            continue;
        if (!strcmp(name, "..")) {
            char *slash = strrchr(done, '/');
            if (slash)
                *slash = '\0';
            if (lstat(*done ? done : "/", &dir) < 0) {
                add_anyone(c, path, "a path that cannot be followed");
                return;
            }
            continue;
        }
        char next[PATH_MAX];
        if (apr_snprintf(next, sizeof next, "%s/%s", done, name)
                >= (int)sizeof next - 1
            || lstat(next, &entry) < 0) {
            add_anyone(c, path, "a path that cannot be followed");
            return;
        }
        dir_changers(c, done, &dir, entry.st_uid);
        if (S_ISLNK(entry.st_mode)) {
            char target[PATH_MAX];
            ssize_t len = readlink(next, target, sizeof target - 1);
            if (len <= 0 || ++links > 40
                || (size_t)len + strlen(rest) + 2 > sizeof rest) {
                add_anyone(c, path, "a path that cannot be followed");
                return;
            }
            target[len] = '\0';
            char joined[sizeof rest];
            apr_snprintf(joined, sizeof joined, "%s/%s", target, rest);
            memcpy(rest, joined, strlen(joined) + 1);
            if (target[0] == '/') {
                done[0] = '\0';
                lstat("/", &dir);
            }
            continue;
        }
        apr_cpystrn(done, next, sizeof done);
        dir = entry;
        have_entry = 1;
    }
    if (!have_entry)
        return;
    /* the file itself: its owner, or a group or everyone, may rewrite it */
    add_uid(c, entry.st_uid, done, "a file");
    if ((entry.st_mode & S_IWOTH)
        || ((entry.st_mode & S_IWGRP) && entry.st_gid != 0))
        add_anyone(c, done, "a file others may write");
}

const char *path_changers(apr_pool_t *p, const char *path)
{
    changers c;
    find_changers(path, &c);
    if (!c.first[0])
        return NULL;
    return apr_psprintf(p, "%s (%s)", c.first, c.how);
}

/* Whether the content of the file opened as st, at path, may appear in a
 * log line: the server's User and everyone who can change the path could
 * read it themselves. */
static int may_show_content(const char *path, const struct stat *st)
{
    if (!uid_can_read(st, ap_unixd_config.user_id))
        return 0;
    changers c;
    find_changers(path, &c);
    if (c.anyone && !(st->st_mode & S_IROTH))
        return 0;
    for (int i = 0; i < c.nuids; i++)
        if (!uid_can_read(st, c.uids[i]))
            return 0;
    return 1;
}

/* load_fd on the configured file at path, opened only if it is a regular
 * file, within AuthzPolicyFileLimit; why holds a token of the file only if
 * may_show_content() allows it.  *v: the version opened, if any. */
snapshot *load_configured(const datafile_type *type, const char *path,
                          apr_interval_time_t settle, const version *prev,
                          int keep_image, char *why, apr_size_t whylen,
                          int *again, version *v)
{
    int fd;
    struct stat st;
    memset(v, 0, sizeof *v);
    *again = 0;
    int e = open_regular(path, &fd, &st);
    if (e) {
        *again = (e == EAGAIN);
        describe_read_error(e, why, whylen);
        return NULL;
    }
    version_of(&st, v);
    if (st.st_size > configured_max) {
        apr_snprintf(why, whylen, "refused: %" APR_OFF_T_FMT " bytes, more "
                     "than the %" APR_OFF_T_FMT " that AuthzPolicyFileLimit "
                     "allows", (apr_off_t)st.st_size, configured_max);
        close(fd);
        return NULL;
    }
    snapshot *snap = load_fd(type, fd, &st, settle, prev, configured_max,
                             keep_image, why, whylen, again);
    close(fd);
    if (snap)
        return snap;
    char grew[256];
    describe_read_error(ERR_TOO_LARGE, grew, sizeof grew);
    const char *quote = strchr(why, '\'');
    if (!strcmp(why, grew))
        apr_snprintf(why, whylen, "refused: it grew past the %"
                     APR_OFF_T_FMT " bytes that AuthzPolicyFileLimit allows "
                     "while being read", configured_max);
    else if (quote && !may_show_content(path, &st))
        apr_cpystrn((char *)quote, "(the file's content is not shown: the "
                    "server's User, or a user who can change its path, "
                    "cannot read it)", whylen - (apr_size_t)(quote - why));
    return snap;
}

/* The whole text of the configured file at path, read as load_configured
 * reads it, for a check that shows parts of it (configtest.c's plans): 0
 * and a malloc'd *buf, else -1 (not readable, over the limit, or a file
 * may_show_content() keeps to itself). */
int read_configured_text(const char *path, char **buf, apr_size_t *len)
{
    int fd;
    struct stat st;
    version v;
    if (open_regular(path, &fd, &st))
        return -1;
    int e = st.st_size > configured_max || !may_show_content(path, &st)
            || read_file(fd, &st, 0, NULL, 0, configured_max, buf, len, &v);
    close(fd);
    return e ? -1 : 0;
}

/* What the server's processes tell each other about a configured file,
 * in memory the parent shares with its children (never a file): a version
 * that failed to load is parsed and logged by one process only, and a
 * vanished file is logged once. */
struct shared_note {
    apr_uint32_t missing;       /* the loss is logged (apr_atomic) */
    apr_uint32_t unreachable;   /* that stat() is refused is logged (ditto) */
    apr_uint32_t stale_logged;  /* under notes_lock, as what follows */
    version refused;            /* the last version the User may not read */
    version bad;
    version good;               /* the newest version any process loaded */
};

/* The notes' lock, one for all: a version is more than an atomic word.
 * Taken once a second per file by each child's watcher and by the
 * parent's monitor, never by a request.
 *
 * Its mechanism is fixed, whatever httpd's Mutex directive says: a
 * process-shared pthread mutex in anonymous shared memory, which only
 * the parent and the children it forks can reach.  A lock file or a
 * System V semaphore (Mutex file:, flock:, fcntl:, sysvsem:, and Debian's
 * apache2.conf gives `default` a file) is handed to the server's User,
 * and a customer who runs code as that User (a CGI without suEXEC) could
 * take it and never let go: the parent's monitor, every child's reloads
 * and the status page would wait on it (SPEC 9).  APR makes the mutex
 * robust where the platform has robust mutexes (glibc does): when a
 * holder dies, the next lock gets EOWNERDEAD, which APR makes consistent
 * and answers as success, so a child killed while it holds the lock does
 * not leave the others waiting forever. */
#if !APR_HAS_PROC_PTHREAD_SERIALIZE
#error "the module's locks need process-shared pthread mutexes (APR_LOCK_PROC_PTHREAD): any other mechanism is one the server's User can reach"
#endif
static apr_global_mutex_t *notes_mutex;
static server_rec *notes_server;        /* where a failed lock is logged */

/* 1 when the lock is held; 0 when it is not, and the caller skips what
 * needed it.  The parent only tries: its monitor drives the server (new
 * children, restarts), and must never wait on a lock a child holds. */
static int note_lock(void)
{
    apr_status_t rv = in_child ? apr_global_mutex_lock(notes_mutex)
                               : apr_global_mutex_trylock(notes_mutex);
    if (rv == APR_SUCCESS)
        return 1;
    if (!APR_STATUS_IS_EBUSY(rv))
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, notes_server, AZPLOGNO(00061)
                     "cannot take the lock of the data files' notes: this "
                     "look at a configured file is skipped");
    return 0;
}

static void note_unlock(void)
{
    apr_status_t rv = apr_global_mutex_unlock(notes_mutex);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, notes_server, AZPLOGNO(00062)
                     "cannot release the lock of the data files' notes");
}

/* 1 when another process found version v bad already; -1 when that
 * cannot be known now (the lock is not held). */
static int note_known_bad(datafile *df, const version *v)
{
    if (!df->note)
        return 0;
    if (!note_lock())
        return -1;
    int bad = same_version(&df->note->bad, v);
    note_unlock();
    return bad;
}

/* Records v in one of a file's notes; 1 when this process is the first
 * to say so (or cannot know: it says so too). */
static int note_first(version *noted, const version *v)
{
    if (!note_lock())
        return 1;
    int first = !same_version(noted, v);
    *noted = *v;
    note_unlock();
    return first;
}

/* Records v as bad. */
static int note_bad(datafile *df, const version *v)
{
    return df->note ? note_first(&df->note->bad, v) : 1;
}

/* Records v as loaded by this process: the newest such is "the last good
 * version" every process should answer from. */
static void note_good(datafile *df, const version *v)
{
    if (!df->note || !note_lock())
        return;
    if (v->mtime >= df->note->good.mtime)
        df->note->good = *v;
    df->note->stale_logged = 0;
    note_unlock();
}

/* Under the notes' lock: another process loaded a version newer than
 * this process's own. */
static int newer_loaded(const datafile *df)
{
    return df->note->good.mtime
           && !same_version(&df->note->good, &df->cur->source)
           && df->note->good.mtime >= df->cur->source.mtime;
}

/* 1 when this process answers from a version older than one another
 * process loaded since (it was started from a parent that had not seen
 * it yet), with logged set when that is news; -1 when that cannot be
 * known now (the lock is not held). */
static int note_stale(datafile *df, int *news)
{
    *news = 0;
    if (!df->note || !df->cur)
        return 0;
    if (!note_lock())
        return -1;
    int stale = newer_loaded(df);
    if (stale && !df->note->stale_logged)
        *news = df->note->stale_logged = 1;
    note_unlock();
    return stale;
}

/* 1 when another process loaded a newer version than the one this
 * process answers from, e.g. a child forked from a parent that had not
 * looked yet (its monitor looks about every ten seconds). */
static int note_newer_loaded(datafile *df)
{
    if (!df->note || !df->cur || !note_lock())
        return 0;
    int newer = newer_loaded(df);
    note_unlock();
    return newer;
}

/* Records whether the file is missing; 1 when that is news. */
static int note_missing(datafile *df, apr_uint32_t missing)
{
    if (!df->note) {
        int news = df->missing_logged != (int)missing;
        df->missing_logged = (int)missing;
        return news;
    }
    return apr_atomic_xchg32(&df->note->missing, missing) != missing;
}

/* Records whether this process's User may not even stat() the file (a
 * directory on the way it may not search); 1 when that is news. */
static int note_unreachable(datafile *df, apr_uint32_t unreachable)
{
    if (!df->note) {
        int news = df->unreachable_logged != (int)unreachable;
        df->unreachable_logged = (int)unreachable;
        return news;
    }
    return apr_atomic_xchg32(&df->note->unreachable, unreachable)
           != unreachable;
}

/* A process that may not look at the file cannot see it change: said once
 * (by the first process to find it, and again only after the file was
 * within reach since), in the log and as the file's last error. */
static void log_unreachable(datafile *df, server_rec *s, int e)
{
    if (!note_unreachable(df, 1))
        return;
    char why[300];
    apr_snprintf(why, sizeof why, "cannot look at it as user %s: %s; "
                 "changes are not seen by the running processes",
                 ap_unixd_config.user_name, strerror(e));
    ap_log_error(APLOG_MARK, APLOG_ERR, e, s, AZPLOGNO(00035)
                 "%s %s: %s (they keep the version they have)",
                 df->type->kind, df->path, why);
    policy_metrics_datafile_failed(df->path, df->type->kind, why);
}

/* Records v as a version this process's User may not read; 1 when this
 * process is the first to say so. */
static int note_refused(datafile *df, const version *v)
{
    return df->note ? note_first(&df->note->refused, v) : 1;
}

/* A change this process's User may not read: no bad version (the root
 * parent reads it, log_parent_only), but one the running processes never
 * see.  Said once per change. */
static void log_refused(datafile *df, server_rec *s, const version *v)
{
    char why[256];
    if (!note_refused(df, v))
        return;
    apr_snprintf(why, sizeof why, "cannot read it as user %s: %s; the "
                 "running processes keep the version they have",
                 ap_unixd_config.user_name, strerror(EACCES));
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, AZPLOGNO(00036)
                 "%s %s: %s", df->type->kind, df->path, why);
    policy_metrics_datafile_failed(df->path, df->type->kind, why);
}

/* The source as it is now: 1 and *v when it is there and settled, 0 when
 * there is nothing new to do, -1 when it is missing.  *e: the errno of a
 * stat() refused for another reason than the file's absence. */
static int source_state(datafile *df, apr_time_t now, version *v, int *e)
{
    struct stat st;
    *e = 0;
    if (stat(df->path, &st) < 0) {
        if (errno == ENOENT)
            return -1;
        *e = errno;
        return 0;
    }
    note_missing(df, 0);
    if (in_child)                   /* the root parent always reaches it */
        note_unreachable(df, 0);
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
        ap_log_error(APLOG_MARK, APLOG_ERR, ENOENT, s, AZPLOGNO(00037)
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
    int stale = note_stale(df, &news);
    if (stale < 0 && !in_child) {
        /* the parent answers no request: it looks again next round */
        memset(&df->failed, 0, sizeof df->failed);
        return;
    }
    if (!stale)
        return;             /* a child that cannot know fails closed */
    if (news)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, AZPLOGNO(00038)
                     "%s %s: some server processes hold a version older "
                     "than the last good one, which is no longer on disk: "
                     "they answer 500 until the file loads again",
                     df->type->kind, df->path);
    swap_current(df, NULL);
}

/* The root parent loaded a change that the server's User cannot read:
 * the running processes do not have it, only those started from now on.
 * Said once per change, in the log and as the file's last error. */
static void log_parent_only(datafile *df, server_rec *s)
{
    char where[PATH_MAX + 200], why[256];
    if (in_child || geteuid() != 0 || ap_unixd_config.user_id == 0
        || user_can_read_path(df->path, ap_unixd_config.user_id,
                              ap_unixd_config.group_id,
                              ap_unixd_config.user_name, where,
                              sizeof where))
        return;
    apr_snprintf(why, sizeof why, "reloaded by the parent only: user %s "
                 "cannot read it, and the running processes keep the "
                 "version they have", ap_unixd_config.user_name);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, AZPLOGNO(00039) "%s %s: %s (%s)",
                 df->type->kind, df->path, why, where);
    policy_metrics_datafile_failed(df->path, df->type->kind, why);
}

/* Set when the child, exiting, stopped waiting for its watcher thread
 * (stop_watching): a thread that comes back from a hung read after that
 * touches nothing shared again (notes, counters, the registry), since
 * what it would touch may be going with the process. */
static apr_uint32_t watcher_abandoned;

static int abandoned(void)
{
    return apr_atomic_read32(&watcher_abandoned) != 0;
}

/* Reloads df if it changed; returns the new snapshot (already current)
 * or NULL. */
snapshot *check_configured(datafile *df, server_rec *s, apr_time_t now)
{
    version v;
    int refused;
    if (abandoned())
        return NULL;
    int state = source_state(df, now, &v, &refused);
    /* A process with no version at all (the file was missing) waits for a
     * writer to finish rather than answer 500 meanwhile: a little longer
     * than it takes to settle, once.  So does a child whose version is
     * older than one another process loaded (the parent had not looked
     * since), rather than answer from a version two behind the newest,
     * which a newer one may have revoked: at child_init, for each
     * configured file, and in its watcher thread, once per look.  Bounded:
     * at most about a second (SETTLE_TIME) per file being rewritten. */
    if (state == 0 && !refused
        && (!df->cur || (in_child && note_newer_loaded(df)))
        && !same_version(&v, &df->failed)
        && v.mtime <= now && now - v.mtime < SETTLE_TIME) {
        apr_sleep(v.mtime + SETTLE_TIME - now + apr_time_from_msec(50));
        if (abandoned())
            return NULL;
        now = apr_time_now();
        state = source_state(df, now, &v, &refused);
    }
    if (refused)
        log_unreachable(df, s, refused);
    if (state < 0 && df->cur) {
        log_missing(df, s);
        swap_current(df, NULL);                 /* fail closed */
        return NULL;
    }
    if (state <= 0)
        return NULL;
    int known_bad = note_known_bad(df, &v);
    if (known_bad < 0)
        return NULL;                    /* looked at again next round */
    if (known_bad) {
        df->failed = v;
        fail_if_stale(df, s);
        return NULL;
    }
    if (in_child && access(df->path, R_OK) < 0 && errno == EACCES) {
        df->failed = v;                 /* looked at again once changed */
        log_refused(df, s, &v);
        return NULL;
    }
    char why[512];
    int again;
    version opened;
    snapshot *fresh = load_configured(df->type, df->path, SETTLE_TIME,
                                      df->cur ? &df->cur->source : NULL,
                                      !in_child, why, sizeof why, &again,
                                      &opened);
    if (abandoned())
        return NULL;    /* a hung read came back after the child let go */
    if (fresh) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, AZPLOGNO(00040)
                     "%s %s reloaded: %" APR_SIZE_T_FMT " entries",
                     df->type->kind, df->path, fresh->entries);
        swap_current(df, fresh);
        policy_metrics_datafile_loaded(df->path, df->type->kind,
                                       fresh->entries, &fresh->source,
                                       sizeof fresh->source, 1);
        note_good(df, &fresh->source);
        log_parent_only(df, s);
    }
    else if (!again) {
        df->failed = v;
        if (note_bad(df, &v)) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, AZPLOGNO(00041)
                         "%s %s: %s; the last good version stays in force",
                         df->type->kind, df->path, why);
            policy_metrics_datafile_failed(df->path, df->type->kind, why);
        }
        fail_if_stale(df, s);
    }
    give_back_memory();
    return fresh;
}

/* pre_config: a new configuration cycle, whose lock notes_share makes. */
void notes_pre_config(void)
{
    notes_mutex = NULL;
    notes_server = NULL;
}

/* post_config, after the real pass: one note per configured file, and
 * their lock, before any child is forked (each child reattaches the lock
 * in watch_start). */
int notes_share(apr_hash_t *configured, apr_pool_t *pool, server_rec *s)
{
    apr_shm_t *notes;
    unsigned n = apr_hash_count(configured);
    if (!n)
        return OK;
    notes_server = s;
    /* not ap_global_mutex_create: see notes_mutex */
    apr_status_t rv = apr_global_mutex_create(&notes_mutex, NULL,
                                              APR_LOCK_PROC_PTHREAD, pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AZPLOGNO(00058)
                     "cannot create the lock of the data files' notes (a "
                     "process-shared pthread mutex)");
        return !OK;
    }
    if (apr_shm_create(&notes, n * sizeof(shared_note), NULL,
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
    return OK;
}

/* Each child has one thread that looks at the configured files once a
 * second and parses a changed one: an idle process keeps up as well as a
 * busy one, requests never wait for a parse, and the memory a parse uses
 * comes and goes in that one thread's arena.  A child of a server that
 * names no data file in its configuration has none.
 *
 * It is an APR thread of the child's own, not a mod_watchdog child
 * watchdog: that one is stopped by a join without a bound, and a read
 * hung on a dead mount would hold the child's exit; it also wakes in
 * slices rather than when told to stop.
 *
 * Its locks come from the configuration's pool, not the child's: a
 * thread left running at exit (stop_watching) must not find them
 * destroyed with the child's pool before the process ends. */
#define STOP_WAIT apr_time_from_sec(2)
static struct {
    apr_thread_t *thread;       /* NULL: none running */
    apr_thread_mutex_t *mu;     /* guards stop and done */
    apr_thread_cond_t *wake;    /* stop was set */
    apr_thread_cond_t *finished;/* done was set */
    int stop;                   /* the child is exiting */
    int done;                   /* the thread returns: a join is prompt */
    apr_hash_t *files;          /* the configured files */
    server_rec *s;
} watcher;

static void check_all(apr_hash_t *files, server_rec *s)
{
    for (apr_hash_index_t *hi = apr_hash_first(NULL, files);
         hi; hi = apr_hash_next(hi)) {
        datafile *df = apr_hash_this_val(hi);
        apr_thread_mutex_lock(df->mu);
        df->checking = 1;
        apr_thread_mutex_unlock(df->mu);
        check_configured(df, s, apr_time_now());
        if (abandoned())
            return;
        apr_thread_mutex_lock(df->mu);
        df->checking = 0;
        apr_thread_cond_broadcast(df->checked);
        apr_thread_mutex_unlock(df->mu);
    }
}

static void *APR_THREAD_FUNC watch_files(apr_thread_t *thread, void *unused)
{
    (void)thread;
    (void)unused;
    apr_thread_mutex_lock(watcher.mu);
    while (!watcher.stop) {
        apr_thread_mutex_unlock(watcher.mu);
        check_all(watcher.files, watcher.s);
        apr_thread_mutex_lock(watcher.mu);
        if (!watcher.stop)
            apr_thread_cond_timedwait(watcher.wake, watcher.mu,
                                      CHECK_INTERVAL);
    }
    watcher.done = 1;
    apr_thread_cond_signal(watcher.finished);
    apr_thread_mutex_unlock(watcher.mu);
    return NULL;
}

/* pchild's pre-cleanup, so that it runs before pchild's subpools (the
 * thread's own among them) and its other cleanups go: the thread is woken
 * and waited for, at most STOP_WAIT (a read hung on a dead mount must not
 * hold the child's exit).  Joined only once it said it is done, so the
 * join cannot block; a thread still reading is told it is abandoned
 * (it touches nothing shared again) and detached, and ends with the
 * process. */
static apr_status_t stop_watching(void *unused)
{
    (void)unused;
    if (!watcher.thread)
        return APR_SUCCESS;
    apr_time_t until = apr_time_now() + STOP_WAIT;
    apr_thread_mutex_lock(watcher.mu);
    watcher.stop = 1;
    apr_thread_cond_signal(watcher.wake);
    while (!watcher.done) {
        apr_interval_time_t left = until - apr_time_now();
        if (left <= 0)
            break;
        apr_thread_cond_timedwait(watcher.finished, watcher.mu, left);
    }
    int done = watcher.done;
    apr_thread_mutex_unlock(watcher.mu);
    apr_status_t rv;
    if (done)
        apr_thread_join(&rv, watcher.thread);
    else {
        apr_atomic_set32(&watcher_abandoned, 1);
        apr_thread_detach(watcher.thread);
    }
    watcher.thread = NULL;
    return APR_SUCCESS;
}

/* child_init: the files are looked at once now, then once a second from
 * a thread of its own (stopped with pchild). */
void watch_start(apr_pool_t *pchild, server_rec *s, apr_hash_t *configured)
{
    /* nothing to reopen for a pthread mutex; kept for APR's contract */
    apr_status_t reattached = notes_mutex
        ? apr_global_mutex_child_init(&notes_mutex, NULL, pchild)
        : APR_SUCCESS;
    if (reattached != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, reattached, s, AZPLOGNO(00063)
                     "cannot reattach the lock of the data files' notes");
    /* the parent's versions may be up to ten seconds old: a new child
     * starts from the files as they are */
    check_all(configured, s);
    apr_pool_t *pool = apr_hash_pool_get(configured);
    watcher.files = configured;
    watcher.s = s;
    watcher.stop = watcher.done = 0;
    apr_atomic_set32(&watcher_abandoned, 0);
    watcher.thread = NULL;
    apr_status_t rv = apr_thread_mutex_create(&watcher.mu,
                                              APR_THREAD_MUTEX_DEFAULT, pool);
    if (rv == APR_SUCCESS)
        rv = apr_thread_cond_create(&watcher.wake, pool);
    if (rv == APR_SUCCESS)
        rv = apr_thread_cond_create(&watcher.finished, pool);
    if (rv == APR_SUCCESS) {
        /* signals are for the child's own threads, never this one: it
         * starts with the mask of the thread that creates it (APR has no
         * call that sets a thread's mask, hence POSIX's).  A fault in the
         * thread itself still reaches httpd's handlers (a core dump, a
         * log line): a blocked SIGSEGV raised by the fault would kill the
         * process without either. */
        sigset_t all, old;
        sigfillset(&all);
        static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
                                      SIGABRT, SIGTRAP };
        for (unsigned i = 0; i < sizeof faults / sizeof *faults; i++)
            sigdelset(&all, faults[i]);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        rv = apr_thread_create(&watcher.thread, NULL, watch_files, NULL,
                               pchild);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (rv != APR_SUCCESS) {
        watcher.thread = NULL;
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AZPLOGNO(00042)
                     "cannot start the thread that reloads data files: "
                     "changes are seen only by the processes started after "
                     "the parent sees them");
        return;
    }
    apr_pool_pre_cleanup_register(pchild, NULL, stop_watching);
}
