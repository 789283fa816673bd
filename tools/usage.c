/* authz-policy's usage message. */
#include "usage.h"

#include <stdio.h>

int usage_error(const char *what)
{
    fprintf(stderr, "authz-policy: %s\n"
            "usage: authz-policy check users|iplist FILE...\n"
            "       authz-policy explain EXPLAIN-URL URL-PATH|URL --user NAME "
            "[--ip ADDRESS] [--method METHOD] [--host NAME] "
            "[--header NAME:VALUE]... [--env NAME=VALUE]...\n"
            "explain exits 0 grant, 2 deny, 3 cannot tell, 1 error\n",
            what);
    return 1;
}
