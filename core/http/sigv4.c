/**
 * @file sigv4.c  AWS Signature Version 4 (header form)
 *
 * As AWS documents it ("Create a signed AWS API request"): a canonical
 * request of method, path, sorted query, the signed headers (content-type,
 * host, x-amz-date, and x-amz-security-token when there is a session
 * token) and the payload's SHA-256; a string to sign over its hash and
 * the credential scope; the key derived by HMAC-SHA256 from "AWS4" +
 * secret through date, region, service and "aws4_request".
 *
 * The path is signed as the URL has it: the vendors' paths here
 * (/v1/speech) hold only unreserved characters, for which AWS's
 * encoding changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <re.h>
#include "http/sigv4.h"

#define SIGV4_SHA_LEN 32

static int sigv4_hex(struct re_printf *pf, const uint8_t *md)
{
	for (size_t i = 0; i < SIGV4_SHA_LEN; i++) {
		int err = re_hprintf(pf, "%02x", md[i]);

		if (err)
			return err;
	}
	return 0;
}

static int sigv4_sha(uint8_t *md, const void *data, size_t len)
{
	size_t n = 0;

	if (!EVP_Q_digest(NULL, "SHA256", NULL, data, len, md, &n) ||
	    n != SIGV4_SHA_LEN)
		return EIO;
	return 0;
}

static int sigv4_hmac(uint8_t *out, const void *key, size_t klen,
		      const char *data)
{
	size_t n = 0;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen,
		       (const unsigned char *)data, strlen(data), out,
		       SIGV4_SHA_LEN, &n) ||
	    n != SIGV4_SHA_LEN)
		return EIO;
	return 0;
}

static int sigv4_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The query's parameters sorted, as given (already encoded) */
static int sigv4_query(char **qp, const char *q)
{
	char *copy = NULL, *save = NULL, *tok;
	char *params[64];
	struct mbuf *mb;
	size_t n = 0;
	int err;

	*qp = NULL;
	if (!q || !*q)
		return str_dup(qp, "");
	err = str_dup(&copy, q);
	if (err)
		return err;
	for (tok = strtok_r(copy, "&", &save); tok && n < 64;
	     tok = strtok_r(NULL, "&", &save))
		params[n++] = tok;
	qsort(params, n, sizeof(params[0]), sigv4_cmp);
	mb = mbuf_alloc(strlen(q) + 8);
	err = mb ? 0 : ENOMEM;
	for (size_t i = 0; i < n && !err; i++)
		err = mbuf_printf(mb, "%s%s%s", i ? "&" : "", params[i],
				  strchr(params[i], '=') ? "" : "=");
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, qp, mb->end);
	}
	mem_deref(mb);
	mem_deref(copy);
	return err;
}

struct sigv4_url {
	const char *host; /* the authority */
	size_t hlen;
	const char *path;
	size_t plen;
	const char *query; /* after '?', or NULL */
};

static int sigv4_split(struct sigv4_url *u, const char *url)
{
	const char *hend;

	u->host = strstr(url, "://");
	if (!u->host)
		return EINVAL;
	u->host += 3;
	hend = u->host + strcspn(u->host, "/?#");
	if (hend == u->host)
		return EINVAL;
	u->hlen = (size_t)(hend - u->host);
	if (*hend == '/') {
		u->path = hend;
		u->plen = strcspn(hend, "?#");
	} else {
		u->path = "/";
		u->plen = 1;
	}
	u->query = strchr(hend, '?');
	if (u->query)
		u->query++;
	return 0;
}

/* The signature of the canonical request: its hash in the string to
 * sign, signed by the key derived from the secret */
static int sigv4_sign(uint8_t *md, const struct sigv4_req *r, const char *date,
		      const char *stamp, const char *canon)
{
	uint8_t k[SIGV4_SHA_LEN], k2[SIGV4_SHA_LEN];
	char kinit[256], *sts = NULL;
	int err;

	err = sigv4_sha(md, canon, strlen(canon));
	if (!err)
		err = re_sdprintf(
			&sts,
			"AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%H",
			stamp, date, r->region, r->service, sigv4_hex, md);
	if (err)
		return err;

	re_snprintf(kinit, sizeof(kinit), "AWS4%s", r->secret);
	err = sigv4_hmac(k, kinit, strlen(kinit), date);
	err |= sigv4_hmac(k2, k, sizeof(k), r->region);
	err |= sigv4_hmac(k, k2, sizeof(k2), r->service);
	err |= sigv4_hmac(k2, k, sizeof(k), "aws4_request");
	err |= sigv4_hmac(md, k2, sizeof(k2), sts);
	mem_deref(sts);
	explicit_bzero(kinit, sizeof(kinit));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(k2, sizeof(k2));
	return err ? EIO : 0;
}

int sigv4_headers(char **hdrsp, const struct sigv4_req *r)
{
	char date[9], stamp[17], *canon = NULL, *query = NULL;
	const char *host, *hend, *path, *qs;
	size_t plen;
	uint8_t md[SIGV4_SHA_LEN];
	struct sigv4_url u;
	struct tm tm;
	int err;

	if (!hdrsp || !r || !r->method || !r->url || !r->ctype || !r->region ||
	    !r->service || !r->key_id || !r->secret)
		return EINVAL;
	err = sigv4_split(&u, r->url);
	if (err)
		return err;
	host = u.host;
	hend = u.host + u.hlen;
	path = u.path;
	plen = u.plen;
	qs = u.query;

	gmtime_r(&r->now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);

	err = sigv4_sha(md, r->body ? r->body : "", r->body ? r->body_len : 0);
	if (!err)
		err = sigv4_query(&query, qs);
	if (err)
		goto out;
	err = re_sdprintf(
		&canon,
		"%s\n%b\n%s\ncontent-type:%s\nhost:%b\nx-amz-date:%s\n%s%s%s\n"
		"content-type;host;x-amz-date%s\n%H",
		r->method, path, plen, query, r->ctype, host,
		(size_t)(hend - host), stamp,
		r->token ? "x-amz-security-token:" : "",
		r->token ? r->token : "", r->token ? "\n" : "",
		r->token ? ";x-amz-security-token" : "", sigv4_hex, md);
	if (err)
		goto out;
	err = sigv4_sign(md, r, date, stamp, canon);
	if (err)
		goto out;
	err = re_sdprintf(
		hdrsp,
		"Content-Type: %s\nX-Amz-Date: %s\n%s%s%s"
		"Authorization: AWS4-HMAC-SHA256 "
		"Credential=%s/%s/%s/%s/aws4_request, "
		"SignedHeaders=content-type;host;x-amz-date%s, "
		"Signature=%H",
		r->ctype, stamp, r->token ? "X-Amz-Security-Token: " : "",
		r->token ? r->token : "", r->token ? "\n" : "", r->key_id,
		date, r->region, r->service,
		r->token ? ";x-amz-security-token" : "", sigv4_hex, md);
out:
	mem_deref(canon);
	mem_deref(query);
	return err;
}

/* AWS's URI encoding: all but the unreserved characters as %XX */
int sigv4_enc(struct re_printf *pf, const char *s)
{
	int err = 0;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c))
			err = re_hprintf(pf, "%c", c);
		else
			err = re_hprintf(pf, "%%%02X", c);
	}
	return err;
}

int sigv4_presign(char **urlp, const struct sigv4_req *r)
{
	char date[9], stamp[17], *canon = NULL, *query = NULL;
	char *auth = NULL, *all = NULL;
	uint8_t md[SIGV4_SHA_LEN];
	struct sigv4_url u;
	struct tm tm;
	int err;

	if (!urlp || !r || !r->method || !r->url || !r->region ||
	    !r->service || !r->key_id || !r->secret || !r->expires)
		return EINVAL;
	err = sigv4_split(&u, r->url);
	if (err)
		return err;
	if (r->host) {
		u.host = r->host;
		u.hlen = strlen(r->host);
	}
	gmtime_r(&r->now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);

	err = re_sdprintf(&auth,
			  "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			  "&X-Amz-Credential=%H%%2F%s%%2F%H%%2F%H%%2F"
			  "aws4_request&X-Amz-Date=%s&X-Amz-Expires=%u%s%H"
			  "&X-Amz-SignedHeaders=host",
			  sigv4_enc, r->key_id, date, sigv4_enc, r->region,
			  sigv4_enc, r->service, stamp, r->expires,
			  r->token ? "&X-Amz-Security-Token=" : "", sigv4_enc,
			  r->token ? r->token : "");
	if (!err)
		err = re_sdprintf(&all, "%s%s%s", u.query ? u.query : "",
				  u.query && *u.query ? "&" : "", auth);
	if (!err)
		err = sigv4_query(&query, all);
	if (!err && r->payload_hash)
		err = re_sdprintf(&canon, "%s\n%b\n%s\nhost:%b\n\nhost\n%s",
				  r->method, u.path, u.plen, query, u.host,
				  u.hlen, r->payload_hash);
	else if (!err) {
		err = sigv4_sha(md, "", 0);
		if (!err)
			err = re_sdprintf(&canon,
					  "%s\n%b\n%s\nhost:%b\n\nhost\n%H",
					  r->method, u.path, u.plen, query,
					  u.host, u.hlen, sigv4_hex, md);
	}
	if (!err)
		err = sigv4_sign(md, r, date, stamp, canon);
	if (!err)
		err = re_sdprintf(urlp, "%b?%s&X-Amz-Signature=%H", r->url,
				  u.query ? (size_t)(u.query - 1 - r->url)
					  : strcspn(r->url, "#"),
				  query, sigv4_hex, md);
	mem_deref(canon);
	mem_deref(query);
	mem_deref(auth);
	mem_deref(all);
	return err;
}
