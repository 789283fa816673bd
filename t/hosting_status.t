# Shared hosting (docs/shared-hosting.md) and the status page: a failed reload
# of a file named in an .htaccess file is shown there as the error log
# shows it, so the offending token of the file appears only if the
# .htaccess file's owner could read the file.  One customer naming more
# files than the counters have rows for takes no other customer's rows.
# A server of its own
# (POLICY_TEST_PORT + 45, one process, AuthzPolicyHtaccessFiles any), so
# that its counters hold only this test's files whatever ran before.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);
use JSON::PP ();

plan tests => 5 + 3 * 10 + 4;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 45;     # away from the suite
my $dir = var_path('hosting-status');
my $run = "$dir/run";
my ($TA, $TB) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');
my $B = hosting_path('b');

sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs");
END { stop() }

# Each case: an area of the .htaccess owner's naming a users file; the
# token of its bad version is a marker of this run.
my @cases = (
    { name => 'foreign', htaccess => $TB, file => $TA, mode => 0640,
      why => "B's .htaccess names A's file, which B cannot read" },
    { name => 'readable', htaccess => $TB, file => $TA, mode => 0644,
      why => "B's .htaccess names A's file, which B can read" },
    { name => 'own', htaccess => $TA, file => $TA, mode => 0640,
      why => "A's .htaccess names A's own file" },
);
for my $c (@cases) {
    my $home = $c->{htaccess} eq $TA ? $A : $B;
    my $data = ($c->{file} eq $TA ? $A : $B) . "/data/st-$$-$c->{name}.txt";
    $c->{data} = $data;
    $c->{url} = ($c->{htaccess} eq $TA ? '/ha' : '/hb') . "/st-$$-$c->{name}/";
    $c->{marker} = sprintf 'zz%s%d%08x', $c->{name}, $$, int rand 2**32;
    PolicyTest::Setup::put($data, "bob role=admin\n", $c->{file}, $c->{mode});
    PolicyTest::Setup::htaccess("$home/public_html/st-$$-$c->{name}",
                                $c->{htaccess}, "AuthzPolicyUserFile $data",
                                'Require role admin');
}

start_hosting_server(dir => $dir, port => $port, conf => <<"CONF");
AuthzPolicyHtaccessFiles any
Alias /ha "$A/public_html"
Alias /hb "$B/public_html"
<Location /status>
    SetHandler authz-policy-status
</Location>
CONF

sub log_text { local (@ARGV, $/) = "$run/error_log"; <> // '' }

sub code { (get_as_bob($port, $_[0]))[0] }
sub page { (get_as_bob($port, $_[0]))[1] }
my $json = JSON::PP->new;
sub file_entry {
    my ($path) = @_;
    my $doc = eval { $json->decode(page('/status?format=json')) } || {};
    my ($f) = grep { $_->{file} eq $path } @{ $doc->{datafiles} || [] };
    return $f;
}

for my $c (@cases) {
    is code($c->{url}), 200, "$c->{why}: its first version loads (200)";
}
my @loaded = grep { my $f = file_entry($_->{data});
                    $f && $f->{entries} == 1 && !$f->{reloads_error} } @cases;
is scalar(@loaded), scalar(@cases),
    'the status page lists each file, 1 entry, no failed reload';

# The bad versions, each line 2 a key whose name is the case's marker.
for my $c (@cases) {
    PolicyTest::Setup::put("$c->{data}.new",
                           "bob role=admin\ncarol $c->{marker}=1\n",
                           $c->{file}, $c->{mode});
    rename "$c->{data}.new", $c->{data} or die "$c->{data}: $!";
}
# a changed file is read once it has settled: ask until the failure shows
my @failed = grep {
    my $c = $_;
    wait_for(10, sub { code($c->{url}); my $f = file_entry($c->{data});
                       $f && $f->{reloads_error} })
} @cases;
is scalar(@failed), scalar(@cases), 'each bad version is read and fails';

my $html = page('/status');
my $prometheus = page('/status?format=prometheus');
for my $c (@cases) {
    my $f = file_entry($c->{data}) || {};
    my $label = $c->{name};
    is code($c->{url}), 200, "$label: the last good version stays in force";
    is "$f->{entries} $f->{reloads_ok} $f->{reloads_error}", '1 0 1',
        "$label: JSON: one failed reload, the entries of the version in force";
    like $f->{last_error}, qr/^line 2: unknown key/,
        "$label: JSON: the error names the line and what is wrong";
    my ($row) = grep { index($_, "<td>$c->{data}</td>") == 0 }
        $html =~ m{<tr>(.*?)</tr>}g;
    ok $row, "$label: HTML: a row for the file";
    like $row // '', qr{<td>0</td><td>1</td><td>line 2: unknown key[^<]*</td>$},
        "$label: HTML: no reload, one failed, the error";
    my ($logged) = grep { index($_, "$c->{data} (named in ") >= 0 }
        split /\n/, log_text();
    like $logged // '', qr/: \Q$f->{last_error}\E; the last good version stays in force$/,
        "$label: the error log says the same";
    # (this format counts failed reloads; it holds no error text)
    my $errors = qr/^authz_policy_datafile_reloads_total\{file="\Q$c->{data}\E",result="error"\} 1$/m;
    like $prometheus, $errors, "$label: Prometheus: one failed reload";
    if ($c->{name} eq 'foreign') {
        like $f->{last_error}, qr/not shown: the owner of the \.htaccess file cannot read it/,
            "$label: JSON: says that the content is not shown";
        unlike $f->{last_error}, qr/\Q$c->{marker}/, "$label: JSON: no token of the file";
        unlike $html, qr/\Q$c->{marker}/, "$label: HTML: no token of the file";
    }
    else {
        # the .htaccess owner could read the file: the log and the status
        # page show the offending token
        like $f->{last_error}, qr/^line 2: unknown key [^']*'\Q$c->{marker}\E'$/,
            "$label: JSON: the token is shown";
        unlike $f->{last_error}, qr/not shown/, "$label: JSON: nothing is held back";
        like $row // '', qr{<td>line 2: unknown key [^<]*&#39;\Q$c->{marker}\E&#39;</td>$},
            "$label: HTML: the token is shown";
    }
}
# A's .htaccess names 300 files of A's own, more than the 256 rows the
# counters have for data files; B's file, loaded afterwards, still has a
# row of its own
my $flood = "$A/public_html/st-$$-flood";
my @many = map { "$A/data/st-$$-flood-$_.txt" } 1 .. 300;
PolicyTest::Setup::put($_, "bob role=admin\n", $TA, 0640) for @many;
PolicyTest::Setup::htaccess($flood, $TA, (map { "AuthzPolicyUserFile $_" } @many),
                            'Require role admin');
my $b_file = "$B/data/st-$$-after.txt";
PolicyTest::Setup::put($b_file, "bob role=admin\n", $TB, 0640);
PolicyTest::Setup::htaccess("$B/public_html/st-$$-after", $TB,
                            "AuthzPolicyUserFile $b_file", 'Require role admin');
is code("/ha/st-$$-flood/"), 200, "A's area naming 300 files of A's own: 200";
is code("/hb/st-$$-after/"), 200, "B's area, after it: 200";
my $doc = eval { $json->decode(page('/status?format=json')) } || {};
my @rows = @{ $doc->{datafiles} || [] };
my ($b_row) = grep { $_->{file} eq $b_file } @rows;
is $b_row && $b_row->{entries}, 1, "B's file has a row of its own, 1 entry";
my $a_rows = grep { index($_->{file}, "$A/data/st-$$-flood-") == 0 } @rows;
note "A's flood: $a_rows rows";
ok $a_rows <= 256 / 8, "A's files take at most an eighth of the rows ($a_rows)";
stop();
