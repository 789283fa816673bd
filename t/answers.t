# Parts of the answers to denials that no other test pins: the ip_blocked
# code, 451 bodies and titles, the documentation link in HTML pages and
# its escaping, removal of Proxy-Authenticate, JSON escaping of U+2028
# and U+2029, and the quoting of the scope list in a Bearer challenge.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use JSON::PP ();

plan tests => 31;

my $json = JSON::PP->new->utf8;
sub decode { my $b = shift; my $v = eval { $json->decode($b) }; $v || {} }

# ip_blocked: Require not iplist
my $r = from('127.0.0.5', '/n/json-blocked/');
is $r->code, 403, 'a blocked network: 403';
is $r->header('Content-Type'), 'application/json', '... JSON';
is_deeply decode($r->content),
    { error => 'ip_blocked', message => 'Access from your network is not allowed.' },
    '... code ip_blocked and its message';
is from('127.0.0.2', '/n/json-blocked/')->code, 200, '... others pass';

# 451: page, problem+json, and the generic message at detail none
$r = from('127.0.0.3', '/n/legal/');
is $r->code, 451, '451 for a region';
like $r->content, qr{<title>451 Unavailable For Legal Reasons</title>},
    'html: the title names the status';
like $r->content, qr{<h1>Unavailable For Legal Reasons</h1>}, 'html: heading';
like $r->content, qr{<p>This resource is not available in your region\.</p>},
    'html: the region message';
is $r->header('Cache-Control'), 'no-store', '... not cached';
$r = from('127.0.0.3', '/n/legal/', Accept => 'application/problem+json');
is $r->header('Content-Type'), 'application/problem+json', 'problem+json for a 451';
is_deeply decode($r->content),
    { type => 'about:blank', title => 'Unavailable For Legal Reasons', status => 451,
      detail => 'This resource is not available in your region.',
      error => 'region_restricted' },
    '... title, status, detail and code';
$r = from('127.0.0.3', '/n/legal-none/');
is $r->code, 451, 'detail none: 451';
is_deeply decode($r->content),
    { error => 'forbidden', message => 'This resource is unavailable for legal reasons.' },
    '... the generic 451 message, no reason';

# the documentation link of an HTML page, escaped
$r = req(GET => '/d/doc-link/', user => 'bob');
is $r->code, 403, 'documentation: 403';
like $r->content,
    qr{<p><a href="https://docs\.example/errors\?a=1&amp;b=%22q%22">More information</a></p>},
    'html: the link, escaped inside its attribute';
unlike $r->content, qr{a=1&b}, '... nothing of it raw';
$r = req(GET => '/d/doc-link/', user => 'bob', Accept => 'application/json');
is decode($r->content)->{documentation}, 'https://docs.example/errors?a=1&b=%22q%22',
    'json: the same URL, as it was configured';
unlike req(GET => '/d/auto/', user => 'bob')->content, qr{<a href},
    'html without documentation: no link';

# Proxy-Authenticate (set before authentication here): only a 401 keeps it
$r = req(GET => '/d/auto/', vhost => 'policy_proxy_auth');
is $r->code, 401, 'proxy challenge: anonymous 401';
is $r->header('Proxy-Authenticate'), 'Basic realm="proxy"', '... keeps it';
$r = req(GET => '/d/auto/', user => 'bob', vhost => 'policy_proxy_auth');
is $r->code, 403, 'proxy challenge: a denied user gets 403';
ok !defined $r->header('Proxy-Authenticate'), '... without Proxy-Authenticate';
ok !defined $r->header('WWW-Authenticate'), '... and without WWW-Authenticate';
is req(GET => '/d/auto/', user => 'alice', vhost => 'policy_proxy_auth')->code, 200,
    '... alice passes';

# U+2028 and U+2029 end a line in JavaScript: escaped in JSON
$r = req(GET => '/d/js-newlines/', user => 'bob');
is $r->code, 403, 'json with line separators: 403';
like $r->content, qr/"message": "one\\u2028two\\u2029three"/, '... escaped as \\u2028 and \\u2029';
unlike $r->content, qr/\xe2\x80[\xa8\xa9]/, '... no raw separator';
is decode($r->content)->{message}, "one\x{2028}two\x{2029}three", '... the same text';

# the scope list in a Bearer challenge: one quoted string, and what
# cannot be in it (" and \) left out rather than break the header
$r = req(GET => '/b/odd-scopes/', Authorization => 'Bearer bob');
is $r->code, 403, 'bearer with odd scopes: 403';
is $r->header('WWW-Authenticate'),
    'Bearer error="insufficient_scope", scope="we ird back slash"',
    '... the challenge quotes the list, without " or \\';
is req(GET => '/b/reports/', Authorization => 'Bearer bob')->header('WWW-Authenticate'),
    'Bearer error="insufficient_scope", scope="reports:write reports:admin"',
    '... an ordinary list';
