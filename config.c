/*
 * config: the module's configuration records, how sections merge, and
 * every directive (the command table is at the end).  docs/directives.md
 * is their reference.
 */
#include "policy.h"
#include "config.h"
#include "metrics.h"
#include "geoip.h"
#include "iplist.h"

#include "http_core.h"
#include "http_log.h"
#include <apr_lib.h>
#include <apr_strings.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

APLOG_USE_MODULE(authz_policy);

/* ------------------------------------------------------------------ */
/* Configuration records                                               */

void *policy_create_server_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    policy_server_conf *c = apr_pcalloc(p, sizeof *c);
    c->roles = policy_roles_make(p);
    c->iplists = apr_hash_make(p);
    return c;
}

void *policy_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    policy_server_conf *base = basev, *add = addv;
    policy_server_conf *c = apr_pcalloc(p, sizeof *c);
    c->plans = add->plans_set ? add->plans : base->plans;
    c->plans_set = add->plans_set || base->plans_set;
    c->roles = policy_roles_merge(p, base->roles, add->roles);
    c->iplists = base->iplists;          /* declared in the main server */
    c->region_from = add->region_from ? add->region_from : base->region_from;
    c->geoip = add->geoip ? add->geoip : base->geoip;
    c->trusted = add->trusted ? add->trusted : base->trusted;
    c->trusted_text = add->trusted ? add->trusted_text : base->trusted_text;
    c->cache = add->cache ? add->cache : base->cache;
    c->cache_memo = add->cache_memo_set ? add->cache_memo : base->cache_memo;
    c->cache_memo_set = add->cache_memo_set || base->cache_memo_set;
    c->htaccess_files = add->htaccess_files_set ? add->htaccess_files
                                                : base->htaccess_files;
    c->htaccess_files_set = add->htaccess_files_set
                            || base->htaccess_files_set;
    c->htaccess_handlers = add->htaccess_handlers_set
                           ? add->htaccess_handlers : base->htaccess_handlers;
    c->htaccess_handlers_set = add->htaccess_handlers_set
                               || base->htaccess_handlers_set;
    return c;
}

void *policy_create_dir_conf(apr_pool_t *p, char *dir)
{
    policy_dir_conf *c = apr_pcalloc(p, sizeof *c);
    c->section = dir;               /* NULL: the server's own */
    return c;
}

void *policy_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    policy_dir_conf *base = basev, *add = addv;
    policy_dir_conf *c = apr_pcalloc(p, sizeof *c);
    c->userfile = add->userfile_set ? add->userfile : base->userfile;
    c->userfile_set = add->userfile_set || base->userfile_set;
    c->cache_ttl = add->cache_ttl_set ? add->cache_ttl : base->cache_ttl;
    c->cache_ttl_set = add->cache_ttl_set || base->cache_ttl_set;
    for (int a = 0; a < ATTR_COUNT; a++)   /* a deeper scope's lines replace */
        c->sources[a] = add->sources[a] ? add->sources[a] : base->sources[a];
    for (int i = 0; i < REASON_COUNT; i++) {
        c->status[i] = add->status[i] ? add->status[i] : base->status[i];
        c->message[i] = add->message[i] ? add->message[i] : base->message[i];
        c->errordoc[i] = add->errordoc[i] ? add->errordoc[i]
                                          : base->errordoc[i];
    }
    c->format = add->format ? add->format : base->format;
    c->detail = add->detail ? add->detail : base->detail;
    c->documentation = add->documentation ? add->documentation
                                          : base->documentation;
    c->blocked_by = add->blocked_by ? add->blocked_by : base->blocked_by;
    c->responds = add->responds || base->responds;
    c->hidden_path = add->hidden_path ? add->hidden_path : base->hidden_path;
    c->section = add->section ? add->section : base->section;
    c->area = add->area ? add->area : base->area;
    c->mode = add->mode ? add->mode : base->mode;
    c->mode_htaccess = add->mode ? add->mode_htaccess : base->mode_htaccess;
    c->server_denials_htaccess = add->server_denials_set
                                 ? add->server_denials_htaccess
                                 : base->server_denials_htaccess;
    c->server_denials = add->server_denials_set ? add->server_denials
                                                : base->server_denials;
    c->server_denials_set = add->server_denials_set
                            || base->server_denials_set;
    c->shadows = policy_shadows_merge(p, base->shadows, add->shadows);
    return c;
}

/* ------------------------------------------------------------------ */
/* Directives                                                          */

static policy_server_conf *server_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config,
                                &authz_policy_module);
}

/* Apache has no comments after arguments: "Require role editor  # note"
 * would require the roles "#" and "note".  No name begins with '#'. */
const char *policy_refuse_comment(apr_pool_t *p, const char *directive,
                                  const char *arg)
{
    if (arg[0] != '#')
        return NULL;
    return apr_psprintf(p, "%s: '%s' begins with '#': Apache reads "
                        "comments only on lines of their own, not after "
                        "arguments (move it to the line above)", directive,
                        arg);
}

static const char *refuse_comments(cmd_parms *cmd, const char *directive,
                                   int argc, char *const argv[])
{
    for (int i = 0; i < argc; i++) {
        const char *err = policy_refuse_comment(cmd->pool, directive,
                                                argv[i]);
        if (err)
            return err;
    }
    return NULL;
}

static const char *set_userfile(cmd_parms *cmd, void *dirv, const char *arg)
{
    policy_dir_conf *d = dirv;
    const char *path = ap_server_root_relative(cmd->temp_pool, arg);
    if (!path)
        return apr_pstrcat(cmd->pool, "AuthzPolicyUserFile: invalid path ",
                           arg, NULL);
    const char *err = datafile_open(cmd, &policy_userfile_type, path,
                                    &server_conf(cmd)->htaccess_files,
                                    &d->userfile);
    if (err)
        return apr_pstrdup(cmd->pool, err);
    d->userfile_set = 1;
    policy_configtest_userfile(cmd, path);
    return NULL;
}

static const char *set_plans(cmd_parms *cmd, void *dirv, int argc,
                             char *const argv[])
{
    (void)dirv;
    policy_server_conf *sc = server_conf(cmd);
    if (argc < 1)
        return "AuthzPolicyPlans needs at least one plan, lowest first";
    if (sc->plans_set)
        return apr_psprintf(cmd->pool, "AuthzPolicyPlans is given twice for "
                            "this server (first at %s): list every plan on "
                            "one line, lowest first", sc->plans_where);
    const char *err = refuse_comments(cmd, "AuthzPolicyPlans", argc, argv);
    if (err)
        return err;
    err = policy_plans_set(cmd->pool, &sc->plans,
                                       (const char *const *)argv, argc);
    if (err)
        return apr_pstrcat(cmd->pool, "AuthzPolicyPlans: ", err, NULL);
    sc->plans_set = 1;
    sc->plans_where = cmd->directive
        ? apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                       cmd->directive->line_num)
        : "?";
    return NULL;
}

static const char *set_role_inherit(cmd_parms *cmd, void *dirv, int argc,
                                    char *const argv[])
{
    (void)dirv;
    policy_server_conf *sc = server_conf(cmd);
    if (argc < 2)
        return "AuthzPolicyRoleInherit needs a role and at least one role "
               "it inherits";
    const char *err = refuse_comments(cmd, "AuthzPolicyRoleInherit", argc,
                                      argv);
    if (err)
        return err;
    for (int i = 1; i < argc; i++) {
        err = policy_roles_add(cmd->pool, sc->roles, argv[0],
                                           argv[i]);
        if (err)
            return apr_pstrcat(cmd->pool, "AuthzPolicyRoleInherit: ", err,
                               NULL);
    }
    return NULL;
}

static const char *set_iplist(cmd_parms *cmd, void *dirv, const char *name,
                              const char *arg)
{
    (void)dirv;
    policy_server_conf *sc = server_conf(cmd);
    if (cmd->server->is_virtual)
        return "AuthzPolicyIPList belongs in the main server configuration: "
               "lists are shared by all virtual hosts";
    if (apr_hash_get(sc->iplists, name, APR_HASH_KEY_STRING))
        return apr_psprintf(cmd->pool, "AuthzPolicyIPList: the list '%s' "
                            "is declared twice", name);
    const char *path = ap_server_root_relative(cmd->temp_pool, arg);
    if (!path)
        return apr_pstrcat(cmd->pool, "AuthzPolicyIPList: invalid path ",
                           arg, NULL);
    datafile *df;
    const char *err = datafile_open(cmd, &policy_iplist_type, path, NULL,
                                    &df);
    if (err)
        return apr_pstrdup(cmd->pool, err);
    apr_hash_set(sc->iplists, apr_pstrdup(cmd->pool, name),
                 APR_HASH_KEY_STRING, df);
    return NULL;
}

static const char *set_geoip(cmd_parms *cmd, void *dirv, const char *arg)
{
    (void)dirv;
    const char *path = ap_server_root_relative(cmd->temp_pool, arg);
    if (!path)
        return apr_pstrcat(cmd->pool, "AuthzPolicyGeoIPDatabase: invalid "
                           "path ", arg, NULL);
    const char *err = datafile_open(cmd, &geoip_type, path, NULL,
                                    &server_conf(cmd)->geoip);
    return err ? apr_pstrdup(cmd->pool, err) : NULL;
}

/* AuthzPolicyHtaccessFiles owner|any|DIR [DIR ...] */
static const char *set_htaccess_files(cmd_parms *cmd, void *dirv, int argc,
                                      char *const argv[])
{
    (void)dirv;
    htaccess_files_rule *rule = &server_conf(cmd)->htaccess_files;
    if (argc < 1)
        return "AuthzPolicyHtaccessFiles needs owner, any, or directories";
    if (argc == 1 && !strcasecmp(argv[0], "owner"))
        rule->mode = HTACCESS_FILES_OWNER;
    else if (argc == 1 && !strcasecmp(argv[0], "any"))
        rule->mode = HTACCESS_FILES_ANY;
    else {
        const char **dirs = apr_pcalloc(cmd->pool, argc * sizeof *dirs);
        for (int i = 0; i < argc; i++) {
            char real[PATH_MAX];
            const char *dir = ap_server_root_relative(cmd->temp_pool,
                                                      argv[i]);
            if (!strcasecmp(argv[i], "owner") || !strcasecmp(argv[i], "any"))
                return "AuthzPolicyHtaccessFiles: owner and any stand alone, "
                       "not with directories";
            if (!dir || !realpath(dir, real))
                return apr_psprintf(cmd->pool, "AuthzPolicyHtaccessFiles: "
                                    "cannot resolve the directory %s: %s",
                                    argv[i], strerror(errno));
            size_t n = strlen(real);
            while (n > 1 && real[n - 1] == '/')
                real[--n] = '\0';
            dirs[i] = apr_pstrdup(cmd->pool, strcmp(real, "/") ? real : "");
        }
        rule->mode = HTACCESS_FILES_DIRS;
        rule->dirs = dirs;
        rule->ndirs = argc;
    }
    server_conf(cmd)->htaccess_files_set = 1;
    return NULL;
}

/* AuthzPolicyHtaccessHandlers on|off */
static const char *set_htaccess_handlers(cmd_parms *cmd, void *dirv, int on)
{
    (void)dirv;
    server_conf(cmd)->htaccess_handlers = on;
    server_conf(cmd)->htaccess_handlers_set = 1;
    return NULL;
}

/* Any .htaccess file httpd read for r (its walk keeps each directory's
 * result in r->htaccess, the file's configuration or NULL where there was
 * none) may have set r's handler: SetHandler, AddHandler, RewriteRule's
 * H= with FileInfo, or any directive AllowOverrideList names.  Which of
 * them did cannot be told from the merged result, so any file counts.
 * Subrequests and internal redirects inherit the list: a page reached
 * from a customer's request is refused too. */
const char *policy_handler_htaccess(const request_rec *r)
{
    const struct htaccess_result *h = r->htaccess;
    /* (the list begins with the directory walked last: the deepest) */
    while (h && !h->htaccess)
        h = h->next;
    return h ? h->dir : NULL;
}

int policy_handler_refused(request_rec *r, const char *what)
{
    const char *dir = policy_handler_htaccess(r);
    if (!dir)
        return 0;
    const policy_server_conf *sc = ap_get_module_config(
        r->server->module_config, &authz_policy_module);
    if (sc->htaccess_handlers)
        return 0;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, AZPLOGNO(00020)
                  "%s at %s: the .htaccess file in %s took part in this "
                  "request's configuration and may have set the handler "
                  "(AuthzPolicyHtaccessHandlers on in this virtual host "
                  "allows it)", what,
                  ap_escape_logitem(r->pool, r->uri),
                  ap_escape_logitem(r->pool, dir));
    return 1;
}

/* A size in bytes, which may end in K, M or G; -1 if it is none. */
static apr_off_t parse_size(const char *bytes)
{
    char *end;
    apr_int64_t n = apr_strtoi64(bytes, &end, 10);
    apr_int64_t unit = !strcasecmp(end, "K") ? 1024
                       : !strcasecmp(end, "M") ? 1024 * 1024
                       : !strcasecmp(end, "G") ? 1024 * 1024 * 1024 : 1;
    if (end == bytes || n <= 0 || (*end && unit == 1)
        || n > APR_INT64_MAX / unit)
        return -1;
    return (apr_off_t)(n * unit);
}

/* A directive's size argument into *size, or the error naming it. */
static const char *size_arg(cmd_parms *cmd, const char *bytes,
                            apr_off_t *size)
{
    *size = parse_size(bytes);
    if (*size < 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a size (bytes, or "
                            "a number with K, M or G)", cmd->cmd->name,
                            bytes);
    return NULL;
}

/* AuthzPolicyHtaccessLimits BYTES FILES; BYTES may end in K, M or G. */
static const char *set_htaccess_limits(cmd_parms *cmd, void *dirv,
                                       const char *bytes, const char *files)
{
    (void)dirv;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err)
        return err;
    apr_off_t size;
    if ((err = size_arg(cmd, bytes, &size)) != NULL)
        return err;
    char *end;
    long count = strtol(files, &end, 10);
    if (*end || end == files || count < 1 || count > 10000000)
        return apr_psprintf(cmd->pool, "AuthzPolicyHtaccessLimits: '%s' is "
                            "not a number of files (1 or more)", files);
    policy_server_conf *sc = server_conf(cmd);
    sc->htaccess_bytes = size;
    sc->htaccess_max_files = (unsigned)count;
    return NULL;
}

/* AuthzPolicyFileLimit BYTES: the largest data file the server
 * configuration names.  Files are read as they are named: it applies to
 * those named after it. */
static const char *set_file_limit(cmd_parms *cmd, void *dirv,
                                  const char *bytes)
{
    (void)dirv;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err)
        return err;
    apr_off_t size;
    if ((err = size_arg(cmd, bytes, &size)) != NULL)
        return err;
    datafile_set_file_limit(size);
    return NULL;
}

static apr_status_t free_iplist(void *list)
{
    iplist_free(list);
    return APR_SUCCESS;
}

static const char *set_trusted_proxy(cmd_parms *cmd, void *dirv, int argc,
                                     char *const argv[])
{
    (void)dirv;
    policy_server_conf *sc = server_conf(cmd);
    if (argc < 1)
        return "AuthzPolicyTrustedProxy needs at least one address or CIDR";
    /* lines add up: parse them all again as one list */
    const char *text = sc->trusted_text ? sc->trusted_text : "";
    for (int i = 0; i < argc; i++)
        text = apr_pstrcat(cmd->pool, text, argv[i], "\n", NULL);
    char err[256];
    iplist *list = iplist_parse(text, strlen(text), err, sizeof err);
    if (!list) {
        const char *why = strchr(err, ':');
        return apr_psprintf(cmd->pool, "AuthzPolicyTrustedProxy: %s",
                            why ? why + 2 : err);
    }
    apr_pool_cleanup_register(cmd->pool, list, free_iplist,
                              apr_pool_cleanup_null);
    sc->trusted = list;
    sc->trusted_text = text;
    return NULL;
}

static const char *set_region_from(cmd_parms *cmd, void *dirv, int argc,
                                   char *const argv[])
{
    (void)dirv;
    if (argc < 1)
        return "AuthzPolicyRegionFrom needs at least one source: geoip, "
               "header:NAME or env:NAME";
    apr_array_header_t *a = apr_array_make(cmd->pool, argc,
                                           sizeof(region_source));
    for (int i = 0; i < argc; i++) {
        region_source *src = apr_array_push(a);
        if (!strcasecmp(argv[i], "geoip")) {
            src->kind = SOURCE_GEOIP;
        }
        else if (!strncasecmp(argv[i], "header:", 7) && argv[i][7]) {
            src->kind = SOURCE_HEADER;
            src->name = argv[i] + 7;
        }
        else if (!strncasecmp(argv[i], "env:", 4) && argv[i][4]) {
            src->kind = SOURCE_ENV;
            src->name = argv[i] + 4;
        }
        else {
            return apr_psprintf(cmd->pool, "AuthzPolicyRegionFrom: '%s' is "
                                "not geoip, header:NAME or env:NAME", argv[i]);
        }
    }
    server_conf(cmd)->region_from = a;
    return NULL;
}

static const char *set_attribute(cmd_parms *cmd, void *dirv, int argc,
                                 char *const argv[])
{
    return policy_attr_directive(cmd, dirv, argc, argv);
}

static const char *set_cache(cmd_parms *cmd, void *dirv, int argc,
                             char *const argv[])
{
    (void)dirv;
    return policy_cache_directive(cmd, server_conf(cmd), argc, argv);
}

static const char *set_cache_memo(cmd_parms *cmd, void *dirv,
                                  const char *arg)
{
    (void)dirv;
    return policy_cache_memo_directive(cmd, server_conf(cmd), arg);
}

/* AuthzPolicyName: the area's name, never taken from a request. */
static const char *set_area_name(cmd_parms *cmd, void *dirv,
                                 const char *name)
{
    policy_dir_conf *d = dirv;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c <= ' ' || *c >= 0x7f || *c == '"' || *c == '\\')
            return apr_psprintf(cmd->pool, "AuthzPolicyName: '%s' holds "
                                "a space, a quote, a backslash or a byte "
                                "outside printable ASCII", name);
    if (!*name)
        return "AuthzPolicyName: the name is empty";
    d->area = policy_area_make(cmd->pool, name);
    return NULL;
}

static const char *set_mode(cmd_parms *cmd, void *dirv, const char *arg)
{
    policy_dir_conf *d = dirv;
    if (!strcasecmp(arg, "enforce"))
        d->mode = MODE_ENFORCE;
    else if (!strcasecmp(arg, "report"))
        d->mode = MODE_REPORT;
    else
        return apr_psprintf(cmd->pool, "AuthzPolicyMode: '%s' is not "
                            "enforce or report", arg);
    d->mode_htaccess = !(cmd->override & (ACCESS_CONF | RSRC_CONF));
    d->responds = 1;      /* every denial of the area is ours to record */
    return NULL;
}

static const char *set_shadow(cmd_parms *cmd, void *dirv, const char *arg)
{
    return policy_shadow_section(cmd, dirv, arg);
}

#define DIR_CTX (RSRC_CONF | ACCESS_CONF | OR_AUTHCFG)

const command_rec policy_cmds[] = {
    AP_INIT_TAKE1("AuthzPolicyUserFile", set_userfile, NULL, DIR_CTX,
                  "file of users' roles, plan and scopes"),
    AP_INIT_TAKE_ARGV("AuthzPolicyPlans", set_plans, NULL, RSRC_CONF,
                      "plans, lowest first"),
    AP_INIT_TAKE_ARGV("AuthzPolicyRoleInherit", set_role_inherit, NULL,
                      RSRC_CONF, "a role and the roles its holders also hold"),
    AP_INIT_TAKE_ARGV("AuthzPolicyAttribute", set_attribute, NULL, DIR_CTX,
                      "role|plan|scope and file, env NAME [DELIMITER], "
                      "dbd \"SQL\" or ldap URL [OPTION...]"),
    AP_INIT_TAKE_ARGV("AuthzPolicyCache", set_cache, NULL, RSRC_CONF,
                      "SECONDS [PROVIDER[:ARGS]] for attributes from dbd and "
                      "ldap sources"),
    AP_INIT_TAKE1("AuthzPolicyCacheTimeout", policy_cache_timeout_directive,
                  NULL, RSRC_CONF | ACCESS_CONF,
                  "SECONDS that this area keeps attributes from dbd and "
                  "ldap sources (0: not cached here)"),
    AP_INIT_TAKE1("AuthzPolicyCacheMemo", set_cache_memo, NULL, RSRC_CONF,
                  "ENTRIES: answers of a networked AuthzPolicyCache (redis, "
                  "memcache) each process also keeps (0: none)"),
    AP_INIT_TAKE2("AuthzPolicyIPList", set_iplist, NULL, RSRC_CONF,
                  "a name and a file of addresses and CIDRs"),
    AP_INIT_TAKE_ARGV("AuthzPolicyHtaccessFiles", set_htaccess_files, NULL,
                      RSRC_CONF, "which data files an .htaccess file may "
                      "name: owner (default), any, or directories"),
    AP_INIT_TAKE2("AuthzPolicyHtaccessLimits", set_htaccess_limits, NULL,
                  RSRC_CONF, "the largest data file an .htaccess file may "
                  "name, and how many such files a process keeps"),
    AP_INIT_FLAG("AuthzPolicyHtaccessHandlers", set_htaccess_handlers, NULL,
                 RSRC_CONF, "on: the status and explain handlers (and the "
                 "module's part of mod_status's page) answer where an "
                 ".htaccess file took part; off (default): they do not"),
    AP_INIT_TAKE1("AuthzPolicyFileLimit", set_file_limit, NULL, RSRC_CONF,
                  "the largest data file the server configuration names, "
                  "for the files named after it"),
    AP_INIT_TAKE1("AuthzPolicyGeoIPDatabase", set_geoip, NULL, RSRC_CONF,
                  "a MaxMind DB file (GeoLite2/GeoIP2 Country or City)"),
    AP_INIT_TAKE_ARGV("AuthzPolicyTrustedProxy", set_trusted_proxy, NULL,
                      RSRC_CONF, "proxies whose region headers are believed"),
    AP_INIT_TAKE_ARGV("AuthzPolicyRegionFrom", set_region_from, NULL,
                      RSRC_CONF, "geoip, header:NAME, env:NAME, in order"),
    AP_INIT_TAKE_ARGV("AuthzPolicyDenyStatus", policy_set_deny_status, NULL,
                      DIR_CTX, "status (401, 403, 404, 451) [reason ...]"),
    AP_INIT_TAKE1("AuthzPolicyErrorFormat", policy_set_error_format, NULL,
                  DIR_CTX, "auto, html, json or problem"),
    AP_INIT_TAKE1("AuthzPolicyErrorDetail", policy_set_error_detail, NULL,
                  DIR_CTX, "none, reason or full"),
    AP_INIT_TAKE2("AuthzPolicyMessage", policy_set_message, NULL, DIR_CTX,
                  "reason and the message for it"),
    /* In .htaccess what ErrorDocument needs (FileInfo): it chooses what
     * is served, not who gets in. */
    AP_INIT_TAKE2("AuthzPolicyErrorDocument", policy_set_errordoc, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "reason and a local URL-path or \"text\""),
    AP_INIT_TAKE1("AuthzPolicyDocumentation", policy_set_documentation, NULL,
                  DIR_CTX, "URL of documentation for error bodies"),
    AP_INIT_TAKE1("AuthzPolicyBlockedBy", policy_set_blocked_by, NULL,
                  DIR_CTX, "URL for the Link: rel=\"blocked-by\" of 451 "
                  "answers"),
    AP_INIT_FLAG("AuthzPolicyServerDenials", policy_set_server_denials, NULL,
                 DIR_CTX, "on: the server's other refusals here (mod_access_"
                 "compat's Order/Allow/Deny) are answered as the module's "
                 "denials; off (default): as without the module"),
    AP_INIT_TAKE1("AuthzPolicyHiddenPath", policy_set_hidden_path, NULL,
                  DIR_CTX, "a URL-path that does not exist where another "
                  "server answers: hidden denials are answered as it is"),
    AP_INIT_TAKE1("AuthzPolicyName", set_area_name, NULL, DIR_CTX,
                  "the area's name in variables, log lines and metrics"),
    AP_INIT_TAKE1("AuthzPolicyMode", set_mode, NULL, DIR_CTX,
                  "enforce (default) or report: decide and record, deny "
                  "nothing"),
    AP_INIT_RAW_ARGS("<AuthzPolicyShadow", set_shadow, NULL, DIR_CTX,
                     "a candidate policy, evaluated and never enforced"),
    AP_INIT_TAKE1("AuthzPolicyMetricsAreas", policy_metrics_areas_directive,
                  NULL, RSRC_CONF, "how many areas, shadows and data files "
                  "the counters name (default 256); more count as (other)"),
    { NULL }
};

