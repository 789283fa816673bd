/* libFuzzer target: whatever the bytes, escaped output stays within its
 * bound, is valid UTF-8, and can neither open markup (HTML) nor end the
 * string or carry a raw control character (JSON). */
#include "escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!k || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *h = malloc(ESCAPE_HTML_MAX(size));
    size_t hn = escape_html(h, (const char *)data, size);
    if (hn >= ESCAPE_HTML_MAX(size) || strlen(h) != hn
        || !valid_utf8((unsigned char *)h, hn) || strpbrk(h, "<>\"'"))
        abort();
    free(h);

    char *j = malloc(ESCAPE_JSON_MAX(size));
    size_t jn = escape_json(j, (const char *)data, size);
    if (jn >= ESCAPE_JSON_MAX(size) || strlen(j) != jn
        || !valid_utf8((unsigned char *)j, jn) || strpbrk(j, "<>&"))
        abort();
    for (size_t i = 0; i < jn; i++) {
        unsigned char c = (unsigned char)j[i];
        if (c < 0x20 || c == 0x7f)
            abort();
        if (c == '\\') {
            i++;                        /* the escaped character */
            if (i >= jn || !strchr("\"\\/bfnrtu", j[i]))
                abort();
        }
        else if (c == '"') {
            abort();                    /* an unescaped quote ends it */
        }
    }
    free(j);
    return 0;
}
