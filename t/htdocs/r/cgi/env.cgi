#!/bin/sh
# What an application behind the module is told about the request's user
# (t/report_authn.t): one NAME=VALUE line each, empty when unset.
printf 'Content-Type: text/plain\n\n'
printf 'REMOTE_USER=%s\n' "${REMOTE_USER-}"
printf 'AUTH_TYPE=%s\n' "${AUTH_TYPE-}"
printf 'HTTP_AUTHORIZATION=%s\n' "${HTTP_AUTHORIZATION-}"
printf 'OIDC_CLAIM_sub=%s\n' "${OIDC_CLAIM_sub-}"
