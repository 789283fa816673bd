# One site's cached answers are never another's (SPEC section 9).  Two
# virtual hosts, each with its own SQLite database (DBDParams) and the same
# query for roles, share a cache: mallory is an admin in site A's database
# only, alice in site B's only, and each is an admin on their own site and
# nowhere else, whoever asked first.  Answers fetched for a user whose
# password was never checked are not kept: the look-ahead of a hidden area
# (a Basic client's claimed user) and an explained look-up store nothing,
# so a role given afterwards counts at once.
#
# A server of its own (POLICY_TEST_PORT + 56, one process), started once
# per cache: shmcb in the main server; Redis (+ 57) in the main server,
# with each process's memo; memcached (+ 58) named alike in each virtual
# host, without a memo.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use Digest::SHA ();
use IO::Socket::INET;
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use POSIX ();

my $base = ($ENV{POLICY_TEST_PORT} || 8529) + 56;     # away from the suite
our $port = $base;
my ($port_redis, $port_memcached, $port_other) = ($base + 1, $base + 2, $base + 3);
my $dir = var_path('cache-vhosts');
my $run = "$dir/run";
my $T = t_path('');

my %installed = (
    'redis-server (Debian package redis-server)' => -x '/usr/bin/redis-server',
    'memcached (Debian package memcached)' => -x '/usr/bin/memcached',
    map { ("mod_$_ (Debian package apache2)"
           => -e "/usr/lib/apache2/modules/mod_$_.so") }
        qw(socache_redis socache_memcache),
);
my @missing = grep { !$installed{$_} } sort keys %installed;
if (@missing) {          # a missing dependency fails, naming it
    plan tests => scalar @missing;
    ok 0, "installed: $_" for @missing;
    exit 0;
}

my @rounds = (
    { name => 'shmcb in the main server',
      main => 'AuthzPolicyCache 60 shmcb', vhost => '' },
    { name => 'Redis in the main server, with the memo',
      main => "AuthzPolicyCache 60 redis:127.0.0.1:$port_redis\n"
              . 'AuthzPolicyCacheMemo 64', vhost => '' },
    { name => 'memcached named alike in each virtual host',
      main => '', vhost => "AuthzPolicyCache 60 memcache:127.0.0.1:$port_memcached\n"
                           . '    AuthzPolicyCacheMemo 0' },
);
plan tests => 9 * @rounds + 4;

my @started;
sub stop { stop_server("$_/httpd.pid") for $run, "$dir/run-other" }
END {
    my $status = $?;
    stop();
    kill 'TERM', @started if @started;
    $? = $status;
}
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/db", "$dir/cache", "$dir/htdocs/admin",
          "$dir/htdocs/hidden");
PolicyTest::write_file("$dir/htdocs/$_/index.html", "$_\n") for qw(admin hidden);
my $sha = Digest::SHA::sha1_base64($PolicyTest::Setup::PASSWORD) . '=';
PolicyTest::write_file("$dir/htpasswd",
                       join '', map { "$_:{SHA}$sha\n" } qw(alice mallory carol dave));
system('chown', 'nobody', "$dir/cache");
system('chmod', '-R', 'a+rX', $dir);

# the networked caches on loopback, as nobody, keeping nothing on disk
for my $command (
    ['/usr/bin/redis-server', '--bind', '127.0.0.1', '--port', $port_redis,
     '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', '.',
     '--logfile', 'redis.log'],
    ['/usr/bin/memcached', '-l', '127.0.0.1', '-p', $port_memcached, '-U', '0',
     '-m', '16']) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my ($uid, $gid) = (getpwnam 'nobody')[2, 3];
        POSIX::setgid($gid) && POSIX::setuid($uid) or POSIX::_exit(1);
        chdir "$dir/cache";
        exec(@$command) or POSIX::_exit(1);
    }
    push @started, $pid;
}
for my $p ($port_redis, $port_memcached) {
    wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$p") })
        or die "nothing answers on port $p\n";
}

# Each site's own database: the same table, other admins.
sub databases {
    for my $site (qw(a b)) {
        unlink "$dir/db/$site.sqlite";
        PolicyTest::Setup::sqlite("CREATE TABLE roles (user TEXT, role TEXT);
            INSERT INTO roles VALUES ('" . ($site eq 'a' ? 'mallory' : 'alice')
            . "', 'admin');", "cache-vhosts/db/$site.sqlite");
    }
}

# Starts a server of this test's: its root, port and configuration.
sub start_server {
    my ($root, $listen, $conf) = @_;
    make_path($root);
    PolicyTest::write_file("$root/httpd.conf", PolicyTest::Setup::standalone_conf(
        root => $root, listen => "127.0.0.1:$listen",
        so => $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so",
        log_level => 'warn authz_policy:debug',
        modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                       dbd socache_shmcb socache_redis socache_memcache
                       dir mime)]) . <<"CONF" . $conf);
DocumentRoot "$dir/htdocs"
TypesConfig /etc/mime.types
StartServers 1
ServerLimit 1
MaxRequestWorkers 25
DBDMin 0
DBDKeep 2
DBDMax 4
CONF
    system($ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2',
           '-f', "$root/httpd.conf", '-k', 'start') == 0
        or die "apache2 did not start\n";
    wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$listen") })
        or die "apache2 does not answer on $listen\n";
}

# An area of a site's that needs the role admin from the site's database.
sub area {
    my ($path, $site, $more) = @_;
    return <<"AREA";
    <Location $path>
        AuthType Basic
        AuthName "site $site"
        AuthBasicProvider file
        AuthUserFile "$dir/htpasswd"
        AuthzPolicyAttribute role dbd "SELECT role FROM roles WHERE user = %s"
        Require role admin
        $more
    </Location>
AREA
}

sub start {
    my ($round) = @_;
    my $sites = join '', map { <<"SITE" } qw(a b);
<VirtualHost 127.0.0.1:$port>
    ServerName $_.test
    DBDriver sqlite3
    DBDParams "$dir/db/$_.sqlite"
    $round->{vhost}
@{[ area('/admin', $_, '') . area('/hidden', $_, 'AuthzPolicyDenyStatus 404') ]}
    <Location /explain>
        SetHandler authz-policy-explain
    </Location>
</VirtualHost>
SITE
    start_server($run, $port, "$round->{main}\n$sites");
}

# (status, body) of a GET to a site, as user:password if given.
sub get {
    my ($site, $path, $user, $password) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 30) or return ('no answer', '');
    my $auth = defined $user
        ? 'Authorization: Basic '
          . encode_base64("$user:" . ($password // $PolicyTest::Setup::PASSWORD), '')
          . "\r\n"
        : '';
    print $sock "GET $path HTTP/1.0\r\nHost: $site.test\r\n$auth\r\n";
    local $/;
    my $answer = <$sock> // '';
    my ($code) = $answer =~ m{^HTTP/\S+ (\d+)};
    my ($body) = $answer =~ /\r\n\r\n(.*)/s;
    return ($code // 'no answer', $body // '');
}
sub code { (get(@_))[0] }
sub code_at { local $port = shift; code(@_) }

for my $round (@rounds) {
    my $r = $round->{name};
    stop();
    databases();
    start($round);

    # each site's admin, asked first on their own site, then on the other
    is code('a', '/admin/index.html', 'mallory'), 200,
        "$r: mallory, admin in A's database, on A: 200";
    is code('b', '/admin/index.html', 'mallory'), 403,
        "$r: ... on B, whose database does not make her admin: 403";
    # the other way round: a user is asked first where she holds nothing
    is code('a', '/admin/index.html', 'alice'), 403,
        "$r: alice on A, where she is no admin: 403";
    is code('b', '/admin/index.html', 'alice'), 200,
        "$r: ... on B, where she is: 200";

    # the look-ahead of a hidden area: carol claimed with a wrong password
    is code('a', '/hidden/index.html', 'carol', 'nopassword'), 404,
        "$r: carol, no admin, with a wrong password in a hidden area: 404";
    PolicyTest::Setup::sqlite("INSERT INTO roles VALUES ('carol', 'admin');",
                              'cache-vhosts/db/a.sqlite');
    is code('a', '/hidden/index.html', 'carol'), 200,
        "$r: ... made admin, with her password: 200 (nothing was kept "
        . "for the unchecked name)";

    # an explained look-up: dave is explained, then made admin
    my ($status, $body) = get('a', '/explain?uri=/admin/index.html&user=dave&ip=127.0.0.1');
    my $doc = eval { JSON::PP->new->decode($body) } || {};
    is "$status " . ($doc->{decision} // "none"), '200 deny',
        "$r: dave, no admin, explained: deny";
    PolicyTest::Setup::sqlite("INSERT INTO roles VALUES ('dave', 'admin');",
                              'cache-vhosts/db/a.sqlite');
    is code('a', '/admin/index.html', 'dave'), 200,
        "$r: ... made admin: 200 (the explained look-up kept nothing)";

    # and the cache is used: a row removed counts only after the lifetime
    PolicyTest::Setup::sqlite("DELETE FROM roles WHERE user = 'mallory';",
                              'cache-vhosts/db/a.sqlite');
    is code('a', '/admin/index.html', 'mallory'), 200,
        "$r: mallory's row removed from A: her answer, kept 60 s, still grants";
}

# Two servers that share Redis, with the same site from the same file, its
# database named by a variable each defines: a fleet whose servers have
# other databases.  The site's name, port and section are the same: only
# its DBDParams keep their answers apart.
stop();
databases();
PolicyTest::write_file("$dir/site.conf", <<"SITE");
<VirtualHost *>
    ServerName shared.test
    DBDriver sqlite3
    DBDParams "\${CACHE_VHOSTS_DB}"
    AuthzPolicyCache 60 redis:127.0.0.1:$port_redis
    AuthzPolicyCacheMemo 0
@{[ area('/admin', 'shared', '') ]}
</VirtualHost>
SITE
start_server($run, $port, "Define CACHE_VHOSTS_DB $dir/db/a.sqlite\n"
                          . "Include $dir/site.conf\n");
start_server("$dir/run-other", $port_other,
             "Define CACHE_VHOSTS_DB $dir/db/b.sqlite\n"
             . "Include $dir/site.conf\n");
is code_at($port, 'shared', '/admin/index.html', 'mallory'), 200,
    'one site, two databases: mallory on the server whose database makes her admin: 200';
is code_at($port_other, 'shared', '/admin/index.html', 'mallory'), 403,
    '... on the other server: 403';
is code_at($port, 'shared', '/admin/index.html', 'alice'), 403,
    'alice, asked first where she is no admin: 403';
is code_at($port_other, 'shared', '/admin/index.html', 'alice'), 200,
    '... on the server whose database makes her admin: 200';
