# What a CustomLog line holds for a denial answered by an error document
# (an internal redirect: AuthzPolicyErrorDocument, ErrorDocument): the
# forms docs/denials.md gives (%<{AUTHZ_POLICY_REASON}e, %<u) against
# those that read the error document's own request (%{...}e, %u).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 7;

my $tag = 'logformat' . time . $$;
is req(GET => "/st/errdoc/?$tag", user => 'carol')->code, 403,
    'a denial answered by a local error document: 403';
my $line = access_log_line("/st/errdoc/?$tag", 'errordoc_log') // '';
like $line, qr/ original=role /, '%<{AUTHZ_POLICY_REASON}e: the reason' or diag $line;
like $line, qr/ final=- /, '%{AUTHZ_POLICY_REASON}e: - (the error document\'s request has none)'
    or diag $line;
like $line, qr/ redirect=role /, '... which has REDIRECT_AUTHZ_POLICY_REASON' or diag $line;
like $line, qr/ original_user=carol /, '%<u: the user' or diag $line;
like $line, qr/ user=carol /, '%u: the user too (the error document\'s request keeps it)'
    or diag $line;
like $line, qr/ status=403$/, '%<{AUTHZ_POLICY_STATUS}e: the status' or diag $line;
