#!/usr/bin/perl
# make bench-instructions: instructions per request, counted by callgrind
# in apache2 -X running bench.pl's configuration (one run per scenario,
# counting only inside ap_process_async_request, so start-up is left out).  Unlike req/s on a
# shared machine, the counts repeat from run to run: they show what a
# check itself costs.  Run make bench first (it writes the configuration
# and data in bench/out).  The server listens on --port (and the ports
# after it, as bench.pl's does), whatever port bench.pl used; the LDAP and
# Redis scenarios get a slapd and a redis-server on the ports bench.pl's
# configuration names, started here and stopped at the end.
#
#   perl bench/instructions.pl [--requests 2000] [--only NAME,...] [--port 8531]
use strict;
use warnings;
use FindBin;
use Getopt::Long;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep);

my $OUT = "$FindBin::Bin/out";
my %opt = (requests => 2000, only => '', port => 8531);
GetOptions(\%opt, 'requests=i', 'only=s', 'port=i') or die "usage\n";
-e "$OUT/httpd.conf" or die "run make bench first: no $OUT/httpd.conf\n";
my $AUTH = 'Basic ' . encode_base64('u0999999:bench', '');

# name, path, credentials, Accept, baseline, port (after --port), POST
# with an Origin header
my @scenarios = (
    [ 'static',      '/static/f.html', 0, undef, undef ],
    [ 'basic',       '/basic/f.html',  1, undef, undef ],
    [ 'role-1m',     '/role/f.html',   1, undef, 'basic' ],
    [ 'plan-1m',     '/plan/f.html',   1, undef, 'basic' ],
    [ 'shadow',      '/shadow/f.html', 1, undef, 'role-1m' ],
    [ 'enforce',     '/enforce/f.html', 1, undef, 'role-1m' ],
    [ 'report',      '/report/f.html', 1, undef, 'enforce' ],
    [ 'dbd-warm',    '/dbd/f.html',    1, undef, 'role-1m' ],
    [ 'redis-hit',   '/dbd/f.html',    1, undef, 'dbd-warm', 2 ],
    [ 'redis-remote', '/dbd/f.html',    1, undef, 'dbd-warm', 3 ],
    [ 'redis2-rem',  '/dbd2/f.html',   1, undef, 'redis-remote', 3 ],
    [ 'redis2-miss', '/dbd2/f.html',   1, undef, 'redis2-rem', 4 ],
    [ 'ldap-warm',   '/ldap/f.html',   1, undef, 'role-1m' ],
    [ 'iplist-1m',   '/iplist/f.html', 0, undef, 'static' ],
    [ 'region',      '/region/f.html', 0, undef, 'static' ],
    [ 'denied-html', '/denied/f.html', 1, undef, 'static' ],
    [ 'denied-json', '/denied/f.html', 1, 'application/json', 'static' ],
    [ 'missing-auth', '/role/nothing.html', 1, undef, 'basic' ],
    [ 'hidden-404',  '/hidden/f.html', 1, undef, 'missing-auth' ],
    [ 'post',        '/post/f.html',   0, undef, undef, undef, 1 ],
    [ 'post-same-origin', '/same/f.html', 0, undef, 'post', undef, 1 ],
);
if ($opt{only}) {
    my %want = map { $_ => 1 } split /,/, $opt{only};
    $want{ $_->[4] } = 1 for grep { $want{ $_->[0] } && $_->[4] } @scenarios;
    @scenarios = grep { $want{ $_->[0] } } @scenarios;
}

system('apache2', '-f', "$OUT/httpd.conf", '-k', 'stop') if -e "$OUT/httpd.pid";
sleep 1;

# bench.pl's configuration, its server's ports moved to --port on
open my $in, '<', "$OUT/httpd.conf" or die "$OUT/httpd.conf: $!\n";
my $conf = do { local $/; <$in> };
my ($bench_port) = $conf =~ /^Listen 127\.0\.0\.1:(\d+)$/m
    or die "no Listen line in $OUT/httpd.conf\n";
my $shift = $opt{port} - $bench_port;
$conf =~ s{^(\s*(?:Listen |<VirtualHost )127\.0\.0\.1:)(\d+)}{$1 . ($2 + $shift)}gme;
$conf =~ s{^PidFile .*}{PidFile "$OUT/httpd-instructions.pid"}m;
my $CONF = "$OUT/httpd-instructions.conf";
open my $cf, '>', $CONF or die "$CONF: $!\n";
print $cf $conf;
close $cf or die "$CONF: $!\n";

# the directory and the cache it names (bench/BenchSources.pm)
use lib "$FindBin::Bin", "$FindBin::Bin/../t/lib";
use BenchSources ();
my ($ldap_port) = $conf =~ m{role ldap "ldap://127\.0\.0\.1:(\d+)/}
    or die "no LDAP source in $OUT/httpd.conf: run make bench again\n";
my ($redis_port) = $conf =~ /AuthzPolicyCache \d+ redis:127\.0\.0\.1:(\d+)/
    or die "no Redis cache in $OUT/httpd.conf: run make bench again\n";
BenchSources::start_slapd(dir => "$OUT/slapd", port => $ldap_port,
                          user => 'u0999999', role => 'editor');
BenchSources::start_redis(dir => "$OUT/redis", port => $redis_port);

# one keep-alive connection, requests one after another
sub run {
    my ($port, $path, $auth, $accept, $n, $method, $post) = @_;
    my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die $!;
    # a form POST from an older browser, from the request's own origin
    my $host = "127.0.0.1:$port";
    my $req = ($method || ($post ? 'POST' : 'GET')) . " $path HTTP/1.1\r\nHost: $host\r\n"
        . ($auth ? "Authorization: $AUTH\r\n" : '')
        . ($accept ? "Accept: $accept\r\n" : '')
        . ($post ? "Origin: http://$host\r\nContent-Type: application/"
                   . "x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\n"
                   . 'title=hello' : "\r\n");
    for (1 .. $n) {
        print $sock $req;
        my ($len, $line) = (0);
        while (defined($line = <$sock>) && $line ne "\r\n") {
            $len = $1 if $line =~ /^Content-Length: (\d+)/i;
        }
        read $sock, my $body, $len if $len;
    }
}

my %ir;
for my $s (@scenarios) {
    my ($name, $path, $auth, $accept, undef, $port, $post) = @$s;
    my $out = "$OUT/callgrind.$name";
    # apache2 -X becomes the server's User: it writes the counts at exit
    open my $touch, '>', $out or die "$out: $!";
    close $touch;
    system('chown', 'nobody', $out);
    my $vg = fork // die;
    if (!$vg) {
        open STDOUT, '>', "$OUT/callgrind.log";
        open STDERR, '>&', \*STDOUT;
        exec 'valgrind', '--tool=callgrind', '--vgdb=no', '--collect-atstart=no',
            '--toggle-collect=ap_process_async_request', "--callgrind-out-file=$out",
            '--zero-before=ap_send_http_options',
            'apache2', '-X', '-f', $CONF;
    }
    my $up;
    for (1 .. 1800) { last if $up = IO::Socket::INET->new("127.0.0.1:$opt{port}"); sleep 0.1 }
    die "apache2 under callgrind does not answer\n" unless $up;
    close $up;
    # one request first, not counted: what a process does once (libldap's
    # set-up, a cache's first fill, a connection to Redis) is left out.
    # Then an OPTIONS request, which no scenario sends: callgrind zeroes
    # the counts when it reaches ap_send_http_options.
    run($opt{port} + ($port || 0), $path, $auth, $accept, 1, undef, $post);
    run($opt{port}, '/static/f.html', 0, undef, 1, 'OPTIONS');
    run($opt{port} + ($port || 0), $path, $auth, $accept, $opt{requests}, undef,
        $post);
    kill 'TERM', $vg;
    waitpid $vg, 0;
    open my $fh, '<', $out or die "$out: $!";
    # totals: since the counts were zeroed (summary: since the start)
    my ($total) = map { /^totals: (\d+)/ ? $1 : () } <$fh>;
    die "no totals in $out\n" unless $total;
    $ir{$name} = $total / $opt{requests};
    printf "%-13s %10.0f instructions per request\n", $name, $ir{$name};
}

printf "\n%-13s %12s  %s\n", 'scenario', 'instr./req.', 'ratio to baseline (its cost / ours)';
for my $s (@scenarios) {
    my ($name, undef, undef, undef, $base) = @$s;
    undef $base unless $base && $ir{$base};   # (--only: it did not run)
    printf "%-13s %12.0f  %s\n", $name, $ir{$name},
        $base ? sprintf('%.3f of %s (%+.0f instructions)', $ir{$base} / $ir{$name},
                        $base, $ir{$name} - $ir{$base}) : '-';
}
