# SetHandler authz-policy-explain: what the server's own configuration
# decides for a URL, a user and an address, as JSON (SPEC section 7).
# /explain is open to local clients only; /explain-open to every client
# (t/conf/extra.conf.in).  The last part replays every <Location> of the
# main server as real requests and compares.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use JSON::PP ();
use MIME::Base64 ();
use Digest::SHA qw(hmac_sha256);

my $json = JSON::PP->new->utf8;

# explained(PARAMS...): the response and its JSON (undef if none)
sub explained { explained_at(undef, @_) }
# explained_at(VHOST, PARAMS...): the same, asked of the handler in a
# <VirtualHost> of t/conf/extra.conf.in (the main server's, inherited)
sub explained_at { explained_via('/explain', undef, @_) }
# explained_via(PATH, HOST, VHOST, PARAMS...): the same, asked of the
# handler at PATH with Host: HOST (if defined)
sub explained_via {
    my ($path, $host, $vhost, @pairs) = @_;
    my @q;
    while (my ($k, $v) = splice @pairs, 0, 2) {
        (my $e = $v) =~ s/([^A-Za-z0-9_.~\/-])/sprintf '%%%02X', ord $1/ge;
        push @q, "$k=$e";
    }
    my $res = req(GET => "$path?" . join('&', @q),
                  $vhost ? (vhost => $vhost) : (),
                  defined $host ? (Host => $host) : ());
    my $doc = eval { $json->decode($res->content) };
    return ($res, $doc);
}
# The caveats' codes of an answer, in order.
sub caveats { [ map { $_->{caveat} } @{ $_[0]{caveats} || [] } ] }

# A bearer JWT that mod_auth_openidc accepts in policy_oidc (as t/oidc.t
# makes them), and the status of a real request for /o/reports/ with it.
sub token {
    my (%claims) = @_;
    my $j = JSON::PP->new->canonical;
    my ($head, $body) = map { MIME::Base64::encode_base64url($j->encode($_)) }
        { alg => 'HS256', typ => 'JWT' },
        { sub => 'oidc-user', iat => time - 10, exp => time + 600, %claims };
    my $sig = MIME::Base64::encode_base64url(
        hmac_sha256("$head.$body", 'policy-tests-shared-key-0123456789abcdef'));
    return "$head.$body.$sig";
}
sub bearer {
    req(GET => '/o/reports/', vhost => 'policy_oidc',
        Authorization => "Bearer $_[0]")->code;
}

my @areas = areas();
plan tests => 94 + 2 * @areas;

# --- The answer's fields --------------------------------------------------
my ($res, $doc) = explained(uri => '/p/role/admin', user => 'bob',
                          ip => '127.0.0.2');
is $res->code, 200, 'an explanation is answered 200';
is $res->header('Content-Type'), 'application/json', '... as JSON';
is $res->header('Cache-Control'), 'no-store', '... never cached';
is_deeply $doc, {
    uri => '/p/role/admin', area => '/p/role/admin', user => 'bob',
    ip => '127.0.0.2', region => 'DE',
    host => Apache::TestRequest::hostport(), server => 'localhost',
    attributes => { roles => ['editor'], plan => 'pro',
                    scopes => ['reports:read'] },
    mode => 'enforce', decision => 'deny', status => 403, reason => 'role',
    required => 'admin',
    checks => [ { require => 'role admin', result => 'denied' } ],
    shadows => [], caveats => [],
}, 'bob lacks the role admin: every field of SPEC section 7, the Host '
   . 'and virtual host asked about, no caveat';

($res, $doc) = explained(uri => '/p/role/admin', user => 'alice',
                       ip => '127.0.0.1');
is $doc->{decision}, 'grant', 'alice holds admin: grant';
is_deeply [ @$doc{qw(status reason required)} ], [ undef, undef, undef ],
    '... with no status, reason or requirement';
is_deeply $doc->{checks}, [ { require => 'role admin', result => 'granted' } ],
    '... and the check granted';
is $doc->{region}, 'XX', '127.0.0.1 has no region in the test database: XX';

($res, $doc) = explained(uri => '/p/role/admin', user => 'frank',
                       ip => '127.0.0.1');
is_deeply $doc->{attributes}, { roles => [], plan => undef, scopes => [] },
    'a user the file does not list holds nothing';

# Two plans from two sources (carol: free in the file, enterprise in SQL):
# the highest-ranked is hers, as Require plan reads it
($res, $doc) = explained(uri => '/a/plan/', user => 'carol', ip => '127.0.0.1');
is $doc->{attributes}{plan}, 'enterprise',
    'two plans from two sources: the highest-ranked is shown';

# Inheritance: bob (editor) holds viewer through AuthzPolicyRoleInherit.
($res, $doc) = explained(uri => '/p/role/viewer', user => 'bob',
                       ip => '127.0.0.1');
is $doc->{decision}, 'grant', 'inherited roles count, as for a real request';
is_deeply $doc->{attributes}{roles}, ['editor'],
    '... and the attributes are those of the sources';

# Stock providers, `not`, and blocks.
($res, $doc) = explained(uri => '/p/not/viewer', user => 'carol',
                       ip => '127.0.0.1');
is_deeply $doc->{checks}, [ { require => 'valid-user', result => 'granted' },
                            { require => 'not role viewer',
                              result => 'denied' } ],
    'Require not role viewer: the line as written, its result after not';
is_deeply [ @$doc{qw(decision status reason required)} ],
    [ 'deny', 403, 'role', 'not viewer' ], '... and it is blamed';
($res, $doc) = explained(uri => '/p/trace', user => 'bob', ip => '127.0.0.1');
is_deeply $doc->{checks}[1], { require => 'not ip 192.0.2.1',
                               result => 'neutral' },
    'a negated line that does not apply is neutral';
($res, $doc) = explained(uri => '/r/enforce/any', user => 'carol',
                       ip => '127.0.0.1');
is_deeply $doc->{checks}, [ { require => 'role admin', result => 'denied' },
                            { require => 'ip 10.9.8.7',
                              result => 'denied' } ],
    'RequireAny: every line evaluated, a stock provider too';
($res, $doc) = explained(uri => '/r/enforce/ip', user => 'carol',
                       ip => '10.9.8.7');
is $doc->{decision}, 'grant', 'the address given is the client\'s';
($res, $doc) = explained(uri => '/p/user/alice', user => 'bob',
                       ip => '127.0.0.1');
is_deeply [ @$doc{qw(decision status reason required)} ],
    [ 'deny', 401, 'other', undef ],
    'where the module takes no part: Apache\'s own answer, reason other';
($res, $doc) = explained(uri => '/r/enforce/sql', user => 'bob',
                       ip => '127.0.0.1');
is_deeply [ @$doc{qw(decision status)}, $doc->{checks}[0]{result},
            $doc->{attributes}{roles} ],
    [ 'unknown', undef, 'error', undef ],
    'a failing source: no decision, the check in error, no roles';
is_deeply caveats($doc), ['error'], '... and a caveat says why';
like $doc->{caveats}[0]{message}, qr/role auditor.*500/,
    '... naming the line that failed and the 500 a request gets meanwhile';
($res, $doc) = explained(uri => '/r/report/sql', user => 'bob',
                       ip => '127.0.0.1');
is_deeply caveats($doc), ['error'], 'the same source failing in report mode: '
    . 'the caveat too';
like $doc->{caveats}[0]{message},
    qr/role auditor.*report mode, a real request is let through and recorded as a 500/,
    '... saying that a real request is let through there, not answered 500';
($res, $doc) = explained(uri => '/d/hidden', user => 'bob', ip => '127.0.0.1');
is_deeply [ @$doc{qw(decision status reason)} ], [ 'deny', 404, 'role' ],
    'a hidden denial: 404';

# Report mode and shadows.
($res, $doc) = explained(uri => '/r/report/role', user => 'carol',
                       ip => '127.0.0.1');
is_deeply [ @$doc{qw(mode decision status reason required)} ],
    [ 'report', 'deny', 403, 'role', 'admin' ],
    'report mode: the decision that is not enforced';
($res, $doc) = explained(uri => '/s/shadow/stock', user => 'carol',
                       ip => '127.0.0.1');
is_deeply $doc->{shadows}, [ { name => 'office-ip', result => 'deny:other' },
                             { name => 'nested', result => 'deny:plan' },
                             { name => 'not-billing', result => 'grant' } ],
    'every shadow, with its result';
is_deeply $doc->{checks}, [ { require => 'valid-user', result => 'granted' } ],
    '... and no shadow line among the checks';
($res, $doc) = explained(uri => '/r/report/named', user => 'carol',
                       ip => '127.0.0.1');
is $doc->{area}, 'billing-rollout', 'AuthzPolicyName names the area';

# header=, method=, a query string in the URL.
($res, $doc) = explained(uri => '/x/header', user => 'bob', ip => '127.0.0.1');
is $doc->{decision}, 'deny', 'without the header: denied';
($res, $doc) = explained(uri => '/x/header', user => 'bob', ip => '127.0.0.1',
                       header => 'X-Explain-Test: open');
is $doc->{decision}, 'grant', 'header=NAME:VALUE is a request header';
($res, $doc) = explained(uri => '/x/method', user => 'bob', ip => '127.0.0.1',
                       method => 'POST');
is $doc->{decision}, 'deny', 'method=POST: Require method GET HEAD denies';
($res, $doc) = explained(uri => '/x/method', user => 'bob', ip => '127.0.0.1');
is $doc->{decision}, 'grant', '... GET by default';
($res, $doc) = explained(uri => '/r/enforce/expr?open-sesame', user => 'bob',
                       ip => '127.0.0.1');
is $doc->{decision}, 'grant', 'the URL\'s query string is the request\'s';

# The handler's own request passes nothing to the explained one: its
# credentials are not the explained user's.
$res = req(GET => '/explain?uri=/p/role/admin&user=bob&ip=127.0.0.1',
           user => 'alice');
is $json->decode($res->content)->{decision}, 'deny',
    'the asker\'s Basic credentials do not authenticate the explained user';

# --- No AuthType: every real request that needs a user is a 500 -----------
is req(GET => '/x/no-authtype/', user => 'bob')->code, 500,
    'Require role with no AuthType: a real request is a 500 (AH00027)';
($res, $doc) = explained(uri => '/x/no-authtype/', user => 'bob',
                         ip => '127.0.0.1');
is_deeply [ @$doc{qw(decision status reason)}, caveats($doc) ],
    [ 'unknown', undef, undef, ['no_authtype'] ],
    '... explained as no decision (not a grant), with the caveat no_authtype';
like $doc->{caveats}[0]{message}, qr/AuthType.*500/,
    '... which says that a request needing a user is answered 500';
is_deeply $doc->{checks}, [ { require => 'role editor', result => 'granted' } ],
    '... the checks still show what bob would meet, were he authenticated';
($res, $doc) = explained(uri => '/r/enforce/ip', user => 'carol',
                         ip => '10.9.8.7');
is_deeply [ $doc->{decision}, caveats($doc) ], [ 'grant', [] ],
    'an area that needs no user: no AuthType needed, no caveat';

# --- Name-based virtual hosts: each explains its own ----------------------
# policy_names: www.example.test first (the address's default), then
# shared.example.test (alias members.example.test) with /members for
# editors.  The main server's /explain is inherited by both: asked with
# Host: shared.example.test, it is shared.example.test's handler, as a
# real request with that Host would reach it.  www.example.test also has
# /site-explain of its own.
sub members { req(GET => '/members/', vhost => 'policy_names',
                  Host => 'shared.example.test', user => $_[0])->code }
# shared.example.test has no /members directory: past the checks, 404
is members('erin'), 403, 'shared.example.test: erin, no editor, gets 403';
is members('bob'), 404, '... bob, an editor, passes (to a path with nothing '
    . 'there)';
my $SHARED = 'shared.example.test';
($res, $doc) = explained_via('/explain', $SHARED, 'policy_names',
                             uri => '/members/', user => 'erin',
                             ip => '127.0.0.1', host => $SHARED);
is_deeply [ @$doc{qw(server host area decision status reason)},
            caveats($doc) ],
    [ 'shared.example.test', 'shared.example.test', '/members', 'deny', 403,
      'role', [] ],
    'Host: and host=shared.example.test: the look-up is made in that '
    . 'virtual host, as the real request was';
($res, $doc) = explained_via('/explain', $SHARED, 'policy_names',
                             uri => '/members/', user => 'bob',
                             ip => '127.0.0.1', host => $SHARED);
is $doc->{decision}, 'grant', '... and bob is granted there too';
($res, $doc) = explained_via('/explain', $SHARED, 'policy_names',
                             uri => '/members/', user => 'erin',
                             ip => '127.0.0.1', header => "Host: $SHARED");
is_deeply [ @$doc{qw(server decision status)} ],
    [ 'shared.example.test', 'deny', 403 ],
    'header=Host:NAME picks the virtual host as host= does';
($res, $doc) = explained_via('/explain', $SHARED, 'policy_names',
                             uri => '/members/', user => 'erin',
                             ip => '127.0.0.1',
                             host => 'MEMBERS.example.test.');
is_deeply [ @$doc{qw(server decision)} ], [ 'shared.example.test', 'deny' ],
    'a ServerAlias of the same virtual host, in any case, with a final dot: '
    . 'as httpd matches it';
($res, $doc) = explained_at('policy_names', uri => '/members/', user => 'erin',
                            ip => '127.0.0.1');
is_deeply [ @$doc{qw(server decision)}, caveats($doc) ],
    [ 'www.example.test', 'grant', [] ],
    'no host given: the handler request\'s own Host (the first virtual host)';

# Another virtual host of the address, or none: refused, and logged.
my $other = qr/"area"|"roles"|"checks"|editor|members/;
my $size = error_log_size();
($res, $doc) = explained_at('policy_names', uri => '/members/', user => 'erin',
                            ip => '127.0.0.1', host => $SHARED);
is $res->code, 403, 'the handler reached as www.example.test, asked about '
    . 'shared.example.test: 403';
unlike $res->content, $other, '... nothing of the other site in it';
like $doc && $doc->{message}, qr/Host: shared\.example\.test/,
    '... saying to ask with Host: NAME';
($res, $doc) = explained_via('/site-explain', undef, 'policy_names',
                             uri => '/members/', user => 'bob',
                             ip => '127.0.0.1', host => $SHARED);
is $res->code, 403, 'a handler set in www.example.test only, asked about '
    . 'shared.example.test: 403';
unlike $res->content, $other, '... nothing of the other site in it';
($res, $doc) = explained_via('/site-explain', undef, 'policy_names',
                             uri => '/members/', user => 'bob',
                             ip => '127.0.0.1', header => "Host: $SHARED");
is $res->code, 403, '... with header=Host: too';
unlike $res->content, $other, '... nothing of the other site in it';
($res, $doc) = explained_via('/site-explain', undef, 'policy_names',
                             uri => '/members/', user => 'bob',
                             ip => '127.0.0.1', header => "host: $SHARED");
is $res->code, 403, '... and with the header\'s name in lower case';
($res, $doc) = explained_via('/site-explain', $SHARED, 'policy_names',
                             uri => '/members/', user => 'bob',
                             ip => '127.0.0.1', host => $SHARED);
is $res->code, 404, '... and with Host: shared.example.test, it is not '
    . 'there: 404';
($res, $doc) = explained_via('/site-explain', undef, 'policy_names',
                             uri => '/members/', user => 'bob',
                             ip => '127.0.0.1', host => 'www.example.test');
is_deeply [ $res->code, $doc->{server} ], [ 200, 'www.example.test' ],
    '... its own virtual host it explains';
($res, $doc) = explained_via('/explain', $SHARED, 'policy_names',
                             uri => '/members/', user => 'erin',
                             ip => '127.0.0.1', host => 'both.example.test');
is $res->code, 403, 'asked as shared.example.test about a name it shares '
    . 'with www.example.test, the first, which a request with it reaches: 403';
unlike $res->content, $other, '... nothing of either site in it';
($res, $doc) = explained_at('policy_names', uri => '/members/', user => 'erin',
                            ip => '127.0.0.1', host => 'nowhere.example.test');
is $res->code, 403, 'a host no virtual host of this address is named: 403, '
    . 'not the address\'s first';
unlike $res->content, qr/"area"|"decision"/, '... with no answer in it';
is scalar(grep { /authz-policy-explain/ && /refuses host/ }
          split /\n/, error_log_since($size)), 6,
    '... each refusal logged once';
for my $bad ([ 'host=a%20b', 'a host that is not a host name' ],
             [ 'host=shared.example.test&header=Host:www.example.test',
               'host= and header=Host: both' ],
             [ 'host=x&host=y', 'host twice' ]) {
    $res = req(GET => "/explain?uri=/members/&user=bob&ip=127.0.0.1&$bad->[0]",
               vhost => 'policy_names');
    my $err = eval { $json->decode($res->content) } || {};
    ok $res->code == 400 && $err->{error} eq 'bad_request'
       && $err->{message} =~ /host/, "400: $bad->[1]";
}

# --- Variables an authentication module sets (SSO claims) -----------------
SKIP: {
    skip 'mod_auth_openidc is not installed (make test installs it), or '
         . 'left out of the sanitizer run (see t/run-sanitizers)', 10
        unless -e '/usr/lib/apache2/modules/mod_auth_openidc.so'
               && !$ENV{POLICY_NO_OIDC};
    my @ask = (uri => '/o/reports/', user => 'oidc-user', ip => '127.0.0.1');
    my %claims = (OIDC_CLAIM_roles => 'analyst,viewer',
                  OIDC_CLAIM_plan => 'pro',
                  OIDC_CLAIM_scope => 'reports:read reports:write');
    my @env = map { (env => "$_=$claims{$_}") } sort keys %claims;
    ($res, $doc) = explained_at('policy_oidc', @ask);
    is_deeply [ $doc->{decision}, caveats($doc) ],
        [ 'unknown', ['env_not_given'] ],
        'roles from OIDC_CLAIM_roles, not given: no decision, a caveat';
    is $doc->{caveats}[0]{variable}, 'OIDC_CLAIM_roles',
        '... naming the variable';
    like $doc->{caveats}[0]{message}, qr/OIDC_CLAIM_roles.*env=/,
        '... and how to give it';
    ($res, $doc) = explained_at('policy_oidc', @ask,
                                env => 'OIDC_CLAIM_roles=analyst');
    is_deeply [ $doc->{decision},
                [ map { $_->{variable} } @{ $doc->{caveats} } ] ],
        [ 'unknown', ['OIDC_CLAIM_plan'] ],
        'given the roles: the plan, read next, is the one not known';
    ($res, $doc) = explained_at('policy_oidc', @ask, @env);
    is_deeply [ $doc->{decision}, caveats($doc), $doc->{attributes} ],
        [ 'grant', [], { roles => ['analyst', 'viewer'], plan => 'pro',
                         scopes => ['reports:read', 'reports:write'] } ],
        'every claim given (env=NAME=VALUE): a grant, the attributes from them';
    is bearer(token(roles => ['analyst', 'viewer'], plan => 'pro',
                    scope => 'reports:read reports:write')), 200,
        '... as a real request with a token of those claims';
    ($res, $doc) = explained_at('policy_oidc', @ask, @env,
                                env => 'OIDC_CLAIM_plan=free');
    is $res->code, 400, 'a variable given twice: 400';
    my @free = map { /^OIDC_CLAIM_plan=/ ? 'OIDC_CLAIM_plan=free' : $_ } @env;
    ($res, $doc) = explained_at('policy_oidc', @ask, @free);
    is_deeply [ @$doc{qw(decision status reason)}, caveats($doc) ],
        [ 'deny', 403, 'plan', [] ], 'a lower plan given: deny, plan';
    is bearer(token(roles => ['analyst', 'viewer'], plan => 'free',
                    scope => 'reports:read reports:write')), 403,
        '... as a real request with a token of that plan';
    ($res, $doc) = explained_at('policy_oidc', @ask, @env,
                                env => "OIDC_CLAIM_x\x01=y");
    is $res->code, 400, 'a control character in a variable: 400';
}

# --- Bad parameters: 400 with a JSON error ---------------------------------
for my $bad (['uri=/p&user=bob', 'ip missing'],
             ['uri=/p&ip=127.0.0.1', 'user missing'],
             ['user=bob&ip=127.0.0.1', 'uri missing'],
             ['uri=p&user=bob&ip=127.0.0.1', 'uri not a path'],
             ['uri=/p&user=&ip=127.0.0.1', 'empty user'],
             ['uri=/p&user=bob&ip=1.2.3', 'ip not an address'],
             ['uri=/p&user=bob&ip=127.0.0.1&colour=red', 'unknown parameter'],
             ['uri=/p&user=bob&user=eve&ip=127.0.0.1', 'user twice'],
             ['uri=/p&user=bob&ip=127.0.0.1&header=NoColon', 'header form'],
             ['uri=/p&user=bob&ip=127.0.0.1&method=G%20T', 'method'],
             ['uri=/p&user=bob&ip=127.0.0.1&uri', 'no value'],
             ['uri=/p&user=bob&ip=127.0.0.1&env=NOVALUE', 'env form'],
             ['uri=/p&user=bob&ip=127.0.0.1&env==x', 'env without a name']) {
    my ($q, $what) = @$bad;
    $res = req(GET => "/explain?$q");
    my $err = eval { $json->decode($res->content) } || {};
    ok $res->code == 400 && $err->{error} eq 'bad_request'
       && length $err->{message}, "400 with a JSON error: $what";
}
$res = req(POST => '/explain?uri=/p&user=bob&ip=127.0.0.1');
is $res->code, 405, 'only GET';

# --- Explained requests answer nothing, log nothing ------------------------
$size = error_log_size();
($res, $doc) = explained(uri => '/p/role/admin/ex-quiet', user => 'carol',
                         ip => '127.0.0.1');
is $doc->{decision}, 'deny', 'an explained denial...';
is req(GET => '/p/role/admin/ex-real', user => 'carol')->code, 403,
    '... and a real one';
my $log = wait_for(5, sub { my $s = error_log_since($size);
                            $s =~ /denied: .*ex-real/ ? $s : undef }) || '';
like $log, qr/authorization failure for "\/p\/role\/admin\/ex-real"/,
    'mod_authz_core logs the real denial';
unlike $log, qr/ex-quiet/, '... but nothing of the explained one';
is scalar(() = $log =~ /denied: reason="role"[^\n]*user="carol"/g), 1,
    'one denial line: the real request\'s';

# --- Protecting the handler ------------------------------------------------
$res = from('127.0.0.2', '/explain?uri=/p&user=bob&ip=127.0.0.1');
is $res->code, 403, 'Require ip around the handler keeps others out';

# --- The replay: explain agrees with real requests -------------------------
# Every <Location> of the main server, for bob from 127.0.0.2 (DE) and
# carol from 127.0.0.5 (KP): the real request's denial status (the
# module's AUTHZ_POLICY_STATUS, else Apache's 401, 403 or 500) is the one
# explained, and a real grant is explained as a grant; a 404 that the log
# does not call a denial (a hidden one answered by an ErrorDocument) may
# be either.  A real 500 is explained as no decision (`unknown`), with a
# caveat (no AuthType, a check in error), except where the real request
# fails in authentication for want of a password file: explain, which
# takes the user as authenticated, has nothing to agree with there, and
# such a 500 that no caveat or check explains is skipped.  Where explain
# cannot know variables an authentication module would set, it is asked
# again with each one it names empty, as the real request had them.
my $n = 0;
for my $case (['bob', '127.0.0.2'], ['carol', '127.0.0.5']) {
    my ($user, $ip) = @$case;
    my $auth = 'Basic ' . MIME::Base64::encode_base64("$user:secret", '');
    for my $area (@areas) {
        my $tag = "explain-replay-$$-" . ++$n;
        my $path = "$area/no-such-file?$tag";
        my $real = from($ip, $path, Authorization => $auth);
        my $line = access_log_line($tag, 'explain_log') || '';
        my ($status) = $line =~ / status=(\d+)/;
        my $ours = defined $status;
        $status = $real->code unless $ours;
        my $denied = $status =~ /^(401|403|451|500)$/ || ($ours && $status);
        ($res, $doc) = explained(uri => $path, user => $user, ip => $ip);
        $doc ||= {};
        my @unset = map { $_->{caveat} eq 'env_not_given'
                          ? (env => "$_->{variable}=") : () }
                    @{ $doc->{caveats} || [] };
        ($res, $doc) = explained(uri => $path, user => $user, ip => $ip,
                                 @unset) if @unset;
        $doc ||= {};
      SKIP: {
            skip "$area: the real request fails in authentication", 1
                if $status == 500 && !@{ $doc->{caveats} || [] }
                   && !grep { $_->{result} eq 'error' } @{ $doc->{checks} };
            # mod_authnz_ldap sets these from the directory, not empty;
            # explain reads its sources only (never a kept answer)
            skip "$area: the real request's AUTHENTICATE_ variables come "
                 . 'from the directory', 1
                if grep { /^AUTHENTICATE_/ } @unset;
            if ($status == 500) {
                is(($doc->{decision} // '') . ' caveats: '
                   . (join(',', @{ caveats($doc) }) || 'none'),
                   'unknown caveats: ' . (join(',', @{ caveats($doc) })
                                          || 'some'),
                   "$area for $user from $ip: a 500, explained as unknown");
            }
            elsif ($denied) {
                is "$doc->{decision} " . ($doc->{status} // ''),
                    "deny $status", "$area for $user from $ip: denied $status";
            }
            elsif ($status == 404 && ($doc->{status} // 0) == 404) {
                pass "$area for $user from $ip: 404, explained as hidden";
            }
            else {
                is $doc->{decision} // '', 'grant',
                    "$area for $user from $ip: granted (" . $real->code . ')';
            }
        }
    }
}

# The <Location> paths of the main server in the test configuration.
sub areas {
    open my $fh, '<', t_path('conf/extra.conf') or die $!;
    my ($in_vhost, %seen, @paths) = (0);
    while (<$fh>) {
        $in_vhost = 1 if /^\s*<VirtualHost/;
        $in_vhost = 0 if /^\s*<\/VirtualHost/;
        next if $in_vhost;
        next unless /^\s*<Location\s+"?(\/[^">\s]*)"?>/;
        my $p = $1;
        # /st: t/status.t counts every request of its areas; /dx: the
        # warning t/hidden_methods.t waits for is written once per process
        next if $p =~ /^\/explain/ || $p =~ m{^/(st|dx)(/|$)} || $seen{$p}++;
        push @paths, $p;
    }
    return @paths;
}
