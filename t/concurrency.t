# Threads and locks (docs/design.md, "Threads, locks and atomics"), as an
# administrator sees them, under prefork and event: the locks the
# server's processes share are reachable by those processes only, so a
# customer who runs code as the server's User cannot take one and stall
# the server.  `Mutex flock:DIR default` (prefork) and `Mutex file:DIR
# default` (event, as Debian's apache2.conf has it) put httpd's own
# mutexes in DIR, given to the User; none of the module's is there, on
# disk or open (an fcntl lock file is unlinked once opened) in any of the
# server's processes, and reloads and the status page still work; each
# child of a server whose configuration names a data file has one thread
# of its own that reloads it, and a child of a server that names none has
# no such thread (prefork: the child's one thread).
# A server of its own on POLICY_TEST_PORT + 95.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting qw(server_children);
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use Cwd qw(realpath);
use IO::Socket::INET;
use JSON::PP ();
use MIME::Base64 ();

plan tests => 17;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 95;     # away from the suite
my $T = t_path('');
my $so = $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so";
my $json = JSON::PP->new;
my $dir;
sub stop { stop_server("$dir/httpd.pid") if $dir }
END { stop() }

sub get {
    my ($path, $user) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 30) or return ('', '');
    my $auth = $user ? 'Authorization: Basic ' . MIME::Base64::encode_base64(
        "$user:$PolicyTest::Setup::PASSWORD", '') . "\r\n" : '';
    print $sock "GET $path HTTP/1.0\r\n$auth\r\n";
    local $/;
    my $answer = <$sock> // '';
    my ($code) = $answer =~ m{^HTTP/\S+ (\d+)};
    my ($body) = $answer =~ /\r\n\r\n(.*)/s;
    return ($code // '', $body // '');
}

sub server_pid {
    open my $fh, '<', "$dir/httpd.pid" or return undef;
    my ($pid) = (<$fh> // '') =~ /^(\d+)/;
    return $pid;
}

# The number of threads of each of the server's children.
sub child_threads {
    my @kids = server_children(server_pid());
    return map { my @t = glob "/proc/$_/task/*"; scalar @t } @kids;
}

# The module's lock files in $dir/locks, and the files of that name any of
# the server's processes holds open (an fcntl lock's is unlinked at once),
# or an APR lock file made without a name (/tmp/aprXXXXXX: none of
# httpd's in this configuration is).
sub module_locks {
    my @found = grep { /authz-policy/ } map { s{.*/}{}r } glob "$dir/locks/*";
    my $locks = realpath("$dir/locks");
    for my $pid (grep { defined } server_pid(), server_children(server_pid())) {
        for my $fd (glob "/proc/$pid/fd/*") {
            my $to = readlink($fd) // next;
            push @found, "$pid: $to"
                if $to =~ m{^\Q$locks\E/[^/]*authz-policy|^/tmp/apr\w{6}\b};
        }
    }
    return @found;
}

# one child
my %processes = (
    prefork => "StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\n"
               . "ServerLimit 1\nMaxRequestWorkers 1\n",
    event   => "StartServers 1\nServerLimit 1\nThreadsPerChild 4\n"
               . "MinSpareThreads 1\nMaxSpareThreads 4\nMaxRequestWorkers 4\n",
);

sub start {
    my ($mpm, $conf) = @_;
    make_path("$dir/htdocs/p", "$dir/locks");
    write_file("$dir/htdocs/p/index.html", "ok\n");
    write_file("$dir/httpd.conf", PolicyTest::Setup::standalone_conf(
        root => $dir, listen => "127.0.0.1:$port", so => $so, mpm => $mpm,
        modules => [qw(authn_core authn_file auth_basic authz_core
                       authz_user dir socache_shmcb)]) . <<"CONF" . $conf);
DocumentRoot "$dir/htdocs"
KeepAlive Off
# shmcb is not safe across processes: the module locks it (a third lock)
AuthzPolicyCache 60 shmcb
$processes{$mpm}<Location /status>
    SetHandler authz-policy-status
</Location>
CONF
    system('chmod', '-R', 'a+rX', $dir);
    my $ok = system($ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2',
                    '-f', "$dir/httpd.conf", '-k', 'start') == 0
             && wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$port") });
    diag `tail -n 5 $dir/error_log` unless $ok;
    return $ok;
}

# a new version by rename, as an administrator should (believed at once)
sub replace {
    my ($path, $text) = @_;
    write_file("$path.new", $text);
    chmod 0644, "$path.new";
    rename "$path.new", $path or die "$path: $!";
}

sub status_file {
    my ($code, $body) = get('/status?format=json');
    return undef unless $code eq '200';
    my ($f) = grep { $_->{file} =~ m{/users\.txt$} }
              @{ $json->decode($body)->{datafiles} };
    return $f;
}

# the mechanism Debian's apache2.conf gives every mutex not named
# otherwise, and flock
my %mutex = (prefork => 'flock', event => 'file');
# prefork makes its accept mutex where it has two listeners
my %second = (prefork => "Listen [::1]:$port\n", event => '');

for my $mpm (qw(prefork event)) {
    $dir = var_path("concurrency-$mpm");
    my $users = "$dir/users.txt";
    stop();
    remove_tree($dir);
    make_path($dir);
    write_file($users, "bob role=admin\n");
    chmod 0644, $users;
    ok start($mpm, <<"CONF"), "$mpm: started with Mutex $mutex{$mpm}:DIR default";
Mutex $mutex{$mpm}:$dir/locks default
$second{$mpm}<Location /p/>
    AuthType Basic
    AuthName "concurrency"
    AuthBasicProvider file
    AuthUserFile "$T/var/htpasswd"
    AuthzPolicyUserFile "$users"
    Require role admin
</Location>
CONF
    # (httpd listens from its first configuration pass: the second makes
    # the mutexes, before any child answers)
    wait_for(10, sub { (get('/p/', 'bob'))[0] });
    if ($mpm eq 'prefork') {
        # httpd's own accept mutex: Mutex's directory is where mutexes go
        ok wait_for(10, sub { grep { /mpm-accept/ } glob "$dir/locks/*" }),
            "$mpm: httpd's own mutex has its lock file in Mutex's directory";
    }
    is join(', ', module_locks()), '',
        "$mpm: none of the module's locks is a file the server's User can open";
    is((get('/p/', 'bob'))[0], '200', "$mpm: bob is an admin");
    if ($mpm eq 'prefork') {
        is join(' ', child_threads()), '2',
            "$mpm: the child has a thread of its own beside the one that answers";
    }
    # a version that does not load: its error on the status page (under
    # the metrics' lock, from the child's reloading thread)
    my $before = wait_for(10, \&status_file);
    replace($users, "bob role=admin\nbob role=viewer\n");
    my $f = wait_for(20, sub { my $f = status_file();
        $f && $f->{reloads_error} > $before->{reloads_error} ? $f : undef });
    like $f && $f->{last_error}, qr/duplicate user/,
        "$mpm: a broken version's error, on the status page";
    # bob's role taken away: every process reloads it (the notes' lock)
    replace($users, "bob role=viewer\n");
    ok settles(sub { (get('/p/', 'bob'))[0] || 0 }, 403, 20),
        "$mpm: a version that takes bob's role away is in force";
    is join(', ', module_locks()), '',
        "$mpm: after the reloads, still no lock file of the module";
    stop();
}

# no data file in the configuration: no thread that would watch one
$dir = var_path('concurrency-none');
stop();
remove_tree($dir);
ok start('prefork', <<"CONF"), 'prefork, no data file: started';
<Location /p/>
    AuthType Basic
    AuthName "concurrency"
    AuthBasicProvider file
    AuthUserFile "$T/var/htpasswd"
    Require valid-user
</Location>
CONF
is((get('/p/', 'bob'))[0], '200', 'prefork, no data file: bob is let in');
is join(' ', child_threads()), '1',
    'prefork, no data file: the child has no thread besides the one that answers';
stop();
