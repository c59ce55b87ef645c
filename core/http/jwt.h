/**
 * @file jwt.h  JSON Web Tokens signed with RS256 (OAuth2 service accounts)
 */
#ifndef JWT_H
#define JWT_H

/**
 * header.claims.signature, each base64url without padding, the header
 * {"alg":"RS256","typ":"JWT"}, the signature RSASSA-PKCS1-v1_5 with
 * SHA-256 by the PEM private key (PKCS#8 or PKCS#1, as Google's service
 * account keys hold it).
 *
 * @param claims JSON text of the claims
 * @return 0, EINVAL (not a private key), EIO (signing failed), ENOMEM
 */
int jwt_rs256(char **jwtp, const char *pem, const char *claims);

#endif
