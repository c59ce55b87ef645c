/**
 * @file ttsv_custom.c  jambonz's custom TTS API
 *
 * POST custom_tts_url with "Authorization: Bearer <auth_token>" and
 * {language, voice, type: "text"|"ssml", text}; the answer is audio,
 * typed by its Content-Type: audio/l16;rate=N (raw little-endian PCM,
 * as jambonz plays it), or a file (audio/wav, audio/mpeg).
 */
#include <errno.h>
#include <re.h>
#include "audio/ttsv.h"

static int cu_build(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		    size_t errsz)
{
	const char *url = ttsv_cred(a, "custom_tts_url", NULL);
	const char *token = ttsv_cred(a, "auth_token", NULL);
	int e;

	url = ttsv_cred(a, "base_url", url);
	if (!url) {
		re_snprintf(err, errsz, "%s credential needs custom_tts_url",
			    a->vendor);
		return EINVAL;
	}
	e = str_dup(&h->url, url);
	if (!e && token)
		e = re_sdprintf(&h->hdrs, "Authorization: Bearer %s", token);
	if (!e)
		e = re_sdprintf(
			&h->body,
			"{\"language\":%H,\"voice\":%H,\"type\":\"%s\","
			"\"text\":%H}",
			ttsv_json_str, a->lang, ttsv_json_str, a->voice,
			a->ssml ? "ssml" : "text", ttsv_json_str, a->text);
	return e ? ENOMEM : 0;
}

const struct ttsv_ops ttsv_custom = {
	.name = "custom",
	.build = cu_build,
	.decode = ttsv_decode_ctype,
};
