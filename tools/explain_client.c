/*
 * authz-policy explain: asks a running server's explain handler over plain
 * HTTP/1.0 (http:// URLs; credentials for a handler behind Basic
 * authentication go in the URL, http://USER:PASSWORD@host/...) and prints
 * its JSON answer for a person.  Without --ip, the explained client is
 * this machine, as the server sees its connection.  The explained Host
 * (--host, a URL's host for URL-PATH, or --header Host:) is also the Host
 * the handler is asked with: it explains only the virtual host that
 * request reaches.  An answer with caveats (what the handler cannot
 * know, such as a variable an SSO module sets, given with --env) decides
 * nothing: exit 3.
 */
#include "explain_client.h"
#include "json.h"
#include "usage.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_ANSWER (16 * 1024 * 1024)

typedef struct {
    char *text;
    size_t len, cap;
} buffer;

static void append(buffer *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *more = realloc(b->text, cap);
        if (!more) {
            fprintf(stderr, "authz-policy: out of memory\n");
            exit(1);
        }
        b->text = more;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

static void append_str(buffer *b, const char *s)
{
    append(b, s, strlen(s));
}

/* A query-string value: unreserved bytes as they are, others %XX. */
static void append_encoded(buffer *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
            || (*c >= '0' && *c <= '9') || strchr("-._~/", *c)) {
            append(b, (const char *)c, 1);
        }
        else {
            char esc[3] = { '%', hex[*c >> 4], hex[*c & 15] };
            append(b, esc, 3);
        }
    }
}

static void append_base64(buffer *b, const char *s, size_t n)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = u[i] << 16 | (i + 1 < n ? u[i + 1] << 8 : 0)
                     | (i + 2 < n ? u[i + 2] : 0);
        char out[4] = { abc[v >> 18], abc[(v >> 12) & 63],
                        i + 1 < n ? abc[(v >> 6) & 63] : '=',
                        i + 2 < n ? abc[v & 63] : '=' };
        append(b, out, 4);
    }
}

typedef struct {
    char *host, *port, *path, *userinfo;
} target;

/* http://[USER:PASSWORD@]HOST[:PORT][/PATH]; 0 if it is not one. */
static int parse_url(const char *url, target *t)
{
    if (strncmp(url, "http://", 7))
        return 0;
    const char *auth = url + 7, *slash = strchr(auth, '/');
    size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
    char *authority = strndup(auth, alen);
    t->path = strdup(slash ? slash : "/");
    char *at = strrchr(authority, '@');
    t->userinfo = at ? strndup(authority, (size_t)(at - authority)) : NULL;
    char *host = at ? at + 1 : authority;
    char *colon = host[0] == '[' ? strstr(host, "]:") : strchr(host, ':');
    if (colon && host[0] == '[')
        colon++;
    t->port = strdup(colon ? colon + 1 : "80");
    if (colon)
        *colon = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        host[strlen(host) - 1] = '\0';
        host++;
    }
    t->host = strdup(host);
    free(authority);
    return *t->host != '\0';
}

static int connect_to(const target *t)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *a;
    int rc = getaddrinfo(t->host, t->port, &hints, &res);
    if (rc) {
        fprintf(stderr, "authz-policy: %s: %s\n", t->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "authz-policy: cannot connect to %s port %s\n",
                t->host, t->port);
        return -1;
    }
    struct timeval timeout = { 30, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    return fd;
}

/* This end of the connection, as the server sees the client. */
static int local_address(int fd, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return 0;
    const void *addr = ss.ss_family == AF_INET
        ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
        : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
    return inet_ntop(ss.ss_family, addr, out, (socklen_t)outlen) != NULL;
}

typedef struct {
    const char *uri, *user, *ip, *method, *host;
    const char **headers, **env;
    int nheaders, nenv;
    char *url_host, *url_path;   /* of a URL given for URL-PATH */
} question;

static void append_param(buffer *b, const char *name, const char *value)
{
    append_str(b, b->text && b->text[b->len - 1] != '?' ? "&" : "");
    append_str(b, name);
    append_str(b, "=");
    append_encoded(b, value);
}

/* The explained Host (--host, the URL's, or --header Host:), or NULL. */
static const char *explained_host(const question *q)
{
    if (q->host)
        return q->host;
    for (int i = 0; i < q->nheaders; i++)
        if (!strncasecmp(q->headers[i], "Host:", 5)) {
            const char *v = q->headers[i] + 5;
            return v + strspn(v, " \t");
        }
    return NULL;
}

static void build_request(buffer *req, const target *t, const question *q)
{
    append_str(req, "GET ");
    append_str(req, t->path);
    append_str(req, strchr(t->path, '?') ? "&" : "?");
    append_param(req, "uri", q->uri);
    append_param(req, "user", q->user);
    append_param(req, "ip", q->ip);
    if (q->method)
        append_param(req, "method", q->method);
    if (q->host)
        append_param(req, "host", q->host);
    for (int i = 0; i < q->nheaders; i++)
        append_param(req, "header", q->headers[i]);
    for (int i = 0; i < q->nenv; i++)
        append_param(req, "env", q->env[i]);
    append_str(req, " HTTP/1.0\r\nHost: ");
    /* the handler explains only the site it is asked as: the explained
     * Host reaches the one that serves it */
    const char *host = explained_host(q);
    if (host) {
        append_str(req, host);
    } else {
        append_str(req, strchr(t->host, ':') ? "[" : "");
        append_str(req, t->host);
        append_str(req, strchr(t->host, ':') ? "]:" : ":");
        append_str(req, t->port);
    }
    append_str(req, "\r\nAccept: application/json\r\n"
               "User-Agent: authz-policy\r\n");
    if (t->userinfo) {
        append_str(req, "Authorization: Basic ");
        append_base64(req, t->userinfo, strlen(t->userinfo));
        append_str(req, "\r\n");
    }
    append_str(req, "\r\n");
}

/* Sends the question, reads the whole answer; 0 on failure (said). */
static int ask(const target *t, question *q, buffer *answer)
{
    int fd = connect_to(t);
    if (fd < 0)
        return 0;
    char here[INET6_ADDRSTRLEN];
    if (!q->ip && local_address(fd, here, sizeof here))
        q->ip = here;
    buffer req = { 0 };
    build_request(&req, t, q);
    int ok = 1;
    for (size_t sent = 0; ok && sent < req.len;) {
        ssize_t n = write(fd, req.text + sent, req.len - sent);
        ok = n > 0;
        sent += ok ? (size_t)n : 0;
    }
    char chunk[8192];
    ssize_t n;
    while (ok && (n = read(fd, chunk, sizeof chunk)) > 0
           && answer->len < MAX_ANSWER)
        append(answer, chunk, (size_t)n);
    close(fd);
    free(req.text);
    if (!ok || !answer->len)
        fprintf(stderr, "authz-policy: no answer from %s\n", t->host);
    q->ip = q->ip == here ? NULL : q->ip;
    return ok && answer->len;
}

/* Prints a server's value for a terminal: control bytes as \xNN. */
static void put(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)(s ? s : "-"); *c;
         c++) {
        if (*c < 0x20 || *c == 0x7f)
            printf("\\x%02x", *c);
        else
            putchar(*c);
    }
}

/* null: no source applies (or it failed); for the plan, also none held */
static void put_attribute(const json *attrs, const char *name,
                          const char *label)
{
    const json *v = json_get(attrs, name);
    printf("%s ", label);
    if (!v || v->type == JSON_NULL)
        fputs(strcmp(name, "plan") ? "(no source)" : "(none)", stdout);
    else if (v->type == JSON_STRING)
        put(v->string);
    else if (v->type == JSON_ARRAY && !v->first)
        fputs("(none)", stdout);
    for (const json *m = v && v->type == JSON_ARRAY ? v->first : NULL; m;
         m = m->next) {
        put(m->type == JSON_STRING ? m->string : "?");
        fputs(m->next ? ", " : "", stdout);
    }
}

static void put_list(const json *doc, const char *name, const char *key,
                     const char *value_key)
{
    const json *list = json_get(doc, name);
    printf("%s:%s\n", name, list && list->first ? "" : " none");
    for (const json *m = list ? list->first : NULL; m; m = m->next) {
        const char *result = json_string(m, value_key);
        printf("  %-15s ", result ? result : "?");
        put(json_string(m, key));
        putchar('\n');
    }
}

/* The answer for a person; the exit status: 0 grant, 2 deny, 3 cannot
 * tell (the caveats say why). */
static int print_answer(const json *doc)
{
    const char *decision = json_string(doc, "decision");
    if (!decision) {
        fprintf(stderr, "authz-policy: the answer has no decision\n");
        return 1;
    }
    /* "URI for USER from IP (region R)\nvirtual host: SERVER (Host: HOST)
     * \narea: AREA (MODE)" */
    static const struct {
        const char *before, *field;
    } head[] = {
        { "", "uri" }, { " for ", "user" }, { " from ", "ip" },
        { " (region ", "region" }, { ")\nvirtual host: ", "server" },
        { " (Host: ", "host" }, { ")\narea: ", "area" }, { " (", "mode" },
    };
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        fputs(head[i].before, stdout);
        put(json_string(doc, head[i].field));
    }
    fputs(")\nattributes: ", stdout);
    const json *attrs = json_get(doc, "attributes");
    put_attribute(attrs, "roles", "roles");
    put_attribute(attrs, "plan", "; plan");
    put_attribute(attrs, "scopes", "; scopes");
    putchar('\n');
    put_list(doc, "checks", "require", "result");
    put_list(doc, "shadows", "name", "result");
    const json *caveats = json_get(doc, "caveats");
    if (caveats && caveats->first)
        put_list(doc, "caveats", "message", "caveat");
    if (strcmp(decision, "grant") && strcmp(decision, "deny")) {
        puts("decision: cannot tell (see the caveats)");
        return 3;
    }
    int grant = !strcmp(decision, "grant");
    printf("decision: %s", grant ? "grant" : "deny");
    const json *status = json_get(doc, "status");
    if (!grant && status && status->type == JSON_NUMBER) {
        printf(", status %d, reason ", (int)status->number);
        put(json_string(doc, "reason"));
        if (json_string(doc, "required")) {
            fputs(", required ", stdout);
            put(json_string(doc, "required"));
        }
    }
    putchar('\n');
    return grant ? 0 : 2;
}

/* The status line and body of an HTTP answer; its JSON. */
static int read_answer(const buffer *answer)
{
    int status = 0;
    const char *body = strstr(answer->text, "\r\n\r\n");
    if (sscanf(answer->text, "HTTP/%*d.%*d %d", &status) != 1 || !body) {
        fprintf(stderr, "authz-policy: the answer is not HTTP\n");
        return 1;
    }
    body += 4;
    json *doc = json_parse(body, answer->len - (size_t)(body - answer->text));
    int rc;
    if (status != 200) {
        const char *message = json_string(doc, "message");
        fprintf(stderr, "authz-policy: the server answered %d", status);
        if (message) {
            fputs(": ", stderr);
            fflush(stdout);
            for (const char *c = message; *c; c++)
                fputc((unsigned char)*c < 0x20 ? '?' : *c, stderr);
        }
        fputc('\n', stderr);
        rc = 1;
    }
    else if (!doc) {
        fprintf(stderr, "authz-policy: the answer is not JSON (is the URL "
                "that of SetHandler authz-policy-explain?)\n");
        rc = 1;
    }
    else {
        rc = print_answer(doc);
    }
    json_free(doc);
    return rc;
}

/* URL-PATH may be a URL, http(s)://HOST[:PORT]/PATH: its host is the
 * explained request's Host, its path the URL-path.  0 if it is not
 * one; -1 if it is one without a host. */
static int split_url(question *q)
{
    const char *rest = !strncmp(q->uri, "http://", 7) ? q->uri + 7
                       : !strncmp(q->uri, "https://", 8) ? q->uri + 8 : NULL;
    if (!rest)
        return 0;
    size_t len = strcspn(rest, "/?#");
    if (!len || memchr(rest, '@', len))
        return -1;
    q->url_host = strndup(rest, len);
    /* http://host?q is http://host/?q */
    q->url_path = malloc(strlen(rest + len) + 2);
    if (!q->url_host || !q->url_path) {
        fprintf(stderr, "authz-policy: out of memory\n");
        exit(1);
    }
    strcpy(q->url_path + 1, rest + len);
    q->url_path[0] = '/';
    q->uri = rest[len] == '/' ? q->url_path + 1 : q->url_path;
    return 1;
}

static int parse_args(int argc, char **argv, question *q)
{
    q->headers = calloc((size_t)argc + 1, sizeof *q->headers);
    q->env = calloc((size_t)argc + 1, sizeof *q->env);
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = !strcmp(opt, "--user") ? &q->user
                             : !strcmp(opt, "--ip") ? &q->ip
                             : !strcmp(opt, "--method") ? &q->method
                             : !strcmp(opt, "--host") ? &q->host
                             : !strcmp(opt, "--header")
                               ? &q->headers[q->nheaders++]
                             : !strcmp(opt, "--env") ? &q->env[q->nenv++]
                             : NULL;
        if (!slot || !arg)
            return usage_error(slot ? "an option without its value"
                                    : "explain: unknown option");
        *slot = arg;
        i++;
    }
    if (!q->user)
        return usage_error("explain: --user NAME is required");
    int url = split_url(q);
    if (url < 0)
        return usage_error("explain: URL-PATH is /PATH or "
                           "http(s)://HOST[:PORT]/PATH");
    if (url > 0 && q->host)
        return usage_error("explain: the host is given twice (the URL's "
                           "and --host)");
    if (url > 0)
        q->host = q->url_host;
    return 0;
}

int explain_command(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("explain EXPLAIN-URL URL-PATH|URL --user NAME");
    question q = { .uri = argv[1] };
    target t = { 0 };
    int rc = parse_args(argc, argv, &q);
    if (!rc && !parse_url(argv[0], &t))
        rc = usage_error("explain: EXPLAIN-URL is http://HOST[:PORT]/PATH");
    buffer answer = { 0 };
    if (!rc)
        rc = ask(&t, &q, &answer) ? read_answer(&answer) : 1;
    free(answer.text);
    free(q.headers);
    free(q.env);
    free(q.url_host);
    free(q.url_path);
    free(t.host);
    free(t.port);
    free(t.path);
    free(t.userinfo);
    return rc;
}
