/*
 * attrs_env: values from a variable that an authentication module sets
 * (AuthzPolicyAttribute ATTR env NAME [DELIMITER]): mod_auth_openidc's
 * claims, mod_auth_mellon's and mod_shib's attributes, mod_authnz_ldap's
 * AUTHORIZE_*, split on the delimiter.
 */
#include "attrs_source.h"

static const char *parse_env(cmd_parms *cmd, attr_source *src,
                             policy_attr a, int argc, char *const argv[])
{
    (void)cmd;
    (void)a;
    src->name = argv[0];
    src->delim = argc == 2 ? argv[1] : ",";
    if (!*src->delim)
        return "AuthzPolicyAttribute env: the delimiter is empty";
    return NULL;
}

static int fetch_env(request_rec *r, policy_request *rq, policy_attr a,
                     const attr_source *src, apr_array_header_t *values)
{
    (void)rq;
    (void)a;
    policy_attr_split(r, values, apr_table_get(r->subprocess_env, src->name),
                      src->delim);
    return 0;
}

static const char *env_variable(const attr_source *src)
{
    return src->name;
}

const attr_source_type attr_source_env = {
    .name = "env", .usage = "env NAME [DELIMITER]",
    .min_args = 1, .max_args = 2, .in_htaccess = 1,
    .parse = parse_env, .fetch = fetch_env,
    .gives_values = 1, .explain_variable = env_variable
};
