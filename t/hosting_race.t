# Shared hosting (docs/shared-hosting.md): races between a check of a file
# and its read change nothing.  Customer A swaps names under running
# requests with renameat2(RENAME_EXCHANGE):
#
#  - an .htaccess file of A that names B's files, exchanged again and
#    again with a symlink to B's home: the .htaccess file's owner is the
#    owner of the file httpd read (A), never that of what the name leads
#    to a moment later (B).  No byte of B's secrets in the error log or on
#    the status page, and B's users never decide in A's area;
#  - a data file exchanged with a FIFO: the FIFO is never opened for
#    reading (a writer blocked in open() on it is never let through), and
#    every request is answered.
#
# A server of its own (POLICY_TEST_PORT + 50, one process, event MPM,
# AuthzPolicyHtaccessFiles owner, a status page).  RACE_SECONDS (default
# 20) bounds each race.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);

plan skip_all => "renameat2's number here is x86_64's"
    unless (POSIX::uname())[4] eq 'x86_64';
plan tests => 13;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 50;     # away from the suite
my $dir = var_path('hosting-race');
my $run = "$dir/run";
my $SECONDS = $ENV{RACE_SECONDS} || 20;
my ($TA, $TB) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');
my $B = hosting_path('b');
my $B_SECRET = $PolicyTest::Setup::B_SECRET;
my $SYS_renameat2 = 316;        # x86_64
my ($AT_FDCWD, $RENAME_EXCHANGE) = (-100, 2);

my $writer;                     # blocked on the FIFO until killed
sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs");
END {
    kill 'KILL', $writer if $writer;
    stop();
}

# B's users file (bob is an admin there), B's to change; and A's areas,
# whose .htaccess files name B's files.  Next to each .htaccess, a symlink
# A planted that leads to B's home directory (owned by B).
my $b_users = "$B/data/race-users.txt";
PolicyTest::Setup::put($b_users, "bob role=admin\n", $TB, 0640);
utime time - 5, time - 5, $b_users;
my %area = (users => "AuthzPolicyUserFile $b_users\nRequire role admin",
            wp => "AuthzPolicyUserFile $B/public_html/wp-config.php\n"
                  . 'Require valid-user');
for my $name (sort keys %area) {
    my $d = "$A/public_html/race-$name";
    PolicyTest::Setup::htaccess($d, $TA, split /\n/, $area{$name});
    unlink "$d/swap";
    symlink $B, "$d/swap" or die "symlink: $!";
    PolicyTest::Setup::chown_to("$d/swap", $TA);
}

# A's own users file, and a FIFO of A's beside it, for the second race.
my $a_users = "$A/data/race-fifo.txt";
my $a_fifo = "$A/data/race-fifo.pipe";
PolicyTest::Setup::put($a_users, "bob role=admin\n", $TA, 0640);
utime time - 5, time - 5, $a_users;
unlink $a_fifo;
POSIX::mkfifo($a_fifo, 0640) or die "mkfifo: $!";
PolicyTest::Setup::chown_to($a_fifo, $TA);
PolicyTest::Setup::htaccess("$A/public_html/race-fifo", $TA,
                            "AuthzPolicyUserFile $a_users",
                            'Require role admin');

# A's .htaccess whose directive comes from a macro of the server's
# configuration: httpd reads the macro's lines, then the file again.
PolicyTest::Setup::htaccess("$A/public_html/race-macro", $TA,
                            "Use RaceUsers $a_users", 'Require role admin');

write_file("$dir/htdocs/index.html", "static\n");
start_hosting_server(dir => $dir, port => $port, conf => <<"CONF");
AuthzPolicyHtaccessFiles owner
LoadModule macro_module /usr/lib/apache2/modules/mod_macro.so
<Macro RaceUsers \$file>
    AuthzPolicyUserFile \$file
</Macro>
Alias /ha "$A/public_html"
<Location /status>
    SetHandler authz-policy-status
</Location>
CONF

sub log_text { local (@ARGV, $/) = "$run/error_log"; <> // '' }
sub page { (get_as_bob($port, $_[0]))[1] }

# swapper(SECS, [NAME, OTHER], ...): as A, exchanges each pair of names
# (in turn) until SECS have passed, and back to where they were; the
# number of exchanges is written to the returned file.
sub swapper {
    my ($secs, @pairs) = @_;
    my $out = "$dir/swaps.$secs." . int(rand 1e9);
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $n = as_user($TA, sub {
            my $end = time + $secs;
            my $n = 0;
            while (time < $end) {
                for my $p (@pairs) {
                    for (1, 2) {
                        syscall($SYS_renameat2, $AT_FDCWD, $p->[0], $AT_FDCWD,
                                $p->[1], $RENAME_EXCHANGE) == 0
                            or return "ERROR: renameat2: $!";
                        $n++;
                    }
                }
            }
            $n;
        });
        write_file($out, $n);
        POSIX::_exit(0);
    }
    return ($pid, $out);
}

# clients(N, SECS, URL...): N processes asking for the URLs in turn until
# SECS have passed; returns their pids and the file each writes its
# "status count" lines to.
sub clients {
    my ($n, $secs, @urls) = @_;
    my @jobs;
    for my $i (1 .. $n) {
        my $out = "$dir/client.$i." . int(rand 1e9);
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my %seen;
            my $end = time + $secs;
            while (time < $end) {
                for my $url (@urls) {
                    my ($code) = get_as_bob($port, $url);
                    $seen{"$url $code"}++;
                }
            }
            write_file($out, join '', map { "$_ $seen{$_}\n" } sort keys %seen);
            POSIX::_exit(0);
        }
        push @jobs, [$pid, $out];
    }
    return @jobs;
}

# Waits for the jobs; the counts they saw, "url status" => count.
sub tally {
    my %seen;
    for my $job (@_) {
        waitpid $job->[0], 0;
        open my $fh, '<', $job->[1] or next;
        while (<$fh>) {
            $seen{"$1 $2"} += $3 if /^(\S+) (\S+) (\d+)$/;
        }
    }
    return \%seen;
}
sub count {
    my ($seen, $re) = @_;
    my $n = 0;
    $n += $seen->{$_} for grep { /$re/ } keys %$seen;
    return $n;
}

# The owner is that of the file httpd read the .htaccess from, also for a
# directive a macro wrote.
is((get_as_bob($port, '/ha/race-macro/'))[0], 200,
   "a macro in A's .htaccess names A's own file: 200")
    or diag substr log_text(), -600;

# --- The .htaccess file and a symlink to B's home, exchanged ------------

my $size = length log_text();
my ($spid, $sout) = swapper($SECONDS, map {
    my $d = "$A/public_html/race-$_";
    ["$d/.htaccess", "$d/swap"];
} sort keys %area);
my @jobs = clients(3, $SECONDS, '/ha/race-users/', '/ha/race-wp/');
# B edits B's own file half-way: a bad line, which would be read as a
# failed reload of a file loaded before
sleep $SECONDS / 2;
PolicyTest::Setup::put("$b_users.new", "bob role=admin\ncarol $B_SECRET=1\n",
                       $TB, 0640);
utime time - 5, time - 5, "$b_users.new";
rename "$b_users.new", $b_users or die "rename: $!";
my $seen = tally(@jobs);
waitpid $spid, 0;
my $swaps = do { local (@ARGV, $/) = $sout; <> // '' };
like $swaps, qr/^\d+$/, "A exchanged the names $swaps times"
    or diag $swaps;
ok count($seen, qr/^\S+ 500$/),
    '... and requests reached the module with the .htaccess file httpd read'
    or diag explain $seen;
is count($seen, qr{^/ha/race-users/ 200$}), 0,
    "B's users never decide in A's area (no 200)"
    or diag explain $seen;
my $log = substr log_text(), $size;
my @leaks = grep { index($_, $B_SECRET) >= 0 } split /\n/, $log;
is scalar(@leaks), 0, "... no byte of B's secrets in the error log"
    or diag $leaks[0];
like $log, qr/race-users.*owned by uid \d+, not by the \.htaccess file's owner/,
    "... where B's file is refused: owned by someone else";
my $json = page('/status?format=json');
my $doc = eval { JSON::PP->new->decode($json) } || {};
ok ref $doc->{datafiles}, 'the status page answers';
is_deeply [ grep { index($_->{file}, "$B/") == 0 } @{ $doc->{datafiles} || [] } ],
    [], "... and lists none of B's files as loaded";
@leaks = grep { index($_, $B_SECRET) >= 0 } split /\n/,
             join("\n", $json, page('/status'));
is scalar(@leaks), 0, "... and holds no byte of B's secrets"
    or diag $leaks[0];

# --- A data file and a FIFO, exchanged ----------------------------------

# A writer blocked in open() on the FIFO: it gets through only when
# someone opens the FIFO for reading, and says so.
my $opened = "$dir/fifo-opened";
$writer = fork // die "fork: $!";
if (!$writer) {
    if (open my $fh, '>', $a_fifo) {
        write_file($opened, "opened\n");
    }
    POSIX::_exit(0);
}
sleep 0.5;
ok !-e $opened, 'nobody has the FIFO open for reading yet';
($spid, $sout) = swapper(int($SECONDS / 2) || 1, [$a_users, $a_fifo]);
@jobs = clients(3, int($SECONDS / 2) || 1, '/ha/race-fifo/');
$seen = tally(@jobs);
waitpid $spid, 0;
sleep 0.5;
ok !-e $opened, 'the FIFO, exchanged with a data file, is never opened for reading'
    or diag "its writer got through";
is count($seen, qr/^\S+ (?!200|500)\S+$/), 0,
    '... and every request is answered, 200 or 500'
    or diag explain $seen;
ok count($seen, qr/ 200$/) && count($seen, qr/ 500$/),
    '... the file loads, the FIFO is refused'
    or diag explain $seen;
kill 'KILL', $writer;
waitpid $writer, 0;
undef $writer;
stop();
