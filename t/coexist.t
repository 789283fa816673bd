# Where the module takes no part, Apache answers as without it; where it
# does, other modules' denials get 403 with reason "other".
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 14;

my $r = req(GET => "/p/user/alice/?c1-$$", user => 'bob');
is $r->code, 401, 'Require user alone: Apache\'s own 401 for bob';
like $r->header('WWW-Authenticate') || '', qr/^Basic/,
    '... with its challenge';
ok !defined $r->header('Cache-Control'), '... and nothing of ours';
like access_log_line("?c1-$$"), qr/ 401 reason=- /, '... and no reason';
is req(GET => '/p/user/alice/', user => 'alice')->code, 200, 'alice passes';

$r = req(GET => "/p/user/alice-policy/?c2-$$", user => 'bob');
is $r->code, 403, 'with AuthzPolicyDenyStatus: bob gets 403';
ok !defined $r->header('WWW-Authenticate'), '... without a challenge';
like access_log_line("?c2-$$"), qr/ 403 reason=other required=- status=403/,
    '... reason other';

$r = req(GET => "/p/mixed/ip/?c3-$$", user => 'carol');
is $r->code, 403, 'role granted, Require ip denied: 403';
like access_log_line("?c3-$$"), qr/ 403 reason=other /,
    '... blamed on the other module';

my $size = error_log_size();
$r = req(GET => "/p/mixed/any/?c4-$$", user => 'bob');
is $r->code, 200, 'RequireAny: bob granted by Require user';
ok !defined $r->header('Cache-Control'), '... no stray header';
like access_log_line("?c4-$$"), qr/ 200 reason=- required=- status=-/,
    '... no variables';
unlike error_log_since($size), qr/authz_policy.*denied/,
    '... no denial logged';
