# authz-policy (build/authz-policy, docs/authz-policy.1): `check` on good
# and bad data files, every error as FILE:LINE, and the exit codes;
# `explain` against the test server's explain handler (/explain).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use PolicyTest;
use POSIX ();

my $tool = t_path('../build/authz-policy');
system('make', '-s', '-C', t_path('..'), 'build/authz-policy') == 0
    or die "cannot build $tool\n";

plan tests => 56;

# run(ARGS...): the exit status and what it printed (stdout, stderr)
sub run {
    my $out = var_path("tool-$$.out");
    my $err = var_path("tool-$$.err");
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', $out or die $!;
        open STDERR, '>', $err or die $!;
        alarm 20;                     # a FIFO must never hang it
        exec $tool, @_ or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $status = $? & 127 ? -1 : $? >> 8;
    my @text = map { local $/; open my $fh, '<', $_ or die $!; my $t = <$fh>;
                     unlink $_; $t } $out, $err;
    return ($status, @text);
}

my $dir = var_path("tool-$$");
mkdir $dir or die "$dir: $!";

# --- check users ----------------------------------------------------------
my ($rc, $out, $err) = run('check', 'users', t_path('data/users.txt'));
is $rc, 0, 'the suite\'s user file is valid: exit 0';
is $out, t_path('data/users.txt') . ": 5 entries\n", '... and its entries';

write_file("$dir/bad-users.txt", join '',
    "alice role=admin plan=pro\n",            # 1
    "bob role= plan=pro\n",                   # 2: empty value
    "# a comment\n",                          # 3
    "carol colour=blue\n",                    # 4: unknown key
    "alice role=editor\n",                    # 5: listed twice
    "   role=admin\n",                        # 6: no user name
    "dave scope=a,,b\n",                      # 7: empty list value
    "erin plan=free\n");                      # 8
($rc, $out) = run('check', 'users', "$dir/bad-users.txt");
is $rc, 1, 'a user file with errors: exit 1';
my $f = "$dir/bad-users.txt";
is_deeply [ split /\n/, $out ], [
    "$f:2: empty value for 'role'",
    "$f:4: unknown key (expected role, plan or scope): 'colour'",
    "$f:5: duplicate user (first on line 1) 'alice'",
    "$f:6: user name missing before 'role=admin'",
    "$f:7: empty value in scope list 'a,,b'",
], 'every error, as FILE:LINE: message, in the order of the lines';

# grants that have expired are valid, and told
write_file("$dir/expiring.txt", "alice role=admin,oncall\@2020-01-01T00:00:00Z\n"
           . "bob scope=a\@2999-01-01T00:00:00Z plan=pro\@2021-06-01T12:00:00Z\n");
($rc, $out) = run('check', 'users', "$dir/expiring.txt");
is $rc, 0, 'a user file with expired grants is valid: exit 0';
is $out, "$dir/expiring.txt: 2 entries\n"
       . "$dir/expiring.txt:1: expired: user 'alice': role 'oncall' expired at 2020-01-01T00:00:00Z\n"
       . "$dir/expiring.txt:2: expired: user 'bob': plan 'pro' expired at 2021-06-01T12:00:00Z\n",
    'each grant already expired is told with its line; one to come is not';

write_file("$dir/dups.txt", "a role=x\na role=y\nb role=z\na role=w\n");
($rc, $out) = run('check', 'users', "$dir/dups.txt");
is $out, "$dir/dups.txt:2: duplicate user (first on line 1) 'a'\n"
       . "$dir/dups.txt:4: duplicate user (first on line 1) 'a'\n",
    'errors only the whole file shows are each reported too';

# an htdigest file: the name is told, never the realm or its hash
write_file("$dir/digest.txt", "bob role=a\n"
           . "alice:Restricted Area:5f4dcc3b5aa765d61d8327deb882cf99\n"
           . "urn:x:carol\n");
($rc, $out, $err) = run('check', 'users', "$dir/digest.txt");
is $rc, 1, 'an htdigest line: exit 1';
like $out, qr{^\Q$dir/digest.txt\E:2: a password hash after ':': .*; user 'alice'\n\z},
    '... one error, naming FILE:LINE and the user' or diag $out;
unlike "$out$err", qr/Restricted|Area|5f4dcc/, '... neither realm nor hash is shown';

($rc, $out) = run('check', 'users', t_path('data/users.txt'),
                  "$dir/bad-users.txt");
is $rc, 1, 'several files: exit 1 if any is invalid';
like $out, qr/^\Q${\ t_path('data\/users.txt')}\E: 5 entries\n\Q$f\E:2: /,
    '... each file reported in turn';

# Files the module would refuse.
POSIX::mkfifo("$dir/fifo", 0600) or die "mkfifo: $!";
($rc, $out) = run('check', 'users', "$dir/fifo");
is $rc, 1, 'a FIFO: exit 1, without blocking';
is $out, "$dir/fifo: not a regular file\n", '... refused as the module does';
($rc, $out) = run('check', 'users', $dir);
is $out, "$dir: not a regular file\n", 'a directory is refused';
($rc, $out) = run('check', 'users', "$dir/missing.txt");
is $rc, 1, 'a missing file: exit 1';
like $out, qr/^\Q$dir\E\/missing\.txt: No such file or directory$/,
    '... and why';
write_file("$dir/empty.txt", '');
($rc, $out) = run('check', 'users', "$dir/empty.txt");
is_deeply [ $rc, $out ], [ 0, "$dir/empty.txt: 0 entries\n" ],
    'an empty file is valid';

# --- check iplist -----------------------------------------------------------
write_file("$dir/ips.txt", "# office\n10.0.0.0/8\n2001:db8::/32\n192.0.2.7\n");
($rc, $out) = run('check', 'iplist', "$dir/ips.txt");
is_deeply [ $rc, $out ], [ 0, "$dir/ips.txt: 3 entries\n" ],
    'a valid IP list: its entries, exit 0';
write_file("$dir/bad-ips.txt",
           "10.0.0.0/8\n1.2.3.4/33\nnot-an-address\n::1\n10.1.2.3/x\n");
($rc, $out) = run('check', 'iplist', "$dir/bad-ips.txt");
is $rc, 1, 'an IP list with errors: exit 1';
is_deeply [ map { /^\Q$dir\E\/bad-ips\.txt:(\d+): / ? $1 : $_ }
            split /\n/, $out ], [ 2, 3, 5 ],
    'every bad line, by number';

# --- usage -----------------------------------------------------------------
($rc, $out, $err) = run('check', 'groups', "$dir/ips.txt");
is $rc, 1, 'an unknown kind of file: exit 1';
like $err, qr/users or iplist/, '... saying which kinds there are';
($rc) = run('frobnicate');
is $rc, 1, 'an unknown command: exit 1';

# --- explain ----------------------------------------------------------------
my $url = 'http://' . Apache::TestRequest::hostport() . '/explain';
($rc, $out) = run('explain', $url, '/p/role/admin', '--user', 'bob',
                  '--ip', '127.0.0.2');
is $rc, 2, 'explain: a denial exits 2';
like $out, qr/^\/p\/role\/admin for bob from 127\.0\.0\.2 \(region DE\)$/m,
    '... says what was asked';
like $out, qr/^attributes: roles editor; plan pro; scopes reports:read$/m,
    '... the user\'s attributes';
like $out, qr/^  denied +role admin$/m, '... each check';
like $out, qr/^decision: deny, status 403, reason role, required admin$/m,
    '... and the decision';

($rc, $out) = run('explain', $url, '/p/role/admin', '--user', "bo\x7fb");
like $out, qr/ for bo\\x7fb from /, 'a control byte the server sends back (DEL) is printed as \\x7f';

($rc, $out) = run('explain', $url, '/p/role/admin', '--user', 'alice');
is $rc, 0, 'a grant exits 0';
like $out, qr/ from 127\.0\.0\.1 /,
    'without --ip, the client is this machine as the server sees it';

($rc, $out) = run('explain', $url, '/s/shadow/stock', '--user', 'carol');
like $out, qr/^shadows:\n  deny:other +office-ip\n  deny:plan +nested\n  grant +not-billing$/m,
    'the shadows and their results';

($rc, $out) = run('explain', $url, '/x/header', '--user', 'bob',
                  '--header', 'X-Explain-Test: open');
is $rc, 0, '--header sends a request header';
($rc, $out) = run('explain', $url, '/r/report/role', '--user', 'carol');
is $rc, 2, 'report mode: the policy denies, exit 2';

# caveats: what explain cannot know here; exit 3, "cannot tell"
($rc, $out) = run('explain', $url, '/x/no-authtype/', '--user', 'bob');
is $rc, 3, 'an area with no AuthType: exit 3, neither grant nor deny';
like $out, qr/^caveats:\n  no_authtype +[^\n]*AuthType[^\n]*500/m,
    '... the caveat, with what a real request gets';
like $out, qr/^decision: cannot tell\b/m, '... and no decision';

# the virtual host: from the URL's host, --host or --header Host:, which
# the handler is asked with (it explains only the site it is asked as)
{
    local $Apache::TestRequest::Module = 'policy_names';
    my $names = 'http://' . Apache::TestRequest::hostport() . '/explain';
    ($rc, $out) = run('explain', $names, '/members/', '--user', 'erin');
    is $rc, 0, 'name-based virtual hosts: without a host, the first '
             . '(no /members there)';
    ($rc, $out) = run('explain', $names, 'http://shared.example.test/members/',
                      '--user', 'erin');
    is $rc, 2, 'a URL with a host: its virtual host (erin denied there)';
    like $out, qr/^virtual host: shared\.example\.test \(Host: shared\.example\.test\)$/m,
        '... which the answer names';
    like $out, qr/^\/members\/ for erin /m, '... asking about its path';
    ($rc, $out) = run('explain', $names, '/members/', '--user', 'erin',
                      '--host', 'shared.example.test');
    is $rc, 2, '--host NAME picks it too';
    ($rc, $out) = run('explain', $names, '/members/', '--user', 'erin',
                      '--header', 'Host: members.example.test');
    is $rc, 2, '... and so does --header Host:NAME (an alias here)';
    ($rc, $out, $err) = run('explain', $names,
                            'http://shared.example.test/members/',
                            '--user', 'erin', '--host', 'www.example.test');
    is $rc, 1, 'a host in the URL and --host: exit 1';
    like $err, qr/host/, '... saying so';
    ($rc, $out, $err) = run('explain', $names, '/members/', '--user', 'erin',
                            '--host', 'nowhere.example.test');
    is $rc, 1, 'a host no virtual host of the address is named: refused, '
             . 'exit 1';
    like $err, qr/answered 403: .*Host: nowhere\.example\.test/,
        '... saying to ask that site with its Host';
}

# variables an authentication module sets: --env NAME=VALUE
SKIP: {
    skip 'mod_auth_openidc is not installed, or left out (sanitizers)', 3
        unless -e '/usr/lib/apache2/modules/mod_auth_openidc.so'
               && !$ENV{POLICY_NO_OIDC};
    local $Apache::TestRequest::Module = 'policy_oidc';
    my $oidc = 'http://' . Apache::TestRequest::hostport() . '/explain';
    ($rc, $out) = run('explain', $oidc, '/o/reports/', '--user', 'oidc-user');
    is $rc, 3, 'claims not given: exit 3';
    like $out, qr/^  env_not_given +.*OIDC_CLAIM_roles/m,
        '... the caveat names the variable';
    ($rc, $out) = run('explain', $oidc, '/o/reports/', '--user', 'oidc-user',
                      '--env', 'OIDC_CLAIM_roles=analyst,viewer',
                      '--env', 'OIDC_CLAIM_plan=pro',
                      '--env', 'OIDC_CLAIM_scope=reports:read');
    is $rc, 0, 'given with --env NAME=VALUE: a grant, exit 0';
}

($rc, $out, $err) = run('explain', $url, '/p/role/admin', '--user', 'bob',
                        '--ip', 'nowhere');
is $rc, 1, 'a parameter the handler refuses: exit 1';
like $err, qr/answered 400: ip: 'nowhere' is not an IPv4 or IPv6 address/,
    '... with the handler\'s message';
($rc, $out, $err) = run('explain', 'http://127.0.0.1:1/explain', '/p',
                        '--user', 'bob');
is $rc, 1, 'no server: exit 1';
($rc, $out, $err) = run('explain', $url, '/p/role/admin');
is $rc, 1, 'explain without --user: exit 1';
like $err, qr/--host NAME.*--env NAME=VALUE.*\n.*0 grant, 2 deny, 3 cannot tell, 1 error/s,
    '... the usage names --host, --env and the exit codes';

unlink glob "$dir/*";
rmdir $dir;
