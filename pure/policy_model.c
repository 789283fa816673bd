/*
 * policy_model: role inheritance, plan ranking and scope matching.
 * Everything that can be computed at configuration time is: a request only
 * does a few hash look-ups and string comparisons.
 */
#include "policy_model.h"

#include <apr_strings.h>
#include <string.h>

policy_roles *policy_roles_make(apr_pool_t *p)
{
    policy_roles *g = apr_pcalloc(p, sizeof *g);
    g->edges = apr_hash_make(p);
    return g;
}

static void add_edge(apr_pool_t *p, apr_hash_t *edges, const char *role,
                     const char *inherited)
{
    apr_array_header_t *to = apr_hash_get(edges, role, APR_HASH_KEY_STRING);
    if (!to) {
        to = apr_array_make(p, 2, sizeof(const char *));
        apr_hash_set(edges, role, APR_HASH_KEY_STRING, to);
    }
    for (int i = 0; i < to->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(to, i, const char *), inherited))
            return;
    APR_ARRAY_PUSH(to, const char *) = inherited;
}

policy_roles *policy_roles_merge(apr_pool_t *p, const policy_roles *base,
                                 const policy_roles *add)
{
    policy_roles *g = policy_roles_make(p);
    const policy_roles *src[2] = { base, add };
    for (int s = 0; s < 2; s++) {
        for (apr_hash_index_t *hi = apr_hash_first(p, src[s]->edges); hi;
             hi = apr_hash_next(hi)) {
            const void *k;
            void *v;
            apr_hash_this(hi, &k, NULL, &v);
            const apr_array_header_t *to = v;
            for (int i = 0; i < to->nelts; i++)
                add_edge(p, g->edges, k, APR_ARRAY_IDX(to, i, const char *));
        }
    }
    return g;
}

/* Depth-first search for a path from -> target; on success the path is
 * left in path (from first). */
static int find_path(apr_hash_t *edges, const char *from, const char *target,
                     apr_array_header_t *path, apr_hash_t *seen)
{
    APR_ARRAY_PUSH(path, const char *) = from;
    if (!strcmp(from, target))
        return 1;
    if (apr_hash_get(seen, from, APR_HASH_KEY_STRING)) {
        path->nelts--;
        return 0;
    }
    apr_hash_set(seen, from, APR_HASH_KEY_STRING, from);
    apr_array_header_t *to = apr_hash_get(edges, from, APR_HASH_KEY_STRING);
    for (int i = 0; to && i < to->nelts; i++)
        if (find_path(edges, APR_ARRAY_IDX(to, i, const char *), target, path,
                      seen))
            return 1;
    path->nelts--;
    return 0;
}

static const char *cycle_text(apr_pool_t *p, apr_array_header_t *path)
{
    const char *s = APR_ARRAY_IDX(path, 0, const char *);
    for (int i = 1; i < path->nelts; i++)
        s = apr_pstrcat(p, s, " -> ", APR_ARRAY_IDX(path, i, const char *),
                        NULL);
    return apr_pstrcat(p, "role inheritance cycle: ", s, NULL);
}

const char *policy_roles_add(apr_pool_t *p, policy_roles *g, const char *role,
                             const char *inherited)
{
    apr_array_header_t *path = apr_array_make(p, 8, sizeof(const char *));
    /* role -> inherited closes a cycle iff inherited already reaches role */
    APR_ARRAY_PUSH(path, const char *) = role;
    if (find_path(g->edges, inherited, role, path, apr_hash_make(p)))
        return cycle_text(p, path);
    add_edge(p, g->edges, role, inherited);
    return NULL;
}

const char *policy_roles_finalize(apr_pool_t *p, policy_roles *g)
{
    g->closure = apr_hash_make(p);
    for (apr_hash_index_t *hi = apr_hash_first(p, g->edges); hi;
         hi = apr_hash_next(hi)) {
        const void *k;
        apr_hash_this(hi, &k, NULL, NULL);
        const char *role = k;
        /* breadth-first walk of everything role reaches */
        apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
        apr_hash_t *seen = apr_hash_make(p);
        apr_hash_set(seen, role, APR_HASH_KEY_STRING, role);
        APR_ARRAY_PUSH(out, const char *) = role;
        for (int i = 0; i < out->nelts; i++) {
            const char *r = APR_ARRAY_IDX(out, i, const char *);
            apr_array_header_t *to = apr_hash_get(g->edges, r,
                                                  APR_HASH_KEY_STRING);
            for (int j = 0; to && j < to->nelts; j++) {
                const char *t = APR_ARRAY_IDX(to, j, const char *);
                if (!strcmp(t, role)) {
                    /* role -> ... -> r -> role */
                    apr_array_header_t *path =
                        apr_array_make(p, 8, sizeof(const char *));
                    find_path(g->edges, role, r, path, apr_hash_make(p));
                    APR_ARRAY_PUSH(path, const char *) = role;
                    return cycle_text(p, path);
                }
                if (!apr_hash_get(seen, t, APR_HASH_KEY_STRING)) {
                    apr_hash_set(seen, t, APR_HASH_KEY_STRING, t);
                    APR_ARRAY_PUSH(out, const char *) = t;
                }
            }
        }
        /* drop role itself (first), NULL-terminate */
        const char **implied = apr_pcalloc(p, sizeof(char *) * out->nelts);
        for (int i = 1; i < out->nelts; i++)
            implied[i - 1] = APR_ARRAY_IDX(out, i, const char *);
        apr_hash_set(g->closure, role, APR_HASH_KEY_STRING, implied);
    }
    return NULL;
}

static int listed(const char *v, const char *const *list, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(v, list[i]))
            return 1;
    return 0;
}

int policy_roles_grant(const policy_roles *g, const char *const *held,
                       unsigned nheld, const char *const *required,
                       unsigned nrequired)
{
    for (unsigned i = 0; i < nheld; i++) {
        if (listed(held[i], required, nrequired))
            return 1;
        const char **implied = (g && g->closure)
            ? apr_hash_get(g->closure, held[i], APR_HASH_KEY_STRING) : NULL;
        for (; implied && *implied; implied++)
            if (listed(*implied, required, nrequired))
                return 1;
    }
    return 0;
}

const char *policy_plans_set(apr_pool_t *p, policy_plans *plans,
                             const char *const *names, int n)
{
    plans->names = apr_array_make(p, n, sizeof(const char *));
    plans->rank = apr_hash_make(p);
    for (int i = 0; i < n; i++) {
        if (apr_hash_get(plans->rank, names[i], APR_HASH_KEY_STRING))
            return apr_psprintf(p, "plan '%s' is listed twice", names[i]);
        APR_ARRAY_PUSH(plans->names, const char *) = names[i];
        apr_hash_set(plans->rank, names[i], APR_HASH_KEY_STRING,
                     (void *)(apr_uintptr_t)(i + 1));
    }
    return NULL;
}

int policy_plan_rank(const policy_plans *plans, const char *plan)
{
    if (!plan || !plans || !plans->rank)
        return -1;
    apr_uintptr_t r = (apr_uintptr_t)apr_hash_get(plans->rank, plan,
                                                  APR_HASH_KEY_STRING);
    return r ? (int)r - 1 : -1;
}

int policy_plans_grant(const policy_plans *plans, const char *user_plan,
                       int min_rank)
{
    int rank = policy_plan_rank(plans, user_plan);
    return rank >= 0 && min_rank >= 0 && rank >= min_rank;
}

int policy_any_shared(const char *const *a, unsigned na,
                      const char *const *b, unsigned nb)
{
    for (unsigned i = 0; i < na; i++)
        if (listed(a[i], b, nb))
            return 1;
    return 0;
}
