/*
 * geoip_region: the region of an address in an open MaxMind DB.
 */
#include "geoip_region.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* A string field as a NUL-terminated code; 0 when absent or not a code. */
static int field(MMDB_entry_s *entry, char *out, size_t outlen,
                 const char *const *path)
{
    MMDB_entry_data_s data;
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data
        || data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size == 0
        || data.data_size >= outlen)
        return 0;
    memcpy(out, data.utf8_string, data.data_size);
    out[data.data_size] = '\0';
    return 1;
}

int geoip_region(const MMDB_s *db, const struct sockaddr *sa,
                 char country[3], char subdivision[REGION_MAX],
                 const char **err)
{
    struct sockaddr_in v4;
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
    /* an IPv4-mapped IPv6 client is looked up as its IPv4 address */
    if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
        memset(&v4, 0, sizeof v4);
        v4.sin_family = AF_INET;
        memcpy(&v4.sin_addr, &v6->sin6_addr.s6_addr[12], 4);
        sa = (const struct sockaddr *)&v4;
    }
    int mmdb_error;
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr(db, sa,
                                                    &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS) {
        *err = MMDB_strerror(mmdb_error);
        return -1;
    }
    if (!res.found_entry)
        return 0;
    static const char *const country_path[] = { "country", "iso_code", NULL };
    static const char *const sub_path[] = { "subdivisions", "0", "iso_code",
                                            NULL };
    char raw[16], code[REGION_MAX];
    if (!field(&res.entry, raw, sizeof raw, country_path)
        || !region_parse(raw, strlen(raw), code) || strlen(code) != 2)
        return 0;
    memcpy(country, code, 3);
    subdivision[0] = '\0';
    char sub[16], full[24];
    if (field(&res.entry, sub, sizeof sub, sub_path)) {
        snprintf(full, sizeof full, "%s-%s", country, sub);
        if (!region_parse(full, strlen(full), code))
            code[0] = '\0';
        memcpy(subdivision, code, REGION_MAX);
    }
    return 1;
}
