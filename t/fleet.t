# A fleet of two Apache servers sharing one PostgreSQL database and one
# memcached (t/lib/PolicyTest/Fleet.pm says what is checked).
use strict;
use warnings FATAL => 'all';
use lib 't/lib';
use PolicyTest::Fleet;

PolicyTest::Fleet::run(cache => 'memcache', dir => 'fleet', port_offset => 80)
    or exit 1;
