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

#endif
