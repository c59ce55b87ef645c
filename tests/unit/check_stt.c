/**
 * @file check_stt.c  Speech recognition: the vendors' table, URLs and
 *                    headers as each vendor wants them, hostile keys,
 *                    and each vendor's messages to the jambonz shape
 */
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "speech/evstream.h"
#include "speech/stt.h"
#include "speech/sttv.h"

struct got {
	int n, errs, err;
	struct json_object *last;
};

static void got_h(int err, const struct json_object *evt, void *arg)
{
	struct got *g = arg;

	if (err) {
		g->errs++;
		g->err = err;
	} else {
		g->n++;
	}
	json_object_put(g->last);
	g->last = evt ? json_object_get((struct json_object *)evt) : NULL;
}

/* A recognition as stt_start() makes it, without a socket: the test
 * holds one reference besides the owner's the end drops */
static struct fs_stt *mk(const char *vendor, const char *recog,
			 const char *cred, struct got *g)
{
	struct fs_stt *s = mem_zalloc(sizeof(*s), NULL);

	ck_assert_ptr_nonnull(s);
	s->v = sttv_find(vendor);
	ck_assert_ptr_nonnull(s->v);
	s->recog = json_tokener_parse(recog);
	s->cred = json_tokener_parse(cred);
	ck_assert_ptr_nonnull(s->recog);
	ck_assert_ptr_nonnull(s->cred);
	ck_assert_int_eq(str_dup(&s->vendor, vendor), 0);
	ck_assert_int_eq(str_dup(&s->lang, "en-US"), 0);
	str_ncpy(s->vlog, vendor, sizeof(s->vlog));
	str_ncpy(s->sid, "sid-1", sizeof(s->sid));
	s->h = got_h;
	s->arg = g;
	return mem_ref(s);
}

static void rm(struct fs_stt *s, struct got *g)
{
	json_object_put(s->recog);
	json_object_put(s->cred);
	mem_deref(s->vendor);
	mem_deref(s->lang);
	mem_deref(s->vst);
	if (!s->ended)
		mem_deref(s); /* the owner's */
	mem_deref(s);
	json_object_put(g->last);
}

static const char *alt0(const struct json_object *evt, double *conf)
{
	struct json_object *a, *v;

	a = json_object_array_get_idx(
		json_object_object_get(evt, "alternatives"), 0);
	if (conf && json_object_object_get_ex(a, "confidence", &v))
		*conf = json_object_get_double(v);
	return json_object_get_string(json_object_object_get(a, "transcript"));
}

START_TEST(find_vendors)
{
	ck_assert_ptr_eq(sttv_find("deepgram"), &sttv_deepgram);
	ck_assert_ptr_eq(sttv_find("Deepgram"), &sttv_deepgram);
	ck_assert_ptr_eq(sttv_find("custom:acme"), &sttv_custom);
	ck_assert_ptr_null(sttv_find("custom:"));
	ck_assert_ptr_null(sttv_find("deepgramx"));
	ck_assert_ptr_null(sttv_find("google"));
	ck_assert_ptr_null(sttv_find(NULL));
	ck_assert(!stt_known("default"));
}
END_TEST

START_TEST(tokens)
{
	ck_assert(sttv_token_ok("abc123-_.~"));
	ck_assert(!sttv_token_ok(""));
	ck_assert(!sttv_token_ok("a b"));
	ck_assert(!sttv_token_ok("a\r\nX-Evil: 1"));
	ck_assert(!sttv_token_ok("a,b"));
	ck_assert(!sttv_token_ok("caf\xc3\xa9"));
}
END_TEST

START_TEST(deepgram_url)
{
	struct got g = {0};
	struct fs_stt *s = mk(
		"deepgram",
		"{\"language\":\"en-GB\",\"hints\":[\"a b\",{\"phrase\":"
		"\"c\"}],\"hintsBoost\":7,\"punctuation\":true,"
		"\"deepgramOptions\":{\"endpointing\":300,\"smartFormatting\":"
		"true,\"tag\":\"x&y\"}}",
		"{\"api_key\":\"k1\",\"base_url\":\"http://127.0.0.1:9/\"}",
		&g);
	char *url = NULL, *hdrs = NULL;

	mem_deref(s->lang);
	ck_assert_int_eq(str_dup(&s->lang, "en-GB"), 0);
	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_str_eq(hdrs, "Authorization: Token k1\r\n");
	ck_assert_ptr_nonnull(strstr(url, "ws://127.0.0.1:9/v1/listen?"));
	ck_assert_ptr_nonnull(strstr(url, "model=nova-2"));
	ck_assert_ptr_nonnull(strstr(url, "language=en-GB"));
	ck_assert_ptr_nonnull(strstr(url, "encoding=linear16"));
	ck_assert_ptr_nonnull(strstr(url, "sample_rate=8000"));
	ck_assert_ptr_nonnull(strstr(url, "interim_results=true"));
	ck_assert_ptr_nonnull(strstr(url, "punctuate=true"));
	ck_assert_ptr_nonnull(strstr(url, "endpointing=300"));
	ck_assert_ptr_nonnull(strstr(url, "smart_format=true"));
	ck_assert_ptr_nonnull(strstr(url, "tag=x%26y"));
	ck_assert_ptr_nonnull(strstr(url, "keywords=a%20b%3A7"));
	ck_assert_ptr_nonnull(strstr(url, "keywords=c%3A7"));
	ck_assert_uint_eq(s->rate, 8000);
	mem_deref(url);
	mem_deref(hdrs);
	rm(s, &g);
}
END_TEST

START_TEST(deepgram_onprem)
{
	struct got g = {0};
	struct fs_stt *s = mk("deepgram",
			      "{\"model\":\"nova-3\",\"hints\":"
			      "[\"x\"],\"hintsBoost\":3}",
			      "{\"deepgram_stt_uri\":\"dg.local:8080\","
			      "\"deepgram_stt_use_tls\":\"false\"}",
			      &g);
	char *url = NULL, *hdrs = NULL;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_ptr_null(hdrs); /* no key: no authorization */
	ck_assert_ptr_nonnull(strstr(url, "ws://dg.local:8080/v1/listen?"));
	ck_assert_ptr_nonnull(strstr(url, "model=nova-3"));
	ck_assert_ptr_nonnull(strstr(url, "keyterm=x"));
	ck_assert_ptr_null(strstr(url, "keyterm=x%3A")); /* no boost */
	mem_deref(url);
	rm(s, &g);
}
END_TEST

START_TEST(deepgram_hostile_key)
{
	struct got g = {0};
	struct fs_stt *s =
		mk("deepgram", "{}", "{\"api_key\":\"k\\r\\nX-Evil: 1\"}", &g);
	char *url = NULL, *hdrs = NULL;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), EINVAL);
	ck_assert_ptr_null(url);
	ck_assert_ptr_null(hdrs);
	rm(s, &g);
}
END_TEST

static void dg(struct fs_stt *s, const char *text, bool fin, bool sfin,
	       double conf)
{
	char m[512];

	re_snprintf(
		m, sizeof(m),
		"{\"type\":\"Results\",\"is_final\":%s,\"speech_final\":%s,"
		"\"channel\":{\"alternatives\":[{\"transcript\":\"%s\","
		"\"confidence\":%f}]}}",
		fin ? "true" : "false", sfin ? "true" : "false", text, conf);
	s->v->text(s, m, strlen(m));
}

START_TEST(deepgram_results)
{
	struct got g = {0};
	struct fs_stt *s = mk("deepgram", "{}", "{\"api_key\":\"k\"}", &g);
	char *url = NULL, *hdrs = NULL;
	struct json_object *v;
	double conf = 0;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	dg(s, "i would", false, false, 0.8);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(alt0(g.last, NULL), "i would");
	ck_assert(!json_object_get_boolean(
		json_object_object_get(g.last, "is_final")));
	/* a final segment, not the end of speech: kept, reported interim */
	dg(s, "i would like", true, false, 0.7);
	ck_assert_int_eq(g.n, 2);
	ck_assert(!json_object_get_boolean(
		json_object_object_get(g.last, "is_final")));
	dg(s, "a table", true, true, 0.9);
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(alt0(g.last, &conf), "i would like a table");
	ck_assert(conf > 0.69 && conf < 0.71); /* the lowest */
	ck_assert(json_object_get_boolean(
		json_object_object_get(g.last, "is_final")));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 g.last, "language_code")),
			 "en-US");
	ck_assert(json_object_object_get_ex(g.last, "vendor", &v));
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(v, "name")),
		"deepgram");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 json_object_object_get(v, "evt"), "type")),
			 "Results");
	/* the next utterance starts afresh */
	dg(s, "two", true, true, 0.95);
	ck_assert_str_eq(alt0(g.last, NULL), "two");
	/* Metadata is no result */
	s->v->text(s, "{\"type\":\"Metadata\"}", 19);
	ck_assert_int_eq(g.n, 4);
	ck_assert_int_eq(g.errs, 0);
	/* garbage ends it */
	s->v->text(s, "{\"type\": \"Resu", 14);
	ck_assert_int_eq(g.errs, 1);
	ck_assert_int_eq(g.err, EPROTO);
	ck_assert_ptr_nonnull(json_object_object_get(g.last, "error"));
	ck_assert(s->ended);
	mem_deref(url);
	mem_deref(hdrs);
	rm(s, &g);
}
END_TEST

START_TEST(custom_url_and_messages)
{
	struct got g = {0};
	struct fs_stt *s =
		mk("custom:acme", "{\"customOptions\":{\"sampleRate\":16000}}",
		   "{\"auth_token\":\"t1\",\"custom_stt_url\":"
		   "\"wss://stt.example.com/path/x?y=1\",\"base_url\":"
		   "\"http://127.0.0.1:9\"}",
		   &g);
	char *url = NULL, *hdrs = NULL;
	static const char ok[] =
		"{\"type\":\"transcription\",\"is_final\":true,"
		"\"alternatives\":[{\"transcript\":\"hi there\","
		"\"confidence\":0.5}],\"channel\":1}";
	static const char bad[] = "{\"type\":\"error\",\"error\":\"nope\"}";

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_str_eq(url, "ws://127.0.0.1:9/path/x?y=1");
	ck_assert_str_eq(hdrs, "Authorization: Bearer t1\r\n");
	ck_assert_uint_eq(s->rate, 16000);
	s->v->text(s, ok, strlen(ok));
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(alt0(g.last, NULL), "hi there");
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(
			json_object_object_get(g.last, "vendor"), "name")),
		"custom:acme");
	s->v->text(s, "{\"type\":\"other\"}", 16);
	ck_assert_int_eq(g.n, 1);
	s->v->text(s, bad, strlen(bad));
	ck_assert_int_eq(g.errs, 1);
	ck_assert_str_eq(json_object_get_string(
				 json_object_object_get(g.last, "error")),
			 "nope");
	mem_deref(url);
	mem_deref(hdrs);
	rm(s, &g);
}
END_TEST

START_TEST(custom_needs_url)
{
	struct got g = {0};
	struct fs_stt *s =
		mk("custom:acme", "{}", "{\"auth_token\":\"t\"}", &g);
	char *url = NULL, *hdrs = NULL;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), EINVAL);
	rm(s, &g);
}
END_TEST

START_TEST(base_urls)
{
	struct got g = {0};
	struct fs_stt *s = mk("deepgram", "{}", "{}", &g);
	char *b = NULL;

	ck_assert_int_eq(sttv_base(&b, s, NULL, true, "https://h:1/"), 0);
	ck_assert_str_eq(b, "wss://h:1");
	b = mem_deref(b);
	ck_assert_int_eq(sttv_base(&b, s, NULL, true, "h2"), 0);
	ck_assert_str_eq(b, "wss://h2");
	b = mem_deref(b);
	rm(s, &g);
}
END_TEST

START_TEST(speechmatics_and_assemblyai)
{
	struct got g = {0};
	struct fs_stt *s = mk("speechmatics", "{}",
			      "{\"api_key\":\"sk\",\"speechmatics_stt_uri\":"
			      "\"rt.example.com\"}",
			      &g);
	char *url = NULL, *hdrs = NULL;
	static const char fin[] =
		"{\"message\":\"AddTranscript\",\"metadata\":{"
		"\"transcript\":\"hello there\"},\"results\":["
		"{\"type\":\"word\",\"alternatives\":[{\"content\":\"hello\","
		"\"confidence\":0.5}]},{\"type\":\"word\",\"alternatives\":"
		"[{\"content\":\"there\",\"confidence\":1.0}]},"
		"{\"type\":\"punctuation\",\"alternatives\":[{\"content\":"
		"\".\",\"confidence\":0.0}]}]}";
	static const char turn[] =
		"{\"type\":\"Turn\",\"end_of_turn\":true,\"transcript\":"
		"\"ok then\",\"end_of_turn_confidence\":0.75}";
	double conf = 0;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_str_eq(url, "wss://rt.example.com/v2");
	ck_assert_str_eq(hdrs, "Authorization: Bearer sk\r\n");
	/* audio waits for RecognitionStarted */
	ck_assert(s->v->wait_ready);
	s->v->text(s, fin, strlen(fin));
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(alt0(g.last, &conf), "hello there");
	ck_assert(conf > 0.74 && conf < 0.76); /* the words' mean */
	ck_assert(json_object_get_boolean(
		json_object_object_get(g.last, "is_final")));
	mem_deref(url);
	mem_deref(hdrs);
	rm(s, &g);

	memset(&g, 0, sizeof(g));
	s = mk("assemblyai", "{\"hints\":[\"a\",\"b c\"]}",
	       "{\"api_key\":\"ak\"}", &g);
	url = hdrs = NULL;
	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_ptr_nonnull(strstr(url, "wss://streaming.assemblyai.com/"
					  "v3/ws?sample_rate=8000&encoding="
					  "pcm_s16le"));
	ck_assert_ptr_nonnull(strstr(url, "keyterms_prompt=%5B%22a%22%2C%22b"
					  "%20c%22%5D"));
	ck_assert_str_eq(hdrs, "Authorization: ak\r\n");
	ck_assert_uint_ge(s->v->chunk_ms, 50); /* the API's shortest */
	s->v->text(s, turn, strlen(turn));
	ck_assert_str_eq(alt0(g.last, &conf), "ok then");
	ck_assert(conf > 0.74 && conf < 0.76);
	s->v->text(s, "{\"error\":\"bad\"}", 15);
	ck_assert_int_eq(g.errs, 1);
	mem_deref(url);
	mem_deref(hdrs);
	rm(s, &g);
}
END_TEST

/* the last result's is_final, the last error's words */
static bool is_final(const struct got *g)
{
	return json_object_get_boolean(
		json_object_object_get(g->last, "is_final"));
}

static const char *why(const struct got *g)
{
	return json_object_get_string(
		json_object_object_get(g->last, "error"));
}

START_TEST(microsoft_url_and_messages)
{
	struct got g = {0};
	struct fs_stt *s =
		mk("microsoft",
		   "{\"profanityOption\":\"Raw\",\"azureSttEndpointId\":"
		   "\"e1\",\"punctuation\":false}",
		   "{\"api_key\":\"mk\",\"region\":\"westus\"}", &g);
	char *url = NULL, *hdrs = NULL, msg[512];
	static const char phrase[] = "{\"RecognitionStatus\":\"Success\","
				     "\"NBest\":[{\"Confidence\":"
				     "0.5,\"Display\":\"Hello, there.\"}]}";
	double conf = 0;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_str_eq(url, "wss://westus.stt.speech.microsoft.com/speech/"
			      "recognition/conversation/cognitiveservices/v1"
			      "?language=en-US&format=detailed&profanity=raw"
			      "&cid=e1");
	ck_assert_ptr_nonnull(strstr(hdrs, "Ocp-Apim-Subscription-Key: mk\r\n"
					   "X-ConnectionId: "));
	ck_assert_uint_eq(s->rate, 16000);
	/* a result of this turn; one of another turn is dropped */
	re_snprintf(msg, sizeof(msg),
		    "X-RequestId: %s\r\nPath: speech.phrase\r\n\r\n%s",
		    ((char *)s->vst), phrase);
	s->v->text(s, msg, strlen(msg));
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(alt0(g.last, &conf), "Hello there");
	ck_assert(conf > 0.49 && conf < 0.51);
	re_snprintf(msg, sizeof(msg),
		    "X-RequestId: 0123456789abcdef0123456789abcdef\r\n"
		    "Path: speech.phrase\r\n\r\n%s",
		    phrase);
	s->v->text(s, msg, strlen(msg));
	ck_assert_int_eq(g.n, 1);
	/* NoMatch is no result */
	re_snprintf(msg, sizeof(msg),
		    "Path: speech.phrase\r\n\r\n{\"RecognitionStatus\":"
		    "\"NoMatch\"}");
	s->v->text(s, msg, strlen(msg));
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(g.errs, 0);
	s->v->text(s, "Path: speech.phrase", 19);
	ck_assert_int_eq(g.errs, 1);
	mem_deref(url);
	mem_deref(hdrs);
	rm(s, &g);

	/* a region that is not one, no key */
	memset(&g, 0, sizeof(g));
	s = mk("microsoft", "{}", "{\"api_key\":\"k\",\"region\":\"a b\"}",
	       &g);
	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), EINVAL);
	rm(s, &g);
	memset(&g, 0, sizeof(g));
	s = mk("microsoft", "{}", "{\"region\":\"westus\"}", &g);
	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), EINVAL);
	rm(s, &g);
}
END_TEST

static void aws_msg(struct fs_stt *s, const char *mtype, const char *etype,
		    const char *json)
{
	const char *names[] = {":content-type", ":message-type",
			       !strcmp(mtype, "event") ? ":event-type"
						       : ":exception-type"};
	const char *values[] = {"application/json", mtype, etype};
	struct mbuf *mb = mbuf_alloc(256);

	ck_assert_int_eq(evs_encode(mb, names, values, 3,
				    (const uint8_t *)json, strlen(json)),
			 0);
	s->v->bin(s, mb->buf, mb->end);
	mem_deref(mb);
}

START_TEST(aws_url_and_messages)
{
	struct got g = {0};
	struct fs_stt *s =
		mk("aws",
		   "{\"awsOptions\":{\"vocabularyName\":\"v "
		   "1\",\"piiEntityTypes\":"
		   "[\"NAME\",\"SSN\"]}}",
		   "{\"access_key_id\":\"AKID\",\"secret_access_key\":\"sec\","
		   "\"aws_region\":\"eu-west-1\"}",
		   &g);
	char *url = NULL, *hdrs = NULL;
	static const char partial[] =
		"{\"Transcript\":{\"Results\":[{\"IsPartial\":true,"
		"\"Alternatives\":[{\"Transcript\":\"hel\",\"Items\":[]}]}]}}";
	static const char final[] =
		"{\"Transcript\":{\"Results\":[{\"IsPartial\":false,"
		"\"Alternatives\":[{\"Transcript\":\"hello you.\",\"Items\":["
		"{\"Type\":\"pronunciation\",\"Confidence\":0.5},"
		"{\"Type\":\"pronunciation\",\"Confidence\":1.0},"
		"{\"Type\":\"punctuation\"}]}]}]}}";
	double conf = 0;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_ptr_null(hdrs);
	ck_assert_ptr_nonnull(strstr(url, "wss://transcribestreaming.eu-west-"
					  "1.amazonaws.com:8443/stream-"
					  "transcription-websocket?X-Amz-"
					  "Algorithm=AWS4-HMAC-SHA256"));
	ck_assert_ptr_nonnull(strstr(url, "%2Feu-west-1%2Ftranscribe%2F"));
	ck_assert_ptr_nonnull(strstr(url, "&X-Amz-Expires=300&"));
	ck_assert_ptr_nonnull(strstr(url, "&language-code=en-US&media-"
					  "encoding=pcm&pii-entity-types="
					  "NAME%2CSSN&sample-rate=8000&"
					  "vocabulary-name=v%201&X-Amz-"
					  "Signature="));
	ck_assert_uint_ge(s->v->chunk_ms, 50);
	/* an empty result while it listens, a partial, a final */
	aws_msg(s, "event", "TranscriptEvent",
		"{\"Transcript\":{\"Results\":[]}}");
	ck_assert_int_eq(g.n, 0);
	aws_msg(s, "event", "TranscriptEvent", partial);
	ck_assert_int_eq(g.n, 1);
	ck_assert(!is_final(&g));
	aws_msg(s, "event", "TranscriptEvent", final);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(alt0(g.last, &conf), "hello you.");
	ck_assert(conf > 0.74 && conf < 0.76); /* pronunciations' mean */
	ck_assert(is_final(&g));
	ck_assert_int_eq(g.errs, 0);
	aws_msg(s, "exception", "BadRequestException",
		"{\"Message\":\"bad rate\"}");
	ck_assert_int_eq(g.errs, 1);
	ck_assert_str_eq(why(&g), "BadRequestException: bad rate");
	mem_deref(url);
	rm(s, &g);

	/* a bad CRC ends it */
	memset(&g, 0, sizeof(g));
	s = mk("aws", "{\"altLanguages\":[\"es-US\"]}",
	       "{\"accessKeyId\":\"AKID\",\"secretAccessKey\":\"sec\","
	       "\"region\":\"us-east-1\",\"sessionToken\":\"t/k\"}",
	       &g);
	url = NULL;
	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_ptr_nonnull(strstr(url, "&X-Amz-Security-Token=t%2Fk&"));
	ck_assert_ptr_nonnull(strstr(url, "identify-language=true&language-"
					  "options=en-US%2Ces-US&"));
	ck_assert_ptr_null(strstr(url, "language-code="));
	{
		uint8_t junk[20] = {0, 0, 0, 20, 0, 0, 0, 0, 1, 2, 3, 4};

		s->v->bin(s, junk, sizeof(junk));
	}
	ck_assert_int_eq(g.errs, 1);
	ck_assert_str_eq(why(&g),
			 "an event-stream message whose CRC does not match");
	mem_deref(url);
	rm(s, &g);

	/* a region that is not one */
	memset(&g, 0, sizeof(g));
	s = mk("aws", "{}",
	       "{\"access_key_id\":\"A\",\"secret_access_key\":\"s\","
	       "\"aws_region\":\"x/../y\"}",
	       &g);
	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), EINVAL);
	rm(s, &g);
}
END_TEST

START_TEST(soniox_tokens)
{
	struct got g = {0};
	struct fs_stt *s = mk("soniox", "{}", "{\"api_key\":\"xk\"}", &g);
	char *url = NULL, *hdrs = NULL;
	static const char *const msgs[] = {
		"{\"tokens\":[{\"text\":\"Hel\",\"confidence\":0.5,"
		"\"is_final\":false}]}",
		"{\"tokens\":[{\"text\":\"Hello\",\"confidence\":0.5,"
		"\"is_final\":true},{\"text\":\" th\",\"confidence\":0.1,"
		"\"is_final\":false}]}",
		"{\"tokens\":[{\"text\":\" there.\",\"confidence\":1.0,"
		"\"is_final\":true},{\"text\":\"<end>\",\"confidence\":1.0,"
		"\"is_final\":true},{\"text\":\" x\",\"is_final\":false}]}",
	};
	double conf = 0;

	ck_assert_int_eq(s->v->prepare(s, &url, &hdrs), 0);
	ck_assert_str_eq(url, "wss://stt-rt.soniox.com/transcribe-websocket");
	ck_assert_str_eq(hdrs, "Authorization: Bearer xk\r\n");
	s->v->text(s, msgs[0], strlen(msgs[0]));
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(alt0(g.last, NULL), "Hel");
	s->v->text(s, msgs[1], strlen(msgs[1]));
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(alt0(g.last, NULL), "Hello th");
	ck_assert(!is_final(&g));
	/* the endpoint: the final tokens kept, what follows it left out */
	s->v->text(s, msgs[2], strlen(msgs[2]));
	ck_assert_int_eq(g.n, 3);
	ck_assert(is_final(&g));
	ck_assert_str_eq(alt0(g.last, &conf), "Hello there.");
	ck_assert(conf > 0.74 && conf < 0.76);
	/* the next utterance starts empty */
	s->v->text(s, msgs[0], strlen(msgs[0]));
	ck_assert_str_eq(alt0(g.last, NULL), "Hel");
	ck_assert_int_eq(g.errs, 0);
	s->v->text(s, "{\"error_code\":401,\"error_message\":\"no\"}", 39);
	ck_assert_int_eq(g.errs, 1);
	ck_assert_str_eq(why(&g), "401: no");
	mem_deref(url);
	mem_deref(hdrs);
	rm(s, &g);
}
END_TEST

START_TEST(vad_detects)
{
	struct json_object *o = json_tokener_parse(
		"{\"enable\":true,\"voiceMs\":60,\"silenceMs\":40}");
	struct stt_vad v;
	int16_t loud[160], quiet[160] = {0};

	for (int i = 0; i < 160; i++)
		loud[i] = (int16_t)(i % 2 ? 3000 : -3000);
	ck_assert(!stt_vad_init(&v, NULL));
	ck_assert(stt_vad_init(&v, o));
	ck_assert_uint_eq(v.voice_ms, 60);
	ck_assert_uint_eq(v.silence_ms, 40);
	ck_assert_uint_eq(v.pad_ms, 30); /* jambonz's default */
	/* 40 ms of voice, 40 ms of silence: it starts over */
	ck_assert(!stt_vad_frame(&v, loud, 160, 20));
	ck_assert(!stt_vad_frame(&v, loud, 160, 20));
	ck_assert(!stt_vad_frame(&v, quiet, 160, 20));
	ck_assert(!stt_vad_frame(&v, quiet, 160, 20));
	ck_assert(!stt_vad_frame(&v, loud, 160, 20));
	ck_assert(!stt_vad_frame(&v, loud, 160, 20));
	/* a short gap does not */
	ck_assert(!stt_vad_frame(&v, quiet, 160, 20));
	ck_assert(stt_vad_frame(&v, loud, 160, 20));
	/* once */
	ck_assert(!stt_vad_frame(&v, loud, 160, 20));
	json_object_put(o);

	o = json_tokener_parse("{\"enable\":false,\"voiceMs\":60}");
	ck_assert(!stt_vad_init(&v, o));
	json_object_put(o);
}
END_TEST

START_TEST(fallback_recognizer)
{
	struct json_object *r = json_tokener_parse(
		"{\"vendor\":\"microsoft\",\"label\":\"a\",\"language\":"
		"\"en-US\",\"hints\":[\"x\"],\"fallbackVendor\":\"deepgram\","
		"\"fallbackLanguage\":\"en-GB\"}");
	struct json_object *f = fs_stt_fallback(r), *g;

	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(f, "vendor")),
		"deepgram");
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(f, "language")),
		"en-GB");
	/* the primary's label is not the fallback's; the rest stays */
	ck_assert(!json_object_object_get_ex(f, "label", NULL));
	ck_assert(json_object_object_get_ex(f, "hints", NULL));
	/* once */
	ck_assert_ptr_null(fs_stt_fallback(f));
	json_object_put(f);
	json_object_object_add(r, "fallbackVendor",
			       json_object_new_string("default"));
	ck_assert_ptr_null(fs_stt_fallback(r));
	json_object_object_add(r, "fallbackVendor",
			       json_object_new_string("aws"));
	json_object_object_add(r, "fallbackLabel",
			       json_object_new_string("b"));
	g = fs_stt_fallback(r);
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(g, "label")),
		"b");
	json_object_put(g);
	json_object_put(r);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *stt_suite(void);

Suite *stt_suite(void)
{
	Suite *s = suite_create("stt");
	TCase *tc = tcase_create("stt");

	tcase_add_test(tc, find_vendors);
	tcase_add_test(tc, tokens);
	tcase_add_test(tc, deepgram_url);
	tcase_add_test(tc, deepgram_onprem);
	tcase_add_test(tc, deepgram_hostile_key);
	tcase_add_test(tc, deepgram_results);
	tcase_add_test(tc, custom_url_and_messages);
	tcase_add_test(tc, custom_needs_url);
	tcase_add_test(tc, base_urls);
	tcase_add_test(tc, speechmatics_and_assemblyai);
	tcase_add_test(tc, microsoft_url_and_messages);
	tcase_add_test(tc, aws_url_and_messages);
	tcase_add_test(tc, soniox_tokens);
	tcase_add_test(tc, vad_detects);
	tcase_add_test(tc, fallback_recognizer);
	suite_add_tcase(s, tc);
	return s;
}
