# Shared hosting (docs/shared-hosting.md): a restart (graceful, or a raw SIGUSR1
# as logrotate's reload sends) with a server-config data file that no
# longer parses keeps serving with the last good version and logs the
# error; only a first start stops.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use Time::HiRes qw(sleep);

# make test-valgrind runs the suite's server as one apache2 -X process
# under memcheck: it has no parent, so it neither restarts nor reloads
# files only root can read (t/hosting_configured.t restarts a server of
# its own, outside memcheck).
plan skip_all => "restarts the suite's server, a single apache2 -X "
                 . 'process under make test-valgrind'
    if $ENV{POLICY_TEST_VALGRIND};
plan tests => 9;

my $file = hosting_path('restart-users.txt');
my $HTTPD = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
sub ruth { status_of('/hadmin/restart/', user => 'ruth') }
sub rewrite {
    write_file("$file.new", $_[0]);
    rename "$file.new", $file or die $!;
}

is ruth(), 200, 'ruth is an admin';
rewrite("ruth role=admin\nruth role=admin\n");
my $parent = server_pid();

# apache2 -k graceful
my $size = error_log_size();
my $said = `$HTTPD -d ${\ t_path('')} -f ${\ t_path('conf/httpd.conf')} -k graceful 2>&1`;
wait_for(10, sub { !kill(0, $parent)
                   || error_log_since($size) =~ /resuming normal operations/ });
ok kill(0, $parent), 'apache2 -k graceful with a users file that does not '
                     . 'parse: the server goes on';
is ruth(), 200, '... with the last good version';
like $said . error_log_since($size), qr/restart-users\.txt.*duplicate user/,
    '... and the error is reported';

# a raw SIGUSR1 to the parent
my ($alive, $log) = kill(0, $parent) ? signal_restart('USR1') : (0, '');
ok $alive, 'SIGUSR1 with a users file that does not parse: the server goes on';
is $alive ? ruth() : 'dead', 200, '... with the last good version';
like $log, qr/restart-users\.txt.*duplicate user/, '... and logs the error';

# a good file again
rewrite("ruth role=viewer\n");
if (!kill 0, $parent) {
    # the server died: start it again for the tests that follow
    diag 'the server died; starting it again';
    local $ENV{AUTHZ_POLICY_SO} = $ENV{AUTHZ_POLICY_SO}
                                  || t_path('../mod_authz_policy.so');
    # (what it says goes to stderr: stdout is the test's report)
    open my $stdout, '>&', \*STDOUT or die $!;
    open STDOUT, '>&', \*STDERR or die $!;
    Apache::Test::config()->server->start;
    open STDOUT, '>&', $stdout or die $!;
}
($alive) = signal_restart('USR1');
ok $alive, 'a restart with the file fixed: the server goes on';
is ruth(), 403, '... and the new version is in force';
rewrite("ruth role=admin\n");
