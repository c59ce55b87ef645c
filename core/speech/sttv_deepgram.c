/**
 * @file sttv_deepgram.c  Deepgram's live streaming API
 *
 * wss://api.deepgram.com/v1/listen?encoding=linear16&sample_rate=8000
 * &channels=1&interim_results=true&model=...&language=...,
 * "Authorization: Token <key>"; raw L16 in binary messages;
 * {"type":"KeepAlive"} while paused, {"type":"CloseStream"} to finish.
 * Results are {"type":"Results", is_final, speech_final, channel
 * {alternatives [{transcript, confidence}]}}: segments that are final
 * but not yet the end of speech are kept and joined, as jambonz's
 * gather buffers them, so a final result holds the whole utterance.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_log.h>
#include "base/jsonutil.h"
#include "speech/sttv.h"

struct dg {
	struct mbuf *acc; /* final segments of the utterance so far */
	double conf;      /* their lowest confidence */
	bool short_utt;   /* shortUtterance: is_final ends it */
};

static void dg_destructor(void *arg)
{
	struct dg *d = arg;

	mem_deref(d->acc);
}

static bool dg_bool(struct json_object *v)
{
	return v && json_object_get_boolean(v);
}

/* Recognizer fields and deepgramOptions as jambonz maps them */
static int dg_query(struct fs_stt *s, struct mbuf *q)
{
	static const struct {
		const char *opt, *param;
	} map[] = {
		{"tier", "tier"},
		{"version", "version"},
		{"redact", "redact"},
		{"diarize", "diarize"},
		{"diarizeVersion", "diarize_version"},
		{"ner", "ner"},
		{"alternatives", "alternatives"},
		{"numerals", "numerals"},
		{"search", "search"},
		{"replace", "replace"},
		{"endpointing", "endpointing"},
		{"utteranceEndMs", "utterance_end_ms"},
		{"vadTurnoff", "vad_turnoff"},
		{"tag", "tag"},
		{"smartFormatting", "smart_format"},
		{"noDelay", "no_delay"},
		{"fillerWords", "filler_words"},
	};
	struct json_object *v, *hints;
	const char *model;
	int err = 0;

	model = json_object_get_string(
		sttv_opt(s, "deepgramOptions", "customModel"));
	if (!model)
		model = json_object_get_string(
			sttv_opt(s, "deepgramOptions", "model"));
	if (!model)
		model = jsonutil_str(s->recog, "model");
	if (!model)
		model = sttv_cred(s, "model_id", "nova-2");
	err |= sttv_q(q, "model", model);
	err |= sttv_q(q, "language", s->lang);
	err |= sttv_q(q, "encoding", "linear16");
	err |= sttv_q(q, "sample_rate", "8000");
	err |= sttv_q(q, "channels", "1");
	err |= sttv_q(q, "interim_results", "true");
	v = sttv_opt(s, "deepgramOptions", "punctuate");
	err |= sttv_qj(q, "punctuate", v ? v : sttv_rec(s, "punctuation"));
	v = sttv_opt(s, "deepgramOptions", "profanityFilter");
	err |= sttv_qj(q, "profanity_filter",
		       v ? v : sttv_rec(s, "profanityFilter"));
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		err |= sttv_qj(q, map[i].param,
			       sttv_opt(s, "deepgramOptions", map[i].opt));
	hints = sttv_hints(s);
	if (hints) {
		struct json_object *boost = sttv_rec(s, "hintsBoost");
		bool nova3 = !strncmp(model, "nova-3", 6);

		for (size_t i = 0; i < json_object_array_length(hints); i++) {
			const char *p = json_object_get_string(
				json_object_array_get_idx(hints, i));
			char kw[256];

			if (nova3 || !boost)
				str_ncpy(kw, p, sizeof(kw));
			else
				re_snprintf(kw, sizeof(kw), "%s:%d", p,
					    json_object_get_int(boost));
			err |= sttv_q(q, nova3 ? "keyterm" : "keywords", kw);
		}
		json_object_put(hints);
	}
	return err;
}

static int dg_prepare(struct fs_stt *s, char **urlp, char **hdrsp)
{
	const char *key = sttv_cred(s, "api_key", NULL);
	char *base = NULL;
	struct mbuf *q;
	struct dg *d;
	int err;

	if (key && !sttv_token_ok(key)) {
		fs_warn("stt", "%s: deepgram: the api_key is not a key",
			s->sid);
		return EINVAL;
	}
	d = mem_zalloc(sizeof(*d), dg_destructor);
	q = mbuf_alloc(256);
	if (!d || !q) {
		mem_deref(d);
		mem_deref(q);
		return ENOMEM;
	}
	d->acc = mbuf_alloc(128);
	d->conf = 1.0;
	d->short_utt =
		dg_bool(sttv_opt(s, "deepgramOptions", "shortUtterance"));
	s->vst = d;
	s->rate = 8000;
	err = sttv_base(
		&base, s, "deepgram_stt_uri",
		!sttv_cred(s, "deepgram_stt_use_tls", NULL) ||
			!strcmp(sttv_cred(s, "deepgram_stt_use_tls", ""),
				"true") ||
			!strcmp(sttv_cred(s, "deepgram_stt_use_tls", ""), "1"),
		"wss://api.deepgram.com");
	if (!err && !d->acc)
		err = ENOMEM;
	if (!err)
		err = dg_query(s, q);
	if (!err)
		err = re_sdprintf(urlp, "%s/v1/listen?%b", base, q->buf,
				  q->end);
	/* without a key (on-premise) no authorization at all */
	if (!err && key)
		err = re_sdprintf(hdrsp, "Authorization: Token %s\r\n", key);
	mem_deref(base);
	mem_deref(q);
	return err;
}

/* The language a multilingual model (language=multi) detected:
 * channel.alternatives[0].languages[0], as jambonz's normalizeDeepgram
 * takes it for language_code */
static const char *dg_detected(const struct json_object *msg)
{
	struct json_object *ch, *alts, *langs;

	if (!json_object_object_get_ex(msg, "channel", &ch) ||
	    !json_object_object_get_ex(ch, "alternatives", &alts) ||
	    !json_object_is_type(alts, json_type_array) ||
	    !json_object_object_get_ex(json_object_array_get_idx(alts, 0),
				       "languages", &langs) ||
	    !json_object_is_type(langs, json_type_array))
		return NULL;
	langs = json_object_array_get_idx(langs, 0);
	return json_object_is_type(langs, json_type_string) &&
			       json_object_get_string_len(langs)
		       ? json_object_get_string(langs)
		       : NULL;
}

/* The result last: its handler may end the recognition and free s */
static void dg_emit(struct fs_stt *s, struct json_object *msg, bool final,
		    const char *text, double conf)
{
	struct dg *d = s->vst;
	struct json_object *evt;
	char *all = NULL;

	if (d->acc->end && re_sdprintf(&all, "%b%s%s", d->acc->buf,
				       d->acc->end, *text ? " " : "", text))
		return;
	if (d->acc->end && conf > d->conf)
		conf = d->conf;
	evt = sttv_evt(s, final, all ? all : text, conf, msg);
	mem_deref(all);
	if (evt && dg_detected(msg))
		json_object_object_add(
			evt, "language_code",
			json_object_new_string(dg_detected(msg)));
	if (final) {
		d->acc->end = d->acc->pos = 0;
		d->conf = 1.0;
	}
	stt_result(s, evt);
}

static void dg_results(struct fs_stt *s, struct json_object *msg)
{
	struct dg *d = s->vst;
	struct json_object *ch, *alts, *alt, *v;
	const char *text = "";
	double conf = 0;
	bool is_final, speech_final;

	if (json_object_object_get_ex(msg, "channel", &ch) &&
	    json_object_object_get_ex(ch, "alternatives", &alts) &&
	    json_object_is_type(alts, json_type_array) &&
	    (alt = json_object_array_get_idx(alts, 0))) {
		text = jsonutil_str(alt, "transcript");
		if (!text)
			text = "";
		if (json_object_object_get_ex(alt, "confidence", &v))
			conf = json_object_get_double(v);
	} else {
		stt_fail(s, EPROTO, "Results without channel.alternatives");
		return;
	}
	is_final = dg_bool(
		json_object_object_get_ex(msg, "is_final", &v) ? v : NULL);
	speech_final = dg_bool(
		json_object_object_get_ex(msg, "speech_final", &v) ? v : NULL);
	if (d->short_utt ? is_final : speech_final) {
		dg_emit(s, msg, true, text, conf);
		return;
	}
	if (is_final && *text) {
		/* a finished segment of an utterance that goes on */
		(void)mbuf_printf(d->acc, "%s%s", d->acc->end ? " " : "",
				  text);
		if (conf < d->conf)
			d->conf = conf;
		dg_emit(s, msg, false, "", conf);
		return;
	}
	if (*text || d->acc->end)
		dg_emit(s, msg, false, text, conf);
}

static void dg_text(struct fs_stt *s, const char *text, size_t len)
{
	struct json_object *msg = json_tokener_parse(text);
	const char *type = jsonutil_str(msg, "type");

	(void)len;
	if (!msg || !json_object_is_type(msg, json_type_object) || !type) {
		json_object_put(msg);
		stt_fail(s, EPROTO, "a message that is not Deepgram's JSON");
		return;
	}
	if (!strcmp(type, "Results"))
		dg_results(s, msg);
	else if (!strcmp(type, "UtteranceEnd") &&
		 ((struct dg *)s->vst)->acc->end)
		dg_emit(s, msg, true, "", 1.0);
	else if (!strcmp(type, "Error") || jsonutil_str(msg, "err_code"))
		stt_fail(s, EPROTO,
			 jsonutil_str(msg, "description")
				 ? jsonutil_str(msg, "description")
				 : jsonutil_str(msg, "err_msg"));
	/* Metadata, SpeechStarted and the rest: nothing to report */
	json_object_put(msg);
}

static int dg_finish(struct fs_stt *s)
{
	return sttv_send_json(s, json_tokener_parse("{\"type\":"
						    "\"CloseStream\"}"));
}

static int dg_keepalive(struct fs_stt *s)
{
	return sttv_send_json(s,
			      json_tokener_parse("{\"type\":\"KeepAlive\"}"));
}

const struct sttv sttv_deepgram = {
	.name = "deepgram",
	.prepare = dg_prepare,
	.text = dg_text,
	.finish = dg_finish,
	.keepalive = dg_keepalive,
	.keepalive_ms = 3000,
};
