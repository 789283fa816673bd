/* Unit tests of the expiry instants of the user file (instant.c). */
#define _GNU_SOURCE                    /* timegm, the reference */
#include "instant.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int parses(const char *text, int64_t *out)
{
    return instant_parse(text, strlen(text), out) == 0;
}

static void test_known(void)
{
    int64_t t = 0;
    CHECK(parses("2026-12-01T18:00:00Z", &t) && t == 1796148000,
          "2026-12-01T18:00:00Z is 1796148000");
    CHECK(parses("2000-01-01T00:00:00Z", &t) && t == 946684800,
          "the first instant accepted");
    CHECK(parses("9999-12-31T23:59:59Z", &t) && t == 253402300799,
          "the last instant accepted");
    CHECK(parses("2024-02-29T12:00:00Z", &t), "29 February of a leap year");
    CHECK(parses("2000-02-29T12:00:00Z", &t), "2000 was a leap year");
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "2026-12-01T18:00:00",          /* no zone */
        "2026-12-01T18:00:00+00:00",    /* an offset, not Z */
        "2026-12-01T18:00Z",            /* no seconds */
        "2026-12-01",                   /* a date alone */
        "2026-12-01 18:00:00Z",         /* a space, not T */
        "2026-12-01t18:00:00z",         /* lower case */
        "2026-13-01T18:00:00Z", "2026-00-01T18:00:00Z",
        "2026-11-31T18:00:00Z", "2026-12-00T18:00:00Z",
        "2025-02-29T18:00:00Z", "2100-02-29T18:00:00Z",
        "2026-12-01T24:00:00Z", "2026-12-01T18:60:00Z",
        "2026-12-01T18:00:60Z",         /* a leap second */
        "1999-12-31T23:59:59Z",         /* before 2000 */
        "1970-01-01T00:00:00Z",         /* 0, which means never */
        "+026-12-01T18:00:00Z", "2026-1a-01T18:00:00Z",
        "2026-12-01T18:00:00ZZ", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        CHECK(!parses(bad[i], &t), "refused: \"%s\"", bad[i]);
    }
}

/* Every day from 2000 to 2400 at a time of day that changes, against the
 * C library's timegm. */
static void test_against_timegm(void)
{
    long wrong = 0, days = 0;
    for (time_t day = 946684800; day < 13569465600; day += 86400, days++) {
        time_t when = day + (days * 3607) % 86400;
        struct tm tm;
        gmtime_r(&when, &tm);
        char text[80];
        snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
        int64_t t = 0;
        if (!parses(text, &t) || t != (int64_t)timegm(&tm))
            wrong++;
    }
    CHECK(wrong == 0, "%ld days from 2000 to 2400 agree with timegm "
          "(%ld wrong)", days, wrong);
}

static void test_name_len(void)
{
    static const struct { const char *value; size_t name; } cases[] = {
        { "oncall@2026-12-01T18:00:00Z", 6 }, { "oncall", 6 },
        { "mail@example.com", 16 }, { "a@b@2026-12-01T18:00:00Z", 3 },
        { "a@2026-12-01T18:00:00Z@b", 24 }, { "ops@2fa", 3 },
        { "@2026-12-01T18:00:00Z", 0 }, { "trailing@", 9 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(instant_name_len(cases[i].value, strlen(cases[i].value))
              == cases[i].name, "the name of \"%s\" is %zu bytes",
              cases[i].value, cases[i].name);
}

static void test_live(void)
{
    CHECK(instant_live(0, 4000000000), "0 never expires");
    CHECK(instant_live(1000, 999), "a second before the instant counts");
    CHECK(!instant_live(1000, 1000), "at the instant it no longer counts");
    CHECK(!instant_live(1000, 1001), "after it neither");
}

int main(void)
{
    test_known();
    test_refused();
    test_against_timegm();
    test_name_len();
    test_live();
    return UNIT_DONE();
}
