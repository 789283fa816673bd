/*
 * datafile_snapshot: versions of a data file in memory.
 *
 * A snapshot is one parsed version, reference-counted: a file's current
 * one is held by the file and by each request that uses it, so a reload
 * never changes data under a running request.  Also here: loading a
 * snapshot from a file, the memory rules of parsing, and which inodes
 * this process has loaded (so that none is served as content).
 *
 * A loaded file is known by its device, inode number and the inode's
 * birth time: a deleted file's number is given to the next new file,
 * perhaps another customer's, while the deleted file's copy may still be
 * kept here; that new file is not the data file, and is served.  Where the
 * filesystem keeps no birth time (NFS, small ext4 inodes), a loaded file
 * is known by its number alone: a new file given a kept file's number is
 * hidden until the copy goes, which fails closed (the change time would
 * not: a chmod or link() of the data file would make it served).
 */
#include "datafile_int.h"

#include <apr_atomic.h>
#include <apr_strings.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Set by datafile_child_init: an image this process inherited is its
 * own to free. */
int in_child;

snapshot *snapshot_new(void)
{
    snapshot *snap = calloc(1, sizeof *snap);
    if (snap)
        snap->refs = 1;         /* held by datafile->cur */
    return snap;
}

static void snapshot_free(snapshot *snap)
{
    if (snap->type && snap->type->close && snap->handle)
        snap->type->close(snap->handle);
    /* In a child, an inherited image is the child's own copy. */
    if (!snap->carried || in_child)
        free((void *)snap->image);
    free(snap);
}

void snapshot_release(snapshot *snap)
{
    if (apr_atomic_dec32(&snap->refs) == 0)
        snapshot_free(snap);
}

/* Which inodes are loaded as data files, for datafile_is_loaded(): each
 * counted under its number alone (any_birth: is that number loaded at
 * all, the look-up every request makes) and under its number and birth
 * (which file it is). */
typedef struct {
    apr_uint64_t dev, ino;
    apr_int64_t born;
    apr_uint64_t any_birth;
} inode_key;
typedef struct {
    inode_key key;
    unsigned uses;
} inode_use;

static struct {
    apr_thread_mutex_t *mu;     /* guards uses */
    apr_hash_t *uses;           /* inode_key -> inode_use */
} inodes;

static inode_key key_of(apr_uint64_t dev, apr_uint64_t ino, apr_int64_t born,
                        int any_birth)
{
    inode_key k = { dev, ino, any_birth ? 0 : born, !!any_birth };
    return k;
}

/* Under inodes.mu. */
static void count_key(inode_key k, int delta)
{
    inode_use *u = apr_hash_get(inodes.uses, &k, sizeof k);
    if (!u && delta > 0 && (u = calloc(1, sizeof *u)) != NULL) {
        u->key = k;
        apr_hash_set(inodes.uses, &u->key, sizeof u->key, u);
    }
    if (u) {
        u->uses += delta;
        if (u->uses == 0) {
            apr_hash_set(inodes.uses, &u->key, sizeof u->key, NULL);
            free(u);
        }
    }
}

static void count_inode(const version *v, int delta)
{
    apr_thread_mutex_lock(inodes.mu);
    count_key(key_of(v->dev, v->ino, v->born, 1), delta);
    count_key(key_of(v->dev, v->ino, v->born, 0), delta);
    apr_thread_mutex_unlock(inodes.mu);
}

/* The birth of the inode sx describes, in ns, or 0 ("unknown") where the
 * filesystem keeps none (see the top). */
static apr_int64_t birth_of(const struct statx *sx)
{
    if (!(sx->stx_mask & STATX_BTIME))
        return 0;
    apr_int64_t ns = (apr_int64_t)sx->stx_btime.tv_sec * 1000000000
                     + sx->stx_btime.tv_nsec;
    return ns ? ns : 1;
}

/* Replaces cur; the old snapshot goes when its last request is done.
 * Never called with the .htaccess cache's lock held. */
void swap_current(datafile *df, snapshot *fresh)
{
    apr_thread_mutex_lock(df->mu);
    snapshot *old = df->cur;
    df->cur = fresh;
    apr_thread_mutex_unlock(df->mu);
    if (fresh)
        count_inode(&fresh->source, 1);
    if (old) {
        count_inode(&old->source, -1);
        snapshot_release(old);
    }
}

/* Parses the file read from fd into a snapshot; NULL with why (the
 * reason, without the path) on error, *again set when the file was only
 * caught mid-write.  keep_image: the image outlives the handle made from
 * it (the parent keeps it to carry over restarts). */
snapshot *load_fd(const datafile_type *type, int fd, const struct stat *st,
                  apr_interval_time_t settle, const version *prev,
                  apr_off_t max, int keep_image, char *why, apr_size_t whylen,
                  int *again)
{
    char *buf = NULL;
    apr_size_t len = 0, size = 0;
    version v;
    *again = 0;
    int e = read_file(fd, st, settle, prev, type->lines, max, &buf, &len, &v);
    if (e) {
        *again = (e == EAGAIN);
        describe_read_error(e, why, whylen);
        return NULL;
    }
    /* the file read, not a path looked up again; 0 (unknown) if the
     * kernel cannot say */
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME | STATX_CTIME, &sx) == 0)
        v.born = birth_of(&sx);
    apr_time_t start = apr_time_now();
    void *image = type->parse_image(buf, len, &size, why, whylen);
    apr_interval_time_t took = apr_time_now() - start;
    free(buf);
    if (!image)
        return NULL;
    snapshot *snap = snapshot_new();
    if (!snap) {
        free(image);
        apr_snprintf(why, whylen, "out of memory");
        return NULL;
    }
    snap->image = image;
    snap->size = size;
    snap->entries = type->count ? type->count(image) : 0;
    snap->type = type;
    snap->source = v;
    snap->parse_time = took;
    snap->handle = type->open ? type->open(image, size) : image;
    if (!snap->handle) {
        snapshot_free(snap);
        apr_snprintf(why, whylen, "cannot be opened");
        return NULL;
    }
    if (type->open && !keep_image) {
        free(image);
        snap->image = NULL;
    }
    return snap;
}

/* load_fd on the file at path, opened only if it is a regular file. */
snapshot *load_path(const datafile_type *type, const char *path,
                    apr_interval_time_t settle, const version *prev,
                    int keep_image, char *why, apr_size_t whylen, int *again)
{
    int fd;
    struct stat st;
    int e = open_regular(path, &fd, &st);
    if (e) {
        *again = (e == EAGAIN);
        describe_read_error(e, why, whylen);
        return NULL;
    }
    snapshot *snap = load_fd(type, fd, &st, settle, prev, 0, keep_image,
                             why, whylen, again);
    close(fd);
    return snap;
}

/* A parse allocates and frees megabytes in whichever thread did it; glibc
 * would keep them in that thread's arena.  Reloads are rare: give the
 * memory back to the system each time. */
void give_back_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* Reloads run in whichever worker thread saw the change.  glibc raises its
 * mmap threshold each time a large block is freed, after which parses
 * take their megabytes from that thread's arena, which keeps them: under
 * a threaded MPM every reload would grow the process.  A fixed threshold
 * keeps large blocks (images, read buffers, parse tables) in mappings of
 * their own that go back to the system when freed. */
void fix_mmap_threshold(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

void inodes_init(apr_pool_t *pool)
{
    inodes.uses = apr_hash_make(pool);
    apr_thread_mutex_create(&inodes.mu, APR_THREAD_MUTEX_DEFAULT, pool);
}

/* At the end of a configuration cycle, when no snapshot is current any
 * more. */
void inodes_forget(void)
{
    for (apr_hash_index_t *hi = apr_hash_first(NULL, inodes.uses); hi;
         hi = apr_hash_next(hi))
        free(apr_hash_this_val(hi));
}

static int loaded_key(inode_key k)
{
    apr_thread_mutex_lock(inodes.mu);
    int found = apr_hash_get(inodes.uses, &k, sizeof k) != NULL;
    apr_thread_mutex_unlock(inodes.mu);
    return found;
}

/* 1 when the file of that device and inode, found at path, is current in
 * this process.  Most files' numbers are not loaded: only for one that is
 * is path asked which file it is now. */
int inode_is_loaded(apr_uint64_t dev, apr_uint64_t ino, const char *path)
{
    if (!inodes.uses || !loaded_key(key_of(dev, ino, 0, 1)))
        return 0;
    struct statx sx;
    if (!path || statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME
                       | STATX_CTIME, &sx) < 0)
        return 1;                       /* fail closed: hidden */
    /* (what path names now, should it have changed since) */
    dev = (apr_uint64_t)makedev(sx.stx_dev_major, sx.stx_dev_minor);
    ino = sx.stx_ino;
    /* no birth to tell a new file from the loaded one: hidden */
    if (!(sx.stx_mask & STATX_BTIME))
        return 1;
    /* a load whose birth was not known is believed by number */
    return loaded_key(key_of(dev, ino, birth_of(&sx), 0))
           || loaded_key(key_of(dev, ino, 0, 0));
}
