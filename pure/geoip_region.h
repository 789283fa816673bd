/*
 * geoip_region: the region of an address in an open MaxMind DB, with
 * libmaxminddb alone (no httpd), for fuzzing; geoip.c wraps it.
 */
#ifndef AUTHZ_POLICY_GEOIP_REGION_H
#define AUTHZ_POLICY_GEOIP_REGION_H

#include "region.h"

#include <maxminddb.h>
#include <sys/socket.h>

/* 1 with the country ("US") and, when the database has one, the
 * subdivision ("US-CA", else "") of sa; 0 when the database does not know
 * the address or its entry has no usable country; -1 on a lookup error,
 * described in *err.  An IPv4-mapped IPv6 address is looked up as the
 * IPv4 address. */
int geoip_region(const MMDB_s *db, const struct sockaddr *sa,
                 char country[3], char subdivision[REGION_MAX],
                 const char **err);

#endif
