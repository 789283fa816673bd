# Report mode where authentication fails: the request proceeds with no
# user, no auth type and without the credentials that failed, whatever
# the authentication (Basic with a wrong password or an unknown name, a
# refused bearer token).  A CGI (t/htdocs/r/cgi/env.cgi, CGIPassAuth on)
# prints what the application is told; rollout_log has %u.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use MIME::Base64 qw(encode_base64);

plan skip_all => 'mod_cgid is not available'
    unless -e '/usr/lib/apache2/modules/mod_cgid.so';
# Under memcheck, mod_cgid's daemon runs no CGI at all ("End of script
# output before headers", any script, with or without this module)
plan skip_all => "mod_cgid's daemon runs no CGI under make test-valgrind"
    if $ENV{POLICY_TEST_VALGRIND};
plan tests => 40;

# The CGI's lines as a hash.
sub env_of {
    my ($res) = @_;
    my %e = map { /^([A-Za-z_]+)=(.*)$/ ? ($1, $2) : () }
            split /\n/, $res->content;
    return \%e;
}

my $n = 0;
sub tag { "?ra$$-" . ++$n }

# Controls: the CGI tells a real user, and enforce refuses the wrong
# password.
my $t = tag();
my $res = req(GET => "/r/enforce-cgi/env.cgi$t", user => 'bob');
is $res->code, 200, 'enforce: bob (editor) is served';
my $e = env_of($res);
is $e->{REMOTE_USER}, 'bob', 'enforce: the application is told bob';
is $e->{AUTH_TYPE}, 'Basic', '... authenticated by Basic';
is req(GET => "/r/enforce-cgi/env.cgi" . tag(), user => 'alice',
       password => 'WRONG')->code, 401, 'enforce: a wrong password is a 401';

# A passing user in report mode keeps the user and the credentials.
for my $c ([ 'bob', 'grant' ], [ 'carol', 'would-deny' ]) {
    my ($user, $decision) = @$c;
    $t = tag();
    $res = req(GET => "/r/report-cgi/env.cgi$t", user => $user);
    is $res->code, 200, "report: $user is served";
    $e = env_of($res);
    is $e->{REMOTE_USER}, $user, "report: the application is told $user";
    is $e->{AUTH_TYPE}, 'Basic', "report: $user authenticated by Basic";
    like $e->{HTTP_AUTHORIZATION} || '', qr/^Basic /,
        "report: the credentials of $user go on";
    like access_log_line($t, 'rollout_log') || '',
        qr/ 200 decision=$decision .* user=$user /,
        "report: $decision for $user, who is the request's user";
}

# Authentication refused: no user goes on, whatever was claimed.
my @refused = (
    [ 'a wrong password', Authorization => 'Basic ' . encode_base64('alice:WRONG', '') ],
    [ 'an unknown user', Authorization => 'Basic ' . encode_base64('nosuchuser:x', '') ],
    [ 'no credentials' ],
);
for my $c (@refused) {
    my ($what, @h) = @$c;
    $t = tag();
    $res = req(GET => "/r/report-cgi/env.cgi$t", @h);
    is $res->code, 200, "report, $what: served";
    ok !$res->header('WWW-Authenticate'), "report, $what: no challenge";
    $e = env_of($res);
    is $e->{REMOTE_USER}, '', "report, $what: no REMOTE_USER";
    is $e->{AUTH_TYPE}, '', "report, $what: no AUTH_TYPE";
    is $e->{HTTP_AUTHORIZATION}, '',
        "report, $what: the refused credentials do not go on";
    like access_log_line($t, 'rollout_log') || '',
        qr/ 200 decision=would-deny .* reason=anonymous .* status=401 user=- /,
        "report, $what: would-deny 401, and %u is empty";
}

SKIP: {
    skip 'mod_auth_openidc is not loaded', 8
        unless -e '/usr/lib/apache2/modules/mod_auth_openidc.so'
               && !$ENV{POLICY_NO_OIDC};
    require Digest::SHA;
    require JSON::PP;
    require MIME::Base64;
    my $key = 'policy-tests-shared-key-0123456789abcdef';
    my $token = sub {
        my ($k, %claims) = @_;
        my $json = JSON::PP->new->canonical;
        my $head = MIME::Base64::encode_base64url(
            $json->encode({ alg => 'HS256', typ => 'JWT' }));
        my $body = MIME::Base64::encode_base64url($json->encode({
            sub => 'oidc-user', iat => time - 10, exp => time + 600,
            %claims }));
        my $sig = MIME::Base64::encode_base64url(
            Digest::SHA::hmac_sha256("$head.$body", $k));
        return "$head.$body.$sig";
    };
    $res = req(GET => '/o/report-cgi/env.cgi', vhost => 'policy_oidc',
               Authorization => 'Bearer '
                   . $token->($key, roles => ['analyst']));
    is $res->code, 200, 'report, a valid bearer token: served';
    $e = env_of($res);
    is $e->{REMOTE_USER}, 'oidc-user', '... as the token\'s subject';
    is $e->{OIDC_CLAIM_sub}, 'oidc-user', '... with its claims';

    $res = req(GET => '/o/report-cgi/env.cgi', vhost => 'policy_oidc',
               Authorization => 'Bearer '
                   . $token->('not-the-key-' . 'x' x 30,
                              roles => ['analyst']));
    is $res->code, 200, 'report, a forged bearer token: served';
    ok !$res->header('WWW-Authenticate'), '... with no challenge';
    $e = env_of($res);
    is $e->{REMOTE_USER}, '', '... with no REMOTE_USER';
    is $e->{OIDC_CLAIM_sub}, '', '... no claims';
    is $e->{HTTP_AUTHORIZATION}, '', '... and without the refused token';
}
