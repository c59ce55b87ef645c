/**
 * @file ttsv_aws.c  Amazon Polly (POST /v1/speech, SigV4)
 *
 * {Engine, LanguageCode, OutputFormat "pcm", SampleRate "8000", Text,
 * TextType, VoiceId}, signed with the credential's accessKeyId and
 * secretAccessKey (and sessionToken) for the service "polly" in its
 * region. The answer is raw 16-bit PCM at 8 kHz. A credential with a
 * roleArn and no keys is signed with the temporary keys of an STS
 * AssumeRole (aws_sts.c), cached as a token, as speech-utils does.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/aws_sts.h"
#include "audio/ttsv.h"
#include "http/sigv4.h"

static int aws_body(char **bodyp, const struct ttsv_ask *a)
{
	struct json_object *o = json_object_new_object();
	int e = !o;

	if (!e && *a->engine)
		e |= json_object_object_add(o, "Engine",
					    json_object_new_string(a->engine));
	if (!e) {
		e |= json_object_object_add(o, "LanguageCode",
					    json_object_new_string(a->lang));
		e |= json_object_object_add(o, "OutputFormat",
					    json_object_new_string("pcm"));
		e |= json_object_object_add(o, "SampleRate",
					    json_object_new_string("8000"));
		e |= json_object_object_add(o, "Text",
					    json_object_new_string(a->text));
		e |= json_object_object_add(
			o, "TextType",
			json_object_new_string(a->ssml ? "ssml" : "text"));
		e |= json_object_object_add(o, "VoiceId",
					    json_object_new_string(a->voice));
	}
	if (!e)
		e = ttsv_json_body(bodyp, o);
	json_object_put(o);
	return e ? ENOMEM : 0;
}

static int aws_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		     size_t errsz)
{
	/* as the api-server stores them, or as jambonz hands them on */
	const char *id = ttsv_cred(a, "access_key_id",
				   ttsv_cred(a, "accessKeyId", NULL));
	const char *secret = ttsv_cred(a, "secret_access_key",
				       ttsv_cred(a, "secretAccessKey", NULL));
	const char *region =
		ttsv_cred(a, "aws_region", ttsv_cred(a, "region", NULL));
	const char *session = ttsv_cred(a, "session_token",
					ttsv_cred(a, "sessionToken", NULL));
	struct aws_sts_keys k;
	struct sigv4_req sr;
	char def[96], *base = NULL, kbuf[4096];
	int e;

	/* roleArn: the keys STS gave (aws_token) */
	if (a->token && !aws_sts_split(&k, kbuf, sizeof(kbuf), a->token)) {
		id = k.id;
		secret = k.secret;
		session = k.session;
	}

	if (!id || !secret || !region) {
		re_snprintf(err, errsz,
			    "aws credential needs access_key_id, "
			    "secret_access_key and aws_region");
		return EINVAL;
	}
	if (!*a->voice) {
		re_snprintf(err, errsz, "aws polly needs a voice");
		return EINVAL;
	}
	re_snprintf(def, sizeof(def), "https://polly.%s.amazonaws.com",
		    region);
	e = ttsv_base(&base, a, NULL, def);
	if (!e)
		e = re_sdprintf(&h->url, "%s/v1/speech", base);
	mem_deref(base);
	if (!e)
		e = aws_body(&h->body, a);
	if (e)
		return ENOMEM;
	sr = (struct sigv4_req){
		.method = "POST",
		.url = h->url,
		.ctype = "application/json",
		.body = h->body,
		.body_len = strlen(h->body),
		.region = region,
		.service = "polly",
		.key_id = id,
		.secret = secret,
		.token = session,
		.now = time(NULL),
	};
	e = sigv4_headers(&h->hdrs, &sr);
	explicit_bzero(kbuf, sizeof(kbuf));
	return e;
}

/* roleArn without keys: the AssumeRole request first */
static int aws_token(struct ttsv_http *h, const struct ttsv_ask *a, char *key,
		     size_t keysz, char *err, size_t errsz)
{
	if (!aws_sts_wanted(a->cred, false))
		return ENOENT;
	return aws_sts_request(h, a->cred, key, keysz, err, errsz);
}

const struct ttsv_ops ttsv_aws = {
	.name = "aws",
	.build = aws_build,
	.pcm_rate = 8000,
	.token_build = aws_token,
	.token_parse = aws_sts_parse,
};
