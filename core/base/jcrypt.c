/**
 * @file jcrypt.c  Values the jambonz api-server encrypts in its tables
 *
 * jambonz-api-server lib/utils/encrypt-decrypt.js: the key is the first
 * 32 characters of base64(sha256(secret)), used as 32 bytes of key; the
 * IV is random per value and stored beside it. Speech credentials,
 * env_vars and other secrets in the jambonz schema are kept this way.
 */
#include <errno.h>
#include <ctype.h>
#include <string.h>
#include <openssl/evp.h>
#include <re.h>
#include <json-c/json.h>
#include "base/jcrypt.h"
#include "base/jsonutil.h"

#define JCRYPT_KEY_LEN 32

static int jcrypt_hex(uint8_t *out, size_t max, size_t *outlen,
		      const char *hex)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max)
		return EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = ch_hex(hex[2 * i]), lo = ch_hex(hex[2 * i + 1]);

		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]))
			return EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return 0;
}

static int jcrypt_key(uint8_t *key, const char *secret)
{
	uint8_t md[32];
	char b64[48];
	size_t mdlen = 0, blen = sizeof(b64);

	if (!EVP_Q_digest(NULL, "SHA256", NULL, secret, strlen(secret), md,
			  &mdlen) ||
	    base64_encode(md, mdlen, b64, &blen) || blen < JCRYPT_KEY_LEN)
		return EIO;
	memcpy(key, b64, JCRYPT_KEY_LEN);
	explicit_bzero(b64, sizeof(b64));
	return 0;
}

int jcrypt_decrypt(char **plainp, const char *data, const char *secret,
		   bool legacy)
{
	struct json_object *o = NULL;
	const char *ivh, *cth;
	uint8_t key[JCRYPT_KEY_LEN], iv[16], *ct = NULL, *pt = NULL;
	size_t ivlen = 0, ctlen = 0;
	EVP_CIPHER_CTX *ctx = NULL;
	int n1 = 0, n2 = 0, err;

	if (!plainp || !data || !secret || !*secret)
		return EINVAL;
	o = json_tokener_parse(data);
	ivh = jsonutil_str(o, "iv");
	cth = jsonutil_str(o, "content");
	if (!ivh || !cth) {
		err = EINVAL;
		goto out;
	}
	ct = mem_alloc(strlen(cth) / 2 + 1, NULL);
	pt = mem_alloc(strlen(cth) / 2 + 32 + 1, NULL);
	if (!ct || !pt) {
		err = ENOMEM;
		goto out;
	}
	err = jcrypt_hex(iv, sizeof(iv), &ivlen, ivh);
	if (!err && ivlen != sizeof(iv))
		err = EINVAL;
	if (!err)
		err = jcrypt_hex(ct, strlen(cth) / 2, &ctlen, cth);
	if (!err)
		err = jcrypt_key(key, secret);
	if (err)
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) {
		err = ENOMEM;
		goto out;
	}
	if (EVP_DecryptInit_ex(ctx,
			       legacy ? EVP_aes_256_ctr() : EVP_aes_256_cbc(),
			       NULL, key, iv) != 1 ||
	    EVP_DecryptUpdate(ctx, pt, &n1, ct, (int)ctlen) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + n1, &n2) != 1) {
		err = EBADMSG;
		goto out;
	}
	pt[n1 + n2] = '\0';
	err = str_dup(plainp, (char *)pt);
	explicit_bzero(pt, (size_t)(n1 + n2));
out:
	explicit_bzero(key, sizeof(key));
	EVP_CIPHER_CTX_free(ctx);
	mem_deref(ct);
	mem_deref(pt);
	json_object_put(o);
	return err;
}
