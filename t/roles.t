# Require role: 401 for anonymous clients, 403 for authenticated users
# without the role, and role inheritance.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 24;

my $r = req(GET => '/p/role/admin/');
is $r->code, 401, 'anonymous: 401';
like $r->header('WWW-Authenticate') || '', qr/^Basic realm="policy tests"/,
    'anonymous: challenge';

$r = req(GET => '/p/role/admin/', user => 'alice', password => 'wrong');
is $r->code, 401, 'wrong password: 401';
ok $r->header('WWW-Authenticate'), 'wrong password: challenge';

$r = req(GET => '/p/role/admin/', user => 'alice');
is $r->code, 200, 'admin holds admin';

$r = req(GET => '/p/role/admin/', user => 'bob');
is $r->code, 403, 'editor without admin: 403, not 401';
ok !defined $r->header('WWW-Authenticate'), '403 carries no challenge';
is $r->header('Cache-Control'), 'no-store', '403 is not cached';

# admin -> editor -> viewer
my %viewer = (alice => 200, bob => 200, carol => 200, dave => 403,
              erin => 403, frank => 403);
for my $u (sort keys %viewer) {
    is req(GET => '/p/role/viewer/', user => $u)->code, $viewer{$u},
        "Require role viewer: $u";
}
my %editor = (alice => 200, bob => 200, carol => 403);
for my $u (sort keys %editor) {
    is req(GET => '/p/role/editor/', user => $u)->code, $editor{$u},
        "Require role editor: $u (inheritance is not upward)";
}
my %any = (dave => 200, carol => 200, erin => 403);
for my $u (sort keys %any) {
    is req(GET => '/p/role/any/', user => $u)->code, $any{$u},
        "Require role billing viewer: $u";
}

# a missing file inside the area: still 403 for the wrong user, 404 else
is req(GET => '/p/role/admin/nope.html', user => 'bob')->code, 403,
    'missing file, wrong user: 403';
is req(GET => '/p/role/admin/nope.html', user => 'alice')->code, 404,
    'missing file, right user: 404';

# HEAD answers like GET
is req(HEAD => '/p/role/admin/', user => 'bob')->code, 403, 'HEAD: 403';
is req(HEAD => '/p/role/admin/')->code, 401, 'HEAD anonymous: 401';
