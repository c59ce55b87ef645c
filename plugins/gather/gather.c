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
	if (g->itimer)
		fs_scope_close(g->itimer);
	mem_deref(g->prompt);
	mem_deref(g->timer);
	mem_deref(g->itimer);
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
	else if (!strcmp(reason, "dtmfDetected"))
		/* jambonz's timeout carries no digits, even some */
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
	gather_finish(g, g->has_min && g->n >= g->min ? "dtmfDetected"
						      : "timeout");
}

static void gather_inter_timeout(int err, const char *ev, void *data,
				 void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	gather_finish(arg, "dtmfDetected");
}

static void gather_timer_stop(struct fs_scope **tp)
{
	if (!*tp)
		return;
	fs_scope_close(*tp);
	*tp = mem_deref(*tp);
}

static void gather_timer_start(struct gather *g, struct fs_scope **tp,
			       uint32_t ms, fs_listener_h *h)
{
	gather_timer_stop(tp);
	if (fs_scope_alloc(tp, fs_task_scope(g->t), "gather-timer") ||
	    fs_scope_listen(*tp, NULL, ms, h, g, NULL))
		gather_finish(g, "error");
}

/* The `timeout` timer (jambonz's _startTimer), at the end of the prompt
 * or at a digit when it does not run */
static void gather_main_start(struct gather *g)
{
	if (g->timeout_ms)
		gather_timer_start(g, &g->timer, g->timeout_ms,
				   gather_timeout);
}

void gather_arm(struct gather *g)
{
	gather_timer_stop(&g->timer);
	if (!g->prompting)
		gather_main_start(g);
}

void gather_stop_prompt(struct gather *g)
{
	if (!g->prompt)
		return;
	fs_scope_close(g->prompt);
	g->prompt = mem_deref(g->prompt);
	g->prompting = false;
}

/*
 * A digit, as jambonz's _onDtmf: `timeout` runs from the end of the
 * prompt and no digit restarts it; once minDigits are in, each digit
 * (re)starts interDigitTimeout instead and `timeout` stops
 */
static void gather_digit(int err, const char *ev, void *data, void *arg)
{
	struct gather *g = arg;
	const char *d = data;
	bool barged = false;

	(void)err;
	(void)ev;
	if (g->ended || !d || !*d)
		return;
	/* listenDuringPrompt false: not listening until the prompt ends */
	if (g->prompting && !g->digits_prompted)
		return;
	if (!g->timer)
		gather_main_start(g);
	gather_timer_stop(&g->itimer);
	if (g->bargein && g->prompting) {
		gather_stop_prompt(g);
		barged = true;
	}
	if (!g->wants_digits)
		goto out;
	if (g->finish && d[0] == g->finish && !d[1]) {
		gather_finish(g, "dtmfDetected");
		return;
	}
	if (!g->n && g->stt) {
		/* DTMF wins over speech, as in jambonz */
		fs_stt_close(g->stt);
		g->stt = NULL;
	}
	if (g->n < GATHER_MAX_DIGITS)
		g->digits[g->n++] = *d;
	g->digits[g->n] = '\0';
	if ((g->num && g->n == g->num) || (g->max && g->n == g->max) ||
	    g->n >= GATHER_MAX_DIGITS) {
		gather_finish(g, "dtmfDetected");
		return;
	}
	if (g->inter_ms && g->has_min && g->n >= g->min) {
		gather_timer_start(g, &g->itimer, g->inter_ms,
				   gather_inter_timeout);
		gather_timer_stop(&g->timer);
	}
out:
	/* the stopped prompt's end starts `timeout` again, as jambonz's
	 * startListening once the killed say returns */
	if (barged && !g->ended)
		gather_main_start(g);
}

/* The prompt is over (or never ran): listen now if not yet, and time */
static void gather_after_prompt(struct gather *g)
{
	/* digits came during the prompt: DTMF won over speech */
	if (g->speech && !g->stt && !g->n && gather_speech_start(g))
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
	g->wants_digits = gather_wants(data, "digits");
	if (g->wants_digits &&
	    json_object_object_get_ex(data, "finishOnKey", &v)) {
		const char *k = json_object_get_string(v);

		/* jambonz compares the whole key: "##" never matches */
		g->finish = k && k[0] && !k[1] ? k[0] : 0;
	}
	if (g->wants_digits) {
		g->num = gather_u32(data, "numDigits", 0);
		g->max = gather_u32(data, "maxDigits", 0);
	}
	g->has_min = !isnan(gather_num(data, "minDigits", NAN));
	g->min = gather_u32(data, "minDigits", 0);
	/* seconds, fractions too; timeout 0 = none */
	g->timeout_ms =
		fs_num_u32(gather_num(data, "timeout", 15) * 1000, 86400000);
	g->inter_ms = fs_num_u32(
		gather_num(data, "interDigitTimeout", 0) * 1000, 86400000);
	/* on by default when collecting digits; a speech gather's digits
	 * stop the prompt only when asked */
	g->bargein = gather_bool(data, "dtmfBargein", g->wants_digits);
	g->digits_prompted = gather_bool(data, "listenDuringPrompt", true);
	g->speech = gather_wants(data, "speech");
	if (g->speech) {
		err = gather_speech_init(g, data);
		if (err)
			return err;
	}

	if (g->wants_digits || g->bargein) {
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
