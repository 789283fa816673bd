/*
 * cache: how long an area keeps attributes from SQL (AuthzPolicyCacheTimeout),
 * the cache itself staying a server setting (AuthzPolicyCache, attrs.c).
 *
 * Areas with different lifetimes share the server's cache, so an answer
 * carries the time it was fetched and each area judges its age by its own
 * lifetime: a billing area that keeps answers for 5 seconds never uses
 * one that the rest of the site, keeping them for 5 minutes, stored a
 * minute ago.
 */
#include "policy.h"

#include <apr_lib.h>
#include <apr_strings.h>

/* The longest lifetime, as for AuthzPolicyCache: a year. */
#define LONGEST_SECONDS (86400L * 365)

const char *policy_cache_timeout_directive(cmd_parms *cmd, void *dirv,
                                           const char *arg)
{
    policy_dir_conf *d = dirv;
    char *end;
    long secs = strtol(arg, &end, 10);
    if (!*arg || *end || secs < 0 || secs > LONGEST_SECONDS)
        return apr_psprintf(cmd->pool, "AuthzPolicyCacheTimeout: '%s' is not "
                            "a number of seconds (0 to %ld)", arg,
                            LONGEST_SECONDS);
    d->cache_ttl = apr_time_from_sec(secs);
    d->cache_ttl_set = 1;
    return NULL;
}

apr_interval_time_t policy_cache_lifetime(request_rec *r,
                                          const policy_cache *c)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    return d->cache_ttl_set ? d->cache_ttl : c->ttl;
}

/* The stored form: "t", the microsecond it was fetched, a newline, then
 * the values, one per line.  (Servers before area lifetimes stored "v"
 * and the values: each kind of server takes the other's for a miss.) */
const char *policy_cache_stamp(apr_pool_t *p, apr_time_t fetched)
{
    return apr_psprintf(p, "t%" APR_TIME_T_FMT "\n", fetched);
}

const char *policy_cache_fresh(const char *text, apr_time_t now,
                               apr_interval_time_t lifetime)
{
    if (text[0] != 't')
        return NULL;
    /* the digits read here: strtol (locales, bases, signs) took a
     * quarter of a cache hit's instructions (make bench-instructions).
     * At most 18 digits, so no overflow; a longer stamp is a miss. */
    const char *end = text + 1;
    apr_int64_t fetched = 0;
    while (apr_isdigit(*end) && end - text <= 18)
        fetched = fetched * 10 + (*end++ - '0');
    if (end == text + 1 || *end != '\n' || now - fetched >= lifetime)
        return NULL;
    return end + 1;
}
