/*
 * datafile: data files (user files, later IP lists and GeoIP databases)
 * loaded once, shared by every thread of a process, and picked up again
 * when they change on disk.
 *
 * A loaded version is an immutable snapshot with a reference count: a
 * request takes a reference for its lifetime, so a reload never changes the
 * data under a running request, and the old snapshot is freed by whoever
 * drops the last reference.  A version that fails to load leaves the last
 * good one in force.
 */
#ifndef AUTHZ_POLICY_DATAFILE_H
#define AUTHZ_POLICY_DATAFILE_H

#include "httpd.h"
#include "http_config.h"

/* How a kind of file is parsed.  load() returns NULL and fills err on
 * failure ("line N: ..."); the path is added by the caller. */
typedef struct {
    const char *kind;           /* "user file", "IP list", ... */
    void *(*load)(const char *buf, apr_size_t len, char *err,
                  apr_size_t errlen);
    void (*free)(void *data);
    apr_size_t (*describe)(const void *data);   /* entries, for the log */
} datafile_type;

typedef struct datafile datafile;

/* Creates the registry for this configuration cycle (pre_config). */
void datafile_registry_init(apr_pool_t *pconf);

/* Finds or loads the file at path (already resolved).  Safe to call from
 * .htaccess parsing at request time: a file is loaded once per process and
 * then shared.  Returns NULL on success, else an error naming the file. */
const char *datafile_open(apr_pool_t *p, const datafile_type *type,
                          const char *path, datafile **out);

/* The current snapshot, held until pool (the request's) is cleared; NULL
 * when the file has vanished or never loaded (the caller denies with 500).
 * Checks the file for changes every few seconds. */
const void *datafile_acquire(datafile *df, apr_pool_t *pool, server_rec *s);

const char *datafile_path(const datafile *df);

#endif
