/*
 * negotiate: picks the error body's format from an Accept header.
 * Pure C so that it can be unit-tested and fuzzed.
 */
#ifndef AUTHZ_POLICY_NEGOTIATE_H
#define AUTHZ_POLICY_NEGOTIATE_H

typedef enum {
    NEGOTIATED_HTML = 0,
    NEGOTIATED_JSON,
    NEGOTIATED_PROBLEM
} negotiated_format;

/* The best of text/html, application/json and application/problem+json by
 * q-value, each weighed by the most specific range that matches it
 * (type/subtype, then a subtype wildcard, then the full wildcard).
 * No header, only wildcards, a tie or nothing acceptable: html.
 * accept may be NULL. */
negotiated_format negotiate_error_format(const char *accept);

#endif
