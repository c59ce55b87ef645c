/**
 * @file sttv_speechmatics.c  Speechmatics' real-time API (v2)
 *
 * wss://eu2.rt.speechmatics.com/v2 with "Authorization: Bearer <key>";
 * first {"message": "StartRecognition", audio_format {raw, pcm_s16le,
 * sample_rate}, transcription_config {language, enable_partials,
 * max_delay, conversation_config {end_of_utterance_silence_trigger},
 * additional_vocab}}, audio only once RecognitionStarted came (as the
 * API requires), each binary message acknowledged by AudioAdded;
 * {"message": "EndOfStream", "last_seq_no": N} at the end, answered by
 * EndOfTranscript. AddPartialTranscript is an interim result,
 * AddTranscript a final one (metadata.transcript, the words' mean
 * confidence), as jambonz normalises them; Error ends the recognition.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_log.h>
#include "base/jsonutil.h"
#include "http/req.h"
#include "speech/sttv.h"

struct sm {
	uint64_t seq; /* audio messages sent */
};

static int sm_prepare(struct fs_stt *s, char **urlp, char **hdrsp)
{
	const char *key = sttv_cred(s, "api_key", NULL);
	char *base = NULL;
	int err;

	if (!key || !sttv_token_ok(key)) {
		fs_warn("stt", "%s: speechmatics: %s", s->sid,
			key ? "the api_key is not a key" : "no api_key");
		return EINVAL;
	}
	s->vst = mem_zalloc(sizeof(struct sm), NULL);
	if (!s->vst)
		return ENOMEM;
	s->rate = 8000;
	err = sttv_base(&base, s, "speechmatics_stt_uri", true,
			"wss://eu2.rt.speechmatics.com");
	if (!err)
		err = re_sdprintf(urlp, "%s/v2", base);
	if (!err)
		err = re_sdprintf(hdrsp, "Authorization: Bearer %s\r\n", key);
	mem_deref(base);
	return err;
}

/* "en-US" -> "en": Speechmatics names languages without the region */
static struct json_object *sm_lang(const struct fs_stt *s)
{
	char l[16];
	size_t i;

	str_ncpy(l, s->lang, sizeof(l));
	for (i = 0; l[i]; i++) {
		if (l[i] == '-' || l[i] == '_') {
			l[i] = '\0';
			break;
		}
		if (l[i] >= 'A' && l[i] <= 'Z')
			l[i] = (char)(l[i] - 'A' + 'a');
	}
	return json_object_new_string(l);
}

static int sm_opened(struct fs_stt *s)
{
	struct json_object *m = json_object_new_object();
	struct json_object *af = json_object_new_object();
	struct json_object *tc = NULL, *cc, *hints, *o;

	if (!m || !af) {
		json_object_put(m);
		json_object_put(af);
		return ENOMEM;
	}
	/* speechmaticsOptions.transcription_config, then ours under it */
	o = sttv_opt(s, "speechmaticsOptions", "transcription_config");
	if (o && json_object_is_type(o, json_type_object))
		(void)json_object_deep_copy(o, &tc, NULL);
	if (!tc)
		tc = json_object_new_object();
	if (!json_object_object_get_ex(tc, "language", NULL))
		json_object_object_add(tc, "language", sm_lang(s));
	json_object_object_add(tc, "enable_partials",
			       json_object_new_boolean(true));
	if (!json_object_object_get_ex(tc, "max_delay", NULL))
		json_object_object_add(tc, "max_delay",
				       json_object_new_double(2.0));
	if (!json_object_object_get_ex(tc, "conversation_config", &cc)) {
		cc = json_object_new_object();
		json_object_object_add(cc, "end_of_utterance_silence_trigger",
				       json_object_new_double(0.5));
		json_object_object_add(tc, "conversation_config", cc);
	}
	hints = sttv_hints(s);
	if (hints) {
		struct json_object *voc = json_object_new_array();

		for (size_t i = 0; voc && i < json_object_array_length(hints);
		     i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(
				e, "content",
				json_object_get(
					json_object_array_get_idx(hints, i)));
			json_object_array_add(voc, e);
		}
		json_object_object_add(tc, "additional_vocab", voc);
		json_object_put(hints);
	}
	json_object_object_add(af, "type", json_object_new_string("raw"));
	json_object_object_add(af, "encoding",
			       json_object_new_string("pcm_s16le"));
	json_object_object_add(af, "sample_rate",
			       json_object_new_int((int)s->rate));
	json_object_object_add(m, "message",
			       json_object_new_string("StartRecognition"));
	json_object_object_add(m, "audio_format", af);
	json_object_object_add(m, "transcription_config", tc);
	return sttv_send_json(s, m);
}

static int sm_audio(struct fs_stt *s, const int16_t *pcm, size_t n)
{
	struct sm *sm = s->vst;
	int err = req_ws_send_bin(s->ws, pcm, n * sizeof(*pcm));

	if (!err)
		sm->seq++;
	return err;
}

static void sm_transcript(struct fs_stt *s, struct json_object *msg,
			  bool final)
{
	struct json_object *res, *meta;
	const char *text = NULL;
	double sum = 0;
	int words = 0;

	if (json_object_object_get_ex(msg, "metadata", &meta))
		text = jsonutil_str(meta, "transcript");
	if (!text) {
		stt_fail(s, EPROTO,
			 "a transcript without metadata.transcript");
		return;
	}
	if (json_object_object_get_ex(msg, "results", &res) &&
	    json_object_is_type(res, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(res); i++) {
			struct json_object *r =
				json_object_array_get_idx(res, i);
			struct json_object *a, *c;

			if (strcmp(jsonutil_str(r, "type")
					   ? jsonutil_str(r, "type")
					   : "",
				   "word") ||
			    !json_object_object_get_ex(r, "alternatives",
						       &a) ||
			    !json_object_object_get_ex(
				    json_object_array_get_idx(a, 0),
				    "confidence", &c))
				continue;
			sum += json_object_get_double(c);
			words++;
		}
	}
	stt_result(s, sttv_evt(s, final, text, words ? sum / words : 0, msg));
}

static void sm_text(struct fs_stt *s, const char *text, size_t len)
{
	struct json_object *msg = json_tokener_parse(text);
	const char *m = jsonutil_str(msg, "message");
	char why[256];

	(void)len;
	if (!msg || !m) {
		json_object_put(msg);
		stt_fail(s, EPROTO,
			 "a message that is not Speechmatics' JSON");
		return;
	}
	if (!strcmp(m, "RecognitionStarted")) {
		json_object_put(msg);
		stt_ready(s);
		return;
	}
	if (!strcmp(m, "AddPartialTranscript"))
		sm_transcript(s, msg, false);
	else if (!strcmp(m, "AddTranscript"))
		sm_transcript(s, msg, true);
	else if (!strcmp(m, "Error")) {
		re_snprintf(why, sizeof(why), "%s: %s",
			    jsonutil_str(msg, "type")
				    ? jsonutil_str(msg, "type")
				    : "error",
			    jsonutil_str(msg, "reason")
				    ? jsonutil_str(msg, "reason")
				    : "");
		json_object_put(msg);
		stt_fail(s, EPROTO, why);
		return;
	} else if (!strcmp(m, "EndOfTranscript")) {
		json_object_put(msg);
		stt_done(s);
		return;
	}
	/* AudioAdded, EndOfUtterance, Info, Warning: nothing to report */
	json_object_put(msg);
}

static int sm_finish(struct fs_stt *s)
{
	struct sm *sm = s->vst;
	struct json_object *m = json_object_new_object();

	if (!m)
		return ENOMEM;
	json_object_object_add(m, "message",
			       json_object_new_string("EndOfStream"));
	json_object_object_add(m, "last_seq_no",
			       json_object_new_int64((int64_t)sm->seq));
	return sttv_send_json(s, m);
}

const struct sttv sttv_speechmatics = {
	.name = "speechmatics",
	.prepare = sm_prepare,
	.opened = sm_opened,
	.text = sm_text,
	.audio = sm_audio,
	.finish = sm_finish,
	.wait_ready = true,
};
