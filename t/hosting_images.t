# Shared hosting (SPEC section 9): code running as the server's User (a
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
use Time::HiRes qw(sleep);

plan tests => 12;

my $KIND = 'AuthzPolicyUserFile';
my ($TA) = @PolicyTest::Setup::TENANTS;
my $admin_file = hosting_path('admin-users.txt');
my $a_file = hosting_path('a/public_html/basic/users.txt');
my $admin_img = old_image_base($KIND, $admin_file) . '.img';
my $a_img = old_image_base($KIND, $a_file) . '.img';
sub status { status_of($_[0], user => $_[1]) }
sub answers {
    my ($user, $n) = @_;
    return join ' ', map { status('/hadmin/private/', $user) } 1 .. $n;
}
# The administrator touches the users file: whatever the module derived
# from it is made again.
sub touch_admin_file { my $t = time - 10 - int(rand 100);
                       utime $t, $t, $admin_file }

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
is answers('bob', 8), join(' ', (403) x 8),
    "bob stays 403 after the User's forgery (8 requests)";
is answers('alice', 3), '200 200 200', '... alice stays 200';

# --- An image truncated in place -------------------------------------------

touch_admin_file();
settles(sub { status('/hadmin/private/', 'alice') }, 200);
my $log_size = error_log_size();
my $cut = as_user('nobody', sub {
    return 'nothing to truncate' unless -w $admin_img;
    truncate $admin_img, 100 or return "truncate: $!";
    'truncated';
});
note "as the server's User: $cut";
is answers('alice', 6), join(' ', (200) x 6),
    'alice stays 200 after the truncation';
is answers('bob', 6), join(' ', (403) x 6), '... bob 403';
unlike error_log_since($log_size), qr/exit signal/,
    '... and no server process crashed';
touch_admin_file();

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
my $before = `stat -c '%s %a %u %Y' $target` . `cat $target`;
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
is `stat -c '%s %a %u %Y' $target` . `cat $target`, $before,
    'the root-owned file the links led to is untouched';
is status('/hadmin/private/', 'alice'), 200, 'alice: 200 after the restart';
is status('/hadmin/private/', 'bob'), 403, 'bob: 403 after the restart';

# Clean up: the links, and what the restart made of them.
my $runtime = dirname($admin_img);
for my $name (glob("$runtime/*"), @names) {
    unlink $name if -l $name;
}
signal_restart('USR1');
