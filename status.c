/*
 * status: `SetHandler authz-policy-status`, the counters for people (an
 * HTML page) and for machines (?format=json, ?format=prometheus:
 * status_text.c); a section of mod_status's page and its ?auto lines.
 * The administrator protects the page as mod_status's (docs/watching.md);
 * where an .htaccess file took part, the page and the section answer only
 * with AuthzPolicyHtaccessHandlers on (policy_handler_refused, config.c).
 */
#include "status.h"
#include "attrs_source.h"

#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_status.h"
#include <apr_optional_hooks.h>
#include <apr_strings.h>

#include "escape.h"

#define HANDLER "authz-policy-status"

/* ------------------------------------------------------------------ */
/* Areas and shadows at 0 from startup                                  */

static void add_section(const ap_conf_vector_t *section)
{
    const policy_dir_conf *d = ap_get_module_config(section,
                                                    &authz_policy_module);
    if (!d)
        return;
    if (d->area)
        policy_metrics_add_area(d->area->name);
    for (int i = 0; d->shadows && i < d->shadows->nelts; i++)
        policy_metrics_add_shadow(policy_shadow_name(
            APR_ARRAY_IDX(d->shadows, i, policy_shadow *)));
}

static void add_sections(const apr_array_header_t *sections)
{
    for (int i = 0; sections && i < sections->nelts; i++) {
        ap_conf_vector_t *section = APR_ARRAY_IDX(sections, i,
                                                  ap_conf_vector_t *);
        add_section(section);
        const core_dir_config *core = ap_get_core_module_config(section);
        if (core && core->sec_file)         /* <Files> inside <Directory> */
            add_sections(core->sec_file);
    }
}

void policy_status_post_config(server_rec *s)
{
    for (; s; s = s->next) {
        const core_server_config *core =
            ap_get_core_module_config(s->module_config);
        add_section(s->lookup_defaults);
        add_sections(core->sec_dir);
        add_sections(core->sec_url);
        const core_dir_config *dc =
            ap_get_core_module_config(s->lookup_defaults);
        if (dc)
            add_sections(dc->sec_file);
    }
}

/* ------------------------------------------------------------------ */
/* The HTML page                                                        */

static const char *html(apr_pool_t *p, const char *s)
{
    return policy_status_escaped(p, s, escape_html, ESCAPE_HTML_MAX(1) - 1);
}

/* "deny role 403: 2, would_deny iplist 403: 1" */
static const char *breakdown(apr_pool_t *p, _Atomic uint64_t *c)
{
    const char *out = "";
    char buf[8];
    mtab_denial n;
    for (unsigned slot = 0; mtab_next_denial(c, &slot, &n);)
        out = apr_psprintf(p, "%s%s%s %s %s: %" APR_UINT64_T_FMT, out,
                           *out ? ", " : "", mtab_decision_label[n.decision],
                           reason_table[n.reason].name,
                           mtab_status_label(n.status, buf), n.count);
    return out;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const metrics_entry *)a)->name,
                  ((const metrics_entry *)b)->name);
}

/* A table's entries sorted by name (the table keeps them in hash order),
 * so that a person finds an area where they look for it. */
static apr_array_header_t *sorted(apr_pool_t *p, const mtab *table)
{
    apr_array_header_t *all = apr_array_make(p, 16, sizeof(metrics_entry));
    metrics_entry e;
    for (metrics_walk w = { table, 0 }; metrics_next(&w, &e);)
        APR_ARRAY_PUSH(all, metrics_entry) = e;
    qsort(all->elts, (size_t)all->nelts, sizeof(metrics_entry), by_name);
    return all;
}

static void html_areas(request_rec *r, const policy_metrics *m)
{
    ap_rputs("<h2>Areas</h2>\n<table border=\"1\">\n<tr><th>area</th>"
             "<th>grants</th><th>denials</th><th>would deny</th>"
             "<th>by reason and status</th></tr>\n", r);
    apr_array_header_t *areas = sorted(r->pool, &m->areas);
    for (int i = 0; i < areas->nelts; i++) {
        metrics_entry e = APR_ARRAY_IDX(areas, i, metrics_entry);
        uint64_t t[MDEC_COUNT];
        mtab_area_totals(e.counters, t);
        ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%"
                   APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
                   "</td><td>%s</td></tr>\n", html(r->pool, e.name),
                   t[MDEC_GRANT], t[MDEC_DENY], t[MDEC_WOULD_DENY],
                   breakdown(r->pool, e.counters));
    }
    ap_rputs("</table>\n<h2>Shadows</h2>\n<table border=\"1\">\n<tr><th>"
             "shadow</th><th>grant</th><th>deny</th></tr>\n", r);
    apr_array_header_t *shadows = sorted(r->pool, &m->shadows);
    for (int i = 0; i < shadows->nelts; i++) {
        metrics_entry e = APR_ARRAY_IDX(shadows, i, metrics_entry);
        ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%"
                   APR_UINT64_T_FMT "</td></tr>\n", html(r->pool, e.name),
                   (uint64_t)e.counters[0], (uint64_t)e.counters[1]);
    }
    if (!shadows->nelts)
        ap_rputs("<tr><td colspan=\"3\">No shadow policy is configured "
                 "(&lt;AuthzPolicyShadow&gt;, docs/rollout.md).</td></tr>\n",
                 r);
    ap_rputs("</table>\n", r);
}

static void html_files(request_rec *r, const policy_metrics *m)
{
    ap_rputs("<h2>Data files</h2>\n<table border=\"1\">\n<tr><th>file</th>"
             "<th>kind</th><th>entries</th><th>loaded</th><th>reloads</th>"
             "<th>failed reloads</th><th>last error</th></tr>\n", r);
    apr_array_header_t *files = sorted(r->pool, &m->files);
    for (int i = 0; i < files->nelts; i++) {
        metrics_entry e = APR_ARRAY_IDX(files, i, metrics_entry);
        char err[sizeof ((metrics_file_extra *)0)->last_error];
        char when[APR_RFC822_DATE_LEN] = "";
        policy_metrics_file_error(e.counters, err, sizeof err);
        if (e.counters[MF_LOADED])
            apr_rfc822_date(when, apr_time_from_sec(e.counters[MF_LOADED]));
        ap_rprintf(r, "<tr><td>%s</td><td>%s</td><td>%" APR_UINT64_T_FMT
                   "</td><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%"
                   APR_UINT64_T_FMT "</td><td>%s</td></tr>\n",
                   html(r->pool, e.name),
                   policy_metrics_kind_label(e.counters[MF_KIND]),
                   (uint64_t)e.counters[MF_ENTRIES], when,
                   (uint64_t)e.counters[MF_RELOAD_OK],
                   (uint64_t)e.counters[MF_RELOAD_ERROR], html(r->pool, err));
    }
    ap_rputs("</table>\n", r);
}

static void status_html(request_rec *r, const policy_metrics *m)
{
    ap_set_content_type(r, "text/html; charset=utf-8");
    if (r->header_only)
        return;
    char started[APR_RFC822_DATE_LEN];
    apr_rfc822_date(started, m->started);
    ap_rprintf(r, "<!DOCTYPE html>\n<html><head><title>mod_authz_policy "
               "status</title></head><body>\n<h1>mod_authz_policy %s</h1>\n"
               "<p>Counted since %s.</p>\n", AUTHZ_POLICY_VERSION, started);
    html_areas(r, m);
    html_files(r, m);
    uint64_t hit = m->global[MG_CACHE_HIT], miss = m->global[MG_CACHE_MISS];
    ap_rputs("<h2>Attribute sources</h2>\n<p>Failing look-ups:", r);
    for (int k = 0; k < ASRC_COUNT; k++)
        ap_rprintf(r, "%s %s %" APR_UINT64_T_FMT, k ? "," : "",
                   attr_source_types[k]->name,
                   (uint64_t)m->global[MG_SOURCE_ERRORS + k]);
    ap_rprintf(r, ".</p>\n<p>Cache: %" APR_UINT64_T_FMT
               " hits, %" APR_UINT64_T_FMT " misses (hit rate %s).</p>\n"
               "</body></html>\n", hit, miss,
               hit + miss ? apr_psprintf(r->pool, "%.1f%%",
                                         100.0 * hit / (hit + miss))
                          : "-");
}

/* ------------------------------------------------------------------ */
/* The handler and mod_status                                           */

static int status_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, HANDLER))
        return DECLINED;
    /* set by a customer, perhaps: as explain.c answers */
    if (policy_handler_refused(r, "the " HANDLER " handler answers 404"))
        return HTTP_NOT_FOUND;
    r->allowed |= AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    const policy_metrics *m = policy_metrics_get();
    if (!m)
        return HTTP_SERVICE_UNAVAILABLE;
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    const char *format = NULL;
    for (const char *args = r->args; args && *args;) {
        char *pair = ap_getword(r->pool, &args, '&');
        if (!strncmp(pair, "format=", 7))
            format = pair + 7;
    }
    if (format && !strcmp(format, "json"))
        policy_status_json(r, m);
    else if (format && !strcmp(format, "prometheus"))
        policy_status_prometheus(r, m);
    else if (!format || !strcmp(format, "html"))
        status_html(r, m);
    else
        return HTTP_BAD_REQUEST;
    return OK;
}

static void totals(const policy_metrics *m, uint64_t sum[MDEC_COUNT])
{
    memset(sum, 0, MDEC_COUNT * sizeof *sum);
    metrics_entry e;
    for (metrics_walk w = { &m->areas, 0 }; metrics_next(&w, &e);) {
        uint64_t t[MDEC_COUNT];
        mtab_area_totals(e.counters, t);
        for (int d = 0; d < MDEC_COUNT; d++)
            sum[d] += t[d];
    }
}

/* mod_status's page is mod_status's to answer; where a customer may
 * have mounted it, the module's part is left out. */
static int status_section(request_rec *r, int flags)
{
    const policy_metrics *m = policy_metrics_get();
    if (!m || policy_handler_refused(r, "server-status leaves out "
                                        "mod_authz_policy's section"))
        return OK;
    uint64_t sum[MDEC_COUNT];
    totals(m, sum);
    if (flags & AP_STATUS_SHORT) {
        ap_rprintf(r, "AuthzPolicyGrants: %" APR_UINT64_T_FMT "\n"
                   "AuthzPolicyDenials: %" APR_UINT64_T_FMT "\n"
                   "AuthzPolicyWouldDeny: %" APR_UINT64_T_FMT "\n",
                   sum[MDEC_GRANT], sum[MDEC_DENY], sum[MDEC_WOULD_DENY]);
        return OK;
    }
    ap_rprintf(r, "<hr />\n<h2>mod_authz_policy %s</h2>\n<dl><dt>Grants: %"
               APR_UINT64_T_FMT "</dt><dt>Denials: %" APR_UINT64_T_FMT
               "</dt><dt>Would deny (report mode): %" APR_UINT64_T_FMT
               "</dt></dl>\n<p>Areas, shadows and data files: the "
               "authz-policy-status handler.</p>\n", AUTHZ_POLICY_VERSION,
               sum[MDEC_GRANT], sum[MDEC_DENY], sum[MDEC_WOULD_DENY]);
    return OK;
}

void policy_status_register(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, status_section, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
