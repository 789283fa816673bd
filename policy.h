/*
 * Types and functions shared by the parts of mod_authz_policy that live
 * inside httpd: configuration records, parsed Require lines, and what each
 * file offers the others (the file's name says where each lives).  The
 * per-request record is in request.h; the pure parts in pure/.
 */
#ifndef AUTHZ_POLICY_H
#define AUTHZ_POLICY_H

#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"

#include "ap_socache.h"
#include <apr_sha1.h>
#include <apr_global_mutex.h>
#include "datafile.h"
#include "logno.h"
#include "policy_model.h"
#include "reason.h"
#include "region.h"
#include "userdb.h"

#include <stdatomic.h>
#include <stdint.h>

extern module AP_MODULE_DECLARE_DATA authz_policy_module;

/* The module's version: CHANGES.md says what each one brought. */
#define AUTHZ_POLICY_VERSION "0.2.0"


typedef enum { FORMAT_UNSET = 0, FORMAT_AUTO, FORMAT_HTML, FORMAT_JSON,
               FORMAT_PROBLEM } policy_format;
typedef enum { DETAIL_UNSET = 0, DETAIL_NONE, DETAIL_REASON,
               DETAIL_FULL } policy_detail;

/* An area: the name its decisions are logged and counted under
 * (AuthzPolicyName, or the path of a Require line's section), and its
 * counters' place in the shared table, found on its first counted
 * decision (metrics.c).  The place is kept beside the name, in the same
 * pool: it never outlives the name, and a configuration read again
 * starts without it.  Atomics of C11, as the table it points into
 * (pure/metrics_table.h; the project's vocabulary: docs/design.md). */
typedef struct {
    const char *name;
    _Atomic uint64_t *_Atomic counters;
} policy_area;

/* An area named name, its counters not yet found, in p: the pool of the
 * configuration (or request) that names it. */
static inline policy_area *policy_area_make(apr_pool_t *p, const char *name)
{
    policy_area *a = apr_pcalloc(p, sizeof *a);
    a->name = name;
    return a;
}

/* One parsed `Require role|plan|scope ...` line. */
typedef struct {
    policy_reason reason;
    int negated;                 /* under an odd number of `not` /
                                    <RequireNone>: a grant denies */
    const char **values;
    unsigned nvalues;
    const char *required;        /* what it requires, for the environment
                                    and the "full" detail level */
    const char *lowest_plan;     /* plan lines: the lowest listed plan */
    datafile **lists;            /* iplist lines: the lists, resolved once
                                    the configuration is read */
    policy_area *section;        /* its configuration section's area (named
                                    by the section's path): the area of its
                                    decisions without AuthzPolicyName */
} policy_require;

/* The attributes a user holds, and where each comes from
 * (AuthzPolicyAttribute). */
typedef enum { ATTR_ROLE = 0, ATTR_PLAN, ATTR_SCOPE, ATTR_COUNT } policy_attr;
extern const char *const policy_attr_name[ATTR_COUNT];
/* The attribute sources, the words after the attribute in its line: one
 * ROW(name) a line, each the descriptor attr_source_NAME in its own file
 * (attrs_source.h says what a descriptor holds).  This list is the one
 * table: the directive's parser, the fetch, the metrics' counters, the
 * status page's labels and the messages that list sources are made from
 * it, in this order; t/sources.t reads it from here and checks each name
 * in the help text and the docs. */
#define ATTR_SOURCE_ROWS(ROW) \
    ROW(file) \
    ROW(env) \
    ROW(dbd) \
    ROW(ldap)
/* A source's position in that table: ASRC_file ... ASRC_COUNT. */
#define ATTR_SOURCE_INDEX(name) ASRC_##name,
typedef enum { ATTR_SOURCE_ROWS(ATTR_SOURCE_INDEX) ASRC_COUNT
} attr_source_kind;
typedef struct policy_ldap_source policy_ldap_source;   /* attrs_ldap.c */
typedef struct {
    attr_source_kind kind;       /* its row in ATTR_SOURCE_ROWS */
    const char *name;            /* env: the variable */
    const char *delim;           /* env: between values */
    const char *sql;             /* dbd: the query */
    const char *label;           /* dbd: its mod_dbd label */
    const char *key;             /* dbd, ldap: the cache key's start,
                                    "ap:ATTRIBUTE:" (attrs.c) */
    const char *identity;        /* dbd, ldap: what the source is: the
                                    query; the LDAP line, less its
                                    password */
    unsigned char digest[APR_SHA1_DIGESTSIZE];  /* of identity, in the
                                    cache key with the server's */
    const policy_ldap_source *ldap;     /* ldap: where and how */
} attr_source;

/* A process's own copies of answers from a networked cache (cache.c). */
typedef struct policy_memo policy_memo;

/* AuthzPolicyCache: one mod_socache instance. */
typedef struct {
    apr_interval_time_t ttl;     /* 0: off */
    const char *name, *args;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *inst;
    apr_global_mutex_t *mutex;   /* for caches that need one */
    int ready, child_ready;
    unsigned memo_entries;       /* per process; 0: no memo (local caches) */
    apr_interval_time_t longest; /* the longest lifetime any area reads
                                    it with: older copies are dropped */
    policy_memo *memo;           /* this process's, from child_init */
} policy_cache;

/* Where a client's region comes from (AuthzPolicyRegionFrom). */
typedef enum { SOURCE_GEOIP, SOURCE_HEADER, SOURCE_ENV } region_source_kind;
typedef struct {
    region_source_kind kind;
    const char *name;            /* the header or variable */
} region_source;

typedef struct {
    policy_plans plans;
    int plans_set;
    const char *plans_where;       /* its line, "file:line" */
    policy_roles *roles;         /* inheritance edges and, after
                                    check_config, their closure */
    apr_hash_t *iplists;         /* name -> datafile; the main server's */
    apr_array_header_t *region_from;    /* of region_source; NULL: geoip */
    datafile *geoip;
    const void *trusted;         /* AuthzPolicyTrustedProxy, an iplist */
    const char *trusted_text;
    policy_cache *cache;         /* NULL: no AuthzPolicyCache */
    unsigned cache_memo;         /* AuthzPolicyCacheMemo */
    int cache_memo_set;
    htaccess_files_rule htaccess_files;   /* AuthzPolicyHtaccessFiles */
    int htaccess_files_set;
    apr_off_t htaccess_bytes;    /* AuthzPolicyHtaccessLimits; 0: unset */
    unsigned htaccess_max_files;
    int htaccess_handlers;       /* AuthzPolicyHtaccessHandlers */
    int htaccess_handlers_set;
} policy_server_conf;

typedef enum { MODE_UNSET = 0, MODE_ENFORCE, MODE_REPORT } policy_mode;

/* <AuthzPolicyShadow>: a candidate policy (shadow.c). */
typedef struct policy_shadow policy_shadow;

typedef struct {
    datafile *userfile;
    int userfile_set;
    apr_array_header_t *sources[ATTR_COUNT];   /* NULL: the user file */

    /* how denials are answered; 0 / NULL = inherit */
    int status[REASON_COUNT];
    policy_format format;
    policy_detail detail;
    const char *message[REASON_COUNT];
    const char *errordoc[REASON_COUNT];
    const char *documentation;
    const char *blocked_by;
    int responds;                /* a response directive is in effect */
    const char *hidden_path;     /* AuthzPolicyHiddenPath: where a hidden
                                    denial is answered from; NULL: a
                                    sibling path that does not exist */
    const char *section;         /* the path of the deepest section that
                                    applies; NULL: the server's own */
    policy_area *area;           /* AuthzPolicyName */
    policy_mode mode;            /* AuthzPolicyMode */
    int server_denials;          /* AuthzPolicyServerDenials (off unless
                                    set) */
    int server_denials_set;
    int mode_htaccess;           /* the mode, and AuthzPolicyServerDenials, */
    int server_denials_htaccess; /* as set: by an .htaccess file */
    apr_array_header_t *shadows; /* of policy_shadow *, in effect here */
    apr_interval_time_t cache_ttl;      /* AuthzPolicyCacheTimeout; 0: off */
    int cache_ttl_set;
} policy_dir_conf;


/* The per-request record (request.h). */
typedef struct policy_request policy_request;

/* config.c: the module's directives and configuration records. */
extern const command_rec policy_cmds[];
void *policy_create_server_conf(apr_pool_t *p, server_rec *s);
void *policy_merge_server_conf(apr_pool_t *p, void *basev, void *addv);
void *policy_create_dir_conf(apr_pool_t *p, char *dir);
void *policy_merge_dir_conf(apr_pool_t *p, void *basev, void *addv);

/* attrs.c: AuthzPolicyUserFile files, as data files. */
extern const datafile_type policy_userfile_type;
/* attrs.c: the user's values of an attribute, from every source; NULL on
 * a failure (logged): the caller answers 500. */
const char *const *policy_attr_values(request_rec *r, policy_request *rq,
                                      policy_attr a, unsigned *n);
/* attrs.c: Require role, plan and scope. */
authz_status policy_check_user_attr(request_rec *r, const policy_require *req);
/* attrs.c: the arguments of AuthzPolicyAttribute and AuthzPolicyCache. */
const char *policy_attr_directive(cmd_parms *cmd, policy_dir_conf *d,
                                  int argc, char *const argv[]);
const char *policy_cache_directive(cmd_parms *cmd, policy_server_conf *sc,
                                   int argc, char *const argv[]);
void policy_attrs_pre_config(apr_pool_t *pconf);
int policy_attrs_post_config(apr_pool_t *pconf, server_rec *s);
void policy_attrs_child_init(apr_pool_t *p, server_rec *s);

/* cache.c: AuthzPolicyCacheTimeout, the lifetime of cached answers in
 * r's area (0: not cached there), and the stamp of the time an answer was
 * fetched, stored before it. */
const char *policy_cache_timeout_directive(cmd_parms *cmd, void *dirv,
                                           const char *arg);
apr_interval_time_t policy_cache_lifetime(request_rec *r,
                                          const policy_cache *c);
const char *policy_cache_stamp(apr_pool_t *p, apr_time_t fetched);
/* The values of a stored text younger than lifetime at now, else NULL. */
const char *policy_cache_fresh(const char *text, apr_time_t now,
                               apr_interval_time_t lifetime);
/* cache.c: AuthzPolicyCacheMemo, and the longest AuthzPolicyCacheTimeout
 * read so far (pre_config forgets it). */
const char *policy_cache_memo_directive(cmd_parms *cmd,
                                        policy_server_conf *sc,
                                        const char *arg);
#define POLICY_CACHE_MEMO_DEFAULT 256
void policy_cache_pre_config(void);
apr_interval_time_t policy_cache_longest_area_lifetime(void);
/* cache.c: each process's memo of a networked cache: made once in
 * child_init; a stored text (stamp and values) is copied in, and copied out
 * (into p) for a key while younger than lifetime: the values, or NULL. */
void policy_memo_child_init(policy_cache *c, apr_pool_t *pchild);
const char *policy_memo_get(policy_memo *m, const char *key,
                            apr_size_t key_len, apr_time_t now,
                            apr_interval_time_t lifetime, apr_pool_t *p);
void policy_memo_put(policy_memo *m, const char *key, apr_size_t key_len,
                     const char *text, apr_size_t text_len);

/* network.c: AuthzPolicyIPList files, as data files. */
extern const datafile_type policy_iplist_type;
/* network.c: Require iplist and Require region. */
authz_status policy_check_network(request_rec *r, const policy_require *req);
/* network.c: looks the client's region up once per request; -1 on a
 * failure (logged): the caller answers 500. */
int policy_client_region(request_rec *r, policy_request *rq);
/* network.c: takes out of Vary the request headers our checks added (a
 * hidden answer is a missing path's, where they did not run). */
void policy_network_unvary(request_rec *r, policy_request *rq);
/* network.c: 1 when addr is in the iplist image list. */
int policy_addr_in_list(const void *list, const apr_sockaddr_t *addr);

/* origin.c: Require same-origin [ORIGIN ...]: the line parsed once, and
 * the check (no user needed). */
const char *policy_same_origin_parse(cmd_parms *cmd, const char *line,
                                     const void **parsed);
authz_status policy_check_same_origin(request_rec *r,
                                      const policy_require *req);

/* config.c: "#..." as an argument: a comment Apache does not read. */
const char *policy_refuse_comment(apr_pool_t *p, const char *directive,
                                  const char *arg);
/* config.c: the directory of the deepest .htaccess file that took part in
 * r's configuration (and so may have set its handler), or NULL. */
const char *policy_handler_htaccess(const request_rec *r);
/* config.c: 1 when r's handler (the module's, or mod_status's page with
 * its section) must not answer: an .htaccess file took part in r's
 * configuration, and so could have set it, and its virtual host has no
 * AuthzPolicyHtaccessHandlers on.  Logs one line saying so, which begins
 * with what (what is refused: "the ... handler answers 404"). */
int policy_handler_refused(request_rec *r, const char *what);

/* require.c: a Require role|plan|scope|iplist|region line, parsed once;
 * what needs the whole configuration is checked at check_config. */
const char *policy_require_parse(cmd_parms *cmd, const char *line,
                                 policy_reason reason, const void **parsed);
/* require.c: the parsed form of the Require line being read, of reason,
 * with its values and what it requires in words (for the variables and
 * the "full" detail level; "not " is put before it under an odd number
 * of `not` and <RequireNone>). */
policy_require *policy_require_make(cmd_parms *cmd, policy_reason reason,
                                    const apr_array_header_t *values,
                                    const char *required);
void policy_require_pre_config(apr_pool_t *pconf);
int policy_require_check_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                server_rec *s);

/* configtest.c: checks of the whole configuration that only warn or stop
 * the start (sources of attributes and regions, user files' plans). */
void policy_configtest_pre_config(apr_pool_t *pconf);
void policy_configtest_userfile(cmd_parms *cmd, const char *path);
const char *policy_configtest_require(apr_pool_t *ptemp, server_rec *s,
                                      server_rec *where,
                                      const ap_directive_t *directive,
                                      const policy_require *req,
                                      int *warning);
int policy_configtest_roles(apr_pool_t *pconf, server_rec *s);
/* The server's declared plans, lowest first, or NULL when it has none. */
const char *policy_configtest_plans_text(apr_pool_t *p,
                                         const policy_server_conf *sc);
void policy_configtest_warnings(apr_pool_t *ptemp, server_rec *s);

/* shadow.c: <AuthzPolicyShadow NAME>, its inheritance, and the results
 * of the shadows in effect for a request (AUTHZ_POLICY_SHADOW), once. */
const char *policy_shadow_section(cmd_parms *cmd, policy_dir_conf *d,
                                  const char *arg);
apr_array_header_t *policy_shadows_merge(apr_pool_t *p,
                                         apr_array_header_t *base,
                                         apr_array_header_t *add);
void policy_shadows_evaluate(request_rec *r);
/* Whether d has shadows in effect, i.e. policy_shadows_evaluate has work:
 * asked first on every grant, which mostly has none. */
static inline int policy_shadows_in_effect(const policy_dir_conf *d)
{
    return d->shadows && d->shadows->nelts;
}
void policy_shadow_init(void);
const char *policy_shadow_name(const policy_shadow *shadow);

/* explain.c: SetHandler authz-policy-explain. */
void policy_explain_register(apr_pool_t *p);

/* takeover.c: runs the access phases' hook chains in place of httpd. */
void policy_takeover_register(apr_pool_t *p);
int policy_takeover_post_config(apr_pool_t *pconf, server_rec *s);

/* deny.c: turns a denial decided by mod_authz_core or the authentication
 * phase into the configured answer; returns the status to hand on.
 * blamed: the check blamed for it, NULL for anonymous, other and
 * error (a failing source: 500, whatever AuthzPolicyDenyStatus says). */
int policy_deny(request_rec *r, policy_request *rq, policy_reason reason,
                const policy_require *blamed);
/* deny.c: report mode: records the denial that would have been answered
 * (reason error: a failing source, 500) and lets the request through
 * (OK). */
int policy_report(request_rec *r, policy_request *rq, policy_reason reason,
                  const policy_require *blamed);
/* deny.c: s as a JSON string, quotes included, escaped for any bytes. */
const char *policy_json_string(apr_pool_t *p, const char *s);
/* deny.c: the error filter that gives our bodies their Content-Type. */
void policy_deny_register(apr_pool_t *p);

/* decision_log.c: a denial's (or would-be denial's) variables and log
 * line, written now or, when the status sent is not known yet, at the
 * end; the variables of a grant, and the shadows, at fixups. */
void policy_decision_record(request_rec *r, policy_request *rq,
                            int would_deny, policy_reason reason,
                            const policy_require *req, int status);
void policy_decision_log_register(apr_pool_t *p);
/* decision_log.c: a value for a log line, in double quotes, that no user
 * name or URL can end ('"', '%', '\\' and control bytes
 * percent-encoded); NULL is a bare -. */
const char *policy_log_value(apr_pool_t *p, const char *value);

/* hidden.c: answers a hidden denial of a main request as the server
 * answers a path that does not exist: moves r onto its decoy and returns
 * OK, or, if the decoy is not missing, returns 404 (and logs why). */
int policy_hidden_answer(request_rec *r, policy_request *rq);
/* hidden.c: whether the user a Basic client claims could not pass this
 * area's authorization, and that denial is hidden: then the answer can be
 * given before any password is checked.  run_authz runs the authorization
 * chain; *reason and *blamed are the denial's. */
int policy_hidden_claimed_user_fails(request_rec *r,
                                     int (*run_authz)(request_rec *),
                                     policy_reason *reason,
                                     const policy_require **blamed);
const char *policy_hidden_path_directive(cmd_parms *cmd, policy_dir_conf *d,
                                         const char *arg);
void policy_hidden_child_init(apr_pool_t *p);
void policy_hidden_register(apr_pool_t *p);

#endif
