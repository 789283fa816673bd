# Shared hosting (docs/shared-hosting.md) and the module's handlers: a
# customer whose .htaccess may set handlers (AllowOverride FileInfo, in
# A's public_html/tools) mounts the explain handler, the status handler
# and mod_status's page.  They must not answer there: nothing of
# customer B's hidden area, users or files reaches A, and mod_status's
# page keeps its own figures but not the module's.  The server's own
# pages (/explain, /st/status, /st/server-status, and one in A's tools
# where no .htaccess file lies on the way) still answer, and so do
# A's in the virtual host policy_handlers, which allows them
# (AuthzPolicyHtaccessHandlers on).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use LWP::UserAgent ();

plan tests => 55;

my ($TA, $TB) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');
my $B = hosting_path('b');
my $tools = "$A/public_html/tools";

# B's hidden area, its users file and a role only B's file holds; the
# markers are this run's.
my $mark = sprintf '%08x%08x', int rand 2**32, int rand 2**32;
my $area = "bhidden$mark";
my $role = "treasurer$mark";
PolicyTest::Setup::put("$B/data/staff.txt", "ceo role=admin,$role\n", $TB,
                       0640);
PolicyTest::Setup::htaccess("$B/public_html/hidden", $TB,
    "AuthzPolicyUserFile $B/data/staff.txt", "AuthzPolicyName $area",
    'AuthzPolicyDenyStatus 404', 'Require role admin');

# A's tools: each handler mounted in an .htaccess, and a link to B's
# DocumentRoot.
PolicyTest::Setup::customer_dir($tools, $TA);
PolicyTest::Setup::htaccess("$tools/explain", $TA,
                            'SetHandler authz-policy-explain');
PolicyTest::Setup::htaccess("$tools/status", $TA,
                            'SetHandler authz-policy-status');
PolicyTest::Setup::htaccess("$tools/mod-status", $TA,
                            'SetHandler server-status');
unlink "$tools/b-site";
symlink "$B/public_html", "$tools/b-site" or die "symlink: $!";
PolicyTest::Setup::chown_to("$tools/b-site", $TA);

# B's area is met once (so that the counters name it) and B's file loaded.
is status_of('/hb/hidden/', user => 'bob'), 404,
    "B's hidden area answers bob (not in B's file) 404";

sub get { get_timed(@_) // die "no answer to $_[0]\n" }
sub explain_path {
    my ($dir, $uri, $user) = @_;
    return "$dir?uri=$uri&user=$user&ip=127.0.0.1";
}
# Lines of the error log since offset that say why dir's handler did not
# answer.
sub refusal_lines {
    my ($size, $dir) = @_;
    return grep { /\Q$dir\E/ && /AuthzPolicyHtaccessHandlers/ }
           split /\n/, error_log_since($size);
}
my $leak = qr/\Q$mark\E|"roles"|"area"|\Q$B\E/;

# --- explain, mounted by A ---------------------------------------------

my $size = error_log_size();
my $res = get(explain_path('/ha/tools/explain/', '/hb/hidden/', 'ceo'));
is $res->code, 404, "A's explain handler, asked about B's user: 404";
unlike $res->content, $leak, "... nothing of B's area or user in it";
is scalar(refusal_lines($size, "$tools/explain")), 1,
    '... one error log line names the .htaccess directory and the '
    . 'directive that allows it';

# whether B's area exists: the answer is that of a path that does not
my $hidden = get(explain_path('/ha/tools/explain/', '/hb/hidden/', 'bob'));
my $missing = get(explain_path('/ha/tools/explain/', '/hb/nothing/', 'bob'));
is $hidden->code, $missing->code,
    "A's explain: B's hidden area and a missing path answer alike";
is $hidden->content, $missing->content, '... byte for byte';

# through A's link to B's DocumentRoot (B's .htaccess read under A's URL)
$res = get(explain_path('/ha/tools/explain/', '/ha/tools/b-site/hidden/',
                        'ceo'));
is $res->code, 404, "A's explain, through a link to B's DocumentRoot: 404";
unlike $res->content, $leak, '... nothing of B in it';

# the handler itself is not there, whatever the method
{
    local $Apache::TestRequest::Module = 'default';
    my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
    $res = $ua->post('http://' . Apache::TestRequest::hostport()
                     . '/ha/tools/explain/', { uri => '/hb/hidden/' });
}
is $res->code, 404, "A's explain, a POST: 404 (not 405)";

# --- status, mounted by A ----------------------------------------------

for my $format ('', '?format=json', '?format=prometheus') {
    $size = error_log_size();
    $res = get("/ha/tools/status/$format");
    is $res->code, 404, "A's status handler$format: 404";
    unlike $res->content, qr/\Q$mark\E|\Q$B\E|authz_policy|Data files/i,
        '... no area, file or counter in it';
    is scalar(refusal_lines($size, "$tools/status")), 1,
        '... one error log line';
}

# --- mod_status, mounted by A: its page, without the module's figures ---

$size = error_log_size();
$res = get('/ha/tools/mod-status/');
like $res->content, qr/Apache Server Status/,
    "A's server-status: mod_status's page";
unlike $res->content, qr/mod_authz_policy|Would deny/,
    "... without the module's section";
$res = get('/ha/tools/mod-status/?auto');
like $res->content, qr/^Scoreboard:/m, "A's server-status?auto: mod_status's lines";
unlike $res->content, qr/^AuthzPolicy/m, "... without the module's";
is scalar(refusal_lines($size, "$tools/mod-status")), 2,
    '... one error log line for each request';

# --- the server's own pages still answer --------------------------------

$res = get(explain_path('/explain', '/hb/hidden/', 'ceo'));
is $res->code, 200, "the server's /explain answers";
like $res->content, qr/\Q$role\E/, "... with B's user's roles";
$res = get('/st/status');
is $res->code, 200, "the server's /st/status answers";
like $res->content, qr/\Q$area\E/, '... naming B\'s area';
like get('/st/server-status')->content, qr/mod_authz_policy/,
    "the server's /st/server-status has the module's section";
like get('/st/server-status?auto')->content, qr/^AuthzPolicyGrants: \d+$/m,
    '... and ?auto its lines';
# where .htaccess files may be read but none lies on the way
$size = error_log_size();
$res = get('/ha/tools/admin-status');
is $res->code, 200, "the server's status page in A's tools, with no "
    . '.htaccess file on its way, answers';
like $res->content, qr/\Q$area\E/, '... naming B\'s area';
is scalar(refusal_lines($size, $tools)), 0, '... and nothing is logged';

# --- where AuthzPolicyHtaccessHandlers on allows them -------------------

my %vh = (vhost => 'policy_handlers');
$size = error_log_size();
$res = get(explain_path('/ha/tools/explain/', '/hb/hidden/', 'ceo'), %vh);
is $res->code, 200, 'allowed: A\'s explain answers';
like $res->content, qr/\Q$role\E/, '... with the user\'s roles';
$res = get(explain_path('/ha/tools/explain/', '/ha/tools/b-site/hidden/',
                        'ceo'), %vh);
like $res->content, qr/\Q$role\E/, '... also through the link';
$res = get('/ha/tools/status/', %vh);
is $res->code, 200, 'allowed: A\'s status answers';
like $res->content, qr/\Q$area\E/, '... naming the areas';
like get('/ha/tools/status/?format=json', %vh)->content, qr/\Q$area\E/,
    '... also as JSON';
like get('/ha/tools/mod-status/', %vh)->content, qr/mod_authz_policy/,
    'allowed: A\'s server-status has the module\'s section';
like get('/ha/tools/mod-status/?auto', %vh)->content,
    qr/^AuthzPolicyGrants: \d+$/m, '... and ?auto its lines';
is scalar(refusal_lines($size, $tools)), 0, '... and nothing is logged';

# policy_handlers has every *.hosting.test name, as mass virtual hosting
# has every customer's (one server_rec): A's handler explains the name
# it is asked with, and no other.
my $own = explain_path('/ha/tools/explain/', '/hb/hidden/', 'ceo');
$size = error_log_size();
$res = get("$own&host=a.hosting.test", %vh, host => 'a.hosting.test');
is $res->code, 200, "A's explain asked as a.hosting.test about "
    . 'a.hosting.test answers';
$res = get("$own&host=b.hosting.test", %vh, host => 'a.hosting.test');
is $res->code, 403, '... about b.hosting.test, a name of the same virtual '
    . 'host: 403';
unlike $res->content, $leak, '... nothing of B in it';
$res = get("$own&header=Host:b.hosting.test", %vh, host => 'a.hosting.test');
is $res->code, 403, '... with header=Host: too';
unlike $res->content, $leak, '... nothing of B in it';
is scalar(grep { /\Q$tools\/explain\E/ && /b\.hosting\.test/ }
          split /\n/, error_log_since($size)), 2,
    '... each refusal logged, with the .htaccess directory and the host';
$res = get(explain_path('/explain', '/hb/hidden/', 'ceo')
           . '&host=b.hosting.test', %vh, host => 'a.hosting.test');
like $res->content, qr/\Q$role\E/,
    "the server's /explain there (no .htaccess file) explains every name";

# --- another virtual host: only from the server's configuration --------
# policy_names: www.example.test (its first, AuthzPolicyHtaccessHandlers
# on) and shared.example.test, name-based on one address.  A's handler
# there explains its own virtual host; the server's /explain each one,
# asked with its Host.
%vh = (vhost => 'policy_names');
my $shared = explain_path('/ha/tools/explain/', '/members/', 'bob');
$res = get($shared, %vh);
is $res->code, 200, "A's explain, allowed in its own virtual host, answers";
$size = error_log_size();
$res = get("$shared&host=shared.example.test", %vh);
is $res->code, 403, '... asked about another one (host=): 403';
unlike $res->content, qr/"area"|"checks"|"roles"|editor|members/,
    '... nothing of the other site in it';
$res = get("$shared&header=Host:shared.example.test", %vh);
is $res->code, 403, '... asked with header=Host: 403 too';
is scalar(grep { /\Q$tools\/explain\E/ && /shared\.example\.test/ }
          split /\n/, error_log_since($size)), 2,
    '... each refusal logged, with the .htaccess directory and the host';
$res = get(explain_path('/explain', '/members/', 'bob')
           . '&host=shared.example.test', %vh);
is $res->code, 403, "the server's /explain reached as the first virtual "
    . 'host refuses the other one too';
$res = get(explain_path('/explain', '/members/', 'bob')
           . '&host=shared.example.test', %vh, host => 'shared.example.test');
like $res->content, qr/"area": "\/members"/,
    "... and reached with Host: shared.example.test, explains it";
