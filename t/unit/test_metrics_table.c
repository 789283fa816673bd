/* Unit tests of the shared counter table and the Prometheus label
 * escaping (metrics_table.c). */
#include "metrics_table.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *shared_block(size_t size)
{
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

static void label(const char *in, size_t len, const char *want)
{
    char out[MTAB_LABEL_MAX(64)];
    size_t n = mtab_escape_label(out, in, len);
    CHECK(!strcmp(out, want) && n == strlen(want), "label: %s", want);
}

#define S(x) x, sizeof(x) - 1

static void names_and_overflow(void)
{
    mtab t;
    void *mem = shared_block(mtab_size(3, 2, 0));
    mtab_init(&t, mem, 3, 2, 0, "(other)");
    CHECK(mtab_find(&t, "/a") == NULL, "an unknown name has no entry");
    _Atomic uint64_t *a = mtab_counters(&t, "/a");
    atomic_fetch_add(&a[1], 5);
    CHECK(mtab_counters(&t, "/a") == a, "a name keeps its entry");
    CHECK(mtab_find(&t, "/a") == a && a[1] == 5, "found with its counts");
    _Atomic uint64_t *b = mtab_counters(&t, "/b");
    _Atomic uint64_t *c = mtab_counters(&t, "/c");
    CHECK(b != a && c != a && c != b, "each name its own entry");
    _Atomic uint64_t *d = mtab_counters(&t, "/d");
    _Atomic uint64_t *e = mtab_counters(&t, "/e");
    CHECK(d == e && d != a && d != b && d != c,
          "beyond the bound: one overflow entry");
    CHECK(mtab_used(&t) == 3, "three names in the table");
    char long_name[MTAB_NAME_MAX + 1];
    memset(long_name, 'x', MTAB_NAME_MAX);
    long_name[MTAB_NAME_MAX] = '\0';
    CHECK(mtab_counters(&t, long_name) == d, "a name too long: overflow");
    unsigned seen = 0, overflow = 0;
    for (unsigned i = 0; i < mtab_positions(&t); i++) {
        _Atomic uint64_t *cs;
        const char *name = mtab_entry(&t, i, &cs);
        if (name && !strcmp(name, "(other)"))
            overflow = cs == d;
        else if (name)
            seen++;
    }
    CHECK(seen == 3 && overflow, "the walk lists the names and the overflow");
    munmap(mem, mtab_size(3, 2, 0));
}

/* Several processes add the same names at once and count: one entry a
 * name, no count lost. */
static void across_processes(void)
{
    enum { PROCS = 4, NAMES = 40, ROUNDS = 200 };
    mtab t;
    size_t size = mtab_size(64, 1, 16);
    void *mem = shared_block(size);
    mtab_init(&t, mem, 64, 1, 16, "(other)");
    for (int p = 0; p < PROCS; p++) {
        if (fork() == 0) {
            char name[32];
            for (int r = 0; r < ROUNDS; r++)
                for (int n = 0; n < NAMES; n++) {
                    snprintf(name, sizeof name, "/area/%d", (n * 7 + p) % NAMES);
                    atomic_fetch_add(&mtab_counters(&t, name)[0], 1);
                }
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        wait(NULL);
    int right = 1;
    char name[32];
    for (int n = 0; n < NAMES; n++) {
        snprintf(name, sizeof name, "/area/%d", n);
        _Atomic uint64_t *c = mtab_find(&t, name);
        right &= c && *c == PROCS * ROUNDS;
    }
    CHECK(right && mtab_used(&t) == NAMES,
          "%d processes: each name once, every count there", PROCS);
    _Atomic uint64_t *c = mtab_find(&t, "/area/1");
    CHECK(mtab_extra(c, &t) == (void *)(c + 1), "extra bytes follow counters");
    munmap(mem, size);
}

/* Names added by owners within their shares: one owner past its share
 * gets the overflow entry, another still has rows, and a name already in
 * the table is found whoever asks. */
static void owner_shares(void)
{
    mtab t, owners;
    void *mem = shared_block(mtab_size(8, 1, 0));
    void *omem = shared_block(mtab_size(8, 1, 0));
    mtab_init(&t, mem, 8, 1, 0, "(other)");
    mtab_init(&owners, omem, 8, 1, 0, "(other)");
    _Atomic uint64_t *configured = mtab_counters(&t, "/etc/users");
    _Atomic uint64_t *overflow = NULL;
    char name[32];
    unsigned rows = 0;
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "/a/%d", i);
        _Atomic uint64_t *c = mtab_counters_shared(&t, name, &owners,
                                                   "uid 1", 3);
        if (mtab_find(&t, name) == c)
            rows++;
        else
            overflow = c;
    }
    CHECK(rows == 3 && overflow, "one owner: its share of rows, then the "
          "overflow entry (%u rows)", rows);
    _Atomic uint64_t *b = mtab_counters_shared(&t, "/b/0", &owners, "uid 2",
                                               3);
    CHECK(b && b != overflow && mtab_find(&t, "/b/0") == b,
          "another owner still has a row");
    CHECK(mtab_counters_shared(&t, "/a/0", &owners, "uid 2", 3)
          == mtab_find(&t, "/a/0"), "a name in the table is found by anyone");
    CHECK(mtab_counters_shared(&t, "/etc/users", &owners, "uid 1", 3)
          == configured, "... a configured name too, past the share");
    CHECK(mtab_find(&owners, "uid 1")[0] == 3
          && mtab_find(&owners, "uid 2")[0] == 1,
          "each owner's count: the names it added");
    munmap(mem, mtab_size(8, 1, 0));
    munmap(omem, mtab_size(8, 1, 0));
}

static void area_slots(void)
{
    int distinct = 1;
    unsigned char used[MTAB_AREA_COUNTERS] = { 0 };
    for (int d = MDEC_DENY; d < MDEC_COUNT; d++)
        for (int r = 0; r < REASON_COUNT; r++)
            for (unsigned s = 0; s < MTAB_STATUSES; s++) {
                unsigned i = mtab_area_slot(d, r, s);
                distinct &= i > 0 && i < MTAB_AREA_COUNTERS && !used[i];
                used[i] = 1;
            }
    CHECK(distinct, "every decision, reason and status its own counter");
    unsigned slot = 0, found = 0;
    mtab_denial n;
    _Atomic uint64_t area[MTAB_AREA_COUNTERS] = { 0 };
    atomic_store(&area[mtab_area_slot(MDEC_WOULD_DENY, REASON_IPLIST, 4)], 7);
    atomic_store(&area[mtab_area_slot(MDEC_DENY, REASON_ROLE, 1)], 2);
    while (mtab_next_denial(area, &slot, &n))
        found = found * 1000 + n.decision * 100 + n.reason * 10 + n.status;
    CHECK(found == 111 * 1000 + 254, "the denials above 0, decoded: %u", found);
    CHECK(mtab_area_slot(MDEC_GRANT, REASON_OTHER, 3) == 0,
          "grants: one counter");
    char buf[8];
    CHECK(!strcmp(mtab_status_label(mtab_status_index(451), buf), "451"),
          "451 has its label");
    CHECK(!strcmp(mtab_status_label(mtab_status_index(302), buf), "other"),
          "an unlisted status counts as other");
}

int main(void)
{
    names_and_overflow();
    across_processes();
    owner_shares();
    area_slots();
    label(S("/plain/path"), "/plain/path");
    label(S("a\"b"), "a\\\"b");
    label(S("a\\b"), "a\\\\b");
    label(S("line\nbreak"), "line\\nbreak");
    label(S("tab\there"), "tab\there");
    label(S("caf\xc3\xa9"), "caf\xc3\xa9");
    label(S("bad \xff end"), "bad \xef\xbf\xbd end");
    label(S("{x=\"1\"}"), "{x=\\\"1\\\"}");
    return UNIT_DONE();
}
