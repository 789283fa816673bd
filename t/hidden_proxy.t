# Hidden means hidden (docs/denials.md), behind a reverse proxy: where another server answers a
# URL space, AuthzPolicyHiddenPath makes a hidden denial be answered as a
# request for that (missing) path is: the backend's own status line,
# headers and body, with and without ProxyErrorOverride.  Without it, a
# proxied decoy fails safe to a plain 404 and says so in the error log.
#
# The test starts a small HTTP backend (Perl, loopback) and an apache2 of
# its own in front of it, and stops both at the end.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep);

my $have = -e '/usr/lib/apache2/modules/mod_proxy_http.so';
plan skip_all => 'mod_proxy_http is not installed' unless $have;
plan tests => 2 + 2 * 2 * 2 * 6 + 4 + 6;

my $base = ($ENV{POLICY_TEST_PORT} || 8529) + 70;    # away from the suite
my ($port_backend, $port_front) = ($base, $base + 1);
my $dir = var_path('proxy');
my $T = t_path('');

sub wait_port {
    my ($port) = @_;
    for (1 .. 100) {
        return 1 if IO::Socket::INET->new("127.0.0.1:$port");
        sleep 0.1;
    }
    die "nothing answers on port $port\n";
}

# The backend: its own 404 (its Server header, type, body), a page for
# /admin and /public, OPTIONS with its own Allow.  One request per
# connection.
sub backend {
    my $listen = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port_backend",
                                       Listen => 16, ReuseAddr => 1)
        or die "backend: $!";
    while (my $c = $listen->accept) {
        my ($line, %h) = (scalar <$c>);
        next unless defined $line;
        while (defined(my $l = <$c>)) {
            last if $l =~ /^\r?\n$/;
            $h{lc $1} = $2 if $l =~ /^([^:]+):\s*(.*?)\r?$/;
        }
        read $c, my $body, $h{'content-length'} if $h{'content-length'};
        my ($method, $path) = split ' ', $line;
        my ($status, $type, $text, @extra);
        if ($method eq 'OPTIONS') {
            ($status, $type, $text, @extra) =
                ('200 Fine', 'text/plain', '', 'Allow: GET, HEAD, OPTIONS');
        }
        elsif ($path =~ m{^/(admin|public)}) {
            # large enough to come through the proxy in many pieces
            ($status, $type, $text) = ('200 OK', 'text/plain',
                                       "the $1 page\n" x 20000);
        }
        else {
            ($status, $type, $text, @extra) = ('404 Nope', 'text/x-backend',
                "backend: nothing here ($method)\n", 'X-Backend: yes');
        }
        print $c join "\r\n", "HTTP/1.1 $status", 'Server: TinyBackend/1.0',
            'Date: Thu, 01 Jan 2026 00:00:00 GMT', "Content-Type: $type",
            'Content-Length: ' . length($text), @extra, 'Connection: close',
            '', $text;
        close $c;
    }
}

sub stop_front {
    open my $pf, '<', "$dir/httpd.pid" or return;
    chomp(my $pid = <$pf>);
    kill 'TERM', $pid if $pid;
}
stop_front();                    # an earlier, interrupted run's
remove_tree($dir);
make_path("$dir/htdocs");
my $backend_pid = fork // die "fork: $!";
if (!$backend_pid) {
    eval { backend() };
    print STDERR "# backend: $@" if $@;
    require POSIX;
    POSIX::_exit(0);             # not this file's END: that stops the servers
}
END { stop_front(); kill 'TERM', $backend_pid if $backend_pid }

my $so = $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so";
my $httpd = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
my $area = sub {
    my ($path, $decoy) = @_;
    return <<"AREA";
<Location $path>
    AuthType Basic
    AuthName app
    AuthBasicProvider file
    AuthUserFile "$T/var/htpasswd"
    AuthzPolicyUserFile "$T/data/users.txt"
    Require role admin
    AuthzPolicyDenyStatus 404
    @{[ $decoy ? "AuthzPolicyHiddenPath $decoy" : '' ]}
</Location>
AREA
};
write_file("$dir/httpd.conf", PolicyTest::Setup::standalone_conf(
    root => $dir, listen => "127.0.0.1:$port_front", so => $so,
    modules => [qw(authn_core authn_file auth_basic authz_core proxy
                   proxy_http)]) . <<"CONF"
DocumentRoot "$dir/htdocs"
ProxyPass /app http://127.0.0.1:$port_backend
ProxyPass /ovr http://127.0.0.1:$port_backend
<Location /ovr>
    ProxyErrorOverride On
</Location>
CONF
    . $area->('/app/admin', '/app/no-such-page')
    . $area->('/ovr/admin', '/ovr/no-such-page')
    . $area->('/app/admin-no-path')
    . $area->('/app/admin-public', '/app/public'));
system('chmod', '-R', 'a+rX', $dir);
system($httpd, '-f', "$dir/httpd.conf", '-k', 'start') == 0
    or die "apache2 did not start\n";
wait_port($_) for $port_backend, $port_front;

sub answer {
    my ($method, $path, @lines) = @_;
    my $sock = IO::Socket::INET->new("127.0.0.1:$port_front") or die $!;
    print $sock join "\r\n", "$method $path HTTP/1.1", 'Host: localhost',
                             'Connection: close', @lines;
    local $/;
    my $resp = <$sock>;
    $resp =~ s/^Date: [^\r\n]*/Date: -/mg;
    return $resp;
}
sub basic { 'Authorization: Basic ' . encode_base64("$_[0]:$_[1]", '') }

like answer('GET', '/app/admin', basic('alice', 'secret'), '', ''),
    qr{^HTTP/1\.1 200 OK\r\n.*the admin page}s, 'an admin reaches the backend';
like answer('GET', '/app/missing', '', ''),
    qr{^HTTP/1\.1 404 Nope\r\n(?:.*\r\n)*Server: TinyBackend}, 'the backend answers a missing path with its own 404';

for my $prefix ('/app', '/ovr') {
    my $override = $prefix eq '/ovr' ? 'ProxyErrorOverride' : 'no override';
    for my $who ([ 'anonymous' ], [ 'no role', basic('bob', 'secret') ]) {
        my ($name, @auth) = @$who;
        for my $c ([ 'GET', '', '' ], [ 'HEAD', '', '' ],
                   [ 'POST', 'Content-Length: 3', '', 'abc' ],
                   [ 'PUT', 'Content-Length: 3', '', 'abc' ],
                   [ 'OPTIONS', '', '' ], [ 'FOO', '', '' ]) {
            my ($method, @rest) = @$c;
            my $got = answer($method, "$prefix/admin", @auth, @rest);
            my $want = answer($method, "$prefix/missing", @auth, @rest);
            is $got, $want, "$override, $name, $method: the backend's missing-path answer";
            my ($line) = $got =~ m{^(HTTP/1\.1 [^\r]*)};
            my $expected = $method eq 'HEAD' ? qr/^/
                : $method eq 'OPTIONS' ? qr/Allow: GET, HEAD/
                : $prefix eq '/ovr' ? qr/was not found on this server/
                : qr/backend: nothing here \($method\)/;
            ok($got =~ $expected && $got !~ /admin page/,
               "$override, $name, $method: not the admin page ($line)");
        }
    }
}

# No AuthzPolicyHiddenPath in a proxied area: a plain 404, never the
# backend's page, and the error log says what to set.
my $size = -s "$dir/error_log" || 0;
my $plain = answer('GET', '/app/admin-no-path', '', '');
like $plain, qr{^HTTP/1\.1 404 Not Found\r\n}, 'no hidden path: a plain 404';
unlike $plain, qr/TinyBackend|admin page/, '... not the backend\'s';
open my $log, '<', "$dir/error_log" or die $!;
seek $log, $size, 0;
my $text = do { local $/; <$log> };
like $text, qr{hidden denial of /app/admin-no-path: the decoy \S+ is proxied \(set AuthzPolicyHiddenPath},
    '... and the error log says why';
is answer('GET', '/app/missing', '', '') =~ /TinyBackend/ ? 1 : 0, 1,
    'the backend still answers';

# A named decoy that the backend serves is never passed on: a plain 404
# (the rest of the backend's answer dropped), and the error log says so.
$size = -s "$dir/error_log" || 0;
for my $method ('GET', 'HEAD') {
    my $got = answer($method, '/app/admin-public', basic('bob', 'secret'), '', '');
    like $got, qr{^HTTP/1\.1 404 Not Found\r\n(?:(?!TinyBackend).)*\z}s,
        "a decoy the backend serves: a plain 404 ($method)";
}
my $plain404 = answer('GET', '/app/admin-public', '', '');
unlike $plain404, qr/public page/, '... never its page';
my ($head, $body) = split /\r\n\r\n/, $plain404, 2;
is length($body), ($head =~ /^Content-Length: (\d+)/mi)[0],
    '... and nothing after it';
open $log, '<', "$dir/error_log" or die $!;
seek $log, $size, 0;
$text = do { local $/; <$log> };
like $text, qr{hidden denial of /app/admin-public: the decoy /app/public answered 200},
    '... and the error log says why';
like answer('GET', '/app/admin-public', basic('alice', 'secret'), '', ''),
    qr{^HTTP/1\.1 200 OK\r\n.*the admin page}s, 'an admin still gets in';
