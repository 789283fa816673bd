/*
 * instant: the expiry instants of the user file (role=oncall@2026-12-01T18:00:00Z),
 * ISO 8601 in UTC, read into seconds since the Unix epoch.
 *
 * Pure C (libc only) so that it can be unit-tested and fuzzed on its own.
 */
#ifndef AUTHZ_POLICY_INSTANT_H
#define AUTHZ_POLICY_INSTANT_H

#include <stddef.h>
#include <stdint.h>

/* The one accepted form: YYYY-MM-DDTHH:MM:SSZ, exactly 20 bytes. */
#define INSTANT_LEN 20

/* Where the name of a value (NAME or NAME@INSTANT) ends: at its last '@'
 * when a digit follows, else at its end, so that names which held an '@'
 * before values could expire keep their meaning. */
size_t instant_name_len(const char *v, size_t len);

/* Reads len bytes as an instant, years 2000 to 9999, into *out (always
 * above 0, so that 0 can mean "never").  0 on success, -1 when the text
 * is not such an instant or names a day or time that does not exist. */
int instant_parse(const char *s, size_t len, int64_t *out);

/* 1 while a value that expires at expiry (0: never) still counts at now
 * (seconds since the epoch): it counts up to, not at, the instant. */
static inline int instant_live(int64_t expiry, int64_t now)
{
    return expiry == 0 || now < expiry;
}

#endif
