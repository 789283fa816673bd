/*
 * attrs_ldap: values from LDAP / Active Directory group membership
 * (docs/ldap.md).  The user's entry is found as mod_authnz_ldap finds it
 * (a URL: base, attribute, scope, filter); their groups come from the
 * entry's memberOf values (or a variable mod_authnz_ldap set from them),
 * or from a search for the groups that list the user as a member; nested
 * groups are followed a bounded number of levels (or, in Active
 * Directory, by the server's in-chain matching rule).  A group gives the
 * value of its DN's first RDN (its cn), or, when a map is configured,
 * the role the map gives it and nothing else.
 *
 * Everything goes through mod_ldap: its connection pool, binding, retries
 * and timeouts, and its search cache for the user's entry.  Searches
 * util_ldap has no function for (several entries) are made with the same
 * libldap on a connection it handed out.  Whole answers are kept in
 * AuthzPolicyCache by attrs.c.
 */
#include "attrs_source.h"
#include "hash.h"
#include "ldapdn.h"

#include "http_log.h"
#include "util_ldap.h"
#include <apr_ldap_url.h>
#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

#define DEFAULT_DEPTH 2
#define MAX_DEPTH 10
/* Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: membership through any
 * number of nested groups, resolved by the server. */
#define IN_CHAIN ":1.2.840.113556.1.4.1941:"

typedef enum { GROUPS_MEMBEROF, GROUPS_SEARCH } groups_from;

struct policy_ldap_source {
    const char *url;             /* as configured, for the log */
    const char *cache_url;       /* mod_ldap's search cache: our own key,
                                    never shared with mod_authnz_ldap's
                                    entries, which hold other attributes */
    const char *host;
    int port, secure;
    const char *user_base, *user_attr, *user_filter;
    int user_scope;
    const char *binddn, *bindpw;
    groups_from from;
    const char *memberof_attr;   /* memberOf */
    const char *env;             /* memberOf values from this variable */
    const char *groups_base;     /* search: where groups are */
    const char *member_attr;     /* search: member, uniqueMember */
    int chain;                   /* search: the in-chain matching rule */
    int depth;                   /* nesting levels followed */
    const char *name_attr;       /* the first RDN's type that names */
    apr_hash_t *map;             /* normalized DN -> value; NULL: by name */
};

static APR_OPTIONAL_FN_TYPE(uldap_connection_find) *conn_find;
static APR_OPTIONAL_FN_TYPE(uldap_connection_open) *conn_open;
static APR_OPTIONAL_FN_TYPE(uldap_connection_close) *conn_close;
static APR_OPTIONAL_FN_TYPE(uldap_connection_unbind) *conn_unbind;
static APR_OPTIONAL_FN_TYPE(uldap_cache_getuserdn) *cached_getuserdn;

/* ------------------------------------------------------------------ */
/* Configuration                                                        */

static const char *parse_url(cmd_parms *cmd, policy_ldap_source *ls,
                             const char *url)
{
    apr_ldap_url_desc_t *urld;
    apr_ldap_err_t *err;
    if (apr_ldap_url_parse(cmd->pool, url, &urld, &err) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute ldap: '%s': %s",
                            url, err->reason);
    ls->url = url;
    ls->secure = !strncasecmp(url, "ldaps:", 6) ? APR_LDAP_SSL : APR_LDAP_NONE;
    ls->host = urld->lud_host ? urld->lud_host : "localhost";
    ls->port = urld->lud_port ? urld->lud_port
               : ls->secure ? LDAPS_PORT : LDAP_PORT;
    ls->user_base = urld->lud_dn ? urld->lud_dn : "";
    ls->user_attr = urld->lud_attrs && urld->lud_attrs[0]
                    ? urld->lud_attrs[0] : "uid";
    ls->user_scope = urld->lud_scope == LDAP_SCOPE_ONELEVEL
                     ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
    const char *f = urld->lud_filter;
    if (!f || !*f)
        f = "(objectClass=*)";
    ls->user_filter = *f == '(' ? f : apr_pstrcat(cmd->pool, "(", f, ")",
                                                  NULL);
    return NULL;
}

static const char *add_map_entry(cmd_parms *cmd, policy_ldap_source *ls,
                                 const char *entry)
{
    char dn[LDAPDN_MAX];
    size_t role_len;
    if (ldapdn_parse_map(entry, strlen(entry), &role_len, dn, sizeof dn) < 0)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute ldap: map=%s "
                            "is not ROLE=DN (a role without spaces, commas "
                            "or '=', then a group's DN)", entry);
    if (!ls->map)
        ls->map = apr_hash_make(cmd->pool);
    apr_hash_set(ls->map, apr_pstrdup(cmd->pool, dn), APR_HASH_KEY_STRING,
                 apr_pstrmemdup(cmd->pool, entry, role_len));
    return NULL;
}

/* One OPTION or OPTION=VALUE. */
static const char *parse_option(cmd_parms *cmd, policy_ldap_source *ls,
                                const char *opt)
{
    const char *eq = strchr(opt, '=');
    const char *name = eq ? apr_pstrmemdup(cmd->temp_pool, opt,
                                           (apr_size_t)(eq - opt)) : opt;
    const char *value = eq ? eq + 1 : NULL;
    if (!strcasecmp(name, "memberof")) {
        ls->memberof_attr = value && *value ? value : "memberOf";
        return NULL;
    }
    if (!strcasecmp(name, "chain") && !value) {
        ls->chain = 1;
        return NULL;
    }
    if (!strcasecmp(name, "map") && value)
        return add_map_entry(cmd, ls, value);
    if (!strcasecmp(name, "depth") && value) {
        char *end;
        long depth = strtol(value, &end, 10);
        if (*end || !*value || depth < 0 || depth > MAX_DEPTH)
            return apr_psprintf(cmd->pool, "AuthzPolicyAttribute ldap: "
                                "depth=%s is not 0 to %d", value, MAX_DEPTH);
        ls->depth = (int)depth;
        return NULL;
    }
    const char **slot = !strcasecmp(name, "groups") ? &ls->groups_base
                        : !strcasecmp(name, "member") ? &ls->member_attr
                        : !strcasecmp(name, "name") ? &ls->name_attr
                        : !strcasecmp(name, "env") ? &ls->env
                        : !strcasecmp(name, "binddn") ? &ls->binddn
                        : !strcasecmp(name, "bindpw") ? &ls->bindpw : NULL;
    if (!slot || !value || !*value)
        return apr_psprintf(cmd->pool, "AuthzPolicyAttribute ldap: '%s' is "
                            "not memberof[=ATTR], groups=BASE, member=ATTR, "
                            "chain, depth=N, name=ATTR, map=ROLE=DN, env=VAR, "
                            "binddn=DN or bindpw=PASSWORD", opt);
    *slot = value;
    return NULL;
}

/* Options that do not go together. */
static const char *check_options(policy_ldap_source *ls)
{
    ls->from = ls->groups_base ? GROUPS_SEARCH : GROUPS_MEMBEROF;
    if (ls->groups_base && (ls->memberof_attr || ls->env))
        return "AuthzPolicyAttribute ldap: groups= (a search for the user's "
               "groups) and memberof or env= (the user's memberOf values) "
               "are two ways: choose one";
    if (!ls->groups_base && (ls->chain || ls->member_attr))
        return "AuthzPolicyAttribute ldap: chain and member= go with "
               "groups=BASE";
    if (!ls->binddn != !ls->bindpw)
        return "AuthzPolicyAttribute ldap: binddn= and bindpw= go together";
    if (!ls->memberof_attr)
        ls->memberof_attr = "memberOf";
    if (!ls->member_attr)
        ls->member_attr = "member";
    if (!ls->name_attr)
        ls->name_attr = "cn";
    if (ls->depth < 0)
        ls->depth = DEFAULT_DEPTH;
    return NULL;
}

/* The words after "ldap" (argv[0] is the URL); fills src->ldap and
 * src->identity. */
static const char *parse_ldap(cmd_parms *cmd, attr_source *src,
                              policy_attr a, int argc, char *const argv[])
{
    (void)a;
    conn_find = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_find);
    conn_open = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_open);
    conn_close = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_close);
    conn_unbind = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_unbind);
    cached_getuserdn = APR_RETRIEVE_OPTIONAL_FN(uldap_cache_getuserdn);
    if (!conn_find || !conn_open || !conn_close || !conn_unbind
        || !cached_getuserdn)
        return "AuthzPolicyAttribute ldap needs mod_ldap, loaded before "
               "this line";
    policy_ldap_source *ls = apr_pcalloc(cmd->pool, sizeof *ls);
    ls->depth = -1;
    const char *err = parse_url(cmd, ls, argv[0]);
    for (int i = 1; !err && i < argc; i++)
        err = parse_option(cmd, ls, argv[i]);
    if (!err)
        err = check_options(ls);
    if (err)
        return err;
    /* what the source is, for the cache keys (attrs.c): the URL (the
     * directory, where and how the user is found) and every option, the
     * bind DN among them; of the password only whether there is one (a
     * cache such as memcached shows its keys, and a digest of a password
     * can be tried against guesses) */
    const char *all = "";
    const char *identity = "ldap\n";
    for (int i = 0; i < argc; i++) {
        int password = !strncasecmp(argv[i], "bindpw=", 7);
        if (!password)
            all = apr_pstrcat(cmd->temp_pool, all, "\n", argv[i], NULL);
        identity = apr_psprintf(cmd->pool, "%s%" APR_SIZE_T_FMT ":%s",
                                identity, password ? 6 : strlen(argv[i]),
                                password ? "bindpw" : argv[i]);
    }
    src->identity = identity;
    apr_uint64_t h = hash_fnv1a64(all, strlen(all));
    ls->cache_url = apr_psprintf(cmd->pool, "%s#authz_policy:%016"
                                 APR_UINT64_T_HEX_FMT, ls->url, h);
    src->ldap = ls;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */

/* One request's walk through the user's groups. */
typedef struct {
    request_rec *r;
    const policy_ldap_source *ls;
    util_ldap_connection_t *ldc;
    apr_hash_t *seen;            /* normalized DN -> DN as read */
    apr_array_header_t *found;   /* DNs as read, in the order found */
} group_walk;

static void log_failure(group_walk *w, int rc, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, w->r, AZPLOGNO(00014)
                  "AuthzPolicyAttribute ldap: %s on %s failed: %s (%s)",
                  what, w->ls->url,
                  ldap_err2string(rc), w->ldc->reason ? w->ldc->reason : "");
}

/* A group DN as the directory gave it; each group counts once. */
static void add_group(const char *dn, size_t len, void *ctx)
{
    group_walk *w = ctx;
    char norm[LDAPDN_MAX];
    if (ldapdn_normalize(dn, len, norm, sizeof norm) <= 0) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, w->r, AZPLOGNO(00015)
                      "AuthzPolicyAttribute ldap: ignoring a group that is "
                      "not a DN: %s",
                      ap_escape_logitem(w->r->pool,
                                        apr_pstrmemdup(w->r->pool, dn, len)));
        return;
    }
    if (apr_hash_get(w->seen, norm, APR_HASH_KEY_STRING))
        return;
    const char *copy = apr_pstrmemdup(w->r->pool, dn, len);
    apr_hash_set(w->seen, apr_pstrdup(w->r->pool, norm), APR_HASH_KEY_STRING,
                 copy);
    APR_ARRAY_PUSH(w->found, const char *) = copy;
}

/* A search through mod_ldap's connection, once more if the server went
 * away under it (a pooled connection to a restarted server).  The result
 * is the caller's to free (ldap_msgfree), also on failure. */
static int search(group_walk *w, const char *base, int scope,
                  const char *filter, const char *attr, LDAPMessage **res)
{
    char *attrs[] = { (char *)(attr ? attr : LDAP_NO_ATTRS), NULL };
    int rc = LDAP_SERVER_DOWN;
    for (int attempt = 0; attempt < 2 && AP_LDAP_IS_SERVER_DOWN(rc);
         attempt++) {
        if (*res) {
            ldap_msgfree(*res);
            *res = NULL;
        }
        if (attempt)
            conn_unbind(w->ldc);
        rc = conn_open(w->r, w->ldc);
        if (rc == LDAP_SUCCESS)
            rc = ldap_search_ext_s(w->ldc->ldap, (char *)base, scope,
                                   (char *)filter, attrs, 0, NULL, NULL,
                                   w->ldc->st->opTimeout, APR_LDAP_SIZELIMIT,
                                   res);
    }
    return rc;
}

/* Each entry's DN (attr NULL) or each of its attr values is a group. */
static int read_groups(group_walk *w, const char *base, int scope,
                       const char *filter, const char *attr)
{
    LDAPMessage *res = NULL;
    int rc = search(w, base, scope, filter, attr, &res);
    if (rc == LDAP_NO_SUCH_OBJECT)
        rc = LDAP_SUCCESS;           /* a group that was removed */
    for (LDAPMessage *e = rc == LDAP_SUCCESS && res
                          ? ldap_first_entry(w->ldc->ldap, res) : NULL;
         e; e = ldap_next_entry(w->ldc->ldap, e)) {
        if (!attr) {
            char *dn = ldap_get_dn(w->ldc->ldap, e);
            if (dn)
                add_group(dn, strlen(dn), w);
            ldap_memfree(dn);
            continue;
        }
        struct berval **vals = ldap_get_values_len(w->ldc->ldap, e, attr);
        for (int i = 0; vals && vals[i]; i++)
            add_group(vals[i]->bv_val, vals[i]->bv_len, w);
        ldap_value_free_len(vals);
    }
    if (res)
        ldap_msgfree(res);
    if (rc != LDAP_SUCCESS)
        log_failure(w, rc, "reading groups");
    return rc == LDAP_SUCCESS ? 0 : -1;
}

/* The groups that list dn as a member, under groups=. */
static int groups_listing(group_walk *w, const char *dn, int chain)
{
    char escaped[3 * LDAPDN_MAX];
    if (ldapdn_filter_escape(dn, strlen(dn), escaped, sizeof escaped) < 0)
        return 0;
    const char *filter = apr_psprintf(w->r->pool, "(%s%s=%s)",
                                      w->ls->member_attr,
                                      chain ? IN_CHAIN : "", escaped);
    return read_groups(w, w->ls->groups_base, LDAP_SCOPE_SUBTREE, filter,
                       NULL);
}

/* The user's entry through mod_ldap's cached search: their DN and, when
 * asked, their memberOf values joined by "; ".  0 found, 1 not there,
 * -1 failed. */
static int find_user(group_walk *w, const char **dn, const char **memberof)
{
    const policy_ldap_source *ls = w->ls;
    char escaped[3 * LDAPDN_MAX];
    if (ldapdn_filter_escape(w->r->user, strlen(w->r->user), escaped,
                             sizeof escaped) < 0)
        return 1;
    const char *filter = apr_psprintf(w->r->pool, "(&%s(%s=%s))",
                                      ls->user_filter, ls->user_attr,
                                      escaped);
    char *attrs[] = { (char *)ls->memberof_attr, NULL };
    const char **vals = NULL;
    int rc = cached_getuserdn(w->r, w->ldc, ls->cache_url, ls->user_base,
                            ls->user_scope, memberof ? attrs : NULL, filter,
                            dn, &vals);
    if (rc == LDAP_NO_SUCH_OBJECT) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, w->r, AZPLOGNO(00016)
                      "AuthzPolicyAttribute ldap: %s: %s", filter,
                      w->ldc->reason);
        return 1;
    }
    if (rc != LDAP_SUCCESS) {
        log_failure(w, rc, "finding the user");
        return -1;
    }
    if (memberof)
        *memberof = vals ? vals[0] : NULL;
    return 0;
}

/* The user's direct groups, then the groups of those, level by level. */
static int walk_groups(group_walk *w)
{
    const policy_ldap_source *ls = w->ls;
    const char *dn = NULL, *memberof = NULL;
    int rc = 0;
    if (ls->env) {
        memberof = apr_table_get(w->r->subprocess_env, ls->env);
    }
    else {
        rc = find_user(w, &dn, ls->from == GROUPS_MEMBEROF ? &memberof : NULL);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
    if (ls->from == GROUPS_SEARCH)
        rc = groups_listing(w, dn, ls->chain);
    else if (memberof)
        ldapdn_split(memberof, strlen(memberof), add_group, w);
    if (ls->from == GROUPS_SEARCH && rc)
        return -1;
    int done = 0;
    for (int level = 0; level < ls->depth && !ls->chain; level++) {
        int end = w->found->nelts;
        for (; done < end; done++) {
            const char *group = APR_ARRAY_IDX(w->found, done, const char *);
            if (ls->from == GROUPS_SEARCH ? groups_listing(w, group, 0)
                : read_groups(w, group, LDAP_SCOPE_BASE, "(objectClass=*)",
                              ls->memberof_attr))
                return -1;
        }
    }
    return 0;
}

/* The value a group gives: the map's, or its first RDN's. */
static const char *group_value(group_walk *w, const char *dn)
{
    if (w->ls->map) {
        char norm[LDAPDN_MAX];
        if (ldapdn_normalize(dn, strlen(dn), norm, sizeof norm) < 0)
            return NULL;
        return apr_hash_get(w->ls->map, norm, APR_HASH_KEY_STRING);
    }
    char value[LDAPDN_MAX];
    long n = ldapdn_first_value(dn, strlen(dn), w->ls->name_attr, value,
                                sizeof value);
    return n > 0 ? apr_pstrmemdup(w->r->pool, value, (apr_size_t)n) : NULL;
}

/* The values the user's groups give.  Whole answers are kept in
 * AuthzPolicyCache by attrs.c (the key is src->identity's). */
static int fetch_ldap(request_rec *r, policy_request *rq, policy_attr a,
                      const attr_source *src, apr_array_header_t *values)
{
    (void)rq;
    (void)a;
    const policy_ldap_source *ls = src->ldap;
    group_walk w = { r, ls, NULL, apr_hash_make(r->pool),
                     apr_array_make(r->pool, 8, sizeof(const char *)) };
    int rc = 0;
    int needs_directory = !ls->env || ls->depth > 0;
    if (!r->user)
        return 0;                    /* nobody: in no group */
    if (needs_directory) {
        w.ldc = conn_find(r, ls->host, ls->port, ls->binddn, ls->bindpw,
                          always, ls->secure);
        if (!w.ldc) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00017)
                          "AuthzPolicyAttribute ldap: mod_ldap has no "
                          "connection to %s", ls->url);
            return -1;
        }
    }
    rc = walk_groups(&w);
    if (w.ldc)
        conn_close(w.ldc);
    if (rc < 0)
        return -1;
    for (int i = 0; i < w.found->nelts; i++) {
        const char *dn = APR_ARRAY_IDX(w.found, i, const char *);
        const char *value = group_value(&w, dn);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AZPLOGNO(00018)
                      "AuthzPolicyAttribute ldap: %s is in %s%s%s", r->user,
                      dn,
                      value ? ": " : "", value ? value : "");
        if (value)
            APR_ARRAY_PUSH(values, const char *) = value;
    }
    return 0;
}

/* env=: the user's memberOf values, which mod_authnz_ldap sets */
static const char *ldap_variable(const attr_source *src)
{
    return src->ldap->env;
}

const attr_source_type attr_source_ldap = {
    .name = "ldap", .usage = "ldap URL [OPTION...]",
    .min_args = 1, .max_args = -1,
    .parse = parse_ldap, .fetch = fetch_ldap,
    .gives_values = 1, .explain_variable = ldap_variable
};
