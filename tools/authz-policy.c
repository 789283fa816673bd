/*
 * authz-policy: the command-line companion of mod_authz_policy
 * (docs/authz-policy.1).
 *
 *   authz-policy check users|iplist FILE...
 *   authz-policy explain EXPLAIN-URL URL-PATH|URL --user NAME
 *                        [--ip ADDRESS] [--method METHOD] [--host NAME]
 *                        [--header NAME:VALUE]... [--env NAME=VALUE]...
 *
 * check parses data files with the module's own parsers (pure/), read as
 * the module reads them: regular files only, refused without being opened
 * otherwise.  The parsers stop at a file's first error ("line N: ..."), so
 * to report every error the line named is blanked out and the file parsed
 * again, until it parses; every line is first parsed on its own, so that
 * a file with many bad lines costs one pass for those.
 */
#include "explain_client.h"
#include "usage.h"
#include "iplist.h"
#include "userdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *kind;
    void *(*parse)(const char *buf, size_t len, char *err, size_t errlen);
    size_t (*count)(const void *image);
    void (*release)(void *image);
} file_kind;

static void *parse_users(const char *buf, size_t len, char *err,
                         size_t errlen)
{
    return userdb_parse(buf, len, err, errlen);
}

static size_t count_users(const void *image)
{
    return userdb_count(image);
}

static void free_users(void *image)
{
    userdb_free(image);
}

static void *parse_iplist(const char *buf, size_t len, char *err,
                          size_t errlen)
{
    return iplist_parse(buf, len, err, errlen);
}

static size_t count_iplist(const void *image)
{
    return iplist_count(image);
}

static void free_iplist(void *image)
{
    iplist_free(image);
}

static const file_kind kinds[] = {
    { "users", parse_users, count_users, free_users },
    { "iplist", parse_iplist, count_iplist, free_iplist },
};

/* The whole of a regular file, as the module reads one: the type is
 * checked before it is opened (a FIFO would block) and on what was
 * opened.  NULL with errno set (EINVAL: not a regular file). */
static char *read_regular(const char *path, size_t *len)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return NULL;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf && n == cap) {
            char *more = realloc(buf, cap * 2);
            if (!more) {
                free(buf);
                buf = NULL;
            }
            buf = more;
            cap *= 2;
        }
        if (!buf) {
            close(fd);
            errno = ENOMEM;
            return NULL;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            int e = errno;
            close(fd);
            if (got < 0) {
                free(buf);
                errno = e;
                return NULL;
            }
            *len = n;
            return buf;
        }
        n += (size_t)got;
    }
}

/* The bounds of line number `line` (from 1) of buf. */
static int find_line(char *buf, size_t len, unsigned line, char **start,
                     char **end)
{
    char *p = buf, *stop = buf + len;
    for (unsigned i = 1; i < line; i++) {
        char *nl = memchr(p, '\n', (size_t)(stop - p));
        if (!nl)
            return 0;
        p = nl + 1;
    }
    char *nl = memchr(p, '\n', (size_t)(stop - p));
    *start = p;
    *end = nl ? nl : stop;
    return 1;
}

/* A file's errors, printed in the order of their lines at the end. */
typedef struct {
    unsigned line;               /* 0: the file as a whole */
    char message[256];
} file_error;

typedef struct {
    file_error *errors;
    unsigned n, cap;
} error_list;

/* Keeps a parser's "line N: message" as line N + offset (or the message
 * for the whole file if it names no line); returns the line, 0 if none. */
static unsigned report(error_list *list, const char *err, unsigned offset)
{
    if (list->n == list->cap) {
        unsigned cap = list->cap ? list->cap * 2 : 16;
        file_error *more = realloc(list->errors, cap * sizeof *more);
        if (!more) {
            fprintf(stderr, "authz-policy: out of memory\n");
            exit(1);
        }
        list->errors = more;
        list->cap = cap;
    }
    file_error *e = &list->errors[list->n++];
    unsigned line;
    int used = 0;
    if (sscanf(err, "line %u: %n", &line, &used) != 1 || used <= 0)
        line = offset = used = 0;
    e->line = line ? line + offset : 0;
    snprintf(e->message, sizeof e->message, "%s", err + used);
    return e->line;
}

static int by_line(const void *a, const void *b)
{
    const file_error *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

static void print_errors(const char *path, error_list *list)
{
    if (list->n)
        qsort(list->errors, list->n, sizeof *list->errors, by_line);
    for (unsigned i = 0; i < list->n; i++) {
        if (list->errors[i].line)
            printf("%s:%u: %s\n", path, list->errors[i].line,
                   list->errors[i].message);
        else
            printf("%s: %s\n", path, list->errors[i].message);
    }
    free(list->errors);
}

/* Each line parsed on its own: errors that lie within one line are
 * reported, and the line blanked out.  Returns how many. */
static unsigned check_lines(const file_kind *k, error_list *list, char *buf,
                            size_t len)
{
    unsigned errors = 0, line = 0;
    char err[256];
    for (char *p = buf; p < buf + len; line++) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        char *end = nl ? nl : buf + len;
        void *image = k->parse(p, (size_t)(end - p), err, sizeof err);
        if (image) {
            k->release(image);
        }
        else if (report(list, err, line)) {
            memset(p, ' ', (size_t)(end - p));
            errors++;
        }
        else {
            errors++;
        }
        p = end + 1;
    }
    return errors;
}

/* One file: 0 when it is valid. */
/* A grant whose instant has passed: still valid in the file, and worth
 * telling (it no longer counts, and may be cleaned up). */
typedef struct {
    const char *path;
    time_t now;
} expired_scan;

static void print_if_expired(void *ctx, const userdb_expiring *v)
{
    const expired_scan *scan = ctx;
    if (v->expiry > (int64_t)scan->now)
        return;
    time_t t = (time_t)v->expiry;
    struct tm tm;
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    printf("%s:%u: expired: user '%.*s': %.*s '%.*s' expired at %s\n",
           scan->path, v->line, (int)v->user_len, v->user, (int)v->key_len,
           v->key, (int)v->name_len, v->name, when);
}

static int check_file(const file_kind *k, const char *path)
{
    size_t len = 0;
    char *buf = read_regular(path, &len);
    if (!buf) {
        printf("%s: %s\n", path, errno == EINVAL ? "not a regular file"
                                                 : strerror(errno));
        return 1;
    }
    error_list list = { 0 };
    unsigned errors = check_lines(k, &list, buf, len), last = 0;
    char err[256];
    for (;;) {
        void *image = k->parse(buf, len, err, sizeof err);
        if (image) {
            if (!errors)
                printf("%s: %zu entries\n", path, k->count(image));
            if (!errors && k->parse == parse_users) {
                expired_scan scan = { path, time(NULL) };
                userdb_each_expiring(buf, len, print_if_expired, &scan);
            }
            k->release(image);
            break;
        }
        errors++;
        unsigned line = report(&list, err, 0);
        char *start, *end;
        /* no line, or one already blanked: the parser cannot go on */
        if (!line || line == last || !find_line(buf, len, line, &start, &end))
            break;
        memset(start, ' ', (size_t)(end - start));
        last = line;
    }
    print_errors(path, &list);
    free(buf);
    return errors ? 1 : 0;
}

static int check(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("check users|iplist FILE...");
    const file_kind *k = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(argv[0], kinds[i].kind))
            k = &kinds[i];
    if (!k)
        return usage_error("check: the kind is users or iplist");
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= check_file(k, argv[i]);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "check"))
        return check(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "explain"))
        return explain_command(argc - 2, argv + 2);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage_error("check data files, or ask a server why it decides");
        return 0;
    }
    return usage_error(argc < 2 ? "no command" : "unknown command");
}
