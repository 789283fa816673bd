/* Unit tests of pure/ldapdn.c: group DNs from directories into role
 * names and comparable forms. */
#include "ldapdn.h"
#include "unit.h"

#include <string.h>

static char buf[LDAPDN_MAX];

static const char *norm(const char *dn)
{
    return ldapdn_normalize(dn, strlen(dn), buf, sizeof buf) < 0 ? "(bad)"
                                                                  : buf;
}

static const char *cn(const char *dn)
{
    return ldapdn_first_value(dn, strlen(dn), "cn", buf, sizeof buf) < 0
           ? "(none)" : buf;
}

static char pieces[1024];
static void gather(const char *v, size_t len, void *ctx)
{
    (void)ctx;
    strcat(pieces, "[");
    strncat(pieces, v, len);
    strcat(pieces, "]");
}

static const char *split(const char *joined)
{
    pieces[0] = '\0';
    ldapdn_split(joined, strlen(joined), gather, NULL);
    return pieces;
}

static const char *fesc(const char *s, size_t len)
{
    return ldapdn_filter_escape(s, len, buf, sizeof buf) < 0 ? "(bad)" : buf;
}

int main(void)
{
    /* the first RDN's value */
    CHECK(!strcmp(cn("cn=admins,ou=groups,dc=example,dc=com"), "admins"),
          "cn of a plain group DN");
    CHECK(!strcmp(cn("CN=Domain Admins,CN=Users,DC=corp,DC=example"),
                  "Domain Admins"), "CN in upper case, a space in the value");
    CHECK(!strcmp(cn(" cn = ops , ou=groups"), "ops"),
          "spaces around '=' and ',' are not part of the value");
    CHECK(!strcmp(cn("cn=a\\,b\\2bc,ou=x"), "a,b+c"),
          "escaped ',' and hex pair unescaped");
    CHECK(!strcmp(cn("cn=\\ lead\\ ,ou=x"), " lead "),
          "escaped leading and trailing spaces kept");
    CHECK(!strcmp(cn("ou=admins,dc=example"), "(none)"),
          "a first RDN of another type names no role");
    CHECK(!strcmp(cn("cn=a+uid=b,dc=example"), "(none)"),
          "a multi-valued first RDN names no role");
    CHECK(!strcmp(cn("cn=#0403616263,dc=x"), "(none)"),
          "a value in hex form names no role");
    CHECK(!strcmp(cn("cn=a,dc=x,"), "a"),
          "only the first RDN is read");
    CHECK(!strcmp(cn("cn=a\"b,dc=x"), "(none)"), "an unescaped quote refused");
    CHECK(!strcmp(cn("cn=a\\"), "(none)"), "a trailing backslash refused");
    CHECK(!strcmp(cn("cn=a\\zz"), "(none)"), "an unknown escape refused");
    CHECK(!strcmp(cn("=a,dc=x"), "(none)"), "a missing type refused");
    CHECK(!strcmp(cn("cn"), "(none)"), "a type without '=' refused");
    CHECK(!strcmp(cn("cn="), ""), "an empty value is a value");
    CHECK(ldapdn_first_value("cn=abcdef", 9, "cn", buf, 6) == -1,
          "a value that does not fit is refused, not cut");
    CHECK(ldapdn_first_value("cn=abcdef", 6, "cn", buf, sizeof buf) == 3
          && !strcmp(buf, "abc"), "the length is obeyed");

    /* one form for comparing */
    CHECK(!strcmp(norm("CN=Domain Admins, OU=Groups,DC=Example,DC=com"),
                  "cn=domain admins,ou=groups,dc=example,dc=com"),
          "types and values in lower case, spaces after ',' dropped");
    CHECK(!strcmp(norm("cn=a\\2Cb,dc=x"), "cn=a\\,b,dc=x"),
          "a hex-escaped ',' comes out as \\,");
    CHECK(!strcmp(norm("cn=\\#x\\ ,dc=x"), "cn=\\#x\\ ,dc=x"),
          "leading '#' and trailing space stay escaped");
    CHECK(!strcmp(norm("cn=a=b,dc=x"), "cn=a=b,dc=x"),
          "an unescaped '=' in a value is accepted");
    CHECK(!strcmp(norm("cn=a + uid=B,dc=x"), "cn=a+uid=b,dc=x"),
          "multi-valued RDN kept in order");
    CHECK(!strcmp(norm("2.5.4.3=x,DC=y"), "2.5.4.3=x,dc=y"), "a numeric OID type");
    CHECK(!strcmp(norm("cn=#04AB,dc=y"), "cn=#04ab,dc=y"), "a hex value kept");
    CHECK(!strcmp(norm("cn=#04A,dc=y"), "(bad)"), "an odd hex value refused");
    CHECK(!strcmp(norm("cn=a\\00b"), "cn=a\\00b"), "NUL stays escaped");
    CHECK(!strcmp(norm(""), ""), "the empty DN");
    CHECK(!strcmp(norm("cn=a,"), "(bad)"), "a trailing ',' refused");
    CHECK(!strcmp(norm("cn=a;ou=b"), "(bad)"), "';' between RDNs refused");
    CHECK(!strcmp(norm("1cn=a"), "(bad)"), "an OID with letters refused");
    CHECK(ldapdn_normalize("cn=abc", 6, buf, 6) == -1,
          "a form that does not fit is refused");

    /* values as mod_ldap joins them */
    CHECK(!strcmp(split("cn=a,dc=x; cn=b,dc=x"), "[cn=a,dc=x][cn=b,dc=x]"),
          "\"; \" separates values");
    CHECK(!strcmp(split("cn=a\\;b,dc=x; cn=c"), "[cn=a\\;b,dc=x][cn=c]"),
          "an escaped ';' does not split");
    CHECK(!strcmp(split("cn=a\\\\; cn=c"), "[cn=a\\\\][cn=c]"),
          "after an escaped backslash ';' splits");
    CHECK(!strcmp(split(" ; ;cn=a\\ ; "), "[cn=a\\ ]"),
          "empty values skipped, an escaped trailing space kept");
    CHECK(!strcmp(split(""), ""), "nothing: no value");

    /* filter assertion values */
    CHECK(!strcmp(fesc("a*(b)\\c", 7), "a\\2a\\28b\\29\\5cc"),
          "filter specials escaped");
    CHECK(!strcmp(fesc("a\0b", 3), "a\\00b"), "NUL escaped");
    CHECK(ldapdn_filter_escape("***", 3, buf, 9) == -1,
          "an escaped value that does not fit is refused");

    /* map entries */
    size_t rl = 0;
    const char *e = "admin=CN=Domain Admins,CN=Users,DC=corp";
    CHECK(ldapdn_parse_map(e, strlen(e), &rl, buf, sizeof buf) == 0 && rl == 5
          && !strcmp(buf, "cn=domain admins,cn=users,dc=corp"),
          "ROLE=DN: role and normalized DN");
    CHECK(ldapdn_parse_map("=cn=a", 5, &rl, buf, sizeof buf) == -1,
          "an empty role refused");
    CHECK(ldapdn_parse_map("a b=cn=a", 8, &rl, buf, sizeof buf) == -1,
          "a role with a space refused");
    CHECK(ldapdn_parse_map("admin", 5, &rl, buf, sizeof buf) == -1,
          "no DN refused");
    CHECK(ldapdn_parse_map("admin=", 6, &rl, buf, sizeof buf) == -1,
          "an empty DN refused");
    CHECK(ldapdn_parse_map("admin=cn", 8, &rl, buf, sizeof buf) == -1,
          "a malformed DN refused");
    return UNIT_DONE();
}
