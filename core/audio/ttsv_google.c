/**
 * @file ttsv_google.c  Google Cloud Text-to-Speech (v1 text:synthesize)
 *
 * {input {text|ssml}, voice {languageCode, name}, audioConfig
 * {audioEncoding LINEAR16, sampleRateHertz 8000, and speakingRate, pitch,
 * volumeGainDb from the options, flat or under audioConfig, as jambonz
 * takes them}}. The answer is JSON whose audioContent is base64 of a WAV
 * file. An API key goes in X-Goog-Api-Key; a service account (the
 * service_key jambonz stores: client_email, private_key, token_uri) is
 * traded for an access token first, with a JWT it signs (RS256) for the
 * cloud-platform scope, as Google's OAuth2 for service accounts has it.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/ttsv.h"
#include "audio/audio.h"
#include "http/jwt.h"
#include "http/req.h"
#include "base/jsonutil.h"

static int gg_audio_config(struct json_object *ac, const struct ttsv_ask *a)
{
	static const char *const keys[] = {"speakingRate", "pitch",
					   "volumeGainDb"};
	struct json_object *nested = NULL, *v;
	int e = 0;

	if (a->options)
		(void)json_object_object_get_ex(a->options, "audioConfig",
						&nested);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !e; i++) {
		if ((nested &&
		     json_object_object_get_ex(nested, keys[i], &v)) ||
		    (a->options &&
		     json_object_object_get_ex(a->options, keys[i], &v))) {
			if (json_object_is_type(v, json_type_double) ||
			    json_object_is_type(v, json_type_int))
				e = json_object_object_add(
					ac, keys[i],
					json_object_new_double(
						json_object_get_double(v)));
		}
	}
	e |= json_object_object_add(ac, "audioEncoding",
				    json_object_new_string("LINEAR16"));
	e |= json_object_object_add(ac, "sampleRateHertz",
				    json_object_new_int(8000));
	return e;
}

static int gg_body(char **bodyp, const struct ttsv_ask *a)
{
	struct json_object *o = json_object_new_object();
	struct json_object *in = json_object_new_object();
	struct json_object *voice = json_object_new_object();
	struct json_object *ac = json_object_new_object();
	int e = !o || !in || !voice || !ac;

	if (!e) {
		e |= json_object_object_add(in, a->ssml ? "ssml" : "text",
					    json_object_new_string(a->text));
		e |= json_object_object_add(voice, "languageCode",
					    json_object_new_string(a->lang));
		if (*a->voice)
			e |= json_object_object_add(
				voice, "name",
				json_object_new_string(a->voice));
		e |= gg_audio_config(ac, a);
		e |= json_object_object_add(o, "input", in);
		e |= json_object_object_add(o, "voice", voice);
		e |= json_object_object_add(o, "audioConfig", ac);
		in = voice = ac = NULL;
	}
	if (!e)
		e = ttsv_json_body(bodyp, o);
	json_object_put(in);
	json_object_put(voice);
	json_object_put(ac);
	json_object_put(o);
	return e ? ENOMEM : 0;
}

#define GG_SCOPE     "https://www.googleapis.com/auth/cloud-platform"
#define GG_TOKEN_URI "https://oauth2.googleapis.com/token"

/* The service account: the credential itself, or the JSON text of its
 * service_key field; a new reference or NULL */
static struct json_object *gg_account(const struct ttsv_ask *a)
{
	const char *text = ttsv_cred(a, "service_key", NULL);
	struct json_object *o;

	if (!text)
		return a->cred && ttsv_cred(a, "private_key", NULL)
			       ? json_object_get((struct json_object *)a->cred)
			       : NULL;
	o = json_tokener_parse(text);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static int gg_token_build(struct ttsv_http *h, const struct ttsv_ask *a,
			  char *key, size_t keysz, char *err, size_t errsz)
{
	const char *email, *pem, *uri;
	struct json_object *acct, *claims;
	char *jwt = NULL;
	int64_t now = (int64_t)time(NULL);
	int e;

	if (ttsv_cred(a, "api_key", NULL))
		return ENOENT;
	acct = gg_account(a);
	email = jsonutil_str(acct, "client_email");
	pem = jsonutil_str(acct, "private_key");
	uri = jsonutil_str(acct, "token_uri");
	if (!email || !pem) {
		re_snprintf(err, errsz,
			    "google credential needs api_key, or a "
			    "service_key with client_email and private_key");
		json_object_put(acct);
		return EINVAL;
	}
	if (!uri || !*uri)
		uri = GG_TOKEN_URI;
	re_snprintf(key, keysz, "google\n%s\n%s", email, uri);

	claims = json_object_new_object();
	e = !claims;
	if (!e) {
		e |= json_object_object_add(claims, "iss",
					    json_object_new_string(email));
		e |= json_object_object_add(claims, "scope",
					    json_object_new_string(GG_SCOPE));
		e |= json_object_object_add(claims, "aud",
					    json_object_new_string(uri));
		e |= json_object_object_add(claims, "iat",
					    json_object_new_int64(now));
		e |= json_object_object_add(claims, "exp",
					    json_object_new_int64(now + 3600));
	}
	e = e ? ENOMEM
	      : jwt_rs256(&jwt, pem,
			  json_object_to_json_string_ext(
				  claims,
				  JSON_C_TO_STRING_PLAIN |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
	if (e == EINVAL)
		re_snprintf(err, errsz,
			    "google service_key: private_key is "
			    "not a PEM private key");
	if (!e)
		e = str_dup(&h->url, uri);
	if (!e)
		e = re_sdprintf(&h->hdrs, "Content-Type: "
					  "application/x-www-form-urlencoded");
	if (!e)
		e = re_sdprintf(&h->body,
				"grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3A"
				"grant-type%%3Ajwt-bearer&assertion=%s",
				jwt);
	mem_deref(jwt);
	json_object_put(claims);
	json_object_put(acct);
	return e;
}

static int gg_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		    size_t errsz)
{
	const char *key = ttsv_cred(a, "api_key", NULL);
	char *base = NULL;
	int e;

	if (!key && !a->token) {
		re_snprintf(err, errsz,
			    "google credential needs api_key or "
			    "a service_key");
		return EINVAL;
	}
	e = ttsv_base(&base, a, NULL, "https://texttospeech.googleapis.com");
	if (!e)
		e = re_sdprintf(&h->url, "%s/v1/text:synthesize", base);
	mem_deref(base);
	if (!e && key)
		e = re_sdprintf(&h->hdrs, "X-Goog-Api-Key: %s", key);
	else if (!e)
		e = re_sdprintf(&h->hdrs, "Authorization: Bearer %s",
				a->token);
	if (!e)
		e = gg_body(&h->body, a);
	return e ? ENOMEM : 0;
}

static int gg_decode(struct fs_audio **ap, const char *ctype,
		     const uint8_t *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(8);
	struct json_object *o = NULL, *c;
	const char *b64;
	uint8_t *wav = NULL;
	size_t n, wlen;
	int err = EPROTO;

	(void)ctype;
	if (!tok)
		return ENOMEM;
	o = json_tokener_parse_ex(tok, (const char *)body, (int)len);
	json_tokener_free(tok);
	if (!o || !json_object_object_get_ex(o, "audioContent", &c) ||
	    !json_object_is_type(c, json_type_string))
		goto out;
	b64 = json_object_get_string(c);
	n = (size_t)json_object_get_string_len(c);
	wlen = n / 4 * 3 + 3;
	wav = mem_alloc(wlen, NULL);
	if (!wav) {
		err = ENOMEM;
		goto out;
	}
	if (base64_decode(b64, n, wav, &wlen) || !wlen)
		goto out;
	err = audio_decode(ap, wav, wlen);
out:
	mem_deref(wav);
	json_object_put(o);
	return err;
}

const struct ttsv_ops ttsv_google = {
	.name = "google",
	.build = gg_build,
	.decode = gg_decode,
	.token_build = gg_token_build,
};
