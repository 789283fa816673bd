#!/usr/bin/perl
# Writes a small MaxMind DB for the tests: loopback addresses get regions
# (reserved networks are kept), so one test server sees several countries.
#   perl make-geoip.pl OUT.mmdb [VARIANT]
# VARIANT "b" moves 127.0.0.2 from DE to AT (to test reloads).
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $variant) = @ARGV;
die "usage: $0 OUT.mmdb [b]\n" unless $out;
my %types = (country => 'map', iso_code => 'utf8_string',
             subdivisions => ['array', 'map']);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6,
    record_size => 24,
    database_type => 'GeoIP2-City',
    languages => ['en'],
    description => { en => 'mod_authz_policy test regions' },
    remove_reserved_networks => 0,
    map_key_type_callback => sub { $types{ $_[0] } },
);
my %net = (
    '127.0.0.2/32' => { country => { iso_code => ($variant || '') eq 'b' ? 'AT' : 'DE' } },
    '127.0.0.3/32' => { country => { iso_code => 'US' },
                        subdivisions => [ { iso_code => 'CA' } ] },
    '127.0.0.4/32' => { country => { iso_code => 'US' },
                        subdivisions => [ { iso_code => 'NY' } ] },
    '127.0.0.5/32' => { country => { iso_code => 'KP' } },
    '::1/128'      => { country => { iso_code => 'FR' } },
);
$tree->insert_network($_, $net{$_}) for sort keys %net;
open my $fh, '>:raw', "$out.tmp" or die "$out: $!";
$tree->write_tree($fh);
close $fh or die $!;
rename "$out.tmp", $out or die $!;
