/* libFuzzer target: Accept-header negotiation never crashes and always
 * answers one of the three formats. */
#include "negotiate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *accept = malloc(size + 1);
    memcpy(accept, data, size);
    accept[size] = '\0';
    negotiated_format f = negotiate_error_format(accept);
    if (f != NEGOTIATED_HTML && f != NEGOTIATED_JSON && f != NEGOTIATED_PROBLEM)
        abort();
    free(accept);
    return 0;
}
