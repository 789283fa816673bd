/*
 * json: a small reader of JSON documents, for authz-policy explain (the
 * explain handler's answers).  C only.
 */
#ifndef AUTHZ_POLICY_TOOL_JSON_H
#define AUTHZ_POLICY_TOOL_JSON_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
               JSON_OBJECT } json_type;

typedef struct json json;
struct json {
    json_type type;
    char *string;               /* a string's bytes (UTF-8, NUL-free) */
    double number;              /* a number; a bool is 0 or 1 */
    char *key;                  /* a member of an object: its name */
    json *first, *next;         /* an array's or object's members */
};

/* The document in text (len bytes); NULL if it is not JSON (or memory
 * ran out).  json_free frees what it returns. */
json *json_parse(const char *text, size_t len);
void json_free(json *v);

/* An object's member, or NULL. */
const json *json_get(const json *object, const char *key);
/* A member's string, or NULL if it is missing or not a string. */
const char *json_string(const json *object, const char *key);

#endif
