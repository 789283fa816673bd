/* A few lines of TAP for the C unit tests: each binary prints "ok N - ..."
 * lines and its plan, so the Apache::Test harness counts them with the
 * server tests (see t/unit_*.t). */
#ifndef UNIT_H
#define UNIT_H
#include <stdio.h>

static int unit_count, unit_failed;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        int ok_ = (cond) ? 1 : 0;                                           \
        unit_count++;                                                       \
        if (!ok_)                                                           \
            unit_failed++;                                                  \
        printf("%sok %d - ", ok_ ? "" : "not ", unit_count);                \
        printf(__VA_ARGS__);                                                \
        printf("\n");                                                       \
        if (!ok_)                                                           \
            printf("#   failed at %s line %d\n", __FILE__, __LINE__);       \
    } while (0)

#define UNIT_DONE() (printf("1..%d\n", unit_count), unit_failed ? 1 : 0)

#endif
