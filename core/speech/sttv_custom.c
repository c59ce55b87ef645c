/**
 * @file sttv_custom.c  jambonz's custom speech-to-text API
 *
 * A WebSocket to the credential's custom_stt_url with "Authorization:
 * Bearer <auth_token>"; first a text message {type "start", language,
 * format "raw", encoding "LINEAR16", interimResults, sampleRateHz,
 * options}, then binary L16 at that rate, and {type "stop"} at the end,
 * after which the server closes the socket. The server answers
 * {type "transcription", is_final, alternatives [{transcript,
 * confidence}], channel, language} or {type "error", error}.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_log.h>
#include "base/jsonutil.h"
#include "speech/sttv.h"

static int cu_prepare(struct fs_stt *s, char **urlp, char **hdrsp)
{
	const char *url = sttv_cred(s, "custom_stt_url", NULL);
	const char *tok = sttv_cred(s, "auth_token", NULL);
	struct json_object *sr = sttv_opt(s, "customOptions", "sampleRate");
	int rate = sr ? json_object_get_int(sr) : 8000;
	char *base = NULL;
	int err;

	if (!url && !sttv_cred(s, "base_url", NULL)) {
		fs_warn("stt", "%s: %s: the credential has no custom_stt_url",
			s->sid, s->vlog);
		return EINVAL;
	}
	if (tok && !sttv_token_ok(tok)) {
		fs_warn("stt", "%s: %s: the auth_token is not a token", s->sid,
			s->vlog);
		return EINVAL;
	}
	s->rate = rate >= 8000 && rate <= 48000 ? (uint32_t)rate : 8000;
	if (url) {
		err = sttv_base(&base, s, NULL, true, url);
		/* base_url replaces the scheme and host, the path stays */
		if (!err && sttv_cred(s, "base_url", NULL)) {
			const char *p = strstr(url, "://");

			p = p ? strchr(p + 3, '/') : NULL;
			err = re_sdprintf(urlp, "%s%s", base, p ? p : "");
		} else if (!err) {
			err = str_dup(urlp, base);
		}
	} else {
		err = sttv_base(&base, s, NULL, true, "");
		if (!err)
			err = str_dup(urlp, base);
	}
	mem_deref(base);
	if (!err && tok)
		err = re_sdprintf(hdrsp, "Authorization: Bearer %s\r\n", tok);
	return err;
}

static int cu_opened(struct fs_stt *s)
{
	struct json_object *m = json_object_new_object();
	struct json_object *opts = NULL, *o, *hints, *boost;

	if (!m)
		return ENOMEM;
	o = sttv_opt(s, "customOptions", "options");
	if (o && json_object_is_type(o, json_type_object))
		(void)json_object_deep_copy(o, &opts, NULL);
	if (!opts)
		opts = json_object_new_object();
	hints = sttv_rec(s, "hints");
	if (hints && json_object_is_type(hints, json_type_array) &&
	    json_object_array_length(hints)) {
		/* as jambonz: strings as they are, objects as JSON text */
		if (json_object_is_type(json_object_array_get_idx(hints, 0),
					json_type_object))
			json_object_object_add(
				opts, "hints",
				json_object_new_string(
					json_object_to_json_string_ext(
						hints,
						JSON_C_TO_STRING_PLAIN)));
		else
			json_object_object_add(opts, "hints",
					       json_object_get(hints));
	}
	boost = sttv_rec(s, "hintsBoost");
	if (boost && (json_object_is_type(boost, json_type_int) ||
		      json_object_is_type(boost, json_type_double)))
		json_object_object_add(opts, "hintsBoost",
				       json_object_get(boost));
	json_object_object_add(opts, "callSid",
			       json_object_new_string(s->sid));
	json_object_object_add(m, "type", json_object_new_string("start"));
	json_object_object_add(m, "language", json_object_new_string(s->lang));
	json_object_object_add(m, "format", json_object_new_string("raw"));
	json_object_object_add(m, "encoding",
			       json_object_new_string("LINEAR16"));
	json_object_object_add(m, "interimResults",
			       json_object_new_boolean(true));
	json_object_object_add(m, "sampleRateHz",
			       json_object_new_int((int)s->rate));
	json_object_object_add(m, "options", opts);
	return sttv_send_json(s, m);
}

static void cu_text(struct fs_stt *s, const char *text, size_t len)
{
	struct json_object *msg = json_tokener_parse(text), *alts, *alt, *v;
	const char *type = jsonutil_str(msg, "type");
	struct json_object *evt;
	double conf = 0;
	bool final;

	(void)len;
	if (!msg || !type) {
		json_object_put(msg);
		stt_fail(s, EPROTO, "a message that is not the custom API's");
		return;
	}
	if (!strcmp(type, "error")) {
		char why[256];

		str_ncpy(why,
			 jsonutil_str(msg, "error")
				 ? jsonutil_str(msg, "error")
				 : "error",
			 sizeof(why));
		json_object_put(msg);
		stt_fail(s, EPROTO, why);
		return;
	}
	if (strcmp(type, "transcription")) {
		json_object_put(msg); /* other types: not for us */
		return;
	}
	if (!json_object_object_get_ex(msg, "alternatives", &alts) ||
	    !json_object_is_type(alts, json_type_array) ||
	    !(alt = json_object_array_get_idx(alts, 0)) ||
	    !jsonutil_str(alt, "transcript")) {
		json_object_put(msg);
		stt_fail(s, EPROTO, "a transcription without alternatives");
		return;
	}
	if (json_object_object_get_ex(alt, "confidence", &v))
		conf = json_object_get_double(v);
	final = json_object_object_get_ex(msg, "is_final", &v) &&
		json_object_get_boolean(v);
	evt = sttv_evt(s, final, jsonutil_str(alt, "transcript"), conf, msg);
	json_object_put(msg);
	stt_result(s, evt);
}

static int cu_finish(struct fs_stt *s)
{
	return sttv_send_json(s, json_tokener_parse("{\"type\":\"stop\"}"));
}

const struct sttv sttv_custom = {
	.name = "custom:",
	.prepare = cu_prepare,
	.opened = cu_opened,
	.text = cu_text,
	.finish = cu_finish,
};
