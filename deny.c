/*
 * deny: the answer to a denied request.
 *
 * Called after mod_authz_core (or the authentication phase) has decided
 * that a request is denied, with the reason this module blames.  It picks
 * the status (AuthzPolicyDenyStatus), records the reason (environment and
 * one log line), and prepares headers and body.  Nothing here writes to the
 * client: the body is handed to ap_die() as a custom response, so
 * ErrorDocument, mod_headers' "always" headers and every error filter work
 * as they do for any other error.
 *
 * A hidden 404 is only a status: everything this module or the
 * authentication phase added is taken back, and ap_die() then answers
 * exactly as it answers a path that does not exist.
 */
#include "policy.h"
#include "request.h"
#include "escape.h"
#include "negotiate.h"

#include "http_core.h"
#include "mod_core.h"     /* ap_response_code_string: the server's ErrorDocument */
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include <apr_strings.h>

APLOG_USE_MODULE(authz_policy);

#define BODY_FILTER "AUTHZ_POLICY_BODY"

static const char *generic_message(int status)
{
    switch (status) {
    case HTTP_UNAUTHORIZED:
        return "Authentication is required to access this resource.";
    case HTTP_UNAVAILABLE_FOR_LEGAL_REASONS:
        return "This resource is unavailable for legal reasons.";
    case HTTP_INTERNAL_SERVER_ERROR:   /* names nothing already */
        return reason_table[REASON_ERROR].message;
    default:
        return "You are not allowed to access this resource.";
    }
}

static const char *comma_list(apr_pool_t *p, const policy_require *req)
{
    const char *s = req->values[0];
    for (unsigned i = 1; i < req->nvalues; i++)
        s = apr_pstrcat(p, s, ", ", req->values[i], NULL);
    return s;
}

/* Level "full": what the deciding check required, never what the user
 * holds. */
static const char *full_message(apr_pool_t *p, policy_reason reason,
                                const policy_require *req)
{
    if (!req || !req->nvalues)          /* Require same-origin alone */
        return reason_table[reason].message;
    const char *list = comma_list(p, req);
    switch (reason) {
    case REASON_ROLE:
        return req->negated
            ? apr_pstrcat(p, "Holders of these roles may not access this "
                          "resource: ", list, ".", NULL)
            : apr_pstrcat(p, "This resource requires one of these roles: ",
                          list, ".", NULL);
    case REASON_PLAN:
        return req->negated
            ? apr_pstrcat(p, "These plans may not access this resource: ",
                          list, ".", NULL)
            : apr_pstrcat(p, "This resource requires the ",
                          req->lowest_plan ? req->lowest_plan : list,
                          " plan or a higher one.", NULL);
    case REASON_SCOPE:
        return req->negated
            ? apr_pstrcat(p, "These scopes may not access this resource: ",
                          list, ".", NULL)
            : apr_pstrcat(p, "This resource requires one of these scopes: ",
                          list, ".", NULL);
    default:
        return reason_table[reason].message;
    }
}

static const char *html_esc(apr_pool_t *p, const char *s)
{
    size_t len = strlen(s);
    char *d = apr_palloc(p, ESCAPE_HTML_MAX(len));
    escape_html(d, s, len);
    return d;
}

static const char *json_str(apr_pool_t *p, const char *s)
{
    size_t len = strlen(s);
    char *d = apr_palloc(p, ESCAPE_JSON_MAX(len) + 2);
    d[0] = '"';
    size_t n = escape_json(d + 1, s, len);
    d[n + 1] = '"';
    d[n + 2] = '\0';
    return d;
}

const char *policy_json_string(apr_pool_t *p, const char *s)
{
    return json_str(p, s);
}

static policy_format chosen_format(request_rec *r, const policy_dir_conf *d)
{
    if (d->format && d->format != FORMAT_AUTO)
        return d->format;
    switch (negotiate_error_format(apr_table_get(r->headers_in, "Accept"))) {
    case NEGOTIATED_JSON:
        return FORMAT_JSON;
    case NEGOTIATED_PROBLEM:
        return FORMAT_PROBLEM;
    default:
        return FORMAT_HTML;
    }
}

/* A bearer request denied for its scopes is told which it needs
 * (RFC 6750 section 3.1).  Scope tokens cannot hold '"' or '\'; any such
 * byte in a configured value is left out rather than break the header. */
static void bearer_challenge(request_rec *r, const policy_require *req)
{
    const char *auth = apr_table_get(r->headers_in, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !req || req->negated)
        return;
    char *scopes = apr_pstrdup(r->pool, req->required);
    for (char *c = scopes; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
            *c = ' ';
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   apr_psprintf(r->pool, "Bearer error=\"insufficient_scope\","
                                " scope=\"%s\"", scopes));
}

/* On a forward proxy ap_die() answers 401 as 407 (proxy authentication):
 * the status the client is sent. */
static int status_sent(const request_rec *r, int status)
{
    return status == HTTP_UNAUTHORIZED && r->proxyreq == PROXYREQ_PROXY
           ? HTTP_PROXY_AUTHENTICATION_REQUIRED : status;
}

/* ap_die() looks up the custom response of the status it is given, and
 * ap_send_error_response() that of the status sent: on a forward proxy
 * (401 sent as 407) the response is set for both. */
static void custom_response(request_rec *r, int status, const char *text)
{
    ap_custom_response(r, status, text);
    if (status_sent(r, status) != status)
        ap_custom_response(r, status_sent(r, status), text);
}

/* The page for browsers: the status, the message, and the configured
 * links. */
static const char *html_body(request_rec *r, const policy_dir_conf *d,
                             int status, const char *message)
{
    const char *title = ap_get_status_line(status_sent(r, status));
    return apr_pstrcat(r->pool,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<title>", title, "</title></head>\n<body>\n<h1>", title + 4,
        "</h1>\n<p>", html_esc(r->pool, message), "</p>\n",
        status == HTTP_UNAVAILABLE_FOR_LEGAL_REASONS && d->blocked_by
        ? apr_pstrcat(r->pool, "<p><a rel=\"blocked-by\" href=\"",
                      html_esc(r->pool, d->blocked_by),
                      "\">Who blocked this resource</a></p>\n", NULL)
        : "",
        d->documentation
        ? apr_pstrcat(r->pool, "<p><a href=\"",
                      html_esc(r->pool, d->documentation),
                      "\">More information</a></p>\n", NULL)
        : "",
        "</body></html>\n", NULL);
}

static const char *json_body(request_rec *r, const policy_dir_conf *d,
                             const char *code, const char *message)
{
    return apr_pstrcat(r->pool, "{\"error\": ", json_str(r->pool, code),
                       ", \"message\": ", json_str(r->pool, message),
                       d->documentation ? ", \"documentation\": " : "",
                       d->documentation ? json_str(r->pool, d->documentation)
                                        : "",
                       "}\n", NULL);
}

/* RFC 9457 problem details. */
static const char *problem_body(request_rec *r, const policy_dir_conf *d,
                                int status, const char *code,
                                const char *message)
{
    return apr_psprintf(r->pool,
                        "{\"type\": %s, \"title\": %s, \"status\": %d, "
                        "\"detail\": %s, \"error\": %s}\n",
                        json_str(r->pool, d->documentation
                                 ? d->documentation : "about:blank"),
                        json_str(r->pool,
                                 ap_get_status_line(status_sent(r, status))
                                 + 4),
                        status_sent(r, status), json_str(r->pool, message),
                        json_str(r->pool, code));
}

/* The body of a denial that is not hidden, handed to ap_die() as a custom
 * response; or the configured error document. */
static int answer_with_body(request_rec *r, policy_request *rq,
                            const policy_dir_conf *d, policy_reason reason,
                            const policy_require *req, int status)
{
    policy_detail detail = d->detail ? d->detail : DETAIL_REASON;
    /* a failure's code says nothing of the policy: "none" keeps it */
    const char *code = detail == DETAIL_NONE && reason != REASON_ERROR
        ? (status == HTTP_UNAUTHORIZED ? reason_table[REASON_ANONYMOUS].code
                                       : reason_table[REASON_OTHER].code)
        : reason_table[reason].code;
    const char *message = d->message[reason];
    if (!message)
        message = detail == DETAIL_NONE ? generic_message(status)
                  : detail == DETAIL_FULL ? full_message(r->pool, reason, req)
                  : reason_table[reason].message;

    policy_format format = chosen_format(r, d);
    const char *body;
    if (format == FORMAT_HTML) {
        if (d->errordoc[reason]) {
            custom_response(r, status, d->errordoc[reason]);
            return status;
        }
        int sent = status_sent(r, status);
        const char *server_doc =        /* the server's ErrorDocument */
            ap_response_code_string(r, ap_index_of_response(sent));
        if (server_doc) {
            if (sent != status)         /* ap_die() redirects by 401's */
                ap_custom_response(r, status,
                                   server_doc + (*server_doc == '"'));
            return status;
        }
        body = html_body(r, d, status, message);
    }
    else if (format == FORMAT_JSON) {
        body = json_body(r, d, code, message);
    }
    else {
        body = problem_body(r, d, status, code, message);
    }
    /* A text custom response: ap_custom_response() marks it as text (our
     * bodies start with '<' or '{', never with '/'). */
    custom_response(r, status, body);
    rq->body_format = format;
    return status;
}

static void drop_challenge(request_rec *r)
{
    apr_table_unset(r->err_headers_out, "WWW-Authenticate");
    apr_table_unset(r->err_headers_out, "Proxy-Authenticate");
}

int policy_report(request_rec *r, policy_request *rq, policy_reason reason,
                  const policy_require *blamed)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    int status = status_sent(r, d->status[reason] ? d->status[reason]
                                : reason_table[reason].default_status);
    drop_challenge(r);               /* the request goes on */
    policy_decision_record(r, rq, 1, reason, blamed, status);
    rq->reported = 1;
    return OK;
}

int policy_deny(request_rec *r, policy_request *rq, policy_reason reason,
                const policy_require *blamed)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    int status = d->status[reason] ? d->status[reason]
                                   : reason_table[reason].default_status;

    /* Only a 401 asks for credentials; the challenge that authentication
     * or mod_authz_core added goes for any other answer. */
    if (status != HTTP_UNAUTHORIZED)
        drop_challenge(r);
    int sent = status_sent(r, status);
    policy_decision_record(r, rq, 0, reason, blamed, sent);
    rq->denial_status = sent;
    rq->body_format = FORMAT_UNSET;

    if (status == HTTP_NOT_FOUND) {
        /* A real 404 carries no error-notes (a dynamic ErrorDocument
         * could show them). */
        apr_table_unset(r->notes, "error-notes");
        /* Look-ups get the status; the client gets what a missing path
         * gets, method by method. */
        return r->main ? HTTP_NOT_FOUND : policy_hidden_answer(r, rq);
    }

    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (status == HTTP_UNAVAILABLE_FOR_LEGAL_REASONS && d->blocked_by)
        apr_table_setn(r->err_headers_out, "Link",
                       apr_pstrcat(r->pool, "<", d->blocked_by,
                                   ">; rel=\"blocked-by\"", NULL));
    if (reason == REASON_SCOPE)
        bearer_challenge(r, blamed);

    /* Look-ups get the status alone. */
    if (r->main)
        return status;
    return answer_with_body(r, rq, d, reason, blamed, status);
}

/* ap_send_error_response() labels every custom text "text/html;
 * charset=iso-8859-1"; this filter, in place before the headers go out,
 * gives our bodies their own type. */
static apr_status_t body_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    policy_request *rq = policy_request_get(r, 0);
    if (rq) {
        switch (rq->body_format) {
        case FORMAT_JSON:
            ap_set_content_type(r, "application/json");
            break;
        case FORMAT_PROBLEM:
            ap_set_content_type(r, "application/problem+json");
            break;
        case FORMAT_HTML:
            ap_set_content_type(r, "text/html; charset=utf-8");
            break;
        default:
            break;
        }
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void insert_error_filter(request_rec *r)
{
    policy_request *rq = policy_request_get(r, 0);
    if (rq && rq->body_format != FORMAT_UNSET
        && r->status == rq->denial_status)
        ap_add_output_filter(BODY_FILTER, NULL, r, r->connection);
}

void policy_deny_register(apr_pool_t *p)
{
    (void)p;
    ap_register_output_filter(BODY_FILTER, body_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
}
