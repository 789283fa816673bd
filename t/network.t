# Require iplist: grants and denials by client address, negation, IPv6, a
# 200,000-entry list, hidden 404, and reloads.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 36;

sub code { from(@_)->code }

is code('127.0.0.1', '/n/office/'), 200, 'office: a listed address';
is code('127.0.0.3', '/n/office/'), 200, 'office: another one';
is code('::1', '/n/office/'), 200, 'office: an IPv6 client';
my $r = from('127.0.0.2', "/n/office/?i1-$$");
is $r->code, 403, 'office: others get 403';
ok !defined $r->header('WWW-Authenticate'), '... no challenge: nobody can log in';
like access_log_line("?i1-$$"), qr/ 403 reason=iplist required=office status=403$/,
    '... reason iplist';

is code('127.0.0.2', '/n/not-blocked/'), 200, 'not blocked: 200';
is code('127.0.0.5', "/n/not-blocked/?i2-$$"), 403, 'Require not iplist: blocked';
like access_log_line("?i2-$$"), qr/ reason=iplist required=not blocked /,
    '... blamed on the list';
is code('127.0.0.6', '/n/not-blocked/'), 403, 'a /31 holds .6';
is code('127.0.0.7', '/n/not-blocked/'), 403, '... and .7';
is code('127.0.0.8', '/n/not-blocked/'), 200, '... not .8';

is code('127.0.0.5', '/n/either/'), 200, 'two lists: the first';
is code('127.0.0.3', '/n/either/'), 200, 'two lists: the second';
is code('127.0.0.2', '/n/either/'), 403, 'two lists: neither';

is code('127.0.0.7', '/n/big/'), 200, '200,000 entries: the one that matches';
is code('127.0.0.2', '/n/big/'), 403, '200,000 entries: one that does not';

# IPv4-mapped clients (::ffff:127.0.0.x) match IPv4 entries; IPv6 networks
# that hold ::ffff:0:0/96 hold every IPv4 client, native or mapped
is code('::ffff:127.0.0.1', '/n/office/'), 200, 'office: an IPv4-mapped client';
is code('::ffff:127.0.0.2', '/n/office/'), 403, '... not another one';
is code('127.0.0.2', '/n/v6-wide/'), 200, '::ffff:0:0/95: an IPv4 client';
is code('::ffff:127.0.0.2', '/n/v6-wide/'), 200, '... an IPv4-mapped client';
is code('::1', '/n/v6-wide/'), 403, '... not ::1';
is code('127.0.0.2', '/n/v6-beside/'), 403, '::/96 and 2001:db8::/32: no IPv4 client';
is code('::ffff:127.0.0.2', '/n/v6-beside/'), 403, '... no IPv4-mapped client';
is code('::1', '/n/v6-beside/'), 200, '... but ::1';
# 1,000,000 random networks that do not merge (t/lib/PolicyTest/Setup.pm):
# thousands of separate ranges in each /16 of 127.0.0.0/10
my (%listed, @probes);
open my $fh, '<', var_path('random.txt') or die $!;
while (<$fh>) {
    next unless /^127\.1\.(\d+)\.(\d+)(\/31)?$/;
    $listed{"$1.$2"} = 1;
    $listed{"$1." . ($2 + 1)} = 1 if $3;
}
close $fh;
# every fourth address of 127.1.c.0-63 and their neighbours: listed or not
for my $c (0, 1, 77, 128, 254, 255) {
    push @probes, map { "127.1.$c.$_" } 1 .. 14, 60 .. 63;
}
push @probes, '127.1.0.0', '127.1.255.255';
my @wrong = grep {
    my ($ab) = /^127\.1\.(.*)$/;
    code($_, '/n/random/') != ($listed{$ab} ? 200 : 403) } @probes;
is "@wrong", '', scalar(@probes) . ' clients against 1,000,000 random networks';
ok +(grep { /^127\.1\.(.*)$/ && $listed{$1} } @probes) >= 20
   && (grep { /^127\.1\.(.*)$/ && !$listed{$1} } @probes) >= 20,
   '... many of them listed, many not';

# hidden 404, byte for byte (Date aside)
sub raw { my $t = from(@_)->as_string; $t =~ s/^Date: .*$//m; $t }
my $hidden = raw('127.0.0.2', '/n/hidden-ip/');
like $hidden, qr{^HTTP/1\.1 404 Not Found}, 'hidden: 404';
is $hidden, raw('127.0.0.2', '/n/nowhere/'), '... as a real 404';

# reloads: a new list, a broken one, a replacement by rename
my $file = var_path('reload-ips.txt');
sub settles_for {
    my ($addr, $want) = @_;
    settles(sub { code($addr, '/n/reloading/') }, $want);
}
ok settles_for('127.0.0.8', 200), 'the list as started';
write_file($file, "127.0.0.2\n");
ok settles_for('127.0.0.8', 403) && code('127.0.0.2', '/n/reloading/') == 200,
    'rewritten in place: picked up';
my $size = error_log_size();
write_file("$file.new", "127.0.0.3\n127.0.0.300\n");
rename "$file.new", $file or die $!;
my $log = wait_for(8, sub { code('127.0.0.2', '/n/reloading/');
    my $s = error_log_since($size); $s =~ /reload-ips\.txt: line 2/ ? $s : undef });
like $log || '', qr/reload-ips\.txt: line 2: not an IPv4 or IPv6 address: '127\.0\.0\.300'; the last good version stays in force/,
    'a broken list: the error names file and line';
ok settles_for('127.0.0.2', 200), '... and the last good list stays';
is code('127.0.0.3', '/n/reloading/'), 403, '... none of the broken one';
write_file("$file.new", "127.0.0.3\n");
rename "$file.new", $file or die $!;
ok settles_for('127.0.0.3', 200), 'replaced by rename: picked up';
write_file($file, "127.0.0.8\n");
ok settles_for('127.0.0.8', 200), 'back as started';
