# Shared hosting (docs/shared-hosting.md): AuthzPolicyHtaccessLimits BYTES FILES
# bounds what files named in .htaccess files may cost; over a limit, 500
# and a log line, never a crash.  The requests of one .htaccess owner
# hold at most half of the files a process keeps: connections that never
# read their answer lock no other customer out.  Nothing is left on disk,
# during the run or after httpd stops.  A server of its own (one
# process), with small limits: 4096 bytes, 4 files (2 for each owner),
# and so 16 KB of parsed tables (8 KB for each owner): the cache counts
# what it keeps in memory, not only the files' sizes.  Its one process
# also shows when a changed file named in an .htaccess file is believed.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep);

plan tests => 34;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 77;     # away from the suite
my $dir = var_path('hosting-limits');
my $run = "$dir/run";
my ($TA, $TB) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');
my $B = hosting_path('b');

sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs");
END { stop() }

# A's areas for this server: a small file, a large one, and five more.
my $filler = join '', map { sprintf "u%04d role=viewer\n", $_ } 1 .. 1000;
my %file = (small => "bob role=admin\n" . substr($filler, 0, 3000),
            large => "bob role=admin\n" . substr($filler, 0, 5000),
            map { ("f$_" => "bob role=admin\n") } 1 .. 5);
# three files under the size limit (4015 bytes) whose parsed tables take
# 6967 bytes each: any two fit in the 16 KB kept, three do not, and two
# are more than one owner's 8 KB
$file{"h$_"} = "bob role=admin\n" . substr($filler, 0, 4000) for 1 .. 3;
# the size limit's edge: exactly 4096 bytes, and one byte more
$file{exact} = "bob role=admin\n" . substr($filler, 0, 4096 - 15);
$file{plus1} = "bob role=admin\n" . substr($filler, 0, 4097 - 15);
# a file rewritten in place below (this server's one process loads its
# first version, so that the change is measured against it)
$file{settle} = "bob role=admin\n# the first version, longer than the next\n";
for my $name (sort keys %file) {
    my $data = "$A/data/lim-$name.txt";
    PolicyTest::Setup::put($data, $file{$name}, $TA, 0640);
    utime time - 5, time - 5, $data;
    PolicyTest::Setup::htaccess("$A/public_html/lim/$name", $TA,
                                "AuthzPolicyUserFile $data",
                                'Require role admin');
}
PolicyTest::Setup::customer_dir("$A/public_html/lim", $TA);
# A's area that names as many files as a process keeps, all A's own
my @lock = map { "$A/data/lim-lock$_.txt" } 1 .. 4;
PolicyTest::Setup::put($_, "bob role=admin\n", $TA, 0640) for @lock;
PolicyTest::Setup::htaccess("$A/public_html/lim/lock", $TA,
                            (map { "AuthzPolicyUserFile $_" } @lock),
                            'Require role admin');
# Two areas whose .htaccess and file belong to the server's User
# (nobody), as code run by it (a CGI without suEXEC) could write them
{
    my (undef, undef, $uid, $gid) = getpwnam 'nobody' or die "no nobody\n";
    for my $w (qw(w1 w2)) {
        my $data = "$A/data/lim-$w.txt";
        PolicyTest::Setup::htaccess("$A/public_html/lim/$w", $TA,
                                    "AuthzPolicyUserFile $data",
                                    'Require role admin');
        PolicyTest::Setup::put($data, "bob role=admin\n", $TA, 0640);
        chown $uid, $gid, $data, "$A/public_html/lim/$w/.htaccess";
    }
}
# B's area, naming B's own file
PolicyTest::Setup::put("$B/data/lim-b.txt", "bob role=admin\n", $TB, 0640);
PolicyTest::Setup::htaccess("$B/public_html/lim-b", $TB,
                            "AuthzPolicyUserFile $B/data/lim-b.txt",
                            'Require role admin');

write_file("$dir/htdocs/index.html", "static\n");
start_hosting_server(dir => $dir, port => $port,
                     log_level => 'warn authz_policy:info', conf => <<"CONF");
<IfDirective AuthzPolicyHtaccessLimits>
    AuthzPolicyHtaccessLimits 4096 4
</IfDirective>
Alias /ha "$A/public_html"
Alias /hb "$B/public_html"
CONF

sub get { (get_as_bob($port, $_[0]))[0] }
sub log_text { local (@ARGV, $/) = "$run/error_log"; <> // '' }

is get('/ha/lim/small/'), 200, 'a file under the size limit: 200';
my $before = length log_text();
is get('/ha/lim/large/'), 500, 'a file over the size limit: 500';
my $htaccess = quotemeta "$A/public_html/lim/large/.htaccess";
my $large = quotemeta "$A/data/lim-large.txt";
like substr(log_text(), $before), qr/$htaccess.*$large.*(larger|limit|size)/i,
    '... the log names the .htaccess, the file and the limit';
is -s "$A/data/lim-exact.txt", 4096, '(a file of exactly 4096 bytes)';
is get('/ha/lim/exact/'), 200, 'a file of exactly the size limit: 200';
$before = length log_text();
is get('/ha/lim/plus1/'), 500, 'a file one byte over the size limit: 500';
like substr(log_text(), $before), qr/lim-plus1\.txt.*4097 bytes, more than the 4096/,
    '... logged with its size and the limit';

# small is kept already; five more distinct files, one after another: each
# takes the place of the least recently used one that no request is using
$before = length log_text();
my @st = map { get("/ha/lim/f$_/") } 1 .. 5;
note "f1..f5: @st";
is "@st", '200 200 200 200 200',
    'more files than are kept at once, one after another: each answered';

# A request still under way (a slow reader of a large file) holds the
# files its .htaccess named.  A sparse 64 MB file in area, and a
# connection that asks for it and reads no further than the status line.
sub big {
    my ($area) = @_;
    my $big = "$A/public_html/lim/$area/big.bin";
    open my $fh, '>', $big or die "$big: $!";
    truncate $fh, 64 * 1024 * 1024;
    close $fh;
    chmod 0644, $big;
    return $big;
}
sub slow {
    my ($area) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Timeout => 30) or die $!;
    my $auth = encode_base64("bob:$PolicyTest::Setup::PASSWORD", '');
    print $sock "GET /ha/lim/$area/big.bin HTTP/1.0\r\n"
        . "Authorization: Basic $auth\r\n\r\n";
    my ($code) = (<$sock> // '') =~ m{^HTTP/\S+ (\d+)};
    return ($sock, $code // 'no answer');
}
my @big = map { big($_) } qw(f1 f2 lock);

# A's requests hold two files (half of the four kept): a third of A's
# own is refused, while B's file is still kept
my @slow = map { [ slow($_) ] } qw(f1 f2);
is join(' ', map { $_->[1] } @slow), '200 200',
    "two of A's requests under way, holding A's files f1 and f2";
$before = length log_text();
is get('/ha/lim/f3/'), 500,
    "... A's third file while they are under way: 500 (A's share is full)";
like substr(log_text(), $before),
    qr/lim-f3\.txt.*uid \d+.*AuthzPolicyHtaccessLimits/i,
    '... and a log line that names the file, the owner and the limit';
is get('/hb/lim-b/'), 200, "... B's file meanwhile: 200";
close $_->[0] for @slow;
# (the server sees the closed connections at its next write)
ok wait_for(20, sub { get('/ha/lim/f3/') == 200 }),
    "once A's requests have ended, A's third file: 200";

# The server's own User, whose uid every customer who runs code as it
# holds beside their own, has a quarter of the files kept (one here): with
# a request of its w1 under way, its w2 is refused, and A's own half and
# B's quarter stay
big('w1');
@slow = map { [ slow($_) ] } qw(w1);
is $slow[0][1], 200, "a request under way for the server User's w1";
$before = length log_text();
is get('/ha/lim/w2/'), 500,
    "... the server User's second file meanwhile: 500 (a quarter is its share)";
like substr(log_text(), $before), qr/lim-w2\.txt.*uid \d+.*AuthzPolicyHtaccessLimits/i,
    '... and a log line that names the file, the owner and the limit';
is get('/hb/lim-b/'), 200, "... B's file meanwhile: 200";
close $_->[0] for @slow;
ok wait_for(20, sub { get('/ha/lim/w2/') == 200 }),
    "once the request has ended, the server User's w2: 200";

# An .htaccess of A's naming four files (all a process keeps) and six
# connections that ask for a large file there and never read the answer:
# B's area is still answered, every time
@slow = map { [ slow('lock') ] } 1 .. 6;
my @b = map { get('/hb/lim-b/') } 1 .. 10;
is "@b", join(' ', ('200') x 10),
    "six of A's requests naming four files under way: B's area 200, 10 of 10";
is join(' ', map { $_->[1] } @slow), join(' ', ('500') x 6),
    "... A's own requests naming more than its share: A's own 500";
close $_->[0] for @slow;

# The parsed bytes: h1, h2 and h3 one after another are each answered,
# the least recently used unused table evicted to make room
$before = length log_text();
@st = map { get("/ha/lim/h$_/") } 1 .. 3;
is "@st", '200 200 200',
    'three tables that do not fit in the bytes kept, one after another: 200';
like substr(log_text(), $before),
    qr/lim-h1\.txt: no longer kept, to make room for \S*lim-h3\.txt/,
    '... the oldest one no longer kept, to make room (info log)';
# One of A's requests under way holds h2: h3 (kept) or h1 (evicted) as
# well would be more than A's half of the parsed bytes
push @big, big('h2');
@slow = ([ slow('h2') ]);
is $slow[0][1], 200, "a request of A's under way, holding h2's table";
$before = length log_text();
is get('/ha/lim/h3/') . ' ' . get('/ha/lim/h1/'), '500 500',
    "... A's h3 (kept) and h1 (not) meanwhile: 500 (A's byte share is full)";
like substr(log_text(), $before),
    qr/lim-h3\.txt.*uid \d+.*parsed bytes.*AuthzPolicyHtaccessLimits.*\n.*lim-h1\.txt.*uid \d+.*parsed bytes.*AuthzPolicyHtaccessLimits/i,
    '... and log lines that name the file, the owner and the byte limit';
is get('/hb/lim-b/'), 200, "... B's file meanwhile: 200";
close $_->[0] for @slow;
unlink @big;
is scalar(grep { $_ ne '200' && $_ ne '500' } @st), 0,
    '... every request answered';
# A file named in an .htaccess file and rewritten in place shorter (what a
# writer caught mid-way leaves) is believed only once it has stayed
# unchanged for 10 seconds: for the first 4 the version in force answers.
ok wait_for(20, sub { get('/ha/lim/settle/') == 200 }),
    "A's file in force: bob is an admin";
write_file("$A/data/lim-settle.txt", "bob role=viewer\n");
my $changed = Time::HiRes::time();
my @early;
while (Time::HiRes::time() < $changed + 4) {
    push @early, get('/ha/lim/settle/');
    sleep 0.2;
}
is join(' ', grep { $_ ne '200' } @early), '',
    '... rewritten in place and shorter: the version in force answers for '
    . 'the first 4 s (' . scalar(@early) . ' requests)';
ok wait_for(25, sub { get('/ha/lim/settle/') == 403 }),
    '... and the new version once it has stayed unchanged';
is get('/index.html'), 200, 'static files answer as usual';
unlike log_text(), qr/exit signal/, 'no server process crashed';
is_deeply [ runtime_leftovers($run) ], [],
    'nothing in the runtime directory but the log and the pid file';

stop();
is_deeply [ runtime_leftovers($run) ], [],
    '... nor anything left after httpd stops';
