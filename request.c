/* The per-request record (request.h). */
#include "request.h"

#include "http_config.h"
#include "http_core.h"

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

/* (policy_request_area's last resort: the section httpd merged last, in
 * core's record of it, as a section holding only other modules' lines has
 * no record of this module) */
policy_area *policy_request_merged_area(request_rec *r,
                                       const policy_dir_conf *d)
{
    const core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    return policy_area_make(r->pool, core->d ? core->d
                                     : d->section ? d->section : "(server)");
}
