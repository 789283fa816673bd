/*
 * geoip: MaxMind DB files (AuthzPolicyGeoIPDatabase) as data files, read
 * with libmaxminddb, and the region of an address in them.
 */
#ifndef AUTHZ_POLICY_GEOIP_H
#define AUTHZ_POLICY_GEOIP_H

#include "datafile.h"
#include "region.h"

#include <sys/socket.h>

extern const datafile_type geoip_type;

/* 1 with the country ("US") and, when the database has one, the
 * subdivision ("US-CA", else "") of sa; 0 when the database does not know
 * the address; -1 on a lookup error, described in *err. */
int geoip_lookup(const void *db, const struct sockaddr *sa,
                 char country[3], char subdivision[REGION_MAX],
                 const char **err);

#endif
