# A hidden denial is logged once, with the status the client got: what the
# decoy answered (405 for PUT, 200 for OPTIONS, 501 for an unknown
# method), as AUTHZ_POLICY_STATUS says.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use MIME::Base64 qw(encode_base64);

my @cases = ([ 'GET', 404 ], [ 'PUT', 405 ], [ 'OPTIONS', 200 ],
             [ 'FOO', 501 ]);
plan tests => 2 * @cases;

my $auth = 'Authorization: Basic ' . encode_base64('bob:secret', '');
for my $c (@cases) {
    my ($method, $want) = @$c;
    my $size = error_log_size();
    my $body = $method eq 'PUT' ? "Content-Length: 5\n\nhello" : "\n";
    my $resp = raw_request("$method /d/hidden/ HTTP/1.1\nHost: localhost\n"
                           . "Connection: close\n$auth\n$body");
    my ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
    is $status, $want, "$method: the client gets $want";
    my $log = wait_for(5, sub {
        my @lines = error_log_since($size) =~ /(denied: [^\n]*)/g;
        @lines ? \@lines : undef });
    is_deeply [ map { /status="(\d+)"/ } @{ $log || [] } ], [ $want ],
        "$method: one log line, status=\"$want\"";
}
