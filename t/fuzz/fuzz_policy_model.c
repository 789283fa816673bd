/* libFuzzer target: role inheritance and plan ranking (policy_model.c,
 * APR only).
 *
 * The input is a list of inheritance edges among eight roles, then plan
 * lists and questions.  Oracle: a reachability matrix (Warshall's
 * algorithm) over the accepted edges.  An edge is refused exactly when it
 * would close a cycle (the role it adds is reached from the one it
 * inherits, or is itself), with a message naming the cycle; a merge of
 * two acyclic graphs fails to finalize exactly when their union has a
 * cycle; a user holding roles H is granted a requirement R exactly when
 * some role of H is in R or inherits one in R through any path.  Plans:
 * a list is refused exactly when it names a plan twice; a plan ranks at
 * its place in the list; a grant needs a declared plan at or above the
 * required rank. */
#include "policy_model.h"

#include <apr_general.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NROLES 8

static const char *const role_names[NROLES] = { "r0", "r1", "r2", "r3",
                                                "r4", "r5", "r6", "r7" };
static const char *const plan_names[6] = { "free", "basic", "pro", "team",
                                           "enterprise", "x" };

/* reach[a][b]: a path a -> ... -> b of one edge or more */
static void closure(int reach[NROLES][NROLES], int edge[NROLES][NROLES])
{
    memcpy(reach, edge, sizeof(int) * NROLES * NROLES);
    for (int k = 0; k < NROLES; k++)
        for (int i = 0; i < NROLES; i++)
            for (int j = 0; j < NROLES; j++)
                if (reach[i][k] && reach[k][j])
                    reach[i][j] = 1;
}

static int has_cycle(int edge[NROLES][NROLES])
{
    int reach[NROLES][NROLES];
    closure(reach, edge);
    for (int i = 0; i < NROLES; i++)
        if (reach[i][i])
            return 1;
    return 0;
}

static void check_grants(const policy_roles *g, int edge[NROLES][NROLES],
                         const uint8_t *q, size_t n)
{
    int reach[NROLES][NROLES];
    closure(reach, edge);
    for (size_t i = 0; i + 1 < n; i += 2) {
        const char *held[NROLES], *req[NROLES];
        unsigned nh = 0, nr = 0;
        for (int r = 0; r < NROLES; r++) {
            if (q[i] & (1u << r))
                held[nh++] = role_names[r];
            if (q[i + 1] & (1u << r))
                req[nr++] = role_names[r];
        }
        int want = 0;
        for (int h = 0; h < NROLES; h++)
            for (int r = 0; r < NROLES; r++)
                if ((q[i] & (1u << h)) && (q[i + 1] & (1u << r))
                    && (h == r || reach[h][r]))
                    want = 1;
        if (policy_roles_grant(g, held, nh, req, nr) != want)
            abort();
    }
}

/* Edges from pairs of bytes (role = byte % 8), each checked against the
 * oracle; the accepted ones are added to edge[][]. */
static void add_edges(apr_pool_t *p, policy_roles *g,
                      int edge[NROLES][NROLES], const uint8_t *e, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        int a = e[i] % NROLES, b = e[i + 1] % NROLES;
        int reach[NROLES][NROLES];
        closure(reach, edge);
        int closes = a == b || reach[b][a];
        const char *err = policy_roles_add(p, g, role_names[a], role_names[b]);
        if ((err != NULL) != closes)
            abort();
        if (err && strncmp(err, "role inheritance cycle: ", 24))
            abort();
        if (!err)
            edge[a][b] = 1;
    }
}

static void check_plans(apr_pool_t *p, const uint8_t *d, size_t n)
{
    if (n < 1)
        return;
    int count = d[0] % 7;               /* 0 .. 6 names */
    if ((size_t)count + 1 > n)
        return;
    const char *names[6];
    int place[6] = { -1, -1, -1, -1, -1, -1 }, repeat = 0;
    for (int i = 0; i < count; i++) {
        int k = d[1 + i] % 6;
        names[i] = plan_names[k];
        if (place[k] >= 0)
            repeat = 1;
        else
            place[k] = i;
    }
    policy_plans plans;
    const char *err = policy_plans_set(p, &plans, names, count);
    if ((err != NULL) != repeat)
        abort();
    if (err)
        return;
    for (int k = 0; k < 6; k++) {
        if (policy_plan_rank(&plans, plan_names[k]) != place[k])
            abort();
        for (int min = -1; min < 6; min++)
            if (policy_plans_grant(&plans, plan_names[k], min)
                != (place[k] >= 0 && min >= 0 && place[k] >= min))
                abort();
    }
    if (policy_plan_rank(&plans, NULL) != -1
        || policy_plans_grant(&plans, NULL, 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        apr_initialize();
        ready = 1;
    }
    if (size < 3)
        return 0;
    /* [edges of base][edges of add][questions][plans], split by the
     * first three bytes */
    size_t rest = size - 3;
    size_t nb = rest ? data[0] % (rest + 1) : 0;
    size_t na = rest - nb ? data[1] % (rest - nb + 1) : 0;
    size_t nq = rest - nb - na ? data[2] % (rest - nb - na + 1) : 0;
    const uint8_t *base_e = data + 3, *add_e = base_e + nb, *q = add_e + na;
    const uint8_t *plans = q + nq;
    size_t np = rest - nb - na - nq;

    apr_pool_t *p;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        abort();
    int eb[NROLES][NROLES] = { { 0 } }, ea[NROLES][NROLES] = { { 0 } };
    policy_roles *base = policy_roles_make(p), *add = policy_roles_make(p);
    add_edges(p, base, eb, base_e, nb);
    add_edges(p, add, ea, add_e, na);

    if (policy_roles_finalize(p, base))
        abort();                        /* every edge kept it acyclic */
    check_grants(base, eb, q, nq);

    policy_roles *merged = policy_roles_merge(p, base, add);
    int eu[NROLES][NROLES];
    for (int i = 0; i < NROLES; i++)
        for (int j = 0; j < NROLES; j++)
            eu[i][j] = eb[i][j] || ea[i][j];
    const char *err = policy_roles_finalize(p, merged);
    if ((err != NULL) != has_cycle(eu))
        abort();
    if (err && strncmp(err, "role inheritance cycle: ", 24))
        abort();
    if (!err)
        check_grants(merged, eu, q, nq);

    check_plans(p, plans, np);
    apr_pool_destroy(p);
    return 0;
}
