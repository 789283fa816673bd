/*
 * datafile_read: reading a data file safely, and who may read it.
 *
 * Only regular files are read, and every check is made on the descriptor
 * that is read: the path is looked up once, into a descriptor that opens
 * nothing (O_PATH), whose type is checked before that very file is opened
 * for reading through it, so that a FIFO or a device is never opened even
 * if a name is swapped meanwhile.  A read is bounded, and a file that
 * changed while being read, or that looks half-written, is not believed.
 * Nothing here holds a lock.
 */
#include "datafile_int.h"

#include <apr_strings.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a writer that stalled mid-way leaves looks like a finished file to
 * a clock: an empty file, an in-place rewrite that made the file shorter,
 * or a text file whose last line is unfinished must stay unchanged this
 * long before it is believed. */
#define SUSPECT_SETTLE apr_time_from_sec(10)

/* Why a file could not be read (read_file's own failures or an errno). */
void describe_read_error(int e, char *why, apr_size_t whylen)
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

/* Opens path (symlinks followed) for reading only if it is a regular file;
 * *st is the fstat() of the descriptor returned, on which callers make
 * every other check (owner, size, where it resolves).  The path is
 * resolved once, into an O_PATH descriptor: that opens nothing (a FIFO
 * gains no reader, a device's driver is not called), and its fstat() says
 * what the name led to.  Only a regular file is then opened for reading,
 * through /proc/self/fd, which reopens that same file rather than look the
 * path up again: a name swapped for a FIFO in between changes nothing.
 * Without /proc (a chroot), the path is opened again, non-blocking, and the
 * descriptor refused unless it is the file checked: a FIFO swapped in at
 * that moment is opened, never read. */
int open_regular(const char *path, int *fd, struct stat *st)
{
    struct stat named;
    int pfd = open(path, O_PATH | O_CLOEXEC);
    if (pfd < 0)
        return errno;
    if (fstat(pfd, &named) < 0) {
        int e = errno;
        close(pfd);
        return e;
    }
    if (!S_ISREG(named.st_mode)) {
        close(pfd);
        return ERR_NOT_REGULAR;
    }
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", pfd);
    *fd = open(self, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (*fd < 0 && errno == ENOENT)     /* no /proc */
        *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    int e = *fd < 0 ? errno : 0;
    close(pfd);
    if (e)
        return e;
    if (fstat(*fd, st) < 0)
        e = errno;
    else if (!S_ISREG(st->st_mode))
        e = ERR_NOT_REGULAR;
    else if (st->st_dev != named.st_dev || st->st_ino != named.st_ino)
        e = EAGAIN;                     /* swapped: not the file checked */
    if (e)
        close(*fd);
    return e;
}

/* Reads the whole of the opened file fd (as fstat()ed in before).  EAGAIN:
 * it changed less than settle ago, or while being read (a writer is at
 * work).  The rule is checked on the file actually opened: it may have
 * been truncated since it was last stat()ed.  prev: the version in force,
 * to recognise an in-place rewrite that shrank the file; lines: a text
 * file, whose last line ends in a newline when it is complete; max: the
 * largest size allowed, 0 for no limit. */
int read_file(int fd, const struct stat *before, apr_interval_time_t settle,
              const version *prev, int lines, apr_off_t max, char **buf,
              apr_size_t *len, version *v)
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

/* 1 when uid (with its groups) may read a file of mode/owner st. */
int uid_can_read(const struct stat *st, uid_t uid)
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


/* Whether a user (uid, with gid and the groups of name, as httpd's unixd
 * sets them) has permission want (S_IROTH read, S_IXOTH search) on a file
 * of mode/owner st, by its permission bits (ACLs are not read). */
static int user_may(const struct stat *st, uid_t uid, gid_t gid,
                    const char *name, mode_t want)
{
    if (uid == 0)
        return 1;
    if (st->st_uid == uid)
        return (st->st_mode & (want << 6)) != 0;
    int member = st->st_gid == gid;
    gid_t groups[256];
    int n = 256;
    if (!member && name && getgrouplist(name, gid, groups, &n) >= 0)
        for (int i = 0; i < n && !member; i++)
            member = groups[i] == st->st_gid;
    return (st->st_mode & (member ? want << 3 : want)) != 0;
}

static void describe_refusal(const char *what, const char *where,
                             const struct stat *st, char *why,
                             apr_size_t whylen)
{
    struct passwd pw, *found = NULL;
    char buf[1024], owner[300];
    if (getpwuid_r(st->st_uid, &pw, buf, sizeof buf, &found) == 0 && found)
        apr_cpystrn(owner, pw.pw_name, sizeof owner);
    else
        apr_snprintf(owner, sizeof owner, "uid %ld", (long)st->st_uid);
    apr_snprintf(why, whylen, "%s %s (owner %s, mode %04o)", what, where,
                 owner, (unsigned)(st->st_mode & 07777));
}

/* Search permission on each directory of path's prefixes ("/", "/a",
 * "/a/b" for "/a/b/f"), each stat()ed through its symlinks. */
static int user_may_search(const char *path, uid_t uid, gid_t gid,
                           const char *name, char *why, apr_size_t whylen)
{
    char dir[PATH_MAX];
    size_t len = strlen(path);
    if (path[0] != '/' || len >= sizeof dir)
        return 1;
    for (size_t i = 0; i < len; i++) {
        if (path[i] != '/' || (i > 0 && path[i - 1] == '/'))
            continue;
        memcpy(dir, path, i ? i : 1);
        dir[i ? i : 1] = '\0';
        struct stat st;
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
            return 1;                   /* its reader says what is wrong */
        if (!user_may(&st, uid, gid, name, S_IXOTH)) {
            describe_refusal("no search permission on the directory", dir,
                             &st, why, whylen);
            return 0;
        }
    }
    return 1;
}

int user_can_read_path(const char *path, uid_t uid, gid_t gid,
                       const char *name, char *why, apr_size_t whylen)
{
    char resolved[PATH_MAX];
    struct stat st;
    if (!realpath(path, resolved) || stat(resolved, &st) < 0)
        return 1;                       /* its reader says what is wrong */
    if (!user_may_search(path, uid, gid, name, why, whylen)
        || !user_may_search(resolved, uid, gid, name, why, whylen))
        return 0;
    if (!user_may(&st, uid, gid, name, S_IROTH)) {
        describe_refusal("no read permission on the file", resolved, &st,
                         why, whylen);
        return 0;
    }
    return 1;
}
