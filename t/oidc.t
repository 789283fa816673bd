# Single sign-on: mod_auth_openidc validates bearer JWTs (HS256 with a
# shared key) and passes their claims as variables; Require role, plan and
# scope work on them, and a scope denial gets RFC 6750's
# insufficient_scope challenge.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use Digest::SHA qw(hmac_sha256);
use JSON::PP ();
use MIME::Base64 qw(encode_base64url);

plan skip_all => 'mod_auth_openidc is not installed (make test installs it)'
    unless -e '/usr/lib/apache2/modules/mod_auth_openidc.so';
plan skip_all => 'left out of the sanitizer run (see t/run-sanitizers)'
    if $ENV{POLICY_NO_OIDC};
plan tests => 19;

my $KEY = 'policy-tests-shared-key-0123456789abcdef';
sub token {
    my (%claims) = @_;
    my $json = JSON::PP->new->canonical;
    my $head = encode_base64url($json->encode({ alg => 'HS256', typ => 'JWT' }));
    my $body = encode_base64url($json->encode({ sub => 'oidc-user',
        iat => time - 10, exp => time + 600, %claims }));
    my $sig = encode_base64url(hmac_sha256("$head.$body", $KEY));
    return "$head.$body.$sig";
}
sub bearer {
    my ($token, %h) = @_;
    req(GET => '/o/reports/', vhost => 'policy_oidc',
        Authorization => "Bearer $token", %h);
}
my %good = (roles => ['analyst', 'viewer'], plan => 'pro',
            scope => 'reports:read reports:write');

my $r = bearer(token(%good));
is $r->code, 200, 'a token with the role, plan and scope';
is bearer(token(%good, plan => 'enterprise'))->code, 200, '... a higher plan';

$r = bearer(token(%good, roles => ['viewer']));
is $r->code, 403, 'a token without the role: 403';
is eval { JSON::PP->new->decode($r->content)->{error} }, 'insufficient_role',
    '... insufficient_role';
$r = bearer(token(%good, plan => 'free'));
is $r->code, 403, 'a token with a lower plan: 403';
is eval { JSON::PP->new->decode($r->content)->{error} }, 'plan_required',
    '... plan_required';

$r = bearer(token(%good, scope => 'profile email'));
is $r->code, 403, 'a token without the scope: 403';
is $r->header('WWW-Authenticate'),
    'Bearer error="insufficient_scope", scope="reports:read"',
    '... with the insufficient_scope challenge (RFC 6750)';
is eval { JSON::PP->new->decode($r->content)->{error} }, 'insufficient_scope',
    '... insufficient_scope';

# the scheme's name in any case (RFC 7235)
$r = req(GET => '/o/reports/', vhost => 'policy_oidc',
         Authorization => 'bearer ' . token(%good, scope => 'profile email'));
is $r->code, 403, 'a token without the scope, "bearer" in lower case: 403';
is $r->header('WWW-Authenticate'),
    'Bearer error="insufficient_scope", scope="reports:read"',
    '... with the insufficient_scope challenge too';
# Require not scope: a token denied for a scope it holds needs none
$r = req(GET => '/o/no-admin/', vhost => 'policy_oidc',
         Authorization => 'Bearer ' . token(%good));
is $r->code, 200, 'Require not scope reports:admin: a token without it passes';
$r = req(GET => '/o/no-admin/', vhost => 'policy_oidc',
         Authorization => 'Bearer ' . token(%good, scope => 'reports:read reports:admin'));
is $r->code, 403, '... a token with it: 403';
ok !defined $r->header('WWW-Authenticate'),
    '... and no insufficient_scope challenge (no scope would help)';

$r = req(GET => '/o/quoted/', vhost => 'policy_oidc',
         Authorization => 'Bearer ' . token(%good));
is $r->code, 403, 'a configured scope holding quotes: 403';
is $r->header('WWW-Authenticate'),
    'Bearer error="insufficient_scope", scope="reports:read- all "',
    '... its quotes left out of the challenge';

$r = req(GET => '/o/reports/', vhost => 'policy_oidc');
is $r->code, 401, 'no token: 401';
like $r->header('WWW-Authenticate') || '', qr/^Bearer/i, '... with a Bearer challenge';
my $forged = token(%good);
# a character in the middle of the signature: the last one carries two
# padding bits that a change may leave the signature's bytes untouched by
$forged =~ s/\.([^.]{10})(.)([^.]*)$/'.' . $1 . ($2 eq 'A' ? 'B' : 'A') . $3/e;
is bearer($forged)->code, 401, 'a forged token: 401';
