# AuthzPolicyCacheTimeout: each area keeps answers from SQL for its own
# lifetime, the cache (AuthzPolicyCache 300 in the virtual host
# policy_cache_areas) staying the server's; 0 turns caching off in an area.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();

plan tests => 10;

sub code {
    my ($path) = @_;
    req(GET => $path, user => 'ruth', vhost => 'policy_cache_areas')->code;
}
my %area = (long => '/a/dbd-role/', short => '/a/dbd-role/short/',
            off => '/a/dbd-role/off/');

PolicyTest::Setup::sqlite("INSERT INTO roles VALUES ('ruth', 'auditor');");
for my $name (qw(long short off)) {
    is code($area{$name}), 200, "$name: ruth is an auditor";
}

PolicyTest::Setup::sqlite("DELETE FROM roles WHERE user = 'ruth';");
my $size = error_log_size();
is code($area{off}), 403, 'lifetime 0: the changed row counts at once';
unlike error_log_since($size), qr/ap:role:\w+:ruth from the cache/,
    '... asked of the database, not the cache';

$size = error_log_size();
is code($area{long}), 200, 'the server\'s 300 s: the kept answer';
like error_log_since($size), qr/ap:role:\w+:ruth from the cache/,
    '... from the cache';

# the short area sees the change once its 2 s have passed, though the
# long area's answer (the same query's) is still in the cache
ok wait_for(20, sub { code($area{short}) == 403 }),
    'lifetime 2: the changed row counts after it';

# not in .htaccess: the cache keeps only the answers of dbd sources, which
# .htaccess files cannot configure either
$size = error_log_size();
is req(GET => '/a/ht-cache/', user => 'ruth')->code, 500,
    '.htaccess: AuthzPolicyCacheTimeout is refused (500)';
like error_log_since($size), qr/AuthzPolicyCacheTimeout not allowed here/,
    '... and the log says why';
