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

int sigv4_headers(char **hdrsp, const struct sigv4_req *r)
{
	char date[9], stamp[17], *canon = NULL, *sts = NULL, *query = NULL;
	const char *host, *hend, *path, *qs;
	size_t plen;
	uint8_t md[SIGV4_SHA_LEN], k[SIGV4_SHA_LEN], k2[SIGV4_SHA_LEN];
	char kinit[256];
	struct tm tm;
	int err;

	if (!hdrsp || !r || !r->method || !r->url || !r->ctype || !r->region ||
	    !r->service || !r->key_id || !r->secret)
		return EINVAL;
	host = strstr(r->url, "://");
	if (!host)
		return EINVAL;
	host += 3;
	hend = host + strcspn(host, "/?#");
	if (hend == host)
		return EINVAL;
	if (*hend == '/') {
		path = hend;
		plen = strcspn(hend, "?#");
	} else {
		path = "/";
		plen = 1;
	}
	qs = strchr(hend, '?');

	gmtime_r(&r->now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);

	err = sigv4_sha(md, r->body ? r->body : "", r->body ? r->body_len : 0);
	if (!err)
		err = sigv4_query(&query, qs ? qs + 1 : NULL);
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
	err = sigv4_sha(md, canon, strlen(canon));
	if (!err)
		err = re_sdprintf(
			&sts,
			"AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%H",
			stamp, date, r->region, r->service, sigv4_hex, md);
	if (err)
		goto out;

	re_snprintf(kinit, sizeof(kinit), "AWS4%s", r->secret);
	err = sigv4_hmac(k, kinit, strlen(kinit), date);
	err |= sigv4_hmac(k2, k, sizeof(k), r->region);
	err |= sigv4_hmac(k, k2, sizeof(k2), r->service);
	err |= sigv4_hmac(k2, k, sizeof(k), "aws4_request");
	err |= sigv4_hmac(md, k2, sizeof(k2), sts);
	if (err) {
		err = EIO;
		goto out;
	}
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
	explicit_bzero(kinit, sizeof(kinit));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(k2, sizeof(k2));
	mem_deref(canon);
	mem_deref(sts);
	mem_deref(query);
	return err;
}
