/**
 * @file netlist.h  Lists of IP networks (CIDR), parsed once, matched often
 *
 * One parser and matcher for every setting that names networks
 * (SBC_TRUSTED_NETS, HTTP_DENY_NETS): "10.0.0.0/8, 192.0.2.7 fe80::/10",
 * separated by commas, spaces or tabs; a bare address is one host.
 */
#ifndef NETLIST_H
#define NETLIST_H

#include <stdbool.h>
#include <stddef.h>

struct netlist;
struct sa;

/**
 * @param lp    Returns a new reference, or NULL when the list names no
 *              network (NULL or only separators)
 * @param bad   Receives the first bad item as written (may be NULL)
 * @param why   Receives why it is bad (may be NULL)
 * @return 0, EINVAL (a bad item), ENOMEM
 */
int netlist_parse(struct netlist **lp, const char *list, char *bad,
		  size_t badsz, char *why, size_t whysz);

/** @return true when addr lies in one of the networks; an IPv4-mapped
 *          IPv6 address (::ffff:a.b.c.d) counts as the IPv4 host */
/**
 * netlist_parse for a list that must name a network: one that names none
 * would match no one, which for a trust list is a mistake (EINVAL).
 */
int netlist_parse_some(struct netlist **lp, const char *list, char *why,
		       size_t whysz);

bool netlist_match(const struct netlist *l, const struct sa *addr);

#endif
