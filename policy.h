/*
 * Types shared by the parts of mod_authz_policy that live inside httpd:
 * configuration records, the per-request record, and the reasons a request
 * can be denied for.
 */
#ifndef AUTHZ_POLICY_H
#define AUTHZ_POLICY_H

#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"

#include "ap_socache.h"
#include <apr_global_mutex.h>
#include "datafile.h"
#include "policy_model.h"
#include "reason.h"
#include "region.h"
#include "userdb.h"

extern module AP_MODULE_DECLARE_DATA authz_policy_module;

/* The module's version: CHANGES.md says what each one brought. */
#define AUTHZ_POLICY_VERSION "0.2.0"


typedef enum { FORMAT_UNSET = 0, FORMAT_AUTO, FORMAT_HTML, FORMAT_JSON,
               FORMAT_PROBLEM } policy_format;
typedef enum { DETAIL_UNSET = 0, DETAIL_NONE, DETAIL_REASON,
               DETAIL_FULL } policy_detail;

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
} policy_require;

/* The attributes a user holds, and where each comes from
 * (AuthzPolicyAttribute). */
typedef enum { ATTR_ROLE = 0, ATTR_PLAN, ATTR_SCOPE, ATTR_COUNT } policy_attr;
extern const char *const policy_attr_name[ATTR_COUNT];
typedef enum { ASRC_FILE, ASRC_ENV, ASRC_DBD } attr_source_kind;
typedef struct {
    attr_source_kind kind;
    const char *name;            /* env: the variable */
    const char *delim;           /* env: between values */
    const char *sql;             /* dbd: the query */
    const char *label;           /* dbd: its mod_dbd label */
    const char *key;             /* dbd: the cache key, less the user */
} attr_source;

/* AuthzPolicyCache: one mod_socache instance. */
typedef struct {
    apr_interval_time_t ttl;     /* 0: off */
    const char *name, *args;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *inst;
    apr_global_mutex_t *mutex;   /* for caches that need one */
    int ready, child_ready;
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
    policy_roles *roles;         /* inheritance edges and, after
                                    check_config, their closure */
    apr_hash_t *iplists;         /* name -> datafile; the main server's */
    apr_array_header_t *region_from;    /* of region_source; NULL: geoip */
    datafile *geoip;
    const void *trusted;         /* AuthzPolicyTrustedProxy, an iplist */
    const char *trusted_text;
    policy_cache *cache;         /* NULL: no AuthzPolicyCache */
    htaccess_files_rule htaccess_files;   /* AuthzPolicyHtaccessFiles */
    int htaccess_files_set;
    apr_off_t htaccess_bytes;    /* AuthzPolicyHtaccessLimits; 0: unset */
    unsigned htaccess_max_files;
} policy_server_conf;

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
} policy_dir_conf;

/* How the decoy look-up of a hidden denial is being made (hidden.c). */
typedef enum {
    DECOY_NONE = 0,
    DECOY_UNCHECKED,             /* the sibling decoy: no authorization, it
                                    is used only if nothing is there */
    DECOY_CHECKED                /* AuthzPolicyHiddenPath: authorized as
                                    any request for it */
} policy_decoy_lookup;

/* What this module knows about one request. */
typedef struct {
    int took_part;               /* one of our providers was evaluated */
    const policy_require *vote;  /* our last check, in the current pass,
                                    whose answer pointed to a denial */
    /* each attribute fetched at most once: 0 not yet, 1 done, -1 failed */
    int attr_state[ATTR_COUNT];
    const char **values[ATTR_COUNT];
    unsigned nvalues[ATTR_COUNT];
    int file_state, file_found;  /* the user file's entry, looked up once */
    const userdb *file_db;
    userdb_user file_user;
    policy_format body_format;   /* the body we asked ap_die to send */
    int denial_status;
    int region_state;            /* 0 not looked up, 1 done, -1 failed */
    char country[3];             /* "" when unknown */
    char subdivision[REGION_MAX];
    policy_decoy_lookup decoy_lookup;  /* a look-up of this request's decoy
                                          is under way */
    const char *denial_log;      /* the denial's log line, less status and
                                    URI, until it is written */
    const char *denial_uri;
    int hidden;                  /* moved onto its decoy: the remaining
                                    access phases let it through */
    int user_placeholder;        /* r->user was set only to get past the
                                    authentication phase; cleared next */
    const char *decoy;           /* the decoy's URL, once moved onto it */
} policy_request;

policy_request *policy_request_get(request_rec *r, int create);

/* Whether a grant of the Require line being read denies: an odd number
 * of `not` and <RequireNone> between it and the top. */
int policy_require_negated(const cmd_parms *cmd);

/* origin.c: registers Require same-origin. */
void policy_origin_register(apr_pool_t *p);

/* attrs.c: the user's values of an attribute, from every source; NULL on
 * a failure (logged): the caller answers 500. */
const char *const *policy_attr_values(request_rec *r, policy_request *rq,
                                      policy_attr a, unsigned *n);
const char *policy_attr_directive(cmd_parms *cmd, policy_dir_conf *d,
                                  int argc, char *const argv[]);
const char *policy_cache_directive(cmd_parms *cmd, policy_server_conf *sc,
                                   int argc, char *const argv[]);
void policy_attrs_pre_config(apr_pool_t *pconf);
int policy_attrs_post_config(apr_pool_t *pconf, server_rec *s);
void policy_attrs_child_init(apr_pool_t *p, server_rec *s);

/* network.c: AuthzPolicyIPList files. */
extern const datafile_type policy_iplist_type;
/* network.c: Require iplist and Require region. */
authz_status policy_check_iplist(request_rec *r, policy_request *rq,
                                 const policy_require *req);
authz_status policy_check_region(request_rec *r, policy_request *rq,
                                 const policy_require *req);
/* network.c: 1 when addr is in the iplist image list. */
int policy_addr_in_list(const void *list, const apr_sockaddr_t *addr);

/* deny.c: turns a denial decided by mod_authz_core or the authentication
 * phase into the configured answer; returns the status to hand on. */
int policy_deny(request_rec *r, policy_request *rq, policy_reason reason);
/* deny.c: writes the denial's log line, once, with the status sent. */
void policy_log_denial(request_rec *r, policy_request *rq, int status);
/* deny.c: the error filter that gives our bodies their Content-Type. */
void policy_deny_register(apr_pool_t *p);

/* hidden.c: answers a hidden denial of a main request as the server
 * answers a path that does not exist: moves r onto its decoy and returns
 * OK, or, if the decoy is not missing, returns 404 (and logs why). */
int policy_hidden_answer(request_rec *r, policy_request *rq);
/* hidden.c: the user name a Basic Authorization header claims, or NULL. */
char *policy_claimed_basic_user(request_rec *r);
const char *policy_hidden_path_directive(cmd_parms *cmd, policy_dir_conf *d,
                                         const char *arg);
void policy_hidden_child_init(apr_pool_t *p);
void policy_hidden_register(apr_pool_t *p);

#endif
