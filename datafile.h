/*
 * datafile: data files (user files, later IP lists and GeoIP databases)
 * loaded once, shared by every process and thread of the server, and
 * picked up again when they change on disk.
 *
 * A file is parsed into an image: one position-independent block of
 * memory.  Images are published as files in an image directory under the
 * runtime directory, and every server process maps the published image,
 * so all of them share one copy and answer from the same version.
 *
 * At startup the parent parses every file (an error stops httpd) and
 * publishes it.  Afterwards each process looks at its files once a second;
 * the first to see a changed file takes the file's lock, parses it once
 * and publishes the new image, or, when it does not parse, logs the error
 * once and marks that version bad: the last good image stays in force
 * everywhere.  A file that disappears is withdrawn: requests that need it
 * fail closed (500) until it is back.
 *
 * A snapshot (one mapped image) is reference-counted: a request holds it
 * for its lifetime, so a reload never changes data under a running
 * request.
 */
#ifndef AUTHZ_POLICY_DATAFILE_H
#define AUTHZ_POLICY_DATAFILE_H

#include "httpd.h"
#include "http_config.h"

/* How a kind of file is parsed.  compile() returns a malloc'd image and
 * its size, or NULL and "line N: ..." in err (the caller adds the path).
 * valid() checks an image read back from disk before it is used.  A type
 * whose library reads files itself (GeoIP) gives open(), which makes the
 * handle requests use from the image file (path) or, before there is one,
 * from the image in memory (path NULL); NULL from open() fails the load. */
typedef struct {
    const char *kind;           /* "AuthzPolicyUserFile", ... */
    int lines;                  /* a text file of lines (see datafile.c) */
    void *(*compile)(const char *buf, apr_size_t len, apr_size_t *size,
                     char *err, apr_size_t errlen);
    int (*valid)(const void *image, apr_size_t size);
    apr_size_t (*count)(const void *image);      /* entries, for the log */
    void *(*open)(const char *path, const void *image, apr_size_t size);
    void (*close)(void *handle);
} datafile_type;

typedef struct datafile datafile;

/* pre_config: a new registry for this configuration cycle. */
void datafile_registry_init(apr_pool_t *pconf);

/* Finds or loads the file at path (already resolved).  Also safe from
 * .htaccess parsing at request time.  NULL on success, else an error that
 * names the file. */
const char *datafile_open(apr_pool_t *p, const datafile_type *type,
                          const char *path, datafile **out);

/* post_config, in the parent: creates the image directory (writable by
 * the server's user) and publishes every file loaded so far. */
void datafile_publish(apr_pool_t *pconf, server_rec *s);

/* child_init: a new child looks at the images on its first request. */
void datafile_child_init(void);

/* The current image (or the type's handle), held until pool (the
 * request's) is cleared; NULL when the file is missing (the caller denies
 * with 500). */
const void *datafile_acquire(datafile *df, apr_pool_t *pool, server_rec *s);

#endif
