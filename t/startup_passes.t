# A first start parses each configured data file once: httpd reads its
# configuration twice (a first pass that checks it, then the real one),
# and the second finds the file unchanged since the first and keeps what
# it parsed (datafile_carry.c).  What the administrator sees: the info
# line of each file says so, and the server answers from that version; a
# file changed before a restart is parsed again, an unchanged one not.
# A server of its own (POLICY_TEST_PORT + 66, one process).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use Cwd ();
use File::Path qw(make_path remove_tree);

plan tests => 11;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 66;     # away from the suite
my $dir = var_path('startup-passes');
my $run = "$dir/run";

sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs/sp");
# as the server names them in its log (no "..")
$dir = Cwd::realpath($dir);
my $users = "$dir/users.txt";
my $list = "$dir/local.txt";
write_file("$dir/htdocs/sp/index.html", "passes\n");
write_file($users, "bob role=admin\n");
write_file($list, "127.0.0.1\n");
chmod 0644, $users, $list;
END { stop() }

start_hosting_server(dir => $dir, port => $port,
                     log_level => 'warn authz_policy:info', conf => <<"CONF");
AuthzPolicyIPList local "$list"
<Location /sp/>
    AuthType Basic
    AuthName "passes"
    AuthBasicProvider file
    AuthUserFile "${\ t_path('var/htpasswd')}"
    AuthzPolicyUserFile "$users"
    <RequireAll>
        Require role admin
        Require iplist local
    </RequireAll>
</Location>
CONF

sub log_text { local (@ARGV, $/) = "$run/error_log"; <> // '' }
sub code { (get_as_bob($port, $_[0]))[0] }
# the info lines the real pass logged for a file since offset
sub loaded_lines {
    my ($kind, $path, $since) = @_;
    return grep { /\[authz_policy:info\].* \Q$kind $path\E: \d+ entries/ }
           split /\n/, substr(log_text(), $since);
}
# a graceful restart; the log's size before it
sub restart {
    my $size = length log_text();
    my ($pid) = do { local (@ARGV, $/) = "$run/httpd.pid"; <> } =~ /(\d+)/;
    kill 'USR1', $pid;
    wait_for(30, sub { substr(log_text(), $size)
                       =~ /resuming normal operations/ });
    return $size;
}

is code('/sp/'), 200, 'first start: bob (admin, from 127.0.0.1) is served '
                      . 'from the version the first pass parsed';
my @u = loaded_lines('AuthzPolicyUserFile', $users, 0);
is scalar @u, 1, 'the user file is logged once, by the real pass';
like $u[0] // '', qr/1 entries, .*parsed in [\d.]+ s \(unchanged since: not parsed again\)/,
    '... as parsed by the first pass, not again by the second';
my @l = loaded_lines('AuthzPolicyIPList', $list, 0);
like $l[0] // '', qr/parsed in [\d.]+ s \(unchanged since: not parsed again\)/,
    'the IP list too';

# changed before a restart: parsed again, and believed
write_file("$users.new", "bob role=viewer\n");
chmod 0644, "$users.new";
rename "$users.new", $users or die "$users: $!";
my $size = restart();
@u = loaded_lines('AuthzPolicyUserFile', $users, $size);
is scalar @u, 1, 'a restart after a change: the user file is logged once';
unlike $u[0] // '', qr/not parsed again/, '... and was parsed again';
ok settles(sub { code('/sp/') }, 403), '... its new version decides (bob '
                                       . 'is no longer an admin)';
@l = loaded_lines('AuthzPolicyIPList', $list, $size);
like $l[0] // '', qr/\(unchanged since: not parsed again\)/,
    '... while the unchanged IP list is not parsed again';

# unchanged: kept
$size = restart();
@u = loaded_lines('AuthzPolicyUserFile', $users, $size);
like $u[0] // '', qr/\(unchanged since: not parsed again\)/,
    'a restart with the file unchanged: not parsed again';
is code('/sp/'), 403, '... and the version kept still decides';

stop();
ok !-e "$run/httpd.pid", 'the server stops';
