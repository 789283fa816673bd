# Require region: GeoIP countries and subdivisions, unknown regions, not,
# 451 and hidden 404, trusted and spoofed CDN headers, a variable set by
# another module, and a database replaced and rewritten under load.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use JSON::PP ();
use Time::HiRes qw(time sleep);

plan tests => 51;

sub code { from(@_)->code }
# test database: .2 DE, .3 US-CA, .4 US-NY, .5 KP, ::1 FR, .1 unknown

is code('127.0.0.2', '/n/de/'), 200, 'DE client: Require region DE';
my $r = from('127.0.0.3', "/n/de/?g1-$$");
is $r->code, 403, 'US-CA client: 403';
like access_log_line("?g1-$$"), qr/ 403 reason=region required=DE status=403$/,
    '... reason region';
my $size = error_log_size();
code('127.0.0.3', "/n/de/?g2-$$");
like wait_for(5, sub { error_log_since($size) }), qr/denied: reason="region" required="DE" user=- client="127\.0\.0\.3" region="US-CA" status="403"/,
    '... the log line has the region';

is code('127.0.0.3', '/n/us/'), 200, 'Require region us: a US-CA client';
is code('127.0.0.4', '/n/us/'), 200, '... a US-NY client';
is code('127.0.0.2', '/n/us/'), 403, '... not a DE client';
is code('127.0.0.3', '/n/us-ca/'), 200, 'Require region US-CA: California';
is code('127.0.0.4', '/n/us-ca/'), 403, '... not New York';
is code('127.0.0.1', '/n/unknown/'), 200, 'Require region XX: an unknown client';
is code('127.0.0.2', '/n/unknown/'), 403, '... not a known one';
is code('::1', '/n/json-region/'), 200, 'an IPv6 client (FR)';

$r = from('127.0.0.5', '/n/not-kp/');
is $r->code, 451, 'Require not region KP: 451';
is $r->header('Link'), '<https://authority.example/kp-notice>; rel="blocked-by"',
    '... with Link rel=blocked-by';
is $r->header('Cache-Control'), 'no-store', '... not cached';
like $r->content,
    qr{<a rel="blocked-by" href="https://authority\.example/kp-notice">},
    '... the HTML page links the notice';
is code('127.0.0.2', '/n/not-kp/'), 200, '... others pass';

sub raw { my $t = from(@_)->as_string; $t =~ s/^Date: .*$//m; $t }
my $hidden = raw('127.0.0.3', '/n/hidden-region/');
like $hidden, qr{^HTTP/1\.1 404 Not Found}, 'hidden: 404';
is $hidden, raw('127.0.0.3', '/n/nowhere/'), '... as a real 404';

$r = from('127.0.0.2', '/n/json-region/');
my $b = eval { JSON::PP->new->utf8->decode($r->content) } || {};
is $b->{error}, 'region_restricted', 'JSON: region_restricted';

# behind a CDN (vhost policy_cdn: header from 127.0.0.9, then geoip)
is code('127.0.0.9', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'DE'),
    200, 'trusted proxy: its header is believed';
is code('127.0.0.9', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'de'),
    200, '... in any case';
is code('127.0.0.9', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'US'),
    403, '... and can deny';
is code('127.0.0.3', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'DE'),
    403, 'a spoofed header from anyone else is ignored (geoip says US)';
is code('127.0.0.2', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'US'),
    200, '... both ways (geoip says DE)';
is code('127.0.0.9', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'XX'),
    403, 'XX from the proxy: no answer, geoip does not know it either';
is code('127.0.0.2', '/n/cdn-de/', vhost => 'policy_cdn'), 200,
    'no header: geoip answers';

# An answer decided from the proxy's header varies with it, granted or
# denied; from anyone else the header is not read.
sub vary { join ',', from(@_)->header('Vary') }
like vary('127.0.0.9', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'DE'),
    qr/(^|[ ,])CF-IPCountry($|[ ,])/i, 'decided by the header: 200 with Vary';
like vary('127.0.0.9', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'US'),
    qr/(^|[ ,])CF-IPCountry($|[ ,])/i, '... and 403 with Vary';
like vary('127.0.0.9', '/n/cdn-not-kp/', vhost => 'policy_cdn'),
    qr/(^|[ ,])CF-IPCountry($|[ ,])/i, '... and when it was absent (geoip answered)';
unlike vary('127.0.0.3', '/n/cdn-de/', vhost => 'policy_cdn', 'CF-IPCountry' => 'DE'),
    qr/CF-IPCountry/i, 'not from a client the header is not believed from';
unlike vary('127.0.0.2', '/n/de/'), qr/\S/, 'geoip alone: no Vary';

# The proxy's header more than once, or as a list: which one is the proxy's
# own?  Fail closed (500, logged), never "unknown", which would pass
# Require not region.
my %cdn = (vhost => 'policy_cdn');
$size = error_log_size();
is code('127.0.0.9', '/n/cdn-not-kp/', %cdn, 'CF-IPCountry' => 'KP, DE'), 500,
    'a region list from the proxy: 500';
like wait_for(5, sub { error_log_since($size) }),
    qr/Require region: the CF-IPCountry header from trusted proxy 127\.0\.0\.9 came as a list/,
    '... logged';
is code('127.0.0.9', '/n/cdn-not-kp/', %cdn, 'CF-IPCountry' => 'FR, DE'), 500,
    '... whatever the codes: not unknown, so not past Require not region';
is code('127.0.0.9', '/n/cdn-de/', %cdn, 'CF-IPCountry' => 'DE,'), 500,
    '... a trailing comma too';
$size = error_log_size();
is code('127.0.0.9', '/n/cdn-not-kp/', %cdn, 'CF-IPCountry' => [ 'FR', 'DE' ]),
    500, 'the header twice: 500';
like wait_for(5, sub { error_log_since($size) }),
    qr/Require region: the CF-IPCountry header from trusted proxy 127\.0\.0\.9 came (more than once|as a list)/,
    '... logged';
is code('127.0.0.9', '/n/cdn-de/', %cdn, 'CF-IPCountry' => [ 'DE', 'DE' ]),
    500, '... even twice the same';
is code('127.0.0.2', '/n/cdn-de/', %cdn, 'CF-IPCountry' => [ 'US', 'FR, KP' ]),
    200, 'from anyone else the header is still ignored (geoip says DE)';
# a single value that is no region code (Cloudflare's T1, Tor): unknown
$size = error_log_size();
is code('127.0.0.9', '/n/cdn-de/', %cdn, 'CF-IPCountry' => 'T1'), 403,
    'T1 from the proxy: unknown, denied';
like wait_for(5, sub { error_log_since($size) }),
    qr/denied: reason="region" required="DE" user=- client="127\.0\.0\.9" region="XX"/,
    '... region XX';
is code('127.0.0.9', '/n/cdn-not-kp/', %cdn, 'CF-IPCountry' => 'T1'), 200,
    '... which is not KP';

# a variable set by another module (vhost policy_env)
is code('127.0.0.1', '/n/env-us-ca/', vhost => 'policy_env', 'X-Test-Region' => 'US-CA'),
    200, 'env source: US-CA';
is code('127.0.0.1', '/n/env-us-ca/', vhost => 'policy_env', 'X-Test-Region' => 'US-NY'),
    403, 'env source: US-NY';
is code('127.0.0.1', '/n/env-us-ca/', vhost => 'policy_env'), 403,
    'env source: nothing set';

# the database replaced by rename: 127.0.0.2 moves from DE to AT
my $db = var_path('geo.mmdb');
sub settles_de { settles(sub { code('127.0.0.2', '/n/de/') }, $_[0], 10) }
system($^X, t_path('data/make-geoip.pl'), $db, 'b') == 0 or die;
ok settles_de(403), 'a new database by rename: picked up';

# rewritten in place (truncated, then written), under load
my %bytes;
for my $v ('a', 'b') {
    system($^X, t_path('data/make-geoip.pl'), var_path("geo-$v.mmdb"), $v) == 0 or die;
    local $/;
    open my $fh, '<:raw', var_path("geo-$v.mmdb") or die;
    $bytes{$v} = <$fh>;
}
my $before = error_log_size();
my @kids;
for my $k (1 .. 3) {
    my $pid = fork // die;
    if (!$pid) {
        my %seen;
        my $end = time + 11;
        $seen{ eval { code('127.0.0.2', '/n/de/') } || 'error' }++ while time < $end;
        write_file(var_path("geo-load-$k.txt"), join '', map { "$_ $seen{$_}\n" } keys %seen);
        exit 0;
    }
    push @kids, $pid;
}
my $end = time + 10;
my $i = 0;
while (time < $end) {
    open my $fh, '>:raw', $db or die;       # truncates in place
    my $data = $bytes{ $i++ % 2 ? 'b' : 'a' };
    print $fh substr($data, 0, length($data) / 2);
    sleep 0.05;                             # a slow writer
    print $fh substr($data, length($data) / 2);
    close $fh;
    sleep 2.2;                              # long enough to be picked up
}
waitpid $_, 0 for @kids;
my %total;
for my $k (1 .. 3) {
    open my $fh, '<', var_path("geo-load-$k.txt") or die;
    while (<$fh>) { my ($c, $n) = split; $total{$c} += $n }
}
diag 'answers while the database was rewritten in place: ',
     join ', ', map { "$_: $total{$_}" } sort keys %total;
is scalar(grep { $_ ne '200' && $_ ne '403' } keys %total), 0,
    'in-place rewrites under load: only 200 and 403';
ok $total{200} && $total{403}, '... both versions were served';
unlike error_log_since($before), qr/Segmentation|exit signal|AH00052/,
    '... and no child crashed';
open my $fh, '>:raw', $db or die;
print $fh $bytes{a};
close $fh;
ok settles_de(200), 'back to the first database';
