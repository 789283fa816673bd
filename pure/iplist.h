/*
 * iplist: lists of IPv4/IPv6 addresses and networks (AuthzPolicyIPList,
 * AuthzPolicyTrustedProxy), as one position-independent image that any
 * number of threads and processes can search at once.
 *
 * A look-up costs the same for ten entries or a million: the networks are
 * merged into sorted, disjoint ranges, and an index on the top 16 bits
 * leads to the few ranges that can hold the address.
 *
 * Pure C (libc only), for unit tests and fuzzing.
 */
#ifndef AUTHZ_POLICY_IPLIST_H
#define AUTHZ_POLICY_IPLIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct iplist iplist;

/* One address or CIDR per line; '#' starts a comment; blank lines are
 * ignored.  Host bits below the prefix are ignored (10.1.2.3/8 is
 * 10.0.0.0/8); an IPv4-mapped IPv6 network (::ffff:a.b.c.d/96+) is the
 * IPv4 network it maps, and an IPv6 network that holds all of
 * ::ffff:0:0/96 (::/0, ::ffff:0:0/95) also holds every IPv4 address.
 * NULL and "line N: ..." in err on error. */
iplist *iplist_parse(const char *buf, size_t len, char *err, size_t errlen);
int iplist_valid(const void *image, size_t len);
void iplist_free(iplist *list);

size_t iplist_size(const iplist *list);      /* bytes of the image */
size_t iplist_count(const iplist *list);     /* networks as listed */

/* addr in network byte order, as in struct in_addr / in6_addr.  An
 * IPv4-mapped IPv6 address is looked up as the IPv4 address. */
int iplist_contains_v4(const iplist *list, const uint8_t addr[4]);
int iplist_contains_v6(const iplist *list, const uint8_t addr[16]);

#endif
