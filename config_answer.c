/*
 * config_answer: the directives that say how a denial is answered
 * (docs/denials.md): its status, the body's format and detail, messages,
 * error documents, links, where a hidden denial is answered from, and
 * whether the server's other refusals are answered too.
 * Their entries are in config.c's command table.
 */
#include "policy.h"
#include "config.h"

#include "http_core.h"
#include <apr_strings.h>

static const char *reason_arg(cmd_parms *cmd, const char *directive,
                              const char *arg, int *reason)
{
    *reason = reason_by_name(arg);
    if (*reason >= 0)
        return NULL;
    const char *err = policy_refuse_comment(cmd->pool, directive, arg);
    if (err)
        return err;
    char names[256];                /* "anonymous, role, ... or other" */
    reason_name_list(names, sizeof names);
    return apr_psprintf(cmd->pool, "%s: unknown reason '%s' (%s)",
                        directive, arg, names);
}

static int reason_status_valid(int reason, int status)
{
    if (reason == REASON_ERROR)
        return 0;                       /* a failure stays a 500 */
    if (reason == REASON_ANONYMOUS)
        return status == 401 || status == 404;
    return status == 403 || status == 404 || status == 451;
}

const char *policy_set_deny_status(cmd_parms *cmd, void *dirv, int argc,
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
                                  " or 404)"
                                : reason == REASON_ERROR
                                ? " (a source that failed is always a 500)"
                                : " (use 403, 404 or 451)");
        d->status[reason] = (int)status;
    }
    d->responds = 1;
    return NULL;
}

/* The index of arg among names (NULL-terminated, case-insensitive), or
 * -1. */
static int keyword_index(const char *arg, const char *const names[])
{
    for (int i = 0; names[i]; i++)
        if (!strcasecmp(arg, names[i]))
            return i;
    return -1;
}

/* The values of FORMAT_* and DETAIL_* after UNSET, in order. */
static const char *const format_names[] = { "auto", "html", "json",
                                            "problem", NULL };
static const char *const detail_names[] = { "none", "reason", "full", NULL };

const char *policy_set_error_format(cmd_parms *cmd, void *dirv,
                                    const char *arg)
{
    policy_dir_conf *d = dirv;
    int i = keyword_index(arg, format_names);
    if (i < 0)
        return apr_psprintf(cmd->pool, "AuthzPolicyErrorFormat: '%s' is not "
                            "auto, html, json or problem", arg);
    d->format = (policy_format)(FORMAT_AUTO + i);
    d->responds = 1;
    return NULL;
}

const char *policy_set_error_detail(cmd_parms *cmd, void *dirv,
                                    const char *arg)
{
    policy_dir_conf *d = dirv;
    int i = keyword_index(arg, detail_names);
    if (i < 0)
        return apr_psprintf(cmd->pool, "AuthzPolicyErrorDetail: '%s' is not "
                            "none, reason or full", arg);
    d->detail = (policy_detail)(DETAIL_NONE + i);
    d->responds = 1;
    return NULL;
}

const char *policy_set_message(cmd_parms *cmd, void *dirv, const char *r,
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

const char *policy_set_errordoc(cmd_parms *cmd, void *dirv, const char *r,
                                const char *doc)
{
    policy_dir_conf *d = dirv;
    int reason;
    const char *err = reason_arg(cmd, "AuthzPolicyErrorDocument", r, &reason);
    if (err)
        return err;
    /* A full URL would make ap_die answer 302 and lose the status, which
     * the answer must keep (docs/denials.md): only local paths and text.
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

const char *policy_set_documentation(cmd_parms *cmd, void *dirv,
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

const char *policy_set_blocked_by(cmd_parms *cmd, void *dirv, const char *url)
{
    policy_dir_conf *d = dirv;
    const char *err = check_link(cmd->pool, "AuthzPolicyBlockedBy", url);
    if (err)
        return err;
    d->blocked_by = url;
    d->responds = 1;
    return NULL;
}

/* Asked by takeover.c of the access_checker chain's denials alone: it
 * does not make the module take part in the area's other denials (as
 * the response directives do), so that "off" leaves the server stock. */
const char *policy_set_server_denials(cmd_parms *cmd, void *dirv, int on)
{
    policy_dir_conf *d = dirv;
    d->server_denials = on;
    d->server_denials_set = 1;
    d->server_denials_htaccess = !(cmd->override & (ACCESS_CONF | RSRC_CONF));
    return NULL;
}

const char *policy_set_hidden_path(cmd_parms *cmd, void *dirv,
                                   const char *path)
{
    return policy_hidden_path_directive(cmd, dirv, path);
}

