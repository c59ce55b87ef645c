/**
 * @file netlist.c  Lists of IP networks (CIDR), parsed once, matched often
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "base/netlist.h"

enum {
	NETLIST_ITEM_MAX = 64, /* longest "address/bits" accepted */
};

struct netlist_net {
	int af;
	uint8_t bits;
	uint8_t addr[16]; /* network order: 4 bytes for IPv4 */
};

struct netlist {
	size_t n;
	struct netlist_net net[];
};

static const char netlist_seps[] = ", \t";

static int netlist_item(struct netlist_net *n, const char *s, size_t len,
			char *why, size_t whysz)
{
	char buf[NETLIST_ITEM_MAX];
	unsigned long bits, maxbits;
	char *slash, *end;
	struct sa sa;

	if (len >= sizeof(buf)) {
		re_snprintf(why, whysz, "'%b' is too long", s, len);
		return EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (sa_set_str(&sa, buf, 0)) {
		re_snprintf(why, whysz, "'%s' is not an address", buf);
		return EINVAL;
	}
	n->af = sa_af(&sa);
	if (n->af == AF_INET) {
		memcpy(n->addr, &sa.u.in.sin_addr, 4);
		maxbits = 32;
	} else {
		memcpy(n->addr, &sa.u.in6.sin6_addr, 16);
		maxbits = 128;
	}
	bits = maxbits;
	if (slash) {
		bits = strtoul(slash, &end, 10);
		if (!*slash || *end || *slash == '-' || bits > maxbits) {
			re_snprintf(why, whysz,
				    "'/%s' is not a prefix length of %s",
				    slash, buf);
			return EINVAL;
		}
	}
	n->bits = (uint8_t)bits;
	return 0;
}

int netlist_parse(struct netlist **lp, const char *list, char *bad,
		  size_t badsz, char *why, size_t whysz)
{
	struct netlist *l;
	size_t cap = 0;
	const char *p;
	int err = 0;

	if (!lp)
		return EINVAL;
	*lp = NULL;
	if (!list)
		return 0;
	/* at most one item more than there are separators */
	for (p = list; *p; p++)
		cap += strchr(netlist_seps, *p) != NULL;
	l = mem_zalloc(sizeof(*l) + (cap + 1) * sizeof(l->net[0]), NULL);
	if (!l)
		return ENOMEM;
	for (p = list; *p;) {
		size_t len;

		p += strspn(p, netlist_seps);
		len = strcspn(p, netlist_seps);
		if (!len)
			break;
		err = netlist_item(&l->net[l->n], p, len, why, whysz);
		if (err) {
			if (bad && badsz)
				re_snprintf(bad, badsz, "%b", p, len);
			break;
		}
		l->n++;
		p += len;
	}
	if (err || !l->n)
		mem_deref(l);
	else
		*lp = l;
	return err;
}

static bool netlist_has(const struct netlist_net *n, const uint8_t *a)
{
	uint8_t full = n->bits / 8, rest = n->bits % 8;

	if (memcmp(n->addr, a, full))
		return false;
	if (!rest)
		return true;
	return ((n->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) ==
	       0;
}

int netlist_parse_some(struct netlist **lp, const char *list, char *why,
		       size_t whysz)
{
	int err;

	if (!lp || !list)
		return EINVAL;
	err = netlist_parse(lp, list, NULL, 0, why, whysz);
	if (!err && !*lp) {
		re_snprintf(why, whysz, "no network in '%s'", list);
		err = EINVAL;
	}
	return err;
}

bool netlist_match(const struct netlist *l, const struct sa *addr)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *a;
	int af;

	if (!l || !addr)
		return false;
	af = sa_af(addr);
	if (af == AF_INET) {
		a = (const uint8_t *)&addr->u.in.sin_addr;
	} else if (af == AF_INET6) {
		a = (const uint8_t *)&addr->u.in6.sin6_addr;
		/* ::ffff:a.b.c.d is the IPv4 host, whatever the socket */
		if (!memcmp(a, mapped, sizeof(mapped))) {
			a += sizeof(mapped);
			af = AF_INET;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (l->net[i].af == af && netlist_has(&l->net[i], a))
			return true;
	}
	return false;
}
