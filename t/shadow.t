# <AuthzPolicyShadow NAME>: candidate policies evaluated beside the
# enforced one, never changing the answer; results in AUTHZ_POLICY_SHADOW
# (rollout_log).  Areas in t/conf/extra.conf.in under /s/shadow.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 39;

my $n = 0;
# (status, rollout_log line) of a request
sub get {
    my ($path, $user, @headers) = @_;
    my $tag = "?sh$$-" . ++$n;
    my $res = req(GET => "$path$tag", (defined $user ? (user => $user) : ()),
                  @headers);
    return ($res, access_log_line($tag, 'rollout_log') || '', $tag);
}

# Beside an enforced role: the enforced answer and its attribution stay.
my ($res, $line) = get('/s/shadow/role', 'bob');
is $res->code, 200, 'bob (editor) passes the enforced Require role editor';
like $line, qr/ decision=grant .* shadow="admins-only=deny:role enterprise=deny:plan"/,
    'both shadows deny bob, each with its reason';
($res, $line) = get('/s/shadow/role', 'alice');
like $line, qr/ shadow="admins-only=grant enterprise=grant"/,
    'alice passes both shadows';
my $size = error_log_size();
my $tag;
($res, $line, $tag) = get('/s/shadow/role', 'carol');
is $res->code, 403, 'carol is denied by the enforced policy';
like $line, qr/ 403 decision=deny area=\/s\/shadow\/role reason=role required=editor status=403 .* shadow="admins-only=deny:role enterprise=deny:plan"/,
    'the enforced denial keeps its reason and requirement beside the shadows';
my $log = wait_for(5, sub { my $s = error_log_since($size);
                            $s =~ m{uri="/s/shadow/role"} ? $s : undef }) || '';
is scalar(grep { /denied: / } split /\n/, $log), 1,
    'the enforced denial is logged once';
like $log, qr/denied: reason="role" required="editor"/,
    '... with the enforced reason';
($res, $line) = get('/s/shadow/role', undef);
is $res->code, 401, 'anonymous: the enforced 401';
like $line, qr/ shadow="admins-only=deny:anonymous enterprise=deny:anonymous"/,
    'shadows needing a user on an anonymous request: deny:anonymous';

# Stock providers and nested blocks.
($res, $line) = get('/s/shadow/stock', 'dave');
is $res->code, 200, 'dave passes Require valid-user';
like $line, qr/ shadow="office-ip=deny:other nested=grant not-billing=deny:role"/,
    'Require ip in a shadow; RequireAny with Require user; RequireNone';
($res, $line) = get('/s/shadow/stock', 'carol');
like $line, qr/ shadow="office-ip=deny:other nested=deny:plan not-billing=grant"/,
    'RequireAll with Require not plan: blamed on the plan';
($res, $line) = get('/s/shadow/stock', 'bob');
like $line, qr/ nested=deny:plan /,
    'bob: viewer by inheritance, but pro holds "plan free" (plans rank)';

# A provider answering neutral beside a negated line: the shadow copies
# the enforced policy and must agree with it (a negated denial is
# neutral, not a grant; mod_authz_core answers a neutral whole with 403
# before authentication).
($res, $line) = get('/s/shadow/neutral', 'dave');
is $res->code, 403, 'neutral and "not role guest": the enforced policy denies';
like $line, qr/ decision=deny .* shadow="same=deny:[a-z]+"/,
    '... and so does the shadow that copies it';

# A shadow never forces authentication.
($res, $line) = get('/s/shadow/open', undef);
is $res->code, 200, 'an open area stays open';
ok !$res->header('WWW-Authenticate'), '... with no challenge';
is $res->content, "ok\n", '... and its content';
like $line, qr/ shadow="needs-user=deny:anonymous local=grant"/,
    'a shadow needing a user: deny:anonymous; Require ip: grant';
like $line, qr/ decision=- /, 'shadows alone record no decision';
($res, $line) = get('/s/shadow/open', 'erin');
like $line, qr/ shadow="needs-user=deny:anonymous /,
    'credentials the area never asked for are not checked for a shadow';

# Inheritance: deeper sections add shadows; the same name replaces.
($res, $line) = get('/s/shadow/inherit', 'carol');
like $line, qr/ shadow="a=deny:role b=grant"/, 'the section\'s own shadows';
($res, $line) = get('/s/shadow/inherit/deeper', 'carol');
like $line, qr/ shadow="a=deny:role b=deny:role c=deny:plan"/,
    'deeper: a inherited, b replaced (role billing), c added';
($res, $line) = get('/s/shadow/inherit/deeper', 'dave');
like $line, qr/ shadow="a=deny:role b=grant c=grant"/,
    'deeper, dave: billing and pro';

# Attributes from SQL: fetched once per request for both.
for my $who ([ bob => 'support=grant' ], [ dave => 'support=deny:role' ]) {
    my ($user, $want) = @$who;
    $size = error_log_size();
    ($res, $line, $tag) = get('/s/shadow/dbd', $user);
    is $res->code, 200, "dbd: $user (auditor) passes";
    like $line, qr/ shadow="$want"/, "dbd: the shadow for $user";
    $log = wait_for(5, sub { my $s = error_log_since($size);
                             $s =~ /querying for user $user/ ? $s : undef })
           || '';
    is scalar(grep { /AuthzPolicyAttribute dbd: querying for user $user/ }
              split /\n/, $log), 1,
       "dbd: the roles of $user are queried once for the policy and the shadow";
}

# In report mode.
($res, $line) = get('/s/shadow/report', 'bob');
is $res->code, 200, 'report mode: bob served';
like $line, qr/ decision=would-deny .* reason=role required=admin .* shadow="editors=grant"/,
    'report mode: would-deny beside the shadow\'s grant';
($res, $line) = get('/s/shadow/report', 'carol');
like $line, qr/ shadow="editors=deny:role"/, 'report mode: carol';

# A hidden area: a user who cannot pass is answered before the password is
# checked, so the shadows see an anonymous request.
($res, $line) = get('/s/shadow/hidden', 'bob');
is $res->code, 404, 'hidden: bob gets the 404';
like $line, qr/ shadow="editors=deny:anonymous"/,
    'hidden: shadows evaluated before authentication see no user';
($res, $line) = get('/s/shadow/hidden', 'alice');
is $res->code, 200, 'hidden: alice passes';
like $line, qr/ shadow="editors=grant"/, 'hidden: alice passes the shadow';

# A wrong password in an area with shadows: the enforced 401, shadows
# anonymous.
($res, $line) = get('/s/shadow/role', undef,
                    Authorization => 'Basic ' . 'Ym9iOndyb25n');
is $res->code, 401, 'wrong password: 401';
like $line, qr/ decision=deny .* reason=anonymous .* shadow="admins-only=deny:anonymous enterprise=deny:anonymous"/,
    'wrong password: shadows see no user';
