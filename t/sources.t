# An attribute source is one file and one row of policy.h's
# ATTR_SOURCE_ROWS: everything that lists the sources is made from that
# table or is checked against it here, so that a source cannot be half
# added.  For each row: its descriptor (attr_source_NAME, whose name is
# the row's), its name in the directive's help text (apache2 -L), in its
# error messages and in configtest's (apache2 -t), in docs/directives.md's
# AuthzPolicyAttribute section, docs/watching.md's source_errors labels
# and docs/troubleshooting.md.  The status page's labels are t/status.t's.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/..";
my $SO = $ENV{AUTHZ_POLICY_SO} || "$top/mod_authz_policy.so";
my $HTTPD = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return <$fh>;
}

# the table: one ROW(name) a line
my ($rows) = slurp("$top/policy.h")
    =~ /#define ATTR_SOURCE_ROWS\(ROW\) \\\n((?:[ \t]+ROW\(\w+\)[ \t]*\\?\n)+)/;
my @names = ($rows // '') =~ /ROW\((\w+)\)/g;
ok @names >= 4, 'policy.h lists the sources (' . join(' ', @names) . ')';
ok +(grep { $_ eq 'ldap' } @names), '... ldap among them';

# each row's descriptor, in the module's C files: its fields as written
my %source;
for my $c (glob("$top/*.c")) {
    my $text = slurp($c);
    while ($text =~ /^const attr_source_type attr_source_(\w+) = \{\n(.*?)^\};/msg) {
        my ($row, $init) = ($1, $2);
        my %f = (file => $c =~ s{.*/}{}r);
        $f{name} = $1 if $init =~ /\.name = "([^"]*)"/;
        $f{usage} = $1 if $init =~ /\.usage = "((?:[^"\\]|\\.)*)"/;
        $f{usage} =~ s/\\"/"/g if defined $f{usage};
        $f{$_} = $init =~ /\.$_ = 1\b/ ? 1 : 0 for qw(in_htaccess gives_values);
        $source{$row} = \%f;
    }
}
for my $name (@names) {
    my $s = $source{$name};
    ok $s, "$name: its descriptor attr_source_$name" or next;
    is $s->{name}, $name, "$name: named $name ($s->{file})";
    like $s->{usage} // '', qr/^\Q$name\E\b/, "$name: its usage begins with it";
}
is join(' ', sort keys %source), join(' ', sort @names),
    'every descriptor has its row';

# what an administrator sees: the help text, the errors, configtest's
my $dir = tempdir(CLEANUP => 1);
sub httpd {
    my ($flag, $body) = @_;
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh <<"CONF";
ServerRoot $dir
ServerName localhost
PidFile $dir/httpd.pid
ErrorLog $dir/error_log
Listen 127.0.0.1:1
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authz_policy_module $SO
$body
CONF
    close $fh;
    return scalar `$HTTPD $flag -f $dir/httpd.conf 2>&1`;
}
my ($help) = httpd('-L', '') =~ /^AuthzPolicyAttribute \(.*\)\n\t(.*)\n/m;
ok defined $help, 'apache2 -L: AuthzPolicyAttribute\'s help text';
my $unknown = httpd('-t', "AuthzPolicyAttribute role nosuch x\n");
my ($not) = $unknown =~ /AuthzPolicyAttribute role: 'nosuch' is not (.*)/;
ok defined $not, 'an unknown source is refused' or diag $unknown;
my ($needs) = httpd('-t', "AuthzPolicyAttribute role\n")
    =~ /AuthzPolicyAttribute needs an attribute .* and a source \((.*)\)/;
ok defined $needs, 'a line without a source is refused';
my ($configtest) = httpd('-t', "<Location />\nAuthType Basic\nRequire role x\n</Location>\n")
    =~ /no source of roles for this server: .*AuthzPolicyAttribute role (\S+),/;
ok defined $configtest, 'configtest: a Require role without a source';
my %listed = map { $_ => 1 } split /\|/, $configtest // '';

# the docs
my $directives = slurp("$top/docs/directives.md");
my ($section) = $directives =~ /^### AuthzPolicyAttribute\n(.*?)^### /ms;
my ($syntax) = ($section // '') =~ /^\| Syntax \| (.*) \|$/m;
my ($configtest_doc) = $directives
    =~ /no `AuthzPolicyUserFile` and no `AuthzPolicyAttribute`\s+for it \(([^)]*)\)/;
my $watching = slurp("$top/docs/watching.md");
my @label_lists = $watching =~ /(`source_errors(?:_total)?`(?: has|: `source` is) [^.:]*)/g;
is scalar(@label_lists), 2, 'docs/watching.md: two lists of source labels';
my ($trouble) = slurp("$top/docs/troubleshooting.md")
    =~ /no `AuthzPolicyAttribute \.\.\. ([\w|]+)`/;
ok defined $trouble, 'docs/troubleshooting.md: the sources configtest counts';

for my $name (@names) {
    my $s = $source{$name} or next;
    my $usage = $s->{usage} // $name;
    like $help // '', qr/(^|[ ,])\Q$usage\E([ ,]|$)/,
        "$name: in the help text ($usage)";
    like $not // '', qr/(^|[ ,])\Q$usage\E([ ,]|$)/, "$name: in the error of an unknown source";
    like $needs // '', qr/(^|[ ,])\Q$usage\E([ ,]|$)/, "$name: in the error of a line without one";
    is $listed{$name} ? 1 : 0, $s->{gives_values},
        "$name: configtest's message " . ($s->{gives_values} ? 'names it' : 'does not name it')
        . ' (a line of it alone ' . ($s->{gives_values} ? 'gives' : 'does not give') . ' values)';
    like $section // '', qr/^    AuthzPolicyAttribute role\|plan\|scope \Q$name\E\b/m,
        "$name: docs/directives.md, its syntax line";
    like $syntax // '', qr/scope \Q$name\E\b|\|\Q$name\E\b/, "$name: ... in the Syntax row";
    like $section // '', qr/^- `\Q$name\E\b/m, "$name: ... its description";
    if ($s->{gives_values}) {
        like $configtest_doc // '', qr/`\Q$name\E`/, "$name: ... what configtest counts";
        like $trouble // '', qr/(^|\|)\Q$name\E(\||$)/, "$name: docs/troubleshooting.md, what configtest counts";
    }
    like $_, qr/`\Q$name\E`/, "$name: docs/watching.md, a source label" for @label_lists;
    my ($htaccess) = ($section // '') =~ /^\| Context \| .*\.htaccess \(([^)]*) only\)/m;
    is +(($htaccess // '') =~ /`\Q$name\E`/ ? 1 : 0), $s->{in_htaccess},
        "$name: ... its Context row " . ($s->{in_htaccess} ? 'allows' : 'does not allow')
        . ' it in .htaccess files';
}
done_testing();
