/*
 * metrics: the counters of docs/watching.md, in memory that the parent
 * makes at each (re)start, before it starts its children, and that all of
 * the server's processes share (event, worker, prefork).  Counting is an
 * atomic add; a name (area, shadow, data file) is added to its table the
 * first time it is met, up to AuthzPolicyMetricsAreas names a table,
 * beyond which the overflow label "(other)" counts.  Files named in
 * .htaccess files take rows after the configured ones (which have theirs
 * from the start), at most an eighth of the table for the .htaccess files
 * of one owner (METRICS_OWNER_SHARE): one customer cannot take the
 * others' rows.
 *
 * What calls it (one call a thing counted): decision_log.c (decisions),
 * shadow.c (shadow results), datafile.c (loads, reloads, errors), attrs.c
 * (source errors, cache look-ups); status.c reads it.  Explained requests
 * (policy_request.explaining, on the request or one it is a subrequest
 * of) are not counted.
 */
#ifndef AUTHZ_POLICY_METRICS_H
#define AUTHZ_POLICY_METRICS_H

#include "policy.h"
#include "metrics_table.h"

/* AuthzPolicyMetricsAreas N (server config). */
#define METRICS_AREAS_DEFAULT 256
#define METRICS_OVERFLOW "(other)"
/* The data-file rows that one .htaccess owner's files may take. */
#define METRICS_OWNER_SHARE(areas) ((areas) >= 8 ? (areas) / 8 : 1)

/* The global counters: each attribute source's failures, by its row in
 * ATTR_SOURCE_ROWS (policy.h), then the cache's look-ups. */
enum { MG_SOURCE_ERRORS = 0, MG_CACHE_HIT = MG_SOURCE_ERRORS + ASRC_COUNT,
       MG_CACHE_MISS, MG_COUNT };

/* A data file's counters (its table's entries), and its extra bytes. */
enum { MF_ENTRIES = 0, MF_LOADED, MF_RELOAD_OK, MF_RELOAD_ERROR,
       MF_VERSION, MF_KIND, MF_COUNT };
typedef struct {
    char last_error[256];        /* "" when the last reload went well */
} metrics_file_extra;

typedef struct {
    mtab areas, shadows, files;
    _Atomic uint64_t *global;    /* MG_COUNT counters */
    apr_time_t started;          /* when the counters were made */
} policy_metrics;

/* A walk over a table's entries, the overflow entry only once it counted
 * something. */
typedef struct {
    const mtab *table;
    unsigned next;
} metrics_walk;
typedef struct {
    const char *name;
    _Atomic uint64_t *counters;
} metrics_entry;
int metrics_next(metrics_walk *w, metrics_entry *e);

/* The counters, or NULL before the parent made them (first pass). */
const policy_metrics *policy_metrics_get(void);

const char *policy_metrics_areas_directive(cmd_parms *cmd, void *dirv,
                                           const char *arg);
void policy_metrics_pre_config(apr_pool_t *pconf);
/* post_config, real pass: makes the counters (they start at 0). */
int policy_metrics_post_config(apr_pool_t *pconf, server_rec *s);
/* child_init: reattaches the counters' mutex. */
void policy_metrics_child_init(apr_pool_t *pchild);
/* Lists a name from the configuration at 0. */
void policy_metrics_add_area(const char *name);
void policy_metrics_add_shadow(const char *name);

/* A denial of r in area (decision: deny or would-deny) with its reason
 * and the status sent (or that would be). */
void policy_metrics_denial(request_rec *r, policy_area *area,
                           mtab_decision decision, policy_reason reason,
                           int status);
/* A grant of r in area (one counter, whatever the status). */
void policy_metrics_grant(request_rec *r, policy_area *area);
void policy_metrics_shadow(request_rec *r, const char *name, int granted);
void policy_metrics_source_error(request_rec *r, attr_source_kind kind);
void policy_metrics_cache(request_rec *r, int hit);

/* A data file's version now in force (version: the bytes that identify
 * it; each new one counts one reload when reload is set), or a reload
 * that failed and why. */
void policy_metrics_datafile_loaded(const char *path, const char *kind,
                                    apr_size_t entries, const void *version,
                                    apr_size_t version_len, int reload);
void policy_metrics_datafile_failed(const char *path, const char *kind,
                                    const char *why);
/* The same for a file named in an .htaccess file of owner uid: counted in
 * that owner's share of the rows. */
void policy_metrics_htaccess_loaded(const char *path, const char *kind,
                                    apr_uint64_t uid, apr_size_t entries,
                                    const void *version,
                                    apr_size_t version_len, int reload);
void policy_metrics_htaccess_failed(const char *path, const char *kind,
                                    apr_uint64_t uid, const char *why);
/* A copy of a data file's last reload error ("" if none). */
void policy_metrics_file_error(_Atomic uint64_t *counters, char *buf,
                               apr_size_t len);
/* The label of a data file's kind counter: users, iplist or geoip. */
const char *policy_metrics_kind_label(apr_uint64_t kind);

#endif
