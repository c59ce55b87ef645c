/**
 * @file req_sig.c  Jambonz-Signature: HMAC-SHA256 over "<t>." + body
 *
 * Apps verify it with @jambonz/node-client, so the input must be exactly
 * the body bytes put on the wire.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include "http/req_int.h"

int req_sig_header(char *buf, size_t sz, const char *secret, uint64_t t,
		   const char *body, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	char prefix[32], digest[2 * EVP_MAX_MD_SIZE + 1];
	char dname[] = "SHA256";
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	int plen, n, ok;

	if (!buf || !secret || (len && !body))
		return EINVAL;
	plen = snprintf(prefix, sizeof(prefix), "%" PRIu64 ".", t);

	/* streamed, so no copy of "<t>." + body is made */
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", dname, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx &&
	     EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret),
			  params) &&
	     EVP_MAC_update(ctx, (const unsigned char *)prefix,
			    (size_t)plen) &&
	     (!len || EVP_MAC_update(ctx, (const unsigned char *)body, len)) &&
	     EVP_MAC_final(ctx, md, &mdlen, sizeof(md));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	if (!ok)
		return ENOMEM;

	for (size_t i = 0; i < mdlen; i++) {
		digest[2 * i] = hex[md[i] >> 4];
		digest[2 * i + 1] = hex[md[i] & 0xf];
	}
	digest[2 * mdlen] = '\0';

	n = snprintf(buf, sz, "Jambonz-Signature: t=%" PRIu64 ",v1=%s", t,
		     digest);
	if (n < 0 || (size_t)n >= sz)
		return EOVERFLOW;
	return 0;
}
