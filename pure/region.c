/*
 * region: parsing and matching ISO 3166 codes.
 */
#include "region.h"

#include <string.h>

static int alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int alnum(char c)
{
    return alpha(c) || (c >= '0' && c <= '9');
}

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

int region_parse(const char *s, size_t len, char out[REGION_MAX])
{
    if (len < 2 || !alpha(s[0]) || !alpha(s[1]))
        return 0;
    if (len > 2) {
        if (len < 4 || len > 6 || s[2] != '-')
            return 0;
        for (size_t i = 3; i < len; i++)
            if (!alnum(s[i]))
                return 0;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = upper(s[i]);
    out[len] = '\0';
    return 1;
}

int region_matches(const char *required, const char *country,
                   const char *subdivision)
{
    if (!strcmp(required, "XX"))
        return country == NULL;
    if (!country)
        return 0;
    if (strlen(required) == 2)
        return !strcmp(required, country);
    return subdivision && !strcmp(required, subdivision);
}
