#!/usr/bin/perl
# make bench-start: how long apache2 takes to start with bench.pl's large
# configured files (AuthzPolicyUserFile of 1,000,000 users,
# AuthzPolicyIPList of 1,000,000 networks; AuthzPolicyPlans), from
# `apache2 -k start` until it answers a request, and graceful restarts
# with the files unchanged (SIGUSR1, then apache2 -k graceful), until the
# parent has read its configuration again and answers.  Beside the start:
# the time the files' parse took (the server's own log line), and the
# start over it: about 1 when each file is parsed once, about 2 when both
# of httpd's configuration passes parse it.  A benchmark, not a test:
# nothing fails on a figure.  Figures also go to bench/out/startup.json.
#
#   perl bench/startup.pl [--rounds 5] [--port 8533] [--so PATH]
#
# --so: another build of the module (an older one, to compare).
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Getopt::Long;
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(time sleep);
use lib "$FindBin::Bin/../t/lib";
use lib $FindBin::Bin;
use PolicyTest::Setup ();
use BenchData ();

my $ROOT = "$FindBin::Bin/..";
my $OUT  = "$FindBin::Bin/out";
my $DIR  = "$OUT/startup";
my %opt = (rounds => 5, port => 8533, so => "$ROOT/mod_authz_policy.so");
GetOptions(\%opt, 'rounds=i', 'port=i', 'so=s') or die "usage: see the top of $0\n";

make_path($DIR);
my $users  = BenchData::users_1m($OUT);
my $iplist = BenchData::iplist_1m($OUT);
my $conf = PolicyTest::Setup::standalone_conf(
    root => $DIR, listen => "127.0.0.1:$opt{port}",
    so => $opt{so}, log_level => 'warn authz_policy:info',
    modules => [qw(authz_core authz_host)]) . <<"CONF";
StartServers 2
AuthzPolicyPlans free pro enterprise
AuthzPolicyUserFile "$users"
AuthzPolicyIPList million "$iplist"
<Location />
    Require iplist million
</Location>
CONF
PolicyTest::Setup::write_file("$DIR/httpd.conf", $conf);
system("chmod -R a+rX '$OUT'");

sub apache { system('apache2', '-f', "$DIR/httpd.conf", @_) == 0 }
# An HTTP answer, not a connection: the listening socket is open from
# httpd's first configuration pass on, long before a child accepts.
sub answers {
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$opt{port}",
                                     Timeout => 5) or return;
    print $sock "GET / HTTP/1.0\r\n\r\n";
    my $status = <$sock>;
    return defined $status && $status =~ m{^HTTP/\S+ \d{3}};
}
sub pid_of { open my $f, '<', "$DIR/httpd.pid" or return; my $p = <$f>; $p && $p =~ /(\d+)/ ? $1 : undef }
sub stop {
    my $pid = pid_of() or return;
    apache('-k', 'stop');
    for (1 .. 400) { last unless kill 0, $pid; sleep 0.05 }
}
sub log_text { open my $f, '<', "$DIR/error_log" or return ''; local $/; <$f> }
sub median { my @v = sort { $a <=> $b } @_; $v[ $#v / 2 ] }

stop();
my (@start, @parse, %restart);
for my $round (1 .. $opt{rounds}) {
    unlink "$DIR/error_log";
    my $t0 = time;
    apache('-k', 'start') or die "apache2 did not start: see $DIR/error_log\n";
    my $up;
    for (1 .. 2000) { last if $up = answers(); sleep 0.005 }
    die "apache2 is not answering on port $opt{port}\n" unless $up;
    push @start, time - $t0;
    # the files' parse, as the server logged it (once per start)
    my $text = log_text();
    my $parse = 0;
    $parse += $1 while $text =~ /parsed in ([\d.]+) s/g;
    push @parse, $parse;

    # graceful restarts, the files unchanged, each until the parent has
    # read the configuration again ("resuming normal operations" once
    # more) and the server answers: SIGUSR1 to the parent (as logrotate
    # sends it), then apache2 -k graceful, which reads the configuration
    # itself, and so parses the files, before it signals
    for my $how ('USR1', 'graceful') {
        my $resumed = () = log_text() =~ /resuming normal operations/g;
        $t0 = time;
        if ($how eq 'USR1') { kill 'USR1', pid_of() or die "no server\n" }
        else { apache('-k', 'graceful') or die "apache2 -k graceful failed\n" }
        for (1 .. 4000) {
            my $now = () = log_text() =~ /resuming normal operations/g;
            last if $now > $resumed && answers();
            sleep 0.005;
        }
        push @{ $restart{$how} }, time - $t0;
    }
    stop();
}

my ($s, $p) = (median(@start), median(@parse));
my ($usr1, $graceful) = map { median(@{ $restart{$_} }) } 'USR1', 'graceful';
printf "start (apache2 -k start until it answers a request), median of %d: %.2f s "
     . "(min %.2f, max %.2f)\n", $opt{rounds}, $s, (sort { $a <=> $b } @start)[0, -1];
printf "the files' parse, as logged: %.2f s; start over parse: %.1f\n",
    $p, $p ? $s / $p : 0;
printf "graceful restart, files unchanged, until it answers again: SIGUSR1 "
     . "%.2f s, apache2 -k graceful %.2f s\n", $usr1, $graceful;
PolicyTest::Setup::write_file("$OUT/startup.json", JSON::PP->new->pretty->canonical->encode(
    { settings => \%opt, start_s => \@start, parse_s => \@parse,
      restart_s => \%restart, start_median_s => $s, parse_median_s => $p,
      restart_usr1_median_s => $usr1, restart_graceful_median_s => $graceful,
      when => scalar gmtime }));
