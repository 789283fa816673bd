/*
 * hidden: a denial mapped to 404, answered by the server's own handling of
 * a path that does not exist.
 *
 * Returning 404 from the phase that denied would answer every method the
 * same way; a missing path does not (OPTIONS, PUT, unknown methods,
 * Expect: 100-continue, a backend's own 404).  So the denied request is
 * moved onto a *decoy*, a path that does not exist in the same URL space,
 * the way mod_dir and mod_negotiation move a request onto the file they
 * picked: a look-up sub-request for the decoy with the request's method,
 * then ap_internal_fast_redirect().  The request keeps its method, headers,
 * body and URL, and the decoy's handlers answer it.
 *
 * The decoy is a sibling of the requested path (same directory, same
 * configuration, the name's extensions) unless AuthzPolicyHiddenPath names
 * one, for URL spaces that another server answers (mod_proxy).  A sibling
 * decoy is looked up without authorization and used only if nothing is
 * there: no file, no handler but one its extensions choose, not proxied.
 * A named decoy is authorized as any request for it and used only if it
 * is no local file; if the other server answers it with a success (other
 * than to OPTIONS), that answer is replaced before it goes out.
 * Otherwise the answer is a plain 404 and the error log says why, once
 * per process, server and area.  A hidden answer carries no
 * Vary of our checks: a missing path has none.
 */
#include "policy.h"
#include "request.h"
#include "hash.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"     /* ap_find_path_info */

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

APLOG_USE_MODULE(authz_policy);

/* A name no site is expected to hold; if one does, the decoy fails safe. */
#define DECOY_NAME "authz-policy-no-such-path"

/* The configurations already logged as having an unusable decoy: hashes
 * of the server and the area, never of a URL (a client picks those), in a
 * table of fixed size.  Once it is full nothing more is logged: an
 * administrator has a page of lines to act on by then. */
#define WARNED_MAX 256
static uint64_t warned[WARNED_MAX];
static unsigned warned_count;
#if APR_HAS_THREADS
static apr_thread_mutex_t *warned_lock;
#endif

void policy_hidden_child_init(apr_pool_t *p)
{
    warned_count = 0;
#if APR_HAS_THREADS
    apr_thread_mutex_create(&warned_lock, APR_THREAD_MUTEX_DEFAULT, p);
#else
    (void)p;
#endif
}

/* Once per process and configuration (the server and the area of the
 * denial): an attacker must not be able to fill the log or the memory by
 * asking for new paths, and one line is enough to tell the
 * administrator. */
static void warn_once(request_rec *r, const policy_area *area,
                      const char *decoy, const char *why)
{
    const char *id = apr_psprintf(r->pool, "%pp %s", (void *)r->server,
                                  area && area->name ? area->name : "");
    uint64_t key = hash_fnv1a64(id, strlen(id));
    int first = 0;
#if APR_HAS_THREADS
    if (warned_lock)
        apr_thread_mutex_lock(warned_lock);
#endif
    unsigned i;
    for (i = 0; i < warned_count && warned[i] != key; i++)
        ;
    if (i == warned_count && warned_count < WARNED_MAX) {
        warned[warned_count++] = key;
        first = 1;
    }
#if APR_HAS_THREADS
    if (warned_lock)
        apr_thread_mutex_unlock(warned_lock);
#endif
    if (first)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AZPLOGNO(00045)
                      "hidden denial of %s: the decoy %s %s; answering a "
                      "plain 404 (logged once per process and area)",
                      ap_escape_logitem(r->pool, r->uri),
                      ap_escape_logitem(r->pool, decoy), why);
}

/* Why the decoy cannot stand for a missing path, or NULL if it can.
 * by_name: its handler was chosen by its name (an extension), as it is for
 * any missing file of that name. */
static const char *unusable(request_rec *rr, int named, int by_name)
{
    if (rr->status != HTTP_OK)
        return apr_psprintf(rr->pool, "is refused (%d)", rr->status);
    if (rr->finfo.filetype != APR_NOFILE)
        return "exists";
    if (named)
        return NULL;        /* another server says whether it exists */
    if (rr->proxyreq)
        return "is proxied (set AuthzPolicyHiddenPath to a missing path "
               "there)";
    if (!by_name && rr->handler && strcmp(rr->handler, "default-handler"))
        return apr_psprintf(rr->pool, "is served by the handler %s",
                            rr->handler);
    return NULL;
}

/* The name's extensions, as mod_mime reads them: from its first dot on
 * (".txt", ".tar.gz"), or "". */
static const char *extensions(const char *uri)
{
    const char *name = strrchr(uri, '/');
    const char *dot = strchr(name ? name + 1 : uri, '.');
    return dot ? dot : "";
}

/* The sibling decoy: in the directory of the path the request maps to
 * (path info left out, or a file with path info would be found again),
 * with that name's extensions, so that the type, the handler and the
 * backend are chosen as for a missing file of that name. */
static const char *sibling_decoy(request_rec *r, int with_extensions)
{
    char *uri = apr_pstrdup(r->pool, r->uri);
    if (r->path_info && *r->path_info)
        uri[ap_find_path_info(uri, r->path_info)] = '\0';
    return apr_pstrcat(r->pool,
                       ap_escape_uri(r->pool,
                                     apr_pstrcat(r->pool,
                                                 ap_make_dirstr_parent(r->pool,
                                                                       uri),
                                                 DECOY_NAME,
                                                 with_extensions
                                                 ? extensions(uri) : "",
                                                 NULL)),
                       NULL);
}

/* A handler the sibling decoy got from its extensions (<FilesMatch
 * \.php$> SetHandler ...) answers any missing file of that name: it may
 * answer the decoy.  One the directory gives every name (a front
 * controller) may not: the decoy without extensions tells which. */
static int handler_by_name(request_rec *r, request_rec *rr)
{
    if (!rr->handler || !strcmp(rr->handler, "default-handler")
        || !*extensions(rr->uri))
        return 0;
    request_rec *bare = ap_sub_req_method_uri(r->method,
                                              sibling_decoy(r, 0), r, NULL);
    int by_name = bare->status == HTTP_OK
                  && bare->finfo.filetype == APR_NOFILE && !bare->proxyreq
                  && (!bare->handler
                      || !strcmp(bare->handler, "default-handler"));
    ap_destroy_sub_req(bare);
    return by_name;
}

int policy_hidden_answer(request_rec *r, policy_request *rq)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    const char *decoy = d->hidden_path ? d->hidden_path
                                       : sibling_decoy(r, 1);
    /* a missing path has no Vary of ours: our checks did not run there */
    policy_network_unvary(r, rq);

    rq->decoy_lookup = d->hidden_path ? DECOY_CHECKED : DECOY_UNCHECKED;
    request_rec *rr = ap_sub_req_method_uri(r->method, decoy, r, NULL);
    int by_name = !d->hidden_path && handler_by_name(r, rr);
    rq->decoy_lookup = DECOY_NONE;

    const char *why = unusable(rr, d->hidden_path != NULL, by_name);
    if (why) {
        warn_once(r, rq->denial_area, rr->uri ? rr->uri : decoy, why);
        ap_destroy_sub_req(rr);
        return HTTP_NOT_FOUND;
    }
    /* What shows the URL (logs, a dynamic ErrorDocument's REDIRECT_URL and
     * REDIRECT_QUERY_STRING) sees the request's own, as for a missing path
     * at that URL. */
    char *uri = r->uri, *args = r->args;
    ap_internal_fast_redirect(rr, r);
    r->uri = uri;
    r->args = args;
    /* the look-up started from a copy of our variables: keep one of each */
    apr_table_compress(r->subprocess_env, APR_OVERLAP_TABLES_SET);
    rq->hidden = 1;
    rq->decoy = rr->uri;
    return OK;
}

/* What a Basic client claims to be, before any password is checked. */
typedef enum {
    CLAIM_NONE,                  /* no Basic credentials */
    CLAIM_USER,                  /* a user name */
    CLAIM_MALFORMED              /* credentials that name no one: not
                                    base64, no colon, a NUL, no name */
} claim_kind;

/* The credentials' token is base64: its alphabet, then at most two '='
 * that make its length a multiple of four (without them, a length base64
 * can have), nothing after but spaces. */
static int strict_base64(const char *s)
{
    const char *p = s;
    while (apr_isalnum(*p) || *p == '+' || *p == '/')
        p++;
    const char *digits_end = p;
    for (int pad = 0; *p == '=' && pad < 2; pad++)
        p++;
    const char *end = p;
    while (*p == ' ' || *p == '\t')
        p++;
    apr_size_t n = end - s;
    return !*p && n > 0 && n % 4 != 1
           && (end == digits_end || n % 4 == 0);
}

static claim_kind claimed_basic_user(request_rec *r, char **user)
{
    const char *auth = apr_table_get(r->headers_in, "Authorization");
    if (!auth)
        return CLAIM_NONE;
    const char *scheme_end = auth;
    while (*scheme_end && !apr_isspace(*scheme_end))
        scheme_end++;
    if (scheme_end - auth != 5 || strncasecmp(auth, "Basic", 5))
        return CLAIM_NONE;
    while (apr_isspace(*scheme_end))
        scheme_end++;
    if (!strict_base64(scheme_end))
        return CLAIM_MALFORMED;
    char *decoded = apr_palloc(r->pool, apr_base64_decode_len(scheme_end));
    int len = apr_base64_decode(decoded, scheme_end);
    if (len <= 0 || memchr(decoded, '\0', len))
        return CLAIM_MALFORMED;
    decoded[len] = '\0';
    char *colon = strchr(decoded, ':');
    if (!colon || colon == decoded)
        return CLAIM_MALFORMED;
    *colon = '\0';
    *user = decoded;
    return CLAIM_USER;
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
 * back.  In that pass only providers that act on nothing run, with
 * attributes held without a query (checks.c); any other line makes the
 * chain answer 500, and the look-ahead concludes nothing.  If the name
 * cannot pass and that denial is hidden, the answer is the hidden one at
 * once: whether the password is right must not show in the time the
 * answer takes.  Look-ups too (a directory listing looks up each entry
 * with the client's credentials).
 *
 * Credentials that name no one (not base64, no colon, a NUL, an empty
 * name) are an unknown user's: the chain runs for a name no source holds,
 * and where that would pass (Require valid-user) or cannot be told, they
 * are refused as authentication refuses an unknown user, if that denial
 * is hidden.  Such credentials never log anyone in there.  Returns 0 to
 * go on as usual. */
int policy_hidden_claimed_user_fails(request_rec *r,
                                     int (*run_authz)(request_rec *),
                                     policy_reason *reason_out,
                                     const policy_require **blamed_out)
{
    if (r->proxyreq == PROXYREQ_PROXY)
        return 0;
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    const char *type = ap_auth_type(r);
    if (!any_hidden(d) || !type || strcasecmp(type, "Basic"))
        return 0;
    char *claimed = NULL;
    claim_kind claim = claimed_basic_user(r, &claimed);
    if (claim == CLAIM_NONE)
        return 0;

    policy_request *rq = policy_request_get(r, 1);
    const policy_request saved = *rq;
    char *user = r->user;
    const struct ap_logconf *log = r->log;
    apr_table_t *err_headers = apr_table_copy(r->pool, r->err_headers_out);
    struct ap_logconf quiet = { NULL, APLOG_CRIT };

    rq->blamed = NULL;
    rq->unchecked_user = 1;          /* until *rq = saved below */
    rq->looking_ahead = 1;
    r->user = claim == CLAIM_USER ? claimed : "";
    r->log = &quiet;
    int rv = run_authz(r);
    const policy_require *blamed = rq->blamed;
    policy_reason reason = policy_request_reason(rq);
    r->log = log;
    r->user = user;
    r->err_headers_out = err_headers;
    *rq = saved;                     /* attributes were the claimed user's */

    if ((rv != HTTP_FORBIDDEN && rv != HTTP_UNAUTHORIZED)
        || d->status[reason] != HTTP_NOT_FOUND) {
        if (claim != CLAIM_MALFORMED
            || d->status[REASON_ANONYMOUS] != HTTP_NOT_FOUND)
            return 0;
        reason = REASON_ANONYMOUS;   /* authentication's own refusal */
        blamed = NULL;
    }
    if (claim == CLAIM_MALFORMED)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AZPLOGNO(00046)
                      "malformed Basic credentials (reason %s): hidden "
                      "without checking a password",
                      reason_table[reason].name);
    else
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AZPLOGNO(00047)
                      "the claimed user %s cannot pass (reason %s): hidden "
                      "without checking a password",
                      ap_escape_logitem(r->pool, claimed),
                      reason_table[reason].name);
    *reason_out = reason;
    *blamed_out = blamed;
    return 1;
}


const char *policy_hidden_path_directive(cmd_parms *cmd, policy_dir_conf *d,
                                         const char *arg)
{
    if (arg[0] != '/' || strpbrk(arg, "?#") || ap_is_url(arg))
        return apr_pstrcat(cmd->pool, "AuthzPolicyHiddenPath: '", arg,
                           "' is not a local URL-path (/a/missing/path, no "
                           "query or fragment)", NULL);
    d->hidden_path = arg;
    return NULL;
}

/* Whether a decoy exists can be known only from its answer where another
 * server gives it (AuthzPolicyHiddenPath): a success other than OPTIONS
 * means it exists, and its content must not reach the client.  This
 * filter, in front of the response headers, replaces such an answer by a
 * plain 404 and drops the rest of it. */
#define GUARD_FILTER "AUTHZ_POLICY_DECOY_GUARD"

typedef struct {
    int decided;
    int replaced;            /* the answer was replaced: drop what follows */
    int sending;             /* the plain 404 is going through */
} guard_state;

static apr_status_t decoy_guard(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    guard_state *g = f->ctx;
    if (!g)
        g = f->ctx = apr_pcalloc(r->pool, sizeof *g);
    if (g->sending)
        return ap_pass_brigade(f->next, bb);
    if (g->replaced) {
        apr_brigade_cleanup(bb);
        return APR_SUCCESS;
    }
    if (!g->decided) {
        g->decided = 1;
        if (ap_is_HTTP_SUCCESS(r->status) && r->method_number != M_OPTIONS) {
            policy_request *rq = policy_request_get(r, 0);
            warn_once(r, rq ? rq->denial_area : NULL,
                      rq && rq->decoy ? rq->decoy : "?",
                      apr_psprintf(r->pool, "answered %d", r->status));
            apr_brigade_cleanup(bb);
            g->replaced = 1;
            r->status = HTTP_NOT_FOUND;
            r->status_line = NULL;
            g->sending = 1;
            ap_send_error_response(r, 0);
            g->sending = 0;
            /* it started the filters over from the protocol ones: what
             * the handler still sends must come here to be dropped */
            r->output_filters = f;
            return APR_SUCCESS;
        }
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void insert_guard(request_rec *r)
{
    policy_request *rq = policy_request_get(r, 0);
    if (rq && rq->hidden)
        ap_add_output_filter(GUARD_FILTER, NULL, r, r->connection);
}

void policy_hidden_register(apr_pool_t *p)
{
    (void)p;
    ap_register_output_filter(GUARD_FILTER, decoy_guard, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_filter(insert_guard, NULL, NULL, APR_HOOK_MIDDLE);
}
