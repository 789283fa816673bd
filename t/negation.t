# Require not / <RequireNone>: a grant of our check denies, and the denial
# is blamed on our check.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 10;

is req(GET => "/p/not/viewer/?n1-$$", user => 'dave')->code, 200,
    'not viewer: dave passes';
is req(GET => "/p/not/viewer/?n2-$$", user => 'erin')->code, 200,
    'not viewer: erin passes';
is req(GET => "/p/not/viewer/?n3-$$", user => 'carol')->code, 403,
    'not viewer: carol denied';
like access_log_line("?n3-$$"), qr/ 403 reason=role required=not viewer /,
    'reason role, requirement "not viewer"';
is req(GET => "/p/not/viewer/?n4-$$", user => 'alice')->code, 403,
    'not viewer: admin inherits viewer, denied';
is req(GET => '/p/not/viewer/')->code, 401, 'anonymous: 401';

is req(GET => "/p/none/billing/?n5-$$", user => 'dave')->code, 403,
    'RequireNone billing: dave denied';
like access_log_line("?n5-$$"), qr/ 403 reason=role required=not billing /,
    'RequireNone: reason role';
is req(GET => "/p/none/billing/?n6-$$", user => 'bob')->code, 200,
    'RequireNone billing: bob passes';
like access_log_line("?n6-$$"), qr/ 200 reason=- /, 'a grant leaves no reason';
