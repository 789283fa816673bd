/* libFuzzer target: IP-list lines.  A parse gives a valid image or an
 * error; look-ups of addresses taken from the input never crash; an
 * arbitrary image is checked without crashing. */
#include "iplist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    iplist *l = iplist_parse((const char *)data, size, err, sizeof err);
    if (l) {
        if (!iplist_valid(l, iplist_size(l)))
            abort();
        uint8_t a[16] = { 0 };
        for (size_t i = 0; i + 16 <= size; i += 16) {
            memcpy(a, data + i, 16);
            (void)iplist_contains_v6(l, a);
            (void)iplist_contains_v4(l, a);
        }
        memcpy(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\1", 16);
        (void)iplist_contains_v6(l, a);
        iplist_free(l);
    }
    else if (!err[0]) {
        abort();
    }
    void *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    (void)iplist_valid(copy, size);
    free(copy);
    return 0;
}
