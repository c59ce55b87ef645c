/**
 * @file req_nets.c  Address checks of the requestor: denied networks
 *                   (HTTP_DENY_NETS), the origin a credential may go to,
 *                   URLs fit for a log line
 *
 * The deny list is checked on the address curl is about to connect to,
 * after name resolution, so a host name that resolves into a denied
 * network (a rebinding trick, or the cloud metadata service behind an
 * innocent name) is refused as surely as a literal address.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <curl/curl.h>
#include "req.h"

struct req_net {
	int af;
	uint8_t bits;
	uint8_t addr[16]; /* network order: 4 bytes for IPv4 */
};

enum {
	REQ_NET_ITEM_MAX = 64, /* longest "address/bits" accepted */
};

static int req_net_parse(struct req_net *n, const char *s, size_t len)
{
	char buf[REQ_NET_ITEM_MAX];
	const char *slash;
	unsigned long bits;
	struct sa sa;
	char *end;
	int maxbits;

	if (!len || len >= sizeof(buf))
		return EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		buf[slash - buf] = '\0';
	if (sa_set_str(&sa, buf, 0))
		return EINVAL;
	n->af = sa_af(&sa);
	if (n->af == AF_INET) {
		memcpy(n->addr, &sa.u.in.sin_addr, 4);
		maxbits = 32;
	} else if (n->af == AF_INET6) {
		memcpy(n->addr, &sa.u.in6.sin6_addr, 16);
		maxbits = 128;
	} else {
		return EINVAL;
	}
	bits = (unsigned long)maxbits;
	if (slash) {
		const char *b = slash + 1;

		if (!*b)
			return EINVAL;
		bits = strtoul(b, &end, 10);
		if (*end || bits > (unsigned long)maxbits)
			return EINVAL;
	}
	n->bits = (uint8_t)bits;
	return 0;
}

int req_nets_parse(struct req_net **nets, size_t *np, const char *list,
		   char *bad, size_t badsz)
{
	struct req_net *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = list;
	int err = 0;

	if (!nets || !np)
		return EINVAL;
	*nets = NULL;
	*np = 0;
	while (p && *p) {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (!len)
			break;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct req_net *nv;

			nv = v ? mem_realloc(v, ncap * sizeof(*v))
			       : mem_zalloc(ncap * sizeof(*v), NULL);
			if (!nv) {
				err = ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		err = req_net_parse(&v[n], p, len);
		if (err) {
			if (bad && badsz)
				re_snprintf(bad, badsz, "%b", p, len);
			break;
		}
		n++;
		p += len;
	}
	if (err || !n) {
		mem_deref(v);
		return err;
	}
	*nets = v;
	*np = n;
	return 0;
}

static bool req_net_has(const struct req_net *n, const uint8_t *a)
{
	uint8_t full = n->bits / 8, rest = n->bits % 8;

	if (memcmp(n->addr, a, full))
		return false;
	if (!rest)
		return true;
	return ((n->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) ==
	       0;
}

bool req_nets_match(const struct req_net *nets, size_t n,
		    const struct sa *addr)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *a;
	int af;

	if (!nets || !addr)
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
	for (size_t i = 0; i < n; i++) {
		if (nets[i].af == af && req_net_has(&nets[i], a))
			return true;
	}
	return false;
}


/* ---- URLs in log lines ---- */

int req_url_print(struct re_printf *pf, const char *url)
{
	const char *host, *end, *at = NULL;

	if (!url)
		return re_hprintf(pf, "(none)");
	host = strstr(url, "://");
	if (!host)
		return re_hprintf(pf, "%s", url);
	host += 3;
	end = host + strcspn(host, "/?#");
	/* the last '@' of the authority ends the user information */
	for (const char *p = host; p < end; p++) {
		if (*p == '@')
			at = p;
	}
	if (!at)
		return re_hprintf(pf, "%s", url);
	return re_hprintf(pf, "%b%s", url, (size_t)(host - url), at + 1);
}


/* ---- origins ---- */

/* scheme, host and port of url resolved against base (may be NULL) */
static int req_origin(CURLU *u, const char *url, const char *base,
		      char **scheme, char **host, char **port)
{
	if (base && curl_url_set(u, CURLUPART_URL, base, 0))
		return EINVAL;
	if (curl_url_set(u, CURLUPART_URL, url, 0))
		return EINVAL;
	if (curl_url_get(u, CURLUPART_SCHEME, scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT))
		return EINVAL;
	return 0;
}

bool req_same_origin(const char *url, const char *base)
{
	char *s1 = NULL, *h1 = NULL, *p1 = NULL;
	char *s2 = NULL, *h2 = NULL, *p2 = NULL;
	CURLU *u1, *u2;
	bool same = false;

	if (!url || !base)
		return false;
	u1 = curl_url();
	u2 = curl_url();
	if (u1 && u2 && !req_origin(u1, url, base, &s1, &h1, &p1) &&
	    !req_origin(u2, base, NULL, &s2, &h2, &p2))
		same = !strcasecmp(s1, s2) && !strcasecmp(h1, h2) &&
		       !strcmp(p1, p2);
	curl_free(s1);
	curl_free(h1);
	curl_free(p1);
	curl_free(s2);
	curl_free(h2);
	curl_free(p2);
	curl_url_cleanup(u1);
	curl_url_cleanup(u2);
	return same;
}
