# Shared hosting (docs/shared-hosting.md): a customer's user file crafted to
# flood the table's index.  Its 16,384 names (933 KB, within the
# recommended AuthzPolicyHtaccessLimits 1M) all have the same low 32 bits
# of FNV-1a, the hash the table once used: each name fell in one slot and
# each load took seconds of CPU.  The file must load and answer as any
# other; how long the load takes is measured by make bench-parse (within
# 3 times random names of the same count), not here.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use Digest::SHA qw(sha1_base64);
use Time::HiRes qw(time);

plan tests => 5;

my ($TA) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');
my $AREA = "$A/public_html/flood";

# Names of 15 blocks, each "th3a" or "8faq": from each state these names
# pass through, both blocks lead FNV-1a's low 32 bits to one state.
sub crafted_name {
    my ($u) = @_;
    return join '', map { ($u >> $_) & 1 ? '8faq' : 'th3a' } 0 .. 14;
}
sub fnv_low32 {
    my $h = 0x84222325;                 # the low half of FNV-1a's basis
    $h = (($h ^ ord) * 0x1b3) & 0xffffffff for split //, $_[0];
    return $h;
}

my $listed = 1 << 14;                   # the last block "th3a"
my @names = map { crafted_name($_) } 0 .. $listed;
my %low = map { fnv_low32($_) => 1 } @names;
is scalar(keys %low), 1,
    'the crafted names share the low 32 bits of FNV-1a';

# names with an even number are admins, the others viewers; the name one
# past the listed ones is absent from the file
my $users = join '', map {
    "$names[$_] role=" . ($_ % 2 ? 'viewer' : 'admin') . "\n"
} 0 .. $listed - 1;
note sprintf '%d names, %d bytes', $listed, length $users;
PolicyTest::Setup::put("$A/data/flood-users.txt", $users, $TA, 0640);
my $sha = sha1_base64($PolicyTest::Setup::PASSWORD) . '=';
PolicyTest::Setup::put("$A/data/flood-htpasswd",
    join('', map { "$names[$_]:{SHA}$sha\n" } 0, 1, $listed - 2, $listed),
    $TA, 0640);
# written a while ago: a file changed within the last seconds is read
# only once it has settled, which would be timed below
utime time - 60, time - 60, "$A/data/flood-users.txt", "$A/data/flood-htpasswd";
PolicyTest::Setup::htaccess($AREA, $TA,
    "AuthUserFile $A/data/flood-htpasswd",
    "AuthzPolicyUserFile $A/data/flood-users.txt",
    'Require role admin');

# (a script's first request waits for the client's own start-up)
status_of('/ha/basic/', user => 'bob');
my $t0 = time;
my $first = status_of('/ha/flood/', user => $names[0], timeout => 120);
note sprintf 'first request (the file loaded in that process): %.2f s',
    time - $t0;
is $first, 200, 'the first crafted name is an admin: 200';
is status_of('/ha/flood/', user => $names[$listed - 2], timeout => 120), 200,
    '... and so is one listed last';
is status_of('/ha/flood/', user => $names[1], timeout => 120), 403,
    'a crafted name that is a viewer: 403';
is status_of('/ha/flood/', user => $names[$listed], timeout => 120), 403,
    'a crafted name the file does not list holds no role: 403';
