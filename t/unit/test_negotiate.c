/* Unit tests of the error-body format negotiation (negotiate.c). */
#include "negotiate.h"
#include "unit.h"

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
    return UNIT_DONE();
}
