/* Unit tests of the table of denial reasons (reason.c). */
#include "reason.h"
#include "unit.h"

#include <string.h>

int main(void)
{
    for (int i = 0; i < REASON_COUNT; i++) {
        const reason_info *ri = &reason_table[i];
        CHECK(ri->name && ri->code && ri->message, "reason %d is filled in", i);
        CHECK(reason_by_name(ri->name) == i, "%s is found by its name", ri->name);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(ri->name, reason_table[j].name)
                  && strcmp(ri->code, reason_table[j].code),
                  "%s and %s have names and codes of their own", ri->name,
                  reason_table[j].name);
        CHECK(ri->default_status == (i == REASON_ANONYMOUS ? 401
                                     : i == REASON_ERROR ? 500 : 403),
              "%s answers %d by default", ri->name, ri->default_status);
    }
    CHECK(reason_by_name("ROLE") == REASON_ROLE, "names are case-insensitive");
    CHECK(reason_by_name("roles") == -1, "an unknown name is -1");
    CHECK(reason_by_name("") == -1, "the empty name is -1");
    CHECK(!strcmp(reason_table[REASON_SCOPE].code, "insufficient_scope"),
          "scope's code is RFC 6750's insufficient_scope");
    CHECK(!strcmp(reason_table[REASON_ORIGIN].name, "origin")
          && !strcmp(reason_table[REASON_ORIGIN].code, "cross_origin_request"),
          "origin's code is cross_origin_request");
    char list[256];
    reason_name_list(list, sizeof list);
    CHECK(!strcmp(list, "anonymous, role, plan, scope, region, iplist, origin, "
                        "other or error"), "the list of names: %s", list);
    CHECK(!strcmp(reason_table[REASON_ERROR].name, "error")
          && !strcmp(reason_table[REASON_ERROR].code, "source_unavailable"),
          "a failing source: reason error, code source_unavailable");
    reason_name_list(list, 10);
    CHECK(strlen(list) == 9, "a short buffer truncates the list");
    return UNIT_DONE();
}
