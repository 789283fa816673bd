/*
 * negotiate: RFC 9110 section 12.5.1 Accept matching, reduced to the three
 * formats an error body can take.
 */
#include "negotiate.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *type, *subtype;
} candidates[] = {
    { "text", "html" },
    { "application", "json" },
    { "application", "problem+json" },
};
#define NCANDIDATES 3

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* q = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths;
 * -1 when malformed. */
static int parse_q(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int q = (s[0] - '0') * 1000;
    if (len == 1)
        return q;
    if (s[1] != '.' || len > 5)
        return -1;
    int scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

static int token_eq(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

negotiated_format negotiate_error_format(const char *accept)
{
    /* per candidate: the q of the most specific matching range so far */
    int best_q[NCANDIDATES] = { -1, -1, -1 };
    int best_spec[NCANDIDATES] = { -1, -1, -1 };

    const char *p = accept;
    while (p && *p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *s = p;
        p = *end ? end + 1 : end;

        while (s < end && is_ows(*s))
            s++;
        const char *semi = s;
        while (semi < end && *semi != ';')
            semi++;
        const char *mend = semi;
        if (semi == end)
            semi = NULL;
        while (mend > s && is_ows(mend[-1]))
            mend--;
        const char *slash = s;
        while (slash < mend && *slash != '/')
            slash++;
        if (slash == mend || slash == s || slash + 1 == mend)
            continue;                       /* not a media range */
        const char *type = s, *sub = slash + 1;
        size_t tlen = (size_t)(slash - s), slen = (size_t)(mend - sub);

        int q = 1000;
        const char *prm = semi ? semi + 1 : end;
        while (prm < end) {
            const char *pend = prm;
            while (pend < end && *pend != ';')
                pend++;
            const char *a = prm, *b = pend;
            while (a < b && is_ows(*a))
                a++;
            while (b > a && is_ows(b[-1]))
                b--;
            if (b - a >= 2 && (a[0] == 'q' || a[0] == 'Q') && a[1] == '=')
                q = parse_q(a + 2, (size_t)(b - a - 2));
            prm = pend < end ? pend + 1 : end;
        }
        if (q < 0)
            continue;                       /* malformed weight: ignored */

        int wild_type = token_eq(type, tlen, "*");
        int wild_sub = token_eq(sub, slen, "*");
        if (wild_type && !wild_sub)
            continue;                       /* "* /html" is not a range */
        for (int c = 0; c < NCANDIDATES; c++) {
            int spec;
            if (wild_type)
                spec = 0;
            else if (!token_eq(type, tlen, candidates[c].type))
                continue;
            else if (wild_sub)
                spec = 1;
            else if (token_eq(sub, slen, candidates[c].subtype))
                spec = 2;
            else
                continue;
            if (spec > best_spec[c]) {
                best_spec[c] = spec;
                best_q[c] = q;
            }
        }
    }

    /* Highest q wins; ties go to the earlier candidate (html first). */
    int winner = NEGOTIATED_HTML, wq = 0;
    for (int c = 0; c < NCANDIDATES; c++)
        if (best_q[c] > wq) {
            wq = best_q[c];
            winner = c;
        }
    return (negotiated_format)winner;
}
