# Shared hosting (docs/shared-hosting.md): AuthzPolicyHtaccessLimits BYTES FILES
# bounds what files named in .htaccess files may cost; over a limit, 500
# and a log line, never a crash.  Nothing is left on disk, during the run
# or after httpd stops.  A server of its own (one process), with small
# limits: 4096 bytes, 3 files.
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

plan tests => 11;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 70;     # away from the suite
my $dir = var_path('hosting-limits');
my $run = "$dir/run";
my ($TA) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');

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
for my $name (sort keys %file) {
    my $data = "$A/data/lim-$name.txt";
    PolicyTest::Setup::put($data, $file{$name}, $TA, 0640);
    utime time - 5, time - 5, $data;
    PolicyTest::Setup::htaccess("$A/public_html/lim/$name", $TA,
                                "AuthzPolicyUserFile $data",
                                'Require role admin');
}
PolicyTest::Setup::customer_dir("$A/public_html/lim", $TA);

write_file("$dir/htdocs/index.html", "static\n");
start_hosting_server(dir => $dir, port => $port,
                     log_level => 'warn authz_policy:info', conf => <<"CONF");
<IfDirective AuthzPolicyHtaccessLimits>
    AuthzPolicyHtaccessLimits 4096 3
</IfDirective>
Alias /ha "$A/public_html"
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

# small is kept already; five more distinct files, one after another: each
# takes the place of the least recently used one that no request is using
$before = length log_text();
my @st = map { get("/ha/lim/f$_/") } 1 .. 5;
note "f1..f5: @st";
is "@st", '200 200 200 200 200',
    'more files than are kept at once, one after another: each answered';

# Three requests still under way (slow readers of large files) hold three
# files: a fourth cannot be kept as well
my @slow;
for my $i (1 .. 3) {
    my $big = "$A/public_html/lim/f$i/big.bin";
    open my $fh, '>', $big or die "$big: $!";
    truncate $fh, 64 * 1024 * 1024;
    close $fh;
    chmod 0644, $big;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Timeout => 30) or die $!;
    my $auth = encode_base64("bob:$PolicyTest::Setup::PASSWORD", '');
    print $sock "GET /ha/lim/f$i/big.bin HTTP/1.0\r\n"
        . "Authorization: Basic $auth\r\n\r\n";
    my $line = <$sock> // '';
    die "f$i/big.bin: $line" unless $line =~ / 200 /;
    push @slow, $sock;
}
$before = length log_text();
is get('/ha/lim/f4/'), 500,
    'more files than are kept at once, all in use: 500';
like substr(log_text(), $before), qr/lim-f4\.txt.*AuthzPolicyHtaccessLimits/i,
    '... and a log line';
close $_ for @slow;
unlink map { "$A/public_html/lim/f$_/big.bin" } 1 .. 3;
is scalar(grep { $_ ne '200' && $_ ne '500' } @st), 0,
    '... every request answered';
is get('/index.html'), 200, 'static files answer as usual';
unlike log_text(), qr/exit signal/, 'no server process crashed';
is_deeply [ runtime_leftovers($run) ], [],
    'nothing in the runtime directory but the log and the pid file';

stop();
is_deeply [ runtime_leftovers($run) ], [],
    '... nor anything left after httpd stops';
