#!/usr/bin/perl
# make bench: mod_authz_policy against stock Apache modules, on loopback.
#
# Starts one apache2 (event MPM) with large generated data, drives every
# scenario with wrk under identical settings, interleaved and repeated so
# that drift on a noisy machine shows, and prints requests/s (median, min,
# max) with the ratio to the scenario's own baseline from the same run.
# The same figures, the data files' load times and the server's memory go
# to bench/out/results.json.  A benchmark, not a test: nothing fails on a
# figure, only on a scenario that does not answer as expected.
#
#   perl bench/bench.pl [--rounds 3] [--duration 5] [--connections 32]
#                       [--only NAME[,NAME]] [--port 8531]
#                       [--ldap-port PORT+30] [--redis-port PORT+31]
#                       [--htaccess-files 10000]   (0: skip that measure)
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Getopt::Long;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(sha1_base64);
use Time::HiRes qw(time sleep);

my $ROOT = "$FindBin::Bin/..";
my $OUT  = "$FindBin::Bin/out";
my %opt = (rounds => 3, duration => 5, connections => 32, threads => 1,
           port => 8531, only => '', pin => 1, 'htaccess-files' => 10_000);
GetOptions(\%opt, 'rounds=i', 'duration=i', 'connections=i', 'threads=i',
           'port=i', 'only=s', 'pin!', 'htaccess-files=i', 'ldap-port=i',
           'redis-port=i')
    or die "usage: see the top of $0\n";
# the bench's own slapd and redis-server (bench/BenchSources.pm)
$opt{'ldap-port'}  ||= $opt{port} + 30;
$opt{'redis-port'} ||= $opt{port} + 31;
# With two or more cores, the server and wrk get cores of their own, so
# that they do not take turns on one: steadier figures.
my $cores = `nproc` + 0;
my @server_cpu = $opt{pin} && $cores >= 2 ? ('taskset', '-c', join(',', 0 .. $cores - 2)) : ();
my @client_cpu = $opt{pin} && $cores >= 2 ? ('taskset', '-c', $cores - 1) : ();

my $USER = 'u0999999';          # the last of a million users
my $PASS = 'bench';
my $AUTH = 'Basic ' . encode_base64("$USER:$PASS", '');

# ---------------------------------------------------------------------
# Scenarios.  Adding one is a line here and, if it needs it, a <Location>
# in the configuration below.  base: the scenario it is compared with.

my @scenarios = (
    { name => 'static',      path => '/static/f.html', expect => 200,
      what => 'Require all granted (baseline)' },
    { name => 'basic',       path => '/basic/f.html', auth => 1, expect => 200,
      what => 'Basic auth + Require valid-user (baseline)' },
    { name => 'role-1m',     path => '/role/f.html', auth => 1, expect => 200,
      base => 'basic', what => 'Require role, 1,000,000-user file' },
    { name => 'plan-1m',     path => '/plan/f.html', auth => 1, expect => 200,
      base => 'basic', what => 'Require plan, 1,000,000-user file' },
    { name => 'shadow',      path => '/shadow/f.html', auth => 1, expect => 200,
      base => 'role-1m', what => 'Require role beside a shadow Require role' },
    { name => 'enforce',     path => '/enforce/f.html', auth => 1, expect => 200,
      base => 'role-1m', what => 'Require role, AuthzPolicyMode enforce' },
    { name => 'report',      path => '/report/f.html', auth => 1, expect => 200,
      base => 'enforce', what => 'Require role, AuthzPolicyMode report' },
    { name => 'dbd-warm',    path => '/dbd/f.html', auth => 1, expect => 200,
      base => 'role-1m', what => 'Require role from SQL, cache warm' },
    { name => 'redis-hit',   path => '/dbd/f.html', auth => 1, expect => 200,
      port => 2, base => 'dbd-warm',
      what => 'Require role from SQL, Redis hit, memo' },
    # Redis itself: without the memo every request asks Redis; with a
    # memo of one entry, the two queries of /dbd2 take it from each other,
    # so every look-up misses it, asks Redis and fills it again
    { name => 'redis-remote', path => '/dbd/f.html', auth => 1, expect => 200,
      port => 3, base => 'dbd-warm',
      what => 'Require role from SQL, Redis hit, no memo' },
    { name => 'redis2-rem', path => '/dbd2/f.html', auth => 1,
      expect => 200, port => 3, base => 'redis-remote',
      what => 'two SQL queries, Redis hits, no memo' },
    { name => 'redis2-miss', path => '/dbd2/f.html', auth => 1, expect => 200,
      port => 4, base => 'redis2-rem',
      what => 'two SQL queries, Redis hits, memo missed' },
    { name => 'ldap-warm',   path => '/ldap/f.html', auth => 1, expect => 200,
      base => 'role-1m', what => 'Require role from LDAP groups, cache warm' },
    { name => 'dbd-cold',    path => '/dbd/f.html', auth => 1, expect => 200,
      port => 1, base => 'role-1m',
      what => 'Require role from SQL, no cache (a query each)' },
    { name => 'group-100k',  path => '/group/f.html', auth => 1, expect => 200,
      base => 'basic', what => 'stock Require group, 100,000 members' },
    { name => 'ip-10k',      path => '/ip/f.html', expect => 200,
      base => 'static', what => 'stock Require ip, 10,000 networks' },
    { name => 'iplist-1m',   path => '/iplist/f.html', expect => 200,
      base => 'static', what => 'Require iplist, 1,000,000 networks' },
    { name => 'region',      path => '/region/f.html', expect => 200,
      base => 'static', what => 'Require region (GeoIP look-up)' },
    { name => 'denied-html', path => '/denied/f.html', auth => 1, expect => 403,
      base => 'static', what => 'denied (role), HTML body' },
    { name => 'denied-json', path => '/denied/f.html', auth => 1, expect => 403,
      accept => 'application/json', base => 'static',
      what => 'denied (role), JSON body' },
    { name => 'missing-404', path => '/nothing/f.html', expect => 404,
      base => 'static', what => 'a real 404' },
    { name => 'missing-auth', path => '/role/nothing.html', auth => 1,
      expect => 404, base => 'basic', what => 'a real 404 behind Require role' },
    { name => 'hidden-404',  path => '/hidden/f.html', auth => 1, expect => 404,
      base => 'missing-auth', what => 'denied, hidden as 404' },
    # a form POST from an older browser (Origin, no Sec-Fetch-Site): the
    # costliest path of Require same-origin, the request's own origin
    # built and compared
    { name => 'post',        path => '/post/f.html', method => 'POST',
      origin => 1, expect => 200, base => 'static',
      what => 'POST with Origin, Require all granted' },
    { name => 'post-same-origin', path => '/same/f.html', method => 'POST',
      origin => 1, expect => 200, base => 'post',
      what => 'POST with Origin, Require same-origin' },
);
if ($opt{only}) {
    my %want = map { $_ => 1 } split /,/, $opt{only};
    my %need = %want;
    $need{ $_->{base} } = 1 for grep { $want{ $_->{name} } && $_->{base} } @scenarios;
    @scenarios = grep { $need{ $_->{name} } } @scenarios;
}

# ---------------------------------------------------------------------
# Data

my @dirs = qw(static basic role plan group ip iplist region denied hidden dbd
              dbd2 shadow enforce report post same ldap);
make_path("$OUT/htdocs/$_") for @dirs;
for my $d (@dirs) {
    # (role/nothing.html stays missing: the real 404 behind authorization)
    write_file("$OUT/htdocs/$d/f.html", "<p>a small static file</p>\n");
}

use lib "$FindBin::Bin/../t/lib";
use PolicyTest::Setup ();
sub write_file { PolicyTest::Setup::write_file(@_) }

use lib $FindBin::Bin;
use BenchData ();
BenchData::users_1m($OUT);
BenchData::iplist_1m($OUT);
system($^X, "$ROOT/t/data/make-geoip.pl", "$OUT/geo.mmdb") == 0
    or die "make-geoip.pl failed\n";
# roles kept in SQL (SQLite through mod_dbd)
unlink "$OUT/attrs.sqlite";
open my $sq, '|-', 'sqlite3', "$OUT/attrs.sqlite" or die "sqlite3: $!";
print $sq "CREATE TABLE roles (user TEXT, role TEXT);
           CREATE INDEX roles_user ON roles (user);
           INSERT INTO roles VALUES ('$USER', 'editor');";
close $sq or die "sqlite3 failed\n";
my $sha = sha1_base64($PASS) . '=';
write_file("$OUT/htpasswd", "$USER:{SHA}$sha\n");
# roles kept as LDAP groups (the user in cn=editor), and a Redis cache:
# servers of the bench's own, stopped when it ends
use BenchSources ();
BenchSources::start_slapd(dir => "$OUT/slapd", port => $opt{'ldap-port'},
                          user => $USER, role => 'editor');
BenchSources::start_redis(dir => "$OUT/redis", port => $opt{'redis-port'});

# Many small user files, each named by its own .htaccess file: what they
# cost the server's memory once every process has loaded them.
my $HT = $opt{'htaccess-files'};
if ($HT && !-e "$OUT/htdocs/ht/$HT.done") {
    print "generating $HT .htaccess areas\n";
    system('rm', '-rf', "$OUT/htdocs/ht");
    for my $i (1 .. $HT) {
        my $d = "$OUT/htdocs/ht/$i";
        make_path($d);
        write_file("$d/users.txt", "$USER role=editor plan=pro\n"
                   . "a$i role=viewer\nb$i role=admin scope=x:$i\n");
        write_file("$d/f.html", "ok\n");
        write_file("$d/.htaccess", "AuthType Basic\nAuthName bench\n"
                   . "AuthBasicProvider file\nAuthUserFile \"$OUT/htpasswd\"\n"
                   . "AuthzPolicyUserFile \"$d/users.txt\"\nRequire role editor\n");
    }
    write_file("$OUT/htdocs/ht/$HT.done", '');
}

# Stock Require ip: 10,000 networks that do not match, then loopback last,
# so that every request scans the whole list.
{
    my @nets = map { sprintf '10.%d.%d.0/24', int($_ / 256), $_ % 256 } 0 .. 9_998;
    push @nets, '127.0.0.0/8';
    my @lines;
    push @lines, '        Require ip ' . join(' ', splice @nets, 0, 100) while @nets;
    write_file("$OUT/ip-10k.conf", "    <RequireAny>\n" . join("\n", @lines)
               . "\n    </RequireAny>\n");
}

# ---------------------------------------------------------------------
# Server

# The areas of users from the 1,000,000-user file, each a plain prefix
# <Location> (a regular expression over all of them would cost the later
# ones more than the first).
my @user_areas = qw(role plan denied hidden dbd dbd2 shadow enforce report ldap);
my $user_areas = join '', map { <<"AREA" } @user_areas;
<Location /$_>
    AuthType Basic
    AuthName bench
    AuthBasicProvider file
    AuthUserFile "$OUT/htpasswd"
    AuthzPolicyUserFile "$OUT/users-1m.txt"
</Location>
AREA

my $conf = PolicyTest::Setup::standalone_conf(
    root => $OUT, listen => "127.0.0.1:$opt{port}", error_log => "$OUT/error.log",
    so => "$ROOT/mod_authz_policy.so", log_level => 'warn authz_policy:info',
    modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                   authz_host authz_groupfile mime dbd socache_shmcb
                   socache_redis ldap)]) . <<"CONF";
TypesConfig /etc/mime.types
# a fixed set of children, so that their CPU time can be summed
StartServers 4
ServerLimit 4
ThreadsPerChild 32
MaxRequestWorkers 128
MinSpareThreads 1
MaxSpareThreads 128
KeepAliveTimeout 30
MaxKeepAliveRequests 0
DocumentRoot "$OUT/htdocs"

AuthzPolicyPlans free pro enterprise
AuthzPolicyRoleInherit admin editor
AuthzPolicyIPList million "$OUT/iplist-1m.txt"
DBDriver sqlite3
DBDParams "$OUT/attrs.sqlite"
AuthzPolicyCache 300
AuthzPolicyGeoIPDatabase "$OUT/geo.mmdb"

<Directory "$OUT/htdocs">
    Require all granted
</Directory>
<Location /basic>
    AuthType Basic
    AuthName bench
    AuthBasicProvider file
    AuthUserFile "$OUT/htpasswd"
    Require valid-user
</Location>
$user_areas<Location /role>
    Require role editor
</Location>
<Location /plan>
    Require plan pro
</Location>
<Location /shadow>
    Require role editor
    <AuthzPolicyShadow admins>
        Require role admin
    </AuthzPolicyShadow>
</Location>
<Location /enforce>
    AuthzPolicyMode enforce
    Require role editor
</Location>
<Location /report>
    AuthzPolicyMode report
    Require role editor
</Location>
<Location /denied>
    Require role admin
</Location>
<Location /hidden>
    Require role admin
    AuthzPolicyDenyStatus 404
</Location>
<Location /group>
    AuthType Basic
    AuthName bench
    AuthBasicProvider file
    AuthUserFile "$OUT/htpasswd"
    AuthGroupFile "$OUT/group-100k.txt"
    Require group staff
</Location>
<Location /ip>
    Include "$OUT/ip-10k.conf"
</Location>
<Location /dbd>
    AuthzPolicyAttribute role dbd "SELECT role FROM roles WHERE user = %s"
    Require role editor
</Location>
<Location /dbd2>
    AuthzPolicyAttribute role dbd "SELECT role FROM roles WHERE user = %s"
    AuthzPolicyAttribute role dbd "SELECT role FROM roles WHERE user = %s AND 1 = 1"
    Require role editor
</Location>
# the same without the cache
Listen 127.0.0.1:@{[ $opt{port} + 1 ]}
<VirtualHost 127.0.0.1:@{[ $opt{port} + 1 ]}>
    AuthzPolicyCache 0
</VirtualHost>
# the same with the cache in Redis (AuthzPolicyCache is server-wide)
Listen 127.0.0.1:@{[ $opt{port} + 2 ]}
<VirtualHost 127.0.0.1:@{[ $opt{port} + 2 ]}>
    AuthzPolicyCache 300 redis:127.0.0.1:$opt{'redis-port'}
</VirtualHost>
# the same without each process's memo, and with a memo of one entry
Listen 127.0.0.1:@{[ $opt{port} + 3 ]}
<VirtualHost 127.0.0.1:@{[ $opt{port} + 3 ]}>
    AuthzPolicyCache 300 redis:127.0.0.1:$opt{'redis-port'}
    AuthzPolicyCacheMemo 0
</VirtualHost>
Listen 127.0.0.1:@{[ $opt{port} + 4 ]}
<VirtualHost 127.0.0.1:@{[ $opt{port} + 4 ]}>
    AuthzPolicyCache 300 redis:127.0.0.1:$opt{'redis-port'}
    AuthzPolicyCacheMemo 1
</VirtualHost>
<Location /ldap>
    AuthzPolicyAttribute role ldap "@{[ BenchSources::ldap_url($opt{'ldap-port'}) ]}"
    Require role editor
</Location>
<Location /iplist>
    Require iplist million
</Location>
<Directory "$OUT/htdocs/ht">
    AllowOverride AuthConfig
</Directory>
<Location /region>
    # 127.0.0.1 is in no region of the test database: XX
    Require region XX
</Location>
<Location /post>
    Require all granted
</Location>
<Location /same>
    Require same-origin
</Location>
CONF
write_file("$OUT/httpd.conf", $conf);
chmod 0755, $OUT;
system("chmod -R a+rX '$OUT'");

sub apache { system(@server_cpu, 'apache2', '-f', "$OUT/httpd.conf", @_) }
apache('-k', 'stop') if -e "$OUT/httpd.pid";
sleep 1;
unlink "$OUT/error.log";

my $t0 = time;
apache('-k', 'start') == 0 or die "apache2 did not start: see $OUT/error.log\n";
# until it answers a request: the socket listens from httpd's first
# configuration pass on, before the second has parsed the files
my $up;
for (1 .. 600) {
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$opt{port}",
                                     Timeout => 5);
    if ($sock) {
        print $sock "GET /static/f.html HTTP/1.0\r\n\r\n";
        last if $up = (<$sock> // '') =~ m{^HTTP/};
    }
    sleep 0.05;
}
die "apache2 is not answering on port $opt{port}\n" unless $up;
my $startup = time - $t0;

sub port_of { $opt{port} + ($_[0]{port} || 0) }

# POST scenarios: a small form body, sent by wrk through a script
my $POST_BODY = 'title=hello';
write_file("$OUT/post.lua", "wrk.method = \"POST\"\nwrk.body = \"$POST_BODY\"\n"
    . "wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n");
sub origin_of { 'http://127.0.0.1:' . port_of($_[0]) }

sub status_of {
    my ($s) = @_;
    my $sock = IO::Socket::INET->new('127.0.0.1:' . port_of($s)) or die $!;
    my $post = ($s->{method} || '') eq 'POST';
    print $sock ($post ? 'POST' : 'GET'), " $s->{path} HTTP/1.0\r\n",
        'Host: 127.0.0.1:' . port_of($s) . "\r\n",
        ($s->{auth} ? "Authorization: $AUTH\r\n" : ''),
        ($s->{accept} ? "Accept: $s->{accept}\r\n" : ''),
        ($s->{origin} ? 'Origin: ' . origin_of($s) . "\r\n" : ''),
        ($post ? "Content-Type: application/x-www-form-urlencoded\r\n"
                 . 'Content-Length: ' . length($POST_BODY) . "\r\n" : ''),
        "\r\n", ($post ? $POST_BODY : '');
    my $line = <$sock>;
    return $line =~ m{^HTTP/\S+ (\d+)} ? $1 : 0;
}
# RSS and PSS (shared pages divided among the processes that map them)
# of the parent and each child.
sub memory {
    open my $pf, '<', "$OUT/httpd.pid" or die $!;
    chomp(my $parent = <$pf>);
    my %m = (parent => { rss_kb => kb_field("/proc/$parent/status", 'VmRSS'),
                         pss_kb => kb_field("/proc/$parent/smaps_rollup", 'Pss') },
             children => []);
    opendir my $proc, '/proc';
    for my $pid (grep { /^\d+$/ } readdir $proc) {
        open my $st, '<', "/proc/$pid/status" or next;
        my ($ppid) = grep { /^PPid:/ } <$st>;
        next unless $ppid && $ppid =~ /^PPid:\s+$parent$/;
        push @{ $m{children} }, { pid => $pid,
            rss_kb => kb_field("/proc/$pid/status", 'VmRSS'),
            pss_kb => kb_field("/proc/$pid/smaps_rollup", 'Pss') };
    }
    return \%m;
}

for my $s (@scenarios) {
    my $got = status_of($s);
    die "scenario $s->{name}: expected $s->{expect}, got $got\n"
        unless $got == $s->{expect};
}

sleep 1;
my $mem_start = memory();

# ---------------------------------------------------------------------
# Runs

# CPU seconds used so far by the server's processes.
my $TICK = `getconf CLK_TCK` + 0 || 100;
sub server_cpu {
    open my $pf, '<', "$OUT/httpd.pid" or return 0;
    chomp(my $parent = <$pf>);
    my $ticks = 0;
    opendir my $proc, '/proc';
    for my $pid (grep { /^\d+$/ } readdir $proc) {
        open my $st, '<', "/proc/$pid/stat" or next;
        my $line = <$st>;
        my @f = split ' ', substr($line, rindex($line, ')') + 2);
        # after the name: state ppid ... utime(12) stime(13)
        $ticks += $f[11] + $f[12] if $pid == $parent || $f[1] == $parent;
    }
    return $ticks / $TICK;
}

sub wrk {
    my ($s) = @_;
    my @cmd = (@client_cpu, 'wrk', "-t$opt{threads}", "-c$opt{connections}",
               "-d$opt{duration}s");
    push @cmd, '-H', "Authorization: $AUTH" if $s->{auth};
    push @cmd, '-H', "Accept: $s->{accept}" if $s->{accept};
    push @cmd, '-H', 'Origin: ' . origin_of($s) if $s->{origin};
    push @cmd, '-s', "$OUT/post.lua" if ($s->{method} || '') eq 'POST';
    push @cmd, 'http://127.0.0.1:' . port_of($s) . $s->{path};
    my $cpu0 = server_cpu();
    my $out = `@{[ map { "'$_'" } @cmd ]} 2>&1`;
    my $cpu = server_cpu() - $cpu0;
    my ($rps) = $out =~ /Requests\/sec:\s+([\d.]+)/;
    my ($n) = $out =~ /(\d+) requests in/;
    die "wrk failed for $s->{name}:\n$out" unless defined $rps && $n;
    warn "scenario $s->{name}: socket errors: $1\n"
        if $out =~ /Socket errors: (.*)/;
    return ($rps, 1e6 * $cpu / $n);
}

my (%rps, %cpu);
wrk($_) for grep { defined } @scenarios[0, 1];   # warm-up, not counted
for my $round (1 .. $opt{rounds}) {
    # a different order each round, so that no scenario always runs first
    my @order = @scenarios[ map { ($_ + $round - 1) % @scenarios } 0 .. $#scenarios ];
    for my $s (@order) {
        my ($r, $us) = wrk($s);
        push @{ $rps{ $s->{name} } }, $r + 0;
        push @{ $cpu{ $s->{name} } }, $us;
        printf "round %d  %-12s %10.0f req/s %8.1f us server CPU/request\n",
            $round, $s->{name}, $r, $us;
    }
}

sub median { my @v = sort { $a <=> $b } @_; $v[ $#v / 2 ] }

# ---------------------------------------------------------------------
# Memory and load times

sub kb_field {
    my ($file, $field) = @_;
    open my $fh, '<', $file or return 0;
    while (<$fh>) { return $1 if /^$field:\s+(\d+) kB/ }
    return 0;
}
my $mem_end = memory();

# Every .htaccess area, requested over several connections so that every
# server process loads (nearly) every file: the children's PSS before and
# after.
my %htaccess;
if ($HT) {
    my $before = memory();
    my @kids;
    for my $c (1 .. 8) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $sock;
            for my $i (1 .. $HT) {
                $sock ||= IO::Socket::INET->new("127.0.0.1:$opt{port}") or die $!;
                print $sock "GET /ht/$i/f.html HTTP/1.1\r\nHost: x\r\n"
                    . "Authorization: $AUTH\r\n\r\n";
                my ($status, $len) = ('', 0);
                while (my $line = <$sock>) {
                    $status ||= $line;
                    $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
                    last if $line eq "\r\n";
                }
                read $sock, my $body, $len if $len;
                die "/ht/$i: $status" unless $status =~ / 200 /;
            }
            exit 0;
        }
        push @kids, $pid;
    }
    waitpid $_, 0 for @kids;
    my $after = memory();
    my $sum = sub { my $t = 0; $t += $_->{pss_kb} for @{ $_[0]{children} }; $t };
    %htaccess = (files => $HT, children => scalar @{ $after->{children} },
                 pss_before_kb => $sum->($before), pss_after_kb => $sum->($after));
}
my %load;
open my $log, '<', "$OUT/error.log";
while (<$log>) {
    next unless my ($path, $n, $bytes, $secs) =
        /(\S+): (\d+) entries, (\d+) bytes shared by all processes, parsed in ([\d.]+) s/;
    my ($name) = $path =~ m{([^/]+)$};
    $load{$name} = { entries => $n + 0, bytes => $bytes + 0, parse_s => $secs + 0 };
}
apache('-k', 'stop');

# ---------------------------------------------------------------------
# Report

my %by = map { $_->{name} => $_ } @scenarios;
my @rows;
printf "\n%-12s %-40s %8s %8s %8s %7s %-13s %7s %s\n", 'scenario', 'what',
    'req/s', 'min', 'max', 'ratio', 'of', 'CPU us', 'CPU ratio';
for my $s (@scenarios) {
    my @v = @{ $rps{ $s->{name} } };
    my $med = median(@v);
    my ($min, $max) = (sort { $a <=> $b } @v)[0, -1];
    # (with --only, a baseline's own baseline may not have run)
    my $base = $s->{base} && $rps{ $s->{base} } ? $s->{base} : undef;
    my $ratio = $base ? $med / median(@{ $rps{$base} }) : undef;
    my $us = median(@{ $cpu{ $s->{name} } });
    # throughput ratio from CPU cost: base CPU per request / ours
    my $cpu_ratio = $base ? median(@{ $cpu{$base} }) / $us : undef;
    printf "%-12s %-40s %8.0f %8.0f %8.0f %7s %-13s %7.1f %s\n", $s->{name},
        $s->{what}, $med, $min, $max,
        defined $ratio ? sprintf('%.3f', $ratio) : '-', $base || '',
        $us, defined $cpu_ratio ? sprintf('%.3f', $cpu_ratio) : '-';
    push @rows, { name => $s->{name}, what => $s->{what}, rps => \@v,
                  median => $med, min => $min, max => $max,
                  baseline => $base, ratio => $ratio,
                  cpu_us_per_request => $cpu{ $s->{name} },
                  cpu_us_median => $us, cpu_ratio => $cpu_ratio };
}
print "ratio: median req/s over the baseline's; CPU ratio: the baseline's server\n",
      "CPU time per request over this scenario's (1.0 = costs the same).\n";
printf "\nstartup (apache2 -k start until it answers a request): %.2f s "
     . "(make bench-start: start and restart alone)\n", $startup;
for my $f (sort keys %load) {
    my $l = $load{$f};
    printf "%s: %s%.1f MB image, parsed in %.2f s\n", $f,
        $l->{entries} ? sprintf('%d entries, %.1f bytes each, ', $l->{entries},
                                $l->{bytes} / $l->{entries}) : '',
        $l->{bytes} / 1e6, $l->{parse_s};
}
for my $when (['after startup', $mem_start], ['after the runs', $mem_end]) {
    my ($label, $m) = @$when;
    printf "memory %s: parent RSS %.1f MB (PSS %.1f MB); children:%s\n", $label,
        $m->{parent}{rss_kb} / 1024, $m->{parent}{pss_kb} / 1024,
        join(',', map { sprintf ' RSS %.1f MB (PSS %.1f MB)', $_->{rss_kb} / 1024,
                        $_->{pss_kb} / 1024 } @{ $m->{children} });
}
print "(after the runs, children also hold stock mod_authz_groupfile's request pools)\n";
printf "%d .htaccess user files of 3 lines, loaded by %d processes: children's "
     . "PSS %.1f MB -> %.1f MB (+%.1f MB in total)\n", $htaccess{files},
    $htaccess{children}, $htaccess{pss_before_kb} / 1024,
    $htaccess{pss_after_kb} / 1024,
    ($htaccess{pss_after_kb} - $htaccess{pss_before_kb}) / 1024 if %htaccess;

my $results = { settings => \%opt, scenarios => \@rows, startup_s => $startup,
                load => \%load, htaccess_files => \%htaccess,
                memory => { after_startup => $mem_start,
                                            after_runs => $mem_end },
                when => scalar gmtime };
write_file("$OUT/results.json", JSON::PP->new->pretty->canonical->encode($results));
print "\nfigures written to $OUT/results.json\n";
