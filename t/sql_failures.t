# SQL attributes fail closed, with SQLite alone: a query that fails when
# it runs, a table dropped under a running server and a locked database
# answer 500 (never a grant, never a plain 403) and the server recovers
# when the database does.  Answers kept in AuthzPolicyCache are per user.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();
use Time::HiRes qw(sleep time);

plan tests => 16;

# bob has the role in every database of these virtual hosts
sub code {
    my ($vhost, $user) = @_;
    return req(GET => '/a/dbd-role/', user => $user || 'bob', vhost => $vhost)->code;
}

# a query that prepares but fails when it runs
my $size = error_log_size();
is code('policy_sql_error'), 500, 'a query that fails: 500, for a user with the role';
is code('policy_sql_error', 'carol'), 500, '... and for one without';
like error_log_since($size), qr/AuthzPolicyAttribute dbd: query failed: .*overflow/,
    '... logged with the database\'s reason';

# a table dropped under the running server, then created again
is code('policy_sql_drop'), 200, 'before the table is dropped: 200';
PolicyTest::Setup::sqlite('DROP TABLE roles;', 'sql-drop.sqlite');
$size = error_log_size();
my %seen;
$seen{ code('policy_sql_drop') }++ for 1 .. 6;
is join(',', sort keys %seen), '500', 'dropped table: 500 on every connection';
# (a connection that prepared the query before the drop, as the one
# process of make test-valgrind has, is told its schema changed)
like error_log_since($size),
    qr/AuthzPolicyAttribute dbd: (query failed: .*(no such table|database schema has changed)|no database connection)/,
    '... logged';
PolicyTest::Setup::sqlite("CREATE TABLE roles (user TEXT, role TEXT);
    INSERT INTO roles VALUES ('bob', 'auditor');", 'sql-drop.sqlite');
ok settles(sub { code('policy_sql_drop') }, 200, 15), 'table back: 200 again';
is code('policy_sql_drop', 'carol'), 403, '... and 403 for others';

# a database locked by another writer (an exclusive transaction held open)
my $db = var_path('sql-lock.sqlite');
is code('policy_sql_lock'), 200, 'before the lock: 200';
open my $writer, '|-', 'sqlite3', $db or die "sqlite3: $!";
select((select($writer), $| = 1)[0]);
print $writer "BEGIN EXCLUSIVE;\nDELETE FROM roles WHERE user = 'nobody';\n";
my $locked = wait_for(10, sub {
    system("sqlite3 -cmd '.timeout 0' '$db' 'SELECT 1 FROM roles' >/dev/null 2>&1") != 0 });
ok $locked, 'the database is locked';
$size = error_log_size();
is code('policy_sql_lock'), 500, 'locked database: 500, never a grant';
is code('policy_sql_lock', 'carol'), 500, '... never a plain 403';
like error_log_since($size),
    qr/AuthzPolicyAttribute dbd: (no database connection|query failed: .*(locked|busy))/i,
    '... logged';
print $writer "ROLLBACK;\n.quit\n";
close $writer;
ok settles(sub { code('policy_sql_lock') }, 200, 15), 'lock released: 200 again';

# the cache (300 s here): one user's answer never serves another
is code('policy_cache_users', 'frank') . ' ' . code('policy_cache_users', 'bob'),
    '403 200', 'cache: frank (no rows) first, then bob (auditor)';
is code('policy_cache_users', 'bob') . ' ' . code('policy_cache_users', 'carol'),
    '200 403', 'cache: bob first, then carol (no rows)';
