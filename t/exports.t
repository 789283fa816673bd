# The module exports its module record and no other name.  httpd loads
# modules with RTLD_GLOBAL: any other exported function or variable could
# stand in for another module's of the same name, or be stood in for by it
# (the Makefile builds with -fvisibility=hidden).
use strict;
use warnings;
use Test::More;
use FindBin;

my $so = "$FindBin::Bin/../mod_authz_policy.so";
-e $so or BAIL_OUT("no $so: run make first");
# (AddressSanitizer's build adds its own __odr_asan.* markers)
my @names = grep { !/^__odr_asan\./ } map { (split ' ')[-1] }
            grep { / [A-Za-z] / && !/ [Uw] / } `nm -D --defined-only '$so'`;
is $?, 0, 'nm reads the module';
is_deeply [sort @names], ['authz_policy_module'],
    'the module exports authz_policy_module and nothing else'
    or diag "exported: @names";
done_testing();
