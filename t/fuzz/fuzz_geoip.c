/* libFuzzer target: MaxMind DB files as the module reads them.
 *
 * The input is a database file (seeds: t/data/make-geoip.pl's test
 * database).  libmaxminddb opens it or refuses it; when it opens, looking
 * up addresses (the test database's known ones, and addresses taken from
 * the input) through geoip_region never crashes, and an answer is either
 * "unknown" (0), an error with a message (-1), or a country that is two
 * upper-case letters and a valid region code, with a subdivision that is
 * empty or a valid code of that country.
 *
 * libmaxminddb itself is Debian's, not instrumented: coverage guides the
 * fuzzer through the module's side only, and AddressSanitizer sees the
 * library's memory through its interceptors alone. */
#define _GNU_SOURCE
#include "geoip_region.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* libmaxminddb 1.7.1 (Debian 12) leaks its metadata's data pool (4,640
 * bytes) when MMDB_open fails on corrupt metadata; the module meets that
 * once per bad version of a database file (a failed version is not read
 * again).  Not the module's memory: leaks from inside the library are not
 * reported, every other leak is. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libmaxminddb.so\n";
}

static void check_answer(const MMDB_s *db, const struct sockaddr *sa)
{
    char country[3] = "", sub[REGION_MAX] = "", code[REGION_MAX];
    const char *err = NULL;
    int rv = geoip_region(db, sa, country, sub, &err);
    if (rv < 0) {
        if (!err || !*err)
            abort();
        return;
    }
    if (rv == 0)
        return;
    if (rv != 1 || strlen(country) != 2
        || country[0] < 'A' || country[0] > 'Z'
        || country[1] < 'A' || country[1] > 'Z'
        || !region_parse(country, 2, code) || strcmp(code, country))
        abort();
    size_t n = strnlen(sub, REGION_MAX);
    if (n == REGION_MAX)
        abort();                        /* not terminated */
    if (n && (n < 4 || memcmp(sub, country, 2) || sub[2] != '-'
              || !region_parse(sub, n, code) || strcmp(code, sub)))
        abort();
}

static void lookup4(const MMDB_s *db, const uint8_t a[4])
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    memcpy(&sin.sin_addr, a, 4);
    check_answer(db, (const struct sockaddr *)&sin);
}

static void lookup6(const MMDB_s *db, const uint8_t a[16])
{
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    memcpy(&sin6.sin6_addr, a, 16);
    check_answer(db, (const struct sockaddr *)&sin6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libmaxminddb opens files only: a memory file, by its /proc name */
    int fd = memfd_create("fuzz-geoip", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    MMDB_s db;
    if (MMDB_open(path, MMDB_MODE_MMAP, &db) == MMDB_SUCCESS) {
        static const uint8_t known[][4] = { { 127, 0, 0, 1 }, { 127, 0, 0, 2 },
                                            { 127, 0, 0, 3 }, { 127, 0, 0, 4 },
                                            { 127, 0, 0, 5 }, { 0, 0, 0, 0 },
                                            { 255, 255, 255, 255 } };
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
            lookup4(&db, known[i]);
            uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
            memcpy(mapped + 12, known[i], 4);
            lookup6(&db, mapped);
        }
        uint8_t loopback6[16] = { 0 };
        loopback6[15] = 1;
        lookup6(&db, loopback6);
        for (size_t i = 0; i + 16 <= size && i < 16 * 16; i += 16) {
            lookup4(&db, data + i);
            lookup6(&db, data + i);
        }
        MMDB_close(&db);
    }
    close(fd);
    return 0;
}
