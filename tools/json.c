/* A small JSON reader (json.h): recursive descent, depth-limited. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
    const char *p, *end;
} reader;

static json *value(reader *in, int depth);

static void skip_space(reader *in)
{
    while (in->p < in->end && strchr(" \t\r\n", *in->p))
        in->p++;
}

static int literal(reader *in, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n))
        return 0;
    in->p += n;
    return 1;
}

static int hex4(const char *s, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return 0;
        *out = *out * 16 + (unsigned)d;
    }
    return 1;
}

static char *put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    }
    else if (cp < 0x800) {
        *d++ = (char)(0xc0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3f));
    }
    else if (cp < 0x10000) {
        *d++ = (char)(0xe0 | cp >> 12);
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    }
    else {
        *d++ = (char)(0xf0 | cp >> 18);
        *d++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    }
    return d;
}

/* \uXXXX, a surrogate pair taken whole; NUL refused (strings are C's). */
static int unicode_escape(reader *in, unsigned *cp)
{
    if (in->end - in->p < 5 || !hex4(in->p + 1, cp))
        return 0;
    in->p += 5;
    if (*cp >= 0xd800 && *cp < 0xdc00) {
        unsigned lo;
        if (in->end - in->p < 6 || in->p[0] != '\\' || in->p[1] != 'u'
            || !hex4(in->p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
            return 0;
        in->p += 6;
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    else if (*cp >= 0xdc00 && *cp < 0xe000) {
        return 0;
    }
    return *cp != 0;
}

/* A string, the opening quote already read. */
static char *string(reader *in)
{
    char *out = malloc((size_t)(in->end - in->p) + 1), *d = out;
    while (out && in->p < in->end && *in->p != '"') {
        unsigned char c = (unsigned char)*in->p;
        if (c < 0x20)
            break;
        if (c != '\\') {
            *d++ = (char)c;
            in->p++;
            continue;
        }
        if (++in->p == in->end)
            break;
        const char *esc = strchr("\"\\/bfnrt", *in->p);
        if (*in->p == 'u') {
            unsigned cp;
            if (!unicode_escape(in, &cp))
                break;
            d = put_utf8(d, cp);
            continue;
        }
        if (!esc || !*in->p)
            break;
        *d++ = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
        in->p++;
    }
    if (!out || in->p >= in->end || *in->p != '"') {
        free(out);
        return NULL;
    }
    in->p++;
    *d = '\0';
    return out;
}

/* The members of an array or object, the opening bracket already read. */
static int members(reader *in, json *v, int depth)
{
    char close = v->type == JSON_ARRAY ? ']' : '}';
    json **tail = &v->first;
    skip_space(in);
    if (in->p < in->end && *in->p == close) {
        in->p++;
        return 1;
    }
    for (;;) {
        char *key = NULL;
        skip_space(in);
        if (v->type == JSON_OBJECT) {
            if (in->p >= in->end || *in->p++ != '"' || !(key = string(in)))
                return 0;
            skip_space(in);
            if (in->p >= in->end || *in->p++ != ':') {
                free(key);
                return 0;
            }
        }
        json *m = value(in, depth + 1);
        if (!m) {
            free(key);
            return 0;
        }
        m->key = key;
        *tail = m;
        tail = &m->next;
        skip_space(in);
        if (in->p >= in->end)
            return 0;
        char c = *in->p++;
        if (c == close)
            return 1;
        if (c != ',')
            return 0;
    }
}

static json *value(reader *in, int depth)
{
    skip_space(in);
    if (in->p >= in->end || depth > MAX_DEPTH)
        return NULL;
    json *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    char c = *in->p;
    int ok = 1;
    if (c == '{' || c == '[') {
        in->p++;
        v->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
        ok = members(in, v, depth);
    }
    else if (c == '"') {
        in->p++;
        v->type = JSON_STRING;
        ok = (v->string = string(in)) != NULL;
    }
    else if (literal(in, "null")) {
        v->type = JSON_NULL;
    }
    else if (literal(in, "true") || literal(in, "false")) {
        v->type = JSON_BOOL;
        v->number = c == 't';
    }
    else {
        char *end;
        char buf[64];
        size_t n = (size_t)(in->end - in->p) < sizeof buf - 1
                   ? (size_t)(in->end - in->p) : sizeof buf - 1;
        memcpy(buf, in->p, n);
        buf[n] = '\0';
        v->type = JSON_NUMBER;
        v->number = strtod(buf, &end);
        ok = end != buf && (c == '-' || (c >= '0' && c <= '9'));
        in->p += end - buf;
    }
    if (!ok) {
        json_free(v);
        return NULL;
    }
    return v;
}

json *json_parse(const char *text, size_t len)
{
    reader in = { text, text + len };
    json *v = value(&in, 0);
    skip_space(&in);
    if (v && in.p != in.end) {
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(json *v)
{
    while (v) {
        json *next = v->next;
        json_free(v->first);
        free(v->string);
        free(v->key);
        free(v);
        v = next;
    }
}

const json *json_get(const json *object, const char *key)
{
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    for (const json *m = object->first; m; m = m->next)
        if (!strcmp(m->key, key))
            return m;
    return NULL;
}

const char *json_string(const json *object, const char *key)
{
    const json *m = json_get(object, key);
    return m && m->type == JSON_STRING ? m->string : NULL;
}
