/* Unit tests of the user-file parser and table (userdb.c). */
#include "userdb.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static userdb *parse(const char *text, char *err, size_t errlen)
{
    return userdb_parse(text, strlen(text), err, errlen);
}

static const userdb *cur;

static int has(const uint32_t *list, unsigned n, const char *v)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(userdb_str(cur, list[i]), v))
            return 1;
    return 0;
}

/* The user's one plan is name (none of those tests' plans expire). */
static int plan_is(const userdb_user *u, const char *name)
{
    return u->nplans == 1 && u->plan_expiry[0] == 0
           && !strcmp(userdb_str(cur, u->plans[0]), name);
}

/* Parses text, expects failure with a message containing want. */
static void expect_error(const char *text, const char *want, const char *what)
{
    char err[256];
    userdb *db = parse(text, err, sizeof err);
    CHECK(db == NULL && strstr(err, want) != NULL, "%s: \"%s\"", what, err);
    userdb_free(db);
}

static void test_sample(void)
{
    char err[256];
    const char *text =
        "# comment\n"
        "\n"
        "alice   role=admin,billing   plan=enterprise\n"
        "bob\trole=editor\tplan=pro  scope=reports:read,reports:write\r\n"
        "   carol plan=free\n"
        "erin\n"
        "dave role=admin,billing";                 /* no final newline */
    userdb *db = parse(text, err, sizeof err);
    CHECK(db != NULL, "sample file parses (%s)", err);
    if (!db)
        return;
    cur = db;
    CHECK(userdb_valid(db, userdb_size(db)), "the image is well-formed");
    CHECK(!userdb_valid(db, userdb_size(db) - 1), "a truncated image is not");
    userdb *copy = malloc(userdb_size(db));
    memcpy(copy, db, userdb_size(db));
    ((uint32_t *)copy)[14] = 0xffffff;       /* off_name, low half */
    CHECK(!userdb_valid(copy, userdb_size(db)), "a damaged image is not");
    /* every index slot taken: looking up an absent name would never stop */
    memcpy(copy, db, userdb_size(db));
    uint32_t mask = ((uint32_t *)copy)[5];             /* index_mask */
    uint64_t off_index;
    memcpy(&off_index, (char *)copy + 72, sizeof off_index);
    for (uint32_t i = 0; i <= mask; i++)
        ((uint32_t *)((char *)copy + off_index))[i] = 1;
    CHECK(!userdb_valid(copy, userdb_size(db)),
          "an image whose index has no empty slot is not");
    free(copy);
    userdb_user u;
    CHECK(userdb_count(db) == 5, "five users");
    CHECK(userdb_lookup(db, "alice", &u) && u.nroles == 2
          && has(u.roles, u.nroles, "admin") && has(u.roles, u.nroles, "billing")
          && plan_is(&u, "enterprise") && u.nscopes == 0,
          "alice: roles, plan, no scopes");
    CHECK(userdb_lookup(db, "bob", &u) && u.nscopes == 2
          && has(u.scopes, u.nscopes, "reports:write")
          && plan_is(&u, "pro"), "bob: tabs and CRLF");
    CHECK(userdb_lookup(db, "carol", &u) && u.nroles == 0 && u.nscopes == 0
          && plan_is(&u, "free"), "carol: leading blanks");
    CHECK(userdb_lookup(db, "erin", &u) && u.nroles == 0 && u.nplans == 0,
          "erin: listed with nothing");
    userdb_user d;
    CHECK(userdb_lookup(db, "dave", &d) && userdb_lookup(db, "alice", &u)
          && d.roles == u.roles, "equal role lists are stored once");
    CHECK(!userdb_lookup(db, "frank", &u), "absent user is not found");
    CHECK(!userdb_lookup(db, "alic", &u) && !userdb_lookup(db, "alicex", &u),
          "no prefix matches");
    CHECK(!userdb_lookup(db, "", &u), "empty name is not found");
    userdb_free(db);
}

static void test_errors(void)
{
    expect_error("alice role=a\nbob\nalice plan=x\n",
                 "line 3: duplicate user (first on line 1) 'alice'",
                 "duplicate user names both lines");
    expect_error("alice rol=admin\n", "line 1: unknown key", "unknown key");
    expect_error("\n\nalice admin\n", "line 3: malformed field",
                 "field without '='");
    expect_error("alice role=\n", "empty value", "empty value");
    expect_error("alice role=a,,b\n", "empty value in role list",
                 "empty list item");
    expect_error("alice role=a, b\n", "empty value in role list",
                 "space inside a list");
    expect_error("alice role=a role=b\n", "key given twice", "key twice");
    expect_error("alice plan=a,b\n", "one plan", "plan list");
    expect_error("role=admin plan=pro\n", "user name missing",
                 "line without a user name");
    char err[128];
    const char nul[] = "alice role=a\0b\n";
    userdb *db = userdb_parse(nul, sizeof nul - 1, err, sizeof err);
    CHECK(!db && strstr(err, "NUL byte"), "NUL byte inside the file: %s", err);
    expect_error("alice \x01\xff=1\n", "unknown key", "control bytes");
    char evil[] = "alice role=a\nbob ro\x1b[31mle=b\n";
    db = parse(evil, err, sizeof err);
    CHECK(!db && strstr(err, "line 2") && strstr(err, "'ro?[31mle'")
          && !strchr(err, '\x1b'),
          "error messages carry no control bytes: %s", err);
}

static void test_empty(void)
{
    char err[64];
    userdb *db = userdb_parse("", 0, err, sizeof err);
    userdb_user u;
    CHECK(db && userdb_count(db) == 0 && !userdb_lookup(db, "x", &u),
          "an empty file is valid");
    userdb_free(db);
    db = parse("# only comments\n\n   \n", err, sizeof err);
    CHECK(db && userdb_count(db) == 0, "comments and blank lines only");
    userdb_free(db);
}

static void test_million(void)
{
    const unsigned n = 1000000;
    size_t cap = (size_t)n * 64;
    char *buf = malloc(cap), *p = buf;
    static const char *const roles[] = { "viewer", "editor", "admin,billing",
                                         "support" };
    static const char *const plans[] = { "free", "pro", "enterprise" };
    for (unsigned i = 0; i < n; i++)
        p += sprintf(p, "user%07u role=%s plan=%s scope=s%u\n", i,
                     roles[i % 4], plans[i % 3], i % 7);
    char err[128];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    userdb *db = userdb_parse(buf, (size_t)(p - buf), err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec)
                  + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(db && userdb_count(db) == n, "1,000,000 users parse");
    if (!db) {
        free(buf);
        return;
    }
    printf("# 1,000,000 users: parsed in %.2f s, %zu bytes (%.1f per user)\n",
           secs, userdb_size(db), (double)userdb_size(db) / n);
    /* README: "a million users ... cost under 40 bytes each" */
    CHECK((double)userdb_size(db) / n < 40, "under 40 bytes per user");
    CHECK(userdb_valid(db, userdb_size(db)), "the large image is well-formed");
    userdb_user u;
    cur = db;
    CHECK(userdb_lookup(db, "user0999999", &u) && plan_is(&u, "free")
          && u.nroles == 1 && has(u.roles, u.nroles, "support"),
          "last user found with the right attributes");
    CHECK(userdb_lookup(db, "user0000002", &u) && u.nroles == 2,
          "a user with two roles");
    CHECK(!userdb_lookup(db, "user1000000", &u), "one past the end absent");
    userdb_free(db);
    free(buf);
}

/* userdb_each_plan: every plan= field with its line, comments skipped. */
static char seen_plans[256];

static void note_plan(void *ctx, const char *plan, size_t len, unsigned line)
{
    (void)ctx;
    size_t at = strlen(seen_plans);
    snprintf(seen_plans + at, sizeof seen_plans - at, "%u:%.*s;", line,
             (int)len, plan);
}

static void test_each_plan(void)
{
    const char *text =
        "# plan=commented\n"
        "alice role=admin plan=enterprize\n"
        "\n"
        "  bob\tplan=pro\tscope=a\r\n"
        "carol role=x\n"
        "dave plan=free";
    seen_plans[0] = '\0';
    userdb_each_plan(text, strlen(text), note_plan, NULL);
    CHECK(!strcmp(seen_plans, "2:enterprize;4:pro;6:free;"),
          "each plan with its line: \"%s\"", seen_plans);
    seen_plans[0] = '\0';
    userdb_each_plan("plan=x role=y\n", 14, note_plan, NULL);
    CHECK(seen_plans[0] == '\0', "a user named like a field is no plan: "
          "\"%s\"", seen_plans);
}

/* The instant beside value v of list, -1 when v is not in it. */
static int64_t expiry_of(const uint32_t *list, const int64_t *expiry,
                         unsigned n, const char *v)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(userdb_str(cur, list[i]), v))
            return expiry[i];
    return -1;
}

static void test_expiry(void)
{
    char err[256];
    const char *text =
        "alice role=admin,oncall@2026-12-01T18:00:00Z scope=a@2030-01-01T00:00:00Z\n"
        "bob   role=oncall@2026-12-01T18:00:00Z,admin\n"
        "carol plan=pro,enterprise@2026-12-01T18:00:00Z\n"
        "dave  plan=enterprise@2026-12-01T18:00:00Z\n"
        "erin  role=ops@eu,team@x@2026-12-01T18:00:00Z scope=mail@example.com\n";
    userdb *db = parse(text, err, sizeof err);
    CHECK(db != NULL, "a file with expiring values parses (%s)", err);
    if (!db)
        return;
    cur = db;
    CHECK(userdb_valid(db, userdb_size(db)), "its image is well-formed");
    userdb_user u;
    CHECK(userdb_lookup(db, "alice", &u) && u.nroles == 2
          && expiry_of(u.roles, u.role_expiry, u.nroles, "admin") == 0
          && expiry_of(u.roles, u.role_expiry, u.nroles, "oncall")
             == 1796148000,
          "alice: admin for ever, oncall until 2026-12-01T18:00:00Z");
    CHECK(u.nscopes == 1
          && expiry_of(u.scopes, u.scope_expiry, u.nscopes, "a") == 1893456000,
          "alice: a scope that expires");
    CHECK(userdb_lookup(db, "bob", &u)
          && expiry_of(u.roles, u.role_expiry, u.nroles, "oncall")
             == 1796148000
          && expiry_of(u.roles, u.role_expiry, u.nroles, "admin") == 0,
          "bob: the same values in another order");
    CHECK(userdb_lookup(db, "carol", &u) && u.nplans == 2
          && expiry_of(u.plans, u.plan_expiry, u.nplans, "pro") == 0
          && expiry_of(u.plans, u.plan_expiry, u.nplans, "enterprise")
             == 1796148000,
          "carol: a plan, and a higher one that expires");
    CHECK(userdb_lookup(db, "dave", &u) && u.nplans == 1
          && u.plan_expiry[0] == 1796148000,
          "dave: only a plan that expires");
    CHECK(userdb_lookup(db, "erin", &u)
          && expiry_of(u.roles, u.role_expiry, u.nroles, "ops@eu") == 0
          && expiry_of(u.roles, u.role_expiry, u.nroles, "team@x")
             == 1796148000
          && expiry_of(u.scopes, u.scope_expiry, u.nscopes,
                       "mail@example.com") == 0,
          "erin: an '@' not followed by a digit belongs to the name");
    userdb_free(db);

    expect_error("alice\nbob role=admin,oncall@2026-12-01T18:00:00\n",
                 "line 2: malformed expiry in role list", "no zone");
    expect_error("alice scope=a@2026-02-30T18:00:00Z\n",
                 "malformed expiry in scope list", "a day that does not exist");
    expect_error("alice role=oncall@2026-12-01\n", "malformed expiry",
                 "a date alone");
    expect_error("alice role=admin@1\n", "'admin@1'",
                 "a name with '@' and a digit is read as an expiry");
    expect_error("alice role=@2026-12-01T18:00:00Z\n", "empty value",
                 "an expiry without a name");
    expect_error("alice plan=pro,free@2026-12-01T18:00:00Z,enterprise\n",
                 "one plan", "two plans that do not expire");
    expect_error("alice role=a plan=pro@x,free\n",
                 "one plan", "a plan whose '@' is part of its name");

    seen_plans[0] = '\0';
    const char *line = "carol plan=pro,enterprise@2026-12-01T18:00:00Z\n";
    userdb_each_plan(line, strlen(line), note_plan, NULL);
    CHECK(!strcmp(seen_plans, "1:pro;1:enterprise;"),
          "each plan named without its expiry: \"%s\"", seen_plans);
}

int main(void)
{
    test_each_plan();
    test_expiry();
    test_sample();
    test_errors();
    test_empty();
    test_million();
    return UNIT_DONE();
}
