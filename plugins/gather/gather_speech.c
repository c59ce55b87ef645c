/**
 * @file gather_speech.c  A gather's speech: the recognizer's results to
 *                        the outcome, as jambonz's TaskGather decides it
 *
 * An interim result means the caller is speaking: with bargein (and
 * minBargeinWordCount words) it stops the prompt, and it restarts the
 * no-input timer while the words change, so a stream that never
 * finalises still ends in
 * timeout (the same words again do not restart it). A final result with a
 * transcript ends the verb with speechDetected, or stt-low-confidence below
 * recognizer.minConfidence; an empty one is ignored and listening goes on;
 * with recognizer.fastRecognitionTimeout the last interim result is taken
 * as final when nothing follows it in that time. A
 * vendor failure ends it with reason error and the vendor's words as details;
 * no credential ends it quietly (the log says why) and the list goes on.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_stt.h>
#include "gather.h"

void gather_speech_free(struct gather *g)
{
	fs_stt_close(g->stt);
	g->stt = NULL;
	json_object_put(g->recog);
	g->recog = NULL;
	if (g->asr_tmr)
		fs_scope_close(g->asr_tmr);
	g->asr_tmr = mem_deref(g->asr_tmr);
	json_object_put(g->asr);
	g->asr = NULL;
	if (g->fast_tmr)
		fs_scope_close(g->fast_tmr);
	g->fast_tmr = mem_deref(g->fast_tmr);
	json_object_put(g->fast_evt);
	g->fast_evt = NULL;
}

static const char *gather_sp_str(const struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int gather_speech_init(struct gather *g, const struct json_object *data)
{
	struct json_object *r = NULL, *v;

	(void)json_object_object_get_ex(data, "recognizer", &r);
	g->recog = fs_call_recognizer(fs_task_call(g->t), r);
	if (!g->recog)
		return ENOMEM;
	g->sp_bargein = json_object_object_get_ex(data, "bargein", &v) &&
			json_object_get_boolean(v);
	g->during_prompt =
		!json_object_object_get_ex(data, "listenDuringPrompt", &v) ||
		json_object_get_boolean(v);
	g->min_words =
		fs_num_u32(gather_num(data, "minBargeinWordCount", 1), 1000);
	if (!g->min_words)
		g->min_words = 1;
	g->min_conf = gather_num(g->recog, "minConfidence", 0);
	g->asr_ms = fs_num_u32(gather_num(g->recog, "asrTimeout", 0) * 1000,
			       3600000);
	g->fast_ms = fs_num_u32(
		gather_num(g->recog, "fastRecognitionTimeout", 0) * 1000,
		3600000);
	if (g->asr_ms) {
		const char *d =
			gather_sp_str(g->recog, "asrDtmfTerminationDigit");

		g->asr_digit = d ? d[0] : 0;
		g->asr = json_object_new_array();
		if (!g->asr)
			return ENOMEM;
	}
	return 0;
}

/* The finals of a continuous ASR as one result, as jambonz's
 * consolidateTranscripts: the transcripts joined, the mean confidence */
static struct json_object *gather_asr_join(const struct gather *g)
{
	size_t n = json_object_array_length(g->asr);
	struct json_object *first, *out = NULL, *alts, *alt;
	struct mbuf *mb;
	double sum = 0;

	if (!n)
		return NULL;
	first = json_object_array_get_idx(g->asr, 0);
	if (json_object_deep_copy(first, &out, NULL))
		return NULL;
	mb = mbuf_alloc(256);
	for (size_t i = 0; mb && i < n; i++) {
		struct json_object *e = json_object_array_get_idx(g->asr, i);
		struct json_object *a = json_object_array_get_idx(
			json_object_object_get(e, "alternatives"), 0);
		const char *t = gather_sp_str(a, "transcript");

		sum += gather_num(a, "confidence", 0);
		(void)mbuf_printf(mb, "%s%s", mb->end ? " " : "", t ? t : "");
	}
	alts = json_object_object_get(out, "alternatives");
	alt = json_object_array_get_idx(alts, 0);
	if (mb && alt) {
		json_object_object_add(
			alt, "transcript",
			json_object_new_string_len((const char *)mb->buf,
						   (int)mb->end));
		json_object_object_add(
			alt, "confidence",
			json_object_new_double(sum / (double)n));
	}
	json_object_object_add(out, "is_final", json_object_new_boolean(true));
	mem_deref(mb);
	return out;
}

static void gather_asr_end(struct gather *g)
{
	struct json_object *evt = gather_asr_join(g);

	if (!evt) {
		gather_end(g, "timeout", NULL, NULL);
		return;
	}
	gather_end(g, "speechDetected", evt, NULL);
	json_object_put(evt);
}

static void gather_asr_timeout(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	gather_asr_end(arg);
}

bool gather_speech_timeout(struct gather *g)
{
	if (!g->asr_ms || !json_object_array_length(g->asr))
		return false;
	gather_asr_end(g);
	return true;
}

/* asrTimeout from now: the caller may go on speaking */
static void gather_asr_arm(struct gather *g)
{
	if (g->asr_tmr)
		fs_scope_close(g->asr_tmr);
	g->asr_tmr = mem_deref(g->asr_tmr);
	if (fs_scope_alloc(&g->asr_tmr, fs_task_scope(g->t), "gather-asr") ||
	    fs_scope_listen(g->asr_tmr, NULL, g->asr_ms, gather_asr_timeout, g,
			    NULL))
		gather_end(g, "error", NULL, "cannot start the asrTimeout");
}

static void gather_asr_digit(int err, const char *ev, void *data, void *arg)
{
	struct gather *g = arg;
	const char *d = data;

	(void)err;
	(void)ev;
	if (g->ended || !d || *d != g->asr_digit ||
	    !json_object_array_length(g->asr))
		return;
	fs_info("gather", "%s: continuous ASR ended by '%c'",
		fs_call_sid(fs_task_call(g->t)), g->asr_digit);
	gather_asr_end(g);
}

static void gather_fast_timeout(int err, const char *ev, void *data, void *arg)
{
	struct gather *g = arg;
	struct json_object *evt = g->fast_evt;

	(void)err;
	(void)ev;
	(void)data;
	if (g->ended || !evt)
		return;
	g->fast_evt = NULL;
	fs_info("gather",
		"%s: fastRecognitionTimeout: the interim result "
		"taken as final",
		fs_call_sid(fs_task_call(g->t)));
	json_object_object_add(evt, "is_final", json_object_new_boolean(true));
	gather_end(g, "speechDetected", evt, NULL);
	json_object_put(evt);
}

/* fastRecognitionTimeout from this interim result, as jambonz's
 * _startFastRecognitionTimer */
static void gather_fast_arm(struct gather *g, const struct json_object *evt)
{
	json_object_put(g->fast_evt);
	g->fast_evt = NULL;
	if (g->fast_tmr)
		fs_scope_close(g->fast_tmr);
	g->fast_tmr = mem_deref(g->fast_tmr);
	if (json_object_deep_copy((struct json_object *)evt, &g->fast_evt,
				  NULL) ||
	    fs_scope_alloc(&g->fast_tmr, fs_task_scope(g->t), "gather-fast") ||
	    fs_scope_listen(g->fast_tmr, NULL, g->fast_ms, gather_fast_timeout,
			    g, NULL))
		gather_end(g, "error", NULL,
			   "cannot start the fastRecognitionTimeout");
}

static uint32_t gather_words(const char *s)
{
	uint32_t n = 0;
	bool in = false;

	for (; s && *s; s++) {
		bool sp = *s == ' ' || *s == '\t' || *s == '\n';

		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

static const char *gather_transcript(const struct json_object *evt,
				     double *confp)
{
	struct json_object *alts, *alt;

	if (!json_object_object_get_ex(evt, "alternatives", &alts) ||
	    !json_object_is_type(alts, json_type_array) ||
	    !(alt = json_object_array_get_idx(alts, 0)))
		return NULL;
	*confp = gather_num(alt, "confidence", 0);
	return gather_sp_str(alt, "transcript");
}

/* partialResultHook: {speech} plus the call's fields, as the core posts
 * webhooks; the reply is not used */
static void gather_partial(struct gather *g, const struct json_object *evt)
{
	struct json_object *hook = NULL;

	if (json_object_object_get_ex(fs_task_data(g->t), "partialResultHook",
				      &hook))
		(void)fs_call_stt_hook(fs_task_call(g->t), fs_task_scope(g->t),
				       hook, evt);
}

static bool gather_fallback(struct gather *g);

static void gather_result(int err, const struct json_object *evt, void *arg)
{
	struct gather *g = arg;
	const char *text;
	double conf = 0;
	struct json_object *v;

	if (g->ended)
		return;
	if (err || !evt) {
		const char *why = evt ? gather_sp_str(evt, "error") : NULL;

		g->stt = NULL; /* gone with this handler's return */
		/* the vendor failed before any result: its fallback */
		if (!g->heard_any && gather_fallback(g)) {
			(void)gather_speech_start(g);
			return;
		}
		gather_end(g, "error", NULL,
			   why ? why : "the recognition ended");
		return;
	}
	g->heard_any = true;
	text = gather_transcript(evt, &conf);
	if (!text || !*text)
		return; /* nothing heard yet: listening goes on */
	if (json_object_object_get_ex(evt, "is_final", &v) &&
	    json_object_get_boolean(v)) {
		if (g->min_conf > 0 && conf > 0 && conf < g->min_conf) {
			fs_info("gather",
				"%s: transcript confidence %.2f below "
				"minConfidence %.2f",
				fs_call_sid(fs_task_call(g->t)), conf,
				g->min_conf);
			gather_end(g, "stt-low-confidence", evt, NULL);
			return;
		}
		if (g->asr_ms) {
			/* continuous: keep it, listen on for asrTimeout */
			json_object_array_add(
				g->asr,
				json_object_get((struct json_object *)evt));
			g->hearing = false;
			gather_asr_arm(g);
			gather_arm(g);
			return;
		}
		gather_end(g, "speechDetected", evt, NULL);
		return;
	}
	gather_partial(g, evt);
	if (g->fast_ms) {
		gather_fast_arm(g, evt);
		if (g->ended)
			return;
	}
	if (g->prompting && g->sp_bargein &&
	    gather_words(text) >= g->min_words) {
		fs_info("gather", "%s: speech barge-in",
			fs_call_sid(fs_task_call(g->t)));
		gather_stop_prompt(g);
	}
	/* the caller goes on speaking: time from now; the same words
	 * again are no progress (a stream that never finalises) */
	if (!g->hearing || strncmp(g->heard, text, sizeof(g->heard) - 1)) {
		g->hearing = true;
		str_ncpy(g->heard, text, sizeof(g->heard));
		gather_arm(g);
	}
}

/*
 * recognizer.fallbackVendor (fallbackLanguage, fallbackLabel), once, as
 * jambonz's _startFallback: for a vendor that cannot be started (no
 * credential, not supported) or fails before any result
 */
static bool gather_fallback(struct gather *g)
{
	struct json_object *r =
		g->fell_back ? NULL : fs_stt_fallback(g->recog);
	char esc[48];

	if (!r)
		return false;
	g->fell_back = true;
	fs_log_escape(esc, sizeof(esc), gather_sp_str(r, "vendor"));
	fs_info("gather", "%s: recognition failed: falling back to %s",
		fs_call_sid(fs_task_call(g->t)), esc);
	json_object_put(g->recog);
	g->recog = r;
	return true;
}

int gather_speech_start(struct gather *g)
{
	struct fs_call *c = fs_task_call(g->t);
	int err;

	if (g->asr_digit && !g->asr_listening) {
		g->asr_listening = true;
		(void)fs_scope_listen(fs_task_scope(g->t), FS_EV_DTMF, 0,
				      gather_asr_digit, g, NULL);
	}
	err = fs_call_stt(&g->stt, c, fs_task_scope(g->t), g->recog,
			  gather_result, g);
	if (!err)
		return 0;
	g->stt = NULL;
	if (gather_fallback(g))
		return gather_speech_start(g);
	if (err == ENOKEY) {
		/* as jambonz's SpeechCredentialError: the verb ends, the
		 * list goes on; the log line is the core's */
		g->ended = true;
		fs_task_done(g->t, 0, NULL, NULL);
		return err;
	}
	fs_warn("gather", "%s: cannot start recognition: %m", fs_call_sid(c),
		err);
	gather_end(g, "error", NULL,
		   err == ENOTSUP ? "speech vendor not supported"
				  : "cannot start recognition");
	return err;
}
