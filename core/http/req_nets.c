/**
 * @file req_nets.c  Address checks of the requestor: the origin a
 *                   credential may go to, URLs fit for a log line,
 *                   URL escaping
 *
 * HTTP_DENY_NETS (netlist.h) is checked in req.c on the address curl is
 * about to connect to, after name resolution, so a host name that
 * resolves into a denied network (a rebinding trick, or the cloud
 * metadata service behind an innocent name) is refused as surely as a
 * literal address.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <curl/curl.h>
#include "http/req.h"

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

int req_url_escape(struct re_printf *pf, const char *s)
{
	int err = 0;

	for (; s && *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			err = re_hprintf(pf, "%c", c);
		else
			err = re_hprintf(pf, "%%%02X", c);
	}
	return err;
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
