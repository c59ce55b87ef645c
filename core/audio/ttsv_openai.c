/**
 * @file ttsv_openai.c  OpenAI speech (POST /v1/audio/speech)
 *
 * jambonz calls this vendor "whisper"; "openai" is taken too. Bearer
 * key, {model, voice, input, response_format "pcm", instructions,
 * speed}: raw PCM at 24 kHz, resampled to 8 kHz.
 */
#include <errno.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/ttsv.h"

static int oa_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		    size_t errsz)
{
	const char *key = ttsv_cred(a, "api_key", NULL);
	const char *model =
		ttsv_cred(a, "model_id", *a->model ? a->model : "tts-1");
	const char *instr = ttsv_cred(a, "instructions", NULL);
	struct json_object *o;
	char *base = NULL;
	int e;

	if (!key) {
		re_snprintf(err, errsz, "openai credential needs api_key");
		return EINVAL;
	}
	e = ttsv_base(&base, a, "baseURL", "https://api.openai.com/v1");
	if (!e)
		e = re_sdprintf(&h->url, "%s/audio/speech", base);
	mem_deref(base);
	if (!e)
		e = re_sdprintf(&h->hdrs, "Authorization: Bearer %s", key);
	if (e)
		return ENOMEM;

	o = ttsv_options_copy(a);
	if (!o)
		return ENOMEM;
	e = json_object_object_add(o, "model", json_object_new_string(model));
	e |= json_object_object_add(
		o, "voice",
		json_object_new_string(*a->voice ? a->voice : "alloy"));
	e |= json_object_object_add(o, "input",
				    json_object_new_string(a->text));
	e |= json_object_object_add(o, "response_format",
				    json_object_new_string("pcm"));
	if (instr && !json_object_object_get_ex(o, "instructions", NULL))
		e |= json_object_object_add(o, "instructions",
					    json_object_new_string(instr));
	if (!e)
		e = ttsv_json_body(&h->body, o);
	json_object_put(o);
	return e ? ENOMEM : 0;
}

const struct ttsv_ops ttsv_openai = {
	.name = "openai",
	.build = oa_build,
	.pcm_rate = 24000,
};
