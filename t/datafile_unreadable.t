# A configured data file that the server's User cannot read: the root
# parent loads it, but the running processes look at it again as the User
# and cannot.  Two cases: a users file in a root-only (0700) directory, and
# a root-only (0600) file in an open directory.  configtest and a start
# warn on screen, the start's error log warns, each failed look at a
# change is logged once, and the status page shows it as the file's last
# error.  A server of its own (POLICY_TEST_PORT + 67, one process).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use Cwd ();
use File::Path qw(make_path remove_tree);
use JSON::PP ();

plan tests => 17;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 67;     # away from the suite
my $HTTPD = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
my $dir = Cwd::abs_path(var_path('')) . '/unreadable';
my $run = "$dir/run";
my $conf = "$dir/httpd.conf";
my $hidden = "$dir/root-only/users.txt";    # in a 0700 directory of root's
my $closed = "$dir/open/users.txt";         # 0600, root's
my $T = t_path('');

sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs/h", "$dir/htdocs/c", "$dir/root-only",
          "$dir/open");
chmod 0755, $dir, "$dir/open";
chmod 0700, "$dir/root-only";
write_file("$dir/htdocs/$_/index.html", "ok\n") for qw(h c);
system('chmod', '-R', 'a+rX', "$dir/htdocs");
END { stop() }

# rewritten as an editor does: a new file renamed over the old one
sub put {
    my ($path, $mode, $text) = @_;
    write_file("$path.new", $text);
    chmod $mode, "$path.new";
    rename "$path.new", $path or die "$path: $!";
}
put($hidden, 0644, "bob role=admin\n");
put($closed, 0600, "bob role=admin\n");

write_file($conf, PolicyTest::Setup::standalone_conf(
    root => $run, listen => "127.0.0.1:$port",
    so => $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so",
    modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                   alias dir mime)]) . <<"CONF");
DocumentRoot "$dir/htdocs"
TypesConfig /etc/mime.types
StartServers 1
ServerLimit 1
MaxRequestWorkers 25
<Location />
    AuthType Basic
    AuthName "unreadable"
    AuthBasicProvider file
    AuthUserFile "$T/var/htpasswd"
</Location>
<Location /h/>
    AuthzPolicyUserFile "$hidden"
    Require role admin
</Location>
<Location /c/>
    AuthzPolicyUserFile "$closed"
    Require role admin
</Location>
<Location /status>
    SetHandler authz-policy-status
    Require all granted
</Location>
CONF

sub log_text { local (@ARGV, $/) = "$run/error_log"; <> // '' }
sub code { (get_as_bob($port, $_[0]))[0] }
sub count_of { my ($re) = @_; scalar(() = log_text() =~ /$re/g) }

my $warn_hidden = qr/AuthzPolicyUserFile \Q$hidden\E: the server's User \(nobody\) cannot read it: no search permission on the directory \Q$dir\E\/root-only \(owner root, mode 0700\)/;
my $warn_closed = qr/AuthzPolicyUserFile \Q$closed\E: the server's User \(nobody\) cannot read it: no read permission on the file \Q$closed\E \(owner root, mode 0600\)/;

# --- configtest and a start say it on screen ------------------------------
my $said = `$HTTPD -f $conf -t 2>&1`;
is $? >> 8, 0, 'configtest passes (a warning, not an error)' or diag $said;
like $said, $warn_hidden,
    'configtest: the file in a root-only directory, and that directory';
like $said, $warn_closed, 'configtest: the root-only file';
$said = `$HTTPD -f $conf -k start 2>&1`;
is $? >> 8, 0, 'the server starts' or diag $said;
like $said, qr/$warn_hidden.*$warn_closed|$warn_closed.*$warn_hidden/s,
    '... and says both on screen';
wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$port") });
like log_text(), qr/$warn_hidden.*$warn_closed|$warn_closed.*$warn_hidden/s,
    '... and in its error log';
is code('/h/') . ' ' . code('/c/'), '200 200',
    'bob passes with the versions root loaded';

# --- the running processes cannot look at them ------------------------------
my $unreachable = qr/AuthzPolicyUserFile \Q$hidden\E: cannot look at it as user nobody: Permission denied/;
ok wait_for(10, sub { count_of($unreachable) }),
    'the child that cannot look at the file in the root-only directory '
    . 'says so';

# bob's role is revoked in both files
put($hidden, 0644, "bob role=viewer\n");
put($closed, 0600, "bob role=viewer\n");
my $unread = qr/AuthzPolicyUserFile \Q$closed\E: cannot read it as user nobody: Permission denied; the running processes keep the version they have/;
ok wait_for(10, sub { count_of($unread) }),
    'the child that cannot read the changed root-only file says so';
# the parent (root) rereads both from its monitor, about every ten seconds
my $parent_only = sub {
    qr/AuthzPolicyUserFile \Q$_[0]\E: reloaded by the parent only: user nobody cannot read it, and the running processes keep the version they have/ };
ok wait_for(30, sub { count_of($parent_only->($hidden))
                      && count_of($parent_only->($closed)) }),
    'the parent rereads both and says the running processes do not have '
    . 'the change';
sleep 3;                                     # more looks, more polls
is count_of($unreachable), 1,
    'the refused look is logged once, not at every poll';
is count_of($unread), 1, 'the refused read once for the change';
is count_of($parent_only->($hidden)) . ' ' . count_of($parent_only->($closed)),
    '1 1', 'the parent\'s line once for each change';

# --- the status page shows it as each file's last error ---------------------
my (undef, $json) = get_as_bob($port, '/status?format=json');
my $doc = eval { JSON::PP::decode_json($json) } || {};
my %files = map { $_->{file} => $_ } @{ $doc->{datafiles} || [] };
like $files{$hidden}{last_error} // '', qr/user nobody cannot read it/,
    'status page (JSON): the file in the root-only directory\'s last error';
like $files{$closed}{last_error} // '', qr/user nobody cannot read it/,
    '... and the root-only file\'s';
cmp_ok $files{$closed}{reloads_error} // 0, '>=', 1,
    '... counted as a failed reload';
my (undef, $html) = get_as_bob($port, '/status');
like $html, qr/<td>\Q$hidden\E<\/td>.*user nobody cannot read it/,
    'status page (HTML): the last error beside the file';
