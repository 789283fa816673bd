# Require same-origin (SPEC section 10): the header combinations browsers
# and other clients really send, the request's own origin, listed origins,
# RequireAll with a role, .htaccess, and the denial mapping for the reason
# origin (bodies, AuthzPolicyDenyStatus, messages, variables, log line).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use HTTP::Request ();
use MIME::Base64 ();
use lib 't/lib';
use PolicyTest;
use JSON::PP ();

plan tests => 86;

my $hostport = Apache::TestRequest::hostport();
my $own = "http://$hostport";
my ($host, $port) = split /:/, $hostport;

my $json = JSON::PP->new->utf8;
sub decode { my $b = shift; my $v = eval { $json->decode($b) }; $v || {} }

# send(METHOD, PATH, headers...): one request with exactly these headers
# (and a form body for methods that carry one); user => NAME adds Basic
# credentials.
sub send_req {
    my ($method, $path, %h) = @_;
    my $user = delete $h{user};
    my $req = HTTP::Request->new($method => "http://$hostport$path");
    $req->header($_ => $h{$_}) for sort keys %h;
    $req->header(Authorization => 'Basic '
        . MIME::Base64::encode_base64("$user:$PolicyTest::Setup::PASSWORD", ''))
        if defined $user;
    if ($method =~ /^(POST|PUT|PATCH)$/) {
        $req->content('title=hello');
        $req->header('Content-Type' => 'application/x-www-form-urlencoded')
            unless $req->header('Content-Type');
    }
    return Apache::TestRequest::user_agent()->request($req);
}

# What a browser adds to a form submission that navigates.
my %form = ('Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document',
            'Sec-Fetch-User' => '?1');

# --- what browsers send -----------------------------------------------
my $r = send_req(POST => '/so/plain/', %form, 'Sec-Fetch-Site' => 'same-origin',
                 Origin => $own);
is $r->code, 200, 'same-origin form POST (Fetch Metadata): passes';
is $r->content, "ok POST\n", '... and reaches the application';

$r = send_req(POST => '/so/plain/', %form, 'Sec-Fetch-Site' => 'cross-site',
              Origin => 'https://evil.example');
is $r->code, 403, 'cross-site form POST: 403';
like $r->content, qr{<p>This request was sent from another site and is not allowed\.</p>},
    '... with the origin message';
is $r->header('Cache-Control'), 'no-store', '... not cached';

# a cross-site fetch() with a CORS preflight: the preflight passes (the
# application's CORS answer decides), the request itself does not
$r = send_req(OPTIONS => '/so/plain/', Origin => 'https://evil.example',
              'Access-Control-Request-Method' => 'PUT',
              'Access-Control-Request-Headers' => 'content-type',
              'Sec-Fetch-Mode' => 'cors', 'Sec-Fetch-Site' => 'cross-site',
              'Sec-Fetch-Dest' => 'empty');
is $r->code, 200, 'CORS preflight OPTIONS, cross-site: passes';
is $r->content, "ok OPTIONS\n", '... to the application';
$r = send_req(PUT => '/so/plain/', Origin => 'https://evil.example',
              'Content-Type' => 'application/json', 'Sec-Fetch-Mode' => 'cors',
              'Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Dest' => 'empty',
              Accept => 'application/json');
is $r->code, 403, '... the cross-site PUT after it: 403';
is $r->header('Content-Type'), 'application/json', '... JSON as asked';
is_deeply decode($r->content),
    { error => 'cross_origin_request',
      message => 'This request was sent from another site and is not allowed.' },
    '... code cross_origin_request';

$r = send_req(POST => '/so/plain/', %form, 'Sec-Fetch-Site' => 'same-site',
              Origin => "http://www.$host:$port");
is $r->code, 403, 'same-site (a subdomain) form POST: 403';

$r = send_req(DELETE => '/so/plain/', 'Sec-Fetch-Site' => 'cross-site',
              Origin => 'https://evil.example', Accept => 'application/problem+json');
is $r->code, 403, 'cross-site DELETE: 403';
is_deeply decode($r->content),
    { type => 'about:blank', title => 'Forbidden', status => 403,
      detail => 'This request was sent from another site and is not allowed.',
      error => 'cross_origin_request' },
    '... problem+json';

$r = send_req(POST => '/so/plain/', %form, 'Sec-Fetch-Site' => 'none');
is $r->code, 200, 'Sec-Fetch-Site none (typed by the user): passes';

for my $method (qw(GET HEAD)) {
    $r = send_req($method => '/so/plain/', 'Sec-Fetch-Site' => 'cross-site',
                  Origin => 'https://evil.example');
    is $r->code, 200, "cross-site $method: passes (safe methods are never refused)";
}

# an older browser: Origin and no Fetch Metadata
$r = send_req(POST => '/so/plain/', Origin => $own);
is $r->code, 200, 'Origin only, the request\'s own: passes';
$r = send_req(POST => '/so/plain/', Origin => uc("HTTP://$host") . ":$port");
is $r->code, 200, '... written in upper case: the same origin';
$r = send_req(POST => '/so/plain/', Origin => 'https://evil.example');
is $r->code, 403, 'Origin only, another site: 403';

# curl, scripts, server-to-server: neither header
$r = send_req(POST => '/so/plain/');
is $r->code, 200, 'neither header (not a browser): passes';
is $r->content, "ok POST\n", '... to the application';

# Header names in any case (HTTP/2 sends them in lower case), and only
# the names themselves: a longer name that begins like one is another
# header.  Written byte for byte.
sub raw_post {
    my $resp = raw_request(join "\n", 'POST /so/plain/ HTTP/1.1', "Host: $hostport",
                           'Connection: close', 'Content-Length: 0', @_, '', '');
    return $resp =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
}
for my $names ([ 'sec-fetch-site', 'origin' ], [ 'SEC-FETCH-SITE', 'ORIGIN' ],
               [ 'Sec-fetch-Site', 'OrIgIn' ]) {
    my ($site, $origin) = @$names;
    is raw_post("$site: cross-site", "$origin: https://evil.example"), 403,
        "'$site' and '$origin': cross-site, 403";
    is raw_post("$origin: https://evil.example"), 403,
        "'$origin' alone, another site: 403";
}
is raw_post('Sec-Fetch-Site-Extra: cross-site'), 200,
    'a header whose name begins like Sec-Fetch-Site is not it: passes';
is raw_post('Origin-Extra: https://evil.example'), 200,
    '... nor one that begins like Origin';
is raw_post('Sec-Fetch-Site-Extra: cross-site', 'Sec-Fetch-Site: same-origin',
            "Origin: $own"), 200,
    '... before the real one, which counts';

$r = send_req(POST => '/so/plain/', Origin => 'null');
is $r->code, 403, 'Origin null (a sandboxed document): 403';
$r = send_req(POST => '/so/plain/', Origin => "https://$hostport");
is $r->code, 403, 'a scheme mismatch (https page, http request): 403';
$r = send_req(POST => '/so/plain/', Origin => "http://$host:" . ($port + 1));
is $r->code, 403, 'a port mismatch: 403';
$r = send_req(POST => '/so/plain/', Origin => "http://$host");
is $r->code, 403, 'no port, so the default 80: 403';
$r = send_req(POST => '/so/plain/', Origin => "$own/");
is $r->code, 403, 'an Origin with a path: 403';
$r = send_req(POST => '/so/plain/', Origin => "$own\xff");
is $r->code, 403, 'an Origin with a byte outside the grammar: 403';
$r = send_req(POST => '/so/plain/', Origin => "$own, https://evil.example");
is $r->code, 403, 'two origins: 403';
$r = send_req(POST => '/so/plain/', 'Sec-Fetch-Site' => 'Same-Origin');
is $r->code, 403, 'Sec-Fetch-Site in another case: not a value browsers send, 403';

# one keep-alive connection: each request is judged by its own Host and
# Origin, whatever the requests before it on the connection sent
{
    require IO::Socket::INET;
    my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 10)
        or die "connect $hostport: $!";
    my @asked = ([$hostport, $own, 200], [$hostport, 'https://evil.example', 403],
                 [$hostport, $own, 200], ["www.$host:$port", $own, 403],
                 ["www.$host:$port", "http://www.$host:$port", 200],
                 [$hostport, "http://www.$host:$port", 403],
                 # the own origin in capitals (parsed, not the fast path),
                 # then another: never the one before
                 [$hostport, uc $own, 200], [$hostport, 'https://evil.example', 403]);
    my @got;
    for my $a (@asked) {
        my ($h, $o) = @$a;
        print $sock "POST /so/plain/ HTTP/1.1\r\nHost: $h\r\nOrigin: $o\r\n"
            . "Content-Type: application/x-www-form-urlencoded\r\n"
            . "Content-Length: 3\r\n\r\na=1";
        my $status = <$sock>;
        my $len = 0;
        while (defined(my $line = <$sock>)) {
            last if $line eq "\r\n";
            $len = $1 if $line =~ /^Content-Length: (\d+)/i;
        }
        read $sock, my $body, $len if $len;
        push @got, $status && $status =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
    }
    is "@got", join(' ', map { $_->[2] } @asked),
        'one keep-alive connection: each request judged by its own Host and Origin';
}

# header names in any case (HTTP/2 sends them in lower case, some clients
# in upper): were either name missed, the request would be decided by the
# other header alone (or, with neither, pass as no browser's)
{
    require IO::Socket::INET;
    my @asked = (
        [ "origin: https://evil.example", 403 ],
        [ "ORIGIN: $own", 200 ],
        [ "sec-fetch-site: cross-site\r\norigin: $own", 403 ],
        [ "SEC-FETCH-SITE: same-origin\r\nOrigin: https://evil.example", 200 ],
    );
    my @got;
    for my $a (@asked) {
        my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 10)
            or die "connect $hostport: $!";
        print $sock "POST /so/plain/ HTTP/1.1\r\nHost: $hostport\r\n$a->[0]\r\n"
            . "Content-Type: application/x-www-form-urlencoded\r\n"
            . "Content-Length: 3\r\nConnection: close\r\n\r\na=1";
        my $status = <$sock>;
        push @got, $status && $status =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
    }
    is "@got", join(' ', map { $_->[1] } @asked),
        'Origin and Sec-Fetch-Site found whatever the case of their names';
}

# --- listed origins ------------------------------------------------------
$r = send_req(POST => '/so/listed/', Origin => 'https://app.example.com');
is $r->code, 200, 'a listed origin, older browser: passes';
$r = send_req(POST => '/so/listed/', Origin => 'https://APP.example.com:443');
is $r->code, 200, '... with its default port and in upper case';
$r = send_req(POST => '/so/listed/', Origin => 'http://[0:0::1]:8080');
is $r->code, 200, '... an IPv6 literal written another way';
$r = send_req(POST => '/so/plain/', Origin => 'https://app.example.com');
is $r->code, 403, '... not where it is not listed';
$r = send_req(POST => '/so/listed/', Origin => 'http://app.example.com');
is $r->code, 403, '... not with another scheme';
$r = send_req(POST => '/so/listed/', Origin => $own);
is $r->code, 200, 'the own origin stays trusted beside the listed ones';
# SPEC section 10: a listed origin counts only without Sec-Fetch-Site
$r = send_req(POST => '/so/listed/', 'Sec-Fetch-Site' => 'cross-site',
              Origin => 'https://app.example.com');
is $r->code, 403, 'a listed origin with Sec-Fetch-Site cross-site: 403 (Fetch Metadata decides)';

# --- RequireAll with a role -------------------------------------------------
$r = send_req(POST => '/so/admin/', user => 'alice', %form,
              'Sec-Fetch-Site' => 'same-origin', Origin => $own);
is $r->code, 200, 'RequireAll: an admin, same-origin: passes';
$r = send_req(POST => '/so/admin/', user => 'alice', %form,
              'Sec-Fetch-Site' => 'cross-site', Origin => 'https://evil.example',
              Accept => 'application/json');
is $r->code, 403, '... an admin, cross-site: 403';
is decode($r->content)->{error}, 'cross_origin_request', '... for the origin';
$r = send_req(POST => '/so/admin/', user => 'bob', %form,
              'Sec-Fetch-Site' => 'same-origin', Accept => 'application/json');
is $r->code, 403, '... an editor, same-origin: 403';
is decode($r->content)->{error}, 'insufficient_role', '... for the role';
$r = send_req(POST => '/so/admin/', %form, 'Sec-Fetch-Site' => 'same-origin');
is $r->code, 401, '... anonymous, same-origin: 401';
like $r->header('WWW-Authenticate'), qr/^Basic/, '... with the challenge';
$r = send_req(POST => '/so/admin/', %form, 'Sec-Fetch-Site' => 'cross-site',
              Origin => 'https://evil.example', Accept => 'application/json');
is $r->code, 403, '... anonymous, cross-site: 403 (logging in cannot help)';
is decode($r->content)->{error}, 'cross_origin_request', '... for the origin';
ok !defined $r->header('WWW-Authenticate'), '... and no challenge';
$r = send_req(GET => '/so/admin/', user => 'alice', 'Sec-Fetch-Site' => 'cross-site');
is $r->code, 200, '... a cross-site GET by an admin (a link): passes';

# --- .htaccess ------------------------------------------------------------
$r = send_req(POST => '/so/ht/', 'Sec-Fetch-Site' => 'cross-site',
              Origin => 'https://app.example.com');
is $r->code, 403, '.htaccess: cross-site POST, 403';
$r = send_req(POST => '/so/ht/', Origin => 'https://app.example.com');
is $r->code, 200, '.htaccess: its listed origin (older browser) passes';
$r = send_req(POST => '/so/ht/', Origin => 'https://evil.example');
is $r->code, 403, '.htaccess: another origin, 403';
$r = send_req(POST => '/so/ht/', 'Sec-Fetch-Site' => 'same-origin');
is $r->code, 200, '.htaccess: same-origin passes';

# --- the denial mapping -----------------------------------------------------
$r = send_req(POST => '/so/mapped/', 'Sec-Fetch-Site' => 'cross-site',
              Accept => 'application/json');
is $r->code, 451, 'AuthzPolicyDenyStatus 451 origin';
is_deeply decode($r->content),
    { error => 'cross_origin_request', message => 'Forms must be posted from this site.' },
    '... AuthzPolicyMessage origin';
$r = send_req(POST => '/so/mapped/', 'Sec-Fetch-Site' => 'cross-site');
like $r->content, qr{<p>Forms must be posted from this site\.</p>}, '... in HTML too';

$r = send_req(POST => '/so/errdoc/', 'Sec-Fetch-Site' => 'cross-site');
is $r->code, 403, 'AuthzPolicyErrorDocument origin "text": 403';
is $r->content, 'Please post from our own pages.', '... the text';
$r = send_req(POST => '/so/none/', 'Sec-Fetch-Site' => 'cross-site',
              Accept => 'application/json');
is_deeply decode($r->content),
    { error => 'forbidden', message => 'You are not allowed to access this resource.' },
    'AuthzPolicyErrorDetail none: forbidden, the generic message';

$r = send_req(POST => '/so/hidden/', 'Sec-Fetch-Site' => 'cross-site');
is $r->code, 404, 'AuthzPolicyDenyStatus 404 origin: 404';
unlike $r->content, qr/another site|cross_origin/, '... saying nothing of the reason';
is $r->header('Cache-Control'), undef, '... no no-store (a missing path has none)';
is send_req(POST => '/so/hidden/', 'Sec-Fetch-Site' => 'same-origin')->code, 200,
    '... same-origin passes';

# variables and the log line
my $size = error_log_size();
$r = send_req(POST => "/so/plain/?so-$$-log-1", 'Sec-Fetch-Site' => 'cross-site');
is $r->code, 403, 'a denial to log';
my $line = access_log_line("so-$$-log-1");
like $line, qr{ 403 reason=origin required=same-origin status=403$},
    'AUTHZ_POLICY_REASON, _REQUIRED and _STATUS';
$r = send_req(POST => "/so/listed/?so-$$-log-2", Origin => 'https://evil.example');
like access_log_line("so-$$-log-2"),
    qr{ 403 reason=origin required=same-origin https://app\.example\.com http://\[::1\]:8080 status=403$},
    'REQUIRED lists the trusted origins in canonical form';
my $log = wait_for(5, sub { my $s = error_log_since($size);
                            $s =~ /denied: reason="origin"/ ? $s : '' });
like $log, qr{denied: reason="origin" required="same-origin" user=- client="127\.0\.0\.1" region=- status="403" uri="/so/plain/"},
    'the denial log line';
$r = send_req(POST => "/so/plain/?so-$$-log-3", Origin => $own);
like access_log_line("so-$$-log-3"), qr{ 200 reason=- required=- status=-$},
    'a grant sets no variables';

# --- the module takes part: its answer, not Apache's ---------------------------
$r = send_req(PATCH => '/so/plain/', Origin => "http://evil.example\r\nX: y");
ok $r->code == 403 || $r->code == 400, 'a header that tries to break the line: refused';
$r = send_req(POST => '/so/plain/', 'Sec-Fetch-Site' => 'cross-site',
              Accept => 'text/html;q=0.1, application/json');
is $r->header('Content-Type'), 'application/json', 'negotiation as for every reason';

# GET through every variant stays open
for my $path (qw(/so/plain/ /so/listed/ /so/mapped/ /so/hidden/ /so/ht/)) {
    is send_req(GET => $path, 'Sec-Fetch-Site' => 'cross-site',
                Origin => 'https://evil.example')->code, 200, "GET $path cross-site: 200";
}
# a method of WebDAV
$r = send_req(PROPPATCH => '/so/plain/', 'Sec-Fetch-Site' => 'cross-site');
is $r->code, 403, 'PROPPATCH cross-site: 403 (only GET, HEAD, OPTIONS are safe)';
$r = send_req(OPTIONS => '/so/plain/', 'Sec-Fetch-Site' => 'cross-site');
is $r->code, 200, 'OPTIONS cross-site: 200';
