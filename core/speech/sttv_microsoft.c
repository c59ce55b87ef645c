/**
 * @file sttv_microsoft.c  Azure Speech's WebSocket protocol (the one the
 *                         Speech SDK speaks)
 *
 * wss://<region>.stt.speech.microsoft.com/speech/recognition/
 * conversation/cognitiveservices/v1?language=&format=detailed with
 * "Ocp-Apim-Subscription-Key" and "X-ConnectionId". Each message carries
 * text headers: Path, X-RequestId (one per turn, 32 hex digits),
 * X-Timestamp, Content-Type. Text messages are headers, a blank line and
 * a JSON body; audio messages are binary: a 2-byte big-endian length of
 * the headers, the headers, the audio. A turn is speech.config (once a
 * connection), speech.context (the phrase list, the languages to
 * identify), then audio, the first piece a WAV header; an audio message
 * with no audio ends it. The service answers turn.start,
 * speech.startDetected, speech.hypothesis (interim), speech.phrase
 * (final: RecognitionStatus Success, NBest of the detailed format),
 * speech.endDetected and turn.end; a turn that ends while the caller
 * still speaks is followed by a new one, as the SDK's continuous
 * recognition does.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_log.h>
#include "base/jsonutil.h"
#include "http/req.h"
#include "speech/sttv.h"

#define MS_PATH "/speech/recognition/conversation/cognitiveservices/v1"

struct ms {
	char rid[33];   /* this turn's X-RequestId */
	bool wav_sent;  /* the turn's first audio (the WAV header) went */
	bool punct_off; /* recognizer.punctuation false */
};

static void ms_newid(char *id)
{
	for (int i = 0; i < 4; i++)
		re_snprintf(id + i * 8, 9, "%08x", rand_u32());
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void ms_stamp(char *buf, size_t sz)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	re_snprintf(buf, sz, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* The endpoint: the credential's custom_stt_endpoint_url (with
 * use_custom_stt) or the recognizer's azureServiceEndpoint, else the
 * region's; a custom URL with a path is taken whole */
static int ms_url(struct fs_stt *s, struct mbuf *q, char **urlp)
{
	const char *ep = jsonutil_str(s->recog, "azureServiceEndpoint");
	const char *use = sttv_cred(s, "use_custom_stt", "");
	const char *region = sttv_cred(s, "region", NULL);
	char *base = NULL, def[128];
	const char *path = MS_PATH, *p;
	int err;

	if (!ep && (!strcmp(use, "1") || !strcasecmp(use, "true")))
		ep = sttv_cred(s, "custom_stt_endpoint_url", NULL);
	re_snprintf(def, sizeof(def), "wss://%s.stt.speech.microsoft.com",
		    region ? region : "");
	if (ep && !sttv_cred(s, "base_url", NULL)) {
		p = strstr(ep, "://");
		p = strchr(p ? p + 3 : ep, '/');
		if (p && p[1])
			path = "";
		err = re_sdprintf(&base, "%s", ep);
		if (!err && strncmp(base, "ws", 2) && strstr(base, "://") &&
		    strncasecmp(base, "http", 4)) {
			base = mem_deref(base);
			fs_warn("stt",
				"%s: microsoft: the endpoint is not a ws, "
				"wss, http or https URL",
				s->sid);
			err = EINVAL;
		}
		if (!err) {
			char *b2 = NULL;

			/* http(s) to ws(s), as sttv_base() does */
			if (!strncasecmp(base, "https://", 8))
				err = re_sdprintf(&b2, "wss://%s", base + 8);
			else if (!strncasecmp(base, "http://", 7))
				err = re_sdprintf(&b2, "ws://%s", base + 7);
			else if (!strstr(base, "://"))
				err = re_sdprintf(&b2, "wss://%s", base);
			if (b2) {
				mem_deref(base);
				base = b2;
			}
		}
		if (!err && !*path) {
			size_t n = strlen(base);

			while (n && base[n - 1] == '/')
				base[--n] = '\0';
		}
	} else {
		err = sttv_base(&base, s, NULL, true, def);
	}
	if (!err)
		err = re_sdprintf(urlp, "%s%s%s%b", base, path,
				  strchr(path, '?') ||
						  (!*path && strchr(base, '?'))
					  ? "&"
					  : "?",
				  q->buf, q->end);
	mem_deref(base);
	return err;
}

static int ms_prepare(struct fs_stt *s, char **urlp, char **hdrsp)
{
	static const char *const prof[] = {"masked", "removed", "raw"};
	const char *key = sttv_cred(s, "api_key", NULL);
	const char *region = sttv_cred(s, "region", NULL);
	const char *cid = jsonutil_str(s->recog, "azureSttEndpointId");
	const char *use = sttv_cred(s, "use_custom_stt", "");
	const char *po = jsonutil_str(s->recog, "profanityOption");
	struct json_object *v;
	char conn[33];
	struct mbuf *q;
	struct ms *ms;
	int err = 0;

	if (!key || !sttv_token_ok(key)) {
		fs_warn("stt", "%s: microsoft: %s", s->sid,
			key ? "the api_key is not a key" : "no api_key");
		return EINVAL;
	}
	if (!region && !sttv_cred(s, "base_url", NULL) &&
	    !jsonutil_str(s->recog, "azureServiceEndpoint") &&
	    !sttv_cred(s, "custom_stt_endpoint_url", NULL)) {
		fs_warn("stt", "%s: microsoft: no region", s->sid);
		return EINVAL;
	}
	if (region && !sttv_token_ok(region)) {
		fs_warn("stt", "%s: microsoft: the region is not a region",
			s->sid);
		return EINVAL;
	}
	if (!cid && (!strcmp(use, "1") || !strcasecmp(use, "true")))
		cid = sttv_cred(s, "custom_stt_endpoint", NULL);
	ms = mem_zalloc(sizeof(*ms), NULL);
	q = mbuf_alloc(256);
	if (!ms || !q) {
		mem_deref(ms);
		mem_deref(q);
		return ENOMEM;
	}
	s->vst = ms;
	s->rate = 16000;
	v = sttv_rec(s, "punctuation");
	ms->punct_off = v && json_object_is_type(v, json_type_boolean) &&
			!json_object_get_boolean(v);
	ms_newid(ms->rid);
	err |= sttv_q(q, "language", s->lang);
	/* jambonz always asks for the detailed format (NBest, confidence) */
	err |= sttv_q(q, "format", "detailed");
	if (po) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(prof); i++)
			if (!strcasecmp(po, prof[i]))
				break;
		if (i < ARRAY_SIZE(prof))
			err |= sttv_q(q, "profanity", prof[i]);
		else
			fs_info("stt",
				"%s: microsoft: profanityOption is not "
				"masked, removed or raw: ignored",
				s->sid);
	}
	err |= sttv_q(q, "cid", cid);
	err |= sttv_qj(q, "initialSilenceTimeoutMs",
		       sttv_rec(s, "initialSpeechTimeoutMs"));
	err |= sttv_qj(q, "segmentationSilenceTimeoutMs",
		       sttv_opt(s, "azureOptions",
				"speechSegmentationSilenceTimeoutMs"));
	err |= sttv_qj(q, "postprocessing",
		       sttv_opt(s, "azureOptions", "postProcessing"));
	v = sttv_opt(s, "azureOptions", "audioLogging");
	if (v && json_object_get_boolean(v))
		err |= sttv_q(q, "storeAudio", "true");
	if (!err)
		err = ms_url(s, q, urlp);
	ms_newid(conn);
	if (!err)
		err = re_sdprintf(hdrsp,
				  "Ocp-Apim-Subscription-Key: %s\r\n"
				  "X-ConnectionId: %s\r\n",
				  key, conn);
	mem_deref(q);
	return err;
}

static int ms_send_text(struct fs_stt *s, const char *path,
			struct json_object *body)
{
	struct ms *ms = s->vst;
	char ts[40], *msg = NULL;
	int err;

	if (!body)
		return ENOMEM;
	ms_stamp(ts, sizeof(ts));
	err = re_sdprintf(
		&msg,
		"Path: %s\r\nX-RequestId: %s\r\nX-Timestamp: %s\r\n"
		"Content-Type: application/json\r\n\r\n%s",
		path, ms->rid, ts,
		json_object_to_json_string_ext(
			body, JSON_C_TO_STRING_PLAIN |
				      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(body);
	if (!err)
		err = req_ws_send(s->ws, msg);
	mem_deref(msg);
	return err;
}

/* The phrase list and the languages to identify among (altLanguages) */
static int ms_context(struct fs_stt *s)
{
	struct json_object *ctx = json_object_new_object();
	struct json_object *hints = sttv_hints(s);
	struct json_object *alt = sttv_rec(s, "altLanguages");

	if (!ctx) {
		json_object_put(hints);
		return ENOMEM;
	}
	if (hints) {
		struct json_object *dgi = json_object_new_object();
		struct json_object *groups = json_object_new_array();
		struct json_object *g = json_object_new_object();
		struct json_object *items = json_object_new_array();

		for (size_t i = 0; i < json_object_array_length(hints); i++) {
			struct json_object *it = json_object_new_object();

			json_object_object_add(
				it, "Text",
				json_object_get(
					json_object_array_get_idx(hints, i)));
			json_object_array_add(items, it);
		}
		json_object_object_add(g, "Type",
				       json_object_new_string("Generic"));
		json_object_object_add(g, "Items", items);
		json_object_array_add(groups, g);
		json_object_object_add(dgi, "Groups", groups);
		json_object_object_add(ctx, "dgi", dgi);
		json_object_put(hints);
	}
	if (alt && json_object_is_type(alt, json_type_array) &&
	    json_object_array_length(alt)) {
		struct json_object *lid = json_object_new_object();
		struct json_object *langs = json_object_new_array();
		struct json_object *ok = json_object_new_object();

		json_object_array_add(langs, json_object_new_string(s->lang));
		for (size_t i = 0; i < json_object_array_length(alt); i++) {
			const char *l = json_object_get_string(
				json_object_array_get_idx(alt, i));

			if (l && *l && strcasecmp(l, s->lang))
				json_object_array_add(
					langs, json_object_new_string(l));
		}
		json_object_object_add(lid, "languages", langs);
		json_object_object_add(ok, "action",
				       json_object_new_string("Recognize"));
		json_object_object_add(lid, "onSuccess", ok);
		json_object_object_add(
			lid, "mode",
			json_object_new_string(
				jsonutil_str(sttv_rec(s, "azureOptions"),
					     "languageIdMode")
					? jsonutil_str(
						  sttv_rec(s, "azureOptions"),
						  "languageIdMode")
					: "DetectAtAudioStart"));
		json_object_object_add(ctx, "languageId", lid);
	}
	return ms_send_text(s, "speech.context", ctx);
}

static int ms_opened(struct fs_stt *s)
{
	struct json_object *cfg = json_tokener_parse(
		"{\"context\":{\"system\":{\"name\":\"feature-server\","
		"\"version\":\"1\",\"build\":\"C\",\"lang\":\"C\"},"
		"\"os\":{\"platform\":\"Linux\",\"name\":\"Linux\","
		"\"version\":\"1\"},\"audio\":{\"source\":{\"bitspersample\":"
		"16,\"channelcount\":1,\"connectivity\":\"Unknown\","
		"\"manufacturer\":\"SIP\",\"model\":\"call\","
		"\"samplerate\":16000,\"type\":\"Stream\"}}},"
		"\"recognition\":\"conversation\"}");
	int err = ms_send_text(s, "speech.config", cfg);

	return err ? err : ms_context(s);
}

/* One audio message: the headers' length, the headers, the audio */
static int ms_audio(struct fs_stt *s, const int16_t *pcm, size_t n)
{
	struct ms *ms = s->vst;
	struct mbuf *mb = mbuf_alloc(64 + 44 + n * 2);
	char ts[40], hdr[256];
	int err, hl;

	if (!mb)
		return ENOMEM;
	ms_stamp(ts, sizeof(ts));
	hl = re_snprintf(
		hdr, sizeof(hdr),
		"Path: audio\r\nX-RequestId: %s\r\nX-Timestamp: %s\r\n"
		"%s",
		ms->rid, ts,
		ms->wav_sent ? "" : "Content-Type: audio/x-wav\r\n");
	err = mbuf_write_u16(mb, htons((uint16_t)hl));
	err |= mbuf_write_mem(mb, (uint8_t *)hdr, (size_t)hl);
	if (!ms->wav_sent && pcm) {
		/* a WAV header of unknown length, as the SDK streams it */
		uint8_t wav[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\1\0\1\0";

		le32(wav + 24, s->rate);
		le32(wav + 28, s->rate * 2);
		wav[32] = 2;
		wav[34] = 16;
		memcpy(wav + 36, "data", 4);
		err |= mbuf_write_mem(mb, wav, sizeof(wav));
		ms->wav_sent = true;
	}
	if (pcm && n)
		err |= mbuf_write_mem(mb, (const uint8_t *)pcm, n * 2);
	if (!err)
		err = req_ws_send_bin(s->ws, mb->buf, mb->end);
	mem_deref(mb);
	return err;
}

/* Punctuation taken out (recognizer.punctuation false), as jambonz
 * does: ASCII punctuation only */
static void ms_strip(char *t)
{
	char *w = t;

	for (; *t; t++)
		if (!strchr(".,?!;:\"", *t))
			*w++ = *t;
	*w = '\0';
}

static void ms_result(struct fs_stt *s, struct json_object *body, bool final)
{
	struct ms *ms = s->vst;
	struct json_object *nb, *first = NULL, *v, *evt;
	const char *text;
	double conf = 0;
	char *t = NULL;

	if (final) {
		const char *st = jsonutil_str(body, "RecognitionStatus");

		if (!st) {
			stt_fail(s, EPROTO,
				 "a speech.phrase without "
				 "RecognitionStatus");
			return;
		}
		/* NoMatch, InitialSilenceTimeout, BabbleTimeout,
		 * EndOfDictation: no result */
		if (strcmp(st, "Success"))
			return;
	}
	if (json_object_object_get_ex(body, "NBest", &nb) &&
	    json_object_is_type(nb, json_type_array))
		first = json_object_array_get_idx(nb, 0);
	text = first ? jsonutil_str(first, "Display") : NULL;
	if (first && json_object_object_get_ex(first, "Confidence", &v))
		conf = json_object_get_double(v);
	if (!text)
		text = jsonutil_str(body, "DisplayText");
	if (!text)
		text = jsonutil_str(body, "Text");
	if (!text) {
		stt_fail(s, EPROTO,
			 final ? "a speech.phrase without text"
			       : "a speech.hypothesis without Text");
		return;
	}
	if (str_dup(&t, text))
		return;
	if (ms->punct_off)
		ms_strip(t);
	evt = sttv_evt(s, final, t, conf, body);
	mem_deref(t);
	/* language identification: the language it heard */
	if (evt && json_object_object_get_ex(body, "PrimaryLanguage", &v) &&
	    jsonutil_str(v, "Language"))
		json_object_object_add(
			evt, "language_code",
			json_object_new_string(jsonutil_str(v, "Language")));
	stt_result(s, evt);
}

/* A turn ended while the stream goes on: the next one */
static void ms_next_turn(struct fs_stt *s)
{
	struct ms *ms = s->vst;

	ms_newid(ms->rid);
	ms->wav_sent = false;
	if (ms_context(s))
		stt_fail(s, EPIPE, "could not start the next turn");
}

static void ms_text(struct fs_stt *s, const char *text, size_t len)
{
	struct ms *ms = s->vst;
	const char *sep = strstr(text, "\r\n\r\n"), *l;
	char path[64] = "", rid[64] = "";
	struct json_object *body;

	if (!sep) {
		stt_fail(s, EPROTO,
			 "a message that is not Azure Speech's "
			 "(no headers)");
		return;
	}
	for (l = text; l < sep;) {
		const char *e = strstr(l, "\r\n"), *c = memchr(l, ':', e - l);

		if (c) {
			const char *v = c + 1;

			while (*v == ' ')
				v++;
			if (c - l == 4 && !strncasecmp(l, "Path", 4))
				re_snprintf(path, sizeof(path), "%b", v,
					    (size_t)(e - v));
			else if (c - l == 11 &&
				 !strncasecmp(l, "X-RequestId", 11))
				re_snprintf(rid, sizeof(rid), "%b", v,
					    (size_t)(e - v));
		}
		l = e + 2;
	}
	(void)len;
	if (!*path) {
		stt_fail(s, EPROTO, "a message without Path");
		return;
	}
	/* a former turn's late words */
	if (*rid && strcasecmp(rid, ms->rid))
		return;
	body = json_tokener_parse(sep + 4);
	if (!body || !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		stt_fail(s, EPROTO, "a message whose body is not JSON");
		return;
	}
	if (!strcasecmp(path, "speech.hypothesis"))
		ms_result(s, body, false);
	else if (!strcasecmp(path, "speech.phrase"))
		ms_result(s, body, true);
	else if (!strcasecmp(path, "turn.end")) {
		json_object_put(body);
		if (s->finishing)
			stt_done(s);
		else
			ms_next_turn(s);
		return;
	}
	/* turn.start, speech.startDetected, speech.endDetected */
	json_object_put(body);
}

static int ms_finish(struct fs_stt *s)
{
	return ms_audio(s, NULL, 0);
}

/* The service ends a turn that gets no audio: while paused, 100 ms of
 * silence now and then */
static int ms_keepalive(struct fs_stt *s)
{
	static const int16_t quiet[1600];

	return ms_audio(s, quiet, s->rate / 10 <= 1600 ? s->rate / 10 : 1600);
}

const struct sttv sttv_microsoft = {
	.name = "microsoft",
	.prepare = ms_prepare,
	.opened = ms_opened,
	.text = ms_text,
	.audio = ms_audio,
	.finish = ms_finish,
	.keepalive = ms_keepalive,
	.keepalive_ms = 5000,
};
