/*
 * status_text: the counters as the status page's machine formats: the
 * JSON document and the Prometheus text format 0.0.4 (metric names and
 * labels: docs/watching.md).
 *
 * Prometheus: every area and shadow listed has its grant (and shadow
 * result) series, at 0 too; a denial series appears once it counted.
 * Label values are escaped by mtab_escape_label, JSON strings by
 * escape_json.
 */
#include "status.h"
#include "attrs_source.h"

#include "http_protocol.h"
#include <apr_strings.h>

#include "escape.h"

const char *policy_status_escaped(apr_pool_t *p, const char *s,
                                  status_escape escape, size_t per_byte)
{
    size_t len = strlen(s);
    char *out = apr_palloc(p, len * per_byte + 1);
    escape(out, s, len);
    return out;
}

static const char *json_str(apr_pool_t *p, const char *s)
{
    return policy_status_escaped(p, s, escape_json, ESCAPE_JSON_MAX(1) - 1);
}

static const char *label(apr_pool_t *p, const char *s)
{
    return policy_status_escaped(p, s, mtab_escape_label,
                                 MTAB_LABEL_MAX(1) - 1);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

static void json_area(request_rec *r, const char *name, _Atomic uint64_t *c,
                      int first)
{
    uint64_t t[MDEC_COUNT];
    mtab_area_totals(c, t);
    ap_rprintf(r, "%s\n  {\"name\": \"%s\", \"grant\": %" APR_UINT64_T_FMT
               ", \"deny\": %" APR_UINT64_T_FMT ", \"would_deny\": %"
               APR_UINT64_T_FMT ", \"denials\": [", first ? "" : ",",
               json_str(r->pool, name), t[MDEC_GRANT], t[MDEC_DENY],
               t[MDEC_WOULD_DENY]);
    char buf[8];
    mtab_denial n;
    const char *sep = "";
    for (unsigned slot = 0; mtab_next_denial(c, &slot, &n); sep = ", ")
        /* a number, as explain gives it; null for one outside the list
         * the counters keep (Prometheus's "other") */
        ap_rprintf(r, "%s{\"decision\": \"%s\", \"reason\": \"%s\", "
                   "\"status\": %s, \"count\": %" APR_UINT64_T_FMT "}",
                   sep,
                   mtab_decision_label[n.decision],
                   reason_table[n.reason].name,
                   n.status < MTAB_STATUS_OTHER
                   ? mtab_status_label(n.status, buf) : "null", n.count);
    ap_rputs("]}", r);
}

static void json_file(request_rec *r, const char *name, _Atomic uint64_t *c,
                      int first)
{
    char err[sizeof ((metrics_file_extra *)0)->last_error];
    policy_metrics_file_error(c, err, sizeof err);
    ap_rprintf(r, "%s\n  {\"file\": \"%s\", \"kind\": \"%s\", \"entries\": %"
               APR_UINT64_T_FMT ", \"loaded\": %" APR_UINT64_T_FMT
               ", \"reloads_ok\": %" APR_UINT64_T_FMT ", \"reloads_error\": %"
               APR_UINT64_T_FMT ", \"last_error\": \"%s\"}",
               first ? "" : ",", json_str(r->pool, name),
               policy_metrics_kind_label(c[MF_KIND]), (uint64_t)c[MF_ENTRIES],
               (uint64_t)c[MF_LOADED], (uint64_t)c[MF_RELOAD_OK],
               (uint64_t)c[MF_RELOAD_ERROR], json_str(r->pool, err));
}

void policy_status_json(request_rec *r, const policy_metrics *m)
{
    ap_set_content_type(r, "application/json");
    if (r->header_only)
        return;
    ap_rprintf(r, "{\"version\": \"%s\", \"started\": %" APR_TIME_T_FMT
               ",\n \"areas\": [", AUTHZ_POLICY_VERSION,
               apr_time_sec(m->started));
    int n = 0;
    metrics_entry e;
    for (metrics_walk w = { &m->areas, 0 }; metrics_next(&w, &e);)
        json_area(r, e.name, e.counters, !n++);
    ap_rputs("],\n \"shadows\": [", r);
    n = 0;
    for (metrics_walk w = { &m->shadows, 0 }; metrics_next(&w, &e);)
        ap_rprintf(r, "%s\n  {\"name\": \"%s\", \"grant\": %" APR_UINT64_T_FMT
                   ", \"deny\": %" APR_UINT64_T_FMT "}", n++ ? "," : "",
                   json_str(r->pool, e.name), (uint64_t)e.counters[0],
                   (uint64_t)e.counters[1]);
    ap_rputs("],\n \"datafiles\": [", r);
    n = 0;
    for (metrics_walk w = { &m->files, 0 }; metrics_next(&w, &e);)
        json_file(r, e.name, e.counters, !n++);
    ap_rputs("],\n \"source_errors\": {", r);
    for (int k = 0; k < ASRC_COUNT; k++)
        ap_rprintf(r, "%s\"%s\": %" APR_UINT64_T_FMT, k ? ", " : "",
                   attr_source_types[k]->name,
                   (uint64_t)m->global[MG_SOURCE_ERRORS + k]);
    ap_rprintf(r, "},\n \"cache\": {\"hit\": %" APR_UINT64_T_FMT
               ", \"miss\": %" APR_UINT64_T_FMT "}\n}\n",
               (uint64_t)m->global[MG_CACHE_HIT],
               (uint64_t)m->global[MG_CACHE_MISS]);
}

/* ------------------------------------------------------------------ */
/* Prometheus                                                           */

static void family(request_rec *r, const char *name, const char *type,
                   const char *help)
{
    ap_rprintf(r, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_decisions(request_rec *r, const policy_metrics *m)
{
    family(r, "authz_policy_decisions_total", "counter",
           "Decisions by area, decision, reason and status sent.");
    metrics_entry e;
    char buf[8];
    for (metrics_walk w = { &m->areas, 0 }; metrics_next(&w, &e);) {
        const char *area = label(r->pool, e.name);
        ap_rprintf(r, "authz_policy_decisions_total{area=\"%s\",decision="
                   "\"grant\",reason=\"\",status=\"\"} %" APR_UINT64_T_FMT
                   "\n", area, (uint64_t)e.counters[0]);
        mtab_denial n;
        for (unsigned slot = 0; mtab_next_denial(e.counters, &slot, &n);)
            ap_rprintf(r, "authz_policy_decisions_total{area=\"%s\","
                       "decision=\"%s\",reason=\"%s\",status=\"%s\"} %"
                       APR_UINT64_T_FMT "\n", area,
                       mtab_decision_label[n.decision],
                       reason_table[n.reason].name,
                       mtab_status_label(n.status, buf), n.count);
    }
}

static void prom_files(request_rec *r, const policy_metrics *m)
{
    static const struct { const char *name, *type, *help; } f[] = {
        { "authz_policy_datafile_entries", "gauge",
          "Entries of the version in force." },
        { "authz_policy_datafile_loaded_timestamp_seconds", "gauge",
          "When the version in force was loaded." },
        { "authz_policy_datafile_reloads_total", "counter",
          "Reloads of a data file, by result." },
    };
    metrics_entry e;
    for (int i = 0; i < 3; i++) {
        family(r, f[i].name, f[i].type, f[i].help);
        for (metrics_walk w = { &m->files, 0 }; metrics_next(&w, &e);) {
            const char *file = label(r->pool, e.name);
            if (i == 0)
                ap_rprintf(r, "%s{file=\"%s\",kind=\"%s\"} %" APR_UINT64_T_FMT
                           "\n", f[i].name, file,
                           policy_metrics_kind_label(e.counters[MF_KIND]),
                           (uint64_t)e.counters[MF_ENTRIES]);
            else if (i == 1)
                ap_rprintf(r, "%s{file=\"%s\"} %" APR_UINT64_T_FMT "\n",
                           f[i].name, file, (uint64_t)e.counters[MF_LOADED]);
            else
                ap_rprintf(r, "%s{file=\"%s\",result=\"ok\"} %"
                           APR_UINT64_T_FMT "\n%s{file=\"%s\",result=\"error\"}"
                           " %" APR_UINT64_T_FMT "\n", f[i].name, file,
                           (uint64_t)e.counters[MF_RELOAD_OK], f[i].name, file,
                           (uint64_t)e.counters[MF_RELOAD_ERROR]);
        }
    }
}

void policy_status_prometheus(request_rec *r, const policy_metrics *m)
{
    ap_set_content_type(r, "text/plain; version=0.0.4");
    if (r->header_only)
        return;
    prom_decisions(r, m);
    family(r, "authz_policy_shadow_total", "counter",
           "Shadow policy evaluations by result.");
    metrics_entry e;
    for (metrics_walk w = { &m->shadows, 0 }; metrics_next(&w, &e);) {
        const char *shadow = label(r->pool, e.name);
        ap_rprintf(r, "authz_policy_shadow_total{shadow=\"%s\",result="
                   "\"grant\"} %" APR_UINT64_T_FMT "\n"
                   "authz_policy_shadow_total{shadow=\"%s\",result=\"deny\"} %"
                   APR_UINT64_T_FMT "\n", shadow, (uint64_t)e.counters[0],
                   shadow, (uint64_t)e.counters[1]);
    }
    prom_files(r, m);
    family(r, "authz_policy_source_errors_total", "counter",
           "Failing attribute look-ups by source.");
    for (int k = 0; k < ASRC_COUNT; k++)
        ap_rprintf(r, "authz_policy_source_errors_total{source=\"%s\"} %"
                   APR_UINT64_T_FMT "\n", attr_source_types[k]->name,
                   (uint64_t)m->global[MG_SOURCE_ERRORS + k]);
    family(r, "authz_policy_cache_total", "counter",
           "Attribute cache look-ups by result.");
    ap_rprintf(r, "authz_policy_cache_total{result=\"hit\"} %"
               APR_UINT64_T_FMT "\nauthz_policy_cache_total{result=\"miss\"} %"
               APR_UINT64_T_FMT "\n", (uint64_t)m->global[MG_CACHE_HIT],
               (uint64_t)m->global[MG_CACHE_MISS]);
}
