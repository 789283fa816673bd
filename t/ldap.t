# Roles from LDAP groups against a real OpenLDAP (slapd) started here
# (t/lib/PolicyTest/Slapd.pm: who is in which group): users authenticated
# by mod_authnz_ldap, roles from memberOf values (direct, nested, bounded
# depth, a map, the variable mod_authnz_ldap sets) and from a search of a
# directory without memberOf; the directory stopped answers 500 for what
# it is asked, and the server recovers when it is back.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use Apache::TestRequest qw(GET_BODY);
use JSON::PP ();
use PolicyTest::Slapd ();

# A missing dependency is a failure that names it, never a skip: make
# test installs them all (TEST_DEPS in the Makefile).
my %installed = (
    'slapd (Debian package slapd)' => -x $PolicyTest::Slapd::SLAPD,
    'ldapadd (Debian package ldap-utils)' => -x '/usr/bin/ldapadd',
    'mod_authnz_ldap (Debian package apache2)'
        => -e '/usr/lib/apache2/modules/mod_authnz_ldap.so',
);
my @missing = grep { !$installed{$_} } sort keys %installed;
if (@missing) {
    plan tests => scalar @missing;
    ok 0, "installed: $_" for @missing;
    exit 1;
}
plan tests => 39;

END {
    my $status = $?;
    PolicyTest::Slapd::stop();
    $? = $status;
}
PolicyTest::Slapd::stop();       # an earlier, interrupted run's
PolicyTest::Slapd::setup();

sub status_json { JSON::PP->new->decode(GET_BODY('/st/status?format=json')) }
sub code {
    my ($path, $user, $vhost) = @_;
    return req(GET => "$path/", user => $user, $vhost ? (vhost => $vhost) : ())
        ->code;
}
sub codes {
    my ($path) = @_;
    return join ' ', map { code($path, $_) } qw(alice bob carol);
}

# mod_authnz_ldap authenticates; memberOf values (overlay) give roles
is code('/l/mo-devs', 'bob'), 200, 'memberOf: a direct group is a role';
is code('/l/mo-devs', 'bob'), 200, '... again (mod_ldap\'s cached search)';
is codes('/l/mo-devs'), '403 200 403', '... and only its members hold it';
is codes('/l/mo-depth1-eng'), '403 200 403',
    'a group one level up counts at depth=1';
is codes('/l/mo-depth1-staff'), '403 403 403',
    '... a group two levels up does not';
is codes('/l/mo-staff'), '403 200 403',
    '... and does at the default depth (2)';
is codes('/l/mo-map'), '200 200 403',
    'map=: mapped groups give their roles (admin inherits editor; a name '
    . 'with a space)';
is codes('/l/env-devs'), '403 200 403',
    'env=AUTHENTICATE_MEMBEROF: the groups mod_authnz_ldap passed';
is codes('/l/env-staff'), '403 200 403',
    '... nested groups still read from the directory';

# a directory without memberOf: the groups that list the user
is codes('/l/plain/search-admins'), '200 403 403',
    'groups=: a direct group found by a search';
is codes('/l/plain/search-staff'), '403 200 403',
    '... nested groups found by searching for the groups found';
is codes('/l/plain/search-depth1-staff'), '403 403 403',
    '... to the configured depth only';

# the password file authenticates; only the roles need the directory
is codes('/lf/mo-staff'), '403 200 403', 'memberOf, users from a file';
is codes('/lf/search-staff'), '403 200 403', 'groups=, users from a file';
my $counted = status_json();
is code('/lf/search-staff', 'bob', 'policy_ldap_cache'), 200,
    'AuthzPolicyCache: bob\'s roles fetched and kept';

# the directory goes away
PolicyTest::Slapd::stop();
my $size = error_log_size();
is code('/lf/search-staff', 'bob'), 500,
    'directory down: 500 for a member (search)';
is code('/lf/search-staff', 'carol'), 500, '... and for anybody else';
is code('/lf/mo-staff', 'bob'), 500,
    '... and where nested groups are read (memberOf)';
is code('/lf/mo-staff', 'alice'), 500, '... for anybody with a group';
is code('/l/plain/search-admins', 'alice'), 500,
    '... and where mod_authnz_ldap authenticates';
is code('/lf/search-staff', 'bob', 'policy_ldap_cache'), 200,
    'AuthzPolicyCache: what was kept still answers';
is code('/lf/search-staff', 'carol', 'policy_ldap_cache'), 500,
    '... and what was not fails';
# LDAP's look-ups counted as LDAP's: the cache's and the failures
my $now = status_json();
is join(' ', map { $now->{cache}{$_} - $counted->{cache}{$_} } qw(miss hit)),
    '2 1', 'the status page: the cache\'s LDAP look-ups (bob, bob, carol)';
cmp_ok $now->{source_errors}{ldap} - ($counted->{source_errors}{ldap} // 0), '>=', 5,
    '... the directory\'s failures under ldap';
is $now->{source_errors}{dbd} - $counted->{source_errors}{dbd}, 0,
    '... not under dbd';
# ... and under ldap in the other formats too: the same counter
my ($prom_ldap) = GET_BODY('/st/status?format=prometheus')
    =~ /^authz_policy_source_errors_total\{source="ldap"\} (\d+)$/m;
cmp_ok $prom_ldap // 0, '>=', $now->{source_errors}{ldap},
    '... Prometheus: source="ldap"';
my ($html_ldap) = GET_BODY('/st/status') =~ /<p>Failing look-ups: [^<]*\bldap (\d+)/;
cmp_ok $html_ldap // 0, '>=', $now->{source_errors}{ldap}, '... HTML: ldap';
like error_log_since($size),
    qr/AuthzPolicyAttribute ldap: reading groups on ldap:\S+ failed: Can't contact LDAP server/,
    '... logged with the reason';
unlike error_log_since($size), qr/\[authz_policy:error\].*\bsecret\b/,
    '... without a password';
# its 500 is a decision like any denial: variables, a log line, a body
# in the client's format
$size = error_log_size();
my $res = req(GET => "/lf/search-staff/?ld$$", user => 'carol',
              Accept => 'application/json');
is $res->code . ' ' . $res->header('Content-Type'), '500 application/json',
    'directory down: a JSON client gets its 500 in JSON';
like $res->content, qr/^\{"error": "source_unavailable", /,
    '... with the code source_unavailable';
like access_log_line("?ld$$") || '',
    qr/ 500 reason=error required=- status=500$/,
    '... AUTHZ_POLICY_REASON error, AUTHZ_POLICY_STATUS 500';
like wait_for(5, sub { my $s = error_log_since($size);
                       $s =~ /denied: .*search-staff/ ? $s : undef }) || '',
    qr/denied: reason="error" required=- user="carol" .* status="500" uri="\/lf\/search-staff\/"/,
    '... and the denial\'s log line';
my $explained = JSON::PP->new->decode(req(GET =>
    '/explain?uri=/lf/search-staff/&user=bob&ip=127.0.0.1',
    vhost => 'policy_ldap_cache')->content);
is_deeply [ $explained->{decision},
            [ map { $_->{caveat} } @{ $explained->{caveats} } ] ],
    [ 'unknown', ['error'] ],
    'explain asks the directory, not the cache: the failure, not what was '
    . 'kept for bob';

# and comes back: pooled connections to the old one are replaced
PolicyTest::Slapd::start();
ok settles(sub { code('/lf/search-staff', 'bob') }, 200, 20),
    'directory back: 200 again (search)';
is code('/lf/search-staff', 'carol'), 403, '... 403 for others';
ok settles(sub { code('/lf/mo-staff', 'bob') }, 200, 20),
    '... memberOf: 200 again';
is codes('/l/mo-staff'), '403 200 403', '... with mod_authnz_ldap';
is codes('/l/plain/search-staff'), '403 200 403', '... and without memberOf';
