/**
 * @file sttv_assemblyai.c  AssemblyAI's Universal Streaming API (v3)
 *
 * wss://streaming.assemblyai.com/v3/ws?sample_rate=8000
 * &encoding=pcm_s16le&format_turns=true (plus keyterms_prompt from the
 * hints and assemblyAiOptions' turn settings) with "Authorization:
 * <key>"; binary audio of 50 to 1000 ms a message (the API refuses
 * shorter ones: 100 ms are sent at a time); {"type": "Terminate"} at the
 * end, answered by Termination. A Turn is a result, final at
 * end_of_turn, its confidence end_of_turn_confidence, as jambonz
 * normalises v3; Begin and Termination are not results.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_log.h>
#include "base/jsonutil.h"
#include "speech/sttv.h"

static int aai_prepare(struct fs_stt *s, char **urlp, char **hdrsp)
{
	static const struct {
		const char *opt, *param;
	} map[] = {
		{"endOfTurnConfidenceThreshold",
		 "end_of_turn_confidence_threshold"},
		{"minEndOfTurnSilenceWhenConfident",
		 "min_end_of_turn_silence_when_confident"},
		{"maxTurnSilence", "max_turn_silence"},
		{"speechModel", "speech_model"},
	};
	const char *key = sttv_cred(s, "api_key", NULL);
	struct json_object *hints;
	char *base = NULL;
	struct mbuf *q;
	int err = 0;

	if (!key || !sttv_token_ok(key)) {
		fs_warn("stt", "%s: assemblyai: %s", s->sid,
			key ? "the api_key is not a key" : "no api_key");
		return EINVAL;
	}
	q = mbuf_alloc(256);
	if (!q)
		return ENOMEM;
	s->rate = 8000;
	err |= sttv_q(q, "sample_rate", "8000");
	err |= sttv_q(q, "encoding", "pcm_s16le");
	err |= sttv_q(q, "format_turns", "true");
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		err |= sttv_qj(q, map[i].param,
			       sttv_opt(s, "assemblyAiOptions", map[i].opt));
	hints = sttv_hints(s);
	if (hints)
		err |= sttv_q(q, "keyterms_prompt",
			      json_object_to_json_string_ext(
				      hints, JSON_C_TO_STRING_PLAIN));
	json_object_put(hints);
	if (!err)
		err = sttv_base(&base, s, NULL, true,
				"wss://streaming.assemblyai.com");
	if (!err)
		err = re_sdprintf(urlp, "%s/v3/ws?%b", base, q->buf, q->end);
	if (!err)
		err = re_sdprintf(hdrsp, "Authorization: %s\r\n", key);
	mem_deref(base);
	mem_deref(q);
	return err;
}

static void aai_text(struct fs_stt *s, const char *text, size_t len)
{
	struct json_object *msg = json_tokener_parse(text), *v;
	const char *type = jsonutil_str(msg, "type");
	struct json_object *evt;
	double conf = 0;
	bool final;

	(void)len;
	/* errors come as {"error": "..."} */
	if (jsonutil_str(msg, "error")) {
		char why[256];

		str_ncpy(why, jsonutil_str(msg, "error"), sizeof(why));
		json_object_put(msg);
		stt_fail(s, EPROTO, why);
		return;
	}
	if (!msg || !type) {
		json_object_put(msg);
		stt_fail(s, EPROTO, "a message that is not AssemblyAI's JSON");
		return;
	}
	if (!strcmp(type, "Termination")) {
		json_object_put(msg);
		stt_done(s);
		return;
	}
	if (strcmp(type, "Turn") || !jsonutil_str(msg, "transcript")) {
		json_object_put(msg); /* Begin and the rest */
		return;
	}
	final = json_object_object_get_ex(msg, "end_of_turn", &v) &&
		json_object_get_boolean(v);
	if (json_object_object_get_ex(msg, "end_of_turn_confidence", &v))
		conf = json_object_get_double(v);
	evt = sttv_evt(s, final, jsonutil_str(msg, "transcript"), conf, msg);
	json_object_put(msg);
	stt_result(s, evt);
}

static int aai_finish(struct fs_stt *s)
{
	return sttv_send_json(s,
			      json_tokener_parse("{\"type\":\"Terminate\"}"));
}

const struct sttv sttv_assemblyai = {
	.name = "assemblyai",
	.prepare = aai_prepare,
	.text = aai_text,
	.finish = aai_finish,
	.chunk_ms = 100,
};
