/*
 * datafile: data files (user files, IP lists, GeoIP databases) loaded
 * once, not per request, and picked up again when they change on disk.
 *
 * Nothing is ever written to disk, and nothing the server's User could
 * write is ever trusted (docs/design.md, "Data files and the threat
 * model"):
 *
 * - Files named in the server configuration are parsed by the parent
 *   (root) at start and at each restart, into its own memory; every child
 *   inherits that memory by fork() and so shares one copy.  The parent
 *   looks at them again about every ten seconds (the monitor hook), so
 *   that children started later inherit the newest version.  In each
 *   child one thread looks at each file once a second and, when it
 *   changed, parses it again into the child's own memory.  Across restarts the parent keeps the
 *   last good version of each file: a restart with a file that no longer
 *   loads keeps it (and an unchanged file is not parsed again).  They are
 *   read within AuthzPolicyFileLimit, and since the parent is root and
 *   the path may be a customer's, a parse error shows a token of the file
 *   only if the server's User and whoever can change the path could read
 *   it; startup warns about such paths.
 * - Files named only in .htaccess files are loaded by each child into its
 *   own memory, after AuthzPolicyHtaccessFiles has allowed them, within
 *   AuthzPolicyHtaccessLimits; a file that failed to load is not read
 *   again until it changes.
 *
 * Only regular files are read: a path is looked up once, and every check
 * (type, owner, size, where it resolves) is made on the descriptor then
 * read, never on the path looked up again; the type before the file is
 * opened for reading (datafile_read.c).  An .htaccess file's owner is
 * that of the file httpd read.  No lock shared by unrelated requests is
 * held while a file is opened or read.
 *
 * A snapshot (one version) is reference-counted: a request holds it for
 * its lifetime, so a reload never changes data under a running request.
 */
#ifndef AUTHZ_POLICY_DATAFILE_H
#define AUTHZ_POLICY_DATAFILE_H

#include "httpd.h"
#include "http_config.h"

/* How a kind of file is parsed.  parse_image() returns a malloc'd image and
 * its size, or NULL and "line N: ..." in err (the caller adds the path;
 * a quoted part, if any, is the offending token, already escaped and
 * cut).  A type whose library needs its own handle (GeoIP) gives open(),
 * which makes the handle requests use from the image; NULL from open()
 * fails the load. */
typedef struct {
    const char *kind;           /* "AuthzPolicyUserFile", ... */
    int lines;                  /* a text file of lines (see
                                   datafile_read.c) */
    void *(*parse_image)(const char *buf, apr_size_t len, apr_size_t *size,
                     char *err, apr_size_t errlen);
    apr_size_t (*count)(const void *image);      /* entries, for the log */
    void *(*open)(const void *image, apr_size_t size);
    void (*close)(void *handle);
} datafile_type;

typedef struct datafile datafile;

/* AuthzPolicyHtaccessFiles: which files an .htaccess file may name. */
typedef enum {
    HTACCESS_FILES_OWNER = 0,   /* same owner as the .htaccess file */
    HTACCESS_FILES_ANY,         /* whatever the server can read */
    HTACCESS_FILES_DIRS         /* resolves inside one of dirs */
} htaccess_files_mode;

typedef struct {
    htaccess_files_mode mode;
    const char *const *dirs;    /* real paths, without a trailing '/' */
    int ndirs;
} htaccess_files_rule;

/* pre_config, before any other module's (the MPM's may detach, the
 * launcher exiting there): the restarts' store of configured files, freed
 * with pconf when it goes for good. */
void datafile_pre_config_first(apr_pool_t *pconf);

/* pre_config: a new registry for this configuration cycle. */
void datafile_registry_init(apr_pool_t *pconf);

/* From a directive: finds or loads the file at path (already resolved).
 * In the server configuration the parent loads it; one that does not load
 * is an error only for configtest (a first start stops at post_config, a
 * restart goes on without it, and apache2 -k stop or graceful only
 * signals the running server).  From an .htaccess file (at request time)
 * rule decides whether it may be read at all.  NULL on success, else an
 * error that names the file. */
const char *datafile_open(cmd_parms *cmd, const datafile_type *type,
                          const char *path, const htaccess_files_rule *rule,
                          datafile **out);

/* AuthzPolicyHtaccessLimits: the largest file an .htaccess may name, and
 * how many such files a server process keeps at once. */
void datafile_set_htaccess_limits(apr_off_t max_bytes, unsigned max_files);
#define DATAFILE_HTACCESS_BYTES (16 * 1024 * 1024)
#define DATAFILE_HTACCESS_FILES 10000

/* AuthzPolicyFileLimit: the largest file the server configuration may
 * name, from here on in this configuration cycle. */
void datafile_set_file_limit(apr_off_t max_bytes);
#define DATAFILE_CONFIGURED_BYTES ((apr_off_t)256 * 1024 * 1024)

/* The text of a configured file, read as the parent reads it (a regular
 * file within AuthzPolicyFileLimit), for a check that logs parts of it:
 * NULL when it cannot be read or its content may not be shown (the
 * server's User, or a user who can change its path, could not read it).
 * malloc'd: the caller frees it. */
char *datafile_configured_text(const char *path, apr_size_t *len);

/* The version of a configured file (kind as in datafile_type, e.g.
 * "AuthzPolicyUserFile") loaded in this configuration cycle, for a check
 * of the configuration (check_config, in the parent, before any child):
 * the type's image or handle, NULL when the file did not load. */
const void *datafile_configured_image(const char *kind, const char *path);

/* check_config, at the first configuration pass (configtest's, and a
 * start's): warns on screen about configured files the server's User
 * cannot read (the file, or a directory on the way). */
void datafile_check_config(void);

/* post_config, in the parent: at a first start, !OK when a configured
 * file has no version (it did not load); after the real configuration
 * pass, logs what was loaded, warns about files the server's User cannot
 * read, and forgets the versions of files no longer configured. */
int datafile_post_config(server_rec *s, int real_pass);

/* monitor hook, in the parent: looks at the configured files again. */
void datafile_monitor(server_rec *s);

/* child_init: a new child looks at its configured files at once, then
 * once a second from a thread of its own (stopped with pchild). */
void datafile_child_init(apr_pool_t *pchild, server_rec *s);

/* The current image (or the type's handle), held until pool (the
 * request's) is cleared; NULL when the file is missing (the caller denies
 * with 500). */
const void *datafile_acquire(datafile *df, apr_pool_t *pool, server_rec *s);

/* 1 when finfo, stat()ed from path, is a file that this process has
 * loaded as a data file (not merely a new file that got the inode number
 * of a deleted one). */
int datafile_is_loaded(const apr_finfo_t *finfo, const char *path);

#endif
