/*
 * The directive handlers of config_answer.c, for config.c's command
 * table.
 */
#ifndef AUTHZ_POLICY_CONFIG_H
#define AUTHZ_POLICY_CONFIG_H

#include "policy.h"

const char *policy_set_deny_status(cmd_parms *cmd, void *dirv, int argc,
                                   char *const argv[]);
const char *policy_set_error_format(cmd_parms *cmd, void *dirv,
                                    const char *arg);
const char *policy_set_error_detail(cmd_parms *cmd, void *dirv,
                                    const char *arg);
const char *policy_set_message(cmd_parms *cmd, void *dirv, const char *r,
                               const char *text);
const char *policy_set_errordoc(cmd_parms *cmd, void *dirv, const char *r,
                                const char *doc);
const char *policy_set_documentation(cmd_parms *cmd, void *dirv,
                                     const char *url);
const char *policy_set_blocked_by(cmd_parms *cmd, void *dirv,
                                  const char *url);
const char *policy_set_server_denials(cmd_parms *cmd, void *dirv, int on);
const char *policy_set_hidden_path(cmd_parms *cmd, void *dirv,
                                   const char *path);

#endif
