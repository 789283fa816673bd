/* Unit tests of the error-body format negotiation (negotiate.c). */
#include "negotiate.h"
#include "unit.h"

#include <string.h>

static const char *name(negotiated_format f)
{
    return f == NEGOTIATED_JSON ? "json"
           : f == NEGOTIATED_PROBLEM ? "problem" : "html";
}

static void expect(const char *accept, negotiated_format want)
{
    negotiated_format got = negotiate_error_format(accept);
    CHECK(got == want, "Accept: %s -> %s (got %s)", accept ? accept : "(none)",
          name(want), name(got));
}

/* Every combination of weights of the three formats, each named exactly
 * (absent, refused, the least weight, a middle one, 1), against a naive
 * reading of the rule: the highest weight above 0 wins, ties go to html,
 * then json, then problem+json; nothing above 0 is html. */
static void weight_grid(void)
{
    static const char *const types[3] = { "text/html", "application/json",
                                          "application/problem+json" };
    static const char *const q[5] = { NULL, "0", "0.001", "0.5", "1" };
    static const int qv[5] = { -1, 0, 1, 500, 1000 };
    int wrong = 0, cases = 0;
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            for (int c = 0; c < 5; c++) {
                const int pick[3] = { a, b, c };
                char accept[160] = "";
                int best = -1, want = NEGOTIATED_HTML;
                for (int f = 0; f < 3; f++) {
                    if (!q[pick[f]])
                        continue;
                    size_t n = strlen(accept);
                    snprintf(accept + n, sizeof accept - n, "%s%s;q=%s",
                             n ? ", " : "", types[f], q[pick[f]]);
                    if (qv[pick[f]] > 0 && qv[pick[f]] > best) {
                        best = qv[pick[f]];
                        want = f;
                    }
                }
                negotiated_format got = negotiate_error_format(accept);
                cases++;
                if ((int)got != want) {
                    if (wrong++ < 5)
                        printf("# Accept: %s -> %s (got %s)\n", accept,
                               name((negotiated_format)want), name(got));
                }
            }
    CHECK(wrong == 0, "%d combinations of weights of the three formats: "
          "%d chosen otherwise than the highest weight above 0", cases, wrong);
}

int main(void)
{
    expect(NULL, NEGOTIATED_HTML);
    expect("", NEGOTIATED_HTML);
    expect("*/*", NEGOTIATED_HTML);
    expect("application/json", NEGOTIATED_JSON);
    expect("application/problem+json", NEGOTIATED_PROBLEM);
    expect("APPLICATION/JSON", NEGOTIATED_JSON);
    expect("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           NEGOTIATED_HTML);
    expect("application/json, text/html;q=0.9", NEGOTIATED_JSON);
    expect("text/html;q=0.5, application/json;q=0.8", NEGOTIATED_JSON);
    expect("application/json;q=0.5, application/problem+json",
           NEGOTIATED_PROBLEM);
    expect("application/json;q=0.5, text/html;q=0.5", NEGOTIATED_HTML);
    expect("application/json, application/problem+json", NEGOTIATED_JSON);
    expect("application/*", NEGOTIATED_JSON);
    expect("application/*;q=0.2, application/problem+json;q=0.3",
           NEGOTIATED_PROBLEM);
    expect("*/*;q=0.1, application/json;q=0.2", NEGOTIATED_JSON);
    expect("text/html;q=0, application/json;q=0", NEGOTIATED_HTML);
    expect("text/html;q=0, */*", NEGOTIATED_JSON);
    expect("image/png", NEGOTIATED_HTML);
    expect("application/json;q=2", NEGOTIATED_HTML);
    expect("application/json;q=abc, application/problem+json;q=0.1",
           NEGOTIATED_PROBLEM);
    expect("application/json ; charset=utf-8 ; q=0.7, text/html;q=0.6",
           NEGOTIATED_JSON);
    expect("application/json;Q=0.9,text/html;q=0.95", NEGOTIATED_HTML);
    expect(",,, ;;; /, */html, application/json", NEGOTIATED_JSON);
    expect("application/json;q=0.001, text/html;q=0.000", NEGOTIATED_JSON);
    expect("application/json;q=1.000", NEGOTIATED_JSON);
    expect("application/json;q=1.001", NEGOTIATED_HTML);
    expect("application/json;q=0.1234", NEGOTIATED_HTML);
    /* a format refused (q=0) is never chosen, even when nothing else is
     * named: the answer falls back to html */
    expect("application/json;q=0", NEGOTIATED_HTML);
    expect("application/problem+json;q=0.000", NEGOTIATED_HTML);
    expect("application/*;q=0", NEGOTIATED_HTML);
    expect("text/html;q=0, application/problem+json;q=0", NEGOTIATED_HTML);
    weight_grid();
    return UNIT_DONE();
}
