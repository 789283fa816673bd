/*
 * ldapdn: distinguished names as far as roles need them (see ldapdn.h).
 * The grammar is RFC 4514's, read leniently where directories are known
 * to differ: spaces around ',', '+' and '=' are allowed (Active Directory
 * and older tools write "CN=Admins, OU=Groups"), '=' may stand unescaped
 * in a value.  Quoted values (RFC 1779) and ';' between RDNs are refused.
 */
#include "ldapdn.h"

#include <string.h>

#define TYPE_MAX 64

/* One attribute type and value, the value unescaped. */
typedef struct {
    char type[TYPE_MAX];         /* lower case */
    char value[LDAPDN_MAX];
    size_t value_len;
    int hex;                     /* "#04..." form, kept as written */
} dn_pair;

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int is_alpha(int c)
{
    c = lower(c);
    return c >= 'a' && c <= 'z';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && *p == ' ')
        p++;
    return p;
}

/* A descriptor ("cn") or a numeric OID ("2.5.4.3"), in lower case. */
static const char *parse_type(const char *p, const char *end, dn_pair *a)
{
    size_t n = 0;
    int oid = p < end && is_digit(*p);
    if (p >= end || !(oid || is_alpha(*p)))
        return NULL;
    while (p < end && (is_alpha(*p) || is_digit(*p) || *p == '-'
                       || (oid && *p == '.'))) {
        if (n + 1 >= TYPE_MAX || (oid && is_alpha(*p)))
            return NULL;
        a->type[n++] = (char)lower(*p++);
    }
    a->type[n] = '\0';
    return p;
}

/* The "#hex" form of a value: kept as written, in lower case. */
static const char *parse_hex_value(const char *p, const char *end, dn_pair *a)
{
    size_t n = 0;
    a->value[n++] = *p++;
    while (p < end && hex_digit(*p) >= 0) {
        if (n + 1 >= LDAPDN_MAX)
            return NULL;
        a->value[n++] = (char)lower(*p++);
    }
    if (n < 3 || (n - 1) % 2)
        return NULL;
    a->value_len = n;
    a->hex = 1;
    return skip_spaces(p, end);
}

/* A string value up to an unescaped ',' or '+'; unescaped trailing
 * spaces are not part of it, escaped ones are. */
static const char *parse_string_value(const char *p, const char *end,
                                      dn_pair *a)
{
    size_t n = 0, kept = 0;
    while (p < end && *p != ',' && *p != '+') {
        int c = (unsigned char)*p++;
        int escaped = 0;
        if (c == '\\') {
            if (p >= end)
                return NULL;
            int hi = hex_digit(*p);
            if (hi >= 0 && p + 1 < end && hex_digit(p[1]) >= 0) {
                c = hi * 16 + hex_digit(p[1]);
                p += 2;
            }
            else if (strchr(",=+<>#;\\\" ", *p) && *p) {
                c = (unsigned char)*p++;
            }
            else {
                return NULL;
            }
            escaped = 1;
        }
        else if (c == '"' || c == ';' || c == '<' || c == '>' || c == 0) {
            return NULL;
        }
        if (n + 1 >= LDAPDN_MAX)
            return NULL;
        a->value[n++] = (char)c;
        if (escaped || c != ' ')
            kept = n;
    }
    a->value_len = kept;
    a->hex = 0;
    return p;
}

/* One type=value at p; *sep gets the ',' or '+' after it, or 0 at the
 * end.  NULL when malformed. */
static const char *parse_pair(const char *p, const char *end, dn_pair *a,
                              char *sep)
{
    p = parse_type(skip_spaces(p, end), end, a);
    if (!p)
        return NULL;
    p = skip_spaces(p, end);
    if (p >= end || *p != '=')
        return NULL;
    p = skip_spaces(p + 1, end);
    p = p < end && *p == '#' ? parse_hex_value(p, end, a)
                             : parse_string_value(p, end, a);
    if (!p)
        return NULL;
    if (p < end && *p != ',' && *p != '+')
        return NULL;
    *sep = p < end ? *p++ : 0;
    return p;
}

long ldapdn_first_value(const char *dn, size_t len, const char *type,
                        char *out, size_t size)
{
    dn_pair a;
    char sep;
    if (!parse_pair(dn, dn + len, &a, &sep) || sep == '+' || a.hex)
        return -1;
    size_t tl = strlen(type);
    if (tl != strlen(a.type))
        return -1;
    for (size_t i = 0; i < tl; i++)
        if (lower((unsigned char)type[i]) != a.type[i])
            return -1;
    if (a.value_len + 1 > size)
        return -1;
    memcpy(out, a.value, a.value_len);
    out[a.value_len] = '\0';
    return (long)a.value_len;
}

/* Appends n bytes; 0 when they do not fit (with the NUL). */
static int put(char *out, size_t size, size_t *at, const char *s, size_t n)
{
    if (*at + n + 1 > size)
        return 0;
    memcpy(out + *at, s, n);
    *at += n;
    return 1;
}

/* A value in lower case, escaped where RFC 4514 requires it. */
static int put_value(char *out, size_t size, size_t *at, const dn_pair *a)
{
    static const char hexchars[] = "0123456789abcdef";
    for (size_t i = 0; i < a->value_len; i++) {
        unsigned char c = (unsigned char)lower((unsigned char)a->value[i]);
        int edge = (i == 0 && (c == '#' || c == ' '))
                   || (i + 1 == a->value_len && c == ' ');
        int ok;
        if (a->hex)
            ok = put(out, size, at, (const char *)&c, 1);
        else if (c < 0x20 || c == 0x7f) {
            char esc[3] = { '\\', hexchars[c >> 4], hexchars[c & 15] };
            ok = put(out, size, at, esc, 3);
        }
        else if (edge || strchr("\"+,;<>\\", c)) {
            char esc[2] = { '\\', (char)c };
            ok = put(out, size, at, esc, 2);
        }
        else
            ok = put(out, size, at, (const char *)&c, 1);
        if (!ok)
            return 0;
    }
    return 1;
}

long ldapdn_normalize(const char *dn, size_t len, char *out, size_t size)
{
    const char *p = dn, *end = dn + len;
    size_t at = 0;
    dn_pair a;
    char sep = 0;
    if (!size)
        return -1;
    out[0] = '\0';
    if (skip_spaces(p, end) == end)
        return 0;                    /* the empty DN */
    do {
        if (at && !put(out, size, &at, &sep, 1))
            return -1;
        p = parse_pair(p, end, &a, &sep);
        if (!p || !put(out, size, &at, a.type, strlen(a.type))
            || !put(out, size, &at, "=", 1) || !put_value(out, size, &at, &a))
            return -1;
    } while (sep);
    out[at] = '\0';
    return (long)at;
}

/* Whether the byte at i is escaped by an odd run of backslashes. */
static int escaped_at(const char *s, size_t i)
{
    size_t n = 0;
    while (i > n && s[i - n - 1] == '\\')
        n++;
    return n % 2;
}

void ldapdn_split(const char *joined, size_t len,
                  void (*each)(const char *value, size_t len, void *ctx),
                  void *ctx)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && (joined[i] != ';' || escaped_at(joined, i)))
            continue;
        size_t a = start, b = i;
        while (a < b && joined[a] == ' ')
            a++;
        while (b > a && joined[b - 1] == ' ' && !escaped_at(joined, b - 1))
            b--;
        if (b > a)
            each(joined + a, b - a, ctx);
        start = i + 1;
    }
}

long ldapdn_filter_escape(const char *in, size_t len, char *out, size_t size)
{
    static const char hexchars[] = "0123456789abcdef";
    size_t at = 0;
    if (!size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        int ok;
        if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
            char esc[3] = { '\\', hexchars[c >> 4], hexchars[c & 15] };
            ok = put(out, size, &at, esc, 3);
        }
        else
            ok = put(out, size, &at, (const char *)&c, 1);
        if (!ok)
            return -1;
    }
    out[at] = '\0';
    return (long)at;
}

int ldapdn_parse_map(const char *text, size_t len, size_t *role_len,
                     char *dn_out, size_t size)
{
    size_t i = 0;
    while (i < len && text[i] != '=') {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == ',' || !text[i])
            return -1;
        i++;
    }
    if (i == 0 || i == len)
        return -1;
    long n = ldapdn_normalize(text + i + 1, len - i - 1, dn_out, size);
    if (n <= 0)
        return -1;
    *role_len = i;
    return 0;
}
