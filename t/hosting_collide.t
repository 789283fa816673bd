# Shared hosting (docs/shared-hosting.md): what the module derives from a data
# file is keyed by the file's full identity.  The administrator's users
# file /tmp/azp-ef30f3d588661563 and customer A's /tmp/azp-df30f9f2d2c32166
# have the same 64-bit FNV-1a hash of "AuthzPolicyUserFile\n" . path, the
# name under which parsed images used to be shared between processes.  A
# names the colliding path in an .htaccess (bob is an admin there), then
# replaces it by a FIFO that looks old, so that a reload of it blocks.
# None of that may change who is an admin on the administrator's area.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use POSIX ();
use Time::HiRes qw(sleep);

plan tests => 6;

my ($admin_file, $a_file) = @PolicyTest::Setup::COLLIDING;
my ($TA) = @PolicyTest::Setup::TENANTS;
sub status { status_of($_[0], user => $_[1]) }

is status('/hadmin/collide/', 'bob'), 403,
    "bob is an editor in the administrator's file: 403";
is status('/hadmin/collide/', 'alice'), 200, 'alice is an admin there: 200';

# A's own area follows A's file: that is A's right.
ok settles(sub { status('/ha/collide/', 'bob') }, 200),
    "in A's area, A's file makes bob an admin";

# A replaces the file by a FIFO with an old mtime, and asks for it.
as_user($TA, sub {
    POSIX::mkfifo("$a_file.fifo", 0644) or die "mkfifo: $!";
    utime time - 3600, time - 3600, "$a_file.fifo";
    rename "$a_file.fifo", $a_file or die "rename: $!";
});
my $flood = flood_get('/ha/collide/', 6, user => 'bob', timeout => 30);
sleep 2.5;

my @bob = map { status('/hadmin/collide/', 'bob') } 1 .. 8;
is "@bob", join(' ', (403) x 8),
    "bob stays 403 on the administrator's area (8 requests)";
my @alice = map { status('/hadmin/collide/', 'alice') } 1 .. 4;
is "@alice", join(' ', (200) x 4), '... and alice stays 200';
sleep 1;
@bob = map { status('/hadmin/collide/', 'bob') } 1 .. 8;
is "@bob", join(' ', (403) x 8), '... still, a second later';

# Clean up: kill the client, let go of the FIFO, give A a file again.
collect_background([$flood], 0);
rename $a_file, "$a_file.gone" or die $!;
{
    sysopen my $fifo, "$a_file.gone", POSIX::O_RDWR() | POSIX::O_NONBLOCK()
        or die $!;
    sleep 1;
}
unlink "$a_file.gone";
PolicyTest::Setup::put($a_file, "bob role=admin\n", $TA, 0640);
