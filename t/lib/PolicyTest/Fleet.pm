# A fleet: two Apache servers reading roles from one PostgreSQL database
# (through mod_dbd) and keeping answers in one shared cache, memcached
# (t/fleet.t) or Redis (t/fleet_redis.t).  A role removed in the database
# stops granting on both within the cache lifetime, one server answers from
# what the other cached, and a database that goes down fails closed (500)
# and is used again when back.  Each process of A also keeps a memo of the
# cache (AuthzPolicyCacheMemo, B has none): every area still judges the
# memo's answers by its own lifetime (3 s, 60 s, 0).
#
# run(cache => NAME) starts its own PostgreSQL cluster (unix socket only),
# the cache (loopback, as nobody, keeping nothing on disk) and the two
# servers, and stops them all when the test ends.
package PolicyTest::Fleet;
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use PolicyTest;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(sleep time);

my %caches = (
    memcache => {
        name => 'memcached', provider => 'memcache',
        module => 'socache_memcache',
        installed => {
            'memcached (Debian package memcached)' => -x '/usr/bin/memcached',
            'mod_socache_memcache (Debian package apache2)'
                => -e '/usr/lib/apache2/modules/mod_socache_memcache.so',
        },
        command => sub {
            ('/usr/bin/memcached', '-l', '127.0.0.1', '-p', $_[0], '-U', '0',
             '-m', '16');
        },
        flush => ["flush_all\r\n", qr/^OK/],
        store => sub { "set $_[0] 0 60 " . length($_[1]) . "\r\n$_[1]\r\n" },
        stored => qr/^STORED/,
    },
    redis => {
        name => 'Redis', provider => 'redis', module => 'socache_redis',
        installed => {
            'redis-server (Debian package redis-server)'
                => -x '/usr/bin/redis-server',
            'mod_socache_redis (Debian package apache2)'
                => -e '/usr/lib/apache2/modules/mod_socache_redis.so',
        },
        # nothing saved: no RDB snapshots, no append-only file
        command => sub {
            ('/usr/bin/redis-server', '--bind', '127.0.0.1', '--port', $_[0],
             '--save', '', '--appendonly', 'no', '--daemonize', 'no',
             '--dir', '.', '--logfile', 'redis.log');
        },
        flush => ["FLUSHALL\r\n", qr/^\+OK/],
        store => sub {
            join '', "*3\r\n\$3\r\nSET\r\n",
                map { '$' . length($_) . "\r\n$_\r\n" } @_;
        },
        stored => qr/^\+OK/,
    },
);

# What the helpers below share with run (file-scoped: named subs do not
# close over a sub's variables).
my ($dir, $pgbin, $port_pg, @started);

# Stops what the test started, when it ends however it ends.
my $cleanup;
END {
    my $status = $?;
    $cleanup->() if $cleanup;
    $? = $status;
}

# run(cache => 'memcache'|'redis', dir => under t/var,
#     port_offset => from POLICY_TEST_PORT: servers, cache, PostgreSQL,
#     cache_port_offset => the cache's, if not the third)
sub run {
    my (%o) = @_;
    my $cache = $caches{$o{cache}} or die "no cache $o{cache}\n";
    ($pgbin) = sort { $b cmp $a } glob '/usr/lib/postgresql/*/bin';
    my ($pgsql_driver) = glob '/usr/lib/x86_64-linux-gnu/apr-util-1/apr_dbd_pgsql*';
    $dir = var_path($o{dir});
    @started = ();
    # A missing dependency is a failure that names it, never a skip: make
    # test installs them all (DEB_PACKAGES in the Makefile).
    my %installed = (
        'PostgreSQL (Debian package postgresql)' => $pgbin && -x "$pgbin/postgres",
        %{ $cache->{installed} },
        'the pgsql DBD driver (Debian package libaprutil1-dbd-pgsql)' => $pgsql_driver,
    );
    my @missing = grep { !$installed{$_} } sort keys %installed;
    if (@missing) {
        plan tests => scalar @missing;
        ok 0, "installed: $_" for @missing;
        return 0;
    }
    plan tests => 31;

    my $base = ($ENV{POLICY_TEST_PORT} || 8529) + $o{port_offset};
    my ($port_a, $port_b) = ($base, $base + 1);
    my $port_cache = defined $o{cache_port_offset}
        ? ($ENV{POLICY_TEST_PORT} || 8529) + $o{cache_port_offset} : $base + 2;
    $port_pg = $base + 3;
    sub stop_servers {
        # by pid: stopping through apache2 -k stop would parse the configuration
        for my $name (qw(a b)) {
            open my $pf, '<', "$dir/$name/httpd.pid" or next;
            chomp(my $pid = <$pf>);
            kill 'TERM', $pid if $pid;
        }
    }
    $cleanup = sub {
        stop_servers();
        kill 'TERM', @started if @started;
        pg('stop', '-m', 'immediate') if $pgbin && -e "$dir/pg/postmaster.pid";
    };
    stop_servers();                  # an earlier, interrupted run's
    sleep 1;
    remove_tree($dir);
    make_path("$dir/pg", "$dir/sock", "$dir/a", "$dir/b", "$dir/htdocs/fleet",
              "$dir/htdocs/fleet/long", "$dir/htdocs/fleet/off", "$dir/cache");
    write_file("$dir/htdocs/fleet/$_", "fleet\n")
        for qw(index.html long/index.html off/index.html);
    system('chown', '-R', 'postgres', "$dir/pg", "$dir/sock");
    system('chown', 'nobody', "$dir/cache");
    chmod 0777, "$dir/sock";

    sub as_postgres { system('runuser', '-u', 'postgres', '--', @_) }
    sub pg { as_postgres("$pgbin/pg_ctl", '-D', "$dir/pg", '-w', '-s', @_) }
    sub psql {
        my ($sql) = @_;
        as_postgres("$pgbin/psql", '-q', '-h', "$dir/sock", '-p', $port_pg,
                    '-U', 'postgres', '-d', 'postgres', '-c', $sql) == 0
            or die "psql failed: $sql\n";
    }
    sub wait_port {
        my ($port) = @_;
        for (1 .. 200) {
            return 1 if IO::Socket::INET->new("127.0.0.1:$port");
            sleep 0.05;
        }
        die "nothing answers on port $port\n";
    }

    # PostgreSQL: a private cluster, trust on its own socket, no TCP
    as_postgres("$pgbin/initdb", '-D', "$dir/pg", '-A', 'trust', '-U', 'postgres',
                '--no-sync') == 0 or die "initdb failed\n";
    pg('start', '-l', "$dir/sock/pg.log", '-o',
       "-p $port_pg -k $dir/sock -c listen_addresses=''") == 0 or die "postgres failed\n";
    psql("CREATE TABLE roles (username text, role text);
          INSERT INTO roles VALUES ('bob', 'auditor'), ('dave', 'auditor');
          GRANT SELECT ON roles TO PUBLIC;");

    # the cache on loopback, as nobody
    my $cache_pid = fork // die;
    if (!$cache_pid) {
        my ($uid, $gid) = (getpwnam 'nobody')[2, 3];
        POSIX::setgid($gid) && POSIX::setuid($uid) or POSIX::_exit(1);
        chdir "$dir/cache";
        exec($cache->{command}->($port_cache)) or POSIX::_exit(1);
    }
    push @started, $cache_pid;
    wait_port($port_cache);

    # two servers, one database, one cache
    my $T = t_path('');
    my $so = $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so";
    my $httpd = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
    for my $s (['a', $port_a, ''], ['b', $port_b, 'AuthzPolicyCacheMemo 0']) {
        my ($name, $port, $memo) = @$s;
        write_file("$dir/$name/httpd.conf", PolicyTest::Setup::standalone_conf(
            root => "$dir/$name", listen => "127.0.0.1:$port", so => $so,
            log_level => 'warn authz_policy:debug',
            modules => [qw(authn_core authn_file auth_basic authz_core dbd),
                        $cache->{module}]) . <<~"CONF");
    DocumentRoot "$dir/htdocs"
    DBDriver pgsql
    DBDParams "host=$dir/sock port=$port_pg user=postgres dbname=postgres"
    DBDMin 0
    DBDKeep 1
    DBDMax 1
    # one process with one connection: the restart test below knows which
    # connection its request uses
    StartServers 1
    ServerLimit 1
    AuthzPolicyCache 3 $cache->{provider}:127.0.0.1:$port_cache
    $memo
    <Location /fleet>
        AuthType Basic
        AuthName fleet
        AuthBasicProvider file
        AuthUserFile "$T/var/htpasswd"
        AuthzPolicyAttribute role dbd "SELECT role FROM roles WHERE username = %s"
        Require role auditor
    </Location>
    <Location /fleet/long>
        AuthzPolicyCacheTimeout 60
    </Location>
    <Location /fleet/off>
        AuthzPolicyCacheTimeout 0
    </Location>
    <Location /fleet-status>
        SetHandler authz-policy-status
    </Location>
    CONF
        system($httpd, '-f', "$dir/$name/httpd.conf", '-k', 'start') == 0
            or die "apache2 ($name) did not start\n";
        wait_port($port);
    }
    system('chmod', '-R', 'a+rX', map { "$dir/$_" } qw(a b htdocs));
    chmod 0755, $dir;

    sub get {
        my ($port, $user, $area) = @_;
        my $path = '/fleet/' . ($area ? "$area/" : '') . 'index.html';
        my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die $!;
        my $auth = encode_base64("$user:$PolicyTest::Setup::PASSWORD", '');
        print $sock "GET $path HTTP/1.0\r\nAuthorization: Basic $auth\r\n\r\n";
        my $line = <$sock>;
        return $line =~ m{^HTTP/\S+ (\d+)} ? $1 : 0;
    }
    sub log_of { local (@ARGV, $/) = "$dir/$_[0]/error_log"; <> // '' }
    # the status page's cache look-ups: "hits misses"
    sub lookups_of {
        my ($port) = @_;
        my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die $!;
        print $sock "GET /fleet-status?format=json HTTP/1.0\r\n\r\n";
        my $text = do { local $/; <$sock> } // '';
        my ($body) = $text =~ /\r\n\r\n(.*)/s;
        my $doc = eval { JSON::PP->new->decode($body) } || {};
        return join ' ', map { $doc->{cache}{$_} // '?' } qw(hit miss);
    }

    is get($port_a, 'bob'), 200, 'server A: a role from PostgreSQL';
    is get($port_a, 'carol'), 403, 'server A: a user without it';
    psql("DELETE FROM roles WHERE username = 'bob'");
    is get($port_b, 'bob'), 200,
        "server B, after the role was removed: the answer A kept in $cache->{name}";
    unlike log_of('b'), qr/querying for user bob/, '... B never asked the database';
    like log_of('b'), qr/ap:role:\w+:bob from the cache/, '... it came from the cache';
    is get($port_a, 'bob'), 200, 'server A: still within the cache lifetime';
    sleep 3.5;
    is get($port_a, 'bob'), 403, 'after the lifetime: A denies';
    is get($port_b, 'bob'), 403, '... and so does B';

    # the database goes down: fail closed, never grant
    pg('stop', '-m', 'fast');
    my $code = get($port_a, 'dave');
    is $code, 500, 'database down: 500 for a user not in the cache';
    like log_of('a'), qr/AuthzPolicyAttribute dbd: (no database connection|query failed)/,
        '... with a log line';
    pg('start', '-l', "$dir/sock/pg.log", '-o',
       "-p $port_pg -k $dir/sock -c listen_addresses=''") == 0 or die;
    my $back = wait_for(15, sub { get($port_a, 'dave') == 200 });
    ok $back, 'database back: the server recovers by itself';
    is get($port_b, 'dave'), 200, '... on both servers';
    is get($port_b, 'carol'), 403, '... and still denies the others';

    # A's memo: filled when A stores an answer (erin) and when it reads one
    # B stored (frank); B keeps none
    psql("INSERT INTO roles VALUES ('erin', 'auditor'), ('frank', 'auditor')");
    is get($port_a, 'erin', 'long'), 200, 'memo: A stores erin\'s role';
    is get($port_b, 'frank', 'long'), 200, '... B stores frank\'s';
    my $size = length log_of('a');
    is get($port_a, 'frank', 'long'), 200, '... A reads frank\'s';
    like substr(log_of('a'), $size), qr/frank from the cache$/m,
        '... from the shared cache';
    psql("DELETE FROM roles WHERE username IN ('erin', 'frank')");
    flush_cache($cache->{flush}, $port_cache);
    # within the 60 s area's lifetime: the old answers, from the memo
    $size = length log_of('a');
    my ($hits, $misses) = split ' ', lookups_of($port_a);
    is get($port_a, 'erin', 'long'), 200,
        'the cache emptied, the rows gone: A still grants erin within 60 s';
    is get($port_a, 'frank', 'long'), 200, '... and frank';
    like substr(log_of('a'), $size),
        qr/erin from the cache \(this process's memo\)$/m, '... from its memo';
    is lookups_of($port_a), ($hits + 2) . " $misses",
        '... counted as two cache hits, no miss, on the status page';
    is get($port_b, 'frank', 'long'), 403,
        'B, with AuthzPolicyCacheMemo 0, keeps no copy of what it stored: '
        . 'the database';
    is get($port_a, 'frank', 'off'), 403,
        'A, in an area with lifetime 0: the database, not the memo';
    # the 3 s area refuses the memo's copies once they are 3 s old (the
    # poll is bounded; the copies stay younger than the 60 s area's)
    ok wait_for(20, sub { get($port_a, 'frank') == 403 }),
        'A, in the 3 s area: the database once its copy of frank is 3 s old';
    is get($port_a, 'frank', 'long'), 403,
        '... and the 60 s area then gets the newer answer stored';

    # restarted while idle: the pooled connection comes back without its
    # prepared statements (mod_dbd does not prepare them again).  In the
    # area with lifetime 0, so that every request asks the database.
    is get($port_a, 'dave', 'off'), 200, 'a connection in use';
    pg('restart', '-m', 'fast', '-l', "$dir/sock/pg.log", '-o',
       "-p $port_pg -k $dir/sock -c listen_addresses=''") == 0 or die;
    $size = length log_of('a');
    is get($port_a, 'dave', 'off'), 200,
        'restarted while idle: the next request prepares its query again';
    is join(' ', map { get($port_a, 'dave', 'off') } 1 .. 3), '200 200 200',
        '... and the requests after it use that statement';
    my @again = substr(log_of('a'), $size) =~ /query prepared again/g;
    is scalar(@again), 1, '... prepared again once, not on every request';

    # An answer stamped by a server whose clock is ahead: its age cannot be
    # judged, and a memo would keep it for as long as the clocks differ.
    # Written into the cache as a server stores it (mod_socache keys are
    # the namespace and the key in hex); the first, stamped now, shows
    # that B reads what is written so.
    my ($prefix) = log_of('b') =~ /(ap:role:\w+:)bob from the cache/;
    my $key = 'authz_policy:' . unpack('H*', $prefix . 'carol');
    store_in_cache($cache, $port_cache, $key,
                   sprintf("t%d\nauditor\n", time * 1e6));
    is get($port_b, 'carol'), 200,
        'an answer written into the cache now: B uses it';
    store_in_cache($cache, $port_cache, $key,
                   sprintf("t%d\nauditor\n", (time + 300) * 1e6));
    is get($port_b, 'carol'), 403,
        'stamped 300 s ahead of B\'s clock: not an answer, the database is asked';
    return 1;
}

# Writes data under key into the cache server, as mod_socache would.
sub store_in_cache {
    my ($cache, $port, $key, $data) = @_;
    my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die $!;
    print $sock $cache->{store}->($key, $data);
    my $reply = <$sock> // '';
    $reply =~ $cache->{stored} or die "storing in the cache: $reply\n";
}

# Empties the cache server.
sub flush_cache {
    my ($flush, $port) = @_;
    my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die $!;
    print $sock $flush->[0];
    my $reply = <$sock> // '';
    $reply =~ $flush->[1] or die "flushing the cache: $reply\n";
}

1;
