/**
 * @file sttv_aws.c  Amazon Transcribe's streaming API over WebSocket
 *
 * wss://transcribestreaming.<region>.amazonaws.com:8443/
 * stream-transcription-websocket?language-code=&media-encoding=pcm
 * &sample-rate=8000, presigned (SigV4 query authorization for the
 * service "transcribe", valid 300 s); no headers. Both ways binary
 * event-stream messages (evstream.h): AudioEvent out (":message-type"
 * event, ":event-type" AudioEvent, ":content-type"
 * application/octet-stream, raw L16), an empty one ending the stream;
 * TranscriptEvent in (JSON: Transcript.Results[{IsPartial,
 * Alternatives[{Transcript, Items}]}]), or an exception
 * (":exception-type", {"Message"}). The result's confidence is the mean
 * of the pronunciation items', as jambonz normalises it.
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
#include "http/sigv4.h"
#include "speech/evstream.h"
#include "speech/sttv.h"

#define AWS_EXPIRES 300

/* The recognizer's awsOptions field, else the credential's (jambonz's
 * credential and option names) */
static const char *aws_field(const struct fs_stt *s, const char *opt,
			     const char *k1, const char *k2)
{
	const char *v = json_object_get_string(sttv_opt(s, "awsOptions", opt));

	if (v && *v)
		return v;
	return sttv_cred(s, k1, k2 ? sttv_cred(s, k2, NULL) : NULL);
}

static bool aws_region_ok(const char *r)
{
	if (!r || !*r || strlen(r) > 32)
		return false;
	for (; *r; r++)
		if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') ||
		      *r == '-'))
			return false;
	return true;
}

static int aws_qs(struct mbuf *q, const char *key, const char *value)
{
	if (!value || !*value)
		return 0;
	return mbuf_printf(q, "%s%s=%H", q->end ? "&" : "", key, sigv4_enc,
			   value);
}

/* Transcribe's query: the language (or the languages to identify
 * among, altLanguages), the audio, awsOptions as jambonz maps them */
static int aws_query(struct fs_stt *s, struct mbuf *q)
{
	struct json_object *alt = sttv_rec(s, "altLanguages"), *v;
	const char *ao = "awsOptions";
	int err = 0;

	if (alt && json_object_is_type(alt, json_type_array) &&
	    json_object_array_length(alt)) {
		struct mbuf *l = mbuf_alloc(64);

		if (!l)
			return ENOMEM;
		err |= mbuf_printf(l, "%s", s->lang);
		for (size_t i = 0; i < json_object_array_length(alt); i++) {
			const char *a = json_object_get_string(
				json_object_array_get_idx(alt, i));

			if (a && *a && strcasecmp(a, s->lang))
				err |= mbuf_printf(l, ",%s", a);
		}
		err |= mbuf_write_u8(l, 0);
		err |= aws_qs(q, "identify-language", "true");
		err |= aws_qs(q, "language-options", (char *)l->buf);
		err |= aws_qs(q, "preferred-language", s->lang);
		mem_deref(l);
	} else {
		err |= aws_qs(q, "language-code", s->lang);
	}
	err |= aws_qs(q, "media-encoding", "pcm");
	err |= aws_qs(q, "sample-rate", "8000");
	v = sttv_opt(s, ao, "vocabularyName");
	err |= aws_qs(
		q, "vocabulary-name",
		json_object_get_string(v ? v : sttv_rec(s, "vocabularyName")));
	v = sttv_opt(s, ao, "vocabularyFilterName");
	err |= aws_qs(q, "vocabulary-filter-name",
		      json_object_get_string(
			      v ? v : sttv_rec(s, "vocabularyFilterName")));
	v = sttv_opt(s, ao, "vocabularyFilterMethod");
	err |= aws_qs(
		q, "vocabulary-filter-method",
		json_object_get_string(v ? v : sttv_rec(s, "filterMethod")));
	err |= aws_qs(
		q, "language-model-name",
		json_object_get_string(sttv_opt(s, ao, "languageModelName")));
	v = sttv_opt(s, ao, "piiEntityTypes");
	if (v && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v)) {
		struct mbuf *t = mbuf_alloc(64);

		if (!t)
			return ENOMEM;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			err |= mbuf_printf(
				t, "%s%s", i ? "," : "",
				json_object_get_string(
					json_object_array_get_idx(v, i)));
		err |= mbuf_write_u8(t, 0);
		err |= aws_qs(q, "pii-entity-types", (char *)t->buf);
		mem_deref(t);
	}
	v = sttv_opt(s, ao, "piiIdentifyEntities");
	if (v && json_object_get_boolean(v))
		err |= aws_qs(q, "content-identification-type", "PII");
	return err;
}

/* The host of a ws(s)://host[:port] base, without the port */
static int aws_host(char *host, size_t sz, const char *base)
{
	const char *h = strstr(base, "://");
	size_t n;

	h = h ? h + 3 : base;
	if (*h == '[')
		n = strcspn(h, "]") + 1;
	else
		n = strcspn(h, ":/?");
	if (!n || n >= sz)
		return EINVAL;
	str_ncpy(host, h, n + 1);
	return 0;
}

static int aws_prepare(struct fs_stt *s, char **urlp, char **hdrsp)
{
	const char *id =
		aws_field(s, "accessKey", "access_key_id", "accessKeyId");
	const char *secret = aws_field(s, "secretKey", "secret_access_key",
				       "secretAccessKey");
	const char *region = aws_field(s, "region", "aws_region", "region");
	const char *token =
		aws_field(s, "sessionToken", "session_token", "sessionToken");
	char def[128], host[256], *base = NULL, *url = NULL;
	struct mbuf *q;
	int err;

	(void)hdrsp;
	if (!token)
		token = aws_field(s, "securityToken", "security_token",
				  "securityToken");
	if (!id || !secret || !region) {
		fs_warn("stt",
			"%s: aws: the credential needs access_key_id, "
			"secret_access_key and aws_region",
			s->sid);
		return EINVAL;
	}
	if (!sttv_token_ok(id) || !aws_region_ok(region) ||
	    (token && !sttv_token_ok(token))) {
		fs_warn("stt",
			"%s: aws: the access key, region or token is "
			"not one",
			s->sid);
		return EINVAL;
	}
	q = mbuf_alloc(256);
	if (!q)
		return ENOMEM;
	s->rate = 8000;
	re_snprintf(def, sizeof(def),
		    "wss://transcribestreaming.%s.amazonaws.com:8443", region);
	err = sttv_base(&base, s, NULL, true, def);
	if (!err)
		err = aws_query(s, q);
	if (!err)
		err = re_sdprintf(&url, "%s/stream-transcription-websocket?%b",
				  base, q->buf, q->end);
	/* the WebSocket client (libre) sends Host without the port, and
	 * the service checks the signature against the Host it got */
	if (!err)
		err = aws_host(host, sizeof(host), base);
	if (!err) {
		struct sigv4_req r = {
			.method = "GET",
			.url = url,
			.region = region,
			.service = "transcribe",
			.key_id = id,
			.secret = secret,
			.token = token,
			.now = time(NULL),
			.expires = AWS_EXPIRES,
			.host = host,
		};

		err = sigv4_presign(urlp, &r);
	}
	mem_deref(url);
	mem_deref(base);
	mem_deref(q);
	return err;
}

static int aws_event(struct fs_stt *s, const int16_t *pcm, size_t n)
{
	static const char *const names[] = {":content-type", ":event-type",
					    ":message-type"};
	static const char *const values[] = {"application/octet-stream",
					     "AudioEvent", "event"};
	struct mbuf *mb = mbuf_alloc(64 + n * 2);
	int err;

	if (!mb)
		return ENOMEM;
	err = evs_encode(mb, names, values, ARRAY_SIZE(names),
			 (const uint8_t *)pcm, n * 2);
	if (!err)
		err = req_ws_send_bin(s->ws, mb->buf, mb->end);
	mem_deref(mb);
	return err;
}

/* A payload's JSON object, or NULL */
static struct json_object *aws_json(const struct evs_msg *m)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, (const char *)m->payload, (int)m->len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  tok->char_offset != (int)m->len ||
		  !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The mean confidence of the pronunciation items, as jambonz takes it */
static double aws_conf(struct json_object *alt)
{
	struct json_object *items, *v;
	double sum = 0;
	int n = 0;

	if (!json_object_object_get_ex(alt, "Items", &items) ||
	    !json_object_is_type(items, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		const char *t = jsonutil_str(it, "Type");

		if (t && !strcmp(t, "pronunciation") &&
		    json_object_object_get_ex(it, "Confidence", &v)) {
			sum += json_object_get_double(v);
			n++;
		}
	}
	return n ? sum / n : 0;
}

static void aws_transcript(struct fs_stt *s, struct json_object *msg)
{
	struct json_object *tr, *res, *r0, *alts, *a0, *v, *evt;
	const char *text;
	bool final;

	if (!json_object_object_get_ex(msg, "Transcript", &tr) ||
	    !json_object_object_get_ex(tr, "Results", &res) ||
	    !json_object_is_type(res, json_type_array)) {
		stt_fail(s, EPROTO,
			 "a TranscriptEvent without "
			 "Transcript.Results");
		return;
	}
	/* the service sends empty results while it listens */
	r0 = json_object_array_get_idx(res, 0);
	if (!r0)
		return;
	if (!json_object_object_get_ex(r0, "Alternatives", &alts) ||
	    !(a0 = json_object_array_get_idx(alts, 0)) ||
	    !(text = jsonutil_str(a0, "Transcript"))) {
		stt_fail(s, EPROTO, "a result without Alternatives");
		return;
	}
	final = json_object_object_get_ex(r0, "IsPartial", &v) &&
		json_object_is_type(v, json_type_boolean) &&
		!json_object_get_boolean(v);
	evt = sttv_evt(s, final, text, aws_conf(a0), msg);
	/* language identification: the language it heard */
	if (evt && jsonutil_str(r0, "LanguageCode"))
		json_object_object_add(evt, "language_code",
				       json_object_new_string(jsonutil_str(
					       r0, "LanguageCode")));
	stt_result(s, evt);
}

static void aws_bin(struct fs_stt *s, const uint8_t *data, size_t len)
{
	const struct pl *mt, *et;
	struct json_object *msg;
	struct evs_msg m;
	char why[256];
	int err;

	err = evs_decode(&m, data, len);
	if (err) {
		stt_fail(s, EPROTO,
			 err == EILSEQ ? "an event-stream message whose CRC "
					 "does not match"
				       : "a malformed event-stream message");
		return;
	}
	mt = evs_str(&m, ":message-type");
	msg = aws_json(&m);
	if (mt && !pl_strcmp(mt, "exception")) {
		et = evs_str(&m, ":exception-type");
		re_snprintf(why, sizeof(why), "%r: %s", et ? et : &pl_null,
			    jsonutil_str(msg, "Message")
				    ? jsonutil_str(msg, "Message")
				    : "");
		json_object_put(msg);
		stt_fail(s, EPROTO, why);
		return;
	}
	et = evs_str(&m, ":event-type");
	if (!mt || pl_strcmp(mt, "event") || !et || !msg) {
		json_object_put(msg);
		stt_fail(s, EPROTO,
			 "an event-stream message that is not "
			 "an event of JSON");
		return;
	}
	if (!pl_strcmp(et, "TranscriptEvent"))
		aws_transcript(s, msg);
	json_object_put(msg);
}

static void aws_text(struct fs_stt *s, const char *text, size_t len)
{
	(void)text;
	(void)len;
	stt_fail(s, EPROTO, "a text message (the API's are binary)");
}

static int aws_finish(struct fs_stt *s)
{
	return aws_event(s, NULL, 0);
}

/* The service ends a stream after 15 s without audio: while paused,
 * 100 ms of silence now and then */
static int aws_keepalive(struct fs_stt *s)
{
	static const int16_t quiet[800];

	return aws_event(s, quiet, s->rate / 10 <= 800 ? s->rate / 10 : 800);
}

const struct sttv sttv_aws = {
	.name = "aws",
	.prepare = aws_prepare,
	.text = aws_text,
	.bin = aws_bin,
	.audio = aws_event,
	.finish = aws_finish,
	.keepalive = aws_keepalive,
	.keepalive_ms = 5000,
	.chunk_ms = 100,
};
