/**
 * @file ttsv_google.c  Google Cloud Text-to-Speech (v1 text:synthesize)
 *
 * {input {text|ssml}, voice {languageCode, name}, audioConfig
 * {audioEncoding LINEAR16, sampleRateHertz 8000, and speakingRate, pitch,
 * volumeGainDb from the options, flat or under audioConfig, as jambonz
 * takes them}}. The answer is JSON whose audioContent is base64 of a WAV
 * file. The key goes in X-Goog-Api-Key.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/ttsv.h"
#include "audio/audio.h"

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

static int gg_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		    size_t errsz)
{
	const char *key = ttsv_cred(a, "api_key", NULL);
	char *base = NULL;
	int e;

	if (!key) {
		re_snprintf(err, errsz,
			    "google credential needs api_key (a service_key "
			    "alone is not supported)");
		return EINVAL;
	}
	e = ttsv_base(&base, a, NULL, "https://texttospeech.googleapis.com");
	if (!e)
		e = re_sdprintf(&h->url, "%s/v1/text:synthesize", base);
	mem_deref(base);
	if (!e)
		e = re_sdprintf(&h->hdrs, "X-Goog-Api-Key: %s", key);
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
};
