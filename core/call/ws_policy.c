/**
 * @file ws_policy.c  Reconnect policy of a WebSocket application
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "call/ws_policy.h"

/* parseInt(): leading blanks, a sign, digits; 0 for none (NaN) */
static long ws_policy_int(const char *s, size_t n)
{
	long v = 0;
	bool neg = false;
	size_t i = 0;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n && isdigit((unsigned char)s[i]) && v < 1000000; i++)
		v = v * 10 + (s[i] - '0');
	return neg ? -v : v;
}

static unsigned ws_policy_rp(const char *s, size_t n)
{
	static const struct {
		const char *name;
		unsigned flag;
	} names[] = {{"ct", WS_RP_CT},
		     {"rt", WS_RP_RT},
		     {"4xx", WS_RP_4XX},
		     {"5xx", WS_RP_5XX},
		     {"all", WS_RP_ALL}};
	unsigned rp = 0;
	size_t i = 0;

	while (i < n) {
		size_t b = i, e;

		while (i < n && s[i] != ',')
			i++;
		e = i++;
		while (b < e && isspace((unsigned char)s[b]))
			b++;
		while (e > b && isspace((unsigned char)s[e - 1]))
			e--;
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (strlen(names[k].name) == e - b &&
			    !strncmp(names[k].name, s + b, e - b))
				rp |= names[k].flag;
		}
	}
	return rp;
}

void ws_policy_parse(struct ws_policy *p, const char *url)
{
	const char *frag = url ? strchr(url, '#') : NULL;
	long rc = 0;

	p->max_reconnects = WS_POLICY_MAX_RECONNECTS;
	p->rp = WS_RP_CT;
	if (!frag)
		return;
	/* name=value pairs split on '&', as URLSearchParams */
	for (const char *s = frag + 1; *s;) {
		size_t n = strcspn(s, "&");
		const char *eq = memchr(s, '=', n);

		if (eq && eq - s == 2 && !strncmp(s, "rc", 2))
			rc = ws_policy_int(eq + 1, n - 3);
		else if (eq && eq - s == 2 && !strncmp(s, "rp", 2) && n > 3)
			p->rp = ws_policy_rp(eq + 1, n - 3); /* "" is "ct" */
		s += n;
		if (*s)
			s++;
	}
	if (rc < 0)
		rc = -rc;
	if (rc)
		p->max_reconnects = rc < WS_POLICY_MAX_RECONNECTS
					    ? (uint32_t)rc
					    : WS_POLICY_MAX_RECONNECTS;
}

uint32_t ws_policy_next_backoff(uint32_t ms)
{
	return ms < 2000 ? ms * 2 : ms + 2000;
}

bool ws_policy_retry(const struct ws_policy *p, int err)
{
	/* req_ws's ETIMEDOUT is the handshake deadline, which jambonz's
	 * ws client reports without an error code: not "ct" */
	bool ct = err == ECONNREFUSED || err == ECONNRESET ||
		  err == ECONNABORTED;

	if (!p)
		return false;
	return (p->rp & WS_RP_ALL) || (ct && (p->rp & WS_RP_CT)) ||
	       (err == EPROTO && (p->rp & (WS_RP_4XX | WS_RP_5XX)));
}

bool ws_policy_again(const struct ws_policy *p, uint32_t tries, int err)
{
	return p && tries <= p->max_reconnects && ws_policy_retry(p, err);
}
