# Require plan: ranks from AuthzPolicyPlans free pro enterprise.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

my %cases = (
    '/p/plan/pro/'  => { alice => 200, bob => 200, dave => 200, carol => 403,
                         erin => 403, frank => 403 },
    '/p/plan/free/' => { alice => 200, carol => 200, erin => 403,
                         frank => 403 },
    # "enterprise pro": the lowest listed plan counts
    '/p/plan/list/' => { bob => 200, alice => 200, carol => 403 },
);
my $n = 1;
$n += keys %$_ for values %cases;
plan tests => $n;

for my $url (sort keys %cases) {
    for my $u (sort keys %{ $cases{$url} }) {
        is req(GET => $url, user => $u)->code, $cases{$url}{$u},
            "$url as $u";
    }
}
is req(GET => '/p/plan/pro/')->code, 401, 'anonymous: 401';
