# pure/ is compiled without httpd's include path: a file there that
# includes an httpd header fails the build.  Checked on a copy of the
# Makefile and pure/ in t/var, with the real build rule.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;

my $top = "$FindBin::Bin/..";
my $dir = tempdir("pure-XXXXXX", DIR => "$FindBin::Bin/var", CLEANUP => 1);
system('cp', '-a', "$top/Makefile", "$top/pure", $dir) == 0 or die "cp: $?";

sub build {
    my $out = `make -s -C '$dir' build/pure/region.o 2>&1`;
    return ($? == 0, $out);
}

my ($ok, $out) = build();
ok($ok, 'pure/region.c builds as it is') or diag $out;

for my $header ('httpd.h', 'http_config.h') {
    open my $in, '<', "$top/pure/region.c" or die $!;
    my $text = do { local $/; <$in> };
    open my $fh, '>', "$dir/pure/region.c" or die $!;
    print $fh "#include \"$header\"\n", $text;
    close $fh;
    unlink "$dir/build/pure/region.o";
    ($ok, $out) = build();
    ok(!$ok, "pure/region.c including $header fails the build");
    like($out, qr/\Q$header\E/, "... and the error names $header");
}
done_testing();
