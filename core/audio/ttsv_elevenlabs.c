/**
 * @file ttsv_elevenlabs.c  ElevenLabs (POST /v1/text-to-speech/<voice>)
 *
 * As jambonz sends it: xi-api-key, {text, model_id, voice_settings
 * {stability 0.5, similarity_boost 0.5}} with the synthesizer's options
 * (or the credential's) merged over it, optimize_streaming_latency in the
 * query. output_format=pcm_16000 asks for raw PCM, resampled to 8 kHz.
 */
#include <errno.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/ttsv.h"
#include "http/req.h"

static int el_body(char **bodyp, const struct ttsv_ask *a, const char *model)
{
	struct json_object *o = ttsv_options_copy(a), *vs;
	int e;

	if (!o)
		return ENOMEM;
	json_object_object_del(o, "optimize_streaming_latency");
	e = json_object_object_add(o, "text", json_object_new_string(a->text));
	e |= json_object_object_add(o, "model_id",
				    json_object_new_string(model));
	if (!e && !json_object_object_get_ex(o, "voice_settings", NULL)) {
		vs = json_object_new_object();
		e = !vs;
		if (vs) {
			e |= json_object_object_add(
				vs, "stability", json_object_new_double(0.5));
			e |= json_object_object_add(
				vs, "similarity_boost",
				json_object_new_double(0.5));
			e |= json_object_object_add(o, "voice_settings", vs);
		}
	}
	if (!e)
		e = ttsv_json_body(bodyp, o);
	json_object_put(o);
	return e ? ENOMEM : 0;
}

static int el_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		    size_t errsz)
{
	const char *key = ttsv_cred(a, "api_key", NULL);
	const char *model =
		ttsv_cred(a, "model_id", *a->model ? a->model : NULL);
	struct json_object *lat = NULL;
	char *base = NULL;
	char q[48] = "";
	int e;

	if (!key || !model) {
		re_snprintf(
			err, errsz,
			"elevenlabs credential needs api_key and model_id");
		return EINVAL;
	}
	if (!*a->voice) {
		re_snprintf(err, errsz, "elevenlabs needs a voice (its id)");
		return EINVAL;
	}
	if (a->options &&
	    json_object_object_get_ex(a->options, "optimize_streaming_latency",
				      &lat) &&
	    json_object_is_type(lat, json_type_int))
		re_snprintf(q, sizeof(q), "&optimize_streaming_latency=%d",
			    json_object_get_int(lat));

	e = ttsv_base(&base, a, "api_uri", "https://api.elevenlabs.io");
	if (!e)
		e = re_sdprintf(
			&h->url,
			"%s/v1/text-to-speech/%H?output_format=pcm_16000%s",
			base, req_url_escape, a->voice, q);
	mem_deref(base);
	if (!e)
		e = re_sdprintf(&h->hdrs, "xi-api-key: %s\nAccept: audio/pcm",
				key);
	if (!e)
		e = el_body(&h->body, a, model);
	return e ? ENOMEM : 0;
}

const struct ttsv_ops ttsv_elevenlabs = {
	.name = "elevenlabs",
	.build = el_build,
	.pcm_rate = 16000,
};
