# A fleet of two Apache servers sharing one PostgreSQL database and one
# Redis (AuthzPolicyCache 3 redis:HOST:PORT through mod_socache_redis);
# t/lib/PolicyTest/Fleet.pm says what is checked.  Redis listens on
# POLICY_TEST_PORT + 85, the servers on + 86 and + 87.
use strict;
use warnings FATAL => 'all';
use lib 't/lib';
use PolicyTest::Fleet;

PolicyTest::Fleet::run(cache => 'redis', dir => 'fleet-redis',
                       port_offset => 86, cache_port_offset => 85)
    or exit 1;
