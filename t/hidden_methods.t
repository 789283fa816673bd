# Hidden means hidden (docs/denials.md): a hidden denial is answered as the same server answers
# a path that does not exist, with the request's method and headers:
# OPTIONS (200 + Allow), PUT/DELETE/PROPFIND (405), an unknown method
# (501), POST with Expect: 100-continue (100 Continue, then 404).  Byte
# for byte, Date aside.  What shows the URL (an ErrorDocument) shows the
# request's own; a decoy that exists fails safe.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use MIME::Base64 qw(encode_base64);

sub basic { 'Authorization: Basic ' . encode_base64("$_[0]:$_[1]", '') }

# The raw answer to a request written out in full, Date normalised.
sub answer {
    my ($line, @rest) = @_;
    my $text = join "\n", $line, 'Host: localhost', 'Connection: close',
                          @rest;
    my $resp = raw_request($text);
    $resp =~ s/^Date: [^\r\n]*/Date: -/mg;
    return $resp;
}
sub request { my ($m, $path, @h) = @_; answer("$m $path HTTP/1.1", @h, '', '') }

my @who = (
    [ 'anonymous' ],
    [ 'a user without the role', basic('bob', 'secret') ],
    [ 'a wrong password', basic('alice', 'wrong') ],
);
my @cases = (
    # name, method, expected status line, extra lines (headers, body)
    [ 'OPTIONS', 'OPTIONS', '200 OK' ],
    [ 'PUT', 'PUT', '405 Method Not Allowed',
      'Content-Type: text/plain', 'Content-Length: 5', '', 'hello' ],
    [ 'DELETE', 'DELETE', '405 Method Not Allowed' ],
    [ 'PROPFIND', 'PROPFIND', '405 Method Not Allowed', 'Depth: 1' ],
    [ 'unknown method', 'FOO', '501 Not Implemented' ],
    [ 'POST with Expect: 100-continue', 'POST', '100 Continue',
      'Expect: 100-continue', 'Content-Type: text/plain',
      'Content-Length: 5', '', 'hello' ],
    [ 'POST', 'POST', '404 Not Found', 'Content-Type: text/plain',
      'Content-Length: 5', '', 'hello' ],
);
my @places = (
    # hidden path, missing path (a name with an extension: a missing file
    # with that extension, in a directory that exists, typed alike)
    [ '/d/hidden/', '/nothing/' ],
    [ '/d/hidden/index.html', '/no-such-page.html' ],
    [ '/d/hidden', '/nothing' ],
    [ '/d/hidden/index.html/more', '/no-such-page.html/more' ],  # path info
    [ '/ed/hidden/', '/ed/nothing/' ],          # ErrorDocument 404 local
);

plan tests => 2 * @who * @cases * @places + 4 + 3 + 1 + 5 + 3 + 2;

for my $p (@places) {
    my ($hidden, $missing) = @$p;
    for my $w (@who) {
        my ($who, @auth) = @$w;
        for my $c (@cases) {
            my ($name, $method, $status, @rest) = @$c;
            # headers come before the blank line that ends them
            my ($i) = grep { $rest[$_] eq '' } 0 .. $#rest;
            my @head = defined $i ? @rest[0 .. $i - 1] : @rest;
            my @tail = defined $i ? @rest[$i .. $#rest] : ('', '');
            my @lines = (@auth, @head, @tail);
            my $got = answer("$method $hidden HTTP/1.1", @lines);
            my $want = answer("$method $missing HTTP/1.1", @lines);
            like $got, qr{^HTTP/1\.1 \Q$status\E\r\n},
                "$hidden, $who, $name: $status";
            is $got, $want, "$hidden, $who, $name: as for a missing path";
        }
    }
}

# HTTP/1.0 and a body without Expect.
is answer('OPTIONS /d/hidden/ HTTP/1.0', '', ''),
   answer('OPTIONS /nothing/ HTTP/1.0', '', ''), 'OPTIONS over HTTP/1.0';
is answer('PUT /d/hidden/x HTTP/1.0', 'Content-Length: 3', '', 'abc'),
   answer('PUT /nothing/x HTTP/1.0', 'Content-Length: 3', '', 'abc'),
   'PUT over HTTP/1.0';
# Keep-alive: the connection goes on as after a missing path.
is answer('OPTIONS /d/hidden/ HTTP/1.1', 'Connection: keep-alive', '',
          'GET /d/hidden/ HTTP/1.1', 'Host: localhost', 'Connection: close',
          '', ''),
   answer('OPTIONS /nothing/ HTTP/1.1', 'Connection: keep-alive', '',
          'GET /nothing/ HTTP/1.1', 'Host: localhost', 'Connection: close',
          '', ''),
   'two requests on one connection';
like request('OPTIONS', '/d/hidden/', basic('alice', 'secret')),
    qr{^HTTP/1\.1 200 OK\r\n(?:.*\r\n)*Allow: }, 'an admin still gets through';

# An ErrorDocument that shows the URL sees the request's own: the hidden
# answer at /eu/hidden/... is the missing answer at /eu/absent/... with
# the name changed (both six letters long, so lengths match too).
for my $c ([ 'GET', '/eu/hidden/index.html?a=1&b=%41' ],
           [ 'GET', '/eu/hidden/?q' ],
           [ 'PUT', '/eu/hidden/x' ]) {
    my ($m, $url) = @$c;
    (my $missing = $url) =~ s{/hidden/}{/absent/};
    (my $got = request($m, $url, basic('bob', 'secret')))
        =~ s{/hidden/}{/absent/}g;
    is $got, request($m, $missing, basic('bob', 'secret')),
        "ErrorDocument showing the URL: $m $url";
}
like req(GET => '/eu/hidden/index.html?a=1')->content,
    qr{url=/eu/hidden/index\.html query=a=1 request=/eu/hidden/index\.html\?a=1 status=404},
    '... which is the hidden URL';

# A decoy that exists is never served: a plain 404, and the error log
# says why.
my $size = error_log_size();
for my $m ('GET', 'OPTIONS') {
    my $got = request($m, '/dx/hidden/', basic('bob', 'secret'));
    unlike $got, qr/DECOY/, "a decoy that exists is not served ($m)";
    like $got, qr{^HTTP/1\.1 404 Not Found\r\n}, "... a plain 404 ($m)";
}
like wait_for(5, sub { error_log_since($size) =~ /decoy .* exists/ ? error_log_since($size) : '' }),
    qr{hidden denial of /dx/hidden/: the decoy /dx/hidden/authz-policy-no-such-path exists},
    '... and the error log says why';

# AuthzPolicyHiddenPath (here from .htaccess, naming a local missing path
# whose ErrorDocument shows the URL): answered as that path is, showing
# the requested URL.
like req(GET => '/d/ht-hidden/?x=1', user => 'bob')->content,
    qr{^Not here: url=/d/ht-hidden/ query=x=1 request=/d/ht-hidden/\?x=1 status=404},
    'AuthzPolicyHiddenPath in .htaccess: answered as the named path';
(my $put = request('PUT', '/d/ht-hidden/')) =~ s{/d/ht-hidden/}{/eu/absent/decoy}g;
is $put, request('PUT', '/eu/absent/decoy'), '... for every method';
is req(GET => '/d/ht-hidden/', user => 'alice')->content, "secret page\n",
    '... and an admin still gets in';

# The policy log records the status sent, and the true reason.
request('PUT', "/d/hidden/?m1-$$", basic('bob', 'secret'));
like access_log_line("?m1-$$"), qr/ 405 reason=role required=admin status=405$/,
    'the policy log: the status the client got';
request('OPTIONS', "/d/hidden/?m2-$$");
like access_log_line("?m2-$$"), qr/ 200 reason=anonymous required=- status=200$/,
    '... for OPTIONS too';
