# Hidden means hidden (docs/denials.md), time: a Basic client whose user name cannot pass a hidden
# area gets the hidden answer without its password being checked.  The
# password checks of /d/loud fail loudly (500: the password file does not
# exist), so a 404 there shows that none was made.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use MIME::Base64 qw(encode_base64);

sub basic { 'Authorization: Basic ' . encode_base64("$_[0]:$_[1]", '') }
sub answer {
    my ($path, @headers) = @_;
    my $resp = raw_request(join "\n", "GET $path HTTP/1.1", 'Host: localhost',
                           'Connection: close', @headers, '', '');
    $resp =~ s/^Date: [^\r\n]*/Date: -/m;
    return $resp;
}
sub status { answer(@_) =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0 }

plan tests => 21;

my $missing = answer('/nothing/');
for my $c ([ 'a user without the role, wrong password', 'bob', 'wrong' ],
           [ 'a user without the role, right password', 'bob', 'secret' ],
           [ 'a user the attribute sources do not know', 'frank', 'x' ],
           [ 'a user nobody knows', 'mallory', 'x' ]) {
    my ($name, $user, $pw) = @$c;
    is answer('/d/loud/', basic($user, $pw)), $missing,
        "$name: the hidden 404, no password check";
}
is answer('/d/loud/'), $missing, 'anonymous: as before';

# A user who could pass is checked as usual (here, loudly).
is status('/d/loud/', basic('alice', 'wrong')), 500,
    'a user who could pass: the password is checked';
# Where denials are not hidden nothing changes.
is status('/d/loud-403/', basic('bob', 'wrong')), 500,
    'an area whose denials are not hidden: the password is checked';

# The log tells what happened; the policy log keeps the true reason.
my $size = error_log_size();
answer("/d/loud/?c1-$$", basic('bob', 'wrong'));
like access_log_line("?c1-$$"), qr/ 404 reason=role required=admin status=404$/,
    'the policy log records the reason';
my $log = wait_for(5, sub { my $s = error_log_since($size); $s =~ /cannot pass/ ? $s : '' });
like $log, qr/the claimed user bob cannot pass \(reason role\): hidden without checking a password/,
    'the debug log says no password was checked';
unlike $log, qr/no-such-htpasswd|AH01631/,
    '... and neither the password file nor a failure of the claimed user shows';

# The scheme's name and AuthType are matched in any case, as
# mod_auth_basic matches them: a name that cannot pass is hidden there too.
for my $scheme ('basic', 'BASIC', 'bAsIc') {
    (my $h = basic('bob', 'wrong')) =~ s/Basic/$scheme/;
    is status('/d/loud/', $h), 404,
        "the scheme written '$scheme': the hidden 404, no password check";
}
is status('/d/loud-lc/', basic('bob', 'wrong')), 404,
    "AuthType basic (lower case): the hidden 404, no password check";
is status('/d/loud-lc/', basic('alice', 'wrong')), 500,
    '... and for a user who could pass, the password is checked';

# Credentials that name no one are an unknown user's, never a user's: an
# empty name, and base64 one character over a multiple of four (which
# names no one, even where its first characters decode to a user who
# could pass)
$size = error_log_size();
answer("/d/loud/?c2-$$", 'Authorization: Basic ' . encode_base64(':wrong', ''));
like wait_for(5, sub { my $s = error_log_since($size); $s =~ /malformed|claimed/ ? $s : '' }),
    qr/malformed Basic credentials \(reason role\)/,
    'an empty user name: malformed credentials, hidden without a password check';
my $alice = encode_base64('alice:wrongx', '') . 'A';
is length($alice) % 4, 1, '(base64 one character over a multiple of four)';
is status('/d/loud/', "Authorization: Basic $alice"), 404,
    '... is malformed: the hidden 404, not the password check of alice';

# The right password still works in an ordinary hidden area.
is req(GET => '/d/hidden/', user => 'alice')->code, 200, 'an admin gets in';

# Look-ups (here SSI; directory listings do the same for each entry) carry
# the client's credentials: no password check for a name that cannot pass
# either.  A check would log that the password file is missing.
$size = error_log_size();
req(GET => '/errors/include-loud.shtml', user => 'bob', password => 'wrong');
# (the server logs before it answers)
my $bob = substr error_log_since($size), 0, error_log_size() - $size;
req(GET => '/errors/include-loud.shtml', user => 'alice', password => 'wrong');
like wait_for(5, sub { my $s = error_log_since($size); $s =~ /no-such-htpasswd/ ? $s : '' }),
    qr/no-such-htpasswd/, 'a look-up by a user who could pass checks the password';
unlike $bob, qr/no-such-htpasswd/, '... one by a user who cannot pass does not';
