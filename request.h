/*
 * What this module knows about one request: which of its checks took
 * part and which one is blamed for a denial, the user's attributes and
 * region (each looked up at most once), and the state of a denial being
 * answered.  Kept in r->request_config.
 */
#ifndef AUTHZ_POLICY_REQUEST_H
#define AUTHZ_POLICY_REQUEST_H

#include "policy.h"

/* How the decoy look-up of a hidden denial is being made (hidden.c). */
typedef enum {
    DECOY_NONE = 0,
    DECOY_UNCHECKED,             /* the sibling decoy: no authorization, it
                                    is used only if nothing is there */
    DECOY_CHECKED                /* AuthzPolicyHiddenPath: authorized as
                                    any request for it */
} policy_decoy_lookup;

/* What became of a request the module takes part in. */
typedef enum {
    DECISION_NONE = 0, DECISION_GRANT, DECISION_DENY, DECISION_WOULD_DENY
} policy_decision;

struct policy_request {
    int took_part;               /* one of our providers was evaluated */
    const policy_require *last_check;  /* the last one evaluated */
    const policy_require *blamed;  /* our last check, in the current pass
                                      over the Require tree, whose answer
                                      pointed to a denial */
    /* each attribute fetched at most once: 0 not yet, 1 done, -1 failed */
    int attr_state[ATTR_COUNT];
    const char **values[ATTR_COUNT];
    unsigned nvalues[ATTR_COUNT];
    int file_state, file_found;  /* the user file's entry, looked up once */
    const userdb *file_db;
    userdb_user file_user;
    policy_format body_format;   /* the body we asked ap_die to send */
    int denial_status;
    int region_state;            /* 0 not looked up, 1 done, -1 failed */
    char country[3];             /* "" when unknown */
    char subdivision[REGION_MAX];
    policy_decoy_lookup decoy_lookup;  /* a look-up of this request's decoy
                                          is under way */
    const char *denial_log;      /* the denial's log line, less status and
                                    URI, until it is written */
    const char *denial_uri;
    int hidden;                  /* moved onto its decoy: the remaining
                                    access phases let it through */
    int user_placeholder;        /* r->user was set only to get past the
                                    authentication phase; cleared next */
    int unchecked_user;          /* r->user is a name a client claimed,
                                    its password not checked (hidden.c's
                                    look-ahead): answers fetched for it
                                    are not kept in the cache (attrs.c) */
    const char *decoy;           /* the decoy's URL, once moved onto it */
    policy_decision decision;    /* recorded in the variables */
    int shadows_done;            /* the shadows were evaluated */
    int reported;                /* report mode: a would-be denial was let
                                    through; the rest of the access phases
                                    let the request through too */
    policy_reason denial_reason; /* of the denial (or would-be) recorded, */
    policy_area *denial_area;    /* in this area (a hidden denial's request
                                    is moved onto its decoy, elsewhere) */
    /* what the decision of a denial was, also for look-ups (explain.c) */
    policy_reason decided_reason;
    const policy_require *decided_check;
    int decided_status;
    /* the explain handler (explain.c) */
    int server_line_ran;         /* a Require line of the server's
                                    configuration ran where report mode
                                    comes from an .htaccess file */
    int explaining;              /* an explained look-up: answers nothing,
                                    logs no denial, is never counted */
    const char *explained_user;  /* on the handler's request: the user its
                                    look-up takes as authenticated */
    apr_array_header_t *checks;  /* of policy_check: the Require lines
                                    evaluated in the last pass, recorded
                                    when explaining or tracing (checks.c) */
    /* the hidden area's look-ahead (hidden.c) */
    int looking_ahead;           /* its pass over the Require tree: only
                                    providers that act on nothing run, with
                                    attributes held without a query
                                    (checks.c) */
    const char *vary;            /* request headers our checks added to
                                    Vary, which a hidden answer takes out
                                    again (network.c) */
};

/* (policy_request_get's slow path: the record made) */
static inline policy_request *policy_request_make(request_rec *r)
{
    policy_request *rq = apr_pcalloc(r->pool, sizeof *rq);
    ap_set_module_config(r->request_config, &authz_policy_module, rq);
    return rq;
}

/* The request's record; NULL if it has none and create is 0.  Inline:
 * a request the module takes part in asks for it a dozen times, and the
 * call cost more than the look-up (make bench-instructions). */
static inline policy_request *policy_request_get(request_rec *r, int create)
{
    policy_request *rq = ap_get_module_config(r->request_config,
                                              &authz_policy_module);
    return rq || !create ? rq : policy_request_make(r);
}

/* The record of a request that one of our checks (req) is evaluated for:
 * from now on a denial of it is answered by this module. */
static inline policy_request *policy_request_for_check(
    request_rec *r, const policy_require *req)
{
    policy_request *rq = policy_request_get(r, 1);
    rq->took_part = 1;
    if (req)
        rq->last_check = req;
    return rq;
}

/* A check of ours answered: if its answer points to a denial (a grant
 * under `not`, or a denial), it is the one blamed should the request end
 * up denied.  The last such check of a pass is blamed. */
static inline void policy_request_answered(policy_request *rq,
                                           const policy_require *req,
                                           int granted)
{
    if (granted == req->negated)
        rq->blamed = req;
}

/* The reason blamed for a denial of this request: the blamed check's, or
 * "other" when none of ours pointed to it. */
policy_reason policy_request_reason(const policy_request *rq);

/* Whether a denial of r is this module's to answer: one of its checks
 * was evaluated, or a directive of its own applies to the area. */
static inline int policy_request_takes_part(request_rec *r,
                                            const policy_request *rq)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    return (rq && rq->took_part) || d->responds;
}

/* (policy_request_area's last source: an area made in r's pool for the
 * section httpd merged last) */
policy_area *policy_request_merged_area(request_rec *r,
                                       const policy_dir_conf *d);

/* The area's name: AuthzPolicyName, or the path of the deepest
 * configuration section that applies: the section of our Require lines
 * that decided, else the one httpd merged last.  Inline, but for the
 * last: asked once on every decision. */
static inline policy_area *policy_request_area(request_rec *r)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    if (d->area)
        return d->area;
    const policy_request *rq = policy_request_get(r, 0);
    if (rq && rq->last_check && rq->last_check->section)
        return rq->last_check->section;
    return policy_request_merged_area(r, d);
}

/* The client's region as the variables show it (US-CA, DE, XX for
 * unknown), or NULL if it was not looked up. */
const char *policy_request_region(const policy_request *rq);

#endif
