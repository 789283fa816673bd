package PolicyTest::Hosting;
# Helpers for the shared-hosting tests: acting as a customer or as the
# server's User, requests with a client timeout, the server's processes
# and their memory, and what lies in the server's runtime directory.
use strict;
use warnings;
use Apache::Test ();
use Apache::TestRequest ();
use File::Find ();
use IO::Socket::INET ();
use LWP::UserAgent ();
use MIME::Base64 ();
use POSIX ();
use Time::HiRes qw(sleep time);
use PolicyTest ();
use PolicyTest::Setup ();
use Exporter 'import';

our @EXPORT = qw(as_user get_timed status_of server_pid server_children
                 rss_kb peak_rss_kb runtime_dir runtime_leftovers
                 old_image_base readable_files_containing signal_restart
                 hosting_path background_get flood_get collect_background
                 error_lines_by_pid start_hosting_server get_as_bob);

our ($TENANT_A, $TENANT_B) = @PolicyTest::Setup::TENANTS;

sub hosting_path { "$PolicyTest::Setup::HOSTING/$_[0]" }

# start_hosting_server(dir => DIR, port => PORT, conf => TEXT,
# log_level => ...): a server of a test's own, one process, serving the
# customers' homes as the suite does (Basic users of t/var/htpasswd,
# AllowOverride AuthConfig), with TEXT added to its configuration; its
# files in DIR (DIR/run: pid file and error_log).  Returns when it answers.
sub start_hosting_server {
    my (%o) = @_;
    my ($dir, $port) = @o{qw(dir port)};
    my $T = PolicyTest::t_path('');
    PolicyTest::write_file("$dir/httpd.conf", PolicyTest::Setup::standalone_conf(
        root => "$dir/run", listen => "127.0.0.1:$port",
        so => $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so",
        ($o{log_level} ? (log_level => $o{log_level}) : ()),
        modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                       alias dir mime)]) . <<"CONF" . ($o{conf} // ''));
DocumentRoot "$dir/htdocs"
TypesConfig /etc/mime.types
StartServers 1
ServerLimit 1
MaxRequestWorkers 25
<Directory "$PolicyTest::Setup::HOSTING">
    AllowOverride AuthConfig
    AuthType Basic
    AuthName "hosting"
    AuthBasicProvider file
    AuthUserFile "$T/var/htpasswd"
    Require all granted
</Directory>
CONF
    system('chmod', '-R', 'a+rX', "$dir/htdocs");
    chmod 0755, $dir;
    system($ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2',
           '-f', "$dir/httpd.conf", '-k', 'start') == 0
        or die "apache2 did not start\n";
    PolicyTest::wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$port") });
}

# get_as_bob(PORT, PATH): (status, body) of an HTTP/1.0 GET with bob's
# Basic credentials; status 'no answer' when there is none.
sub get_as_bob {
    my ($port, $path) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 30) or return ('no answer', '');
    my $auth = MIME::Base64::encode_base64("bob:$PolicyTest::Setup::PASSWORD", '');
    print $sock "GET $path HTTP/1.0\r\nAuthorization: Basic $auth\r\n\r\n";
    local $/;
    my $answer = <$sock> // '';
    my ($code) = $answer =~ m{^HTTP/\S+ (\d+)};
    my ($body) = $answer =~ /\r\n\r\n(.*)/s;
    return ($code // 'no answer', $body // '');
}

# as_user(NAME, CODE): runs CODE in a child process with NAME's uid, gid
# and groups (NAME 'nobody' is the server's User); returns what CODE
# returned (a string).
sub as_user {
    my ($name, $code) = @_;
    my (undef, undef, $uid, $gid) = getpwnam $name
        or die "no user $name\n";
    my $group = $name eq 'nobody' ? getgrnam('nogroup') : $gid;
    pipe my $r, my $w or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $r;
        my $out = eval {
            POSIX::setgid($group) or die "setgid: $!";
            $) = "$group $group";
            POSIX::setuid($uid) or die "setuid: $!";
            die "still root\n" if $> == 0 || $< == 0;
            my $v = $code->();
            defined $v ? $v : '';
        };
        $out = "ERROR: $@" unless defined $out;
        print $w $out;
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    local $/;
    my $out = <$r>;
    waitpid $pid, 0;
    return defined $out ? $out : '';
}

# get_timed(PATH, user => NAME, vhost => NAME, host => HOST,
# timeout => SECS): a GET (with Host: HOST if given) that
# gives up after timeout seconds (default 5; scaled, see PolicyTest::scaled):
# undef when no answer came.
sub get_timed {
    my ($path, %o) = @_;
    local $Apache::TestRequest::Module = $o{vhost} || 'default';
    my $hostport = Apache::TestRequest::hostport();
    my $ua = LWP::UserAgent->new(timeout => PolicyTest::scaled($o{timeout} || 5),
                                 keep_alive => 0);
    my @auth;
    if (defined $o{user}) {
        @auth = (Authorization => 'Basic ' . MIME::Base64::encode_base64(
            "$o{user}:$PolicyTest::Setup::PASSWORD", ''));
    }
    my $res = $ua->get("http://$hostport$path", @auth,
                       defined $o{host} ? (Host => $o{host}) : ());
    my $warning = $res->header('Client-Warning') || '';
    return undef if $warning eq 'Internal response'
                    && $res->message =~ /timeout|timed out/i;
    return $res;
}

# The status of a GET, or 'timeout', or 'no answer' (a connection the
# server dropped, e.g. a crashed child).
sub status_of {
    my $res = get_timed(@_);
    return 'timeout' unless $res;
    return 'no answer' if ($res->header('Client-Warning') || '')
                          eq 'Internal response';
    return $res->code;
}

# background_get(PATH, user => NAME, timeout => SECS): a GET in a child
# process (it may hang); collect_background(PIDS, SECS) then gives each
# one's status, 'timeout' for those still running after secs.
sub background_get {
    my ($path, %o) = @_;
    my $dir = PolicyTest::t_path('logs');
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $st = status_of($path, %o, timeout => $o{timeout} || 60);
        PolicyTest::Setup::write_file("$dir/bg.$$", $st);
        POSIX::_exit(0);
    }
    return $pid;
}

# flood_get(PATH, N, user => NAME): N requests on N connections opened
# one after another (what a client that keeps trying does), in a child
# process; collect_background gives their statuses in one string.
sub flood_get {
    my ($path, $n, %o) = @_;
    my $dir = PolicyTest::t_path('logs');
    my $hostport = Apache::TestRequest::hostport();
    my $auth = defined $o{user}
        ? 'Authorization: Basic ' . MIME::Base64::encode_base64(
              "$o{user}:$PolicyTest::Setup::PASSWORD", '') . "\r\n"
        : '';
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my @socks;
        for (1 .. $n) {
            my $s = IO::Socket::INET->new(PeerAddr => $hostport,
                                          Timeout => 5) or next;
            print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n$auth\r\n";
            push @socks, $s;
            sleep 0.05;
        }
        my @st;
        my $end = time + PolicyTest::scaled($o{timeout} || 60);
        for my $s (@socks) {
            my $left = $end - time;
            my $line = '';
            if ($left > 0) {
                my $rin = '';
                vec($rin, fileno($s), 1) = 1;
                $line = <$s> // '' if select(my $rout = $rin, undef, undef,
                                             $left) > 0;
            }
            push @st, $line =~ m{^HTTP/\S+ (\d+)} ? $1 : 'timeout';
        }
        PolicyTest::Setup::write_file("$dir/bg.$$", "@st");
        POSIX::_exit(0);
    }
    return $pid;
}

sub collect_background {
    my ($pids, $secs) = @_;
    my $dir = PolicyTest::t_path('logs');
    my %left = map { $_ => 1 } @$pids;
    my $end = time + PolicyTest::scaled($secs);
    while (%left && time < $end) {
        for my $pid (keys %left) {
            delete $left{$pid} if waitpid($pid, POSIX::WNOHANG()) == $pid;
        }
        sleep 0.1 if %left;
    }
    my @out;
    for my $pid (@$pids) {
        if ($left{$pid}) {
            kill 'KILL', $pid;
            waitpid $pid, 0;
            push @out, 'timeout';
            next;
        }
        open my $fh, '<', "$dir/bg.$pid" or do { push @out, 'lost'; next };
        push @out, scalar <$fh>;
        unlink "$dir/bg.$pid";
    }
    return @out;
}

sub server_pid {
    open my $fh, '<', PolicyTest::t_path('logs/httpd.pid') or return undef;
    my $pid = <$fh>;
    chomp $pid if defined $pid;
    return $pid;
}

sub server_children {
    my $parent = shift || server_pid() or return ();
    my @pids;
    for my $f (glob "/proc/$parent/task/*/children") {
        open my $fh, '<', $f or next;
        push @pids, split ' ', (<$fh> // '');
    }
    return @pids;
}

sub status_field {
    my ($pid, $field) = @_;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    while (my $line = <$fh>) {      # not $_: rss_kb's loop aliases it to
        return $1 if $line =~ /^$field:\s+(\d+)/;     # the caller's pid
    }
    return 0;
}

# Resident memory (kB), summed over pids; peak_rss_kb: the high-water mark.
sub rss_kb      { my $t = 0; $t += status_field($_, 'VmRSS') for @_; $t }
sub peak_rss_kb { my $t = 0; $t += status_field($_, 'VmHWM') for @_; $t }

sub runtime_dir {
    open my $fh, '<', PolicyTest::t_path('conf/httpd.conf') or die $!;
    while (<$fh>) {
        return $1 if /^\s*DefaultRun[Tt]imeDir\s+"?([^"\s]+)/;
    }
    return PolicyTest::t_path('logs');
}

# Files under a runtime directory other than the logs and the pid file:
# what the module (or anyone) left there.
sub runtime_leftovers {
    my ($dir) = @_;
    $dir ||= runtime_dir();
    my @found;
    File::Find::find({ no_chdir => 1, wanted => sub {
        return if $_ eq $dir;
        my $name = substr $_, length($dir) + 1;
        return if -d $_ && !-l $_;
        # mod_cgid's socket (t/report_authn.t's CGI) is the daemon's;
        # make test-valgrind's memcheck logs are its own
        return if $name =~ /^[^\/]*_log$/ || $name eq 'httpd.pid'
                  || $name =~ /^bg\.\d+$/ || $name =~ /^cgisock\.\d+$/
                  || $name =~ /^valgrind\.\d+$/;
        push @found, $name;
    } }, $dir);
    return sort @found;
}

# Where the module used to keep the image of a data file:
# RUNTIME/authz_policy/<FNV-1a 64 of "KIND\nPATH">, plus .img, .lock, .bad.
sub old_image_base {
    my ($kind, $path) = @_;
    my $h;
    {
        use integer;
        $h = 1469598103934665603;
        for (unpack 'C*', "$kind\n$path") {
            $h ^= $_;
            $h *= 1099511628211;
        }
    }
    return runtime_dir() . sprintf('/authz_policy/%016x', $h);
}

# Files that user NAME can read under the directories given (recursively)
# whose content holds marker.
sub readable_files_containing {
    my ($name, $marker, @dirs) = @_;
    my $out = as_user($name, sub {
        my @hits;
        local $SIG{__WARN__} = sub { };
        File::Find::find({ no_chdir => 1, wanted => sub {
            return unless -f $_ && -r _ && -s _ < 64 * 1024 * 1024;
            open my $fh, '<', $_ or return;
            local $/;
            my $s = <$fh>;
            push @hits, $File::Find::name
                if defined $s && index($s, $marker) >= 0;
        } }, grep { -d } @dirs);
        join "\n", @hits;
    });
    return grep { length } split /\n/, $out;
}

# signal_restart(SIGNAL): sends the parent SIGNAL (USR1: graceful, HUP)
# and waits until it says it is serving again or has gone.  Returns
# (alive, what the error log gained).
sub signal_restart {
    my ($sig) = @_;
    my $pid = server_pid() or die "no server pid\n";
    my $size = PolicyTest::error_log_size();
    kill $sig, $pid or die "kill $sig $pid: $!";
    my $alive = 1;
    PolicyTest::wait_for(30, sub {
        $alive = kill 0, $pid;
        !$alive || PolicyTest::error_log_since($size)
                   =~ /resuming normal operations/ });
    sleep 0.5;
    $alive = kill 0, $pid;
    return ($alive, PolicyTest::error_log_since($size));
}

# Error log lines matching re, counted by server process.
sub error_lines_by_pid {
    my ($text, $re) = @_;
    my %n;
    for (split /\n/, $text) {
        next unless /$re/;
        my ($pid) = /\[pid (\d+)/;
        $n{$pid // '?'}++;
    }
    return \%n;
}

1;
