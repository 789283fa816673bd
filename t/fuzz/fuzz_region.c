/* libFuzzer target: region codes (Require region arguments, CDN headers,
 * variables).  A code that parses is upper case and parses again to
 * itself; matching never crashes. */
#include "region.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char code[REGION_MAX], again[REGION_MAX];
    if (region_parse((const char *)data, size, code)) {
        size_t n = strlen(code);
        if (n != size || n >= REGION_MAX)
            abort();
        for (size_t i = 0; i < n; i++)
            if (code[i] >= 'a' && code[i] <= 'z')
                abort();
        if (!region_parse(code, n, again) || strcmp(code, again))
            abort();
        char country[3] = { code[0], code[1], 0 };
        int xx = !strcmp(code, "XX");
        /* a code matches itself; XX matches only an unknown region */
        if (region_matches(code, country, n > 2 ? code : NULL) == xx)
            abort();
        if (region_matches(code, NULL, NULL) != xx)
            abort();
    }
    return 0;
}
