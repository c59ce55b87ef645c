/**
 * @file aws_sts.h  AWS credentials by STS AssumeRole, for an aws speech
 *                  credential that names a roleArn
 *
 * As jambonz's speech-utils (get-aws-sts-token.js): a credential with a
 * roleArn and no access key gets temporary credentials from STS's
 * AssumeRole (RoleSessionName Jambonz_Speech), asked with the server's
 * own AWS credentials (the AWS SDK's environment: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), at AWS_ENDPOINT_URL_STS or
 * https://sts.<region>.amazonaws.com, for AWS_STS_SESSION_DURATION
 * seconds (3600). The answer is cached as a token of tts_token.c (per
 * loop, by region and role) and renewed AWS_STS_SESSION_RESET_EXPIRY
 * seconds (the duration less 600) after it was issued.
 */
#ifndef AWS_STS_H
#define AWS_STS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fs_resp;
struct json_object;
struct ttsv_http;

/** @return the credential is to go through STS: it names a roleArn and,
 *  for synthesis (stt false), no access key, as speech-utils decides */
bool aws_sts_wanted(const struct json_object *cred, bool stt);

/**
 * The signed AssumeRole request for cred, and the key its answer is
 * cached by.
 *
 * @return 0, EINVAL with why (no region, no server credentials in the
 *         environment), ENOMEM
 */
int aws_sts_request(struct ttsv_http *h, const struct json_object *cred,
		    char *key, size_t keysz, char *why, size_t whysz);

/**
 * STS's XML answer (AssumeRoleResponse's Credentials) as a token:
 * "AccessKeyId\nSecretAccessKey\nSessionToken", valid for *secsp.
 *
 * @return 0, EPROTO (not such an answer), ENOMEM
 */
int aws_sts_parse(char **tokenp, int64_t *secsp, const struct fs_resp *resp);

/**
 * "Code: Message" of an AWS XML error answer (STS's ErrorResponse).
 *
 * @return 0, ENOENT (not such an answer)
 */
int aws_sts_error(char *dst, size_t dstsz, const struct fs_resp *resp);

/** The three parts of a token (pointers into a copy in buf) */
struct aws_sts_keys {
	const char *id, *secret, *session;
};

/** @return 0, EINVAL (not a token of aws_sts_parse()) */
int aws_sts_split(struct aws_sts_keys *k, char *buf, size_t bufsz,
		  const char *token);

/**
 * cred with the token's keys as access_key_id, secret_access_key and
 * session_token.
 *
 * @return a new object (json_object_put it), NULL on EINVAL or ENOMEM
 */
struct json_object *aws_sts_cred(const struct json_object *cred,
				 const char *token);

#endif
