/*
 * bench/parse: what crafted user files cost the parser (make bench-parse).
 *
 *  - time: a file of N names crafted to collide in the low 32 bits of
 *    64-bit FNV-1a (the hash the user table once used: every name in one
 *    index slot, so each insert walked past all the others), against a
 *    file of N random names of the same length; the best of --runs parses
 *    of each, and the ratio.  The bar: within 3x.
 *  - memory: a file of --bytes (default 16M, AuthzPolicyHtaccessLimits'
 *    default BYTES) of the shortest distinct names, and other shapes; for
 *    each, the image's bytes (what a process keeps) and the parse's peak
 *    resident memory, each against the file's size.  The bar: the image
 *    is at most --bound times the file and the peak --peak times
 *    (docs/directives.md, AuthzPolicyHtaccessLimits: 7 and 9).
 *
 * The names collide by construction: the low 32 bits of FNV-1a depend only
 * on the low 32 bits of its state (s = (s ^ byte) * 0x1b3 mod 2^32), so
 * two 4-byte blocks that lead from one state to the same state (found by
 * a birthday search) can be swapped for each other; k such pairs, each
 * found from the state the previous one leads to, give 2^k names of 4k
 * bytes that all collide.
 *
 *   build/bench-parse [--count 16384] [--runs 3] [--bytes 16M] [--bound 7]
 *                     [--peak 9]
 *                     [--pairs K] (prints K colliding pairs and exits)
 */
#define _GNU_SOURCE
#include "userdb.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static uint32_t fnv_low(uint32_t s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s = (s ^ (unsigned char)p[i]) * 0x1b3u;
    return s;
}

#define FNV_LOW_BASIS 0x84222325u       /* low half of FNV-1a's basis */

/* A pair of 4-byte blocks that lead from state s to one state. */
static void colliding_pair(uint32_t s, char a[5], char b[5])
{
    enum { SLOTS = 1 << 20 };
    static uint32_t seen_state[SLOTS], seen_block[SLOTS];
    static uint8_t used[SLOTS];
    memset(used, 0, sizeof used);
    const uint32_t n = 36;
    for (uint32_t i = 0; i < n * n * n * n; i++) {
        char blk[4] = { alnum[i % n], alnum[i / n % n], alnum[i / n / n % n],
                        alnum[i / n / n / n] };
        uint32_t t = fnv_low(s, blk, 4), j = (t * 2654435761u) >> 12;
        while (used[j] && seen_state[j] != t)
            j = (j + 1) & (SLOTS - 1);
        if (used[j]) {
            uint32_t k = seen_block[j];
            char other[4] = { alnum[k % n], alnum[k / n % n],
                              alnum[k / n / n % n], alnum[k / n / n / n] };
            memcpy(a, other, 4);
            memcpy(b, blk, 4);
            a[4] = b[4] = '\0';
            return;
        }
        used[j] = 1;
        seen_state[j] = t;
        seen_block[j] = i;
    }
    abort();
}

/* k pairs, each from the state the one before leads to. */
static void colliding_pairs(unsigned k, char (*pairs)[2][5])
{
    uint32_t s = FNV_LOW_BASIS;
    for (unsigned i = 0; i < k; i++) {
        colliding_pair(s, pairs[i][0], pairs[i][1]);
        s = fnv_low(s, pairs[i][0], 4);
    }
}

typedef struct {
    char *buf;
    size_t len;
} text;

/* 2^k names from k pairs: bit i of the name's number picks pair i's block. */
static text colliding_file(unsigned k, char (*pairs)[2][5])
{
    size_t n = (size_t)1 << k, line = 4 * (size_t)k + 1;
    text t = { malloc(n * line), n * line };
    for (size_t u = 0; u < n; u++) {
        char *p = t.buf + u * line;
        for (unsigned i = 0; i < k; i++)
            memcpy(p + 4 * i, pairs[i][(u >> i) & 1], 4);
        p[4 * k] = '\n';
    }
    return t;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* n random names of len bytes (distinct: 36^len is far above n). */
static text random_file(size_t n, size_t len)
{
    text t = { malloc(n * (len + 1)), n * (len + 1) };
    for (size_t u = 0; u < n; u++) {
        char *p = t.buf + u * (len + 1);
        for (size_t i = 0; i < len; i++)
            p[i] = alnum[next_random() % 36];
        p[len] = '\n';
    }
    return t;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The best of runs parses, in seconds; -1 when the file is refused. */
static double parse_time(const text *t, unsigned runs)
{
    double best = -1;
    char err[256];
    for (unsigned r = 0; r < runs; r++) {
        double t0 = now();
        userdb *db = userdb_parse(t->buf, t->len, err, sizeof err);
        double took = now() - t0;
        if (!db) {
            fprintf(stderr, "bench-parse: refused: %s\n", err);
            return -1;
        }
        userdb_free(db);
        if (best < 0 || took < best)
            best = took;
    }
    return best;
}

/* ---- memory ---------------------------------------------------------- */

/* Writes the n-th shortest name over the alphabet of 62 to p; its length. */
static size_t short_name(uint64_t n, char *p)
{
    static const char a62[] = "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t len = 1;
    uint64_t span = 62;
    while (n >= span) {
        n -= span;
        span *= 62;
        len++;
    }
    for (size_t i = len; i-- > 0;) {
        p[i] = a62[n % 62];
        n /= 62;
    }
    return len;
}

/* The shortest distinct names, one a line, up to bytes. */
static text short_names_file(size_t bytes)
{
    text t = { malloc(bytes), 0 };
    char name[16];
    for (uint64_t n = 0;; n++) {
        size_t len = short_name(n, name);
        if (t.len + len + 1 > bytes)
            break;
        memcpy(t.buf + t.len, name, len);
        t.buf[t.len + len] = '\n';
        t.len += len + 1;
    }
    return t;
}

/* Each user a list of one-byte roles of its own: "NAME role=a,b,...". */
static text role_lists_file(size_t bytes)
{
    text t = { malloc(bytes), 0 };
    char name[16];
    for (uint64_t n = 0;; n++) {
        size_t len = short_name(n, name);
        char line[128];
        int at = snprintf(line, sizeof line, "%.*s role=", (int)len, name);
        /* a different list for each user: the name's bytes as roles,
         * then a run of the same few */
        for (size_t i = 0; i < len; i++)
            at += snprintf(line + at, sizeof line - (size_t)at, "%c,", name[i]);
        at += snprintf(line + at, sizeof line - (size_t)at,
                       "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t\n");
        if (t.len + (size_t)at > bytes)
            break;
        memcpy(t.buf + t.len, line, (size_t)at);
        t.len += (size_t)at;
    }
    return t;
}

static text fill_file(size_t bytes, const char *unit)
{
    size_t u = strlen(unit);
    text t = { malloc(bytes), 0 };
    while (t.len + u <= bytes) {
        memcpy(t.buf + t.len, unit, u);
        t.len += u;
    }
    return t;
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':')
            kb = atol(line + n + 1);
    if (f)
        fclose(f);
    return kb;
}

/* Parses t in a child of its own, so that its peak is the parse's:
 * the image's bytes, what the parse added to the peak resident memory
 * and what stays resident with the image. */
static int measure(const char *what, const text *t, double bound,
                   double peak)
{
    int pipefd[2];
    if (pipe(pipefd))
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        /* as the module does (datafile_snapshot.c): large blocks in
         * mappings of their own, given back when freed */
        mallopt(M_MMAP_THRESHOLD, 256 * 1024);
        long hwm0 = status_kb("VmHWM"), rss0 = status_kb("VmRSS");
        char err[256];
        userdb *db = userdb_parse(t->buf, t->len, err, sizeof err);
        long hwm1 = status_kb("VmHWM");
        malloc_trim(0);
        long rss1 = status_kb("VmRSS");
        double out[4] = { db ? (double)userdb_size(db) : -1,
                          (double)(hwm1 - hwm0), (double)(rss1 - rss0),
                          db ? (double)userdb_count(db) : 0 };
        if (!db)
            fprintf(stderr, "bench-parse: %s refused: %s\n", what, err);
        if (write(pipefd[1], out, sizeof out) != sizeof out)
            _exit(1);
        _exit(0);
    }
    close(pipefd[1]);
    double got[4];
    ssize_t n = read(pipefd[0], got, sizeof got);
    close(pipefd[0]);
    waitpid(pid, NULL, 0);
    if (n != sizeof got || got[0] < 0)
        return 1;
    double mb = 1024.0 * 1024.0, file = (double)t->len;
    int over = got[0] > bound * file + 64 * 1024
               || got[1] * 1024 > peak * file + 1024 * 1024;
    printf("%-22s %7.1f MB file %9.0f users  image %7.1f MB (%4.2fx)  "
           "parse peak +%6.1f MB (%4.2fx)  kept +%6.1f MB  %s\n",
           what, file / mb, got[3], got[0] / mb, got[0] / file,
           got[1] * 1024 / mb, got[1] * 1024 / file, got[2] * 1024 / mb,
           over ? "OVER the bound" : "within the bound");
    return over;
}

static size_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end == 'K' || *end == 'k')
        v *= 1024;
    else if (*end == 'M' || *end == 'm')
        v *= 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        v *= 1024.0 * 1024 * 1024;
    return (size_t)v;
}

int main(int argc, char **argv)
{
    unsigned count = 16384, runs = 3, pairs_only = 0;
    size_t bytes = 16 * 1024 * 1024;
    double bound = 7, peak = 9;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--count"))
            count = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs"))
            runs = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--bytes"))
            bytes = parse_size(argv[i + 1]);
        else if (!strcmp(argv[i], "--bound"))
            bound = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--peak"))
            peak = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--pairs"))
            pairs_only = (unsigned)atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: %s [--count N] [--runs N] [--bytes N] "
                    "[--bound X] [--peak X] [--pairs K]\n", argv[0]);
            return 2;
        }
    }
    if (pairs_only) {
        char (*pairs)[2][5] = calloc(pairs_only, sizeof *pairs);
        colliding_pairs(pairs_only, pairs);
        for (unsigned i = 0; i < pairs_only; i++)
            printf("%s %s\n", pairs[i][0], pairs[i][1]);
        return 0;
    }
    unsigned k = 0;
    while (((size_t)1 << k) < count)
        k++;
    char (*pairs)[2][5] = calloc(k ? k : 1, sizeof *pairs);
    colliding_pairs(k, pairs);
    text coll = colliding_file(k, pairs), rand = random_file((size_t)1 << k,
                                                              4 * (size_t)k);
    double tc = parse_time(&coll, runs), tr = parse_time(&rand, runs);
    if (tc < 0 || tr < 0)
        return 1;
    printf("%zu names of %u bytes: colliding %.3f s, random %.3f s, "
           "ratio %.2f (bar: 3)\n", (size_t)1 << k, 4 * k, tc, tr, tc / tr);
    int bad = tc > 3 * tr;
    free(coll.buf);
    free(rand.buf);
    free(pairs);

    printf("image and parse memory against the file's size (bounds: image "
           "%.1fx, peak %.1fx):\n", bound, peak);
    text shapes[4] = { short_names_file(bytes), role_lists_file(bytes),
                       fill_file(bytes, "\n"), fill_file(bytes, "#\n") };
    const char *names[4] = { "shortest names", "own role lists",
                             "blank lines", "comment lines" };
    for (int i = 0; i < 4; i++) {
        bad |= measure(names[i], &shapes[i], bound, peak);
        free(shapes[i].buf);
    }
    return bad;
}
