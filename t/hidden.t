# A denial mapped to 404 is byte for byte the server's answer to a path
# that does not exist (Date aside), in every variant, with and without
# ErrorDocument 404; the logs still tell the truth.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use MIME::Base64 qw(encode_base64);

sub basic { 'Authorization: Basic ' . encode_base64("$_[0]:$_[1]", '') }

# The raw answer, Date normalised.
sub answer {
    my ($method, $path, @headers) = @_;
    my $text = join "\n", "$method $path HTTP/1.1", 'Host: localhost',
                          'Connection: close', @headers, '', '';
    my $resp = raw_request($text);
    $resp =~ s/^Date: [^\r\n]*/Date: -/m;
    return $resp;
}

my @variants = (
    # name, method, hidden path, real path, headers
    [ 'authenticated, no role', 'GET', '/d/hidden/', '/nothing/',
      basic('bob', 'secret') ],
    [ 'existing file', 'GET', '/d/hidden/index.html', '/nothing/index.html',
      basic('carol', 'secret') ],
    [ 'missing file', 'GET', '/d/hidden/nope.html', '/nothing/nope.html',
      basic('bob', 'secret') ],
    [ 'anonymous (no 401, no challenge)', 'GET', '/d/hidden/', '/nothing/' ],
    [ 'wrong password', 'GET', '/d/hidden/', '/nothing/',
      basic('alice', 'wrong') ],
    [ 'HEAD', 'HEAD', '/d/hidden/', '/nothing/', basic('bob', 'secret') ],
    [ 'Accept: application/json', 'GET', '/d/hidden/', '/nothing/',
      basic('bob', 'secret'), 'Accept: application/json' ],
    [ 'Bearer header', 'GET', '/d/hidden/', '/nothing/',
      'Authorization: Bearer abc' ],
    [ 'userless (Require ip)', 'GET', '/d/hidden-ip/', '/nothing/' ],
    [ 'ErrorDocument 404 local URL', 'GET', '/ed/hidden/', '/ed/nothing/',
      basic('bob', 'secret') ],
    [ 'ErrorDocument 404 local URL, anonymous', 'GET', '/ed/hidden/x.html',
      '/ed/nothing/x.html' ],
    [ 'ErrorDocument 404 text', 'GET', '/et/hidden/', '/et/nothing/',
      basic('bob', 'secret') ],
    [ 'ErrorDocument 404 text, HEAD', 'HEAD', '/et/hidden/', '/et/nothing/' ],
);

plan tests => 2 * @variants + 5;

for my $v (@variants) {
    my ($name, $method, $hidden, $real, @h) = @$v;
    my $got = answer($method, $hidden, @h);
    my $want = answer($method, $real, @h);
    like $got, qr{^HTTP/1\.1 404 Not Found\r\n}, "$name: 404";
    is $got, $want, "$name: identical to a real 404";
}

like answer('GET', '/ed/nothing/'), qr/Nothing here either/,
    'the ErrorDocument was really used';
is req(GET => '/d/hidden/', user => 'alice')->code, 200,
    'an admin sees the area';

my $size = error_log_size();
req(GET => "/d/hidden/?h1-$$", user => 'bob');
like access_log_line("?h1-$$"), qr/ 404 reason=role required=admin status=404$/,
    'the log records the true reason';
req(GET => "/d/hidden/?h2-$$");
like access_log_line("?h2-$$"), qr/ 404 reason=anonymous required=- status=404$/,
    '... for anonymous clients too';
like error_log_since($size), qr/denied: reason="role" .* status="404"/,
    '... and so does the error log';
