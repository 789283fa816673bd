# AuthzPolicyUserFile and Require role from .htaccess (AllowOverride
# AuthConfig); AuthzPolicyErrorDocument there needs FileInfo, as
# ErrorDocument does.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 8;

is req(GET => '/p/htaccess/', user => 'alice')->code, 200, 'alice: 200';
is req(GET => '/p/htaccess/', user => 'bob')->code, 403, 'bob: 403';
is req(GET => '/p/htaccess/')->code, 401, 'anonymous: 401';
# a second request reuses the file loaded by the first
is req(GET => '/p/htaccess/', user => 'alice')->code, 200, 'again: 200';

# AuthzPolicyErrorDocument is a FileInfo directive, like ErrorDocument:
# with AuthConfig alone, httpd refuses the .htaccess (500, logged).
my $size = error_log_size();
my $r = req(GET => '/p/ht-errdoc/authconfig/', user => 'bob');
is $r->code, 500, 'AuthzPolicyErrorDocument with AllowOverride AuthConfig: 500';
like wait_for(5, sub { error_log_since($size) }),
    qr/ht-errdoc\/authconfig\/\.htaccess: AuthzPolicyErrorDocument not allowed here/,
    '... logged: not allowed here';
$r = req(GET => '/p/ht-errdoc/fileinfo/', user => 'bob');
is $r->code, 403, 'with AllowOverride FileInfo: the denial';
like $r->content, qr/Admins only here\./, '... with its error document';
