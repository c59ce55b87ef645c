/**
 * @file sttv_soniox.c  Soniox's real-time WebSocket API
 *
 * wss://stt-rt.soniox.com/transcribe-websocket with "Authorization:
 * Bearer <key>"; first a JSON configuration (model, audio_format
 * pcm_s16le, sample_rate, num_channels, language_hints from the language
 * and altLanguages, context.terms from the hints,
 * enable_endpoint_detection), then raw L16 in binary messages,
 * {"type": "keepalive"} while paused, an empty text message at the end,
 * answered by {"finished": true}. Each response holds tokens {text,
 * confidence, is_final}: the final ones are kept until the endpoint
 * token "<end>", which makes them one final result, as jambonz
 * normalises Soniox; the rest are interim results. {"error_code",
 * "error_message"} ends the recognition.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_log.h>
#include "base/jsonutil.h"
#include "http/req.h"
#include "speech/sttv.h"

struct sx {
	struct mbuf *fin; /* the final tokens' text of the utterance */
	double sum;       /* their confidences */
	int n;
};

static void sx_destructor(void *arg)
{
	struct sx *x = arg;

	mem_deref(x->fin);
}

static int sx_prepare(struct fs_stt *s, char **urlp, char **hdrsp)
{
	const char *key = sttv_cred(s, "api_key", NULL);
	char *base = NULL;
	struct sx *x;
	int err;

	if (!key || !sttv_token_ok(key)) {
		fs_warn("stt", "%s: soniox: %s", s->sid,
			key ? "the api_key is not a key" : "no api_key");
		return EINVAL;
	}
	x = mem_zalloc(sizeof(*x), sx_destructor);
	if (!x)
		return ENOMEM;
	s->vst = x;
	x->fin = mbuf_alloc(128);
	if (!x->fin)
		return ENOMEM;
	s->rate = 8000;
	err = sttv_base(&base, s, NULL, true, "wss://stt-rt.soniox.com");
	if (!err)
		err = re_sdprintf(urlp, "%s/transcribe-websocket", base);
	if (!err)
		err = re_sdprintf(hdrsp, "Authorization: Bearer %s\r\n", key);
	mem_deref(base);
	return err;
}

/* "en-US" -> "en": Soniox's hints are languages without the region */
static void sx_hint(struct json_object *arr, const char *lang)
{
	char l[16];
	size_t n = strcspn(lang, "-_");

	if (!n || n >= sizeof(l))
		return;
	str_ncpy(l, lang, n + 1);
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcasecmp(json_object_get_string(
					json_object_array_get_idx(arr, i)),
				l))
			return;
	json_object_array_add(arr, json_object_new_string(l));
}

static int sx_opened(struct fs_stt *s)
{
	struct json_object *m = json_object_new_object();
	struct json_object *langs = json_object_new_array();
	struct json_object *alt = sttv_rec(s, "altLanguages");
	struct json_object *hints = sttv_hints(s);
	const char *model =
		json_object_get_string(sttv_opt(s, "sonioxOptions", "model"));

	if (!m || !langs) {
		json_object_put(m);
		json_object_put(langs);
		json_object_put(hints);
		return ENOMEM;
	}
	if (!model)
		model = jsonutil_str(s->recog, "model");
	sx_hint(langs, s->lang);
	for (size_t i = 0; alt && json_object_is_type(alt, json_type_array) &&
			   i < json_object_array_length(alt);
	     i++) {
		const char *l = json_object_get_string(
			json_object_array_get_idx(alt, i));

		if (l)
			sx_hint(langs, l);
	}
	json_object_object_add(
		m, "model",
		json_object_new_string(model ? model : "stt-rt-preview"));
	json_object_object_add(m, "audio_format",
			       json_object_new_string("pcm_s16le"));
	json_object_object_add(m, "sample_rate",
			       json_object_new_int((int)s->rate));
	json_object_object_add(m, "num_channels", json_object_new_int(1));
	json_object_object_add(m, "language_hints", langs);
	json_object_object_add(m, "enable_endpoint_detection",
			       json_object_new_boolean(true));
	if (hints) {
		struct json_object *ctx = json_object_new_object();

		json_object_object_add(ctx, "terms", hints);
		json_object_object_add(m, "context", ctx);
	}
	return sttv_send_json(s, m);
}

/* Tokens carry their own spaces: the joined text without the outer ones */
static const char *sx_trim(char *t)
{
	size_t n = strlen(t);

	while (n && t[n - 1] == ' ')
		t[--n] = '\0';
	while (*t == ' ')
		t++;
	return t;
}

/* One response's tokens: the final ones joined to what is kept, an
 * "<end>" delivering them; the result last (its handler may end the
 * recognition) */
static void sx_tokens(struct fs_stt *s, struct json_object *msg,
		      struct json_object *toks)
{
	struct sx *x = s->vst;
	struct mbuf *interim = mbuf_alloc(128);
	double isum = 0;
	int in = 0;
	bool end = false;
	struct json_object *evt = NULL;
	char *text = NULL;

	if (!interim)
		return;
	for (size_t i = 0; i < json_object_array_length(toks); i++) {
		struct json_object *t = json_object_array_get_idx(toks, i), *v;
		const char *tx = jsonutil_str(t, "text");
		double c = json_object_object_get_ex(t, "confidence", &v)
				   ? json_object_get_double(v)
				   : 0;
		bool fin = json_object_object_get_ex(t, "is_final", &v) &&
			   json_object_get_boolean(v);

		if (!tx) {
			mem_deref(interim);
			stt_fail(s, EPROTO, "a token without text");
			return;
		}
		if (!strcmp(tx, "<end>")) {
			/* later tokens come again after it */
			end = fin;
			break;
		}
		if (fin) {
			(void)mbuf_write_str(x->fin, tx);
			x->sum += c;
			x->n++;
		} else {
			(void)mbuf_write_str(interim, tx);
			isum += c;
			in++;
		}
	}
	if (end && x->n) {
		if (!re_sdprintf(&text, "%b", x->fin->buf, x->fin->end))
			evt = sttv_evt(s, true, sx_trim(text), x->sum / x->n,
				       msg);
		x->fin->pos = x->fin->end = 0;
		x->sum = 0;
		x->n = 0;
	} else if (in || (x->n && json_object_array_length(toks))) {
		if (!re_sdprintf(&text, "%b%b", x->fin->buf, x->fin->end,
				 interim->buf, interim->end))
			evt = sttv_evt(s, false, sx_trim(text),
				       (x->sum + isum) / (x->n + in), msg);
	}
	mem_deref(text);
	mem_deref(interim);
	if (evt)
		stt_result(s, evt);
}

static void sx_text(struct fs_stt *s, const char *text, size_t len)
{
	struct json_object *msg = json_tokener_parse(text), *v;
	char why[256];

	(void)len;
	if (!msg || !json_object_is_type(msg, json_type_object)) {
		json_object_put(msg);
		stt_fail(s, EPROTO, "a message that is not Soniox's JSON");
		return;
	}
	if (json_object_object_get_ex(msg, "error_code", &v) ||
	    jsonutil_str(msg, "error_message")) {
		re_snprintf(why, sizeof(why), "%s: %s",
			    v ? json_object_get_string(v) : "error",
			    jsonutil_str(msg, "error_message")
				    ? jsonutil_str(msg, "error_message")
				    : "");
		json_object_put(msg);
		stt_fail(s, EPROTO, why);
		return;
	}
	if (json_object_object_get_ex(msg, "tokens", &v)) {
		if (!json_object_is_type(v, json_type_array)) {
			json_object_put(msg);
			stt_fail(s, EPROTO, "tokens that are not a list");
			return;
		}
		mem_ref(s);
		sx_tokens(s, msg, v);
		if (s->ended) {
			json_object_put(msg);
			mem_deref(s);
			return;
		}
		mem_deref(s);
	}
	if (json_object_object_get_ex(msg, "finished", &v) &&
	    json_object_get_boolean(v)) {
		json_object_put(msg);
		stt_done(s);
		return;
	}
	json_object_put(msg);
}

static int sx_finish(struct fs_stt *s)
{
	/* an empty message: the end of the audio */
	return req_ws_send(s->ws, "");
}

static int sx_keepalive(struct fs_stt *s)
{
	return sttv_send_json(s,
			      json_tokener_parse("{\"type\":\"keepalive\"}"));
}

const struct sttv sttv_soniox = {
	.name = "soniox",
	.prepare = sx_prepare,
	.opened = sx_opened,
	.text = sx_text,
	.finish = sx_finish,
	.keepalive = sx_keepalive,
	.keepalive_ms = 5000,
};
