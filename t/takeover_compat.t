# mod_access_compat's Order/Allow/Deny (the access_checker chain, which
# runs before mod_authz_core's): where AuthzPolicyServerDenials is on, a
# denial httpd acts on is answered as the module answers any other
# (reason other): the hidden 404 of a missing path, the negotiated 403
# body, the variables and the log line.  Under `Satisfy Any` that denial
# is not final: httpd goes on to authentication, and a user who passes is
# served exactly as without the module.  In report mode (directive on)
# it is recorded as would-deny and the request served (SPEC 7: every
# path that can deny).  Where the directive is off (its default, also
# under AuthzPolicyDenyStatus 404, in report mode or in .htaccess),
# Apache's own 403, byte for byte as where the module takes no part.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use JSON::PP ();
use MIME::Base64 qw(encode_base64);

sub basic { 'Authorization: Basic ' . encode_base64("$_[0]:$_[1]", '') }

# The raw answer, Date normalised (as t/hidden.t compares them).
sub answer {
    my ($method, $path, @headers) = @_;
    my $text = join "\n", "$method $path HTTP/1.1", 'Host: localhost',
                          'Connection: close', @headers, '', '';
    my $resp = raw_request($text);
    $resp =~ s/^Date: [^\r\n]*/Date: -/m;
    return $resp;
}

my @hidden = (
    # name, method, hidden path, real path, headers
    [ 'anonymous', 'GET', '/d/deny-hidden/', '/nothing/' ],
    [ 'an admin (Deny from all holds for everyone)', 'GET',
      '/d/deny-hidden/', '/nothing/', basic('alice', 'secret') ],
    [ 'an existing file', 'GET', '/d/deny-hidden/index.html',
      '/nothing/index.html', basic('bob', 'secret') ],
    [ 'HEAD', 'HEAD', '/d/deny-hidden/', '/nothing/' ],
    [ 'Accept: application/json', 'GET', '/d/deny-hidden/', '/nothing/',
      'Accept: application/json' ],
);

# Where AuthzPolicyServerDenials is off, each request answered as the
# same request to /d/deny-stock, an area without the module
my @stock = (
    # name, path below the area, headers
    [ 'anonymous', '/' ],
    [ 'an admin', '/', basic('alice', 'secret') ],
    [ 'an existing file', '/index.html', basic('bob', 'secret') ],
    [ 'Accept: application/json', '/', 'Accept: application/json' ],
);
my @off = (
    # name, area
    [ 'without the directive', '/d/deny-off' ],
    [ 'without the directive, AuthzPolicyDenyStatus 404',
      '/d/deny-off-hidden' ],
    [ 'off under an area where it is on', '/d/deny-nest/off' ],
    [ '.htaccess without the directive', '/d/deny-ht/off' ],
);

plan tests => 2 * @hidden + 31 + 2 * @off * (@stock + 1) + 1 + 2 + 2;

# --- Satisfy All in a hidden area: a missing path's answer ----------------
for my $v (@hidden) {
    my ($name, $method, $hidden, $real, @h) = @$v;
    my $got = answer($method, $hidden, @h);
    like $got, qr{^HTTP/1\.1 404 Not Found\r\n}, "Deny from all, hidden, $name: 404";
    is $got, answer($method, $real, @h), "... identical to a real 404";
}
my $size = error_log_size();
req(GET => "/d/deny-hidden/?cd1-$$", user => 'alice');
like access_log_line("?cd1-$$"), qr/ 404 reason=other required=- status=404$/,
    'the log line records the denial: reason other, status 404';
like error_log_since($size), qr/client denied by server configuration/,
    '... and mod_access_compat\'s own line is there';

# Allow from decides by address: a grant passes on to Require, a denial
# is answered hidden
is req(GET => '/d/deny-from/', user => 'alice')->code, 200,
    'Allow from 127.0.0.1: an admin from there is served';
like req(GET => '/d/deny-from/', user => 'alice')->content, qr/ok d\/deny-from/,
    '... the page';
is req(GET => "/d/deny-from/?cd2-$$", user => 'bob')->code, 404,
    '... bob, allowed by address, is hidden from by Require role';
like access_log_line("?cd2-$$"), qr/ 404 reason=role required=admin status=404$/,
    '... for the role';
my $r = from('127.0.0.2', "/d/deny-from/?cd3-$$",
             Authorization => 'Basic ' . encode_base64('alice:secret', ''));
is $r->code, 404, 'an admin from another address: hidden (Deny from all)';
like access_log_line("?cd3-$$"), qr/ 404 reason=other required=- status=404$/,
    '... reason other';

# --- Satisfy All where the module takes part: its 403 body ----------------
$r = req(GET => "/d/deny-json/?cd4-$$", Accept => 'application/json');
is $r->code, 403, 'Deny from all, not hidden: 403';
is $r->header('Content-Type'), 'application/json', '... as JSON';
is_deeply eval { JSON::PP->new->decode($r->content) } || $r->content,
    { error => 'forbidden',
      message => 'You are not allowed to access this resource.' },
    '... the module\'s body: code forbidden';
is $r->header('Cache-Control'), 'no-store', '... not cached';
ok !defined $r->header('WWW-Authenticate'), '... without a challenge';
like access_log_line("?cd4-$$"), qr/ 403 reason=other required=- status=403$/,
    '... reason other in the log line';

# the directive alone makes the denial the module's
$r = req(GET => "/d/deny-on/?cd8-$$", Accept => 'application/json');
is $r->code, 403, 'AuthzPolicyServerDenials on alone: 403';
is $r->header('Content-Type'), 'application/json', '... the module\'s JSON';
like access_log_line("?cd8-$$"), qr/ 403 reason=other required=- status=403$/,
    '... reason other in the log line';

# --- Satisfy Any: the denial is not final --------------------------------
$r = req(GET => "/d/deny-any/?cd5-$$", user => 'alice');
is $r->code, 200, 'Satisfy Any: an admin is served despite Deny from all';
is $r->content, "ok d/deny-any\n", '... the page itself';
like access_log_line("?cd5-$$"), qr/ 200 reason=- required=- status=-$/,
    '... no denial recorded';
req(GET => "/d/deny-any/?cd6-$$", user => 'bob');
like access_log_line("?cd6-$$"), qr/ 404 reason=role required=admin status=404$/,
    '... bob is hidden from for his role, not for the address';

# --- report mode: recorded and served; the module takes no part: 403 ----
$r = req(GET => "/d/deny-report/?cdr-$$", user => 'alice',
         Accept => 'application/json');
is $r->code, 200, 'report mode, directive on: Deny from all is recorded, not enforced';
like access_log_line("?cdr-$$"), qr/ 200 reason=other required=- status=403$/,
    '... as a would-be 403 for reason other';
$r = req(GET => '/d/deny-ht/report/admin/', Accept => 'application/json');
is $r->code, 403,
    'report mode and the directive from a customer\'s .htaccess: the administrator\'s Deny below still denies';
$r = req(GET => "/d/deny-ht/report/?cdh-$$");
is $r->code, 200, '... while the .htaccess file\'s own Require line is only reported';
like access_log_line("?cdh-$$"), qr/ 200 reason=other required=- status=403$/,
    '... as a would-be 403';
is req(GET => '/d/deny-ht/report/admin2/')->code, 403,
    '... and the administrator\'s Require line below it is enforced';
$r = req(GET => '/d/deny-report-off/', user => 'alice',
         Accept => 'application/json');
is $r->code, 403, 'report mode, directive off: Deny from all still denies';
like $r->content, qr/You don't have permission/, '... with Apache\'s own page';
$r = req(GET => '/d/deny-stock/', Accept => 'application/json');
is $r->code, 403, 'where the module takes no part: 403';
like $r->content, qr/You don't have permission/,
    '... Apache\'s own page';

# --- AuthzPolicyServerDenials off: exactly stock --------------------------
my $n = 0;
for my $o (@off) {
    my ($name, $area) = @$o;
    $n++;
    for my $v (@stock) {
        my ($what, $below, @h) = @$v;
        my $got = answer('GET', "$area$below", @h);
        like $got, qr{^HTTP/1\.1 403 Forbidden\r\n}, "$name, $what: 403";
        is $got, answer('GET', "/d/deny-stock$below", @h),
            '... identical to an area without the module';
    }
    my $got = answer('HEAD', "$area/");
    is $got, answer('HEAD', '/d/deny-stock/'), "$name, HEAD: identical";
    req(GET => "$area/?cd7-$$-$n", user => 'alice');
    like access_log_line("?cd7-$$-$n"),
        qr/ 403 reason=- required=- status=-$/, '... no denial of ours';
}
$r = req(GET => '/d/deny-nest/', user => 'alice');
is $r->code, 404, 'the area where it is on: hidden (so the off below it '
                  . 'is what answers stock)';

# --- AuthzPolicyServerDenials on from .htaccess ---------------------------
for my $h ([], [ basic('alice', 'secret') ]) {
    my $got = answer('GET', '/d/deny-ht/on/', @$h);
    like $got, qr{^HTTP/1\.1 404 Not Found\r\n},
        '.htaccess with the directive on: 404' . (@$h ? ', an admin' : '');
    is $got, answer('GET', '/nothing/', @$h), '... identical to a real 404';
}
