/* Unit tests of the user-file parser and table (userdb.c). */
#include "userdb.h"
#include "userdb_image.h"           /* userdb_find's probe count */
#include "hash.h"
#include "unit.h"

#include <stddef.h>
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
    uint32_t slots = ((uint32_t *)copy)[5];            /* index_slots */
    uint64_t off_index;
    memcpy(&off_index, (char *)copy + 72, sizeof off_index);
    for (uint32_t i = 0; i < slots; i++)
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
    expect_error("# alice\r\n  alice\r\nbob\r\nbob role=a\r\n",
                 "line 4: duplicate user (first on line 3) 'bob'",
                 "duplicate user: the first line found again, CRLF");
    expect_error("alice rol=admin\n", "line 1: unknown key", "unknown key");
    expect_error("\n\nalice admin\n", "line 3: malformed field",
                 "field without '='");
    expect_error("alice role = admin\n", "line 1: malformed field (expected "
                 "key=value, with no spaces around '='): 'role'",
                 "spaces around '=': the hint");
    expect_error("alice scope=a b\n", "line 1: malformed field (expected "
                 "key=value; a list's values are separated by commas, not "
                 "spaces: role=a,b): 'b'", "a list split by a space: the hint");
    expect_error("x role=a\ncarol:$apr1$Salt$c2VjcmV0\n",
                 "line 2: a password hash after ':': an htpasswd or "
                 "htdigest line", "an htpasswd line");
    {
        char err[256];
        userdb *db = parse("carol:$apr1$Salt$c2VjcmV0\n", err, sizeof err);
        CHECK(!db && strstr(err, "user 'carol'") && !strstr(err, "Salt")
              && !strstr(err, "apr1"), "... only the name is shown: \"%s\"",
              err);
        userdb_free(db);
        userdb_user u;
        db = parse("urn:example:carol role=a\n", err, sizeof err);
        CHECK(db && userdb_lookup(db, "urn:example:carol", &u),
              "a name holding ':' with fields is a user");
        userdb_free(db);
    }
    /* htpasswd and htdigest lines: refused, and only the name before the
     * first ':' is shown (an htdigest hash is password-equivalent) */
    {
        static const char *const secret_lines[] = {
            "alice:Restricted Area:5f4dcc3b5aa765d61d8327deb882cf99\n",
            "alice:Restricted:5F4DCC3B5AA765D61D8327DEB882CF99\n",
            "alice:Restricted Area :5f4dcc3b5aa765d61d8327deb882cf99  \r\n",
            "alice:$2y$05$Restricted5f4dcc3b5aa765d61d8327deb8\n",
            "alice:{SHA}Restricted5f4dcc3b5aa7=\n",
            "alice:$5$Restricted$5f4dcc3b5aa765d61d8327deb\n",
            "alice:$6$Restricted$5f4dcc3b5aa765d61d8327deb\n",
            "alice:Restricted.5f\n",           /* crypt: 13 characters */
            "alice:$apr1$Restricted$5f4dcc3b role=a\n",
        };
        for (size_t i = 0; i < sizeof secret_lines / sizeof *secret_lines;
             i++) {
            char err[256];
            userdb *db = parse(secret_lines[i], err, sizeof err);
            CHECK(!db && strstr(err, "line 1: ") && strstr(err, "'alice'")
                  && !strstr(err, "Restricted") && !strstr(err, "5f4d")
                  && !strstr(err, "5F4D") && !strstr(err, "alice:"),
                  "a password line %zu: refused, the name alone shown: "
                  "\"%s\"", i, err);
            userdb_free(db);
        }
        expect_error("x role=a\nalice:Restricted Area:"
                     "5f4dcc3b5aa765d61d8327deb882cf99\n",
                     "line 2: a password hash after ':': an htpasswd or "
                     "htdigest line", "an htdigest line: its own message");
    }
    /* a name holding ':' and no fields, whose rest is no hash, is a user
     * with no fields (OIDC subjects, URNs) */
    {
        static const char *const names[] = {
            "urn:x:carol", "sub@https://issuer.example",
            "a:b", "host:Restricted.5f4", "a:b:c:5f4dcc3b5aa765d61d8327deb882cf9",
            "x:{sha}y",
        };
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            char err[256], line[128];
            snprintf(line, sizeof line, "bob role=a\n%s\n", names[i]);
            userdb_user u;
            userdb *db = parse(line, err, sizeof err);
            CHECK(db && userdb_lookup(db, names[i], &u) && u.nroles == 0
                  && u.nplans == 0 && u.nscopes == 0,
                  "'%s' and no fields: a user with none (%s)", names[i],
                  db ? "" : err);
            userdb_free(db);
        }
    }
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

/* userdb_each_held_plan: every plan a user holds, expiring ones too, and
 * no other value (roles, scopes) and no plan of a comment. */
static void note_held(void *ctx, const char *plan)
{
    (void)ctx;
    char item[64];
    snprintf(item, sizeof item, " %s ", plan);
    if (!strstr(seen_plans, item)) {
        size_t at = strlen(seen_plans);
        snprintf(seen_plans + at, sizeof seen_plans - at, "%s", item + 1);
    }
}

static void test_held_plans(void)
{
    const char *text =
        "# plan=commented\n"
        "alice role=admin plan=enterprize\n"
        "bob plan=pro scope=a,b\n"
        "carol role=free\n"
        "dave plan=free,trial@2030-01-01T00:00:00Z\n"
        "erin plan=pro\n";
    char err[256];
    userdb *db = userdb_parse(text, strlen(text), err, sizeof err);
    CHECK(db != NULL, "a file of plans parses: %s", db ? "" : err);
    if (!db)
        return;
    strcpy(seen_plans, " ");
    CHECK(userdb_each_held_plan(db, note_held, NULL) == 0,
          "the held plans are listed");
    /* each name once here; the order is the table's */
    int all = strstr(seen_plans, " enterprize ") && strstr(seen_plans, " pro ")
              && strstr(seen_plans, " free ") && strstr(seen_plans, " trial ");
    CHECK(all && strlen(seen_plans) == strlen(" enterprize pro free trial "),
          "every plan held, expiring ones too, and nothing else: \"%s\"",
          seen_plans);
    userdb_free(db);
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


/* SipHash-2-4's published test vectors: key 00 01 .. 0f, the messages
 * 00, 00 01, ... of 0 to 63 bytes. */
static const uint64_t sip_vectors[64] = {
    UINT64_C(0x726fdb47dd0e0e31), UINT64_C(0x74f839c593dc67fd), UINT64_C(0x0d6c8009d9a94f5a),
    UINT64_C(0x85676696d7fb7e2d), UINT64_C(0xcf2794e0277187b7), UINT64_C(0x18765564cd99a68d),
    UINT64_C(0xcbc9466e58fee3ce), UINT64_C(0xab0200f58b01d137), UINT64_C(0x93f5f5799a932462),
    UINT64_C(0x9e0082df0ba9e4b0), UINT64_C(0x7a5dbbc594ddb9f3), UINT64_C(0xf4b32f46226bada7),
    UINT64_C(0x751e8fbc860ee5fb), UINT64_C(0x14ea5627c0843d90), UINT64_C(0xf723ca908e7af2ee),
    UINT64_C(0xa129ca6149be45e5), UINT64_C(0x3f2acc7f57c29bdb), UINT64_C(0x699ae9f52cbe4794),
    UINT64_C(0x4bc1b3f0968dd39c), UINT64_C(0xbb6dc91da77961bd), UINT64_C(0xbed65cf21aa2ee98),
    UINT64_C(0xd0f2cbb02e3b67c7), UINT64_C(0x93536795e3a33e88), UINT64_C(0xa80c038ccd5ccec8),
    UINT64_C(0xb8ad50c6f649af94), UINT64_C(0xbce192de8a85b8ea), UINT64_C(0x17d835b85bbb15f3),
    UINT64_C(0x2f2e6163076bcfad), UINT64_C(0xde4daaaca71dc9a5), UINT64_C(0xa6a2506687956571),
    UINT64_C(0xad87a3535c49ef28), UINT64_C(0x32d892fad841c342), UINT64_C(0x7127512f72f27cce),
    UINT64_C(0xa7f32346f95978e3), UINT64_C(0x12e0b01abb051238), UINT64_C(0x15e034d40fa197ae),
    UINT64_C(0x314dffbe0815a3b4), UINT64_C(0x027990f029623981), UINT64_C(0xcadcd4e59ef40c4d),
    UINT64_C(0x9abfd8766a33735c), UINT64_C(0x0e3ea96b5304a7d0), UINT64_C(0xad0c42d6fc585992),
    UINT64_C(0x187306c89bc215a9), UINT64_C(0xd4a60abcf3792b95), UINT64_C(0xf935451de4f21df2),
    UINT64_C(0xa9538f0419755787), UINT64_C(0xdb9acddff56ca510), UINT64_C(0xd06c98cd5c0975eb),
    UINT64_C(0xe612a3cb9ecba951), UINT64_C(0xc766e62cfcadaf96), UINT64_C(0xee64435a9752fe72),
    UINT64_C(0xa192d576b245165a), UINT64_C(0x0a8787bf8ecb74b2), UINT64_C(0x81b3e73d20b49b6f),
    UINT64_C(0x7fa8220ba3b2ecea), UINT64_C(0x245731c13ca42499), UINT64_C(0xb78dbfaf3a8d83bd),
    UINT64_C(0xea1ad565322a1a0b), UINT64_C(0x60e61c23a3795013), UINT64_C(0x6606d7e446282b93),
    UINT64_C(0x6ca4ecb15c5f91e1), UINT64_C(0x9f626da15c9625f3), UINT64_C(0xe51b38608ef25f57),
    UINT64_C(0x958a324ceb064572),
};

static void test_siphash(void)
{
    unsigned char msg[64];
    for (unsigned i = 0; i < 64; i++)
        msg[i] = (unsigned char)i;
    uint64_t k0 = UINT64_C(0x0706050403020100), k1 = UINT64_C(0x0f0e0d0c0b0a0908);
    unsigned right = 0, first_wrong = 64;
    for (unsigned len = 0; len < 64; len++) {
        if (siphash24(k0, k1, msg, len) == sip_vectors[len])
            right++;
        else if (first_wrong == 64)
            first_wrong = len;
    }
    CHECK(right == 64, "SipHash-2-4 gives the 64 reference values (first "
          "wrong: %u bytes)", first_wrong);
}

/* The key is the image's: kept in it, used by every look-up, and another
 * parse draws another. */
static void test_keyed(void)
{
    static const uint64_t key1[2] = { 1, 2 }, key2[2] = { 3, 4 };
    const unsigned n = 2000;
    char *buf = malloc(n * 16), *p = buf, err[128];
    for (unsigned i = 0; i < n; i++)
        p += sprintf(p, "u%u role=r%u\n", i, i % 5);
    size_t len = (size_t)(p - buf);
    userdb *a = userdb_parse_keyed(buf, len, key1, err, sizeof err);
    userdb *b = userdb_parse_keyed(buf, len, key2, err, sizeof err);
    userdb *c = userdb_parse_keyed(buf, len, key1, err, sizeof err);
    userdb *r1 = userdb_parse(buf, len, err, sizeof err);
    userdb *r2 = userdb_parse(buf, len, err, sizeof err);
    CHECK(a && b && c && r1 && r2, "the file parses with given and drawn "
          "keys (%s)", err);
    if (!(a && b && c && r1 && r2))
        return;
    CHECK(userdb_size(a) == userdb_size(c)
          && !memcmp(a, c, userdb_size(a)),
          "the same key gives the same image");
    CHECK(userdb_size(a) == userdb_size(b) && memcmp(a, b, userdb_size(a)),
          "another key gives another image");
    CHECK(memcmp(r1, r2, userdb_size(r1)), "two parses draw two keys");
    /* each image finds every user through its own key */
    unsigned found = 0, moved = 0;
    for (unsigned i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "u%u", i);
        userdb_user u;
        cur = b;
        found += userdb_lookup(a, name, &u) && userdb_lookup(b, name, &u)
                 && userdb_lookup(r1, name, &u) && userdb_lookup(r2, name, &u);
        unsigned pa, pb;
        userdb_find(a, name, strlen(name), &pa);
        userdb_find(b, name, strlen(name), &pb);
        moved += pa != pb;
    }
    CHECK(found == n, "every user is found in each image (%u of %u)",
          found, n);
    CHECK(moved > 0, "names sit elsewhere under another key (%u of %u)",
          moved, n);
    /* an image whose key was changed finds its users no more: refused */
    userdb *copy = malloc(userdb_size(a));
    memcpy(copy, a, userdb_size(a));
    ((unsigned char *)copy)[offsetof(struct userdb, key)] ^= 1;
    CHECK(!userdb_valid(copy, userdb_size(a)) && userdb_valid(a, userdb_size(a)),
          "an image with another key than its index's is not well-formed");
    free(copy);
    userdb_free(a);
    userdb_free(b);
    userdb_free(c);
    userdb_free(r1);
    userdb_free(r2);
    free(buf);
}

/* Names crafted against the table's index (issue: hash flooding).  The low
 * 32 bits of FNV-1a depend only on the low 32 bits of its state, and the
 * blocks "th3a" and "8faq" lead from each state these names pass through
 * to one state: names made of COLLIDE_K such blocks, each position either,
 * all have the same low 32 bits (bench/parse.c finds such pairs).  Under
 * that hash every name fell in one slot and each insert or look-up walked
 * past all the others: quadratic.  The oracle: each listed name finds its
 * own entry and role, the others are not found, and the searches look at
 * a few slots each, not thousands. */
#define COLLIDE_K 15
#define COLLIDE_LEN (4 * COLLIDE_K)

static void colliding_name(unsigned u, char *name)
{
    for (unsigned i = 0; i < COLLIDE_K; i++)
        memcpy(name + 4 * i, (u >> i) & 1 ? "8faq" : "th3a", 4);
    name[COLLIDE_LEN] = '\0';
}

static void test_colliding_names(void)
{
    /* names whose last block is "th3a" are listed, the others not */
    const unsigned listed = 1u << (COLLIDE_K - 1), all = 1u << COLLIDE_K;
    char name[COLLIDE_LEN + 1], first[COLLIDE_LEN + 1];
    colliding_name(0, first);
    uint32_t low = (uint32_t)hash_fnv1a64(first, COLLIDE_LEN);
    unsigned same = 0;
    for (unsigned u = 0; u < all; u++) {
        colliding_name(u, name);
        same += (uint32_t)hash_fnv1a64(name, COLLIDE_LEN) == low;
    }
    CHECK(same == all, "the %u crafted names share the low 32 bits of "
          "FNV-1a (%u do)", all, same);

    size_t line = COLLIDE_LEN + 10;          /* " role=rN\n" */
    char *buf = malloc((size_t)listed * line), *p = buf;
    for (unsigned u = 0; u < listed; u++) {
        colliding_name(u, p);
        p += COLLIDE_LEN;
        p += sprintf(p, " role=r%u\n", u % 7);
    }
    char err[128];
    userdb *db = userdb_parse(buf, (size_t)(p - buf), err, sizeof err);
    CHECK(db && userdb_count(db) == listed, "%u colliding names parse (%s)",
          listed, db ? "" : err);
    if (!db) {
        free(buf);
        return;
    }
    cur = db;
    unsigned found = 0, right = 0, absent = 0;
    unsigned long long probes_in = 0, probes_out = 0;
    for (unsigned u = 0; u < all; u++) {
        colliding_name(u, name);
        unsigned probes;
        uint32_t e = userdb_find(db, name, COLLIDE_LEN, &probes);
        userdb_user us;
        char role[8];
        snprintf(role, sizeof role, "r%u", u % 7);
        if (u < listed) {
            probes_in += probes;
            found += e != 0;
            right += userdb_lookup(db, name, &us) && us.nroles == 1
                     && has(us.roles, us.nroles, role);
        }
        else {
            probes_out += probes;
            absent += e == 0 && !userdb_lookup(db, name, &us);
        }
    }
    CHECK(found == listed && right == listed,
          "each listed name finds its own entry and role (%u, %u of %u)",
          found, right, listed);
    CHECK(absent == all - listed, "the other crafted names are not found "
          "(%u of %u)", absent, all - listed);
    /* a table at most half full: 1.5 slots per search found and 2.5 per
     * search that fails, on average, whatever the names */
    CHECK(probes_in <= 4ull * listed, "a listed name's search looks at a "
          "few slots (%.1f on average)", (double)probes_in / listed);
    CHECK(probes_out <= 8ull * (all - listed), "an absent name's search "
          "looks at a few slots (%.1f on average)",
          (double)probes_out / (all - listed));
    CHECK(userdb_valid(db, userdb_size(db)), "its image is well-formed");
    userdb_free(db);
    free(buf);
}

/* The image's bytes for a file of len bytes filled with unit. */
static size_t image_of_fill(const char *unit, size_t len, size_t *users)
{
    size_t u = strlen(unit);
    char *buf = malloc(len), err[128];
    for (size_t at = 0; at + u <= len; at += u)
        memcpy(buf + at, unit, u);
    userdb *db = userdb_parse(buf, len / u * u, err, sizeof err);
    size_t size = db ? userdb_size(db) : 0;
    *users = db ? userdb_count(db) : 0;
    userdb_free(db);
    free(buf);
    return size;
}

/* The n-th shortest name over 62 letters and digits. */
static size_t short_name(unsigned long n, char *p)
{
    static const char a62[] = "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t len = 1;
    unsigned long span = 62;
    while (n >= span) {
        n -= span;
        span *= 62;
        len++;
    }
    for (size_t i = len; i-- > 0;) {
        p[i] = a62[n % 62];
        n /= 62;
    }
    return len;
}

/* What a file costs in memory is bounded by its size (docs/directives.md,
 * AuthzPolicyHtaccessLimits: the image is at most USERDB_IMAGE_FACTOR
 * times the file plus a megabyte; at a megabyte, within a few kilobytes
 * of the factor alone), for the shapes that cost the most per byte
 * (bench/parse.c measures them at 16 MB, and the parse's peak). */
#define USERDB_IMAGE_FACTOR 7
#define USERDB_IMAGE_SLACK 4096

static void test_image_size(void)
{
    const size_t len = 1 << 20;
    size_t users, size = image_of_fill("\n", len, &users);
    CHECK(size && size <= USERDB_IMAGE_SLACK, "a file of blank lines: an "
          "image of %zu bytes for %zu", size, len);
    size = image_of_fill("# x\n", len, &users);
    CHECK(size && size <= USERDB_IMAGE_SLACK, "a file of comments: an "
          "image of %zu bytes for %zu", size, len);

    char *buf = malloc(len), name[16], err[128];
    size_t at = 0;
    for (unsigned long n = 0;; n++) {
        size_t nl = short_name(n, name);
        if (at + nl + 1 > len)
            break;
        memcpy(buf + at, name, nl);
        buf[at + nl] = '\n';
        at += nl + 1;
    }
    userdb *db = userdb_parse(buf, at, err, sizeof err);
    size = db ? userdb_size(db) : 0;
    CHECK(db && size <= USERDB_IMAGE_FACTOR * at + USERDB_IMAGE_SLACK,
          "a file of the shortest names: an image of %zu bytes for %zu "
          "(%.2f times)", size, at, (double)size / (double)at);
    userdb_free(db);

    /* every user a role list of its own, of one-letter roles */
    at = 0;
    for (unsigned long n = 0;; n++) {
        char line[128];
        size_t nl = short_name(n, name);
        int w = snprintf(line, sizeof line, "%.*s role=", (int)nl, name);
        for (size_t i = 0; i < nl; i++)
            w += snprintf(line + w, sizeof line - (size_t)w, "%c,", name[i]);
        w += snprintf(line + w, sizeof line - (size_t)w, "a,b,c,d,e,f\n");
        if (at + (size_t)w > len)
            break;
        memcpy(buf + at, line, (size_t)w);
        at += (size_t)w;
    }
    db = userdb_parse(buf, at, err, sizeof err);
    size = db ? userdb_size(db) : 0;
    CHECK(db && size <= USERDB_IMAGE_FACTOR * at + USERDB_IMAGE_SLACK,
          "a file of role lists of their own: an image of %zu bytes for %zu "
          "(%.2f times)", size, at, (double)size / (double)at);
    userdb_free(db);
    free(buf);
}

int main(void)
{
    test_each_plan();
    test_held_plans();
    test_expiry();
    test_sample();
    test_errors();
    test_empty();
    test_million();
    test_siphash();
    test_keyed();
    test_colliding_names();
    test_image_size();
    return UNIT_DONE();
}
