/*
 * mod_authz_policy: Require providers for roles, plans and scopes, and the
 * right answer to the client when a request is denied.
 *
 * This file holds the module itself: configuration records and directives,
 * the Require providers, and the hooks.  The decisions live in
 * policy_model.c, the user file in userdb.c, file reloading in datafile.c
 * and the shape of a denial (status, headers, body) in deny.c.
 *
 * How denials reach us: the providers answer mod_authz_core honestly and
 * write nothing.  At post_config this module takes over the three hook
 * chains that can deny a request (access_checker_ex, check_user_id,
 * auth_checker): it runs each chain exactly as httpd would, and only when
 * the chain's answer is a denial of a request this module takes part in
 * does it hand the denial to deny.c.  Everywhere else the answer passes
 * through untouched, so Apache behaves as without the module.
 */
#include "policy.h"
#include "geoip.h"
#include "iplist.h"
#include "userdb.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_provider.h"
#include "ap_mpm.h"
#include "mpm_common.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Configuration records                                               */

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    policy_server_conf *c = apr_pcalloc(p, sizeof *c);
    c->roles = policy_roles_make(p);
    c->iplists = apr_hash_make(p);
    return c;
}

static void *merge_server_conf(apr_pool_t *p, void *basev, void *addv)
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
    c->htaccess_files = add->htaccess_files_set ? add->htaccess_files
                                                : base->htaccess_files;
    c->htaccess_files_set = add->htaccess_files_set
                            || base->htaccess_files_set;
    return c;
}

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    (void)dir;
    return apr_pcalloc(p, sizeof(policy_dir_conf));
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    policy_dir_conf *base = basev, *add = addv;
    policy_dir_conf *c = apr_pcalloc(p, sizeof *c);
    c->userfile = add->userfile_set ? add->userfile : base->userfile;
    c->userfile_set = add->userfile_set || base->userfile_set;
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
    return c;
}

/* ------------------------------------------------------------------ */
/* Directives                                                          */

static void *compile_userdb(const char *buf, apr_size_t len,
                            apr_size_t *size, char *err, apr_size_t errlen)
{
    userdb *db = userdb_parse(buf, len, err, errlen);
    if (db)
        *size = userdb_size(db);
    return db;
}

static apr_size_t count_userdb(const void *db)
{
    return userdb_count(db);
}

static const datafile_type userfile_type = {
    .kind = "AuthzPolicyUserFile", .lines = 1, .compile = compile_userdb,
    .count = count_userdb
};

static policy_server_conf *server_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config,
                                &authz_policy_module);
}

/* Apache has no comments after arguments: "Require role editor  # note"
 * would require the roles "#" and "note".  No name begins with '#'. */
static const char *refuse_comment(apr_pool_t *p, const char *directive,
                                  const char *arg)
{
    if (arg[0] != '#')
        return NULL;
    return apr_psprintf(p, "%s: '%s' begins with '#': Apache reads "
                        "comments only on lines of their own, not after "
                        "arguments (move it to the line above)", directive,
                        arg);
}

/* User files named in the server configuration, whose plans are checked
 * against AuthzPolicyPlans once the configuration is read. */
typedef struct {
    const char *path;
    server_rec *server;
} pending_userfile;

static apr_array_header_t *pending_userfiles;   /* NULL once configured */

static const char *set_userfile(cmd_parms *cmd, void *dirv, const char *arg)
{
    policy_dir_conf *d = dirv;
    const char *path = ap_server_root_relative(cmd->temp_pool, arg);
    if (!path)
        return apr_pstrcat(cmd->pool, "AuthzPolicyUserFile: invalid path ",
                           arg, NULL);
    const char *err = datafile_open(cmd, &userfile_type, path,
                                    &server_conf(cmd)->htaccess_files,
                                    &d->userfile);
    if (err)
        return apr_pstrdup(cmd->pool, err);
    d->userfile_set = 1;
    if (pending_userfiles) {
        pending_userfile *pu = apr_array_push(pending_userfiles);
        pu->path = apr_pstrdup(cmd->pool, path);
        pu->server = cmd->server;
    }
    return NULL;
}

static const char *set_plans(cmd_parms *cmd, void *dirv, int argc,
                             char *const argv[])
{
    (void)dirv;
    policy_server_conf *sc =
        ap_get_module_config(cmd->server->module_config,
                             &authz_policy_module);
    if (argc < 1)
        return "AuthzPolicyPlans needs at least one plan, lowest first";
    if (sc->plans_set)
        return "AuthzPolicyPlans is given twice for this server";
    for (int i = 0; i < argc; i++) {
        const char *err = refuse_comment(cmd->pool, "AuthzPolicyPlans",
                                         argv[i]);
        if (err)
            return err;
    }
    const char *err = policy_plans_set(cmd->pool, &sc->plans,
                                       (const char *const *)argv, argc);
    if (err)
        return apr_pstrcat(cmd->pool, "AuthzPolicyPlans: ", err, NULL);
    sc->plans_set = 1;
    return NULL;
}

static const char *set_role_inherit(cmd_parms *cmd, void *dirv, int argc,
                                    char *const argv[])
{
    (void)dirv;
    policy_server_conf *sc =
        ap_get_module_config(cmd->server->module_config,
                             &authz_policy_module);
    if (argc < 2)
        return "AuthzPolicyRoleInherit needs a role and at least one role "
               "it inherits";
    for (int i = 0; i < argc; i++) {
        const char *err = refuse_comment(cmd->pool, "AuthzPolicyRoleInherit",
                                         argv[i]);
        if (err)
            return err;
    }
    for (int i = 1; i < argc; i++) {
        const char *err = policy_roles_add(cmd->pool, sc->roles, argv[0],
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

/* AuthzPolicyHtaccessLimits BYTES FILES; BYTES may end in K, M or G. */
static const char *set_htaccess_limits(cmd_parms *cmd, void *dirv,
                                       const char *bytes, const char *files)
{
    (void)dirv;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err)
        return err;
    char *end;
    apr_int64_t n = apr_strtoi64(bytes, &end, 10);
    apr_int64_t unit = !strcasecmp(end, "K") ? 1024
                       : !strcasecmp(end, "M") ? 1024 * 1024
                       : !strcasecmp(end, "G") ? 1024 * 1024 * 1024 : 1;
    if (end == bytes || n <= 0 || (*end && unit == 1)
        || n > APR_INT64_MAX / unit)
        return apr_psprintf(cmd->pool, "AuthzPolicyHtaccessLimits: '%s' is "
                            "not a size (bytes, or a number with K, M or G)",
                            bytes);
    long count = strtol(files, &end, 10);
    if (*end || end == files || count < 1 || count > 10000000)
        return apr_psprintf(cmd->pool, "AuthzPolicyHtaccessLimits: '%s' is "
                            "not a number of files (1 or more)", files);
    policy_server_conf *sc = server_conf(cmd);
    sc->htaccess_bytes = (apr_off_t)(n * unit);
    sc->htaccess_max_files = (unsigned)count;
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

static int reason_status_valid(int reason, int status)
{
    if (reason == REASON_ANONYMOUS)
        return status == 401 || status == 404;
    return status == 403 || status == 404 || status == 451;
}

static const char *reason_arg(cmd_parms *cmd, const char *directive,
                              const char *arg, int *reason);

static const char *set_deny_status(cmd_parms *cmd, void *dirv, int argc,
                                   char *const argv[])
{
    policy_dir_conf *d = dirv;
    if (argc < 1)
        return "AuthzPolicyDenyStatus needs a status (401, 403, 404 or 451) "
               "and optionally reasons";
    char *end;
    long status = strtol(argv[0], &end, 10);
    if (*end || (status != 401 && status != 403 && status != 404
                 && status != 451))
        return apr_psprintf(cmd->pool, "AuthzPolicyDenyStatus: '%s' is not "
                            "401, 403, 404 or 451", argv[0]);
    if (argc == 1) {
        int any = 0;
        for (int i = 0; i < REASON_COUNT; i++)
            if (reason_status_valid(i, (int)status)) {
                d->status[i] = (int)status;
                any = 1;
            }
        if (!any)
            return "AuthzPolicyDenyStatus: no reason takes that status";
    }
    for (int a = 1; a < argc; a++) {
        int reason;
        const char *err = reason_arg(cmd, "AuthzPolicyDenyStatus", argv[a],
                                     &reason);
        if (err)
            return err;
        if (!reason_status_valid(reason, (int)status))
            return apr_psprintf(cmd->pool, "AuthzPolicyDenyStatus: %ld is "
                                "not a valid status for reason '%s'%s",
                                status, argv[a], reason == REASON_ANONYMOUS
                                ? " (an anonymous client can log in: use 401"
                                  " or 404)" : " (use 403, 404 or 451)");
        d->status[reason] = (int)status;
    }
    d->responds = 1;
    return NULL;
}

static const char *set_error_format(cmd_parms *cmd, void *dirv,
                                    const char *arg)
{
    policy_dir_conf *d = dirv;
    static const char *const names[] = { "auto", "html", "json", "problem" };
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(arg, names[i])) {
            d->format = (policy_format)(FORMAT_AUTO + i);
            d->responds = 1;
            return NULL;
        }
    return apr_psprintf(cmd->pool, "AuthzPolicyErrorFormat: '%s' is not "
                        "auto, html, json or problem", arg);
}

static const char *set_error_detail(cmd_parms *cmd, void *dirv,
                                    const char *arg)
{
    policy_dir_conf *d = dirv;
    static const char *const names[] = { "none", "reason", "full" };
    for (int i = 0; i < 3; i++)
        if (!strcasecmp(arg, names[i])) {
            d->detail = (policy_detail)(DETAIL_NONE + i);
            d->responds = 1;
            return NULL;
        }
    return apr_psprintf(cmd->pool, "AuthzPolicyErrorDetail: '%s' is not "
                        "none, reason or full", arg);
}

static const char *reason_arg(cmd_parms *cmd, const char *directive,
                              const char *arg, int *reason)
{
    *reason = reason_by_name(arg);
    if (*reason >= 0)
        return NULL;
    char names[256];
    reason_name_list(names, sizeof names);
    return apr_psprintf(cmd->pool, "%s: unknown reason '%s' (%s)", directive,
                        arg, names);
}

static const char *set_message(cmd_parms *cmd, void *dirv, const char *r,
                               const char *text)
{
    policy_dir_conf *d = dirv;
    int reason;
    const char *err = reason_arg(cmd, "AuthzPolicyMessage", r, &reason);
    if (err)
        return err;
    d->message[reason] = text;
    d->responds = 1;
    return NULL;
}

static const char *set_errordoc(cmd_parms *cmd, void *dirv, const char *r,
                                const char *doc)
{
    policy_dir_conf *d = dirv;
    int reason;
    const char *err = reason_arg(cmd, "AuthzPolicyErrorDocument", r, &reason);
    if (err)
        return err;
    /* A full URL would make ap_die answer 302 and lose the status; the
     * SPEC keeps the status, so only local paths and text are allowed.
     * Text is told apart from a path by its first character, as
     * ErrorDocument does (the quotes are gone after parsing). */
    if (ap_is_url(doc))
        return "AuthzPolicyErrorDocument takes a local URL-path or \"text\", "
               "not a full URL (the response must keep its status)";
    if (*doc == '\0')
        return "AuthzPolicyErrorDocument: empty document";
    d->errordoc[reason] = doc;
    d->responds = 1;
    return NULL;
}

/* Whether url is an http(s) URL with a host or a local path ("/..." but
 * not "//host/..."): documentation and blocked-by links are offered to
 * browsers (pages, Link headers), so no
 * scheme that runs or embeds content (javascript:, data:) and no byte that
 * could end an HTML attribute or a Link header's <...>.  Bytes outside
 * printable ASCII are refused rather than guessed at: percent-encode them.
 * A backslash is refused too: browsers read "/\host" as "//host". */
static const char *check_link(apr_pool_t *p, const char *directive,
                              const char *url)
{
    for (const unsigned char *c = (const unsigned char *)url; *c; c++)
        if (*c <= ' ' || *c >= 0x7f || strchr("\"'<>\\", *c))
            return apr_psprintf(p, "%s: a URL cannot hold spaces, quotes, "
                                "<, >, backslashes, control bytes or bytes "
                                "outside ASCII (percent-encode them)",
                                directive);
    const char *host = NULL;
    if (!strncasecmp(url, "https://", 8))
        host = url + 8;
    else if (!strncasecmp(url, "http://", 7))
        host = url + 7;
    if (host ? (*host && !strchr("/?#", *host))
             : (url[0] == '/' && url[1] != '/'))
        return NULL;
    return apr_psprintf(p, "%s: '%s' is not an http(s) URL or a local path "
                        "starting with /", directive, url);
}

static const char *set_documentation(cmd_parms *cmd, void *dirv,
                                     const char *url)
{
    policy_dir_conf *d = dirv;
    const char *err = check_link(cmd->pool, "AuthzPolicyDocumentation", url);
    if (err)
        return err;
    d->documentation = url;
    d->responds = 1;
    return NULL;
}

static const char *set_blocked_by(cmd_parms *cmd, void *dirv, const char *url)
{
    policy_dir_conf *d = dirv;
    const char *err = check_link(cmd->pool, "AuthzPolicyBlockedBy", url);
    if (err)
        return err;
    d->blocked_by = url;
    d->responds = 1;
    return NULL;
}

static const char *set_hidden_path(cmd_parms *cmd, void *dirv,
                                   const char *path)
{
    return policy_hidden_path_directive(cmd, dirv, path);
}

#define DIR_CTX (RSRC_CONF | ACCESS_CONF | OR_AUTHCFG)

static const command_rec policy_cmds[] = {
    AP_INIT_TAKE1("AuthzPolicyUserFile", set_userfile, NULL, DIR_CTX,
                  "file of users' roles, plan and scopes"),
    AP_INIT_TAKE_ARGV("AuthzPolicyPlans", set_plans, NULL, RSRC_CONF,
                      "plans, lowest first"),
    AP_INIT_TAKE_ARGV("AuthzPolicyRoleInherit", set_role_inherit, NULL,
                      RSRC_CONF, "a role and the roles its holders also hold"),
    AP_INIT_TAKE_ARGV("AuthzPolicyAttribute", set_attribute, NULL, DIR_CTX,
                      "role|plan|scope and file, env NAME [DELIMITER] or "
                      "dbd \"SQL\""),
    AP_INIT_TAKE_ARGV("AuthzPolicyCache", set_cache, NULL, RSRC_CONF,
                      "SECONDS [PROVIDER[:ARGS]] for attributes from SQL"),
    AP_INIT_TAKE2("AuthzPolicyIPList", set_iplist, NULL, RSRC_CONF,
                  "a name and a file of addresses and CIDRs"),
    AP_INIT_TAKE_ARGV("AuthzPolicyHtaccessFiles", set_htaccess_files, NULL,
                      RSRC_CONF, "which data files an .htaccess file may "
                      "name: owner (default), any, or directories"),
    AP_INIT_TAKE2("AuthzPolicyHtaccessLimits", set_htaccess_limits, NULL,
                  RSRC_CONF, "the largest data file an .htaccess file may "
                  "name, and how many such files a process keeps"),
    AP_INIT_TAKE1("AuthzPolicyGeoIPDatabase", set_geoip, NULL, RSRC_CONF,
                  "a MaxMind DB file (GeoLite2/GeoIP2 Country or City)"),
    AP_INIT_TAKE_ARGV("AuthzPolicyTrustedProxy", set_trusted_proxy, NULL,
                      RSRC_CONF, "proxies whose region headers are believed"),
    AP_INIT_TAKE_ARGV("AuthzPolicyRegionFrom", set_region_from, NULL,
                      RSRC_CONF, "geoip, header:NAME, env:NAME, in order"),
    AP_INIT_TAKE_ARGV("AuthzPolicyDenyStatus", set_deny_status, NULL, DIR_CTX,
                      "status (401, 403, 404, 451) [reason ...]"),
    AP_INIT_TAKE1("AuthzPolicyErrorFormat", set_error_format, NULL, DIR_CTX,
                  "auto, html, json or problem"),
    AP_INIT_TAKE1("AuthzPolicyErrorDetail", set_error_detail, NULL, DIR_CTX,
                  "none, reason or full"),
    AP_INIT_TAKE2("AuthzPolicyMessage", set_message, NULL, DIR_CTX,
                  "reason and the message for it"),
    /* In .htaccess what ErrorDocument needs (FileInfo): it chooses what
     * is served, not who gets in. */
    AP_INIT_TAKE2("AuthzPolicyErrorDocument", set_errordoc, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "reason and a local URL-path or \"text\""),
    AP_INIT_TAKE1("AuthzPolicyDocumentation", set_documentation, NULL,
                  DIR_CTX, "URL of documentation for error bodies"),
    AP_INIT_TAKE1("AuthzPolicyBlockedBy", set_blocked_by, NULL, DIR_CTX,
                  "URL for the Link: rel=\"blocked-by\" of 451 answers"),
    AP_INIT_TAKE1("AuthzPolicyHiddenPath", set_hidden_path, NULL, DIR_CTX,
                  "a URL-path that does not exist where another server "
                  "answers: hidden denials are answered as it is"),
    { NULL }
};

/* ------------------------------------------------------------------ */
/* Per-request record                                                  */

policy_request *policy_request_get(request_rec *r, int create)
{
    policy_request *rq = ap_get_module_config(r->request_config,
                                              &authz_policy_module);
    if (!rq && create) {
        rq = apr_pcalloc(r->pool, sizeof *rq);
        ap_set_module_config(r->request_config, &authz_policy_module, rq);
    }
    return rq;
}

/* ------------------------------------------------------------------ */
/* Require providers                                                   */

/* Require lines read before check_config are validated there, once every
 * AuthzPolicyPlans, AuthzPolicyIPList and source is known; those in
 * .htaccess are validated at once (plans and lists only). */
typedef struct {
    policy_require *req;
    server_rec *server;
    const char *where;
    const ap_directive_t *directive;
} pending_check;

static apr_array_header_t *pending_checks;  /* NULL once configured */

/* Whether a grant of this line denies: an odd number of `not` and
 * <RequireNone> between it and the top. */
int policy_require_negated(const cmd_parms *cmd)
{
    const ap_directive_t *d = cmd->directive;
    int neg = 0;
    if (!d)
        return 0;
    if (d->args) {
        const char *a = d->args;
        while (apr_isspace(*a))
            a++;
        if (!strncasecmp(a, "not", 3) && apr_isspace(a[3]))
            neg = 1;
    }
    for (d = d->parent; d; d = d->parent)
        if (d->directive && !strcasecmp(d->directive, "<RequireNone"))
            neg ^= 1;
    return neg;
}

/* p: the pool of req itself (the lists are kept in it). */
static const char *validate_iplists(apr_pool_t *p, policy_require *req,
                                    const policy_server_conf *sc)
{
    datafile **lists = apr_pcalloc(p, req->nvalues * sizeof *lists);
    for (unsigned i = 0; i < req->nvalues; i++) {
        lists[i] = apr_hash_get(sc->iplists, req->values[i],
                                APR_HASH_KEY_STRING);
        if (!lists[i])
            return apr_psprintf(p, "Require iplist: no list '%s' is declared "
                                "by AuthzPolicyIPList", req->values[i]);
    }
    req->lists = lists;
    return NULL;
}

/* What can only be checked once the whole configuration is read. */
static const char *validate_late(apr_pool_t *p, policy_require *req,
                                 const policy_server_conf *sc);

static const char *validate_plans(apr_pool_t *p, policy_require *req,
                                  const policy_server_conf *sc)
{
    int lowest = -1;
    for (unsigned i = 0; i < req->nvalues; i++) {
        int rank = policy_plan_rank(&sc->plans, req->values[i]);
        if (rank < 0)
            return apr_psprintf(p, "Require plan: '%s' is not declared by "
                                "AuthzPolicyPlans", req->values[i]);
        if (lowest < 0 || rank < lowest) {
            lowest = rank;
            req->lowest_plan = req->values[i];
        }
    }
    return NULL;
}

static const char *parse_require(cmd_parms *cmd, const char *line,
                                 const void **parsed, policy_reason reason)
{
    apr_array_header_t *vals = apr_array_make(cmd->pool, 4, sizeof(char *));
    const char *t = line, *w;
    while (*(w = ap_getword_conf(cmd->pool, &t)))
        APR_ARRAY_PUSH(vals, const char *) = w;
    if (vals->nelts == 0)
        return apr_psprintf(cmd->pool, "Require %s needs at least one %s",
                            reason_table[reason].name,
                            reason_table[reason].name);
    for (int i = 0; i < vals->nelts; i++) {
        const char *err = refuse_comment(
            cmd->pool, apr_pstrcat(cmd->pool, "Require ",
                                   reason_table[reason].name, NULL),
            APR_ARRAY_IDX(vals, i, const char *));
        if (err)
            return err;
    }

    policy_require *req = apr_pcalloc(cmd->pool, sizeof *req);
    req->reason = reason;
    req->negated = policy_require_negated(cmd);
    req->values = (const char **)vals->elts;
    req->nvalues = (unsigned)vals->nelts;
    req->required = apr_array_pstrcat(cmd->pool, vals, ' ');
    if (req->negated)
        req->required = apr_pstrcat(cmd->pool, "not ", req->required, NULL);

    if (reason == REASON_REGION) {
        for (unsigned i = 0; i < req->nvalues; i++) {
            char code[REGION_MAX];
            if (!region_parse(req->values[i], strlen(req->values[i]), code))
                return apr_psprintf(cmd->pool, "Require region: '%s' is not "
                                    "an ISO 3166 code (DE, US, US-CA; XX for "
                                    "unknown)", req->values[i]);
            req->values[i] = apr_pstrdup(cmd->pool, code);
        }
        req->required = apr_array_pstrcat(cmd->pool, vals, ' ');
        if (req->negated)
            req->required = apr_pstrcat(cmd->pool, "not ", req->required,
                                        NULL);
    }
    if (pending_checks) {
        pending_check *pc = apr_array_push(pending_checks);
        pc->req = req;
        pc->server = cmd->server;
        pc->directive = cmd->directive;
        pc->where = cmd->directive
            ? apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                           cmd->directive->line_num)
            : "?";
    }
    else if (reason == REASON_PLAN || reason == REASON_IPLIST) {
        const char *err = validate_late(cmd->pool, req, server_conf(cmd));
        if (err)
            return err;
    }
    *parsed = req;
    return NULL;
}

static const char *validate_late(apr_pool_t *p, policy_require *req,
                                 const policy_server_conf *sc)
{
    return req->reason == REASON_PLAN ? validate_plans(p, req, sc)
           : req->reason == REASON_IPLIST ? validate_iplists(p, req, sc)
           : NULL;
}

/* ------------------------------------------------------------------ */
/* Whether an attribute can have a source where a Require line is        */

/* Whether word (a whole word, case-insensitively) is among args. */
static int has_word(apr_pool_t *p, const char *args, const char *word)
{
    const char *w;
    while (args && *(w = ap_getword_conf(p, &args)))
        if (!strcasecmp(w, word))
            return 1;
    return 0;
}

/* Whether a line in the configuration could give attribute a a source:
 * an AuthzPolicyUserFile, an AuthzPolicyAttribute for it from a variable
 * or SQL, or an AllowOverride that lets .htaccess files set either. */
static int gives_source(apr_pool_t *p, const ap_directive_t *d, policy_attr a)
{
    const char *name = d->directive;
    if (!strcasecmp(name, "AuthzPolicyUserFile"))
        return 1;
    if (!strcasecmp(name, "AuthzPolicyAttribute")) {
        const char *args = d->args;
        const char *attr = ap_getword_conf(p, &args);
        const char *kind = ap_getword_conf(p, &args);
        return !strcasecmp(attr, policy_attr_name[a])
               && strcasecmp(kind, "file");
    }
    if (!strcasecmp(name, "AllowOverride"))
        return has_word(p, d->args, "All") || has_word(p, d->args, "AuthConfig");
    if (!strcasecmp(name, "AllowOverrideList"))
        return has_word(p, d->args, "AuthzPolicyUserFile")
               || has_word(p, d->args, "AuthzPolicyAttribute");
    return 0;
}

/* Looks through a list of lines and the sections in it.  For a line in
 * a virtual host (vhost): that host's and the main server's lines, not
 * the other hosts'.  For a line of the main server (vhost NULL): every
 * line, since each virtual host inherits the main server's sections and
 * may add the source (on Debian the main server answers no request when
 * a *:80 virtual host exists). */
static int server_gives_source(apr_pool_t *p, const ap_directive_t *first,
                               const ap_directive_t *vhost, policy_attr a)
{
    for (const ap_directive_t *d = first; d; d = d->next) {
        if (!strcasecmp(d->directive, "<VirtualHost") && vhost && d != vhost)
            continue;
        if (gives_source(p, d, a)
            || (d->first_child
                && server_gives_source(p, d->first_child, vhost, a)))
            return 1;
    }
    return 0;
}

/* A Require role, plan or scope line of the server configuration is
 * refused when nothing could give the attribute a value for any request:
 * no source line in the servers it applies to (its virtual host and the
 * main server; for a line of the main server, any server) and no
 * AllowOverride for an .htaccess file to add one.  Sections merge at request time in ways the
 * lines' nesting does not show (<Location /a> and <Location /a/b>), so a
 * source anywhere in the server is taken as possibly applying. */
static const char *check_attr_source(apr_pool_t *p, const pending_check *pc)
{
    policy_attr a = pc->req->reason == REASON_ROLE ? ATTR_ROLE
                    : pc->req->reason == REASON_PLAN ? ATTR_PLAN : ATTR_SCOPE;
    const ap_directive_t *vhost = NULL;
    for (const ap_directive_t *d = pc->directive; d; d = d->parent)
        if (d->directive && !strcasecmp(d->directive, "<VirtualHost"))
            vhost = d;
    if (!pc->directive || server_gives_source(p, ap_conftree, vhost, a))
        return NULL;
    return apr_psprintf(p, "Require %s: no source of %ss for this server: "
                        "add AuthzPolicyUserFile, or AuthzPolicyAttribute "
                        "%s env|dbd, to this area or around it",
                        reason_table[pc->req->reason].name,
                        policy_attr_name[a], policy_attr_name[a]);
}

/* Require region where the server's sources cannot find a region: geoip
 * without AuthzPolicyGeoIPDatabase fails every request that reaches it.
 * An error when geoip is the first source; a warning when another one is
 * asked first (requests it answers pass). */
static const char *check_region_source(apr_pool_t *p,
                                       const policy_server_conf *sc,
                                       int *warning)
{
    static const region_source geoip_only = { SOURCE_GEOIP, NULL };
    const region_source *src = sc->region_from
        ? (const region_source *)sc->region_from->elts : &geoip_only;
    int n = sc->region_from ? sc->region_from->nelts : 1;
    if (sc->geoip)
        return NULL;
    for (int i = 0; i < n; i++)
        if (src[i].kind == SOURCE_GEOIP) {
            *warning = i > 0;
            return apr_psprintf(p, "Require region: the region source geoip "
                                "has no AuthzPolicyGeoIPDatabase%s",
                                i > 0 ? ": requests that the sources before "
                                        "it cannot place will answer 500"
                                      : sc->region_from
                                        ? ""
                                        : " (AuthzPolicyRegionFrom is geoip "
                                          "by default)");
        }
    return NULL;
}

typedef struct {
    apr_pool_t *pool;
    const char *path;
    const policy_plans *plans;
    const char *declared;
} plan_scan;

static void warn_undeclared_plan(void *ctx, const char *plan, size_t len,
                                 unsigned line)
{
    plan_scan *ps = ctx;
    const char *name = apr_pstrmemdup(ps->pool, plan, len);
    if (policy_plan_rank(ps->plans, name) >= 0)
        return;
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, NULL,
                 "AuthzPolicyUserFile %s:%u: plan '%s' is not declared by "
                 "AuthzPolicyPlans (%s): this user holds no plan",
                 ps->path, line, ap_escape_logitem(ps->pool, name),
                 ps->declared);
}

/* Plans in the user files that AuthzPolicyPlans does not declare would
 * silently mean "no plan". */
static void check_userfile_plans(apr_pool_t *p, const pending_userfile *pu)
{
    policy_server_conf *sc = ap_get_module_config(pu->server->module_config,
                                                  &authz_policy_module);
    if (!sc->plans_set)
        return;                      /* no Require plan can be configured */
    /* read as the loader reads (a regular file, never blocking), into
     * memory that goes back to the system: a pool would keep the
     * megabytes of a large file for the life of the server */
    int fd = open(pu->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return;                      /* its reader reports that */
    char *buf = NULL;
    size_t got = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
        && (buf = malloc((size_t)st.st_size)) != NULL) {
        while (got < (size_t)st.st_size) {
            ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        const char *declared = "";
        for (int i = 0; sc->plans.names && i < sc->plans.names->nelts; i++)
            declared = apr_pstrcat(p, declared, i ? " " : "",
                                   APR_ARRAY_IDX(sc->plans.names, i,
                                                 const char *), NULL);
        plan_scan ps = { p, pu->path, &sc->plans, declared };
        userdb_each_plan(buf, got, warn_undeclared_plan, &ps);
    }
    free(buf);
    close(fd);
}

/* Records our answer: the last of our checks in a pass whose answer points
 * to a denial is the one blamed if the request ends up denied. */
static void vote(policy_request *rq, const policy_require *req, int granted)
{
    if (granted == req->negated)
        rq->vote = req;
}

static authz_status check_user_attr(request_rec *r, const char *line,
                                    const void *parsed)
{
    (void)line;
    const policy_require *req = parsed;
    policy_request *rq = policy_request_get(r, 1);
    rq->took_part = 1;
    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    policy_attr attr = req->reason == REASON_ROLE ? ATTR_ROLE
                       : req->reason == REASON_PLAN ? ATTR_PLAN : ATTR_SCOPE;
    unsigned n;
    const char *const *held = policy_attr_values(r, rq, attr, &n);
    if (!held)
        return AUTHZ_GENERAL_ERROR;
    policy_server_conf *sc = ap_get_module_config(r->server->module_config,
                                                  &authz_policy_module);

    int granted = 0;
    switch (req->reason) {
    case REASON_ROLE:
        granted = policy_roles_grant(sc->roles, held, n, req->values,
                                     req->nvalues);
        break;
    case REASON_PLAN: {
        /* several sources: the highest-ranked plan wins */
        int min = policy_plan_rank(&sc->plans, req->lowest_plan);
        for (unsigned i = 0; i < n && !granted; i++)
            granted = policy_plans_grant(&sc->plans, held[i], min);
        break;
    }
    case REASON_SCOPE:
        granted = policy_any_shared(held, n, req->values, req->nvalues);
        break;
    default:
        break;
    }
    vote(rq, req, granted);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "Require %s %s: %s",
                  reason_table[req->reason].name, req->required,
                  granted ? "granted" : "denied");
    return granted ? AUTHZ_GRANTED : AUTHZ_DENIED;
}

/* Require iplist and Require region: no user needed. */
static authz_status check_network(request_rec *r, const char *line,
                                  const void *parsed)
{
    (void)line;
    const policy_require *req = parsed;
    policy_request *rq = policy_request_get(r, 1);
    rq->took_part = 1;
    authz_status st = req->reason == REASON_IPLIST
        ? policy_check_iplist(r, rq, req) : policy_check_region(r, rq, req);
    if (st == AUTHZ_GENERAL_ERROR)
        return st;
    vote(rq, req, st == AUTHZ_GRANTED);
    return st;
}

#define PROVIDER(name, reason, check)                                        \
    static const char *parse_##name(cmd_parms *cmd, const char *line,        \
                                    const void **parsed)                     \
    {                                                                        \
        return parse_require(cmd, line, parsed, reason);                     \
    }                                                                        \
    static const authz_provider provider_##name = { check, parse_##name };

PROVIDER(role, REASON_ROLE, check_user_attr)
PROVIDER(plan, REASON_PLAN, check_user_attr)
PROVIDER(scope, REASON_SCOPE, check_user_attr)
PROVIDER(iplist, REASON_IPLIST, check_network)
PROVIDER(region, REASON_REGION, check_network)

/* ------------------------------------------------------------------ */
/* Taking over the hook chains that deny                               */

typedef int (*phase_fn)(request_rec *r);

/* The layout of every hook's link record (apr_hooks.h). */
typedef struct {
    phase_fn fn;
    const char *name;
    const char *const *predecessors;
    const char *const *successors;
    int order;
} hook_link;

static apr_array_header_t *chain_access_ex, *chain_check_user, *chain_authz;

/* RUN_FIRST over the saved chain, as httpd's own ap_run_* does. */
static int run_chain(const apr_array_header_t *chain, request_rec *r)
{
    const hook_link *l = (const hook_link *)chain->elts;
    for (int i = 0; i < chain->nelts; i++) {
        int rv = l[i].fn(r);
        if (rv != DECLINED)
            return rv;
    }
    return DECLINED;
}

static int takes_part(request_rec *r, policy_request *rq)
{
    policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                              &authz_policy_module);
    return (rq && rq->took_part) || d->responds;
}

static policy_reason blamed(const policy_request *rq)
{
    return rq && rq->vote ? rq->vote->reason : REASON_OTHER;
}

/* The sibling decoy of a hidden denial is looked up without authorization
 * (hidden.c uses it only if nothing is there). */
static int decoy_unchecked(request_rec *r)
{
    policy_request *mq = r->main ? policy_request_get(r->main, 0) : NULL;
    return mq && mq->decoy_lookup == DECOY_UNCHECKED;
}

/* The request was moved onto its decoy, or is the decoy's look-up: the
 * rest of the access phases let it through.  httpd wants a user after
 * the authentication phase; a placeholder is set for the authorization
 * phase to clear. */
static int let_through(request_rec *r, policy_request *rq, int authn)
{
    if (authn && !r->user) {
        r->user = "";
        if (rq)
            rq->user_placeholder = 1;
    }
    if (!authn && rq && rq->user_placeholder) {
        r->user = NULL;
        rq->user_placeholder = 0;
    }
    return OK;
}

static int phase_access_ex(request_rec *r)
{
    policy_request *rq = policy_request_get(r, 0);
    if (decoy_unchecked(r) || (rq && rq->hidden))
        return OK;
    if (rq)
        rq->vote = NULL;             /* a new pass over the Require tree */
    int rv = run_chain(chain_access_ex, r);
    if (rv == HTTP_FORBIDDEN) {
        rq = policy_request_get(r, 0);
        if (takes_part(r, rq))
            return policy_deny(r, policy_request_get(r, 1), blamed(rq));
    }
    return rv;
}

static int any_hidden(const policy_dir_conf *d)
{
    for (int i = 0; i < REASON_COUNT; i++)
        if (d->status[i] == HTTP_NOT_FOUND)
            return 1;
    return 0;
}

/* Before any password is checked: could the user name a Basic client
 * claims pass this area's authorization at all?  The authorization chain
 * runs once with r->user set to that name, quietly (its log lines would
 * name a user nobody authenticated), and everything it changed is put
 * back.  If the name cannot pass and that denial is hidden, the answer is
 * the hidden one at once: whether the password is right must not show in
 * the time the answer takes.  Look-ups too (a directory listing looks up
 * each entry with the client's credentials).  Returns DECLINED to go on as
 * usual. */
static int hide_claimed_user(request_rec *r)
{
    if (r->proxyreq == PROXYREQ_PROXY)
        return DECLINED;
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    const char *type = ap_auth_type(r);
    if (!any_hidden(d) || !type || strcasecmp(type, "Basic"))
        return DECLINED;
    char *claimed = policy_claimed_basic_user(r);
    if (!claimed)
        return DECLINED;

    policy_request *rq = policy_request_get(r, 1);
    const policy_request saved = *rq;
    char *user = r->user;
    const struct ap_logconf *log = r->log;
    apr_table_t *err_headers = apr_table_copy(r->pool, r->err_headers_out);
    struct ap_logconf quiet = { NULL, APLOG_CRIT };

    rq->vote = NULL;
    r->user = claimed;
    r->log = &quiet;
    int rv = run_chain(chain_authz, r);
    const policy_require *vote = rq->vote;
    policy_reason reason = blamed(rq);
    r->log = log;
    r->user = user;
    r->err_headers_out = err_headers;
    *rq = saved;                     /* attributes were the claimed user's */

    if ((rv != HTTP_FORBIDDEN && rv != HTTP_UNAUTHORIZED)
        || d->status[reason] != HTTP_NOT_FOUND)
        return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "the claimed user %s "
                  "cannot pass (reason %s): hidden without checking a "
                  "password", ap_escape_logitem(r->pool, claimed),
                  reason_table[reason].name);
    rq->took_part = 1;
    rq->vote = vote;
    return policy_deny(r, rq, reason);
}

static int phase_check_user(request_rec *r)
{
    policy_request *rq = policy_request_get(r, 0);
    if (decoy_unchecked(r) || (rq && rq->hidden))
        return let_through(r, rq, 1);
    int rv = hide_claimed_user(r);
    if (rv == DECLINED) {
        rv = run_chain(chain_check_user, r);
        if (rv == HTTP_UNAUTHORIZED) {
            rq = policy_request_get(r, 0);
            if (takes_part(r, rq))
                rv = policy_deny(r, policy_request_get(r, 1),
                                 REASON_ANONYMOUS);
        }
    }
    rq = policy_request_get(r, 0);
    if (rv == OK && rq && rq->hidden)
        return let_through(r, rq, 1);
    return rv;
}

static int phase_authz(request_rec *r)
{
    policy_request *rq = policy_request_get(r, 0);
    if (decoy_unchecked(r) || (rq && rq->hidden))
        return let_through(r, rq, 0);
    if (rq)
        rq->vote = NULL;
    int rv = run_chain(chain_authz, r);
    if (rv == HTTP_FORBIDDEN || rv == HTTP_UNAUTHORIZED) {
        rq = policy_request_get(r, 0);
        if (takes_part(r, rq))
            return policy_deny(r, policy_request_get(r, 1), blamed(rq));
    }
    return rv;
}

/* Leaves our own link alone in the hook array and keeps the others, in
 * their sorted order, as the chain our link runs. */
static apr_array_header_t *take_over(apr_pool_t *p, apr_array_header_t *hooks,
                                     phase_fn ours)
{
    apr_array_header_t *saved = apr_array_make(p, hooks ? hooks->nelts : 1,
                                               sizeof(hook_link));
    hook_link self = { 0 };
    hook_link *l = hooks ? (hook_link *)hooks->elts : NULL;
    for (int i = 0; hooks && i < hooks->nelts; i++) {
        if (l[i].fn == ours)
            self = l[i];
        else
            *(hook_link *)apr_array_push(saved) = l[i];
    }
    if (hooks && self.fn) {
        hooks->nelts = 1;
        l[0] = self;
    }
    return saved;
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

static int policy_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    datafile_registry_init(pconf);
    policy_attrs_pre_config(pconf);
    pending_checks = apr_array_make(pconf, 8, sizeof(pending_check));
    pending_userfiles = apr_array_make(pconf, 4, sizeof(pending_userfile));
    return OK;
}

static int policy_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    int rc = OK;
    for (server_rec *v = s; v; v = v->next) {
        policy_server_conf *sc =
            ap_get_module_config(v->module_config, &authz_policy_module);
        const char *err = policy_roles_finalize(pconf, sc->roles);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         "AuthzPolicyRoleInherit (server %s:%d): %s",
                         v->server_hostname ? v->server_hostname : "main",
                         v->port, err);
            rc = !OK;
        }
    }
    for (int i = 0; pending_checks && i < pending_checks->nelts; i++) {
        pending_check *pc = &APR_ARRAY_IDX(pending_checks, i, pending_check);
        policy_server_conf *sc =
            ap_get_module_config(pc->server->module_config,
                                 &authz_policy_module);
        int warning = 0;
        policy_reason reason = pc->req->reason;
        const char *err = validate_late(pconf, pc->req, sc);
        if (!err && (reason == REASON_ROLE || reason == REASON_PLAN
                     || reason == REASON_SCOPE))
            err = check_attr_source(ptemp, pc);
        if (!err && reason == REASON_REGION) {
            err = check_region_source(ptemp, sc, &warning);
            /* A line of the main server applies in every virtual host
             * too: if one of them can find regions, only warn. */
            for (server_rec *v = s->next; err && !warning
                 && !pc->server->is_virtual && v; v = v->next) {
                int vwarning = 0;
                if (!check_region_source(ptemp, ap_get_module_config(
                        v->module_config, &authz_policy_module), &vwarning)) {
                    warning = 1;
                    err = apr_pstrcat(ptemp, err, " in the main server "
                                      "(requests it answers get 500)", NULL);
                }
            }
        }
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP
                         | (warning ? APLOG_WARNING : APLOG_EMERG), 0, NULL,
                         "%s (%s)", err, pc->where);
            if (!warning)
                rc = !OK;
        }
    }
    pending_checks = NULL;           /* from now on: validate at once */
    for (int i = 0; pending_userfiles && i < pending_userfiles->nelts; i++)
        check_userfile_plans(ptemp, &APR_ARRAY_IDX(pending_userfiles, i,
                                                   pending_userfile));
    pending_userfiles = NULL;
    /* A region header with no trusted proxy is never believed. */
    for (server_rec *v = s; v; v = v->next) {
        policy_server_conf *sc =
            ap_get_module_config(v->module_config, &authz_policy_module);
        for (int i = 0; sc->region_from && i < sc->region_from->nelts; i++)
            if (APR_ARRAY_IDX(sc->region_from, i, region_source).kind
                    == SOURCE_HEADER && !sc->trusted)
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0,
                             NULL, "AuthzPolicyRegionFrom header:%s (server "
                             "%s) will never be believed: no "
                             "AuthzPolicyTrustedProxy",
                             APR_ARRAY_IDX(sc->region_from, i,
                                           region_source).name,
                             v->server_hostname ? v->server_hostname : "main");
    }
    return rc;
}

static int policy_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    /* The first of httpd's two start-up passes only checks the
     * configuration: publish data files in the real one. */
    int real_pass = ap_state_query(AP_SQ_MAIN_STATE)
                    != AP_SQ_MS_CREATE_PRE_CONFIG;
    policy_server_conf *sc = ap_get_module_config(s->module_config,
                                                  &authz_policy_module);
    datafile_set_htaccess_limits(
        sc->htaccess_bytes ? sc->htaccess_bytes : DATAFILE_HTACCESS_BYTES,
        sc->htaccess_max_files ? sc->htaccess_max_files
                               : DATAFILE_HTACCESS_FILES);
    datafile_post_config(s, real_pass);
    if (real_pass && policy_attrs_post_config(pconf, s) != OK)
        return !OK;
    if (real_pass)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "mod_authz_policy %s "
                     "configured", AUTHZ_POLICY_VERSION);
    chain_access_ex = take_over(pconf, ap_hook_get_access_checker_ex(),
                                phase_access_ex);
    chain_check_user = take_over(pconf, ap_hook_get_check_user_id(),
                                 phase_check_user);
    chain_authz = take_over(pconf, ap_hook_get_auth_checker(), phase_authz);
    return OK;
}

/* The parent looks at the configured data files again, so that the
 * children it starts later inherit their newest versions. */
static int policy_monitor(apr_pool_t *p, server_rec *s)
{
    (void)p;
    datafile_monitor(s);
    return DECLINED;
}

/* A file loaded as a data file is never served as content: it gets the
 * answer of a path that does not exist. */
static int hide_data_files(request_rec *r)
{
    if (!r->filename || !datafile_is_loaded(&r->finfo))
        return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "%s is a data file of "
                  "mod_authz_policy: answered as a missing file", r->filename);
    return HTTP_NOT_FOUND;
}

static void policy_child_init(apr_pool_t *pchild, server_rec *s)
{
    datafile_child_init(pchild, s);
    policy_attrs_child_init(pchild, s);
    policy_hidden_child_init(pchild);
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(policy_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(policy_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* before mod_watchdog's (APR_HOOK_LAST), which starts our thread */
    ap_hook_post_config(policy_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(policy_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(policy_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(hide_data_files, NULL, NULL, APR_HOOK_REALLY_FIRST);

    ap_hook_check_access_ex(phase_access_ex, NULL, NULL, APR_HOOK_REALLY_FIRST,
                            AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(phase_check_user, NULL, NULL, APR_HOOK_REALLY_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(phase_authz, NULL, NULL, APR_HOOK_REALLY_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);

    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "role",
                              AUTHZ_PROVIDER_VERSION, &provider_role,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "plan",
                              AUTHZ_PROVIDER_VERSION, &provider_plan,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "scope",
                              AUTHZ_PROVIDER_VERSION, &provider_scope,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "iplist",
                              AUTHZ_PROVIDER_VERSION, &provider_iplist,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "region",
                              AUTHZ_PROVIDER_VERSION, &provider_region,
                              AP_AUTH_INTERNAL_PER_CONF);

    policy_origin_register(p);

    policy_deny_register(p);
    policy_hidden_register(p);
}

AP_DECLARE_MODULE(authz_policy) = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_server_conf,
    merge_server_conf,
    policy_cmds,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
