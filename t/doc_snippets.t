# Every ```apache snippet in README.md and docs/*.md, and the shipped
# conf/authz_policy.conf with each directive uncommented, passes
# `apache2 -t` as an administrator would paste it: after the module is
# loaded (as a2enmod loads it), with Debian's default modules and those the
# snippet's directives need, and with the files it names made up in a
# directory of its own (absolute paths are moved under it).
#
# A snippet that is not a whole configuration, but lines that belong in a
# <Location> or <Directory>, is marked by an HTML comment on the line
# before it, and is tested inside a <Location>:
#     <!-- snippet: fragment -->
# A snippet that must not be tested (one that shows a mistake) says why:
#     <!-- snippet: skip (what the snippet shows) -->
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Path qw(make_path);
use lib 't/lib';
use PolicyTest;

my $T = t_path('');
my $ROOT = "$T/..";
my $SO = $ENV{AUTHZ_POLICY_SO} || "$ROOT/mod_authz_policy.so";
my $HTTPD = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
my $MODULES = '/usr/lib/apache2/modules';

# Debian's apache2 enables these by default (a2enmod's state after install).
my @DEFAULT_MODULES = qw(mpm_event authn_core authn_file auth_basic
    authz_core authz_host authz_user alias dir env mime setenvif);
# Modules that a directive (or "Require <provider>") needs beyond those.
my %NEEDS = (
    authgroupfile => ['authz_groupfile'], 'require group' => ['authz_groupfile'],
    header => ['headers'], requestheader => ['headers'],
    remoteipheader => ['remoteip'], remoteiptrustedproxy => ['remoteip'],
    remoteipinternalproxy => ['remoteip'],
    proxypass => ['proxy', 'proxy_http'], proxypassreverse => ['proxy', 'proxy_http'],
    dbdriver => ['dbd'], dbdparams => ['dbd'], dbdmin => ['dbd'],
    dbdmax => ['dbd'], dbdkeep => ['dbd'], dbdexptime => ['dbd'],
    rewriteengine => ['rewrite'], rewriterule => ['rewrite'],
    rewritecond => ['rewrite'], expiresactive => ['expires'],
    sslengine => ['ssl'],
    order => ['access_compat'], allow => ['access_compat'],
    deny => ['access_compat'], satisfy => ['access_compat'],
    authldapurl => ['ldap', 'authnz_ldap'], authldapbinddn => ['ldap', 'authnz_ldap'],
    authldapbindpassword => ['ldap', 'authnz_ldap'],
    ldapcachettl => ['ldap'], ldapopcachettl => ['ldap'],
    ldapconnectiontimeout => ['ldap'], ldaptimeout => ['ldap'],
    ldapreferrals => ['ldap'],
);
# Arguments that name files or directories, and what to put there.
my %FILE_ARGS = (
    authuserfile        => [ [ 0, 'file', "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n" ] ],
    authgroupfile       => [ [ 0, 'file', "staff: alice\n" ] ],
    authzpolicyuserfile => [ [ 0, 'file', "alice role=admin\n" ] ],
    authzpolicyiplist   => [ [ 1, 'file', "192.0.2.0/24\n" ] ],
    authzpolicygeoipdatabase => [ [ 0, 'geoip' ] ],
    authzpolicyhtaccessfiles => [ map { [ $_, 'dir' ] } 0 .. 9 ],
    documentroot        => [ [ 0, 'dir' ] ],
);

my $n = 0;

# The arguments of a directive line, quotes kept, as Apache splits them.
sub split_args { my ($s) = @_; return $s =~ /("(?:[^"\\]|\\.)*"|\S+)/g }

# Rewrites the paths a snippet names into $dir and makes the files there;
# returns the snippet's lines, the modules it needs and its mistakes.
sub prepare {
    my ($dir, $text) = @_;
    my %mods;
    my (@out, @mistakes);
    for my $line (split /\n/, $text) {
        my ($indent, $open, $name, $rest) = $line =~ /^(\s*)(<?)(\w+)(.*)$/;
        if (!defined $name || $line =~ /^\s*#/) { push @out, $line; next }
        my $key = lc $name;
        my @args = split_args($rest);
        # Apache has no comments after arguments: "#..." is one more
        # argument, which some directives take without a word.
        push @mistakes, "a comment after arguments: $line" if grep { /^#/ } @args;
        $mods{$_} = 1 for @{ $NEEDS{$key} || [] };
        if ($key eq 'require' && @args) {
            my $provider = lc($args[0] eq 'not' ? ($args[1] // '') : $args[0]);
            $mods{$_} = 1 for @{ $NEEDS{"require $provider"} || [] };
        }
        if ($key eq 'authtype' && @args && lc $args[0] eq 'digest') { $mods{auth_digest} = 1 }
        if ($key eq 'authzpolicyattribute' && grep { lc eq 'dbd' } @args) { $mods{dbd} = 1 }
        if ($key eq 'authzpolicyattribute' && grep { lc eq 'ldap' } @args) { $mods{ldap} = 1 }
        if ($key eq 'authbasicprovider' && grep { lc eq 'ldap' } @args) {
            $mods{$_} = 1 for qw(ldap authnz_ldap);
        }
        if ($key eq 'authzpolicycache' && @args > 1) {
            my ($provider) = $args[1] =~ /^(\w+)/;
            $mods{"socache_$provider"} = 1;
        } elsif ($key eq 'authzpolicycache') {
            $mods{socache_shmcb} = 1;
        }
        for my $spec (@{ $FILE_ARGS{$key} || [] }) {
            my ($i, $kind, $content) = @$spec;
            next unless defined $args[$i];
            my $path = $args[$i];
            my $quoted = $path =~ s/^"(.*)"$/$1/;
            next if $kind eq 'dir' && $key eq 'authzpolicyhtaccessfiles'
                    && $path =~ /^(owner|any)$/;
            my $local = $path =~ m{^/} ? "$dir/fs$path" : "$dir/$path";
            if ($kind eq 'dir') {
                make_path($local);
            } else {
                make_path(dirname($local));
                if ($kind eq 'geoip') { copy(var_path('geo.mmdb'), $local) or die $! }
                else { write_file($local, $content) }
            }
            $args[$i] = $quoted ? "\"$local\"" : $local;
        }
        push @out, $FILE_ARGS{$key} && @args
            ? "$indent$open$name " . join(' ', @args) : $line;
    }
    return (join("\n", @out) . "\n", [ sort keys %mods ], \@mistakes);
}

# Runs apache2 -t on the snippet after the modules; returns ok and output.
sub configtest {
    my ($text, $fragment) = @_;
    $n++;
    my $dir = var_path("snippet$n");
    system('rm', '-rf', $dir);
    make_path($dir);
    my ($body, $mods, $mistakes) = prepare($dir, $text);
    return (0, join("\n", @$mistakes)) if @$mistakes;
    my @mods = @$mods;
    $body = "<Location /snippet>\n$body</Location>\n" if $fragment;
    my %seen;
    my $load = join '', map { "LoadModule ${_}_module $MODULES/mod_$_.so\n" }
        grep { !$seen{$_}++ } @DEFAULT_MODULES, @mods;
    write_file("$dir/httpd.conf", <<"CONF");
ServerRoot $dir
ServerName localhost
PidFile $dir/httpd.pid
ErrorLog $dir/error_log
DefaultRuntimeDir $dir
Listen 127.0.0.1:1
${load}LoadModule authz_policy_module $SO
# --- the snippet
$body
CONF
    my $out = `$HTTPD -t -f $dir/httpd.conf 2>&1`;
    my $ok = $? == 0 && $out =~ /Syntax OK/ && $out !~ /already loaded/;
    return ($ok, $out);
}

# The snippets of a Markdown file: [line, text, marker].
sub snippets {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    my (@found, $cur, $last);
    while (my $line = <$fh>) {
        if ($cur) {
            if ($line =~ /^```\s*$/) { push @found, $cur; undef $cur }
            else { $cur->[1] .= $line }
        } elsif ($line =~ /^```apache\s*$/) {
            my ($marker) = ($last // '') =~ /^<!--\s*snippet:\s*(.*?)\s*-->/;
            $cur = [ $., '', $marker // '' ];
        }
        $last = $line if $line =~ /\S/;
    }
    return @found;
}

my @files = ("$ROOT/README.md", sort glob("$ROOT/docs/*.md"));
my $count = 0;
for my $file (@files) {
    (my $name = $file) =~ s{^\Q$ROOT\E/}{};
    for my $s (snippets($file)) {
        my ($line, $text, $marker) = @$s;
        $count++;
        if ($marker =~ /^skip\b/) {
            SKIP: { skip "$name:$line: $marker", 1 }
            next;
        }
        die "$name:$line: unknown snippet marker '$marker'\n"
            if $marker ne '' && $marker ne 'fragment';
        my ($ok, $out) = configtest($text, $marker eq 'fragment');
        ok($ok, "$name:$line: the snippet passes configtest"
                . ($marker ? " ($marker)" : ''))
            or diag($out);
    }
}
ok($count >= 3, "snippets found in README.md and docs/ ($count)");

# The shipped server-wide configuration: as shipped, and with every
# directive uncommented (each default as written is valid).
my $conf = do { local (@ARGV, $/) = "$ROOT/conf/authz_policy.conf"; <> };
my ($ok, $out) = configtest($conf);
ok($ok, 'conf/authz_policy.conf as shipped passes configtest') or diag($out);
(my $all = $conf) =~ s/^(\s*)#(AuthzPolicy\w+|LogLevel)/$1$2/mg;
($ok, $out) = configtest($all);
ok($ok, 'conf/authz_policy.conf with every directive uncommented passes configtest')
    or diag($out);

# It lists every directive of docs/directives.md that the server
# configuration takes (Require providers are not directives).
my $ref = do { local (@ARGV, $/) = "$ROOT/docs/directives.md"; <> };
my @missing;
for my $section (split /^(?=### )/m, $ref) {
    my ($directive) = $section =~ /^### (AuthzPolicy\w+)/ or next;
    my ($context) = $section =~ /^\|\s*Context\s*\|\s*(.*?)\s*\|/m;
    next if defined $context && $context !~ /server config/;
    push @missing, $directive unless $conf =~ /^\s*#\Q$directive\E\b/m;
}
ok(!@missing, 'conf/authz_policy.conf lists every server-level directive')
    or diag("missing: @missing");

# The reference has a box for every directive of the command table
# (config.c), with the rows of the Apache manual's, and an index at the
# top that links each.
my $table = do { local (@ARGV, $/) = "$ROOT/config.c"; <> };
my @directives = $table =~ /AP_INIT_\w+\("(<?AuthzPolicy\w+)"/g;
ok(@directives > 20, 'config.c: the command table (' . @directives . ' directives)');
my ($index) = $ref =~ /^## Index\n(.*?)^## /ms;
$index //= '';
my (@no_box, @short_box, @unindexed);
my %section = map { /^### (.+)\n/ ? ($1 => $_) : () } split /^(?=### )/m, $ref;
for my $d (@directives) {
    (my $heading = $d) =~ s/^<(.*)$/&lt;$1&gt;/;
    my $box = $section{$heading};
    push @no_box, $d and next unless $box;
    (my $anchor = lc $d) =~ s/[^a-z0-9_ -]//g;
    push @unindexed, $d unless $index =~ /\]\(#\Q$anchor\E\)/;
}
for my $heading (sort keys %section) {
    # every section of the reference is a box: one this pattern misses
    # is told, never passed over
    my ($box) = $section{$heading} =~ /^(\| \| \|\n.*?)(?:\n\n|\n?\z)/ms;
    push @short_box, "$heading (no box: a table opened by '| | |' and "
        . "closed by a blank line)" and next unless $box;
    my @rows = $box =~ /^\| (\w+) \|/mg;
    my $want = 'Description Syntax Default Context Override Status Module Compatibility';
    push @short_box, "$heading (@rows)" unless "@rows" eq $want
        && $box =~ /^\| Status \| Extension \|$/m;
}
ok(!@no_box, 'docs/directives.md: a box for every directive') or diag("no box: @no_box");
ok(!@short_box, '... each with the manual\'s rows, Status Extension and Compatibility')
    or diag(join "\n", @short_box);
ok(!@unindexed, '... and linked from the index at the top') or diag("not in the index: @unindexed");

done_testing();
