/* The per-request record (request.h). */
#include "request.h"

#include "http_config.h"
#include "http_core.h"

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

policy_request *policy_request_for_check(request_rec *r,
                                         const policy_require *req)
{
    policy_request *rq = policy_request_get(r, 1);
    rq->took_part = 1;
    if (req)
        rq->last_check = req;
    return rq;
}

void policy_request_answered(policy_request *rq, const policy_require *req,
                             int granted)
{
    if (granted == req->negated)
        rq->blamed = req;
}

policy_reason policy_request_reason(const policy_request *rq)
{
    return rq && rq->blamed ? rq->blamed->reason : REASON_OTHER;
}

const char *policy_request_region(const policy_request *rq)
{
    if (rq->region_state != 1)
        return NULL;
    return rq->subdivision[0] ? rq->subdivision
           : rq->country[0] ? rq->country : "XX";
}

int policy_request_takes_part(request_rec *r, const policy_request *rq)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    return (rq && rq->took_part) || d->responds;
}

policy_area *policy_request_area(request_rec *r)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    if (d->area)
        return d->area;
    /* the section of our Require lines that decided; else the section
     * httpd merged last (core's record of it: a section holding only
     * other modules' lines has no record of this module) */
    const policy_request *rq = policy_request_get(r, 0);
    if (rq && rq->last_check && rq->last_check->section)
        return rq->last_check->section;
    const core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    return policy_area_make(r->pool, core->d ? core->d
                                     : d->section ? d->section : "(server)");
}
