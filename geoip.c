/*
 * geoip: libmaxminddb behind the datafile interface.
 *
 * libmaxminddb only opens files, and maps them: a file rewritten in place
 * under a mapping would crash the process that reads it, and a copy in a
 * directory would be a file that others could read or replace.  So the
 * database is opened from a sealed memory file (memfd) that holds the
 * bytes datafile.c read: nobody can change it, it has no name in any
 * directory, and children share the parent's by fork().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE         /* memfd_create */
#endif
#include "geoip.h"
#include "geoip_region.h"

#include <fcntl.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Opens image as a MaxMind DB held in a sealed memory file. */
static int open_sealed(const void *image, apr_size_t size, MMDB_s *mmdb)
{
    int fd = memfd_create("authz_policy_geoip", MFD_CLOEXEC
                                                | MFD_ALLOW_SEALING);
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
    if (ok && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW
                                     | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
        ok = 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    /* the mapping libmaxminddb makes outlives the descriptor */
    int status = ok ? MMDB_open(path, MMDB_MODE_MMAP, mmdb) : MMDB_IO_ERROR;
    close(fd);
    return status;
}

static void *load_geoip_image(const char *buf, apr_size_t len,
                              apr_size_t *size, char *err, apr_size_t errlen)
{
    MMDB_s mmdb;
    int status = open_sealed(buf, len, &mmdb);
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

static void *open_db(const void *image, apr_size_t size)
{
    MMDB_s *mmdb = malloc(sizeof *mmdb);
    if (!mmdb)
        return NULL;
    if (open_sealed(image, size, mmdb) != MMDB_SUCCESS) {
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
    .kind = "AuthzPolicyGeoIPDatabase", .lines = 0,
    .parse_image = load_geoip_image,
    .count = NULL, .open = open_db, .close = close_db
};

int geoip_lookup(const void *db, const struct sockaddr *sa,
                 char country[3], char subdivision[REGION_MAX],
                 const char **err)
{
    return geoip_region((const MMDB_s *)db, sa, country, subdivision, err);
}
