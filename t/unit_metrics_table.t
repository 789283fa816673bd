# The C unit tests of metrics_table print TAP; the harness counts them here.
use strict;
use FindBin;
my $bin = "$FindBin::Bin/unit/test_metrics_table";
unless (-x $bin) {
    print "1..1\nnot ok 1 - $bin is built (make unit-test)\n";
    exit 1;
}
exec $bin or die "$bin: $!";
