# A shadow is evaluated with mod_authz_core's rules (docs/rollout.md): a
# grid of policies, each enforced in its own area beside a shadow that
# copies it, must agree request by request.  The lines are a Lua provider
# answering what it is told (granted, denied, no user yet, neutral, an
# error), in RequireAll and RequireAny blocks, in both orders, negated or
# not; each area is asked anonymously and by a user.  Agreeing means: the
# enforced grant is the shadow's grant, and an enforced denial's reason
# (anonymous for a 401, the module's reason otherwise) is the shadow's.
#
# A server of its own (POLICY_TEST_PORT+93, event MPM), stopped at the end.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();
use Digest::SHA qw(sha1_base64);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);

plan skip_all => 'mod_lua is missing'
    unless -e '/usr/lib/apache2/modules/mod_lua.so';

my @answers = qw(granted denied no-user neutral error);
my @lines = ((map { "Require fixed $_" } @answers),
             (map { "Require not fixed $_" } grep { $_ ne 'error' } @answers));
# every ordered pair in a RequireAll and in a RequireAny (httpd refuses a
# negated line in RequireAny, and a block of negated lines only)
my @policies;
for my $op (qw(All Any)) {
    for my $a (@lines) {
        for my $b (@lines) {
            my $neg = grep { /Require not/ } $a, $b;
            next if $op eq 'Any' && $neg;
            next if $neg == 2;
            push @policies, [ $op, $a, $b ];
        }
    }
}
# and a RequireNone inside a RequireAll, and three lines deep
for my $a (@answers) {
    push @policies, [ 'All', 'Require fixed granted',
                      "<RequireNone>\nRequire fixed $a\n</RequireNone>" ];
    push @policies, [ 'Any', 'Require fixed denied',
                      "<RequireAll>\nRequire fixed no-user\nRequire fixed $a\n</RequireAll>" ];
}
plan tests => 2 * @policies + 1;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 93;
my $dir = var_path('shadow-parity');
my $T = t_path('');
remove_tree($dir);
make_path("$dir/run", "$dir/htdocs");
write_file("$dir/htdocs/page.html", "page\n");
write_file("$dir/htpasswd", 'alice:{SHA}' . sha1_base64('secret') . "=\n");

my $areas = '';
for my $i (0 .. $#policies) {
    my ($op, @body) = @{ $policies[$i] };
    my $block = "<Require$op>\n" . join("\n", @body) . "\n</Require$op>";
    $areas .= "<Location /g/$i>\n$block\n<AuthzPolicyShadow copy>\n$block\n"
            . "</AuthzPolicyShadow>\n</Location>\n";
}
write_file("$dir/httpd.conf", PolicyTest::Setup::standalone_conf(
    root => "$dir/run", listen => "127.0.0.1:$port",
    so => $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so",
    modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                   alias lua)]) . <<"CONF" . $areas);
DocumentRoot "$dir/htdocs"
LogFormat "%q %>s %{AUTHZ_POLICY_REASON}e \\"%{AUTHZ_POLICY_SHADOW}e\\"" parity
CustomLog "$dir/run/access_log" parity
LuaAuthzProvider fixed "$T/data/fixed.lua" fixed
AliasMatch "^/g/[0-9]+\$" "$dir/htdocs/page.html"
<Location /g>
    AuthType Basic
    AuthName "parity"
    AuthBasicProvider file
    AuthUserFile "$dir/htpasswd"
    AuthzPolicyMode enforce
</Location>
CONF
system('chmod', '-R', 'a+rX', $dir);
system($ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2', '-f', "$dir/httpd.conf",
       '-k', 'start') == 0 or die "apache2 did not start\n";
wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$port") })
    or die "apache2 does not answer on $port\n";
END { stop_server("$dir/run/httpd.pid") if $dir }

sub status_of {
    my ($path, @headers) = @_;
    my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
    print $sock join "\r\n", "GET $path HTTP/1.1", 'Host: localhost',
                             'Connection: close', @headers, '', '';
    my $line = <$sock> // '';
    return $line =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
}
my @asked;
for my $i (0 .. $#policies) {
    for my $who ([ 'anonymous' ],
                 [ 'alice', 'Authorization: Basic ' . encode_base64('alice:secret', '') ]) {
        my ($name, @h) = @$who;
        push @asked, [ $i, $name, status_of("/g/$i?" . scalar(@asked), @h) ];
    }
}
# the log, once every request is in it
my %logged;
wait_for(10, sub {
    open my $fh, '<', "$dir/run/access_log" or return 0;
    my @l = <$fh>;
    return @l >= @asked;
});
open my $fh, '<', "$dir/run/access_log" or die "no access log: $!";
# (the server may log two requests in another order than they were sent)
my %log = map { /^\?(\d+) / ? ($1 => $_) : () } <$fh>;
is scalar(keys %log), scalar(@asked), 'every request logged';
for my $k (0 .. $#asked) {
    my ($i, $who, $status) = @{ $asked[$k] };
    my ($st, $reason, $shadow) = ($log{$k} // '') =~ m{^\S+ (\d+) (\S+) "([^"]*)"};
    my $want = $status == 200 ? 'grant' : 'deny:' . ($reason // '?');
    my $desc = join ' | ', @{ $policies[$i] };
    $desc =~ s/\n/ /g;
    is "$st " . ($shadow // ''), "$status copy=$want",
        "<Require$desc> as $who: the shadow agrees with the enforced $status";
}
