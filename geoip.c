/*
 * geoip: libmaxminddb behind the datafile interface.
 *
 * libmaxminddb only opens files, and maps them: a file rewritten in place
 * under a mapping would crash the process that reads it.  So the database
 * is never opened where the administrator keeps it: datafile.c publishes
 * a copy as an image file that is only ever replaced by rename, and the
 * handle is opened on that copy.
 */
#include "geoip.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char marker[] = "\xab\xcd\xefMaxMind.com";

/* Writes image to an unnamed private file and opens it there (the mapping
 * outlives the name). */
static int open_private(const void *image, apr_size_t size, MMDB_s *mmdb)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/authz_policy_geoip.XXXXXX",
             dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return MMDB_FILE_OPEN_ERROR;
    const char *p = image;
    apr_size_t left = size;
    int ok = 1;
    while (left > 0 && ok) {
        ssize_t n = write(fd, p, left);
        if (n <= 0)
            ok = 0;
        else {
            p += n;
            left -= (apr_size_t)n;
        }
    }
    close(fd);
    int status = ok ? MMDB_open(path, MMDB_MODE_MMAP, mmdb)
                    : MMDB_IO_ERROR;
    unlink(path);
    return status;
}

static void *compile(const char *buf, apr_size_t len, apr_size_t *size,
                     char *err, apr_size_t errlen)
{
    MMDB_s mmdb;
    int status = open_private(buf, len, &mmdb);
    if (status != MMDB_SUCCESS) {
        snprintf(err, errlen, "not a usable MaxMind DB: %s",
                 MMDB_strerror(status));
        return NULL;
    }
    MMDB_close(&mmdb);
    void *copy = malloc(len ? len : 1);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(copy, buf, len);
    *size = len;
    return copy;
}

static int valid(const void *image, apr_size_t size)
{
    /* libmaxminddb checks the rest when it opens the file */
    apr_size_t look = size < 128 * 1024 ? size : 128 * 1024;
    return memmem((const char *)image + size - look, look, marker,
                  sizeof marker - 1) != NULL;
}

static void *open_db(const char *path, const void *image, apr_size_t size)
{
    MMDB_s *mmdb = malloc(sizeof *mmdb);
    if (!mmdb)
        return NULL;
    int status = path ? MMDB_open(path, MMDB_MODE_MMAP, mmdb)
                      : open_private(image, size, mmdb);
    if (status != MMDB_SUCCESS) {
        free(mmdb);
        return NULL;
    }
    return mmdb;
}

static void close_db(void *handle)
{
    MMDB_close(handle);
    free(handle);
}

const datafile_type geoip_type = {
    .kind = "AuthzPolicyGeoIPDatabase", .lines = 0, .compile = compile,
    .valid = valid, .count = NULL, .open = open_db, .close = close_db
};

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

int geoip_lookup(const void *db, const struct sockaddr *sa,
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
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr((MMDB_s *)db, sa,
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
