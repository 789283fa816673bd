#!/usr/bin/perl
# make soak: traffic under the event and the prefork MPM while the user
# file and an IP list go through version after version, each left alone
# long enough to be reloaded (the module reads a changed file once it has
# stayed unchanged for a second; it checks once a second per process).
#
# Version N of the files (N = 1, 2, ...):
#  - the user "soaker" has roles v1 ... vN (so /v/K/, "Require role vK",
#    answers 200 exactly when the answering version is K or newer), role
#    editor always, and role admin in odd versions only (/flip/: 200,
#    then 403, then 200...);
#  - the IP list holds 127.2.x.y for every version K up to N (a request
#    from K's address to /office/ is 200 exactly when the answering
#    version is K or newer) and 127.0.0.9 in odd versions only (/open/,
#    "Require not iplist", turns it away, then lets it in...);
#  - 20,000 other users and 50,000 other networks that differ from one
#    version to the next; files are replaced by rename and rewritten in
#    place in turn (never shorter, so no reload waits the 10 s kept for
#    shrunk files).
#
# The writer waits until version N is served, with its decisions (the
# probe: /v/N/ then /flip/ on one connection, i.e. one process; the
# address of N to /office/, then 127.0.0.9 until /open/ answers as N
# says), holds it a little longer than a process takes to follow, then
# writes N+1.  So every version is served, and:
#
#  - checkers ask all the time, as soaker and from the marker addresses,
#    whether the answering version is at least the one before the newest
#    written: an answer from an older version is a wrong answer;
#  - wrk streams send steady traffic whose decision never changes
#    (granted, denied, hidden, anonymous, by IP list), every answer checked;
#  - a hostile tenant's .htaccess files name a FIFO, a 2 GB sparse file
#    and a file rewritten (valid, then broken) every 20 ms, and its client
#    asks for them all the time: every one of its requests must be
#    answered (200, 403 or 500, within 5 s), while the others above see no
#    5xx.  One more .htaccess of the tenant (owned by the server's User,
#    as code run by it could make one) names the site's user file, which
#    is root's, and the tenant exchanges it all the time
#    (renameat2(RENAME_EXCHANGE)) with a symlink to a root-owned directory
#    of the site: it must never be granted (the owner rule refuses the
#    file whatever the name led to once httpd had read the .htaccess);
#  - a pinning tenant (uid azp-tenant-a) whose .htaccess names 2,000 files
#    of its own, all that a process keeps (AuthzPolicyHtaccessLimits 1M
#    2000), keeps six connections asking for a large file there that never
#    read the answer (a request under way holds the files it named),
#    renewed every 10 s; its neighbour (uid azp-tenant-b), whose .htaccess
#    names one file of its own, is one of the streams above: 200 every
#    time.
#
# Fails on any wrong answer, 5xx, connection error or answer later than
# 10 s (wrk's timeout; each stream's slowest answer is printed), on a
# version never served, on fewer reloads than --min-reloads per MPM, and
# on the children's memory growing by 10% or more between the end of
# the warm-up (the first versions) and the end (--no-memory-check:
# reported, not judged; a few reloads cannot tell a leak from a warm-up).
# One kind of closed connection is no error: the event MPM closes the
# idle kept-alive connections of a process whose workers are all busy,
# and logs how many (mpm_event:trace1).  A request that finds its
# connection closed before any answer is asked again on a new one.  Such
# closings (these, and wrk's read errors) fail the soak unless the MPM
# logged closing connections for busy workers (never under prefork) and
# they stay under 2% of the requests.
#
#   perl t/soak/soak.pl [--seconds 240] [--min-reloads 50]
#                       [--mpm event,prefork] [--port N] [--no-memory-check]
# The port defaults to POLICY_TEST_PORT + 3 (8532 without it).
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Getopt::Long;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(sha1_base64);
use POSIX ();
use Time::HiRes qw(time sleep);

# a write to a connection the server has closed fails, and is counted
$SIG{PIPE} = 'IGNORE';

my $ROOT = "$FindBin::Bin/../..";
my $OUT  = "$ROOT/build/soak";
my %opt = (seconds => 240, mpm => 'event,prefork',
           port => ($ENV{POLICY_TEST_PORT} ? $ENV{POLICY_TEST_PORT} + 3 : 8532),
           warmup => 3, 'min-reloads' => 0, hold => 1.5, checkers => 2,
           'memory-check' => 1);
GetOptions(\%opt, 'seconds=i', 'mpm=s', 'port=i', 'warmup=i', 'min-reloads=i',
           'hold=f', 'checkers=i', 'memory-check!') or die "usage: see the top of $0\n";

use lib "$FindBin::Bin/../lib";
use PolicyTest::Setup ();
sub write_file { PolicyTest::Setup::write_file(@_) }

make_path("$OUT/htdocs/$_") for qw(granted denied hidden office open flip report);
write_file("$OUT/htdocs/$_/f.html", "soak\n") for qw(granted denied hidden office open flip report);
write_file("$OUT/htpasswd", 'soaker:{SHA}' . sha1_base64('soak') . "=\n");
my $AUTH = 'Authorization: Basic ' . encode_base64('soaker:soak', '');

# The hostile tenant: .htaccess files naming what no data file should be.
my $TENANT = "$OUT/tenant-data";
make_path($TENANT);
my %hostile = (fifo => "$TENANT/fifo", huge => "$TENANT/huge.txt",
               churn => "$TENANT/churn.txt");
unlink $hostile{fifo};
POSIX::mkfifo($hostile{fifo}, 0644) or die "mkfifo: $!";
{
    open my $fh, '>', $hostile{huge} or die $!;
    truncate $fh, 2 * 1024 * 1024 * 1024;
}
write_file($hostile{churn}, "soaker role=editor\n");
for my $name (sort keys %hostile) {
    make_path("$OUT/htdocs/tenant/$name");
    write_file("$OUT/htdocs/tenant/$name/f.html", "tenant\n");
    write_file("$OUT/htdocs/tenant/$name/.htaccess",
               "AuthzPolicyUserFile $hostile{$name}\nRequire role editor\n");
}

# The tenant's .htaccess that is exchanged with a symlink, and the
# symlink, both the server User's (as is their directory).
my $SWAP = "$OUT/htdocs/tenant/swap";
make_path($SWAP);
write_file("$SWAP/f.html", "tenant\n");
write_file("$SWAP/.htaccess", "AuthzPolicyUserFile $OUT/users.txt\n"
                              . "Require role editor\n");
unlink "$SWAP/other";
symlink "$OUT/htdocs/granted", "$SWAP/other" or die "symlink: $!";
{
    my (undef, undef, $uid, $gid) = getpwnam 'nobody' or die "no nobody\n";
    chown $uid, $gid, $SWAP, "$SWAP/f.html", "$SWAP/.htaccess";
    system('chown', '-h', "$uid:$gid", "$SWAP/other") == 0 or die "chown\n";
}

# The pinning tenant and its neighbour, each with a uid of its own (the
# owner rule: an .htaccess file names files of its own owner).
PolicyTest::Setup::ensure_user($_) for @PolicyTest::Setup::TENANTS;
my ($PIN_OWNER, $NEIGHBOUR) = @PolicyTest::Setup::TENANTS;
{
    my $data = "$OUT/tenant-a-data";
    make_path($data);
    my @files = map { "$data/u$_.txt" } 1 .. 2000;
    write_file($_, "soaker role=editor\n") for @files;
    my $pin = "$OUT/htdocs/tenant/pin";
    make_path($pin);
    write_file("$pin/.htaccess", join '', map({ "AuthzPolicyUserFile $_\n" } @files),
               "Require role editor\n");
    open my $fh, '>', "$pin/big.bin" or die $!;
    truncate $fh, 256 * 1024 * 1024;
    close $fh;
    my ($uid, $gid) = PolicyTest::Setup::tenant_ids($PIN_OWNER);
    chown $uid, $gid, $data, @files, $pin, "$pin/.htaccess", "$pin/big.bin";
    my $nb = "$OUT/htdocs/tenant/neighbour";
    make_path($nb);
    write_file("$nb/users.txt", "soaker role=editor\n");
    write_file("$nb/f.html", "neighbour\n");
    write_file("$nb/.htaccess", "AuthzPolicyUserFile $nb/users.txt\n"
                                . "Require role editor\n");
    ($uid, $gid) = PolicyTest::Setup::tenant_ids($NEIGHBOUR);
    chown $uid, $gid, $nb, map { "$nb/$_" } qw(users.txt f.html .htaccess);
}

# Keeps six connections asking for the pinning tenant's large file, never
# reading past the status line, each renewed after 10 s, until $until;
# writes the statuses it saw to $out (its own business: not judged).
sub pinner {
    my ($until, $out) = @_;
    my (%seen, @held);                  # [socket, opened at, answered]
    while (time < $until) {
        while (@held < 6) {
            my $sock = connect_from() or last;
            print $sock "GET /tenant/pin/big.bin HTTP/1.0\r\n$AUTH\r\n\r\n";
            push @held, [ $sock, time, 0 ];
        }
        my @keep;
        for my $h (@held) {
            my $rin = '';
            vec($rin, fileno $h->[0], 1) = 1;
            if (!$h->[2] && select(my $r = $rin, undef, undef, 0) > 0) {
                my $line = readline($h->[0]) // '';
                my $st = $line =~ m{^HTTP/1\.\d (\d{3})} ? $1 : 'none';
                $seen{$st}++;
                $h->[2] = 1;
                if ($st ne '200') { close $h->[0]; next }
            }
            if (time - $h->[1] > 10) { close $h->[0]; next }
            push @keep, $h;
        }
        @held = @keep;
        sleep 0.2;
    }
    write_file($out, join '', map { "$_ $seen{$_}\n" } sort keys %seen);
    POSIX::_exit(0);
}

# Asks for the tenant's areas until $until; writes what it saw to $out
# (a grant in the exchanged area as swap-granted).
sub hostile_client {
    my ($until, $out) = @_;
    my (%seen, $unanswered);
    while (time < $until) {
        for my $name ((sort keys %hostile), 'swap') {
            my $sock = connect_from();
            local $SIG{ALRM} = sub { die "timeout\n" };
            my $status = eval {
                alarm 5;
                print $sock "GET /tenant/$name/f.html HTTP/1.0\r\n$AUTH\r\n\r\n";
                my $line = <$sock> // '';
                alarm 0;
                $line =~ m{^HTTP/1\.\d (\d{3})} ? $1 : 'none';
            } // 'none';
            alarm 0;
            $seen{$name eq 'swap' && $status eq '200' ? 'swap-granted'
                                                      : $status}++;
        }
    }
    write_file($out, join '', map { "$_ $seen{$_}\n" } sort keys %seen);
    POSIX::_exit(0);
}

# As the server's User, exchanges the tenant's .htaccess with its symlink
# until $until, an even number of times.
sub swapper {
    my ($until) = @_;
    my (undef, undef, $uid, $gid) = getpwnam 'nobody';
    POSIX::setgid($gid) && POSIX::setuid($uid) or POSIX::_exit(1);
    my ($SYS_renameat2, $AT_FDCWD, $RENAME_EXCHANGE) = (316, -100, 2);  # x86_64
    # (syscall() passes a string as a buffer it may write: variables)
    my ($name, $other) = ("$SWAP/.htaccess", "$SWAP/other");
    while (time < $until) {
        for (1, 2) {
            syscall($SYS_renameat2, $AT_FDCWD, $name, $AT_FDCWD, $other,
                    $RENAME_EXCHANGE) == 0 or POSIX::_exit(1);
        }
    }
    POSIX::_exit(0);
}

# Rewrites the churning file in place, valid then broken, every 20 ms.
sub churn {
    my ($until) = @_;
    my $i = 0;
    while (time < $until) {
        write_file($hostile{churn}, $i++ % 2 ? "soaker role=editor\n"
                                             : "soaker colour=blue\n");
        sleep 0.02;
    }
    POSIX::_exit(0);
}
my $users = "$OUT/users.txt";
my $ips = "$OUT/ips.txt";
my $state = "$OUT/state";               # the newest version written
# /v/1/ .. /v/$max_version/: more than any run writes
my $max_version = $opt{seconds} + 20;

sub user_file {
    my ($v) = @_;
    my $set = $v % 2 ? 1 : 2;
    return "soaker role=editor," . ($v % 2 ? 'admin' : 'guest')
        . join('', map { ",v$_" } 1 .. $v) . "\n"
        . join('', map { "p${set}_$_ role=viewer\n" } 1 .. 20_000);
}

sub marker_addr {
    my ($k) = @_;
    return sprintf '127.2.%d.%d', $k >> 8, $k & 255;
}

sub ip_file {
    my ($v) = @_;
    my $set = $v % 2 ? 1 : 2;
    return join('', map { sprintf "10.%d.%d.%d\n", $set, $_ >> 8, $_ & 255 } 0 .. 49_999)
        . "127.0.0.1\n"
        . ($v % 2 ? "127.0.0.9\n" : "# 127.0.9\n")
        . join('', map { marker_addr($_) . "\n" } 1 .. $v);
}

# --- a small HTTP/1.1 client: one connection, keep-alive -----------------
sub connect_from {
    my ($from) = @_;
    return IO::Socket::INET->new(PeerAddr => "127.0.0.1:$opt{port}",
                                 ($from ? (LocalAddr => $from) : ()),
                                 Timeout => 10);
}

# The status, or undef when the connection failed (then it is closed).
# $idle_closed says whether it failed because a kept-alive connection
# was closed by the server before any byte of an answer (see the top);
# the caller may ask again on a new connection, and counts it.
our $idle_closed;
sub get {
    my ($sock, $path, $auth) = @_;
    $idle_closed = 0;
    return undef unless $sock;
    my $reused = ${*$sock}{soak_sent}++;
    local $SIG{ALRM} = sub { die "timeout\n" };
    my $status = eval {
        alarm 20;
        print $sock "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            . ($auth ? "$AUTH\r\n" : '') . "\r\n" or do {
            $idle_closed = $reused;
            die "closed\n";
        };
        my $line = <$sock>;
        if (!defined $line) {
            $idle_closed = $reused;
            die "closed\n";
        }
        my ($code) = $line =~ m{^HTTP/1\.\d (\d{3})} or die "bad status line\n";
        my ($len, $chunked, $close) = (0, 0, 0);
        while (defined(my $h = <$sock>)) {
            last if $h eq "\r\n";
            $len = $1 if $h =~ /^Content-Length:\s*(\d+)/i;
            $chunked = 1 if $h =~ /^Transfer-Encoding:\s*chunked/i;
            $close = 1 if $h =~ /^Connection:\s*close/i;
        }
        my $buf;
        if ($chunked) {
            while (1) {
                my $size = hex(<$sock> // die "closed\n");
                read($sock, $buf, $size + 2) == $size + 2 or die "short chunk\n" if $size;
                if (!$size) { <$sock>; last }
            }
        }
        elsif ($len) {
            read($sock, $buf, $len) == $len or die "short body\n";
        }
        alarm 0;
        close $sock if $close;
        $code;
    };
    alarm 0;
    return $status;
}

sub written_version {
    open my $fh, '<', $state or return 0;
    my $v = <$fh>;
    return $v ? $v + 0 : 0;
}

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

# One request on $$sockref (a new connection from $from when there is
# none), asked again on a new connection when the server had closed the
# kept-alive one ($n->{closed} counts those); the status, or undef.
sub ask {
    my ($sockref, $from, $path, $auth, $n) = @_;
    $$sockref ||= connect_from($from);
    my $s = get($$sockref, $path, $auth);
    $n->{requests}++;
    if (!defined $s && $idle_closed) {
        $n->{closed}++;
        $$sockref = connect_from($from);
        $s = get($$sockref, $path, $auth);
    }
    # (an answer with Connection: close closed it too)
    $$sockref = undef unless defined $s && $$sockref->opened;
    return $s;
}

# --- the checkers ------------------------------------------------------------
# Ask, again and again, whether the answering version is at least the one
# before the newest written; count the decisions that flip.
sub checker {
    my ($id, $end, $out) = @_;
    my %n = (requests => 0, wrong => 0, errors => 0, closed => 0);
    my @wrong;
    my ($user, $ipsock, $ipfrom, $flip9) = (undef, undef, '', undef);
    while (time < $end) {
        my $w = written_version();
        my $older = $w - 1;             # the oldest version allowed
        if ($older >= 1) {
            my $s = ask(\$user, undef, "/v/$older/f.html", 1, \%n);
            if (!defined $s) { $n{errors}++ }
            elsif ($s != 200) {
                $n{wrong}++;
                push @wrong, "/v/$older/ got $s while version $w was the newest";
            }
            my $from = marker_addr($older);
            if ($from ne $ipfrom) {
                $ipsock = undef;
                $ipfrom = $from;
            }
            $s = ask(\$ipsock, $from, '/office/f.html', 0, \%n);
            if (!defined $s) { $n{errors}++ }
            elsif ($s != 200) {
                $n{wrong}++;
                push @wrong, "/office/ from $from got $s while version $w was the newest";
            }
        }
        my $s = ask(\$user, undef, '/flip/f.html', 1, \%n);
        if (!defined $s) { $n{errors}++ }
        elsif ($s == 200 || $s == 403) { $n{"flip$s"}++ }
        else { $n{wrong}++; push @wrong, "/flip/ got $s" }
        $s = ask(\$flip9, '127.0.0.9', '/open/f.html', 0, \%n);
        if (!defined $s) { $n{errors}++ }
        elsif ($s == 200 || $s == 403) { $n{"open$s"}++ }
        else { $n{wrong}++; push @wrong, "/open/ from 127.0.0.9 got $s" }
    }
    open my $fh, '>', $out or die "$out: $!";
    print $fh map { "$_ $n{$_}\n" } sort keys %n;
    print $fh map { "wrong: $_\n" } @wrong[0 .. ($#wrong < 9 ? $#wrong : 9)];
    close $fh;
    POSIX::_exit(0);
}

# --- the writer -----------------------------------------------------------------
sub write_version {
    my ($v) = @_;
    for ([ $users, user_file($v) ], [ $ips, ip_file($v) ]) {
        my ($file, $text) = @$_;
        if ($v % 2) {                   # by rename
            write_file("$file.new", $text);
            rename "$file.new", $file or die "rename $file: $!";
        }
        else {                          # in place, never shorter
            write_file($file, $text);
        }
    }
    write_file("$state.new", "$v\n");
    rename "$state.new", $state;
}

# Polls until version $v is served with its decisions; the reason when
# it is not within $limit seconds.
sub wait_served {
    my ($v, $limit) = @_;
    my $until = time + $limit;
    my $flip_want = $v % 2 ? 200 : 403;
    my $open_want = $v % 2 ? 403 : 200;
    my ($user_ok, $ip_ok) = (0, 0);
    my $last = '';
    while (time < $until) {
        if (!$user_ok) {
            # one connection: the process that answered /v/$v/ has $v and
            # nothing newer exists, so /flip/ must answer as $v says
            my $sock = connect_from();
            my $s = get($sock, "/v/$v/f.html", 1);
            $last = "user file: /v/$v/ answered " . ($s // 'nothing');
            if (defined $s && $s == 200) {
                my $f = get($sock, '/flip/f.html', 1);
                # the connection closed as the event MPM does: ask both again
                return "version $v: /flip/ answered " . ($f // 'nothing')
                       . " where $v says $flip_want"
                    if !(!defined $f && $idle_closed) && (!defined $f || $f != $flip_want);
                $user_ok = defined $f;
                $last = "user file: /flip/ after /v/$v/: connection closed" unless $user_ok;
            }
        }
        if (!$ip_ok) {
            my $s = get(connect_from(marker_addr($v)), '/office/f.html');
            if (defined $s && $s == 200) {
                # another connection, maybe another process: ask until one
                # that follows $v answers (an older one would be wrong only
                # if it were older than $v - 1: the checkers see to that)
                my $o = get(connect_from('127.0.0.9'), '/open/f.html');
                $ip_ok = defined $o && $o == $open_want;
                $last = "IP list: /open/ answered " . ($o // 'nothing');
            }
            else {
                $last = "IP list: /office/ from " . marker_addr($v) . " answered "
                        . ($s // 'nothing');
            }
        }
        return undef if $user_ok && $ip_ok;
        sleep 0.1;
    }
    return "version $v was not served within $limit s ($last)";
}

# what failed, repeated at the end: CI shows only the last lines
my @failures;
my @summary;
for my $mpm (split /,/, $opt{mpm}) {
    unlink $state;
    write_version(1);
    unlink "$OUT/error-$mpm.log";
    my $mpm_conf = $mpm eq 'prefork'
        # a child per keep-alive connection: the streams, checkers,
        # hostile tenant, churn and pinning tenant hold about 32 at once
        ? "StartServers 40\nMinSpareServers 40\nMaxSpareServers 40\n"
          . "ServerLimit 40\nMaxRequestWorkers 40\n"
        : "StartServers 3\nServerLimit 3\nThreadsPerChild 25\nMaxRequestWorkers 75\n"
          . "MinSpareThreads 1\nMaxSpareThreads 75\n";
    my $version_locations = join '', map {
        "<Location /v/$_/>\n    Require role v$_\n</Location>\n"
    } 1 .. $max_version;
    write_file("$OUT/httpd.conf", PolicyTest::Setup::standalone_conf(
        root => $OUT, listen => "127.0.0.1:$opt{port}", mpm => $mpm,
        so => "$ROOT/mod_authz_policy.so",
        # info for the "reloaded" lines; without the line per denial
        # (hundreds of thousands a minute)
        error_log => "|\$/usr/bin/grep --line-buffered -v -e denied:.reason= -e would.deny:.reason= >> $OUT/error-$mpm.log",
        # (mpm_event:trace1: the kept-alive connections it closes)
        log_level => 'warn authz_core:crit authz_policy:info'
                     . ($mpm eq 'event' ? ' mpm_event:trace1' : ''),
        modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                       mime alias)]) . <<"CONF");
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
AliasMatch "^/v/[0-9]+/f.html\$" "$OUT/htdocs/granted/f.html"
$version_locations
<Location /granted>
    Require role editor
    <AuthzPolicyShadow admins>
        Require role admin
    </AuthzPolicyShadow>
</Location>
# the counters, scraped while the data files are reloaded
<Location /authz-status>
    AuthType None
    SetHandler authz-policy-status
    Require all granted
</Location>
<Location /report>
    AuthzPolicyMode report
    Require role nobody
    <AuthzPolicyShadow editors>
        Require role editor
    </AuthzPolicyShadow>
</Location>
<Location /flip>
    Require role admin
</Location>
<Location /denied>
    Require role nobody
    AuthzPolicyErrorFormat json
</Location>
<Location /hidden>
    Require role nobody
    AuthzPolicyDenyStatus 404
</Location>
AuthzPolicyIPList soak "$ips"
<Location /office>
    AuthType None
    Require iplist soak
</Location>
<Location /open>
    AuthType None
    <RequireAll>
        Require all granted
        Require not iplist soak
    </RequireAll>
</Location>
<Directory "$OUT/htdocs/tenant">
    AllowOverride AuthConfig
</Directory>
# (the recommended values of docs/shared-hosting.md)
AuthzPolicyHtaccessLimits 1M 2000
CONF
    system("chmod -R a+rX '$OUT'");
    if (-e "$OUT/httpd.pid") {
        system('apache2', '-f', "$OUT/httpd.conf", '-k', 'stop');
        for (1 .. 100) { last unless -e "$OUT/httpd.pid"; sleep 0.1 }
    }
    system('apache2', '-f', "$OUT/httpd.conf", '-k', 'start') == 0 or die "no start\n";
    my $up;
    for (1 .. 200) { last if $up = IO::Socket::INET->new("127.0.0.1:$opt{port}"); sleep 0.05 }
    die "apache2 ($mpm) is not answering on port $opt{port}\n" unless $up;
    for (1 .. 100) { last if -s "$OUT/httpd.pid"; sleep 0.1 }
    open my $pf, '<', "$OUT/httpd.pid" or die "$OUT/httpd.pid: $!";
    chomp(my $parent = <$pf>);

    my $start = time;
    my $end = $start + $opt{seconds};

    # steady traffic: one wrk per stream
    my @streams = (
        [ '/granted/f.html', 1, 200 ],
        [ '/denied/f.html',  1, 403 ],
        [ '/hidden/f.html',  1, 404 ],
        [ '/granted/f.html', 0, 401 ],
        [ '/office/f.html',  0, 200 ],
        [ '/report/f.html',  1, 200 ],
        [ '/report/f.html',  0, 200 ],
        [ '/authz-status?format=prometheus', 0, 200 ],
        # the pinning tenant's neighbour
        [ '/tenant/neighbour/f.html', 1, 200 ],
    );
    my @wrk;
    for my $n (0 .. $#streams) {
        my ($path, $auth, $want) = @{ $streams[$n] };
        my $log = "$OUT/wrk-$mpm-$n.txt";
        my $pid = fork // die;
        if (!$pid) {
            open STDOUT, '>', $log;
            open STDERR, '>&', \*STDOUT;
            # --timeout: an answer later than 10 s is a failure (a stall);
            # wrk's default, 2 s, is shorter than the tail of a two-core
            # machine shared by 40 prefork children and every client here
            # (one request in 41,203 missed it once, answered correctly)
            exec 'wrk', '-t1', '-c2', "-d$opt{seconds}s", '--timeout', '10s',
                '-s', "$FindBin::Bin/check.lua",
                ($auth ? ('-H', $AUTH) : ()),
                "http://127.0.0.1:$opt{port}$path", '--', $want;
        }
        push @wrk, [ $pid, $log, $want, $path ];
    }
    my @checkers;
    for my $id (1 .. $opt{checkers}) {
        my $out = "$OUT/checker-$mpm-$id.txt";
        unlink $out;
        my $pid = fork // die;
        checker($id, $end - 1, $out) unless $pid;
        push @checkers, [ $pid, $out ];
    }

    my $hostile_out = "$OUT/hostile-$mpm.txt";
    my $pinner_out = "$OUT/pinner-$mpm.txt";
    unlink $hostile_out, $pinner_out;
    my @hostile;
    for my $job (sub { hostile_client($end - 1, $hostile_out) },
                 sub { churn($end - 1) }, sub { swapper($end - 1) },
                 sub { pinner($end - 1, $pinner_out) }) {
        my $pid = fork // die;
        $job->() unless $pid;
        push @hostile, $pid;
    }

    # the versions
    my ($served, $rss0, $rss1, $why) = (0, 0, 0, undef);
    my @rss;                            # after each version, kB
    my $v = 1;
    while (1) {
        $why = wait_served($v, 30);
        last if $why;
        $served = $v;
        sleep $opt{hold} / 2;
        # memory at a still moment: every process has followed $v by now
        my $rss = children_rss_kb($parent);
        push @rss, $rss;
        $rss0 = $rss if $v == $opt{warmup};
        $rss1 = $rss if $v > $opt{warmup};
        sleep $opt{hold} / 2;
        last if time > $end - 8;        # room to serve one more
        last if $v >= $max_version;
        write_version(++$v);
    }
    waitpid $_->[0], 0 for @checkers;
    waitpid $_->[0], 0 for @wrk;
    waitpid $_, 0 for @hostile;
    my $took = time - $start;

    my $log = do { local (@ARGV, $/) = "$OUT/error-$mpm.log"; <> } // '';
    my $user_reloads = () = $log =~ /AuthzPolicyUserFile \S+ reloaded/g;
    my $ip_reloads = () = $log =~ /AuthzPolicyIPList \S+ reloaded/g;
    my $reloads = $served - 1;          # version 1 is the one at startup
    printf "%s MPM, %.0f s: %d versions written, %d served, reloads: %d per file "
        . "(error log: user file %d, IP list %d)\n",
        $mpm, $took, $v, $served, $reloads, $user_reloads, $ip_reloads;
    if ($why) {
        print "  FAILED: $why\n";
        push @failures, "$mpm: $why";
    }
    if ($reloads < $opt{'min-reloads'}) {
        print "  FAILED: fewer than $opt{'min-reloads'} reloads\n";
        push @failures, "$mpm: $reloads reloads, fewer than $opt{'min-reloads'}";
    }
    my ($wrong_total, $requests_total, $closed_seen) = (0, 0, 0);
    for my $w (@wrk) {
        my (undef, $wlog, $want, $path) = @$w;
        my $out = do { local (@ARGV, $/) = $wlog; <> } // '';
        my ($n) = $out =~ /(\d+) requests in/;
        my ($wrong) = $out =~ /wrong decisions: (\d+)/;
        my ($sock) = $out =~ /Socket errors: (.*)/;
        my ($slowest) = $out =~ /^\s+Latency\s+\S+\s+\S+\s+(\S+)/m;
        # read errors alone may be kept-alive connections the event MPM
        # closed (see the top; judged below with the checkers' own);
        # connect, write and timeout errors are failures
        my ($closed) = ($sock // '') =~ /read (\d+)/;
        $closed_seen += $closed || 0;
        $sock = undef if $sock && $sock =~ /^connect 0, read \d+, write 0, timeout 0$/;
        my ($seen) = $out =~ /wrong statuses: (.*)/;
        $wrong .= " ($seen)" if $wrong && $seen;
        my $ok = defined $n && $n > 0 && defined $wrong && !$wrong && !$sock;
        printf "  %-16s expect %d: %7d requests, %s wrong, slowest %s%s%s  %s\n", $path,
            $want, $n || 0, $wrong // '?', $slowest // '?',
            $sock ? ", socket errors: $sock" : '',
            !$sock && $closed ? ", $closed connections closed by the server" : '',
            $ok ? 'ok' : 'FAILED';
        $requests_total += $n || 0;
        $wrong_total += ($wrong || 0) =~ /^(\d+)/ ? $1 : 0;
        push @failures, sprintf "%s: %s expect %d: %s requests, %s wrong%s", $mpm,
            $path, $want, $n // 'no', $wrong // '?', $sock ? ", socket errors: $sock" : ''
            unless $ok;
    }
    my %c;
    my @wrong;
    for my $ch (@checkers) {
        open my $fh, '<', $ch->[1] or do {
            print "  FAILED: checker wrote nothing\n";
            push @failures, "$mpm: a checker wrote nothing";
            next;
        };
        while (<$fh>) {
            if (/^wrong: (.*)/) { push @wrong, $1 }
            elsif (/^(\w+) (\d+)/) { $c{$1} += $2 }
        }
    }
    my $cok = ($c{requests} || 0) > 0 && !$c{wrong} && !$c{errors};
    printf "  versions checked: %d requests, %d from an older version than the "
        . "one before the newest, %d errors (%d asked again: connection closed "
        . "by the server); /flip/ 200 x%d, 403 x%d; "
        . "/open/ from the flipping address 200 x%d, 403 x%d  %s\n",
        $c{requests} || 0, $c{wrong} || 0, $c{errors} || 0, $c{closed} || 0, $c{flip200} || 0,
        $c{flip403} || 0, $c{open200} || 0, $c{open403} || 0, $cok ? 'ok' : 'FAILED';
    print map { "    $_\n" } @wrong;
    $closed_seen += $c{closed} || 0;
    my $closed_by_mpm = 0;
    $closed_by_mpm += $1 while $log =~ /will shutdown (\d+) keep-alive connections/g;
    # the MPM's count is of its busy-worker closings only (it closes
    # kept-alive connections in other ways it does not log), so it is
    # asked to be above 0, and the closings to stay rare
    my $asked = $requests_total + ($c{requests} || 0);
    my $closed_ok = !$closed_seen
        || ($closed_by_mpm && $closed_seen <= 0.02 * $asked);
    printf "  connections closed before an answer: %d seen by the clients (%.2f%% of "
        . "%d requests); the MPM closed %d for busy workers (its log)  %s\n",
        $closed_seen, $asked ? 100 * $closed_seen / $asked : 0, $asked,
        $closed_by_mpm, $closed_ok ? 'ok' : 'FAILED';
    push @failures, "$mpm: $closed_seen connections closed before an answer, "
        . "$closed_by_mpm by the MPM for busy workers" unless $closed_ok;
    push @failures, "$mpm: versions checked: " . ($c{wrong} || 0) . " from an older version, "
        . ($c{errors} || 0) . " errors, " . ($c{requests} || 0) . " requests"
        unless $cok;
    $wrong_total += $c{wrong} || 0;
    $requests_total += $c{requests} || 0;
    my %h = map { split ' ' } do { local @ARGV = $hostile_out; -e $hostile_out ? <> : () };
    # its own answers are its own business (a file caught empty mid-write
    # grants nobody: 403); what counts is that every request is answered,
    # and that the site's user file never grants in its exchanged area
    # (swap-granted)
    my $hok = %h && !$h{none} && !grep { !/^(200|403|500)$/ } keys %h;
    printf "  hostile tenant (FIFO, 2 GB file, a file rewritten every 20 ms, "
        . "an .htaccess exchanged with a symlink): "
        . "%s, unanswered %d  %s\n",
        join(', ', map { "$_ x$h{$_}" } grep { $_ ne 'none' } sort keys %h) || 'nothing',
        $h{none} || 0, $hok ? 'ok' : 'FAILED';
    push @failures, "$mpm: hostile tenant: " . (join(', ', map { "$_ x$h{$_}" } sort keys %h)
        || 'nothing') unless $hok;
    my %pin = map { split ' ' } do { local @ARGV = $pinner_out; -e $pinner_out ? <> : () };
    printf "  pinning tenant (six connections that never read, .htaccess naming "
        . "2,000 files): %s\n",
        join(', ', map { "$_ x$pin{$_}" } sort keys %pin) || 'nothing';
    my $growth = $rss0 ? ($rss1 - $rss0) / $rss0 : 0;
    my $mem_ok = $rss0 && $growth < 0.10;
    printf "  children's memory: %.1f MB after version %d, %.1f MB after version %d "
        . "(%+.1f%%) %s\n", $rss0 / 1024, $opt{warmup}, $rss1 / 1024, $served,
        100 * $growth, !$opt{'memory-check'} ? 'not judged' : $mem_ok ? 'ok' : 'FAILED';
    push @failures, sprintf "%s: children's memory %+.1f%%", $mpm, 100 * $growth
        if $opt{'memory-check'} && !$mem_ok;
    my $step = @rss > 12 ? int(@rss / 12) : 1;
    printf "  children's memory after versions 1, %d, %d, ...: %s MB\n", 1 + $step,
        1 + 2 * $step, join ' ', map { sprintf '%.1f', $rss[$_] / 1024 }
        grep { $_ % $step == 0 } 0 .. $#rss;
    my @crash = $log =~ /(.*(?:Segmentation fault|exit signal|AH00052).*)/g;
    if (@crash) {
        print "  crashes:\n", map { "    $_\n" } @crash;
        push @failures, "$mpm: " . @crash . " crashes, the first: $crash[0]";
    }
    push @summary, sprintf "%s: %d reloads, %d requests, %d wrong answers, memory %+.1f%%",
        $mpm, $reloads, $requests_total, $wrong_total, 100 * $growth;
    system('apache2', '-f', "$OUT/httpd.conf", '-k', 'stop');
    # the next MPM's server needs the port: wait for this one to be gone
    for (1 .. 300) { last unless -e "$OUT/httpd.pid"; sleep 0.1 }
}
print map { "$_\n" } @summary;
print map { "FAILED: $_\n" } @failures;
print @failures ? "soak: FAILED\n" : "soak: passed\n";
exit(@failures ? 1 : 0);
