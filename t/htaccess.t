# AuthzPolicyUserFile and Require role from .htaccess (AllowOverride
# AuthConfig).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 4;

is req(GET => '/p/htaccess/', user => 'alice')->code, 200, 'alice: 200';
is req(GET => '/p/htaccess/', user => 'bob')->code, 403, 'bob: 403';
is req(GET => '/p/htaccess/')->code, 401, 'anonymous: 401';
# a second request reuses the file loaded by the first
is req(GET => '/p/htaccess/', user => 'alice')->code, 200, 'again: 200';
