# Every line the module logs begins with its number, AZPLOGNO(nnnnn)
# (logno.h), so that an administrator can search for it: each log call in
# the module's C files (wherever they sit, pure/ and t/ aside) has exactly
# one, at the start of its format, five digits; no number is used twice;
# and docs/troubleshooting.md's "Message numbers" table lists every number
# in the code, at the level the call logs at, and no other.
use strict;
use warnings;
use Test::More;
use File::Find;
use FindBin;

my $top = "$FindBin::Bin/..";
# not the module: tests, pure C (no httpd there), the command, the
# benchmark, the package, and copies of the tree (build/mutate, build/asan)
my %not_module = map { $_ => 1 } qw(t pure tools bench debian build);

my @files;
find({ no_chdir => 1, preprocess => sub { sort @_ }, wanted => sub {
    return if $File::Find::name eq $top;
    my $rel = substr($File::Find::name, length($top) + 1);
    if (-d $_) {
        $File::Find::prune = 1 if $not_module{$rel} || $rel =~ m{(^|/)\.};
        return;
    }
    push @files, $rel if $rel =~ /\.[ch]$/;
} }, $top);
ok scalar(grep { /\.c$/ } @files) >= 10, 'the module\'s C files are found'
    or diag "found: @files";

my %level_name = (EMERG => 'emerg', ALERT => 'alert', CRIT => 'crit',
                  ERR => 'error', WARNING => 'warn', NOTICE => 'notice',
                  INFO => 'info', DEBUG => 'debug',
                  map { ("TRACE$_" => "trace$_") } 1 .. 8);

# A call's arguments, split at the commas outside parentheses and strings.
sub arguments {
    my ($text) = @_;
    my @args;
    my ($cur, $depth) = ('', 0);
    while ($text =~ /\G("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[()]|,|[^"'(),]+)/gs) {
        my $t = $1;
        if ($t eq '(') { $depth++ }
        elsif ($t eq ')') { $depth-- }
        elsif ($t eq ',' && $depth == 0) { push @args, $cur; $cur = ''; next }
        $cur .= $t;
    }
    push @args, $cur;
    s/^\s+|\s+$//g for @args;
    return @args;
}

my (@calls, %where);
for my $file (@files) {
    open my $fh, '<', "$top/$file" or die "$file: $!";
    my $src = do { local $/; <$fh> };
    # comments out, lines kept (a commented-out call is no call)
    $src =~ s{("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|/\*.*?\*/|//[^\n]*}
             { defined $1 ? $1 : join '', $& =~ /\n/g }gse;
    while ($src =~ /\b(ap_log_(?:r|c|p|cs)?error)\s*\(/g) {
        my ($fn, $start) = ($1, pos $src);
        my $line = 1 + (() = substr($src, 0, $start) =~ /\n/g);
        my ($depth, $i) = (1, $start);
        while ($depth && $i < length $src) {
            my $c = substr($src, $i, 1);
            if ($c eq '"') {
                substr($src, $i) =~ /^("(?:[^"\\]|\\.)*")/s or last;
                $i += length($1);
                next;
            }
            $depth++ if $c eq '(';
            $depth-- if $c eq ')';
            $i++;
        }
        my @args = arguments(substr($src, $start, $i - $start - 1));
        push @calls, { where => "$file:$line", fn => $fn, args => \@args,
                       text => join(', ', @args) };
    }
}
ok @calls >= 50, scalar(@calls) . ' log calls found';

my %code;           # number => the call's levels
for my $c (@calls) {
    my @nums = $c->{text} =~ /AZPLOGNO\s*\(\s*([^)]*?)\s*\)/g;
    # the format: after the mark, level, status and record (and a
    # server_rec for ap_log_cserror)
    my $format = $c->{args}[ $c->{fn} eq 'ap_log_cserror' ? 5 : 4 ] // '';
    if (@nums != 1) {
        fail("$c->{where}: one AZPLOGNO in $c->{fn}, not " . @nums);
        next;
    }
    my ($n) = @nums;
    if ($n !~ /^\d{5}$/) {
        fail("$c->{where}: AZPLOGNO($n) has five digits");
        next;
    }
    if ($format !~ /^AZPLOGNO\(\d{5}\)\s*"/) {
        fail("$c->{where}: AZPLOGNO($n) begins the format, before its "
             . 'first string');
        next;
    }
    if ($where{$n}) {
        fail("AZP$n is used once, not at $where{$n} and $c->{where}");
        next;
    }
    $where{$n} = $c->{where};
    my @levels = map { $level_name{$_} // $_ } $c->{args}[1] =~ /APLOG_(\w+)/g;
    $code{$n} = [ grep { $_ ne 'STARTUP' } @levels ];
}
is scalar(keys %code), scalar(@calls),
    'each log call has one number of its own, at the start of its format';

# The table: | AZPnnnnn | level | message | cause | what to do |
my $doc = "$top/docs/troubleshooting.md";
open my $dh, '<', $doc or die "$doc: $!";
my $text = do { local $/; <$dh> };
my ($section) = $text =~ /^## Message numbers\n(.*?)(?=^## |\z)/ms;
ok defined $section, 'docs/troubleshooting.md has a section "Message numbers"';
my %doc;
for my $row (split /\n/, $section // '') {
    next unless $row =~ /^\|/;
    my @cells = map { s/^\s+|\s+$//gr } split /(?<!\\)\|/, $row;
    shift @cells;
    next unless ($cells[0] // '') =~ /^`?AZP(\d+)`?$/;
    my $n = $1;
    fail("AZP$n has one row in the table, not two") if $doc{$n};
    $doc{$n} = [ @cells ];
    is scalar(@cells), 5, "AZP$n: number, level, message, cause, what to do"
        unless @cells == 5;
}
my @undocumented = grep { !$doc{$_} } sort keys %code;
is "@undocumented", '', 'every number in the code is in the table'
    or diag map { "AZP$_ ($where{$_}) is not in docs/troubleshooting.md\n" } @undocumented;
my @unknown = grep { !$code{$_} } sort keys %doc;
is "@unknown", '', 'every number in the table is in the code'
    or diag map { "AZP$_ is in the table but in no log call\n" } @unknown;
my @wrong_level;
for my $n (grep { $doc{$_} } sort keys %code) {
    my $said = $doc{$n}[1] // '';
    push @wrong_level, "AZP$n ($where{$n}): the table says '$said', the "
                       . "call logs at @{ $code{$n} }"
        if grep { $said !~ /\b\Q$_\E\b/ } @{ $code{$n} };
}
is scalar(@wrong_level), 0, 'the table gives each message the level the '
                            . 'call logs at'
    or diag join "\n", @wrong_level;
done_testing();
