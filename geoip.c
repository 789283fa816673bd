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
#include "geoip_region.h"

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

int geoip_lookup(const void *db, const struct sockaddr *sa,
                 char country[3], char subdivision[REGION_MAX],
                 const char **err)
{
    return geoip_region((const MMDB_s *)db, sa, country, subdivision, err);
}
