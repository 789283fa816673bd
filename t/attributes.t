# AuthzPolicyAttribute: roles, plans and scopes from variables set by an
# authentication module and from SQL (SQLite through mod_dbd), their
# union, once per request, failures, and AuthzPolicyCache.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();
use Time::HiRes qw(sleep);

plan tests => 39;

sub code { my ($u, $path, %h) = @_; req(GET => $path, user => $u, %h)->code }
sub cached { code(@_, vhost => 'policy_cache') }

# variables (here set by mod_setenvif from a header, as an SSO module would)
is code('bob', '/a/env-role/', 'X-Test-Roles' => 'viewer, editor'), 200,
    'env: a comma-separated list, values trimmed';
is code('bob', '/a/env-role/', 'X-Test-Roles' => 'viewer'), 403,
    'env: without the role';
is code('bob', '/a/env-role/'), 403, 'env: variable not set: no roles';
is code('carol', '/a/env-scope/', 'X-Test-Scopes' => 'reports:read reports:write'),
    200, 'env: space-delimited scopes (OAuth)';
is code('carol', '/a/env-scope/', 'X-Test-Scopes' => 'reports:read'), 403,
    'env: without the scope';

is code('bob', '/a/env-role-two/', 'X-Test-Roles' => 'viewer;;editor'), 200,
    'env: a delimiter of two bytes';
is code('bob', '/a/env-role-two/', 'X-Test-Roles' => 'viewer;editor'), 403,
    '... one of its bytes alone delimits nothing';

# a subrequest (an SSI include) into an area with another user file
# reads that file: bob is an editor in the page's, nobody in the other's
my $page = req(GET => '/ssi/main/page.shtml', user => 'bob');
is $page->code, 200, 'an editor reads a page that includes another area\'s file';
unlike $page->content, qr/OTHER-SECRET/,
    '... but not that file: its area\'s user file does not make him an editor';
is code('bob', '/ssi/other/secret.txt'), 403, '... as asking for it directly shows';

# SQL
is code('bob', '/a/dbd-role/'), 200, 'dbd: a role from the database';
is code('carol', '/a/dbd-role/'), 403, 'dbd: a user without it';
is code('frank', '/a/dbd-role/'), 403, 'dbd: a user without rows';

# sources add up
is code('alice', '/a/union/'), 200, 'union: a role from the file';
is code('bob', '/a/union/'), 200, 'union: a role from the database';
is code('carol', '/a/union/', 'X-Test-Roles' => 'tester'), 200,
    'union: a role from a variable';
is code('erin', '/a/union/'), 403, 'union: none of them';
is code('bob', '/a/union-all/'), 200,
    'union: RequireAll of a file role and a database role';
is code('dave', '/a/union-all/'), 403, '... one of them missing';
is code('carol', '/a/plan/'), 200,
    'plan: the highest-ranked plan wins (file free, database enterprise)';
is code('erin', '/a/plan/'), 403, 'plan: none';

# once per request, however many Require lines ask
my $size = error_log_size();
code('bob', "/a/union-all/?q1-$$");
my $log = wait_for(5, sub { my $s = error_log_since($size); $s =~ /q1-$$|querying/ ? $s : undef });
my @queries = ($log || '') =~ /AuthzPolicyAttribute dbd: querying for user bob/g;
is scalar(@queries), 1, 'two Require role lines, one query';

# a source that fails denies with 500 and a log line, never grants
$size = error_log_size();
my $r = req(GET => '/a/broken/', user => 'bob', vhost => 'policy_dbd_broken');
is $r->code, 500, 'a failing query: 500';
like error_log_since($size), qr/AuthzPolicyAttribute dbd: no database connection/,
    '... with a log line';

# the cache (virtual host policy_cache: AuthzPolicyCache 2, shmcb)
is cached('dave', '/a/dbd-role/'), 200, 'cache: dave is an auditor';
PolicyTest::Setup::sqlite("DELETE FROM roles WHERE user = 'dave';");
is code('dave', '/a/dbd-role/'), 403, 'no cache: a change counts at once';
$size = error_log_size();
is cached('dave', '/a/dbd-role/'), 200, 'cache: within its lifetime, the kept answer';
like error_log_since($size), qr/dbd: ap:role:\w+:dave from the cache/,
    '... from the cache, without a query';
sleep 2.5;
is cached('dave', '/a/dbd-role/'), 403, 'cache: after its lifetime, the new one';
PolicyTest::Setup::sqlite("INSERT INTO roles VALUES ('dave', 'auditor');");
is cached('dave', '/a/dbd-role/'), 403, 'cache: a denial is kept too';
sleep 2.5;
is cached('dave', '/a/dbd-role/'), 200, '... until it expires';
is code('dave', '/a/dbd-role/'), 200, 'restored';

# a value holding a newline is one value, never kept (the cache's entry
# is one value a line): read again, it must not become two
PolicyTest::Setup::sqlite("UPDATE roles SET role = 'temp' || char(10) || 'auditor' WHERE user = 'erin';");
is cached('erin', '/a/dbd-role/'), 403, 'cache: a role holding a newline is not auditor';
is cached('erin', '/a/dbd-role/'), 403, '... nor when asked again (it was not kept)';
PolicyTest::Setup::sqlite("UPDATE roles SET role = 'temp' WHERE user = 'erin';");

# the cache keeps what the query answered, not what a source before it
# added: bob's roles from a header are not his database roles
is cached('bob', '/a/env-then-dbd/', 'X-Test-Roles' => 'tester'), 200,
    'cache: a role from the variable, before a cached query';
is cached('bob', '/a/env-then-dbd/'), 403,
    '... the query\'s kept answer does not hold it';

# .htaccess may use file and env sources, not SQL
is code('bob', '/a/ht-env/', 'X-Test-Roles' => 'editor'), 200,
    '.htaccess: an env source';
$size = error_log_size();
is code('bob', '/a/ht-dbd/'), 500, '.htaccess: a dbd source is refused (500)';
like error_log_since($size), qr/AuthzPolicyAttribute dbd is not allowed in \.htaccess files/,
    '... and the log says why';
