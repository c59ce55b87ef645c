/**
 * @file ttsv_deepgram.c  Deepgram Aura (POST /v1/speak)
 *
 * The model is the voice ("aura-asteria-en"), as jambonz passes it;
 * encoding=linear16, sample_rate=8000 and container=none give raw PCM
 * at the telephone rate. On-premise Deepgram takes no key, so
 * Authorization is sent only with one.
 */
#include <errno.h>
#include <re.h>
#include "audio/ttsv.h"
#include "http/req.h"

static int dg_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		    size_t errsz)
{
	const char *key = ttsv_cred(a, "api_key", NULL);
	const char *model = *a->model   ? a->model
			    : *a->voice ? a->voice
					: "aura-asteria-en";
	char *base = NULL;
	int e;

	if (!key && !ttsv_cred(a, "deepgram_tts_uri", NULL) &&
	    !ttsv_cred(a, "base_url", NULL)) {
		re_snprintf(err, errsz, "deepgram credential needs api_key");
		return EINVAL;
	}
	e = ttsv_base(&base, a, "deepgram_tts_uri",
		      "https://api.deepgram.com");
	if (!e)
		e = re_sdprintf(&h->url,
				"%s/v1/speak?model=%H&encoding=linear16"
				"&sample_rate=8000&container=none",
				base, req_url_escape, model);
	mem_deref(base);
	if (!e && key)
		e = re_sdprintf(&h->hdrs, "Authorization: Token %s", key);
	if (!e)
		e = re_sdprintf(&h->body, "{\"text\":%H}", ttsv_json_str,
				a->text);
	return e ? ENOMEM : 0;
}

const struct ttsv_ops ttsv_deepgram = {
	.name = "deepgram",
	.build = dg_build,
	.pcm_rate = 8000,
};
