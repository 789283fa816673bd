/*
 * metrics: the shared counters (metrics.h).
 *
 * One anonymous shared memory segment, made by the parent in post_config
 * of each (re)start and inherited by the children it then forks; it holds
 * three tables (areas, shadows, data files), the rows each .htaccess
 * owner's files took, and the global counters.  A
 * restart, graceful or not, makes a new one: the counters start again at
 * 0 (docs/watching.md).  The segment goes with the configuration's pool.
 *
 * The counters are C11 atomics, not apr_atomic's: they are laid out by
 * pure/metrics_table.c, which is compiled without APR's headers, and an
 * object is read and written through one kind of atomic only.  Requests
 * count lock-free (one relaxed add); only a data file's last error, a
 * text, is copied under a lock.
 */
#include "metrics.h"
#include "request.h"

#include "http_log.h"
#include <apr_global_mutex.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "hash.h"

APLOG_USE_MODULE(authz_policy);

static struct {
    unsigned bound;              /* AuthzPolicyMetricsAreas */
    apr_shm_t *shm;
    policy_metrics m;
    mtab owners;                 /* "uid N": data-file rows it took */
    apr_global_mutex_t *errors;  /* held while a last_error is copied */
    int ready;                   /* the tables exist */
    int in_child;                /* child_init ran: this is a child */
    server_rec *s;               /* where a failed lock is logged */
} metrics;

/* The errors' lock: taken when a data file fails to reload and when the
 * status page shows its error, never to count a request.  Its mechanism
 * is fixed whatever httpd's Mutex directive says, for the reason the
 * notes' lock's is (datafile_watch.c): a process-shared pthread mutex in
 * anonymous shared memory, which only the server's processes reach, where
 * a lock file or a semaphore would be the server's User's to take and
 * hold, stalling the status page and reloads (SPEC 9).  APR makes it
 * robust (a holder that dies does not leave it held). */
#if !APR_HAS_PROC_PTHREAD_SERIALIZE
#error "the module's locks need process-shared pthread mutexes (APR_LOCK_PROC_PTHREAD): any other mechanism is one the server's User can reach"
#endif

const policy_metrics *policy_metrics_get(void)
{
    return metrics.ready ? &metrics.m : NULL;
}

int metrics_next(metrics_walk *w, metrics_entry *e)
{
    const mtab *t = w->table;
    unsigned overflow = mtab_positions(t) - 1;
    while (w->next <= overflow) {
        unsigned i = w->next++;
        e->name = mtab_entry(t, i, &e->counters);
        if (e->name && (i < overflow || mtab_any(e->counters, t->ncounters)))
            return 1;
    }
    return 0;
}

const char *policy_metrics_areas_directive(cmd_parms *cmd, void *dirv,
                                           const char *arg)
{
    (void)dirv;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err)
        return err;
    char *end;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);
    if (*end || end == arg || n < 1 || n > 100000)
        return apr_psprintf(cmd->pool, "AuthzPolicyMetricsAreas: '%s' is "
                            "not a number from 1 to 100000", arg);
    metrics.bound = (unsigned)n;
    return NULL;
}

void policy_metrics_pre_config(apr_pool_t *pconf)
{
    (void)pconf;
    metrics.bound = METRICS_AREAS_DEFAULT;
    metrics.errors = NULL;
    metrics.ready = 0;
    metrics.in_child = 0;
    metrics.s = NULL;
}

int policy_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    unsigned b = metrics.bound;
    apr_size_t areas = mtab_size(b, MTAB_AREA_COUNTERS, 0);
    apr_size_t shadows = mtab_size(b, 2, 0);
    apr_size_t files = mtab_size(b, MF_COUNT, sizeof(metrics_file_extra));
    apr_size_t owners = mtab_size(b, 1, 0);
    apr_size_t global = MG_COUNT * sizeof(uint64_t);
    apr_status_t rv = apr_shm_create(&metrics.shm, areas + shadows + files
                                     + owners + global, NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AZPLOGNO(00048)
                     "mod_authz_policy: cannot make the shared memory of "
                     "its counters");
        return !OK;
    }
    /* not ap_global_mutex_create: see the errors' lock above */
    rv = apr_global_mutex_create(&metrics.errors, NULL,
                                 APR_LOCK_PROC_PTHREAD, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AZPLOGNO(00059)
                     "cannot create the lock of the counters (a "
                     "process-shared pthread mutex)");
        return !OK;
    }
    metrics.s = s;
    unsigned char *base = apr_shm_baseaddr_get(metrics.shm);
    mtab_init(&metrics.m.areas, base, b, MTAB_AREA_COUNTERS, 0,
              METRICS_OVERFLOW);
    mtab_init(&metrics.m.shadows, base + areas, b, 2, 0, METRICS_OVERFLOW);
    mtab_init(&metrics.m.files, base + areas + shadows, b, MF_COUNT,
              sizeof(metrics_file_extra), METRICS_OVERFLOW);
    mtab_init(&metrics.owners, base + areas + shadows + files, b, 1, 0,
              METRICS_OVERFLOW);
    metrics.m.global = (_Atomic uint64_t *)(base + areas + shadows + files
                                            + owners);
    for (int i = 0; i < MG_COUNT; i++)
        atomic_store(&metrics.m.global[i], 0);
    metrics.m.started = apr_time_now();
    metrics.ready = 1;
    return OK;
}

void policy_metrics_child_init(apr_pool_t *pchild)
{
    metrics.in_child = 1;
    /* nothing to reopen for a pthread mutex; kept for APR's contract */
    apr_status_t rv = metrics.errors
        ? apr_global_mutex_child_init(&metrics.errors, NULL, pchild)
        : APR_SUCCESS;
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, metrics.s, AZPLOGNO(00064)
                     "cannot reattach the lock of the counters");
}

void policy_metrics_add_area(const char *name)
{
    if (metrics.ready)
        mtab_counters(&metrics.m.areas, name);
}

void policy_metrics_add_shadow(const char *name)
{
    if (metrics.ready)
        mtab_counters(&metrics.m.shadows, name);
}

/* Whether r is counted: the counters exist, and neither r nor a request
 * it is a subrequest of is being explained. */
static int counted(request_rec *r)
{
    if (!metrics.ready)
        return 0;
    for (request_rec *m = r; m; m = m->main) {
        const policy_request *rq = policy_request_get(m, 0);
        if (rq && rq->explaining)
            return 0;
    }
    return 1;
}

/* Whether r is the error document of a denial (an internal redirect of
 * a denied request): the client's request was counted as that denial;
 * neither a grant of the page nor its shadows count. */
static int answers_a_denial(request_rec *r)
{
    for (request_rec *p = r->prev; p; p = p->prev) {
        const policy_request *rq = policy_request_get(p, 0);
        if (rq && rq->decision == DECISION_DENY)
            return 1;
    }
    return 0;
}

static void add(_Atomic uint64_t *counter)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* The area's counters, looked up by name once per area and process:
 * hashing and comparing the name on every decision was a third of what a
 * grant's bookkeeping cost (make bench-instructions).  Threads that race
 * here find the same entry. */
static _Atomic uint64_t *area_counters(policy_area *area)
{
    _Atomic uint64_t *c = atomic_load_explicit(&area->counters,
                                               memory_order_relaxed);
    if (!c) {
        c = mtab_counters(&metrics.m.areas, area->name);
        /* the overflow entry only while the table is full or being
         * filled by other processes at once: looked up again next time */
        _Atomic uint64_t *overflow;
        const mtab *t = &metrics.m.areas;
        if (!mtab_entry(t, mtab_positions(t) - 1, &overflow) || c != overflow)
            atomic_store_explicit(&area->counters, c, memory_order_relaxed);
    }
    return c;
}

void policy_metrics_grant(request_rec *r, policy_area *area)
{
    /* the client's own request (explained look-ups are subrequests; an
     * error document has r->prev) in an area of the configuration whose
     * counters this process found before: one atomic add.  Areas of
     * .htaccess sections are made anew for each request, and take the
     * long way, as the rest do. */
    _Atomic uint64_t *c = atomic_load_explicit(&area->counters,
                                               memory_order_relaxed);
    if (metrics.ready && !r->main && !r->prev && c) {
        add(&c[MTAB_GRANT_SLOT]);
        return;
    }
    if (counted(r) && !answers_a_denial(r))
        add(&area_counters(area)[MTAB_GRANT_SLOT]);
}

void policy_metrics_denial(request_rec *r, policy_area *area,
                           mtab_decision decision, policy_reason reason,
                           int status)
{
    if (counted(r))
        add(&area_counters(area)[mtab_area_slot(decision, reason,
                                                mtab_status_index(status))]);
}

void policy_metrics_shadow(request_rec *r, const char *name, int granted)
{
    if (counted(r) && !answers_a_denial(r))
        add(&mtab_counters(&metrics.m.shadows, name)[granted ? 0 : 1]);
}

void policy_metrics_source_error(request_rec *r, attr_source_kind kind)
{
    if (counted(r))
        add(&metrics.m.global[MG_SOURCE_ERRORS + kind]);
}

void policy_metrics_cache(request_rec *r, int hit)
{
    if (counted(r))
        add(&metrics.m.global[hit ? MG_CACHE_HIT : MG_CACHE_MISS]);
}

/* ------------------------------------------------------------------ */
/* Data files                                                           */

static const char *const kind_label[] = { "", "users", "iplist", "geoip" };

const char *policy_metrics_kind_label(apr_uint64_t kind)
{
    return kind < sizeof kind_label / sizeof *kind_label ? kind_label[kind]
                                                          : "";
}

static apr_uint64_t kind_index(const char *directive)
{
    return !strcmp(directive, "AuthzPolicyUserFile") ? 1
           : !strcmp(directive, "AuthzPolicyIPList") ? 2 : 3;
}

/* Copies a data file's last error text from (to) or into (from) its
 * entry, under the errors' mutex: a reload that fails in one process
 * while another reads the page must not show half of each text.  The
 * parent only tries (it must never wait on a lock a child holds); a text
 * that cannot be copied under the lock is not copied (read: empty). */
static void copy_error(_Atomic uint64_t *c, const char *from, char *to,
                       apr_size_t len)
{
    metrics_file_extra *x = mtab_extra(c, &metrics.m.files);
    apr_status_t rv = metrics.in_child
                      ? apr_global_mutex_lock(metrics.errors)
                      : apr_global_mutex_trylock(metrics.errors);
    if (rv != APR_SUCCESS) {
        if (!APR_STATUS_IS_EBUSY(rv))
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, metrics.s,
                         AZPLOGNO(00065) "cannot take the lock of the "
                         "counters: a data file's last error is not %s",
                         from ? "recorded" : "shown");
        if (!from && len)
            *to = '\0';
        return;
    }
    if (from)
        apr_cpystrn(x->last_error, from, sizeof x->last_error);
    else
        apr_cpystrn(to, x->last_error, len);
    rv = apr_global_mutex_unlock(metrics.errors);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, metrics.s, AZPLOGNO(00066)
                     "cannot release the lock of the counters");
}

static void set_error(_Atomic uint64_t *c, const char *why)
{
    copy_error(c, why, NULL, 0);
}

void policy_metrics_file_error(_Atomic uint64_t *counters, char *buf,
                               apr_size_t len)
{
    copy_error(counters, NULL, buf, len);
}

/* A data file's row: a configured file's (owner NULL), or one that the
 * owner of an .htaccess file takes within its share. */
static _Atomic uint64_t *file_row(const char *path, const apr_uint64_t *owner)
{
    if (!owner)
        return mtab_counters(&metrics.m.files, path);
    char name[32];
    apr_snprintf(name, sizeof name, "uid %" APR_UINT64_T_FMT, *owner);
    return mtab_counters_shared(&metrics.m.files, path, &metrics.owners,
                                name, METRICS_OWNER_SHARE(metrics.bound));
}

static void file_loaded(_Atomic uint64_t *c, const char *kind,
                        apr_size_t entries, const void *version,
                        apr_size_t version_len, int reload)
{
    uint64_t id = hash_fnv1a64(version, version_len);
    /* every process loads a changed file: the first to say so counts
     * the reload */
    if (atomic_exchange(&c[MF_VERSION], id) == id)
        return;
    atomic_store(&c[MF_KIND], kind_index(kind));
    atomic_store(&c[MF_ENTRIES], entries);
    atomic_store(&c[MF_LOADED], (uint64_t)apr_time_sec(apr_time_now()));
    if (reload) {
        add(&c[MF_RELOAD_OK]);
        set_error(c, "");
    }
}

static void file_failed(_Atomic uint64_t *c, const char *kind,
                        const char *why)
{
    atomic_store(&c[MF_KIND], kind_index(kind));
    add(&c[MF_RELOAD_ERROR]);
    set_error(c, why);
}

void policy_metrics_datafile_loaded(const char *path, const char *kind,
                                    apr_size_t entries, const void *version,
                                    apr_size_t version_len, int reload)
{
    if (metrics.ready)
        file_loaded(file_row(path, NULL), kind, entries, version,
                    version_len, reload);
}

void policy_metrics_datafile_failed(const char *path, const char *kind,
                                    const char *why)
{
    if (metrics.ready)
        file_failed(file_row(path, NULL), kind, why);
}

void policy_metrics_htaccess_loaded(const char *path, const char *kind,
                                    apr_uint64_t uid, apr_size_t entries,
                                    const void *version,
                                    apr_size_t version_len, int reload)
{
    if (metrics.ready)
        file_loaded(file_row(path, &uid), kind, entries, version,
                    version_len, reload);
}

void policy_metrics_htaccess_failed(const char *path, const char *kind,
                                    apr_uint64_t uid, const char *why)
{
    if (metrics.ready)
        file_failed(file_row(path, &uid), kind, why);
}
