#!/usr/bin/perl
# make bench-hidden: how long a hidden denial takes, against a path that
# does not exist (SPEC section 8: a client that cannot pass whatever
# password it sends is answered as fast as a real 404).
#
# Starts its own apache2 (event MPM, port 8545) with a bcrypt cost-10
# password file (htpasswd -B -C 10) and one hidden area (Require role
# admin, AuthzPolicyDenyStatus 404).  For each kind of client it sends
# requests to the hidden area and to a missing path, alternately, one
# connection each, and prints the median time to the full answer of
# both.  A benchmark, not a test: it fails only if an answer is not the
# expected 404; the figures are for people to read (and in
# bench/out-hidden/results.json).
#
#   perl bench/hidden-timing.pl [--requests 200] [--port 8545]
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Getopt::Long;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time sleep);

use lib "$FindBin::Bin/../t/lib";
use PolicyTest::Setup ();

my %opt = (requests => 200, port => 8545);
GetOptions(\%opt, 'requests=i', 'port=i') or die "usage: see the top of $0\n";
my $OUT = "$FindBin::Bin/out-hidden";
my $so = $ENV{AUTHZ_POLICY_SO} || "$FindBin::Bin/../mod_authz_policy.so";

make_path("$OUT/htdocs/area");
PolicyTest::Setup::write_file("$OUT/htdocs/area/f.html", "<p>hidden</p>\n");
PolicyTest::Setup::write_file("$OUT/users.txt",
                              "alice role=admin\nbob role=editor\n");
unlink "$OUT/htpasswd";
for my $u ([ 'alice', 'secret' ], [ 'bob', 'secret' ]) {
    system('htpasswd', '-B', '-C', '10', '-b', ($u->[0] eq 'alice' ? '-c' : ()),
           "$OUT/htpasswd", @$u) == 0 or die "htpasswd failed\n";
}
PolicyTest::Setup::write_file("$OUT/httpd.conf",
    PolicyTest::Setup::standalone_conf(
        root => $OUT, listen => "127.0.0.1:$opt{port}", so => $so,
        modules => [qw(authn_core authn_file auth_basic authz_core)])
    . <<"CONF");
DocumentRoot "$OUT/htdocs"
<Directory "$OUT/htdocs/area">
    AuthType Basic
    AuthName "hidden"
    AuthBasicProvider file
    AuthUserFile "$OUT/htpasswd"
    AuthzPolicyUserFile "$OUT/users.txt"
    Require role admin
    AuthzPolicyDenyStatus 404
</Directory>
CONF
system('chmod', '-R', 'a+rX', $OUT);

sub stop {
    open my $pf, '<', "$OUT/httpd.pid" or return;
    chomp(my $pid = <$pf>);
    kill 'TERM', $pid if $pid;
    sleep 0.5 while $pid && kill 0, $pid;
}
stop();
system('apache2', '-f', "$OUT/httpd.conf", '-k', 'start') == 0
    or die "apache2 did not start: see $OUT/error_log\n";
END { stop() }
my $up;
for (1 .. 100) {
    last if $up = IO::Socket::INET->new("127.0.0.1:$opt{port}");
    sleep 0.1;
}
die "apache2 is not answering on port $opt{port}\n" unless $up;

# Seconds from the first byte sent to the last byte read; and the status.
sub timed {
    my ($path, $auth) = @_;
    my $req = "GET $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            . ($auth ? "Authorization: Basic " . encode_base64($auth, '') . "\r\n" : '')
            . "\r\n";
    my $sock = IO::Socket::INET->new("127.0.0.1:$opt{port}") or die $!;
    my $t0 = time;
    print $sock $req;
    local $/;
    my $resp = <$sock>;
    my $dt = time - $t0;
    my ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
    return ($dt, $status || 0);
}

sub median {
    my @s = sort { $a <=> $b } @_;
    return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

my @kinds = (
    [ 'anonymous', undef, 1 ],
    [ 'unknown user', 'mallory:secret', 1 ],
    [ 'user without the role, right password', 'bob:secret', 1 ],
    [ 'user without the role, wrong password', 'bob:wrong', 1 ],
    # malformed: mod_auth_basic would check the user's hash (empty password)
    [ 'user with the role, no colon (malformed)', 'alice', 1 ],
    [ 'user with the role, wrong password (residual)', 'alice:wrong', 0 ],
);
my @results;
printf "%-48s %12s %12s %10s\n", 'client', 'hidden ms', 'missing ms',
    'diff ms';
for my $k (@kinds) {
    my ($name, $auth, $bound) = @$k;
    timed('/area/f.html', $auth) for 1 .. 3;      # warm up
    my (@hidden, @missing);
    for (1 .. $opt{requests}) {
        my ($h, $hs) = timed('/area/f.html', $auth);
        my ($m, $ms) = timed('/nothing/f.html', $auth);
        die "$name: the hidden area answered $hs, the missing path $ms\n"
            unless $hs == 404 && $ms == 404;
        push @hidden, $h;
        push @missing, $m;
    }
    my ($h, $m) = (median(@hidden) * 1000, median(@missing) * 1000);
    my $note = $bound ? (abs($h - $m) < 1 ? 'within 1 ms' : 'OVER 1 ms')
                      : 'password checked';
    printf "%-48s %12.3f %12.3f %10.3f  %s\n", $name, $h, $m, $h - $m, $note;
    push @results, { client => $name, hidden_ms => $h, missing_ms => $m,
                     requests => $opt{requests}, bounded => $bound };
}
open my $fh, '>', "$OUT/results.json" or die $!;
print $fh JSON::PP->new->pretty->canonical->encode(\@results);
close $fh;
