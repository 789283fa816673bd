/*
 * datafile_int.h: what the datafile files share; nothing outside them
 * includes it (the interface is datafile.h).  The files, each calling
 * only those below it:
 *
 *   datafile.c           the public API and the registry of configured
 *                        files: opening, post_config, monitor, child_init,
 *                        requests' snapshots
 *   datafile_carry.c     restarts: the parent's carry store, the last good
 *                        version of each configured file
 *   datafile_watch.c     reading a configured file (AuthzPolicyFileLimit,
 *                        whose tokens are shown, who can change its path)
 *                        and looking at it again: the child's reload
 *                        thread, the parent's monitor check, and the
 *                        notes the processes share
 *   datafile_htaccess.c  files named in .htaccess files: the per-process
 *                        cache, its limits and AuthzPolicyHtaccessFiles
 *   datafile_snapshot.c  versions in memory: snapshots, loading one from a
 *                        file, which inodes are loaded
 *   datafile_read.c      reading a file safely, and who may read it
 */
#ifndef AUTHZ_POLICY_DATAFILE_INT_H
#define AUTHZ_POLICY_DATAFILE_INT_H

#include "datafile.h"
#include "logno.h"

#include <apr_hash.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <sys/stat.h>
#include <sys/types.h>

/* How long a changed source must stay unchanged before it is read: a file
 * being rewritten in place is not read half-written. */
#define SETTLE_TIME    apr_time_from_sec(1)

/* read_file's own failures, beside errno values */
#define ERR_NOT_REGULAR (-1)
#define ERR_TOO_LARGE   (-2)

typedef struct {                /* one version of a file */
    apr_int64_t mtime;
    apr_int64_t size;
    apr_uint64_t ino;
    apr_uint64_t dev;
    apr_int64_t born;           /* the inode's birth (load_fd; 0 unknown):
                                   which file had that inode number, not
                                   which version (same_version skips it) */
} version;

static inline int same_version(const version *a, const version *b)
{
    return a->mtime == b->mtime && a->size == b->size && a->ino == b->ino
           && a->dev == b->dev;
}

static inline void version_of(const struct stat *st, version *v)
{
    v->mtime = apr_time_from_sec(st->st_mtim.tv_sec)
               + st->st_mtim.tv_nsec / 1000;
    v->size = st->st_size;
    v->ino = st->st_ino;
    v->dev = st->st_dev;
    v->born = 0;
}

typedef struct {
    const void *image;          /* NULL once a handle was made from it */
    apr_size_t size;
    apr_size_t entries;
    const datafile_type *type;
    void *handle;               /* what requests get: the image, or the
                                   type's handle on it */
    version source;
    apr_interval_time_t parse_time;
    apr_uint32_t refs;          /* atomic: datafile->cur and requests */
    int carried;                /* the image belongs to the carry store */
    int kept;                   /* taken from the carry store unchanged:
                                   not parsed in this configuration pass */
} snapshot;

typedef struct shared_note shared_note;     /* datafile_watch.c */

struct datafile {
    char *path;
    const datafile_type *type;
    apr_thread_mutex_t *mu;     /* guards cur, checking; an .htaccess
                                   entry's is one all entries share */
    apr_thread_cond_t *checked; /* a check ended (while cur is NULL);
                                   NULL for .htaccess entries, which are
                                   never checking */
    snapshot *cur;              /* NULL while the file is missing */
    int checking;               /* the reload thread looks at it now */
    version failed;             /* a source version known not to load */
    int missing_logged;
    int unreachable_logged;     /* (without a shared note) */
    shared_note *note;          /* configured files; NULL: not shared */
    /* .htaccess entries; under the cache's lock (datafile_htaccess.c) */
    int htaccess;
    char *key;
    unsigned pins;              /* live configurations that name it */
    int loading;                /* a thread is reading it */
    apr_size_t kept;            /* parsed bytes of cur the cache counts */
    apr_time_t last_used;
};

/* These names stay inside the module: a module's global symbols are seen
 * by every module httpd loads after it. */
#pragma GCC visibility push(hidden)

/* datafile_read.c */
void describe_read_error(int e, char *why, apr_size_t whylen);
int open_regular(const char *path, int *fd, struct stat *st);
int read_file(int fd, const struct stat *before, apr_interval_time_t settle,
              const version *prev, int lines, apr_off_t max, char **buf,
              apr_size_t *len, version *v);
int uid_can_read(const struct stat *st, uid_t uid);
/* 1 when the user (uid, gid and the groups of name) can read the file
 * at path: search permission on every directory on the way (as written
 * and as its symlinks resolve) and read permission on the file, by their
 * permission bits.  0 and why (the first step refused) when it cannot;
 * 1 too when the path does not resolve (its reader reports that). */
int user_can_read_path(const char *path, uid_t uid, gid_t gid,
                       const char *name, char *why, apr_size_t whylen);

/* datafile_snapshot.c */
extern int in_child;            /* this process is a child of the parent */
snapshot *snapshot_new(void);
void snapshot_release(snapshot *snap);
void swap_current(datafile *df, snapshot *fresh);
snapshot *load_fd(const datafile_type *type, int fd, const struct stat *st,
                  apr_interval_time_t settle, const version *prev,
                  apr_off_t max, int keep_image, char *why, apr_size_t whylen,
                  int *again);
snapshot *load_path(const datafile_type *type, const char *path,
                    apr_interval_time_t settle, const version *prev,
                    int keep_image, char *why, apr_size_t whylen, int *again);
void give_back_memory(void);
void fix_mmap_threshold(void);
void inodes_init(apr_pool_t *pool);
void inodes_forget(void);
int inode_is_loaded(apr_uint64_t dev, apr_uint64_t ino, const char *path);

/* datafile_carry.c */
void carry_attach(apr_pool_t *pconf);
const char *carry_load(apr_pool_t *p, const datafile_type *type,
                       const char *path, const char *key, snapshot **out,
                       version *failed);
void carry_put(const char *key, snapshot *snap);
int carry_started(void);
void carry_forget_unconfigured(void);

/* datafile_watch.c */
void configured_set_limit(apr_off_t max_bytes);
const char *path_changers(apr_pool_t *p, const char *path);
snapshot *load_configured(const datafile_type *type, const char *path,
                          apr_interval_time_t settle, const version *prev,
                          int keep_image, char *why, apr_size_t whylen,
                          int *again, version *v);
int read_configured_text(const char *path, char **buf, apr_size_t *len);
snapshot *check_configured(datafile *df, server_rec *s, apr_time_t now);
void notes_pre_config(void);
int notes_share(apr_hash_t *configured, apr_pool_t *pool, server_rec *s);
void watch_start(apr_pool_t *pchild, server_rec *s, apr_hash_t *configured);

/* datafile_htaccess.c */
void htaccess_init(apr_pool_t *pool);
const char *open_from_htaccess(cmd_parms *cmd, const datafile_type *type,
                               const char *path, const char *key,
                               const htaccess_files_rule *rule,
                               datafile **out);
void htaccess_set_limits(apr_off_t max_bytes, unsigned max_files);
void htaccess_forget(void);

#pragma GCC visibility pop

#endif
