# Requests that run while the user file is replaced again and again (in
# place and by rename) only ever see a whole version: every answer is 200
# or 403, never a 500 or a broken connection.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use Time::HiRes qw(time sleep);

plan tests => 3;

my $file = var_path('reload-users.txt');
my $padding = join '', map { "pad$_ role=viewer plan=free\n" } 1 .. 50000;
my %version = (admin => "ruth role=admin\n$padding",
               viewer => "ruth role=viewer\n$padding");
write_file($file, $version{admin});
sleep scaled(2.5);

my $seconds = scaled(12);
my @kids;
for my $k (1 .. 4) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my %seen;
        my $end = time + $seconds;
        while (time < $end) {
            my $code = eval { req(GET => '/p/reload/', user => 'ruth')->code }
                       || 'error';
            $seen{$code}++;
        }
        write_file(var_path("load-$k.txt"),
                   join '', map { "$_ $seen{$_}\n" } keys %seen);
        exit 0;
    }
    push @kids, $pid;
}

# Alternate versions, slowly enough that each settles and is picked up.
my $end = time + $seconds - 1;
my $i = 0;
while (time < $end) {
    my $which = $i++ % 2 ? 'admin' : 'viewer';
    if ($i % 3) {
        write_file("$file.new", $version{$which});
        rename "$file.new", $file or die $!;
    }
    else {
        write_file($file, $version{$which});      # in place
    }
    sleep scaled(2.6);
}
waitpid $_, 0 for @kids;

my %total;
for my $k (1 .. 4) {
    open my $fh, '<', var_path("load-$k.txt") or die $!;
    while (<$fh>) { my ($c, $n) = split; $total{$c} += $n }
}
my $summary = join ', ', map { "$_: $total{$_}" } sort keys %total;
diag "answers while reloading: $summary";
my $bad = grep { $_ ne '200' && $_ ne '403' } keys %total;
is $bad, 0, 'only 200 and 403';
ok $total{200}, 'admin versions were served';
ok $total{403}, 'viewer versions were served';
write_file($file, "ruth role=admin\n");
