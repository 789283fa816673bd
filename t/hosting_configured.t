# Shared hosting (docs/shared-hosting.md): a data file named in the server's
# configuration whose path a customer can change (a per-site
# AuthzPolicyUserFile in customer A's home).  The root parent reads it, so
# what it reads there must be bounded and shown to no one who could not
# read it: a link to a root-only file leaves no token of it in the error
# log, the status page or apache2's output; a huge (sparse) file is refused
# by AuthzPolicyFileLimit without costing the server's processes memory;
# the path is warned about at startup and by configtest; and while the
# file is bad, apache2 -k graceful and -k stop still work (only a first
# start stops).  A server of its own (POLICY_TEST_PORT + 52, one process).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use JSON::PP ();
use Time::HiRes qw(sleep);

plan tests => 36;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 52;     # away from the suite
my $HTTPD = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
my $dir = var_path('hosting-configured');
my $run = "$dir/run";
my $conf = "$dir/httpd.conf";
my ($TA) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');                  # customer A's home
my $etc = "$A/etc";                         # A's, as is everything in it
my $file = "$etc/users.txt";
my $LIMIT = 1024 * 1024;
# the root-only file A's link will point at, and the token of it that
# would be the first thing its parse reports
my $SECRET = sprintf 'TOPSECRET-ROOT-ONLY-%08x%08x', int rand 2**32,
                     int rand 2**32;
my $root_only = hosting_path("configured-root-only-$$");
# and customer B's file, which the server's User can read but A cannot
my (undef, $TB) = @PolicyTest::Setup::TENANTS;
my $B_MARK = sprintf 'zzbsecret%08x%08x', int rand 2**32, int rand 2**32;
my $b_file = hosting_path("b/data/configured-$$.txt");

sub pid_of_server {
    open my $fh, '<', "$run/httpd.pid" or return undef;
    my ($pid) = (<$fh> // '') =~ /^(\d+)/;
    return $pid;
}
sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs/cf");
write_file("$dir/htdocs/cf/index.html", "configured\n");
END { stop(); unlink grep { defined } $root_only, $b_file }

system('rm', '-rf', $etc);
PolicyTest::Setup::customer_dir($etc, $TA);
PolicyTest::Setup::put($file, "bob role=admin\n", $TA, 0640);
PolicyTest::Setup::put($root_only, "bob role=admin\ncarol $SECRET=1\n",
                       'root', 0600);
PolicyTest::Setup::put($b_file, "bob role=admin\ncarol $B_MARK=1\n", $TB,
                       0640);

# A replaces its file, as it may: what it puts there is its own
sub replace_file {
    my ($how) = @_;
    unlink "$file.new";
    $how->("$file.new");
    PolicyTest::Setup::chown_to("$file.new", $TA);
    rename "$file.new", $file or die "$file: $!";
}

start_hosting_server(dir => $dir, port => $port, conf => <<"CONF");
AuthzPolicyFileLimit 1M
<Location /cf/>
    AuthType Basic
    AuthName "configured"
    AuthBasicProvider file
    AuthUserFile "${\ t_path('var/htpasswd')}"
    AuthzPolicyUserFile "$file"
    Require role admin
</Location>
<Location /status>
    SetHandler authz-policy-status
</Location>
CONF

sub log_text { local (@ARGV, $/) = "$run/error_log"; <> // '' }
sub log_size { -s "$run/error_log" || 0 }
sub log_since { substr log_text(), $_[0] }
sub code { (get_as_bob($port, $_[0]))[0] }
sub page { (get_as_bob($port, $_[0]))[1] }
sub apache2 {
    my $out = `$HTTPD -f $conf @_ 2>&1`;
    return ($? >> 8, $out);
}
# waits until the parent says it serves again (a restart) or has gone
sub restarted_since {
    my ($size) = @_;
    my $pid = pid_of_server();
    return wait_for(30, sub {
        log_since($size) =~ /resuming normal operations/
                                   || !($pid && kill 0, $pid) })
           && log_since($size) =~ /resuming normal operations/;
}
sub all_rss_peak {
    my $parent = pid_of_server() or return (0, 0);
    my @children = server_children($parent);
    my $child = 0;
    for (@children) {
        my $k = peak_rss_kb($_);
        $child = $k if $k > $child;
    }
    return (peak_rss_kb($parent), $child);
}

is code('/cf/'), 200, "A's users file, named in the server's configuration, "
                      . 'is in force';

# --- the warning: at startup and from configtest ------------------------
my $warning = qr/AuthzPolicyUserFile \Q$file\E: [^\n]* through \Q$A\E \(a directory owned by \Q$TA\E/;
like log_text(), $warning, 'startup warns that a non-root user can change '
                           . "the file's path, naming the file and $A";
my ($rc, $said) = apache2('-t');
is $rc, 0, 'configtest passes' or diag $said;
like $said, $warning, '... and shows the same warning';

# --- the edge of AuthzPolicyFileLimit -----------------------------------
# A users file of exactly the limit is read; one byte more is refused and
# the version in force stays.  Told apart by their entries on the status
# page (both keep bob an admin, for the cases below).
sub users_of_size {
    my ($size, @users) = @_;
    my $text = join '', map { "$_ role=admin\n" } @users;
    my $left = $size - length $text;
    my $lines = int($left / 64) - 1;
    $text .= ('#' x 63 . "\n") x $lines;
    $left -= 64 * $lines;
    return $text . '#' x ($left - 1) . "\n";
}
sub entries_of_file {
    my $doc = eval { JSON::PP->new->decode(page('/status?format=json')) } || {};
    my ($f) = grep { $_->{file} eq $file } @{ $doc->{datafiles} || [] };
    return $f ? $f->{entries} : -1;
}
my $exact = users_of_size($LIMIT, qw(bob carol));
is length $exact, $LIMIT, '(a users file of exactly the limit, two users)';
replace_file(sub { write_file($_[0], $exact); chmod 0640, $_[0] });
ok wait_for(10, sub { entries_of_file() == 2 }),
    'a users file of exactly AuthzPolicyFileLimit: read (2 entries)';
my $edge = log_size();
replace_file(sub { write_file($_[0], users_of_size($LIMIT + 1, qw(bob carol dave)));
                   chmod 0640, $_[0] });
like wait_for(10, sub { my $s = log_since($edge); $s =~ /refused/ ? $s : '' }),
    qr/AuthzPolicyUserFile \Q$file\E: refused: ${\ ($LIMIT + 1)} bytes, more than the $LIMIT that AuthzPolicyFileLimit allows/,
    'one byte more: refused, and the log names its size and the limit';
is entries_of_file(), 2, '... the version in force stays (2 entries)';

# --- a link to a root-only file ---------------------------------------
replace_file(sub { symlink $root_only, $_[0] or die $! });
sleep 2.5;                                  # every process looks at it
my $size = log_size();
my $parent = pid_of_server();
kill 'USR1', $parent;
ok restarted_since($size), 'a restart with the link in place: the server '
                           . 'restarts';
# the parent looks at the file again from its monitor (about every ten
# seconds); a child started by the restart looks at it at once
sleep 12;
is code('/cf/'), 200, '... and keeps the last good version';
my $logged = log_since($size);
like $logged, qr/\Q$file\E/, '... and reports that the file does not load';
unlike $logged, qr/\Q$SECRET/, "no token of root's file in the error log";
my %pages = map { $_ => page("/status$_") }
                ('', '?format=json', '?format=prometheus', '?auto');
for my $p (sort keys %pages) {
    unlike $pages{$p}, qr/\Q$SECRET/,
        "no token of root's file on the status page ($p)";
}

# --- a link to customer B's file ----------------------------------------
replace_file(sub { symlink $b_file, $_[0] or die $! });
sleep 2.5;                                  # every process looks at it
$size = log_size();
kill 'USR1', $parent;
ok restarted_since($size), "a restart with a link to B's file: the server "
                           . 'restarts';
sleep 2.5;                                  # the new child looks at it
is code('/cf/'), 200, '... and keeps the last good version';
$logged = log_since($size);
like $logged, qr/\Q$file\E: line 2: unknown key.*not shown/,
    '... and says the content of the file is not shown';
unlike $logged, qr/\Q$B_MARK/, "no token of B's file in the error log "
                                 . '(the server could read it, A cannot)';
unlike page('/status?format=json'), qr/\Q$B_MARK/,
    "no token of B's file on the status page";
replace_file(sub { symlink $root_only, $_[0] or die $! });

# --- while the file is bad, apache2 -k graceful restarts ------------------
$size = log_size();
($rc, $said) = apache2('-k', 'graceful');
is $rc, 0, 'apache2 -k graceful while the file is bad: it succeeds'
    or diag $said;
unlike $said, qr/\Q$SECRET/, "... and says nothing of root's file";
ok restarted_since($size), '... and the server restarts';
is code('/cf/'), 200, '... and keeps the last good version';

# --- a file over AuthzPolicyFileLimit ------------------------------------
my $huge = 64 * $LIMIT;                     # sparse: no disk, no page cache
replace_file(sub { open my $fh, '>', $_[0] or die $!; truncate $fh, $huge
                   or die $!; close $fh; chmod 0644, $_[0] });
sleep 2.5;                                  # every process looks at it
my ($parent_peak, $child_peak) = all_rss_peak();
$size = log_size();
($rc, $said) = apache2('-k', 'graceful');
is $rc, 0, 'apache2 -k graceful with a file over the limit: it succeeds'
    or diag $said;
ok restarted_since($size), '... and the server restarts';
sleep 2.5;                                  # the new child looks at it
is code('/cf/'), 200, '... and keeps the last good version';
like log_since($size), qr/AuthzPolicyUserFile \Q$file\E: refused: $huge bytes, more than the $LIMIT that AuthzPolicyFileLimit allows/,
    'the log names the file, its size and the limit';
my ($parent_after, $child_after) = all_rss_peak();
cmp_ok $parent_after - $parent_peak, '<', 16 * 1024,
    'the parent did not read it (peak memory grew by less than 16 MB)';
cmp_ok $child_after, '<', $child_peak + 16 * 1024,
    'nor did its new child (peak memory within 16 MB of the old child\'s)';

# --- while the file is bad, apache2 -k stop stops ------------------------
$parent = pid_of_server();
($rc, $said) = apache2('-k', 'stop');
is $rc, 0, 'apache2 -k stop while the file is bad: it succeeds'
    or diag $said;
ok wait_for(20, sub { !kill 0, $parent }), '... the server stops';
ok !-e "$run/httpd.pid", '... and its pid file is gone';

# --- only a first start stops -------------------------------------------
replace_file(sub { write_file($_[0], "bob admin\n"); chmod 0640, $_[0] });
($rc, $said) = apache2('-k', 'start');
my $started = wait_for(3, sub { -e "$run/httpd.pid" });
ok $rc != 0 && !$started, 'a first start with the file bad fails'
    or diag "exit status $rc; $said";
like $said . log_text(), qr/AuthzPolicyUserFile \Q$file\E: line 1/,
    '... naming the file and what is wrong';
stop();
