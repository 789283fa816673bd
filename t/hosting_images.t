# Shared hosting (docs/shared-hosting.md): code running as the server's User (a
# CGI without suEXEC, a shared PHP pool) can neither change what the
# module trusts nor make root write through a link it planted.
#
# The module used to publish parsed images of data files, writable by the
# User, as RUNTIME/authz_policy/<hash>.img (with .lock and .bad, and
# <hash>.img.<parent pid>.tmp written by root at each restart).  The
# attacks below go for those names; where they do not exist there is
# nothing to attack, and the answers must be right either way.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use File::Basename qw(dirname);
use Time::HiRes qw(sleep time);

# make test-valgrind runs the suite's server as one apache2 -X process
# under memcheck: it has no parent, so it neither restarts nor reloads
# files only root can read (t/hosting_configured.t restarts a server of
# its own, outside memcheck).
plan skip_all => "restarts the suite's server, a single apache2 -X "
                 . 'process under make test-valgrind'
    if $ENV{POLICY_TEST_VALGRIND};
plan tests => 14;

my $KIND = 'AuthzPolicyUserFile';
my ($TA) = @PolicyTest::Setup::TENANTS;
my $admin_file = hosting_path('admin-users.txt');
my $a_file = hosting_path('a/public_html/basic/users.txt');
my $admin_img = old_image_base($KIND, $admin_file) . '.img';
my $a_img = old_image_base($KIND, $a_file) . '.img';
sub status { status_of($_[0], user => $_[1]) }
# Every different answer to user on path during secs seconds (each server
# process looks at its data files once a second: an attack on them shows
# within that time).
sub answers {
    my ($path, $user, $secs) = @_;
    my %seen;
    my $end = time + $secs;
    while (time < $end) {
        $seen{ status($path, $user) }++;
        sleep 0.1;
    }
    return join ' ', sort keys %seen;
}
# Whatever the module derived from the files is made again (the users
# file is root's: the server's processes cannot read it themselves).
sub repair { signal_restart('USR1') }

is status('/hadmin/private/', 'alice'), 200, 'alice is an admin: 200';
is status('/hadmin/private/', 'bob'), 403, 'bob is an editor: 403';

# --- A forged image: another file's image, its trailer made to match -----

is status('/ha/basic/', 'bob'), 200, "A's area (bob is an admin there)";
wait_for(3, sub { -e $a_img });
my ($mtime, $size, $ino, $dev) = split ' ',
    `stat -c '%.9Y %s %i %d' $admin_file`;
my ($sec, $nsec) = split /\./, $mtime;
my $source = pack 'q< q< Q< Q<', $sec * 1_000_000 + int($nsec / 1000),
                  $size, $ino, $dev;
my $forged = as_user('nobody', sub {
    return 'nothing to copy' unless -r $a_img && -w dirname($admin_img);
    open my $in, '<:raw', $a_img or return "read: $!";
    local $/;
    my $image = <$in>;
    # the trailer: 16 bytes of padding, then the source's version
    substr($image, length($image) - 64 + 16, 32) = $source;
    open my $out, '>:raw', "$admin_img.forged" or return "write: $!";
    print $out $image;
    close $out or return "write: $!";
    rename "$admin_img.forged", $admin_img or return "rename: $!";
    'forged';
});
note "as the server's User: $forged";
is answers('/hadmin/private/', 'bob', 3), 403,
    "bob stays 403 after the User's forgery (3 s of requests)";
is answers('/hadmin/private/', 'alice', 2), 200, '... alice stays 200';

# --- An image truncated in place -------------------------------------------

# A users file the server's processes can read: when it changes, they
# parse it again themselves (and used to publish the image, as the User).
my $served = hosting_path('admin/served-users.txt');
my $served_img = old_image_base($KIND, $served) . '.img';
my $t = time - 10;
utime $t, $t, $served;
wait_for(5, sub { status('/hadmin/served/', 'alice');
                  -e $served_img && (stat _)[4] == getpwnam('nobody') });
# (every process has looked at it again by the end of two seconds)
is answers('/hadmin/served/', 'alice', 2), 200,
    "alice is an admin on another administrator's area";
my $log_size = error_log_size();
my $cut = as_user('nobody', sub {
    return 'nothing to truncate' unless -w $served_img;
    truncate $served_img, 0 or return "truncate: $!";
    'truncated';
});
note "as the server's User: $cut";
is answers('/hadmin/served/', 'alice', 3), 200,
    'alice stays 200 after the truncation (3 s of requests)';
is answers('/hadmin/served/', 'bob', 1), 403, '... bob 403';
my @crashes = error_log_since($log_size) =~ /(exit signal [^\n]*)/g;
is scalar(@crashes), 0, '... and no server process crashed'
    or diag $crashes[0];
repair();

# --- Links planted before a graceful restart -------------------------------

# Every data file of the server configuration, as the module named it.
my @files;
open my $conf, '<', t_path('conf/extra.conf') or die $!;
while (<$conf>) {
    next if /^\s*#/;
    if (/^\s*(AuthzPolicyUserFile|AuthzPolicyGeoIPDatabase)\s+"?([^"\s]+)/
        || /^\s*(AuthzPolicyIPList)\s+\S+\s+"?([^"\s]+)/) {
        my ($kind, $path) = ($1, $2);
        $path = t_path($path) unless $path =~ m{^/};
        push @files, [ $kind, $path ];
    }
}
my $target = hosting_path('root-only');
PolicyTest::Setup::put($target, "root's own\n", 'root', 0600);
sub identity { `stat -c '%s %a %u %Y' $_[0]` . `md5sum < $_[0]` }
my $before = identity($target);
my $parent = server_pid();
my @names = map {
    my $base = old_image_base(@$_);
    map { "$base$_" } ".img.$parent.tmp", ".bad.$parent.tmp", '.lock', '.bad'
} @files;
my $planted = as_user('nobody', sub {
    my $n = 0;
    for my $name (@names) {
        next if -e $name || -l $name;
        $n++ if symlink $target, $name;
    }
    "$n links planted";
});
note "as the server's User: $planted";
my ($alive, $log) = signal_restart('USR1');
ok $alive, 'graceful restart: the server goes on';
like $log, qr/resuming normal operations/, '... and says so';
is identity($target), $before,
    'the root-owned file the links led to is untouched';
is status('/hadmin/private/', 'alice'), 200, 'alice: 200 after the restart';
is status('/hadmin/private/', 'bob'), 403, 'bob: 403 after the restart';

# Clean up: the links, and what the restart made of them.
my $runtime = dirname($admin_img);
for my $name (glob("$runtime/*"), @names) {
    unlink $name if -l $name;
}
signal_restart('USR1');
