# Expiring grants in the user file (NAME@YYYY-MM-DDTHH:MM:SSZ): a value
# past its instant no longer counts, with no reload; one still to come
# counts, inherits and ranks as any other.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use POSIX qw(strftime);

plan tests => 16;

sub instant { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }
my $past = instant(time - 60);
my $future = instant(time + 365 * 86400);

my $file = var_path('grants-users.txt');
write_file($file, <<"USERS");
alice role=oncall\@$past
bob   role=oncall\@$future
carol role=editor\@$future
dave  role=editor\@$past,billing
erin  plan=pro,enterprise\@$past scope=reports:read\@$future
frank plan=free,enterprise\@$future scope=reports:read\@$past
USERS
sub code { req(GET => $_[0], user => $_[1])->code }
ok settles(sub { code('/p/grants/oncall/', 'bob') }, 200),
    'the file with expiring grants is in force';

my $tag = "?expired-$$";
is code("/p/grants/oncall/$tag", 'alice'), 403,
    'a role that expired a minute ago: 403';
like access_log_line($tag), qr/ 403 reason=role required=oncall status=403$/,
    '... with the usual reason';
is code('/p/grants/oncall/', 'bob'), 200, 'a role that expires in a year: 200';
is code('/p/grants/viewer/', 'carol'), 200,
    'an expiring role that has not expired inherits (editor -> viewer)';
is code('/p/grants/viewer/', 'dave'), 403,
    'an expired one does not';
is code('/p/grants/pro/', 'erin'), 200,
    'an expired plan leaves the plan that does not expire';
is code('/p/grants/enterprise/', 'erin'), 403, '... which ranks below';
is code('/p/grants/enterprise/', 'frank'), 200,
    'the highest plan that has not expired counts';
is code('/p/grants/scope/', 'erin'), 200, 'a scope still to expire counts';
is code('/p/grants/scope/', 'frank'), 403, 'an expired scope does not';

# a malformed instant on a reload: file and line logged, the last good
# version stays
my $size = error_log_size();
write_file("$file.new", "bob role=oncall\@$future\n"
                      . "alice role=oncall\@2026-12-01 18:00:00Z\n"
                      . "carol role=oncall\@2026-02-30T00:00:00Z\n");
rename "$file.new", $file or die $!;
my $log = wait_for(8, sub {
    code('/p/grants/oncall/', 'bob');
    my $s = error_log_since($size);
    $s =~ /grants-users\.txt: line 2: malformed expiry/ ? $s : undef });
ok $log, 'a malformed instant names file and line';
like $log || '', qr/last good version stays in force/, '... and keeps the last good version';
ok settles(sub { code('/p/grants/oncall/', 'alice') }, 403),
    'alice is still refused';
is code('/p/grants/oncall/', 'bob'), 200, 'bob still holds oncall';

write_file("$file.new", "carol role=oncall\@2026-02-30T00:00:00Z\n");
$size = error_log_size();
rename "$file.new", $file or die $!;
ok wait_for(8, sub {
    code('/p/grants/oncall/', 'bob');
    error_log_since($size) =~ /grants-users\.txt: line 1: malformed expiry/ }),
    'a day that does not exist is malformed';
