# LogLevel authz_policy:trace1: one line per request with the result of
# each Require line, the user's attributes and the decision
# (docs/troubleshooting.md).  /p/trace has trace1 (t/conf/extra.conf.in);
# the rest of the server does not.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 11;

# The trace lines the error log gained for a request of path as user.
my $n = 0;
sub traced {
    my ($path, $user) = @_;
    my $uri = "$path/trace-" . $$ . '-' . ++$n;
    my $size = error_log_size();
    my $res = req(GET => $uri, user => $user);
    # the line is written as the request ends; the next request's line
    # comes after it
    req(GET => "/p/trace/flush-$n", user => 'bob');
    my $log = wait_for(5, sub { my $s = error_log_since($size);
                                $s =~ /flush-$n/ ? $s : undef }) || '';
    return ($res, grep { /\Q$uri\E/ && /authz_policy:trace1/ } split /\n/,
                       $log);
}

my ($res, @lines) = traced('/p/trace', 'bob');
is $res->code, 404, 'bob passes (and the file does not exist)';
is scalar @lines, 1, 'one trace line for the request';
my $line = $lines[0] || '';
like $line, qr/checks: "role editor"=granted, "not ip 192\.0\.2\.1"=neutral;/,
    'each Require line with its result, after its own not';
like $line, qr/ user="bob" roles="editor" /,
    'the user and the attributes looked up';
like $line, qr/ area="\/p\/trace" decision=grant status=404 /,
    'the area, the decision and the status sent';

($res, @lines) = traced('/p/trace', 'carol');
is $res->code, 403, 'carol is denied';
is scalar @lines, 1, 'one trace line, though the tree was evaluated twice '
                     . '(before and after authentication)';
like $lines[0] || '', qr/checks: "role editor"=denied; user="carol" roles="viewer" .* decision=deny status=403 /,
    'the deciding pass: the check denied, carol\'s roles, the denial';

($res, @lines) = traced('/p/trace', 'frank');
like $lines[0] || '', qr/ user="frank" roles="" /,
    'a user the file does not list holds no roles';

# Areas without trace1 write no trace line.
($res, @lines) = traced('/p/role/editor', 'bob');
is $res->code, 404, 'bob passes /p/role/editor';
is scalar @lines, 0, 'no trace line where trace1 is not set';
