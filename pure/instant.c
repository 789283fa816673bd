/*
 * instant: ISO 8601 UTC instants for expiring grants.
 *
 * Only the full form with seconds and the 'Z' of UTC is accepted: an
 * instant without a zone would depend on where the server runs, and a
 * shortened one (a date alone) leaves open which end of the day is meant.
 */
#include "instant.h"

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), for years from 1970 on. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

size_t instant_name_len(const char *v, size_t len)
{
    for (size_t i = len; i-- > 0;)
        if (v[i] == '@')
            return i + 1 < len && v[i + 1] >= '0' && v[i + 1] <= '9' ? i
                                                                   : len;
    return len;
}

int instant_parse(const char *s, size_t len, int64_t *out)
{
    if (len != INSTANT_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T'
        || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
    int hour = digits(s + 11, 2), minute = digits(s + 14, 2);
    int second = digits(s + 17, 2);
    /* a leap second (:60) is refused: POSIX time has no place for it */
    if (year < 2000 || month < 1 || month > 12 || day < 1
        || day > days_in_month(year, month) || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59)
        return -1;
    *out = days_from_civil(year, month, day) * 86400 + hour * 3600
           + minute * 60 + second;
    return 0;
}
