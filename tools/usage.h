/* authz-policy's usage message (usage.c). */
#ifndef AUTHZ_POLICY_TOOL_USAGE_H
#define AUTHZ_POLICY_TOOL_USAGE_H

/* Says on stderr what is wrong and how to call the tool; returns 1, the
 * exit status of a usage error. */
int usage_error(const char *what);

#endif
