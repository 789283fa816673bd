# A forward proxy (ProxyRequests On, <Proxy "*"> with Basic authentication
# and Require role admin) on loopback, in front of a backend virtual host:
# an anonymous client's denial is a 407 in every respect a 401 is
# (negotiated bodies, messages, detail levels, error documents, the
# variables and the log line), AuthzPolicyDenyStatus 401 anonymous means
# 407 there, and 404 still hides.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use IO::Socket::INET ();
use HTTP::Response ();
use MIME::Base64 ();
use lib 't/lib';
use PolicyTest;
use JSON::PP ();

plan tests => 52;

sub hostport_of {
    local $Apache::TestRequest::Module = shift;
    return Apache::TestRequest::hostport();
}
my $proxy = hostport_of('policy_forward');
my $backend = hostport_of('policy_backend');
$backend =~ s/^localhost:/127.0.0.1:/;

my $json = JSON::PP->new->utf8;
sub decode { my $b = shift; my $v = eval { $json->decode($b) }; $v || {} }

# via_proxy(PATH, headers...): an absolute-URI GET for the backend's PATH
# sent to the proxy, as a browser configured with a proxy sends it;
# proxy_user => NAME adds Proxy-Authorization.
sub via_proxy {
    my ($path, %h) = @_;
    if (defined(my $user = delete $h{proxy_user})) {
        $h{'Proxy-Authorization'} = 'Basic '
            . MIME::Base64::encode_base64("$user:$PolicyTest::Setup::PASSWORD", '');
    }
    my $sock = IO::Socket::INET->new(PeerAddr => $proxy, Timeout => 10)
        or die "connect $proxy: $!";
    my $head = join '', map { "$_: $h{$_}\r\n" } sort keys %h;
    print $sock "GET http://$backend$path HTTP/1.0\r\nHost: $backend\r\n"
        . "Connection: close\r\n$head\r\n";
    local $/;
    my $text = <$sock>;
    close $sock;
    return HTTP::Response->parse($text);
}

my $auth_msg = 'Authentication is required to access this resource.';

# --- the proxy works, and its 403 is the module's --------------------------
my $r = via_proxy('/open/', proxy_user => 'alice');
is $r->code, 200, 'an admin through the proxy: 200';
is $r->content, "ok GET\n", '... the backend answered';
$r = via_proxy('/open/', proxy_user => 'bob', Accept => 'application/json');
is $r->code, 403, 'an editor: 403';
is decode($r->content)->{error}, 'insufficient_role', '... insufficient_role';
ok !defined $r->header('Proxy-Authenticate'), '... no Proxy-Authenticate';

# --- anonymous: 407 with the module's bodies -------------------------------
$r = via_proxy('/open/');
is $r->code, 407, 'anonymous: 407';
is $r->header('Proxy-Authenticate'), 'Basic realm="staff proxy"', '... Proxy-Authenticate';
ok !defined $r->header('WWW-Authenticate'), '... no WWW-Authenticate';
is $r->header('Content-Type'), 'text/html; charset=utf-8', '... the module\'s HTML page';
like $r->content, qr{<title>407 Proxy Authentication Required</title>}, '... titled 407';
like $r->content, qr{<p>\Q$auth_msg\E</p>}, '... with the anonymous message';
is $r->header('Cache-Control'), 'no-store', '... not cached';

$r = via_proxy('/open/', Accept => 'application/json');
is $r->code, 407, 'anonymous, JSON: 407';
is $r->header('Content-Type'), 'application/json', '... application/json';
is_deeply decode($r->content), { error => 'unauthenticated', message => $auth_msg },
    '... unauthenticated';

$r = via_proxy('/open/', Accept => 'application/problem+json');
is $r->code, 407, 'anonymous, problem: 407';
is $r->header('Content-Type'), 'application/problem+json', '... application/problem+json';
is_deeply decode($r->content),
    { type => 'about:blank', title => 'Proxy Authentication Required', status => 407,
      detail => $auth_msg, error => 'unauthenticated' },
    '... status 407, its title';

$r = via_proxy('/open/', Authorization => 'Basic '
               . MIME::Base64::encode_base64("alice:$PolicyTest::Setup::PASSWORD", ''));
is $r->code, 407, 'credentials for the origin server (Authorization) do not sign in to the proxy';

# --- the denial mapping ------------------------------------------------------
$r = via_proxy('/explicit/', Accept => 'application/json');
is $r->code, 407, 'AuthzPolicyDenyStatus 401 anonymous: 407 on a proxy';
is_deeply decode($r->content),
    { error => 'unauthenticated', message => 'Sign in to the staff proxy.' },
    '... with AuthzPolicyMessage anonymous';
ok defined $r->header('Proxy-Authenticate'), '... and the challenge';

$r = via_proxy('/none/', Accept => 'application/json');
is $r->code, 407, 'AuthzPolicyErrorDetail none: 407';
is_deeply decode($r->content), { error => 'unauthenticated', message => $auth_msg },
    '... the generic message of a 401';

$r = via_proxy('/text-doc/');
is $r->code, 407, 'AuthzPolicyErrorDocument anonymous "text": 407';
is $r->content, 'Proxy sign-in required.', '... the text';
ok defined $r->header('Proxy-Authenticate'), '... and the challenge';

$r = via_proxy('/local-doc/');
is $r->code, 407, 'AuthzPolicyErrorDocument anonymous /local/page: 407';
like $r->content, qr{Proxy sign-in page: reason=anonymous status=407 redirect_status=407},
    '... the page, told the reason and the status';

$r = via_proxy('/server-doc/');
is $r->code, 407, 'the server\'s ErrorDocument 407 "text": 407';
is $r->content, 'The proxy wants your credentials.', '... its text';
$r = via_proxy('/server-doc/', Accept => 'application/json');
is decode($r->content)->{error}, 'unauthenticated', '... JSON clients still get JSON';

$r = via_proxy('/server-local-doc/');
is $r->code, 407, 'the server\'s ErrorDocument 407 /local/page: 407';
like $r->content, qr{Proxy sign-in page: reason=anonymous status=407}, '... the page';

# --- 404 still hides -----------------------------------------------------------
$r = via_proxy('/hidden/', Accept => 'application/json');
is $r->code, 404, 'AuthzPolicyDenyStatus 404 anonymous: 404';
ok !defined $r->header('Proxy-Authenticate'), '... no Proxy-Authenticate';
unlike $r->content, qr/unauthenticated|Authentication is required/, '... no word of signing in';
is $r->header('Cache-Control'), undef, '... no no-store';
is via_proxy('/hidden/', proxy_user => 'alice')->code, 200, '... an admin passes';

# --- variables and the log line say 407 -------------------------------------------
my $size = error_log_size();
$r = via_proxy("/open/?p407-$$-log");
is $r->code, 407, 'a denial to log';
my $line = access_log_line("p407-$$-log");
like $line, qr{ 407 reason=anonymous required=- status=407$}, 'AUTHZ_POLICY_STATUS 407';
my $log = wait_for(5, sub { my $s = error_log_since($size);
                            $s =~ /denied: reason="anonymous".*p407/ ? $s : '' });
like $log, qr{denied: reason="anonymous" required=- user=- client="127\.0\.0\.1" region=- status="407"},
    'the denial log line: status 407';
$r = via_proxy("/explicit/?p407-$$-log2");
like access_log_line("p407-$$-log2"), qr{ 407 reason=anonymous required=- status=407$},
    'AuthzPolicyDenyStatus 401 anonymous: logged as 407';
$r = via_proxy("/hidden/?p407-$$-log3");
like access_log_line("p407-$$-log3"), qr{ 404 reason=anonymous required=- status=404$},
    'the hidden denial: logged as 404';
$r = via_proxy("/open/?p407-$$-log4", proxy_user => 'bob');
like access_log_line("p407-$$-log4"), qr{ 403 reason=role required=admin status=403$},
    'the 403: logged as 403';

# --- a reverse proxy: 401 -------------------------------------------------------------
# (a local path sent to the same server, which ProxyPass passes on)
sub to_server {
    my ($path, %h) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $proxy, Timeout => 10)
        or die "connect $proxy: $!";
    my $head = join '', map { "$_: $h{$_}\r\n" } sort keys %h;
    print $sock "GET $path HTTP/1.0\r\nHost: $proxy\r\nConnection: close\r\n$head\r\n";
    local $/;
    my $text = <$sock>;
    close $sock;
    return HTTP::Response->parse($text);
}
$r = to_server('/rev/x', Accept => 'application/problem+json');
is $r->code, 401, 'anonymous behind a reverse proxy: 401';
is $r->header('WWW-Authenticate'), 'Basic realm="staff proxy"', '... WWW-Authenticate';
ok !defined $r->header('Proxy-Authenticate'), '... no Proxy-Authenticate';
is decode($r->content)->{status}, 401, '... and the problem says 401';
like to_server('/rev/x')->content, qr{<title>401 Unauthorized</title>}, '... as the page does';

# --- not a proxy: still 401 ---------------------------------------------------------
$r = req(GET => '/p/role/admin/', Accept => 'application/json');
is $r->code, 401, 'the same settings on a plain server: 401';
is_deeply decode($r->content), { error => 'unauthenticated', message => $auth_msg },
    '... unauthenticated';
