package BenchData;
# The bench's large data files, generated once under bench/out and kept
# (a stamp beside each says how many lines it has): bench.pl's and
# startup.pl's servers read the same ones.
use strict;
use warnings;
use PolicyTest::Setup ();

our $USER = 'u0999999';         # the last of a million users

sub generate {
    my ($path, $lines, $make) = @_;
    my $stamp = "$path.count";
    if (-e $path && -e $stamp && do { open my $s, '<', $stamp; <$s> } eq $lines) {
        return;
    }
    print "generating $path ($lines lines)\n";
    open my $fh, '>', $path or die "$path: $!";
    $make->($fh);
    close $fh;
    PolicyTest::Setup::write_file($stamp, $lines);
}

# users-1m.txt: a million users with roles, plans and scopes; $USER,
# the last, an editor on plan pro.
sub users_1m {
    my ($out) = @_;
    my @roles = ('viewer', 'editor', 'admin,billing', 'support');
    my @plans = ('free', 'pro', 'enterprise');
    generate("$out/users-1m.txt", 1_000_000, sub {
        my $fh = shift;
        for my $i (0 .. 999_999) {
            printf $fh "u%07d role=%s plan=%s scope=s%d\n", $i,
                $i == 999_999 ? 'editor' : $roles[$i % 4],
                $i == 999_999 ? 'pro' : $plans[$i % 3], $i % 7;
        }
    });
    return "$out/users-1m.txt";
}

# iplist-1m.txt: a million networks that do not merge (every other
# address), then loopback: the list's last entry.
sub iplist_1m {
    my ($out) = @_;
    generate("$out/iplist-1m.txt", 1_000_000, sub {
        my $fh = shift;
        for my $i (0 .. 999_998) {
            my $a = 2 * $i;
            printf $fh "10.%d.%d.%d\n", $a >> 16, ($a >> 8) & 255, $a & 255;
        }
        print $fh "127.0.0.1\n";
    });
    return "$out/iplist-1m.txt";
}

1;
