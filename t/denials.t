# Status per reason, overrides, the headers of denials.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 19;

# /d/status: RequireAll role viewer + plan pro; 451 for role, 404 for anonymous
my $r = req(GET => '/d/status/', user => 'dave');
is $r->code, 451, 'role denial mapped to 451';
is $r->header('Link'), '<https://authority.example/notice?id=1&x=y>; rel="blocked-by"',
    '451 carries Link rel=blocked-by';
is $r->header('Cache-Control'), 'no-store', '451 is not cached';
$r = req(GET => '/d/status/', user => 'carol');
is $r->code, 403, 'plan denial keeps 403';
ok !defined $r->header('Link'), 'no Link on 403';
$r = req(GET => '/d/status/');
is $r->code, 404, 'anonymous mapped to 404';
ok !defined $r->header('WWW-Authenticate'), '... without a challenge';
is req(GET => '/d/status/', user => 'bob')->code, 200, 'bob passes';

# a deeper scope overrides reason by reason
is req(GET => '/d/status/inner/', user => 'dave')->code, 403,
    'inner: role back to 403';
is req(GET => '/d/status/inner/')->code, 404, 'inner: anonymous still 404';

# 401 keeps its challenge and gets no-store
$r = req(GET => '/d/auto/');
is $r->code, 401, 'anonymous: 401';
like $r->header('WWW-Authenticate') || '', qr/^Basic realm="denials"/,
    '401 keeps its challenge';
is $r->header('Cache-Control'), 'no-store', '401 is not cached';
$r = req(GET => '/d/auto/', Accept => 'application/json');
like $r->header('WWW-Authenticate') || '', qr/^Basic/,
    '401 with a JSON body keeps its challenge';

# RFC 6750: a scope denial of a Bearer request
$r = req(GET => '/b/reports/', Authorization => 'Bearer bob');
is $r->code, 403, 'bearer: 403';
is $r->header('WWW-Authenticate'),
    'Bearer error="insufficient_scope", scope="reports:write reports:admin"',
    'bearer: insufficient_scope challenge';
is req(GET => '/b/reports/', Authorization => 'Bearer alice')->code, 200,
    'bearer: alice has the scope';
$r = req(GET => '/d/problem-plain/', user => 'bob');
is $r->code, 403, 'scope denial with Basic auth';
ok !defined $r->header('WWW-Authenticate'), '... has no Bearer challenge';
