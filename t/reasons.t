# The reason of a denial: environment variables and one info log line.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 9 + 3 * @PolicyTest::Setup::HOSTILE_USERS;

my $size = error_log_size();
is req(GET => "/p/role/admin/?r1-$$", user => 'bob')->code, 403, 'role denial';
like access_log_line("?r1-$$"),
    qr/ 403 reason=role required=admin status=403$/, 'role: variables';
my $log = wait_for(5, sub {
    my $s = error_log_since($size);
    $s =~ /denied: reason="role"/ ? $s : undef });
my @lines = grep { /authz_policy:info.*denied:/ } split /\n/, $log || '';
is scalar(@lines), 1, 'one log line per denial';
like $lines[0] || '',
    qr/denied: reason="role" required="admin" user="bob" client="127\.0\.0\.1" region=- status="403" uri="\/p\/role\/admin\/" area="\/p\/role\/admin"$/,
    'log line: reason, requirement, user, client, region, status, area';

is req(GET => "/p/plan/pro/?r2-$$", user => 'carol')->code, 403, 'plan denial';
like access_log_line("?r2-$$"), qr/ reason=plan required=pro status=403$/,
    'plan: variables';
is req(GET => "/p/scope/all/?r3-$$", user => 'bob')->code, 403, 'scope denial';
like access_log_line("?r3-$$"), qr/ reason=scope required=reports:write /,
    'scope: the check that decided';
req(GET => "/p/role/admin/?r4-$$");
like access_log_line("?r4-$$"), qr/ 401 reason=anonymous required=- status=401$/,
    'anonymous: variables';

# Every value of the log line is quoted, with '"', '%', '\', control bytes
# and bytes over 0x7e percent-encoded: whatever a user name holds, the line
# still has exactly its own fields, and the name reads back.
sub fields {
    my ($line) = @_;
    my ($rest) = $line =~ /denied: (.*)$/ or return ();
    my $value = qr/"[^"\\]*"|-/;
    return () unless $rest =~ /^(?:\w+=$value(?: |$))+$/;
    my @f;
    push @f, [ $1, $2 ] while $rest =~ /(\w+)=($value)/g;
    return @f;
}
for my $name (@PolicyTest::Setup::HOSTILE_USERS) {
    (my $shown = $name) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
    my $at = error_log_size();
    is req(GET => '/p/role/admin/', user => $name)->code, 403,
        "user '$shown': denied";
    my $got = wait_for(5, sub {
        my $s = error_log_since($at);
        $s =~ /denied: reason=/ ? $s : undef });
    my ($line) = grep { /denied: reason=/ } split /\n/, $got || '';
    my @f = fields($line || '');
    is join(' ', map { $_->[0] } @f),
        'reason required user client region status uri area',
        "... the log line has its own fields and no others"
        or diag $line;
    my %f = map { $_->[0] => $_->[1] } @f;
    (my $user = substr($f{user} || '""', 1, -1)) =~ s/%([0-9A-F]{2})/chr hex $1/ge;
    is $user, $name, '... and the user field reads back as the name';
}
