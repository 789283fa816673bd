# Require scope, alone and inside RequireAll / RequireAny.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 10;

is req(GET => '/p/scope/read/', user => 'bob')->code, 200, 'bob reads';
is req(GET => '/p/scope/read/', user => 'carol')->code, 403,
    'carol has no scopes';
is req(GET => '/p/scope/all/', user => 'alice')->code, 200,
    'RequireAll: alice has both scopes';
is req(GET => '/p/scope/all/', user => 'bob')->code, 403,
    'RequireAll: bob lacks reports:write';
is req(GET => '/p/scope/any/', user => 'alice')->code, 200,
    'RequireAny: alice through her scope';
is req(GET => '/p/scope/any/', user => 'dave')->code, 200,
    'RequireAny: dave through his role';
my $r = req(GET => '/p/scope/any/', user => 'bob');
is $r->code, 403, 'RequireAny: bob has neither';
ok !defined $r->header('WWW-Authenticate'), 'no challenge on 403';
is req(GET => '/p/scope/any/')->code, 401, 'anonymous: 401';
is req(GET => '/p/scope/all/', user => 'frank')->code, 403,
    'a user absent from the file holds no scope';
