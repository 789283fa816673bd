/*
 * region: ISO 3166 region codes as Require region and the region sources
 * use them.  Pure C, for unit tests and fuzzing.
 *
 * A code is a country (ISO 3166-1 alpha-2, "DE") or a subdivision
 * (ISO 3166-2, "US-CA": country, '-', one to three letters or digits).
 * Codes are case-insensitive and kept in upper case.  "XX" stands for an
 * unknown region.
 */
#ifndef AUTHZ_POLICY_REGION_H
#define AUTHZ_POLICY_REGION_H

#include <stddef.h>

#define REGION_MAX 7                 /* "US-ABC" and a NUL */

/* 1 and the upper-case code in out when s (len bytes) is a valid code. */
int region_parse(const char *s, size_t len, char out[REGION_MAX]);

/* Whether a client in country (NULL: unknown) and subdivision (NULL: not
 * known; else the full "US-CA" form) matches the required code: a country
 * matches all its subdivisions, a subdivision only itself, XX an unknown
 * country. */
int region_matches(const char *required, const char *country,
                   const char *subdivision);

#endif
