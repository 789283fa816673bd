# Error bodies: negotiation, JSON and problem+json, detail levels, messages,
# documentation, error documents, and escaping of hostile bytes.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use JSON::PP ();

my $json = JSON::PP->new->utf8;   # dies on invalid JSON or UTF-8
sub decode { my $b = shift; my $v = eval { $json->decode($b) }; $v }

plan tests => 59;

# --- negotiation (auto) -------------------------------------------------
my %accept = (
    ''                                          => 'text/html; charset=utf-8',
    '*/*'                                       => 'text/html; charset=utf-8',
    'application/json'                          => 'application/json',
    'application/problem+json'                  => 'application/problem+json',
    'text/html;q=0.5, application/json;q=0.9'   => 'application/json',
    'application/json;q=0.5, text/html;q=0.5'   => 'text/html; charset=utf-8',
    'application/json, application/problem+json;q=0.8' => 'application/json',
    'image/png'                                 => 'text/html; charset=utf-8',
);
for my $a (sort keys %accept) {
    my $r = req(GET => '/d/auto/', user => 'bob', length $a ? (Accept => $a) : ());
    is $r->header('Content-Type'), $accept{$a},
        "Accept '" . ($a || 'none') . "' -> $accept{$a}";
}
my $r = req(GET => '/d/auto/', user => 'bob');
is $r->code, 403, 'never 200 with an error body';
like $r->content, qr{<title>403 Forbidden</title>.*<p>Your account does not have a role}s,
    'html page carries the message';
$r = req(HEAD => '/d/auto/', user => 'bob', Accept => 'application/json');
is $r->header('Content-Type'), 'application/json', 'HEAD: same Content-Type';
is $r->content, '', 'HEAD: no body';

# --- json ---------------------------------------------------------------
$r = req(GET => '/d/json/', user => 'bob');
is $r->code, 403, 'json: 403';
my $b = decode($r->content);
is_deeply $b, { error => 'insufficient_role',
                message => 'Your account does not have a role that this resource requires.',
                documentation => 'https://docs.example/errors#role' },
    'json body: error, message, documentation';
$r = req(GET => '/d/json/');
is $r->code, 401, 'json: anonymous 401';
is decode($r->content)->{error}, 'unauthenticated', '... code unauthenticated';
like $r->header('WWW-Authenticate') || '', qr/^Basic/, '... with its challenge';

# --- problem+json -------------------------------------------------------
$r = req(GET => '/d/problem/', user => 'bob');
is $r->header('Content-Type'), 'application/problem+json', 'problem: type';
$b = decode($r->content);
is_deeply $b, { type => 'https://docs.example/errors/plan', title => 'Forbidden',
                status => 403, detail => 'Your plan does not include this resource.',
                error => 'plan_required' },
    'problem body: type, title, status, detail, error';
$b = decode(req(GET => '/d/problem-plain/', user => 'bob')->content);
is $b->{type}, 'about:blank', 'problem without documentation: about:blank';
is $b->{error}, 'insufficient_scope', '... code insufficient_scope';
$b = decode(req(GET => '/d/problem/')->content);
is_deeply [ @$b{qw(status title error)} ], [ 401, 'Unauthorized', 'unauthenticated' ],
    'problem: anonymous';

# --- documentation links: escaped for each format ------------------------
my $doc = 'https://docs.example/errors?topic=role&lang=en#why';
$r = req(GET => '/d/doc-query/', user => 'bob');
like $r->content,
    qr{<a href="https://docs\.example/errors\?topic=role&amp;lang=en#why">},
    'documentation in html: an attribute, & escaped';
$b = decode(req(GET => '/d/doc-query/', user => 'bob',
                Accept => 'application/json')->content);
is $b->{documentation}, $doc, '... in json: the URL as configured';
$b = decode(req(GET => '/d/doc-query/', user => 'bob',
                Accept => 'application/problem+json')->content);
is $b->{type}, $doc, '... in problem+json: the type';
$r = req(GET => '/d/doc-local/', user => 'bob');
like $r->content, qr{<a href="/help/errors\.html">}, 'a local documentation path';
is decode(req(GET => '/d/doc-local/', user => 'bob',
              Accept => 'application/json')->content)->{documentation},
    '/help/errors.html', '... in json';

# --- detail levels ------------------------------------------------------
$b = decode(req(GET => '/d/none/', user => 'bob')->content);
is $b->{error}, 'forbidden', 'none: code forbidden';
unlike $b->{message}, qr/role|admin|billing/, 'none: says nothing of the reason';
$b = decode(req(GET => '/d/none/')->content);
is $b->{error}, 'unauthenticated', 'none: 401 is unauthenticated';
$b = decode(req(GET => '/d/json/', user => 'bob')->content);
unlike $b->{message}, qr/admin/, 'reason: names no configured value';
$b = decode(req(GET => '/d/full/', user => 'bob')->content);
is $b->{error}, 'insufficient_role', 'full: code';
like $b->{message}, qr/admin, billing/, 'full: names the roles required';
unlike $b->{message}, qr/editor|bob/, 'full: not the user\'s own roles or name';
$b = decode(req(GET => '/d/full-plan/', user => 'carol')->content);
like $b->{message}, qr/the pro plan or a higher one/, 'full: the lowest plan';
unlike $b->{message}, qr/free/, 'full: not the user\'s plan';
# negated lines: the values that may not pass
is decode(req(GET => '/d/full-not-role/', user => 'dave')->content)->{message},
    'Holders of these roles may not access this resource: billing.',
    'full, Require not role: the roles that may not pass';
is decode(req(GET => '/d/full-NOT-role/', user => 'dave')->content)->{message},
    'Holders of these roles may not access this resource: billing.',
    '... Require NOT (capitals), as mod_authz_core reads it';
is decode(req(GET => '/d/full-not-plan/', user => 'carol')->content)->{message},
    'These plans may not access this resource: free.',
    'full, Require not plan: the plans that may not pass';
is decode(req(GET => '/d/full-not-scope/', user => 'bob')->content)->{message},
    'These scopes may not access this resource: reports:read.',
    'full, Require not scope: the scopes that may not pass';

# --- message override and escaping --------------------------------------
$r = req(GET => '/d/message/', user => 'bob');
my $html = $r->content;
like $html, qr{<p>Ask &lt;b&gt;&quot;ops&quot;&lt;/b&gt; &amp; co}, 'html: message escaped';
unlike $html, qr{<b>}, 'html: no markup from the message';
like $html, qr{caf\xc3\xa9 &#xFFFD; &#xFFFD; end}, 'html: UTF-8 kept, bad bytes replaced';
$r = req(GET => '/d/message/', user => 'bob', Accept => 'application/json');
$b = decode($r->content);
ok $b, 'json with hostile message is valid JSON and UTF-8';
is $b->{message}, "Ask <b>\"ops\"</b> & co\\team\ttab  caf\x{e9} \x{1} \x{fffd} end",
    'json: message round-trips, bad byte replaced';
unlike $r->content, qr/<b>/, 'json: no raw markup';

# Hostile URL, user name and headers: the status is the one the reason
# calls for, and the body is exactly the usual body for it (none of the
# input appears in it, however it is escaped).
my %role_body = (error => 'insufficient_role',
    message => 'Your account does not have a role that this resource requires.',
    documentation => 'https://docs.example/errors#role');
for my $case (
    [ 403, \%role_body, '/d/json/%22%3Cscript%3E%5C%ff', user => 'bob' ],
    [ 401, { %role_body, error => 'unauthenticated',
             message => 'Authentication is required to access this resource.' },
      '/d/json/', user => "\"><script>\\\x01\xff", password => 'x' ],
    [ 403, { type => 'https://docs.example/errors/plan', title => 'Forbidden',
             status => 403, detail => 'Your plan does not include this resource.',
             error => 'plan_required' },
      '/d/problem/', user => 'bob', 'X-Evil' => "\"\\<script>",
      Accept => "application/json\"<>" ],
) {
    my ($status, $body, $url, @o) = @$case;
    my $res = req(GET => $url, @o);
    is $res->code, $status, "hostile input ($url): $status";
    is_deeply decode($res->content), $body, '... the usual body, valid JSON';
}

# --- error documents ----------------------------------------------------
$r = req(GET => '/d/errdoc/', user => 'dave');
is $r->code, 403, 'per-reason ErrorDocument (local URL): status kept';
like $r->content, qr/Role page: reason=role required=viewer status=403/,
    '... the page reads REDIRECT_AUTHZ_POLICY_*';
$r = req(GET => '/d/errdoc/', user => 'carol');
is $r->code, 403, 'per-reason ErrorDocument (text): status kept';
is $r->content, 'Upgrade to pro.', '... the text';
$r = req(GET => '/d/server-errdoc/', user => 'bob');
is $r->code, 403, 'server ErrorDocument 403: status kept';
is $r->content, "The server forbids this.\n", '... html uses the server\'s ErrorDocument';
$r = req(GET => '/d/server-errdoc/', user => 'bob', Accept => 'application/json');
is decode($r->content)->{error}, 'insufficient_role',
    '... but JSON clients get JSON';
