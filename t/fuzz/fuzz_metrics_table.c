/* libFuzzer target: Prometheus label escaping (metrics_table.c).
 * Reference, written apart: the output is read back by the format's own
 * rules (\\ \" \n the only escapes, no raw '"' or line feed), which must
 * give the input back wherever the input was valid UTF-8, and U+FFFD for
 * each byte where it was not; the output stays within its bound. */
#include "metrics_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (naive: structure, ranges,
 * no overlongs or surrogates), 0 if none. */
static size_t valid_at(const unsigned char *s, size_t n)
{
    unsigned c = s[0], k, cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)      { k = 2; cp = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { k = 3; cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { k = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < k)
        return 0;
    for (unsigned j = 1; j < k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* what reading the output back must give */
    unsigned char *want = malloc(size * 3 + 1);
    size_t wn = 0;
    for (size_t i = 0; i < size;) {
        size_t k = valid_at(data + i, size - i);
        if (!k) {
            memcpy(want + wn, "\xef\xbf\xbd", 3);
            wn += 3;
            i++;
            continue;
        }
        memcpy(want + wn, data + i, k);
        wn += k;
        i += k;
    }
    char *out = malloc(MTAB_LABEL_MAX(size));
    size_t on = mtab_escape_label(out, (const char *)data, size);
    if (on >= MTAB_LABEL_MAX(size))
        abort();
    unsigned char *back = malloc(on + 1);
    size_t bn = 0;
    for (size_t i = 0; i < on; i++) {
        if (out[i] == '"' || out[i] == '\n')
            abort();                         /* would end the value */
        if (out[i] != '\\') {
            back[bn++] = (unsigned char)out[i];
            continue;
        }
        if (++i >= on)
            abort();                         /* a lone backslash at the end */
        if (out[i] == 'n')
            back[bn++] = '\n';
        else if (out[i] == '\\' || out[i] == '"')
            back[bn++] = (unsigned char)out[i];
        else
            abort();                         /* not an escape of the format */
    }
    if (bn != wn || memcmp(back, want, wn))
        abort();
    free(want);
    free(out);
    free(back);
    return 0;
}
