#!/usr/bin/perl
# make soak: mixed traffic (granted, denied, hidden, anonymous, by IP list)
# for a set time while the user file and an IP list are replaced every
# second, by rename and by rewriting in place, under the event and the
# prefork MPM.
#
# Fails on any 5xx, connection error or wrong decision (every answer is
# checked against the status its stream expects) and on children's memory
# growing by more than 10% between the end of the warm-up and the end.
#
#   perl t/soak/soak.pl [--seconds 60] [--mpm event,prefork] [--port 8532]
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Getopt::Long;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(sha1_base64);
use Time::HiRes qw(time sleep);

my $ROOT = "$FindBin::Bin/../..";
my $OUT  = "$ROOT/build/soak";
my %opt = (seconds => 60, mpm => 'event,prefork', port => 8532, warmup => 5);
GetOptions(\%opt, 'seconds=i', 'mpm=s', 'port=i', 'warmup=i') or die "usage\n";

use lib "$FindBin::Bin/../lib";
use PolicyTest::Setup ();
sub write_file { PolicyTest::Setup::write_file(@_) }

make_path("$OUT/htdocs/$_") for qw(granted denied hidden office);
write_file("$OUT/htdocs/$_/f.html", "soak\n") for qw(granted denied hidden office);
write_file("$OUT/htpasswd", 'soaker:{SHA}' . sha1_base64('soak') . "=\n");
my $AUTH = 'Authorization: Basic ' . encode_base64('soaker:soak', '');

# Two versions of the user file: the tested user is the same in both, the
# rest differs, so that every reload is a real one and no decision changes.
my @versions = map {
    my $v = $_;
    "soaker role=editor plan=pro\n"
    . join('', map { "p${v}_$_ role=viewer plan=free\n" } 1 .. 20_000)
} (1, 2);
my $users = "$OUT/users.txt";
# Two versions of an IP list: loopback in both, the rest differs.
my @ipversions = map {
    my $v = $_;
    join('', map { sprintf "10.%d.%d.%d\n", $v, $_ >> 8, $_ & 255 } 0 .. 49_999)
    . "127.0.0.1\n"
} (1, 2);
my $ips = "$OUT/ips.txt";

# stream: path, credentials, expected status
my @streams = (
    [ '/granted/f.html', 1, 200 ],
    [ '/denied/f.html',  1, 403 ],
    [ '/hidden/f.html',  1, 404 ],
    [ '/granted/f.html', 0, 401 ],
    [ '/office/f.html',  0, 200 ],
);

sub children_rss_kb {
    my ($parent) = @_;
    my $total = 0;
    opendir my $proc, '/proc';
    for my $pid (grep { /^\d+$/ } readdir $proc) {
        open my $st, '<', "/proc/$pid/status" or next;
        my %f = map { /^(\w+):\s+(\d+)/ ? ($1, $2) : () } <$st>;
        $total += $f{VmRSS} || 0 if ($f{PPid} || 0) == $parent;
    }
    return $total;
}

my $wrk_end;            # when the wrk runs of the current MPM end
my $failed = 0;
for my $mpm (split /,/, $opt{mpm}) {
    write_file($users, $versions[0]);
    write_file($ips, $ipversions[0]);
    unlink "$OUT/error-$mpm.log";
    my $mpm_conf = $mpm eq 'prefork'
        ? "StartServers 20\nMinSpareServers 20\nMaxSpareServers 20\n"
          . "ServerLimit 20\nMaxRequestWorkers 20\n"
        : "StartServers 3\nServerLimit 3\nThreadsPerChild 25\nMaxRequestWorkers 75\n"
          . "MinSpareThreads 1\nMaxSpareThreads 75\n";
    write_file("$OUT/httpd.conf", PolicyTest::Setup::standalone_conf(
        root => $OUT, listen => "127.0.0.1:$opt{port}", mpm => $mpm,
        so => "$ROOT/mod_authz_policy.so", error_log => "$OUT/error-$mpm.log",
        log_level => 'warn authz_policy:info',
        modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                       mime)]) . <<"CONF");
$mpm_conf
TypesConfig /etc/mime.types
DocumentRoot "$OUT/htdocs"
KeepAliveTimeout 30
MaxKeepAliveRequests 0
<Directory "$OUT/htdocs">
    AuthType Basic
    AuthName soak
    AuthBasicProvider file
    AuthUserFile "$OUT/htpasswd"
    AuthzPolicyUserFile "$users"
</Directory>
<Location /granted>
    Require role editor
</Location>
<Location /denied>
    Require role admin
    AuthzPolicyErrorFormat json
</Location>
<Location /hidden>
    Require role admin
    AuthzPolicyDenyStatus 404
</Location>
AuthzPolicyIPList office "$ips"
<Location /office>
    AuthType None
    Require iplist office
</Location>
CONF
    system("chmod -R a+rX '$OUT'");
    if (-e "$OUT/httpd.pid") {
        system('apache2', '-f', "$OUT/httpd.conf", '-k', 'stop');
        for (1 .. 100) { last unless -e "$OUT/httpd.pid"; sleep 0.1 }
    }
    system('apache2', '-f', "$OUT/httpd.conf", '-k', 'start') == 0 or die "no start\n";
    my $up;
    for (1 .. 200) { last if $up = IO::Socket::INET->new("127.0.0.1:$opt{port}"); sleep 0.05 }
    die "apache2 ($mpm) is not answering\n" unless $up;
    for (1 .. 100) { last if -s "$OUT/httpd.pid"; sleep 0.05 }
    open my $pf, '<', "$OUT/httpd.pid" or die "$OUT/httpd.pid: $!";
    chomp(my $parent = <$pf>);

    # the replacer: new versions every second, by rename or in place
    my $replacer = fork // die;
    if (!$replacer) {
        my $i = 0;
        while (1) {
            sleep 1;
            $i++;
            for ([ $users, \@versions ], [ $ips, \@ipversions ]) {
                my ($file, $v) = @$_;
                my $text = $v->[$i % 2];
                if ($i % 2) {
                    write_file("$file.new", $text);
                    rename "$file.new", $file;
                }
                else {
                    write_file($file, $text);
                }
            }
        }
    }

    # the traffic: one wrk per stream, all at once
    my $total = $opt{seconds};
    $wrk_end = time + $total;
    my @wrk;
    for my $n (0 .. $#streams) {
        my ($path, $auth, $want) = @{ $streams[$n] };
        my $log = "$OUT/wrk-$mpm-$n.txt";
        my $pid = fork // die;
        if (!$pid) {
            open STDOUT, '>', $log;
            open STDERR, '>&', \*STDOUT;
            exec 'wrk', '-t1', '-c4', "-d${total}s", '-s', "$FindBin::Bin/check.lua",
                ($auth ? ('-H', $AUTH) : ()),
                "http://127.0.0.1:$opt{port}$path", '--', $want;
        }
        push @wrk, [ $pid, $log, $want, $path ];
    }
    # the median of three samples a second apart: a reload in flight maps
    # two versions for a moment
    my $sample = sub {
        my @v = sort { $a <=> $b } map { sleep 1 if $_; children_rss_kb($parent) } 0 .. 2;
        $v[1];
    };
    sleep $opt{warmup};
    my $rss0 = $sample->();
    sleep 1 while time < $wrk_end - 3.5;     # the end sample, before wrk stops
    my $rss1 = $sample->();
    waitpid $_->[0], 0 for @wrk;
    kill 'TERM', $replacer;
    waitpid $replacer, 0;

    printf "%s MPM, %d s, user file and IP list replaced every second:\n",
        $mpm, $total;
    for my $w (@wrk) {
        my (undef, $log, $want, $path) = @$w;
        my $out = do { local (@ARGV, $/) = $log; <> };
        my ($n) = $out =~ /(\d+) requests in/;
        my ($wrong) = $out =~ /wrong decisions: (\d+)/;
        my ($sock) = $out =~ /Socket errors: (.*)/;
        my ($seen) = $out =~ /wrong statuses: (.*)/;
        $wrong .= " ($seen)" if $wrong && $seen;
        my $ok = defined $n && $n > 0 && defined $wrong && !$wrong && !$sock;
        printf "  %-16s expect %d: %7d requests, %d wrong%s  %s\n", $path, $want,
            $n || 0, $wrong // -1, $sock ? ", socket errors: $sock" : '',
            $ok ? 'ok' : 'FAILED';
        $failed ||= !$ok;
    }
    my $growth = $rss0 ? ($rss1 - $rss0) / $rss0 : 0;
    printf "  children's memory: %.1f MB after warm-up, %.1f MB at the end (%+.1f%%) %s\n",
        $rss0 / 1024, $rss1 / 1024, 100 * $growth, $growth < 0.10 ? 'ok' : 'FAILED';
    $failed ||= $growth >= 0.10;
    my $errors = do { local (@ARGV, $/) = "$OUT/error-$mpm.log"; <> } // '';
    my @crash = $errors =~ /(.*(?:Segmentation fault|exit signal|AH00052).*)/g;
    if (@crash) {
        print "  crashes:\n", map { "    $_\n" } @crash;
        $failed = 1;
    }
    system('apache2', '-f', "$OUT/httpd.conf", '-k', 'stop');
    for (1 .. 100) { last unless -e "$OUT/httpd.pid"; sleep 0.1 }
}
print $failed ? "soak: FAILED\n" : "soak: passed\n";
exit($failed ? 1 : 0);
