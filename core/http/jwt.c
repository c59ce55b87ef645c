/**
 * @file jwt.c  JSON Web Tokens signed with RS256 (RFC 7515, RFC 7518)
 */
#include <errno.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <re.h>
#include "http/jwt.h"

/* base64url without padding (RFC 7515, section 2) */
static int jwt_b64url(struct mbuf *mb, const uint8_t *in, size_t len)
{
	size_t olen = (len + 2) / 3 * 4 + 1;
	char *out = mem_alloc(olen, NULL);
	int err;

	if (!out)
		return ENOMEM;
	err = base64_encode(in, len, out, &olen);
	for (size_t i = 0; !err && i < olen; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	while (!err && olen && out[olen - 1] == '=')
		--olen;
	if (!err)
		err = mbuf_write_mem(mb, (uint8_t *)out, olen);
	mem_deref(out);
	return err;
}

static int jwt_sign(struct mbuf *mb, const char *pem, const uint8_t *data,
		    size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key =
		bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *ctx = NULL;
	uint8_t *sig = NULL;
	size_t slen = 0;
	int err = EIO;

	BIO_free(bio);
	if (!key)
		return EINVAL;
	ctx = EVP_MD_CTX_new();
	if (ctx &&
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, NULL, &slen, data, len) == 1 &&
	    (sig = mem_alloc(slen, NULL)) &&
	    EVP_DigestSign(ctx, sig, &slen, data, len) == 1)
		err = jwt_b64url(mb, sig, slen);
	mem_deref(sig);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return err;
}

int jwt_rs256(char **jwtp, const char *pem, const char *claims)
{
	static const char hdr[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	struct mbuf *mb;
	size_t signed_len;
	int err;

	if (!jwtp || !pem || !claims)
		return EINVAL;
	mb = mbuf_alloc(1024);
	if (!mb)
		return ENOMEM;
	err = jwt_b64url(mb, (const uint8_t *)hdr, sizeof(hdr) - 1);
	err |= mbuf_write_u8(mb, '.');
	err |= jwt_b64url(mb, (const uint8_t *)claims, strlen(claims));
	if (err) {
		err = ENOMEM;
		goto out;
	}
	signed_len = mb->end;
	err = mbuf_write_u8(mb, '.');
	if (!err)
		err = jwt_sign(mb, pem, mb->buf, signed_len);
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, jwtp, mb->end);
	}
out:
	mem_deref(mb);
	return err;
}
