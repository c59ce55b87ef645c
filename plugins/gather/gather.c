/**
 * @file gather.c  The gather verb: collect DTMF digits or speech
 *
 * Collect DTMF digits and/or speech, optionally during a nested say or
 * play prompt (barge-in), and post them to the actionHook.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_stt.h>
#include "gather.h"
#include "schema.h"

static void gather_destructor(void *data)
{
	struct gather *g = data;

	if (g->prompt)
		fs_scope_close(g->prompt);
	if (g->timer)
		fs_scope_close(g->timer);
	mem_deref(g->prompt);
	mem_deref(g->timer);
	gather_speech_free(g);
}

void gather_end(struct gather *g, const char *reason,
		const struct json_object *speech, const char *details)
{
	struct json_object *r, *hook = NULL;

	if (g->ended)
		return;
	g->ended = true;
	/* nothing more from the vendor once the outcome is known */
	fs_stt_close(g->stt);
	g->stt = NULL;
	r = json_object_new_object();
	if (speech)
		json_object_object_add(
			r, "speech",
			json_object_get((struct json_object *)speech));
	else if (g->n || !strcmp(reason, "dtmfDetected"))
		json_object_object_add(r, "digits",
				       json_object_new_string(g->digits));
	json_object_object_add(r, "reason", json_object_new_string(reason));
	if (details)
		json_object_object_add(r, "details",
				       json_object_new_string(details));
	(void)json_object_object_get_ex(fs_task_data(g->t), "actionHook",
					&hook);
	fs_task_done(g->t, 0, hook, r);
}

static void gather_finish(struct gather *g, const char *reason)
{
	gather_end(g, reason, NULL, NULL);
}

static void gather_timeout(int err, const char *ev, void *data, void *arg)
{
	struct gather *g = arg;

	(void)err;
	(void)ev;
	(void)data;
	if (g->speech && gather_speech_timeout(g))
		return;
	gather_finish(g, g->n && g->n >= g->min ? "dtmfDetected" : "timeout");
}

/* (Re)start the timer: overall timeout before the first digit, the
 * inter-digit timeout after it */
void gather_arm(struct gather *g)
{
	uint32_t ms = g->n ? g->inter_ms : g->timeout_ms;

	if (g->timer) {
		fs_scope_close(g->timer);
		g->timer = mem_deref(g->timer);
	}
	if (!ms || g->prompting)
		return;
	if (fs_scope_alloc(&g->timer, fs_task_scope(g->t), "gather-timer") ||
	    fs_scope_listen(g->timer, NULL, ms, gather_timeout, g, NULL))
		gather_finish(g, "error");
}

void gather_stop_prompt(struct gather *g)
{
	if (!g->prompt)
		return;
	fs_scope_close(g->prompt);
	g->prompt = mem_deref(g->prompt);
	g->prompting = false;
}

static void gather_digit(int err, const char *ev, void *data, void *arg)
{
	struct gather *g = arg;
	const char *d = data;

	(void)err;
	(void)ev;
	if (g->ended || !d || !*d)
		return;
	if (g->prompting) {
		if (!g->bargein)
			return;
		gather_stop_prompt(g);
	}
	if (g->finish && *d == g->finish) {
		gather_finish(g, "dtmfDetected");
		return;
	}
	if (g->n < GATHER_MAX_DIGITS)
		g->digits[g->n++] = *d;
	g->digits[g->n] = '\0';
	if ((g->num && g->n >= g->num) || (g->max && g->n >= g->max) ||
	    g->n >= GATHER_MAX_DIGITS) {
		gather_finish(g, "dtmfDetected");
		return;
	}
	gather_arm(g);
}

/* The prompt is over (or never ran): listen now if not yet, and time */
static void gather_after_prompt(struct gather *g)
{
	if (g->speech && !g->stt && gather_speech_start(g))
		return;
	gather_arm(g);
}

static void gather_prompt_done(int err, const struct fs_prompt_result *res,
			       void *arg)
{
	struct gather *g = arg;

	(void)res;
	g->prompting = false;
	if (err && err != ECANCELED)
		fs_warn("gather", "%s: prompt failed: %m",
			fs_call_sid(fs_task_call(g->t)), err);
	gather_after_prompt(g);
}

double gather_num(const struct json_object *o, const char *key, double def)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(o, key, &v))
		return def;
	d = json_object_get_double(v);
	/* not a number: as if absent */
	return isnan(d) ? def : d;
}

static uint32_t gather_u32(const struct json_object *data, const char *key,
			   uint32_t def)
{
	return fs_num_u32(gather_num(data, key, def), 1000000);
}

static bool gather_bool(const struct json_object *data, const char *key,
			bool def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, key, &v))
		return def;
	return json_object_get_boolean(v);
}

static bool gather_wants(const struct json_object *data, const char *what)
{
	struct json_object *in;
	size_t n;

	if (!json_object_object_get_ex(data, "input", &in))
		return !strcmp(what, "digits");
	n = json_object_array_length(in);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(
			json_object_array_get_idx(in, i));

		if (s && !strcmp(s, what))
			return true;
	}
	return false;
}

static int gather_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v, *prompt = NULL;
	const char *pverb = NULL;
	struct gather *g;
	int err;

	g = mem_zalloc(sizeof(*g), gather_destructor);
	if (!g)
		return ENOMEM;
	g->t = t;
	fs_task_set_state(t, g);
	if (json_object_object_get_ex(data, "finishOnKey", &v)) {
		const char *k = json_object_get_string(v);

		g->finish = k ? k[0] : 0;
	}
	g->num = gather_u32(data, "numDigits", 0);
	g->min = gather_u32(data, "minDigits", 1);
	g->max = gather_u32(data, "maxDigits", 0);
	g->timeout_ms = gather_u32(data, "timeout", 15) * 1000;
	g->inter_ms = json_object_object_get_ex(data, "interDigitTimeout", &v)
			      ? gather_u32(data, "interDigitTimeout", 0) * 1000
			      : g->timeout_ms;
	g->bargein = gather_bool(data, "dtmfBargein", true);
	g->speech = gather_wants(data, "speech");
	if (g->speech) {
		err = gather_speech_init(g, data);
		if (err)
			return err;
	}
	if (!gather_wants(data, "digits"))
		g->finish = 0, g->num = g->max = 0;

	if (gather_wants(data, "digits")) {
		err = fs_scope_listen(fs_task_scope(t), FS_EV_DTMF, 0,
				      gather_digit, g, NULL);
		if (err)
			return err;
	}
	/* listening while the prompt plays, or with no prompt */
	if (g->speech &&
	    (g->during_prompt ||
	     (!json_object_object_get_ex(data, "say", &v) &&
	      !json_object_object_get_ex(data, "play", &v))) &&
	    gather_speech_start(g))
		return 0;

	if (json_object_object_get_ex(data, "say", &prompt))
		pverb = "say";
	else if (json_object_object_get_ex(data, "play", &prompt))
		pverb = "play";
	if (pverb) {
		err = fs_scope_alloc(&g->prompt, fs_task_scope(t), pverb);
		if (err)
			return err;
		g->prompting = true;
		err = fs_prompt_run(fs_task_call(t), g->prompt, pverb, prompt,
				    gather_prompt_done, g);
		if (err) {
			fs_warn("gather", "%s: prompt failed: %m",
				fs_call_sid(fs_task_call(t)), err);
			g->prompting = false;
		}
		if (!g->prompting)
			gather_after_prompt(g);
		return 0;
	}
	gather_arm(g);
	return 0;
}

FS_SCHEMA_PLUGIN(gather, "gather", gather_schema_json,
		 .version = PLUGIN_VERSION, .exec = gather_exec,
		 .flags = FS_PLUGIN_NEEDS_MEDIA);
