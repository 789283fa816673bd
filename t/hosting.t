# Shared hosting (docs/shared-hosting.md): which data files a customer's .htaccess
# may name, what leaks from the files it names, and what one customer's
# files cost the others.  Customers azp-tenant-a (A) and azp-tenant-b (B)
# own var/hosting/a and var/hosting/b (PolicyTest::Setup::prepare_hosting);
# /ha and /hb serve their public_html, with AllowOverride AuthConfig.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use IO::Socket::UNIX ();
use POSIX ();
use Time::HiRes qw(sleep);

plan tests => 57;

my ($TA, $TB) = @PolicyTest::Setup::TENANTS;
my $A  = hosting_path('a');
my $B  = hosting_path('b');
my $B_SECRET = $PolicyTest::Setup::B_SECRET;
my $ADMIN_SECRET = $PolicyTest::Setup::ADMIN_SECRET;
sub bob { status_of($_[0], user => 'bob', @_[1 .. $#_]) }

# A refused file: 500, and a log line that names the .htaccess, the file
# and why.
sub refused {
    my ($area, $file, $why, %o) = @_;
    my $size = error_log_size();
    my $status = bob("/ha/$area/", %o);
    my $log = error_log_since($size);
    my $htaccess = quotemeta "$A/public_html/$area/.htaccess";
    my $path = ref $file ? $file : quotemeta $file;
    my ($line) = grep { /$htaccess/ && /$path/ && /$why/ } split /\n/, $log;
    return ($status, $line, $log);
}

# --- Which files an .htaccess may name -----------------------------------

is bob('/ha/basic/'), 200, "owner: A's .htaccess names A's own file: 200";

my ($st, $line) = refused('other', "$B/data/users.txt", qr/owner/i);
is $st, 500, "owner: A's .htaccess names B's file: 500";
ok $line, '... the log names the .htaccess, the file and why';

# refused unread: this one (world-readable) would be logged as not parsing
my $log;
($st, $line, $log) = refused('broken', "$B/data/broken.txt", qr/owner/i);
is $st, 500, "owner: B's file that does not parse, named by A: 500";
unlike $log, qr/broken\.txt.*line 1/, '... and it was not read';

# (the log may name the link or where it leads)
($st, $line) = refused('link',
                       qr/\Q$A\E\/data\/link-to-b|\Q$B\E\/data\/users\.txt/,
                       qr/owner/i);
is $st, 500, 'owner: through a symlink A owns to B\'s file: 500';
ok $line, '... logged';

# A's .htaccess a symlink to B's own .htaccess: its directives (B's users
# file) would come with B as their owner; httpd follows the link whatever
# Options say
($st, $line) = refused('htlink', "$B/data/users.txt", qr/symbolic link/);
is $st, 500, "A's .htaccess a symlink to B's .htaccess: 500, not B's users";
ok $line, '... logged, naming the .htaccess, the file and why';

($st, $line) = refused('shared', hosting_path('shared-data/users.txt'),
                       qr/owner/i);
is $st, 500, "owner: a root-owned file named by A's .htaccess: 500";

is bob('/hb/own/'), 200, "owner: B's .htaccess names B's own file: 200";

# 'any': Apache's rule for AuthGroupFile (whatever the server can read)
is bob('/ha/other/', vhost => 'policy_any'), 200,
    "any: A's .htaccess may name B's file";
is bob('/ha/basic/', vhost => 'policy_any'), 200, "any: and A's own";

# DIR: the file (symlinks followed) lies inside a listed directory
is bob('/ha/shared/', vhost => 'policy_dirs'), 200,
    'DIR: a file inside the listed directory: 200';
# every listed directory counts, the last one too (B's data directory)
is bob('/ha/other/', vhost => 'policy_dirs'), 200,
    'DIR: a file inside the last of the listed directories: 200';
($st, $line) = refused('own', "$A/data/users.txt", qr/./,
                       vhost => 'policy_dirs');
is $st, 500, 'DIR: A\'s own file outside the listed directories: 500';
ok $line, '... logged';
my $escape = hosting_path('shared-data/escape.txt');
($st, $line) = refused('escape', qr/\Q$escape\E|\Q$A\E\/data\/users\.txt/,
                       qr/./, vhost => 'policy_dirs');
is $st, 500, 'DIR: a symlink inside that leads outside: 500';
ok $line, '... logged';
my $sibling = hosting_path('shared-data-more/users.txt');
($st, $line) = refused('sibling', $sibling, qr/outside/, vhost => 'policy_dirs');
is $st, 500, 'DIR: a directory whose name only begins like a listed one: 500';
ok $line, '... logged';

# --- Nothing from another customer's file leaks ---------------------------

# B's .env (0640 B:nogroup): A cannot read it, the server can.
my $size = error_log_size();
is bob('/ha/env/'), 500, "A's .htaccess names B's .env: 500";
unlike error_log_since($size), qr/\Q$B_SECRET/,
    '... the error log holds none of its content';
is_deeply [ readable_files_containing($TA, $B_SECRET, runtime_dir(),
                                      '/dev/shm', '/tmp') ], [],
    '... no copy of it that A can read (runtime directory, /dev/shm, /tmp)';
is_deeply [ readable_files_containing('nobody', $B_SECRET, runtime_dir()) ],
    [], "... nor one the server's User can read in the runtime directory";

# B's wp-config.php does not parse: its bad line must not reach A's log,
# whichever rule lets the server read it.
$size = error_log_size();
is bob('/ha/wp/'), 500, "A's .htaccess names B's wp-config.php: 500";
unlike error_log_since($size), qr/\Q$B_SECRET/, '... nothing of it logged';
$size = error_log_size();
is bob('/ha/wp/', vhost => 'policy_any'), 500,
    '... also where any file may be named (it does not parse)';
unlike error_log_since($size), qr/\Q$B_SECRET/,
    '... and still nothing of it logged: A cannot read it';

# The administrator's own users file (0640 root:root), named in the
# server configuration: no copy that the server's User can read.
is status_of('/hadmin/private/', user => 'alice'), 200,
    "the administrator's private users file is in use";
is_deeply [ readable_files_containing('nobody', $ADMIN_SECRET,
                                      runtime_dir(), '/dev/shm', '/tmp') ],
    [], "... no copy of it readable by the server's User";

# A's own file that does not parse: the log shows the offending token,
# escaped and cut to 64 bytes.
$size = error_log_size();
is bob('/ha/token/'), 500, 'a file of A that does not parse: 500';
my ($tok) = grep { /token\.txt/ } split /\n/, error_log_since($size);
like $tok || '', qr/token\.txt.*line 2/, '... the log names file and line';
unlike $tok || '', qr/\e|T{65}/,
    '... with the token escaped and cut to 64 bytes';

# Values in the denial log line are quoted: a user name cannot add fields.
$size = error_log_size();
is status_of('/hadmin/private/', user => $PolicyTest::Setup::FORGER), 403,
    'a user whose name looks like log fields: 403';
my ($denied) = grep { /denied:/ } split /\n/, error_log_since($size);
(my $unquoted = $denied || '') =~ s/"(?:[^"\\]|\\.)*"//g;
my @fields = $unquoted =~ /\b(client|status)=/g;
is "@fields", 'client status',
    '... the denial log line has one client= and one status= field'
    or diag $denied;

# --- Data files are not content -------------------------------------------

sub not_found_like {
    my ($path, $missing) = @_;
    my $got = get_timed($path, user => 'bob');
    my $ref = get_timed($missing, user => 'bob');
    (my $body = $got->content) =~ s/\Q$path\E/PATH/g;
    (my $want = $ref->content) =~ s/\Q$missing\E/PATH/g;
    return ($got->code, $ref->code, $body eq $want);
}
bob('/ha/basic/');
my ($code, $ref, $same) = not_found_like('/ha/basic/users.txt',
                                         '/ha/basic/no-such.txt');
is $code, $ref, "an .htaccess-named data file requested as a URL: $ref";
ok $same, '... the same answer as a path that does not exist';
status_of('/hadmin/served/', user => 'alice');
($code, $ref, $same) = not_found_like('/hadmin/served-users.txt',
                                      '/hadmin/no-such.txt');
is $code, $ref, "a server-config data file inside a served directory: $ref";
ok $same, '... the same answer as a path that does not exist';

# --- One customer cannot hold up the others -------------------------------

# Not regular files: refused without being opened.
($st, $line) = refused('dir', "$A/data", qr/regular/i);
is $st, 500, 'a directory named as a data file: 500';
ok $line, '... logged as not a regular file';

($st, $line) = refused('devzero', '/dev/zero', qr/regular/i,
                       vhost => 'policy_any');
is $st, 500, 'a device named as a data file (where any file may be): 500';
ok $line, '... logged as not a regular file';
unlink "$A/data/socket";
IO::Socket::UNIX->new(Local => "$A/data/socket", Listen => 1) or die $!;
PolicyTest::Setup::chown_to("$A/data/socket", $TA);
($st, $line) = refused('socket', "$A/data/socket", qr/regular/i);
is $st, 500, 'a socket named as a data file: 500';
ok $line, '... logged as not a regular file';

# A FIFO blocks whoever opens it for reading.  A keeps sending requests
# to the area that names one (60, on as many connections); B's site must
# answer as usual meanwhile.
unless (-p "$A/data/fifo") {
    POSIX::mkfifo("$A/data/fifo", 0640) or die "mkfifo: $!";
    PolicyTest::Setup::chown_to("$A/data/fifo", $TA);
}
$size = error_log_size();
my $flood = flood_get('/ha/fifo/', 100, user => 'bob', timeout => 60);
sleep 2;
my (@b_own, @b_static);
for (1 .. 8) {
    push @b_own, status_of('/hb/own/', user => 'bob');
    push @b_static, status_of('/hb/index.html');
    last if grep { $_ eq 'timeout' } @b_own, @b_static;
    sleep 0.3;
}
is scalar(grep { $_ ne '200' } @b_own), 0,
    "while A's FIFO is being asked for, B's .htaccess area answers 200"
    or diag "B's .htaccess area: @b_own";
is scalar(grep { $_ ne '200' } @b_static), 0, '... and so do static files'
    or diag "B's static file: @b_static";
my ($a_fifo) = collect_background([$flood], 10);
is $a_fifo, join(' ', (500) x 100), "A's requests to the FIFO area: 500";
like error_log_since($size), qr/\Q$A\E\/data\/fifo.*regular/i,
    '... logged as not a regular file';
# Let go of whatever still waits on it: the name first, so that nobody
# opens it again, then a writer that comes and goes.
rename "$A/data/fifo", "$A/data/fifo.gone" or die $!;
{
    sysopen my $fifo, "$A/data/fifo.gone",
        POSIX::O_RDWR() | POSIX::O_NONBLOCK() or die $!;
    sleep 1;
}
unlink "$A/data/fifo.gone";

# A file that does not parse is read once per process, not per request.
# (a name never loaded before: a file that once loaded would keep its last
# good version)
my $bad = "$A/data/bad-" . time . '.txt';
PolicyTest::Setup::put($bad, "bob role=admin\nbob colour=blue\n", $TA, 0640);
utime time - 5, time - 5, $bad;
PolicyTest::Setup::put("$A/public_html/bad/.htaccess",
                       "AuthzPolicyUserFile $bad\nRequire role admin\n",
                       $TA, 0640);
$size = error_log_size();
my @bad = map { bob('/ha/bad/') } 1 .. 50;
is scalar(grep { $_ eq '500' } @bad), 50, 'a file that does not parse: 500';
my $per_pid = error_lines_by_pid(error_log_since($size),
                                 qr/\Q$bad\E.*line 2/);
ok scalar(keys %$per_pid), '... logged';
is scalar(grep { $_ > 1 } values %$per_pid), 0,
    '... at most once per server process (50 requests)'
    or diag explain $per_pid;
# ... until it changes
PolicyTest::Setup::put("$bad.new", "bob role=admin\n# fixed\n", $TA, 0640);
utime time - 5, time - 5, "$bad.new";
rename "$bad.new", $bad or die $!;
ok settles(sub { bob('/ha/bad/') }, 200), '... once it is fixed: 200';

# A file over the default size limit (16M): 500, logged.
($st, $line) = refused('big', "$A/data/big.txt", qr/larger|limit|size/i);
is $st, 500, 'a file over the default size limit (16M): 500';
ok $line, '... logged';

# Nothing written to disk for any of the files loaded above.
is_deeply [ runtime_leftovers() ], [],
    'nothing in the runtime directory but logs and the pid file';
