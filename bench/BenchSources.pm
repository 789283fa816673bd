package BenchSources;
# The directory and the cache behind the bench's ldap-warm and redis-hit
# scenarios: an slapd started as t/ldap.t starts its own
# (PolicyTest::Slapd), and a redis-server keeping nothing on disk (as
# t/fleet_redis.t runs it), both under bench/out on loopback ports.
# Whatever started them stops them when it ends, also on a failure or an
# interrupt; a fork of that process (bench.pl's .htaccess clients) does not.
use strict;
use warnings;
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);
use PolicyTest::Setup ();
use PolicyTest::Slapd ();

our $SUFFIX = 'dc=bench,dc=com';
our $ROOTPW = $PolicyTest::Slapd::ROOTPW;

my $owner = $$;
my ($slapd_dir, $redis_pid);

# Ends the process on an interrupt or a broken connection too, so that
# END below runs.
sub exit_on_signals {
    $SIG{$_} ||= sub { exit 130 } for qw(INT TERM HUP PIPE);
}

# The people's URL, for AuthzPolicyAttribute role ldap.
sub ldap_url { "ldap://127.0.0.1:$_[0]/ou=people,$SUFFIX?uid?sub" }

# slapd on 127.0.0.1:PORT with its files in DIR: USER in the group named
# ROLE (groupOfNames, memberOf kept by the overlay), a few other people
# and groups beside them.
sub start_slapd {
    my (%o) = @_;
    exit_on_signals();
    $PolicyTest::Slapd::DIR = $slapd_dir = $o{dir};
    $ENV{AUTHZ_POLICY_LDAP_PORT} = $o{port};
    PolicyTest::Slapd::stop();          # one a killed run left behind
    remove_tree($o{dir});
    make_path($o{dir});
    PolicyTest::Setup::write_file("$o{dir}/slapd.conf",
        PolicyTest::Slapd::preamble() . PolicyTest::Slapd::database($SUFFIX, 1));
    PolicyTest::Slapd::start();
    my @people = ($o{user}, map { sprintf 'u%07d', $_ } 0 .. 9);
    my $text = "dn: $SUFFIX\nobjectClass: dcObject\nobjectClass: organization\n"
             . "o: bench\ndc: bench\n\n"
             . "dn: ou=people,$SUFFIX\nobjectClass: organizationalUnit\nou: people\n\n"
             . "dn: ou=groups,$SUFFIX\nobjectClass: organizationalUnit\nou: groups\n\n";
    $text .= "dn: uid=$_,ou=people,$SUFFIX\nobjectClass: inetOrgPerson\n"
           . "uid: $_\ncn: $_\nsn: $_\n\n" for @people;
    for my $group ($o{role}, 'viewer', 'support') {
        my @members = $group eq $o{role} ? ($o{user}) : @people[1 .. 5];
        $text .= "dn: cn=$group,ou=groups,$SUFFIX\nobjectClass: groupOfNames\n"
               . "cn: $group\n"
               . join('', map { "member: uid=$_,ou=people,$SUFFIX\n" } @members)
               . "\n";
    }
    PolicyTest::Setup::write_file("$o{dir}/data.ldif", $text);
    system("ldapadd -x -H ldap://127.0.0.1:$o{port} -D 'cn=admin,$SUFFIX'"
           . " -w $ROOTPW -f $o{dir}/data.ldif >$o{dir}/ldapadd.log 2>&1") == 0
        or die "ldapadd failed: see $o{dir}/ldapadd.log\n";
}

# redis-server on 127.0.0.1:PORT, its log in DIR, nothing saved.
sub start_redis {
    my (%o) = @_;
    exit_on_signals();
    make_path($o{dir});
    stop_leftover_redis("$o{dir}/redis.pid", $o{port});
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        chdir $o{dir} or POSIX::_exit(1);
        exec '/usr/bin/redis-server', '--bind', '127.0.0.1', '--port', $o{port},
            '--save', '', '--appendonly', 'no', '--daemonize', 'no',
            '--dir', '.', '--logfile', 'redis.log'
            or POSIX::_exit(1);
    }
    $redis_pid = $pid;
    PolicyTest::Setup::write_file("$o{dir}/redis.pid", "$pid\n");
    my $end = time + 20;
    until (redis_answers($o{port})) {
        die "redis-server does not answer on port $o{port}: see $o{dir}/redis.log\n"
            if time > $end || waitpid($pid, POSIX::WNOHANG()) == $pid;
        sleep 0.1;
    }
}

sub redis_answers {
    my $sock = IO::Socket::INET->new("127.0.0.1:$_[0]") or return 0;
    print $sock "PING\r\n";
    my $line = <$sock> // '';
    return $line =~ /^\+PONG/;
}

# A redis-server an earlier run started and could not stop (killed):
# only if its pid is still that redis-server on that port.
sub stop_leftover_redis {
    my ($pidfile, $port) = @_;
    open my $fh, '<', $pidfile or return;
    my ($pid) = (<$fh> // '') =~ /^(\d+)/ or return;
    open my $cmd, '<', "/proc/$pid/cmdline" or return;
    my $line = join ' ', split /\0/, <$cmd> // '';
    return unless $line =~ /redis-server/ && $line =~ /:$port\b/;
    kill 'TERM', $pid;
    sleep 0.1 while kill 0, $pid;
}

sub stop_all {
    return unless $$ == $owner;
    if ($redis_pid) {
        kill 'TERM', $redis_pid;
        waitpid $redis_pid, 0;
        undef $redis_pid;
    }
    if ($slapd_dir) {
        PolicyTest::Slapd::stop();
        undef $slapd_dir;
    }
}

END {
    my $status = $?;
    stop_all();
    $? = $status;
}

1;
