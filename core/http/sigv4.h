/**
 * @file sigv4.h  AWS Signature Version 4 for one request
 */
#ifndef SIGV4_H
#define SIGV4_H

#include <stddef.h>
#include <time.h>

struct sigv4_req {
	const char *method; /* "POST"                                  */
	const char *url;    /* absolute; its query, if any, canonical  */
	const char *ctype;  /* Content-Type sent and signed            */
	const char *body;   /* payload (may be NULL)                   */
	size_t body_len;
	const char *region;  /* "us-east-1"                             */
	const char *service; /* "polly"                                 */
	const char *key_id;  /* accessKeyId                             */
	const char *secret;  /* secretAccessKey                         */
	const char *token;   /* sessionToken or NULL                    */
	time_t now;
	/* sigv4_presign() only */
	unsigned expires;         /* X-Amz-Expires, seconds              */
	const char *payload_hash; /* as signed; NULL: SHA-256 of nothing */
	const char *host;         /* the Host header sent; NULL: the URL's
				     authority                           */
};

/**
 * The headers that sign the request: "Content-Type", "X-Amz-Date",
 * "X-Amz-Security-Token" (with a token) and "Authorization" lines,
 * '\n'-separated, for req_send_hdrs(). The Host signed is the URL's
 * authority, which is what libcurl sends.
 *
 * @return 0, EINVAL (a field missing, a URL without a host), ENOMEM
 */
int sigv4_headers(char **hdrsp, const struct sigv4_req *r);

struct re_printf;

/** Print s as AWS encodes a query's names and values: all but A-Z, a-z,
 *  0-9 and "-_.~" as %XX (for "%H") */
int sigv4_enc(struct re_printf *pf, const char *s);

/**
 * A presigned URL (query authorization, AWS's "Authenticating Requests:
 * Using Query Parameters"): the URL with its query sorted and the
 * X-Amz-Algorithm, -Credential, -Date, -Expires, -Security-Token (with a
 * token), -SignedHeaders (host) and -Signature parameters. The URL's own
 * query must be encoded as AWS encodes it (unreserved characters only).
 * r->ctype and r->body are not used.
 *
 * @return 0, EINVAL (a field missing, a URL without a host), ENOMEM
 */
int sigv4_presign(char **urlp, const struct sigv4_req *r);

#endif
