/* authz-policy's usage message. */
#include "usage.h"

#include <stdio.h>

int usage_error(const char *what)
{
    fprintf(stderr, "authz-policy: %s\n"
            "usage: authz-policy check users|iplist FILE...\n"
            "       authz-policy explain EXPLAIN-URL URL-PATH --user NAME "
            "[--ip ADDRESS] [--method METHOD] [--header NAME:VALUE]...\n",
            what);
    return 1;
}
