# The take-over's guard (takeover.c, docs/troubleshooting.md): the module
# runs the four access hook chains in httpd's place only when they are as
# it was built for: its own link first in each sorted chain, no other
# module's link before it, nobody else having taken a chain over, and,
# after the take-over, each chain holding its link alone.  Otherwise it
# refuses to start, saying which chain differs and whose link is there.
#
# t/data/mod_rival_hooks.c, built here with apxs, does to the chains what
# another module might (its header says how).  A rival that meddles
# before the take-over is refused by configtest (apache2 -t); one that
# meddles after it, by a start.  An ordinary link on every chain is run,
# in order, and the server starts; an access_checker link that allows does
# not stop mod_access_compat's from denying (that chain runs every link).
# Without mod_authz_core, whose denials the module answers, it refuses
# too.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();
use File::Copy qw(copy);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use Digest::SHA qw(sha1_base64);
use MIME::Base64 qw(encode_base64);

my $T = t_path('');
my $SO = $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so";
my $HTTPD = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 34;
my $dir = var_path('takeover-guard');
remove_tree($dir);
make_path($dir);

# the rival, built as any third-party module is
copy(t_path('data/mod_rival_hooks.c'), "$dir/mod_rival_hooks.c") or die $!;
system("cd $dir && apxs -c -Wc,-Wall -Wc,-Werror mod_rival_hooks.c "
       . '>build.log 2>&1') == 0
    or die "apxs could not build mod_rival_hooks.c:\n"
           . `cat $dir/build.log`;
my $RIVAL = "$dir/.libs/mod_rival_hooks.so";

my @chains = qw(access_checker access_checker_ex check_user_id auth_checker);

plan tests => 4 * @chains + 3 * @chains + 2 * 2 + 2 + 10;

my $n = 0;
# A server configuration with the rival's lines; returns its directory.
# authz_core => 0: without mod_authz_core (and so without Require lines).
sub server {
    my ($rival, %o) = @_;
    my $authz = $o{authz_core} // 1;
    my $root = "$dir/run" . ++$n;
    make_path($root);
    write_file("$root/htpasswd",
               'alice:{SHA}' . sha1_base64('secret') . "=\n");
    write_file("$root/users.txt", "alice role=admin\n");
    make_path("$root/htdocs/area");
    write_file("$root/htdocs/area/index.html", "ok area\n");
    write_file("$root/httpd.conf", PolicyTest::Setup::standalone_conf(
        root => $root, listen => "127.0.0.1:$port", so => $SO,
        modules => [qw(authn_core authn_file auth_basic),
                    $authz ? qw(authz_core authz_user) : (),
                    qw(access_compat mime dir)])
        . <<"CONF" . ($authz ? <<"REQUIRE" : ''));
LoadModule rival_hooks_module $RIVAL
$rival
TypesConfig /etc/mime.types
DocumentRoot "$root/htdocs"
DirectoryIndex index.html
<Location /closed>
    Order deny,allow
    Deny from all
    AuthzPolicyServerDenials on
    AuthzPolicyErrorFormat json
</Location>
<Location /rival-deny>
    AuthzPolicyServerDenials on
    AuthzPolicyErrorFormat json
    AuthzPolicyDenyStatus 404
</Location>
CONF
<Location /area>
    AuthType Basic
    AuthName "guard"
    AuthUserFile "$root/htpasswd"
    AuthzPolicyUserFile "$root/users.txt"
    Require role admin
</Location>
REQUIRE
    system('chmod', '-R', 'a+rX', $root);
    return $root;
}

# apache2 -t: (exit status, what it said)
sub configtest {
    my ($root) = @_;
    my $out = `$HTTPD -f $root/httpd.conf -t 2>&1`;
    return ($? >> 8, $out);
}

# apache2 -k start: (exit status, what it said and logged); a server that
# started is stopped again
sub start {
    my ($root) = @_;
    my $out = `$HTTPD -f $root/httpd.conf -k start 2>&1`;
    my $rc = $? >> 8;
    # the daemon writes its pid file after the launcher has returned
    my $up = $rc == 0 && wait_for(10, sub {
        -s "$root/httpd.pid" && IO::Socket::INET->new("127.0.0.1:$port") });
    stop_server("$root/httpd.pid") if $rc == 0;
    open my $fh, '<', "$root/error_log";
    my $log = $fh ? do { local $/; <$fh> } : '';
    return ($up ? 'started' : "exit $rc", "$out$log");
}

# --- before the take-over: configtest refuses --------------------------------
for my $chain (@chains) {
    my ($rc, $out) = configtest(server("RivalHook $chain before"));
    is $rc, 1, "a link sorted before ours in $chain: configtest fails";
    like $out, qr/mod_authz_policy: the $chain chain runs mod_rival_hooks\.c's link before this module's/,
        '... naming the chain and the module that runs first';

    ($rc, $out) = configtest(server("RivalHook $chain empty"));
    is $rc, 1, "$chain taken over by another module first: configtest fails";
    like $out, qr/mod_authz_policy: the $chain chain does not hold this module's link \(it holds mod_rival_hooks\.c's\)/,
        '... naming the chain and what it holds';
}

# --- after the take-over: a start refuses ------------------------------------
for my $chain (@chains) {
    my $root = server("RivalHook $chain late");
    my ($rc) = configtest($root);
    is $rc, 0, "$chain taken over again after us: configtest cannot see it";
    my ($how, $said) = start($root);
    is $how, 'exit 1', '... a start fails';
    like $said, qr/mod_authz_policy: after the take-over the $chain chain holds mod_rival_hooks\.c's link, not this module's alone/,
        '... and says why';
}
for my $chain (qw(access_checker auth_checker)) {
    my ($how, $said) = start(server("RivalHook $chain added"));
    is $how, 'exit 1', "a link added to $chain after the take-over: a start fails";
    like $said, qr/mod_authz_policy: after the take-over the $chain chain holds 2 links/,
        '... and says why';
}

# --- without mod_authz_core --------------------------------------------------
my ($rc0, $out0) = configtest(server('', authz_core => 0));
is $rc0, 1, 'without mod_authz_core: configtest fails';
like $out0, qr/mod_authz_policy: the access_checker_ex chain holds no link of mod_authz_core\.c, whose decisions this module answers/,
    '... and says why';

# --- an ordinary link on every chain: run, in order ---------------------------
my $root = server(join "\n", map { "RivalHook $_ first" } @chains);
my ($rc, $out) = configtest($root);
is $rc, 0, 'ordinary links on the four chains: configtest passes'
    or diag $out;
is system("$HTTPD -f $root/httpd.conf -k start"), 0, '... the server starts';
END { stop_server("$root/httpd.pid") if $root }
wait_for(10, sub {
    -s "$root/httpd.pid" && IO::Socket::INET->new("127.0.0.1:$port") });
my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
print $sock "GET /area/ HTTP/1.0\r\nHost: localhost\r\nAuthorization: Basic "
            . encode_base64('alice:secret', '') . "\r\n\r\n";
my $resp = do { local $/; <$sock> } // '';
like $resp, qr{^HTTP/1\.1 200 }, '... alice, an admin, is served';
like $resp, qr/\r\nX-Rival: access_checker, access_checker_ex, check_user_id, auth_checker\r\n/,
    '... after each chain ran the rival\'s link, in httpd\'s order';
$sock = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
print $sock "GET /area/ HTTP/1.0\r\nHost: localhost\r\n\r\n";
$resp = do { local $/; <$sock> } // '';
like $resp, qr{^HTTP/1\.1 401 .*\r\nX-Rival: access_checker, access_checker_ex, check_user_id\r\n}s,
    'anonymous: 401 after the authentication chain ran';
$sock = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
print $sock "GET /closed/ HTTP/1.0\r\nHost: localhost\r\n\r\n";
$resp = do { local $/; <$sock> } // '';
like $resp, qr{^HTTP/1\.1 403 }, 'Deny from all, after the rival\'s access_checker link allowed: 403';
like $resp, qr/\r\nX-Rival: access_checker\r\n/, '... the rival\'s link ran';
like $resp, qr/"error": ?"forbidden"/, '... the module\'s answer';
# another module's access_checker denial (as mod_ssl's SSLRequireSSL):
# AuthzPolicyServerDenials is for mod_access_compat's, this one stays Apache's
$sock = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
print $sock "GET /rival-deny/ HTTP/1.0\r\nHost: localhost\r\n\r\n";
$resp = do { local $/; <$sock> } // '';
like $resp, qr{^HTTP/1\.1 403 }, 'another module\'s access_checker denial: Apache\'s 403';
unlike $resp, qr/"error"/, '... not the module\'s answer (nor its hidden 404)';
