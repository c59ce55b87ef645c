/**
 * @file req_retry.c  The "#rc=N&rp=LIST" webhook retry policy
 *
 * jambonz apps ask for retries in the hook URL's fragment, which is never
 * sent on the wire; this file only parses it and computes the back-off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http/req_int.h"

static uint32_t retry_class(const char *s, size_t n)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} map[] = {
		{"ct", REQ_RP_CT},   {"rt", REQ_RP_RT},   {"4xx", REQ_RP_4XX},
		{"5xx", REQ_RP_5XX}, {"all", REQ_RP_ALL},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strlen(map[i].name) == n &&
		    !strncasecmp(s, map[i].name, n))
			return map[i].bit;
	}
	return 0;
}

static void retry_list(struct req_retry *rt, const char *v, size_t n)
{
	uint32_t rp = 0;
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && v[j] != ',')
			j++;
		rp |= retry_class(v + i, j - i);
		i = j + 1;
	}
	/* an rp naming nothing we know keeps the default */
	if (rp)
		rt->rp = rp;
}

int req_retry_parse(struct req_retry *rt, const char *frag)
{
	const char *p;

	if (!rt)
		return EINVAL;
	rt->rc = 0;
	rt->rp = REQ_RP_CT;
	if (!frag)
		return 0;
	for (p = frag; *p;) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > 3 && !strncmp(p, "rc=", 3)) {
			char num[8];
			size_t k = n - 3 < sizeof(num) - 1 ? n - 3
							   : sizeof(num) - 1;
			long v;

			memcpy(num, p + 3, k);
			num[k] = '\0';
			v = strtol(num, NULL, 10);
			if (v < 0)
				v = 0;
			rt->rc = v > REQ_RC_MAX ? REQ_RC_MAX : (uint32_t)v;
		} else if (n > 3 && !strncmp(p, "rp=", 3)) {
			retry_list(rt, p + 3, n - 3);
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return 0;
}

uint32_t req_retry_delay(uint32_t n)
{
	uint32_t d = 500;

	for (uint32_t i = 1; i < n; i++)
		d = d < 2000 ? d * 2 : d + 2000;
	return d;
}
