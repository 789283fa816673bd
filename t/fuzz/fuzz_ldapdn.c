/* libFuzzer target: group DNs and joined memberOf values, as a directory
 * or a variable hands them over.  References written apart from the code:
 * a normalized DN normalizes to itself and names the same cn in lower
 * case; a filter-escaped value has no bare special and unescapes to the
 * input; split pieces are trimmed, non-empty, hold no bare ';' and, in
 * order, are found in the input. */
#include "ldapdn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char a[LDAPDN_MAX], b[LDAPDN_MAX], c[LDAPDN_MAX], d[LDAPDN_MAX];

static const char *input;
static size_t input_len, input_at;

static int bare(const char *s, size_t i)
{
    size_t n = 0;
    while (i > n && s[i - n - 1] == '\\')
        n++;
    return n % 2 == 0;
}

static void piece(const char *v, size_t len, void *ctx)
{
    (void)ctx;
    if (!len || v[0] == ' ' || (v[len - 1] == ' ' && bare(v, len - 1)))
        abort();
    for (size_t i = 0; i < len; i++)
        if (v[i] == ';' && bare(v, i))
            abort();
    if (v < input + input_at || v + len > input + input_len)
        abort();
    input_at = (size_t)(v - input) + len;
}

static void check_filter_escape(const char *s, size_t len)
{
    static char out[3 * 4096 + 1];
    if (len > 4096)
        return;
    long n = ldapdn_filter_escape(s, len, out, sizeof out);
    if (n < 0)
        abort();
    size_t j = 0;
    for (long i = 0; i < n; i++, j++) {
        char ch = out[i];
        if (ch == '*' || ch == '(' || ch == ')' || ch == 0)
            abort();
        if (ch == '\\') {
            char hex[3] = { out[i + 1], out[i + 2], 0 };
            ch = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        if (j >= len || ch != s[j])
            abort();
    }
    if (j != len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    long n = ldapdn_normalize(s, size, a, sizeof a);
    if (n >= 0) {
        if ((size_t)n != strlen(a))
            abort();
        long m = ldapdn_normalize(a, (size_t)n, b, sizeof b);
        if (m != n || memcmp(a, b, (size_t)n))
            abort();
    }
    long v = ldapdn_first_value(s, size, "cn", c, sizeof c);
    if (v >= 0 && n >= 0) {
        long w = ldapdn_first_value(a, (size_t)n, "CN", d, sizeof d);
        if (w != v)
            abort();
        for (long i = 0; i < v; i++) {
            char ch = c[i] >= 'A' && c[i] <= 'Z' ? c[i] - 'A' + 'a' : c[i];
            if (d[i] != ch)
                abort();
        }
    }
    input = s;
    input_len = size;
    input_at = 0;
    ldapdn_split(s, size, piece, NULL);
    check_filter_escape(s, size);
    size_t role_len;
    if (ldapdn_parse_map(s, size, &role_len, b, sizeof b) == 0
        && (role_len == 0 || role_len >= size || s[role_len] != '='))
        abort();
    return 0;
}
