# User files are picked up again without a restart: rewritten in place,
# replaced by rename, broken (the last good version stays), removed (fail
# closed with 500) and restored.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 11;

my $file = var_path('reload-users.txt');
sub status { req(GET => '/p/reload/', user => 'ruth')->code }
sub settles_to { settles(\&status, $_[0]) }

write_file($file, "ruth role=admin\n");
ok settles_to(200), 'ruth is an admin';

# rewritten in place
write_file($file, "# demoted\nruth role=viewer\n");
ok settles_to(403), 'in-place rewrite picked up: 403';

# a broken replacement, by rename: the last good version stays
my $size = error_log_size();
write_file("$file.new", "ruth role=admin\nruth role=admin\n");
rename "$file.new", $file or die $!;
# files are looked at when requests need them: keep asking
my $log = wait_for(8, sub {
    status();
    my $s = error_log_since($size);
    $s =~ /reload-users\.txt: line 2: duplicate user/ ? $s : undef });
ok $log, 'the error names file and line';
like $log || '', qr/last good version stays in force/, '... and says so';
# every process has looked at it by now
ok settles_to(403), 'the last good version is still in force';
my @errors = error_log_since($size) =~ /duplicate user/g;
is scalar(@errors), 1, 'a bad version is parsed and logged once';

# a good replacement, by rename
write_file("$file.new", "ruth role=admin\n");
rename "$file.new", $file or die $!;
ok settles_to(200), 'replacement by rename picked up: 200';

# removed: requests that need it fail closed
$size = error_log_size();
unlink $file;
ok settles_to(500), 'a vanished file denies with 500';
my @gone = error_log_since($size) =~ /reload-users\.txt has gone/g;
is scalar(@gone), 1, 'its loss is logged once, not once per process';
write_file($file, "ruth role=admin\n");
ok settles_to(200), 'back again: 200';
is req(GET => '/p/role/admin/', user => 'alice')->code, 200,
    'other files were never affected';
