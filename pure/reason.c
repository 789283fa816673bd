#include "reason.h"

#include <stdio.h>
#include <strings.h>

const reason_info reason_table[REASON_COUNT] = {
    [REASON_ANONYMOUS] = { "anonymous", "unauthenticated", 401,
        "Authentication is required to access this resource." },
    [REASON_ROLE] = { "role", "insufficient_role", 403,
        "Your account does not have a role that this resource requires." },
    [REASON_PLAN] = { "plan", "plan_required", 403,
        "Your plan does not include this resource." },
    [REASON_SCOPE] = { "scope", "insufficient_scope", 403,
        "Your access does not include a scope that this resource requires." },
    [REASON_REGION] = { "region", "region_restricted", 403,
        "This resource is not available in your region." },
    [REASON_IPLIST] = { "iplist", "ip_blocked", 403,
        "Access from your network is not allowed." },
    [REASON_ORIGIN] = { "origin", "cross_origin_request", 403,
        "This request was sent from another site and is not allowed." },
    [REASON_OTHER] = { "other", "forbidden", 403,
        "You are not allowed to access this resource." },
    /* SPEC section 3 has no code for a 500: an API client is told that
     * the failure is the server's and may be retried, nothing more */
    [REASON_ERROR] = { "error", "source_unavailable", 500,
        "Your access to this resource could not be checked. "
        "Please try again later." },
};

int reason_by_name(const char *name)
{
    for (int i = 0; i < REASON_COUNT; i++)
        if (!strcasecmp(name, reason_table[i].name))
            return i;
    return -1;
}

void reason_name_list(char *out, size_t size)
{
    size_t n = 0;
    if (size == 0)
        return;
    out[0] = '\0';
    for (int i = 0; i < REASON_COUNT && n < size; i++) {
        int w = snprintf(out + n, size - n, "%s%s",
                         i == 0 ? "" : i == REASON_COUNT - 1 ? " or " : ", ",
                         reason_table[i].name);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}
