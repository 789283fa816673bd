/* Unit tests of role inheritance, plan ranking and scope matching
 * (policy_model.c). */
#include "policy_model.h"
#include "unit.h"

#include <apr_general.h>
#include <string.h>

static apr_pool_t *pool;

#define L(...) ((const char *const[]){ __VA_ARGS__ })
#define N(...) (unsigned)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *))

static int grant(const policy_roles *g, const char *held, const char *req)
{
    return policy_roles_grant(g, L(held), 1, L(req), 1);
}

static void test_inheritance(void)
{
    policy_roles *g = policy_roles_make(pool);
    CHECK(!policy_roles_add(pool, g, "admin", "editor"), "admin -> editor");
    CHECK(!policy_roles_add(pool, g, "editor", "viewer"), "editor -> viewer");
    CHECK(!policy_roles_add(pool, g, "admin", "billing"), "admin -> billing");
    CHECK(!policy_roles_finalize(pool, g), "closure computed");
    CHECK(grant(g, "admin", "admin"), "a role grants itself");
    CHECK(grant(g, "admin", "editor"), "direct inheritance");
    CHECK(grant(g, "admin", "viewer"), "transitive inheritance");
    CHECK(grant(g, "editor", "viewer"), "editor holds viewer");
    CHECK(!grant(g, "viewer", "editor"), "not upward: viewer is no editor");
    CHECK(!grant(g, "editor", "admin"), "not upward: editor is no admin");
    CHECK(!grant(g, "editor", "billing"), "siblings are not shared");
    CHECK(!grant(g, "stranger", "viewer"), "an unknown role holds nothing");
    CHECK(policy_roles_grant(g, L("support", "editor"), 2, L("x", "viewer"), 2),
          "any held role against any required role");
    CHECK(!policy_roles_grant(g, NULL, 0, L("viewer"), 1), "no roles: denied");
    CHECK(grant(NULL, "a", "a") && !grant(NULL, "a", "b"),
          "no inheritance configured");

    const char *err = policy_roles_add(pool, g, "viewer", "admin");
    CHECK(err && strstr(err, "viewer -> admin -> editor -> viewer"),
          "cycle refused and named: %s", err ? err : "(none)");
    err = policy_roles_add(pool, g, "x", "x");
    CHECK(err && strstr(err, "x -> x"), "self-cycle refused: %s",
          err ? err : "(none)");
    CHECK(!policy_roles_add(pool, g, "admin", "viewer"),
          "a shortcut is no cycle");
}

static void test_merge_cycle(void)
{
    policy_roles *a = policy_roles_make(pool), *b = policy_roles_make(pool);
    policy_roles_add(pool, a, "p", "q");
    policy_roles_add(pool, b, "q", "p");
    policy_roles *m = policy_roles_merge(pool, a, b);
    const char *err = policy_roles_finalize(pool, m);
    CHECK(err && strstr(err, "cycle"), "cycle across merged servers: %s",
          err ? err : "(none)");

    policy_roles *d = policy_roles_make(pool);
    policy_roles_add(pool, d, "top", "left");
    policy_roles_add(pool, d, "top", "right");
    policy_roles_add(pool, d, "left", "bottom");
    policy_roles_add(pool, d, "right", "bottom");
    CHECK(!policy_roles_finalize(pool, d) && grant(d, "top", "bottom"),
          "a diamond is fine");
}

static void test_plans(void)
{
    policy_plans p;
    CHECK(!policy_plans_set(pool, &p, L("free", "pro", "enterprise"), 3),
          "three plans");
    int pro = policy_plan_rank(&p, "pro");
    CHECK(pro == 1, "pro ranks second");
    CHECK(policy_plans_grant(&p, "pro", pro), "equal plan grants");
    CHECK(policy_plans_grant(&p, "enterprise", pro), "higher plan grants");
    CHECK(!policy_plans_grant(&p, "free", pro), "lower plan denied");
    CHECK(!policy_plans_grant(&p, NULL, pro), "no plan denied");
    CHECK(!policy_plans_grant(&p, "gold", pro), "undeclared plan denied");
    CHECK(!policy_plans_grant(&p, "pro", -1), "undeclared requirement denied");
    CHECK(policy_plan_rank(&p, "Pro") == -1, "plan names are exact");
    policy_plans q;
    const char *err = policy_plans_set(pool, &q, L("a", "b", "a"), 3);
    CHECK(err && strstr(err, "'a' is listed twice"), "repeated plan: %s",
          err ? err : "(none)");
}

static void test_scopes(void)
{
    CHECK(policy_any_shared(L("a", "b"), 2, L("c", "b"), 2), "shared scope");
    CHECK(!policy_any_shared(L("a", "b"), 2, L("c"), 1), "no shared scope");
    CHECK(!policy_any_shared(NULL, 0, L("c"), 1), "no scopes at all");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_inheritance();
    test_merge_cycle();
    test_plans();
    test_scopes();
    apr_pool_destroy(pool);
    apr_terminate();
    return UNIT_DONE();
}
