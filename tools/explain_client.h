/*
 * authz-policy explain: a client of the explain handler
 * (SetHandler authz-policy-explain) that prints its answer for a person.
 */
#ifndef AUTHZ_POLICY_TOOL_EXPLAIN_H
#define AUTHZ_POLICY_TOOL_EXPLAIN_H

/* argv: EXPLAIN-URL URL-PATH|URL --user NAME [--ip ADDRESS]
 * [--method METHOD] [--host NAME] [--header NAME:VALUE]...
 * [--env NAME=VALUE]...  Returns the exit status: 0 grant, 2 deny,
 * 3 cannot tell (a caveat), 1 error. */
int explain_command(int argc, char **argv);

#endif
