/**
 * @file jcrypt.h  Values the jambonz api-server encrypts in its tables
 */
#ifndef JCRYPT_H
#define JCRYPT_H

#include <stdbool.h>

/**
 * Decrypt what the api-server's encrypt() stored: JSON
 * {"iv": hex, "content": hex}, AES-256-CBC (AES-256-CTR with
 * LEGACY_CRYPTO) under the first 32 characters of the base64 SHA-256 of
 * the secret (ENCRYPTION_SECRET, else JWT_SECRET).
 *
 * @param plainp Returns the text (mem_* string)
 * @return 0, EINVAL (not that JSON, bad hex, no secret), EBADMSG (the
 *         padding does not check: a wrong secret or a damaged value),
 *         ENOMEM
 */
int jcrypt_decrypt(char **plainp, const char *data, const char *secret,
		   bool legacy);

#endif
