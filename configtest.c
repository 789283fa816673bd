/*
 * configtest: what is checked once the whole configuration is read, so
 * that `apachectl configtest` finds mistakes that would otherwise show
 * only as answers: role inheritance cycles, Require lines whose
 * attribute or region has no source, Require role/plan/scope lines where
 * no AuthType is in effect or whose names are written as the user file
 * writes them, plans in user files that AuthzPolicyPlans does not
 * declare, region headers never believed.
 */
#include "policy.h"
#include "attrs_source.h"

#include "http_log.h"
#include <apr_strings.h>

#include <stdlib.h>

APLOG_USE_MODULE(authz_policy);

/* User files named in the server configuration, whose plans are checked
 * against AuthzPolicyPlans once the configuration is read. */
typedef struct {
    const char *path;
    server_rec *server;
} pending_userfile;

static apr_array_header_t *pending_userfiles;   /* NULL once configured */

void policy_configtest_pre_config(apr_pool_t *pconf)
{
    pending_userfiles = apr_array_make(pconf, 4, sizeof(pending_userfile));
}

void policy_configtest_userfile(cmd_parms *cmd, const char *path)
{
    if (!pending_userfiles)
        return;                      /* an .htaccess file: at request time */
    pending_userfile *pu = apr_array_push(pending_userfiles);
    pu->path = apr_pstrdup(cmd->pool, path);
    pu->server = cmd->server;
}


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
 * an AuthzPolicyUserFile, an AuthzPolicyAttribute for it from a source
 * whose line gives values by itself (gives_values: a variable, SQL,
 * LDAP), or an AllowOverride that lets .htaccess files set either. */
static int gives_source(apr_pool_t *p, const ap_directive_t *d, policy_attr a)
{
    const char *name = d->directive;
    if (!strcasecmp(name, "AuthzPolicyUserFile"))
        return 1;
    if (!strcasecmp(name, "AuthzPolicyAttribute")) {
        const char *args = d->args;
        const char *attr = ap_getword_conf(p, &args);
        const char *kind = ap_getword_conf(p, &args);
        if (strcasecmp(attr, policy_attr_name[a]))
            return 0;
        for (int k = 0; k < ASRC_COUNT; k++)
            if (!strcasecmp(kind, attr_source_types[k]->name))
                return attr_source_types[k]->gives_values;
        return 0;
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
static const char *check_attr_source(apr_pool_t *p,
                                     const ap_directive_t *directive,
                                     const policy_require *req)
{
    policy_attr a = req->reason == REASON_ROLE ? ATTR_ROLE
                    : req->reason == REASON_PLAN ? ATTR_PLAN : ATTR_SCOPE;
    const ap_directive_t *vhost = NULL;
    for (const ap_directive_t *d = directive; d; d = d->parent)
        if (d->directive && !strcasecmp(d->directive, "<VirtualHost"))
            vhost = d;
    if (!directive || server_gives_source(p, ap_conftree, vhost, a))
        return NULL;
    return apr_psprintf(p, "Require %s: no source of %ss for this server: "
                        "add AuthzPolicyUserFile, or AuthzPolicyAttribute "
                        "%s %s, to this area or around it",
                        reason_table[req->reason].name,
                        policy_attr_name[a], policy_attr_name[a],
                        policy_attr_source_names(p, "|", 1));
}

/* Sections whose directives merge into a request's configuration;
 * other containers (<IfModule>, <RequireAll>, <Limit>, shadows) only
 * hold lines of the section around them. */
static int section_kind(const ap_directive_t *d)
{
    static const char *const kinds[] = {
        "<Location", "L", "<LocationMatch", "L", "<Directory", "D",
        "<DirectoryMatch", "D", "<Files", "F", "<FilesMatch", "F",
        "<If", "I", "<ElseIf", "I", "<Else", "I", "<Proxy", "P",
        "<ProxyMatch", "P", "<VirtualHost", "V", NULL };
    for (int i = 0; d->directive && kinds[i]; i += 2)
        if (!strcasecmp(d->directive, kinds[i]))
            return kinds[i + 1][0];
    return 0;
}

/* What the lines of one section (through the containers in it, not into
 * nested sections) say of AuthType: 1 one that authenticates, -1
 * AuthType None, 0 nothing.  The last line wins, as in httpd. */
static int authtype_in(const ap_directive_t *first)
{
    int said = 0;
    for (const ap_directive_t *d = first; d; d = d->next) {
        if (!strcasecmp(d->directive, "AuthType"))
            said = d->args && !strcasecmp(d->args, "None") ? -1 : 1;
        else if (d->first_child && !section_kind(d)) {
            int inner = authtype_in(d->first_child);
            if (inner)
                said = inner;
        }
    }
    return said;
}

/* A section's argument without its closing '>' and quotes. */
static const char *section_arg(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args ? d->args : "";
    char *arg = apr_pstrdup(p, args);
    size_t n = strlen(arg);
    if (n && arg[n - 1] == '>')
        arg[--n] = '\0';
    args = arg;
    return ap_getword_conf(p, &args);
}

/* Whether a section's path holds another's as httpd matches them: a
 * prefix that ends at a path segment ("/app" holds "/app" and "/app/x",
 * not "/application"). */
static int path_contains(const char *outer, const char *inner)
{
    size_t n = strlen(outer);
    return !strncmp(inner, outer, n)
           && (n == 0 || outer[n - 1] == '/' || inner[n] == '\0'
               || inner[n] == '/');
}

/* Whether a section elsewhere in the servers a line applies to could
 * give it an AuthType: one of another kind (<Directory> and <Location>
 * merge in ways the text does not show), one of its kind whose path is a
 * prefix of its own (or a regular expression), or an AllowOverride that
 * lets .htaccess files set it. */
static int authtype_elsewhere(apr_pool_t *p, const ap_directive_t *first,
                              const ap_directive_t *vhost,
                              const ap_directive_t *own)
{
    int own_kind = own ? section_kind(own) : 0;
    const char *own_arg = own ? section_arg(p, own) : "";
    for (const ap_directive_t *d = first; d; d = d->next) {
        int kind = section_kind(d);
        if (kind == 'V' && vhost && d != vhost)
            continue;                /* another virtual host's */
        if ((!strcasecmp(d->directive, "AllowOverride")
             && (has_word(p, d->args, "All")
                 || has_word(p, d->args, "AuthConfig")))
            || (!strcasecmp(d->directive, "AllowOverrideList")
                && has_word(p, d->args, "AuthType")))
            return 1;
        if (kind && kind != 'V' && d != own
            && authtype_in(d->first_child) > 0) {
            const char *arg = section_arg(p, d);
            if (!own_kind || kind != own_kind
                || strcasecmp(d->directive, own->directive)
                || path_contains(arg, own_arg))
                return 1;
        }
        if (d->first_child && authtype_elsewhere(p, d->first_child, vhost, own))
            return 1;
    }
    return 0;
}

/* Require role, plan and scope need a user: in a section where no
 * AuthType is in effect every request they decide answers 500
 * (AH00027).  The sections around the line decide, the innermost first;
 * failing those, any section of the server that could merge into it. */
static const char *check_authtype(apr_pool_t *p,
                                  const ap_directive_t *directive,
                                  const policy_require *req)
{
    const ap_directive_t *own = NULL, *vhost = NULL;
    for (const ap_directive_t *d = directive; d; d = d->parent) {
        /* a shadow's lines are asked only of requests that already have
         * a user or not: they never make one authenticate */
        if (d != directive && d->directive
            && !strcasecmp(d->directive, "<AuthzPolicyShadow"))
            return NULL;
        int kind = d == directive ? 0 : section_kind(d);
        if (kind == 'V')
            vhost = d;
        else if (kind && !own)
            own = d;
    }
    if (!directive)
        return NULL;
    int said = 0;
    for (const ap_directive_t *d = directive->parent; d && !said;
         d = d->parent)
        if (section_kind(d))
            said = authtype_in(d->first_child);
    if (!said)
        said = authtype_in(ap_conftree);
    if (said > 0 || (!said && authtype_elsewhere(p, ap_conftree, vhost, own)))
        return NULL;
    return apr_psprintf(p, "Require %s: no AuthType is in effect in %s: no "
                        "user is known there, so every request this line "
                        "decides answers 500 (AH00027); add AuthType and "
                        "its authentication to this area or around it",
                        reason_table[req->reason].name,
                        own ? apr_pstrcat(p, own->directive, " ", own->args,
                                          NULL)
                            : "the server");
}

/* Names in a Require role, plan or scope line hold neither '=' nor ',':
 * a line written like the user file's fields (role=admin, a,b) requires
 * names that no user holds. */
static const char *check_require_names(apr_pool_t *p,
                                       const policy_require *req)
{
    for (unsigned i = 0; i < req->nvalues; i++) {
        const char *v = req->values[i];
        if (strchr(v, ','))
            return apr_psprintf(p, "Require %s: '%s' holds a comma: a "
                                "Require line separates names with spaces "
                                "(Require %s a b), unlike the user file",
                                reason_table[req->reason].name, v,
                                reason_table[req->reason].name);
        if (strchr(v, '='))
            return apr_psprintf(p, "Require %s: '%s' holds '=': name the "
                                "%ss themselves (Require %s admin), "
                                "key=value is the user file's form",
                                reason_table[req->reason].name, v,
                                reason_table[req->reason].name,
                                reason_table[req->reason].name);
    }
    return NULL;
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

const char *policy_configtest_plans_text(apr_pool_t *p,
                                         const policy_server_conf *sc)
{
    if (!sc->plans_set || !sc->plans.names || !sc->plans.names->nelts)
        return NULL;
    return apr_array_pstrcat(p, sc->plans.names, ' ');
}

typedef struct {
    apr_pool_t *pool;
    const char *path;
    const policy_plans *plans;
    const char *declared;
    int undeclared;             /* a held plan is not declared */
} plan_scan;

static void warn_undeclared_plan(void *ctx, const char *plan, size_t len,
                                 unsigned line)
{
    plan_scan *ps = ctx;
    const char *name = apr_pstrmemdup(ps->pool, plan, len);
    if (policy_plan_rank(ps->plans, name) >= 0)
        return;
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, NULL,
                 AZPLOGNO(00021) "AuthzPolicyUserFile %s:%u: plan '%s' is "
                 "not declared by AuthzPolicyPlans (%s): this user holds "
                 "no plan",
                 ps->path, line, ap_escape_logitem(ps->pool, name),
                 ps->declared);
}

static void note_undeclared(void *ctx, const char *plan)
{
    plan_scan *ps = ctx;
    if (policy_plan_rank(ps->plans, plan) < 0)
        ps->undeclared = 1;
}

/* Plans in the user files that AuthzPolicyPlans does not declare would
 * silently mean "no plan". */
static void check_userfile_plans(apr_pool_t *p, const pending_userfile *pu)
{
    policy_server_conf *sc = ap_get_module_config(pu->server->module_config,
                                                  &authz_policy_module);
    if (!sc->plans_set)
        return;                      /* no Require plan can be configured */
    const char *declared = policy_configtest_plans_text(p, sc);
    plan_scan ps = { p, pu->path, &sc->plans, declared ? declared : "", 0 };
    /* the plans the loaded table holds first: when each is declared,
     * which is the rule, the text (read again in each configuration pass:
     * as long as a parse for a million users) has nothing to show */
    const userdb *db = datafile_configured_image("AuthzPolicyUserFile",
                                                 pu->path);
    if (db && userdb_each_held_plan(db, note_undeclared, &ps) == 0
        && !ps.undeclared)
        return;
    /* read as the loader reads (a regular file within
     * AuthzPolicyFileLimit, never blocking, and not at all if its plan
     * names may not be shown), into memory that goes back to the system:
     * a pool would keep the megabytes of a large file for the life of the
     * server */
    apr_size_t got;
    char *buf = datafile_configured_text(pu->path, &got);
    if (!buf)
        return;                      /* its reader reports that */
    userdb_each_plan(buf, got, warn_undeclared_plan, &ps);
    free(buf);
}

/* A Require line of the server configuration, once its names are
 * validated: whether its attribute or region can have a source.  An
 * error, or with *warning set, only a warning. */
const char *policy_configtest_require(apr_pool_t *ptemp, server_rec *s,
                                      server_rec *where,
                                      const ap_directive_t *directive,
                                      const policy_require *req,
                                      int *warning)
{
    if (req->reason == REASON_ROLE || req->reason == REASON_PLAN
        || req->reason == REASON_SCOPE) {
        const char *err = check_attr_source(ptemp, directive, req);
        if (err)
            return err;
        *warning = 1;
        err = check_require_names(ptemp, req);
        return err ? err : check_authtype(ptemp, directive, req);
    }
    if (req->reason != REASON_REGION)
        return NULL;
    const char *err = check_region_source(ptemp, ap_get_module_config(
        where->module_config, &authz_policy_module), warning);
    /* A line of the main server applies in every virtual host too: if one
     * of them can find regions, only warn. */
    for (server_rec *v = s->next; err && !*warning && !where->is_virtual && v;
         v = v->next) {
        int vwarning = 0;
        if (!check_region_source(ptemp, ap_get_module_config(
                v->module_config, &authz_policy_module), &vwarning)) {
            *warning = 1;
            err = apr_pstrcat(ptemp, err, " in the main server (requests it "
                              "answers get 500)", NULL);
        }
    }
    return err;
}

/* Role inheritance of each server: its closure, or its cycle. */
int policy_configtest_roles(apr_pool_t *pconf, server_rec *s)
{
    int rc = OK;
    for (server_rec *v = s; v; v = v->next) {
        policy_server_conf *sc =
            ap_get_module_config(v->module_config, &authz_policy_module);
        const char *err = policy_roles_finalize(pconf, sc->roles);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         AZPLOGNO(00022) "AuthzPolicyRoleInherit (server "
                         "%s:%d): %s",
                         v->server_hostname ? v->server_hostname : "main",
                         v->port, err);
            rc = !OK;
        }
    }
    return rc;
}

/* What only warns: undeclared plans in user files, and a region header
 * with no trusted proxy, which is never believed. */
void policy_configtest_warnings(apr_pool_t *ptemp, server_rec *s)
{
    for (int i = 0; pending_userfiles && i < pending_userfiles->nelts; i++)
        check_userfile_plans(ptemp, &APR_ARRAY_IDX(pending_userfiles, i,
                                                   pending_userfile));
    pending_userfiles = NULL;
    for (server_rec *v = s; v; v = v->next) {
        policy_server_conf *sc =
            ap_get_module_config(v->module_config, &authz_policy_module);
        for (int i = 0; sc->region_from && i < sc->region_from->nelts; i++)
            if (APR_ARRAY_IDX(sc->region_from, i, region_source).kind
                    == SOURCE_HEADER && !sc->trusted)
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0,
                             NULL, AZPLOGNO(00023)
                             "AuthzPolicyRegionFrom header:%s (server "
                             "%s) will never be believed: no "
                             "AuthzPolicyTrustedProxy",
                             APR_ARRAY_IDX(sc->region_from, i,
                                           region_source).name,
                             v->server_hostname ? v->server_hostname : "main");
    }
}
