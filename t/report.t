# AuthzPolicyMode report: every path that can deny in an area is decided
# and recorded as in enforce mode, and nothing is enforced.  Each case runs
# against /r/enforce/X and /r/report/X, which hold the same requirements
# (t/conf/extra.conf.in); the variables are read from rollout_log.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

# name, user (undef: anonymous), enforced status, reason, required, and
# the user the request ends with: none where the denial comes before
# authentication (checks that need no user deny in the access phase)
my @cases = (
    [ 'role',   'carol', 403, 'role',      'admin',         'carol' ],
    [ 'plan',   'carol', 403, 'plan',      'enterprise',    'carol' ],
    [ 'scope',  'carol', 403, 'scope',     'reports:write', 'carol' ],
    [ 'iplist', 'carol', 403, 'iplist',    'blocked',       '-' ],
    [ 'region', 'carol', 403, 'region',    'DE',            '-' ],
    [ 'ip',     'carol', 403, 'other',     '-',             '-' ],
    [ 'user',   'carol', 403, 'other',     '-',             'carol' ],
    [ 'expr',   'carol', 403, 'other',     '-',             '-' ],
    [ 'all',    'carol', 403, 'plan',      'enterprise',    'carol' ],
    [ 'any',    'carol', 403, 'role',      'admin',         'carol' ],
    [ 'none',   'carol', 403, 'role',      'not viewer',    'carol' ],
    [ 'not',    'carol', 403, 'role',      'not viewer',    'carol' ],
    [ 'anon',   undef,   401, 'anonymous', '-',             '-' ],
    [ 'hidden', 'carol', 404, 'role',      'admin',         'carol' ],
    [ 'sql',    'bob',   500, 'error',     '-',             'bob' ],
);

plan tests => 9 * @cases + 39;

my $n = 0;
for my $c (@cases) {
    my ($name, $user, $status, $reason, $required, $ends_as) = @$c;
    my @who = defined $user ? (user => $user) : ();
    my $as = defined $user ? $user : 'anonymous';

    my $tag = "?e$$-" . ++$n;
    my $res = req(GET => "/r/enforce/$name$tag", @who);
    is $res->code, $status, "enforce $name: $as gets $status";
    my $line = access_log_line($tag, 'rollout_log') || '';
    like $line, qr/ $status decision=deny area=\/r\/enforce\/$name reason=$reason required=\Q$required\E status=$status /,
        "enforce $name: decision, area, reason, requirement, status";

    $tag = "?r$$-" . ++$n;
    my $size = error_log_size();
    $res = req(GET => "/r/report/$name$tag", @who);
    is $res->code, 200, "report $name: $as is served";
    is $res->content, "ok\n", "report $name: the content, not an error body";
    ok !$res->header('WWW-Authenticate'), "report $name: no challenge";
    $line = access_log_line($tag, 'rollout_log') || '';
    like $line, qr/ 200 decision=would-deny area=\/r\/report\/$name reason=$reason required=\Q$required\E status=$status /,
        "report $name: would-deny with what would have been sent";
    like $line, qr/ user=$ends_as /,
        "report $name: the user as far as the request got";
    my $uri = qr{uri="/r/report/$name"};
    my $log = wait_for(5, sub {
        my $s = error_log_since($size);
        $s =~ /would deny: .*$uri/ ? $s : undef }) || '';
    my @lines = grep { /would deny: / && /$uri/ } split /\n/, $log;
    is scalar(@lines), 1, "report $name: one log line";
    like $lines[0] || '',
        qr/would deny: reason="$reason" .* status="$status" uri="\/r\/report\/$name" area="\/r\/report\/$name"$/,
        "report $name: the log line says would deny";
}

# Grants are recorded where the module takes part.
for my $mode (qw(enforce report)) {
    my $tag = "?g$$-$mode";
    is req(GET => "/r/$mode/role$tag", user => 'alice')->code, 200,
        "$mode: alice passes Require role admin";
    like access_log_line($tag, 'rollout_log') || '',
        qr/ 200 decision=grant area=\/r\/$mode\/role reason=- /,
        "$mode: decision=grant";
}

# Variables of ours set before the decision (SetEnvIf) are replaced by
# the decision's, for a grant and for a denial.
is req(GET => "/r/enforce/preset?pg$$", user => 'alice')->code, 200,
    'preset variables: alice passes';
like access_log_line("?pg$$", 'rollout_log') || '',
    qr/ 200 decision=grant area=\/r\/enforce\/preset reason=forged /,
    'preset variables: a grant replaces the area and the decision';
is req(GET => "/r/enforce/preset?pd$$", user => 'carol')->code, 403,
    'preset variables: carol denied';
like access_log_line("?pd$$", 'rollout_log') || '',
    qr/ 403 decision=deny area=\/r\/enforce\/preset reason=role required=admin status=403 /,
    'preset variables: a denial replaces all of them';

# AuthzPolicyName names the area in the variables and the log line.
my $size = error_log_size();
is req(GET => "/r/report/named?nm$$", user => 'carol')->code, 200,
    'named report area: carol served';
like access_log_line("?nm$$", 'rollout_log') || '',
    qr/ decision=would-deny area=billing-rollout reason=role /,
    'AUTHZ_POLICY_AREA is the AuthzPolicyName';
like wait_for(5, sub { my $s = error_log_since($size);
                       $s =~ /area="billing-rollout"/ ? $s : undef }) || '',
    qr/would deny: reason="role" .* area="billing-rollout"/,
    'the log line names the area';
is req(GET => "/r/enforce/named?nm2$$", user => 'dave')->code, 200,
    'named enforced area: dave (billing) passes';
like access_log_line("?nm2$$", 'rollout_log') || '',
    qr/ decision=grant area=billing-enforced /, 'grant in a named area';

# A body in report mode is the resource's own, whatever the client accepts.
my $res = req(GET => "/r/report/scope?js$$", user => 'carol',
              Accept => 'application/json');
is $res->code, 200, 'report: a JSON client is served';
is $res->content, "ok\n", '... the resource, not a JSON error';
$res = req(GET => "/r/enforce/scope?js2$$", user => 'carol',
           Accept => 'application/json');
like $res->content, qr/"error": "insufficient_scope"/,
    'enforce: the same request gets the JSON error';

# .htaccess inheritance: a parent in report mode and a child in enforce
# mode, and the reverse.
is req(GET => "/r/ht/report/?h1$$", user => 'carol')->code, 200,
    '.htaccess report: carol served';
like access_log_line("?h1$$", 'rollout_log') || '',
    qr/ decision=would-deny area=\S+\/r\/ht\/report\/ reason=role /,
    '.htaccess report: would-deny, the area is the .htaccess directory';
is req(GET => "/r/ht/report/enforce/?h2$$", user => 'carol')->code, 403,
    '.htaccess enforce below report: carol denied';
like access_log_line("?h2$$", 'rollout_log') || '',
    qr/ 403 decision=deny /, '... decision=deny';
is req(GET => "/r/ht/enforce/?h3$$", user => 'carol')->code, 403,
    '.htaccess enforce: carol denied';
is req(GET => "/r/ht/enforce/report/?h4$$", user => 'carol')->code, 200,
    '.htaccess report below enforce: carol served';
like access_log_line("?h4$$", 'rollout_log') || '',
    qr/ 200 decision=would-deny .* status=403 /, '... would-deny 403';
is req(GET => "/r/ht/enforce/report/?h5$$")->code, 200,
    '.htaccess report below enforce: anonymous served, no 401';
like access_log_line("?h5$$", 'rollout_log') || '',
    qr/ 200 decision=would-deny .* reason=anonymous .* status=401 /,
    '... would-deny anonymous 401';

# A failing source (SQL here, LDAP in t/ldap.t) is a decision too: the
# variables, one log line, the counter and a body in the format the
# client accepts, as for any denial; only its status is fixed (500).
sub sql_errors_counted {
    my $text = req(GET => '/st/status?format=prometheus')->content;
    my ($n) = $text =~ /^authz_policy_decisions_total\{area="\/r\/enforce\/sql",decision="deny",reason="error",status="500"\} (\d+)$/m;
    return $n || 0;
}
my $counted = sql_errors_counted();
$size = error_log_size();
$res = req(GET => "/r/enforce/sql?se$$", user => 'bob',
           Accept => 'application/json');
is $res->code, 500, 'enforce, failing source: 500 for a JSON client';
is $res->header('Content-Type'), 'application/json',
    '... answered in JSON';
like $res->content,
    qr/^\{"error": "source_unavailable", "message": "[^"]+"\}$/,
    '... with the code source_unavailable';
is $res->header('Cache-Control'), 'no-store', '... not kept by caches';
my $logged = wait_for(5, sub {
    my $s = error_log_since($size);
    $s =~ /denied: .*uri="\/r\/enforce\/sql"/ ? $s : undef }) || '';
my @denied = grep { /denied: / && m{uri="/r/enforce/sql"} } split /\n/, $logged;
is scalar(@denied), 1, '... one denial line';
like $denied[0] || '',
    qr/denied: reason="error" required=- user="bob" .* status="500" uri="\/r\/enforce\/sql" area="\/r\/enforce\/sql"$/,
    '... saying reason error and status 500';
like $logged, qr/AuthzPolicyAttribute dbd: query failed/,
    '... beside the source\'s own error';

$res = req(GET => "/r/enforce/sql?sp$$", user => 'bob',
           Accept => 'application/problem+json');
is $res->header('Content-Type'), 'application/problem+json',
    'problem+json when asked for';
like $res->content,
    qr/^\{"type": "about:blank", "title": "Internal Server Error", "status": 500, "detail": "[^"]+", "error": "source_unavailable"\}$/,
    '... with status 500 and the code';

$res = req(GET => "/r/enforce/sql?sh$$", user => 'bob');
is $res->code, 500, 'a browser: 500';
like $res->header('Content-Type'), qr{^text/html}, '... an HTML page';
like $res->content, qr{<h1>Internal Server Error</h1>\n<p>Your access to this resource could not be checked\. Please try again later\.</p>},
    '... with the message';
like access_log_line("?sh$$", 'rollout_log') || '',
    qr/ 500 decision=deny area=\/r\/enforce\/sql reason=error required=- status=500 /,
    '... and its variables';
is sql_errors_counted() - $counted, 3,
    'each failing source\'s 500 counted: decision deny, reason error, '
    . 'status 500';
