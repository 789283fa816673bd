# Clients as the server sees them: IPv6 (::1), IPv4-mapped IPv6 addresses
# (an IPv4 client on an IPv6 socket), the region each one gets
# (AUTHZ_POLICY_REGION, logged by a CustomLog), and the order of region
# sources behind a trusted proxy that GeoIP knows.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

plan tests => 24;

sub code { from(@_)->code }
# test database: .2 DE, .3 US-CA, .4 US-NY, .5 KP, ::1 FR, .1 unknown

# The region_log line of a request tagged with a unique query string.
sub region_of {
    my ($tag) = @_;
    my $line = wait_for(5, sub {
        open my $fh, '<', t_path('logs/region_log') or return undef;
        my ($l) = grep { index($_, "$tag ") >= 0 } <$fh>;
        $l });
    return $line && $line =~ / region=(\S+)$/ ? $1 : '';
}

# IPv6
is code('::1', '/n/office/'), 200, '::1: in an IP list';
is code('::1', '/n/not-blocked/'), 200, '::1: not in the blocklist';
is code('::1', "/n/us-or-fr/?c1-$$"), 200, '::1: GeoIP gives FR';
is region_of("?c1-$$"), 'FR', '... AUTHZ_POLICY_REGION=FR';
is code('::1', '/n/de/'), 403, '::1: not DE';

# IPv4-mapped: looked up as the IPv4 address, in lists and in GeoIP
is code('::ffff:127.0.0.3', '/n/office/'), 200, 'mapped 127.0.0.3: in the office list';
is code('::ffff:127.0.0.2', '/n/office/'), 403, 'mapped 127.0.0.2: not in it';
is code('::ffff:127.0.0.5', '/n/not-blocked/'), 403, 'mapped 127.0.0.5: blocked';
is code('::ffff:127.0.0.6', '/n/not-blocked/'), 403, 'mapped 127.0.0.6: in a blocked /31';
is code('::ffff:127.0.0.8', '/n/not-blocked/'), 200, 'mapped 127.0.0.8: not blocked';
is code('::ffff:127.0.0.3', "/n/us/?c2-$$"), 200, 'mapped 127.0.0.3: GeoIP gives US-CA';
is region_of("?c2-$$"), 'US-CA', '... AUTHZ_POLICY_REGION=US-CA';
is code('::ffff:127.0.0.2', '/n/us/'), 403, 'mapped 127.0.0.2: DE is not US';
is code('::ffff:127.0.0.1', "/n/unknown/?c3-$$"), 200, 'mapped 127.0.0.1: unknown (XX)';
is region_of("?c3-$$"), 'XX', '... AUTHZ_POLICY_REGION=XX';

# AUTHZ_POLICY_REGION on IPv4, granted or denied
code('127.0.0.4', "/n/us-ca/?c4-$$");
is region_of("?c4-$$"), 'US-NY', 'IPv4 127.0.0.4 denied: AUTHZ_POLICY_REGION=US-NY';

# Behind a trusted proxy that GeoIP knows (127.0.0.2: DE): the header
# comes first, and a header saying XX (the CDN does not know) is no answer.
sub cdn { code('127.0.0.2', @_, vhost => 'policy_cdn_known') }
is cdn("/n/cdn-de/?c5-$$", 'CF-IPCountry' => 'XX'), 200,
    'proxy header XX: GeoIP decides (DE)';
is region_of("?c5-$$"), 'DE', '... AUTHZ_POLICY_REGION=DE';
is cdn('/n/cdn-de/', 'CF-IPCountry' => ' xx '), 200, '... in any case and spacing';
is cdn('/n/cdn-de/', 'CF-IPCountry' => 'T1'), 200,
    'proxy header not a region (T1, Tor): GeoIP decides';
is cdn("/n/cdn-de/?c6-$$", 'CF-IPCountry' => 'US'), 403,
    'proxy header US: believed before GeoIP';
is region_of("?c6-$$"), 'US', '... AUTHZ_POLICY_REGION=US';
is cdn('/n/cdn-de/'), 200, 'no header: GeoIP';
is code('127.0.0.3', '/n/cdn-de/', vhost => 'policy_cdn_known', 'CF-IPCountry' => 'DE'),
    403, 'the same header from an untrusted client is ignored (GeoIP US-CA)';
