/* Unit tests of HTML and JSON escaping (escape.c). */
#include "escape.h"
#include "unit.h"

#include <string.h>

static void html(const char *in, size_t len, const char *want)
{
    char out[ESCAPE_HTML_MAX(64)];
    escape_html(out, in, len);
    CHECK(!strcmp(out, want), "html: %s", want);
}

static void json(const char *in, size_t len, const char *want)
{
    char out[ESCAPE_JSON_MAX(64)];
    escape_json(out, in, len);
    CHECK(!strcmp(out, want), "json: %s", want);
}

#define S(x) x, sizeof(x) - 1

int main(void)
{
    html(S("plain text"), "plain text");
    html(S("<script>alert('x')</script>"),
         "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    html(S("a & \"b\""), "a &amp; &quot;b&quot;");
    html(S("caf\xc3\xa9"), "caf\xc3\xa9");
    html(S("bad \xff\xfe end"), "bad &#xFFFD;&#xFFFD; end");
    html(S("overlong \xc0\xaf"), "overlong &#xFFFD;&#xFFFD;");
    html(S("surrogate \xed\xa0\x80"), "surrogate &#xFFFD;&#xFFFD;&#xFFFD;");
    html(S("nul\0bell\a"), "nul&#xFFFD;bell&#xFFFD;");
    html(S("cut \xe2\x82"), "cut &#xFFFD;&#xFFFD;");

    json(S("plain"), "plain");
    json(S("quote\" backslash\\"), "quote\\\" backslash\\\\");
    json(S("line\nfeed\ttab\r"), "line\\nfeed\\ttab\\u000d");
    json(S("<script>&"), "\\u003cscript\\u003e\\u0026");
    json(S("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
    json(S("bad \xff end"), "bad \\ufffd end");
    json(S("nul\0x"), "nul\\u0000x");
    json(S("euro \xe2\x82\xac"), "euro \xe2\x82\xac");
    json(S("sep \xe2\x80\xa8"), "sep \\u2028");
    json(S("par \xe2\x80\xa9 end"), "par \\u2029 end");
    json(S("4-byte \xf0\x9f\x98\x80"), "4-byte \xf0\x9f\x98\x80");
    json(S("too high \xf4\x90\x80\x80"),
         "too high \\ufffd\\ufffd\\ufffd\\ufffd");

    /* worst cases stay within the advertised bounds */
    char in[64], out[ESCAPE_HTML_MAX(64)];
    memset(in, '\xff', sizeof in);
    CHECK(escape_html(out, in, sizeof in) == 8 * sizeof in, "html worst case");
    CHECK(escape_json(out, in, sizeof in) == 6 * sizeof in, "json worst case");
    return UNIT_DONE();
}
