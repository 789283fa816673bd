# The shared counters and SetHandler authz-policy-status (SPEC section 7,
# docs/watching.md): what known requests add to the counts, in the three
# formats (the suite's server may have counted before: earlier tests,
# an earlier run against a server left running),
# the Prometheus text checked line by line for the format's rules, areas
# and shadows of the configuration at 0 from startup, mod_status's ?auto
# lines.  Then servers of its own (POLICY_TEST_PORT + 40), prefork then
# event, several processes each, with AuthzPolicyMetricsAreas 3: counts
# from every process in one set under concurrent requests, and areas
# beyond the bound under area="(other)".
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET_BODY);
use lib 't/lib';
use Cwd ();
use PolicyTest;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();

plan tests => 72;

my $json = JSON::PP->new;
sub status_json { $json->decode(GET_BODY('/st/status?format=json')) }
sub area  { my ($doc, $name) = @_; (grep { $_->{name} eq $name } @{ $doc->{areas} })[0] }
sub shadow { my ($doc, $name) = @_; (grep { $_->{name} eq $name } @{ $doc->{shadows} })[0] }
# What an area counted from one status document to a later one: its
# grant, deny and would_deny, and denials, the "decision:reason:status=N"
# that grew by N.
sub area_delta {
    my ($before, $after, $name) = @_;
    my $was = area($before, $name) || {};
    my $now = area($after, $name) || {};
    my %had = map { ("$_->{decision}:$_->{reason}:$_->{status}" => $_->{count}) }
        @{ $was->{denials} || [] };
    my @grew = map {
        my $key = "$_->{decision}:$_->{reason}:$_->{status}";
        my $n = $_->{count} - ($had{$key} // 0);
        $n ? "$key=$n" : ()
    } @{ $now->{denials} || [] };
    return { (map { $_ => ($now->{$_} // 0) - ($was->{$_} // 0) }
                  qw(grant deny would_deny)),
             denials => join ' ', sort @grew };
}
sub auto {
    my %v = GET_BODY('/st/server-status?auto') =~ /^(AuthzPolicy\w+): (\d+)$/mg;
    return \%v;
}

# Prometheus text format 0.0.4, line by line: HELP and TYPE before a
# family's samples, names and labels as the format allows them, label
# values with only \\ \" \n escapes, numbers, no series twice.  Returns
# {series => value} or dies with the offending line.
sub parse_prometheus {
    my ($text) = @_;
    my (%type, %seen);
    die "no final newline\n" unless $text =~ /\n\z/;
    for my $line (split /\n/, $text) {
        if (my ($what, $family, $text) =
                $line =~ /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/) {
            next if $what eq 'HELP';
            die "type twice: $line\n" if $type{$family};
            die "bad type: $line\n" unless $text =~ /^(counter|gauge)$/;
            $type{$family} = $text;
            next;
        }
        my ($name, $labels, $value) = $line =~
            /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$/
            or die "not a sample: $line\n";
        die "no TYPE before: $line\n" unless $type{$name};
        die "not a number: $line\n" unless $value =~ /^\d+(\.\d+)?$/;
        die "twice: $line\n" if $seen{"$name" . ($labels // '')}++;
        $seen{"$name" . ($labels // '')} = $value;
    }
    return \%seen;
}

# --- the suite's server ---------------------------------------------------

my $start = status_json();
my $auto_before = auto();
my $series_before = eval { parse_prometheus(GET_BODY('/st/status?format=prometheus')) } || {};
ok area($start, 'st-never-requested'), 'an AuthzPolicyName area is listed before any request';
is area($start, 'st-never-requested')->{grant}, 0, '... at 0';
ok shadow($start, 'st-never-evaluated'), 'a shadow of the configuration is listed before any request';
is shadow($start, 'st-never-evaluated')->{deny}, 0, '... at 0';
is_deeply [sort keys %$auto_before], [qw(AuthzPolicyDenials AuthzPolicyGrants AuthzPolicyWouldDeny)],
    'mod_status ?auto has the three lines';

is req(GET => '/st/role/', user => 'alice')->code, 200, 'alice: granted';
is req(GET => '/st/role/', user => 'carol')->code, 403, 'carol: denied for her role';
is req(GET => '/st/role/')->code, 401, 'anonymous: 401';
is req(GET => '/st/report/', user => 'carol')->code, 200, 'report mode: carol served';
is req(GET => '/st/hidden/', user => 'carol')->code, 404, 'a hidden denial: 404';
is req(GET => '/st/hidden', user => 'carol')->code, 404,
    '... of the section\'s own path (its decoy lies outside it)';
# one connection, so one process: the error document below is an
# internal redirect into st-shadowed, whose counters that process has
# found by then; it must not count there as a grant
Apache::TestRequest::user_agent(keep_alive => 1, reset => 1);
is req(GET => '/st/shadowed/', user => 'alice')->code, 200, 'shadowed area: alice';
is req(GET => '/st/shadowed/', user => 'carol')->code, 200, 'shadowed area: carol';
is req(GET => '/st/shadowed/', user => 'carol')->code, 200, '... twice';
is req(GET => '/st/errdoc/', user => 'carol')->code, 403,
    'a denial answered by a local error document (carol may see it)';
Apache::TestRequest::user_agent(reset => 1);

my $doc = status_json();
my $role = area_delta($start, $doc, 'st-role');
is $role->{grant}, 1, 'st-role: one more grant';
is $role->{denials}, 'deny:anonymous:401=1 deny:role:403=1',
    'st-role: one more denial for the role (403), one more anonymous (401)';
my $report = area_delta($start, $doc, 'st-report');
is "$report->{grant} $report->{deny} $report->{would_deny}", '0 0 1',
    'st-report: one more would-deny, no grant, no denial';
is $report->{denials}, 'would_deny:role:403=1', '... for the role, 403';
is area_delta($start, $doc, 'st-hidden')->{denials}, 'deny:role:404=2',
    'st-hidden: denials counted in their area with the status sent, 404';
is area_delta($start, $doc, 'st-shadowed')->{grant}, 3,
    'st-shadowed: three more grants (its page shown as an error document is none)';
is area_delta($start, $doc, 'st-errdoc')->{denials}, 'deny:role:403=1',
    'st-errdoc: one more denial';
my ($sh, $sh0) = map { shadow($_, 'st-admins') } $doc, $start;
is join(' ', map { $sh->{$_} - $sh0->{$_} } qw(grant deny)), '1 2',
    'shadow st-admins: one more grant, two more denials';
# (a configured file that no test rewrites: loaded at start, never since)
# (its own path: a customer's file named data/users.txt, which hosting.t
# has the server read, is listed too)
my $user_file = Cwd::realpath(t_path('data/users.txt'));
my ($users) = grep { $_->{file} eq $user_file } @{ $doc->{datafiles} };
ok $users && $users->{kind} eq 'users' && $users->{entries} >= 5
    && $users->{loaded} > 1e9, 'the user file: kind, entries, when loaded'
    or diag explain [ map { "$_->{file} $_->{kind} $_->{entries} $_->{loaded}" }
                      @{ $doc->{datafiles} } ], "(wanted $user_file)";
is "$users->{reloads_ok} $users->{reloads_error}", '0 0',
    '... its load at start counted as no reload';
# each kind of configured file
for my $c ([ qr{/var/office\.txt$}, 'iplist', 'an IP list' ],
           [ qr{/var/geo\.mmdb$}, 'geoip', 'the GeoIP database' ]) {
    my ($re, $kind, $what) = @$c;
    my ($f) = grep { $_->{file} =~ $re } @{ $doc->{datafiles} };
    is $f && $f->{kind}, $kind, "$what: kind $kind";
}
is ref $doc->{source_errors}, 'HASH', 'source errors in the document';
# each attribute source of policy.h's table, labelled by its name, in
# every format (t/sources.t checks the rest of what lists them)
my @sources = do { open my $fh, '<', t_path('../policy.h') or die;
    my ($rows) = join('', <$fh>) =~ /#define ATTR_SOURCE_ROWS\(ROW\)((?:[^\n]*\\\n)+[^\n]*\n)/;
    ($rows // '') =~ /ROW\((\w+)\)/g };
ok @sources >= 4, 'the sources of policy.h\'s table (' . "@sources" . ')';
my $raw_doc = GET_BODY('/st/status?format=json');
my ($source_keys) = $raw_doc =~ /"source_errors": \{([^}]*)\}/;
is join(' ', ($source_keys // '') =~ /"(\w+)": \d+/g), "@sources",
    'JSON: source_errors has each source, in the table\'s order';
my $prom_sources = GET_BODY('/st/status?format=prometheus');
is join(' ', $prom_sources =~ /^authz_policy_source_errors_total\{source="(\w+)"\} \d+$/mg),
    "@sources", 'Prometheus: a source_errors_total series for each source';
my ($html_sources) = GET_BODY('/st/status') =~ /<p>Failing look-ups: ([^<]*)\.<\/p>/;
is join(' ', ($html_sources // '') =~ /(\w+) \d+/g), "@sources",
    'HTML: the failing look-ups of each source';
is $doc->{version}, do { open my $fh, '<', t_path('../policy.h') or die;
    my ($v) = join('', <$fh>) =~ /AUTHZ_POLICY_VERSION "([^"]+)"/; $v },
    'the module version';

my $auto = auto();
is join(' ', map { $auto->{$_} - $auto_before->{$_} }
        qw(AuthzPolicyGrants AuthzPolicyDenials AuthzPolicyWouldDeny)), '4 5 1',
    '?auto: 4 more grants, 5 more denials, 1 more would-deny';
like GET_BODY('/st/server-status'), qr/mod_authz_policy/, 'a section on mod_status\'s page';

my $r = req(GET => '/st/status?format=prometheus');
is $r->header('Content-Type'), 'text/plain; version=0.0.4', 'Prometheus: its content type';
my $series = eval { parse_prometheus($r->content) };
ok $series, 'Prometheus: every line follows the format' or diag $@;
$series ||= {};
my $role_403 = 'authz_policy_decisions_total{area="st-role",decision="deny",reason="role",status="403"}';
is +($series->{$role_403} // 0) - ($series_before->{$role_403} // 0), 1,
    'Prometheus: one more role denial';
is $series->{'authz_policy_decisions_total{area="st-never-requested",decision="grant",reason="",status=""}'},
    0, 'Prometheus: the area never requested, at 0';
my $shadow_deny = 'authz_policy_shadow_total{shadow="st-admins",result="deny"}';
is +($series->{$shadow_deny} // 0) - ($series_before->{$shadow_deny} // 0), 2,
    'Prometheus: two more shadow denials';
is scalar(grep { /^authz_policy_(datafile_entries|datafile_loaded_timestamp_seconds|datafile_reloads_total|source_errors_total|cache_total)\{/ }
          keys %$series) >= 7, 1, 'Prometheus: data file, source and cache families';
my $html = GET_BODY('/st/status');
my $role0 = area($start, 'st-role');
my $row = join '', map { "<td>$_</td>" } 'st-role', $role0->{grant} + 1,
    $role0->{deny} + 2, $role0->{would_deny};
like $html, qr{\Q$row\E}, 'HTML: st-role, one more grant, two more denials';
# a person looks an area up by its name: the rows in order
my ($area_rows) = $html =~ m{<h2>Areas</h2>(.*?)</table>}s;
my @names = ($area_rows // '') =~ m{<tr><td>([^<]*)</td><td>\d}g;
ok @names > 5, 'HTML: the areas (' . scalar(@names) . ')';
is join(' ', @names), join(' ', sort @names), '... sorted by name';
unlike $html, qr{No shadow policy is configured}, 'HTML: shadows listed, no note';
# the status of a denial is a number, as explain gives it
my $raw = GET_BODY('/st/status?format=json');
like $raw, qr{"reason": "role", "status": 403, "count": \d+}, 'JSON: a status is a number';
unlike $raw, qr{"status": "}, '... never a string';

# a failing source, the cache
my $before = status_json();
is req(GET => '/a/broken/', user => 'bob', vhost => 'policy_dbd_broken')->code, 500,
    'a failing SQL source: 500';
is status_json()->{source_errors}{dbd} - $before->{source_errors}{dbd}, 1,
    '... counted as a dbd source error';
my @cached = map { req(GET => '/a/dbd-role/', user => 'erin', vhost => 'policy_cache')->code } 1 .. 3;
my $after = status_json();
is join(' ', map { $after->{cache}{$_} - $before->{cache}{$_} } qw(miss hit)), '1 2',
    'the cache: a miss, then two hits (' . "@cached" . ')';

# a user file reloaded, then a broken version of it
sub status_file {
    my ($f) = grep { $_->{file} =~ m{/status-users\.txt$} } @{ status_json()->{datafiles} };
    return $f;
}
# (counts from the version on disk before this test, once in force: an
# earlier run's, or one written as the server started)
sub counts_since {
    my ($f, $from) = @_;
    return join ' ', $f->{entries}, $f->{reloads_ok} - $from->{reloads_ok},
        $f->{reloads_error} - $from->{reloads_error};
}
my $file = var_path('status-users.txt');
my $first = wait_for(10, sub { my $f = status_file();
    $f && $f->{loaded} >= (stat $file)[9] ? $f : undef });
ok $first, 'a user file listed, its version on disk in force';
write_file($file, "ruth role=admin\nsam role=viewer\ntom role=viewer\n");
my $f = wait_for(10, sub { my $f = status_file();
                           $f->{reloads_ok} > $first->{reloads_ok} ? $f : undef });
is counts_since($f, $first), '3 1 0',
    'rewritten: one more reload, however many processes loaded it; 3 entries';
my $rewritten = $f;
write_file($file, "ruth role=admin\nsam role=viewer\ntom role=viewer\nsam role=admin\n");
$f = wait_for(10, sub { my $f = status_file();
                        $f->{reloads_error} > $rewritten->{reloads_error} ? $f : undef });
is counts_since($f, $rewritten), '3 0 1',
    'a broken version: one more failed reload, the entries of the version in force';
like $f->{last_error}, qr/line 4: duplicate user/, '... and its error';
write_file($file, "ruth role=admin\n" . join '', map { "u$_ role=viewer\n" } 1 .. 5);
$f = wait_for(10, sub { my $f = status_file();
                        $f->{reloads_ok} > $rewritten->{reloads_ok} ? $f : undef });
is counts_since($f, $rewritten) . " $f->{last_error}", '6 1 1 ',
    'a good version again: one more reload, no error shown';
# an error that shows a token with what JSON and HTML escape
my $good = $f;
write_file($file, "ruth role=admin\ncarol q\"b\\l<&>=1\n");
# (shorter than the version before, rewritten in place: a process waits
# the 10 s kept for shrunk files before it believes it)
$f = wait_for(30, sub { my $f = status_file();
                        $f->{reloads_error} > $good->{reloads_error} ? $f : undef });
like $f && $f->{last_error}, qr/^line 2: unknown key [^']*'q"b\\l<&>'$/,
    'an error showing a token with a quote, a backslash, < and &: JSON, escaped';
my $status_page = GET_BODY('/st/status');
like $status_page, qr/'q(?:&quot;|&#34;)b\\l&lt;&amp;&gt;'|&#39;q(?:&quot;|&#34;)b\\l&lt;&amp;&gt;&#39;/,
    '... HTML, escaped';
unlike $status_page, qr/q"b\\l<&>/, '... and never raw';
write_file($file, "ruth role=admin\n" . join '', map { "u$_ role=viewer\n" } 1 .. 6);
ok wait_for(10, sub { my $f = status_file();
                      $f->{reloads_ok} > $good->{reloads_ok} }), '... a good version again';

# --- servers of their own: prefork and event, several children each, a
# bound of 3 -------------------------------------------------------------

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 40;
my $T = t_path('');
my $so = $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so";
my $dir;
sub stop { stop_server("$dir/httpd.pid") if $dir }
END { stop() }
my @areas = map { "/x$_" } 1 .. 5;
my %processes = (
    prefork => "StartServers 4\nMinSpareServers 4\nMaxSpareServers 8\n"
               . "MaxRequestWorkers 8\n",
    event   => "StartServers 3\nServerLimit 3\nThreadsPerChild 2\n"
               . "MinSpareThreads 6\nMaxSpareThreads 6\nMaxRequestWorkers 6\n",
);

sub get {
    my ($path) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 30)
        or return '';
    print $sock "GET $path HTTP/1.0\r\n\r\n";
    local $/;
    return <$sock> // '';
}

for my $mpm (qw(prefork event)) {
    $dir = var_path("status-$mpm");
    stop();
    remove_tree($dir);
    make_path("$dir/htdocs");
    write_file("$dir/httpd.conf", PolicyTest::Setup::standalone_conf(
        root => $dir, listen => "127.0.0.1:$port", so => $so, mpm => $mpm,
        modules => [qw(authz_core authz_host)]) . $processes{$mpm} . <<"CONF"
DocumentRoot "$dir/htdocs"
KeepAlive Off
AuthzPolicyMetricsAreas 4
LogFormat "%P %U" pids
CustomLog "$dir/access_log" pids
<Location /status>
    SetHandler authz-policy-status
</Location>
<Location /named>
    AuthzPolicyName named-at-start
    Require all granted
</Location>
# named by its path, which holds a quote and a backslash
<Location "/q\\"x\\b">
    AuthzPolicyErrorFormat json
    Require all granted
</Location>
CONF
        . join '', map { "<Location $_>\n    AuthzPolicyErrorFormat json\n"
                         . "    Require all granted\n</Location>\n" } @areas);
    write_file("$dir/htdocs/index.html", "ok\n");
    system('chmod', '-R', 'a+rX', $dir);
    system($ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'start') == 0
        or die "apache2 did not start\n";
    wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$port") });

    # the odd path first: it takes the place after the named area
    get('/q%22x%5Cb');
    like get('/status') =~ s{.*?\r\n\r\n}{}sr,
        qr{<tr><td colspan="3">No shadow policy is configured \(&lt;AuthzPolicyShadow&gt;, docs/rollout\.md\)\.</td></tr>\n</table>},
        "$mpm: HTML: no shadow, and the shadow table says so" if $mpm eq 'prefork';
    my ($text) = get('/status?format=prometheus') =~ /\r\n\r\n(.*)/s;
    like $text, qr{^authz_policy_decisions_total\{area="/q\\"x\\\\b",decision="grant",reason="",status=""\} 1$}m,
        "$mpm: an area named by a path with a quote and a backslash, escaped (\\\" \\\\\\\\)";

    # four clients at once, 60 requests each, over the five areas
    my @kids;
    for my $c (1 .. 4) {
        my $pid = fork // die;
        if (!$pid) { get($areas[$_ % 5]) for 1 .. 60; POSIX::_exit(0) }
        push @kids, $pid;
    }
    waitpid $_, 0 for @kids;
    open my $fh, '<', "$dir/access_log" or die;
    my %pids = map { (split)[0] => 1 } grep { m{ /x\d} } <$fh>;
    ok keys(%pids) > 1, "$mpm: requests were served by several processes ("
        . keys(%pids) . ')';
    my ($body) = get('/status?format=json') =~ /\r\n\r\n(.*)/s;
    my $p = $json->decode($body);
    my %grants = map { $_->{name} => $_->{grant} } @{ $p->{areas} };
    my $sum = 0;
    $sum += $_ for values %grants;
    is $sum, 241, "$mpm: every process's grants in one set: 240 and the odd path's";
    ok exists $grants{'named-at-start'},
        "$mpm: the area named in the configuration keeps its place";
    is scalar(grep { m{^/x\d$} } keys %grants), 2,
        "$mpm: two more areas by name: the bound of 4";
    is $grants{'(other)'}, 240 - 2 * 48, "$mpm: the other three counted under (other)";
    stop();
}
