/*
 * Why a request can be denied: one table of the reasons, with each one's
 * name (directives, AUTHZ_POLICY_REASON, the log line), stable code (JSON
 * bodies), default status and message.  docs/denials.md is its reference.
 * Pure C.
 */
#ifndef AUTHZ_POLICY_REASON_H
#define AUTHZ_POLICY_REASON_H

#include <stddef.h>

typedef enum {
    REASON_ANONYMOUS = 0,
    REASON_ROLE,
    REASON_PLAN,
    REASON_SCOPE,
    REASON_REGION,
    REASON_IPLIST,
    REASON_ORIGIN,
    REASON_OTHER,
    REASON_ERROR,                /* a source failed: 500, whatever is set */
    REASON_COUNT
} policy_reason;

typedef struct {
    const char *name;            /* "role" */
    const char *code;            /* "insufficient_role" */
    int default_status;          /* without AuthzPolicyDenyStatus */
    const char *message;         /* detail level "reason": names no
                                    configured value */
} reason_info;

extern const reason_info reason_table[REASON_COUNT];

/* The reason of that name (case-insensitive), or -1. */
int reason_by_name(const char *name);

/* Every reason's name, "anonymous, role, ... or other", for the messages
 * of directives that take one; written to out (size bytes, truncated). */
void reason_name_list(char *out, size_t size);

#endif
