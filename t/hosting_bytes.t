# Shared hosting (docs/shared-hosting.md): AuthzPolicyHtaccessLimits BYTES
# FILES bounds the memory the .htaccess file cache keeps, FILES x BYTES of
# parsed tables per process, measured on the server process (/proc), not
# estimated.  A server of its own (one process): 256 KB, 16 files, so 4 MB
# of tables.  Sixteen files of short names, each under 256 KB, whose
# tables take about 1 MB each: all of them kept would be 16 MB.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);

plan tests => 5;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 74;     # away from the suite
my $dir = var_path('hosting-bytes');
my $run = "$dir/run";
my ($TA) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');
my $FILES = 16;
my $BOUND_MB = 4;                       # 16 x 256 KB

sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs");
END { stop() }

for my $i (1 .. $FILES) {
    # distinct 8-byte names up to 250,000 bytes: a table of about 1 MB
    my ($data, $n) = ("bob role=admin\n", 0);
    $data .= sprintf "n%02d%04d\n", $i, $n++ while length $data < 250_000;
    my $file = "$A/data/bytes-$i.txt";
    PolicyTest::Setup::put($file, $data, $TA, 0640);
    utime time - 5, time - 5, $file;
    PolicyTest::Setup::htaccess("$A/public_html/bytes/$i", $TA,
                                "AuthzPolicyUserFile $file",
                                'Require role admin');
}
PolicyTest::Setup::customer_dir("$A/public_html/bytes", $TA);

write_file("$dir/htdocs/index.html", "static\n");
start_hosting_server(dir => $dir, port => $port,
                     log_level => 'warn authz_policy:info', conf => <<"CONF");
<IfDirective AuthzPolicyHtaccessLimits>
    AuthzPolicyHtaccessLimits 256K $FILES
</IfDirective>
Alias /ha "$A/public_html"
CONF

sub get { (get_as_bob($port, $_[0]))[0] }
sub log_text { local (@ARGV, $/) = "$run/error_log"; <> // '' }
sub parent {
    open my $fh, '<', "$run/httpd.pid" or return 0;
    my $pid = <$fh> // 0;
    return $pid + 0;
}

is get('/index.html'), 200, 'the server answers';
my ($child) = server_children(parent());
ok $child, 'its one child process';
# the process's own growth (threads, pools) with the first file: after it
my @st = (get('/ha/bytes/1/'));
# (a copy: status_field reads /proc into $_, aliased to the argument)
my $rss0 = rss_kb("$child");
push @st, map { get("/ha/bytes/$_/") } 2 .. $FILES;
is "@st", join(' ', ('200') x $FILES),
    "$FILES files under the size limit, one after another: each answered";
my $grew = (rss_kb("$child") - $rss0) / 1024;
note sprintf 'the child grew by %.1f MB, from %.1f MB', $grew, $rss0 / 1024;
SKIP: {
    skip 'memory is not measured under the sanitizers (make test measures it)', 1
        if $ENV{POLICY_SANITIZER_LOG};
    # (the bound, less the first table, plus what the allocator keeps of
    # a parse's moment, up to 9 times a file; all the tables kept would
    # be 15 MB more)
    cmp_ok $grew, '<', $BOUND_MB + 4,
        "... the process keeps about the documented $BOUND_MB MB of tables, "
        . 'not all of them';
}
like log_text(), qr/bytes-1\.txt: no longer kept, to make room/,
    '... the oldest tables no longer kept, to make room (info log)';
