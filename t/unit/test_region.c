/* Unit tests of region codes (region.c). */
#include "region.h"
#include "unit.h"

#include <string.h>

static void ok(const char *s, const char *want)
{
    char out[REGION_MAX];
    CHECK(region_parse(s, strlen(s), out) && !strcmp(out, want), "%s -> %s", s, want);
}

static void bad(const char *s)
{
    char out[REGION_MAX];
    CHECK(!region_parse(s, strlen(s), out), "'%s' is not a region code", s);
}

int main(void)
{
    ok("DE", "DE");
    ok("de", "DE");
    ok("US-CA", "US-CA");
    ok("us-ca", "US-CA");
    ok("GB-ENG", "GB-ENG");
    ok("FR-75", "FR-75");
    ok("XX", "XX");
    bad("");
    bad("D");
    bad("DEU");
    bad("D1");
    bad("US-");
    bad("US_CA");
    bad("US-CALI");
    bad("US-C@");
    bad("1A");

    CHECK(region_matches("US", "US", "US-CA"), "a country matches its subdivisions");
    CHECK(region_matches("US", "US", NULL), "a country without subdivision");
    CHECK(region_matches("US-CA", "US", "US-CA"), "the subdivision itself");
    CHECK(!region_matches("US-CA", "US", "US-NY"), "not another subdivision");
    CHECK(!region_matches("US-CA", "US", NULL), "not an unknown subdivision");
    CHECK(!region_matches("DE", "US", "US-CA"), "not another country");
    CHECK(region_matches("XX", NULL, NULL), "XX matches an unknown region");
    CHECK(!region_matches("XX", "DE", NULL), "XX does not match a known one");
    CHECK(!region_matches("DE", NULL, NULL), "a country does not match unknown");
    return UNIT_DONE();
}
