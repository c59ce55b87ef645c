/**
 * @file rasa.c  The rasa verb: a voice conversation with a Rasa bot
 *
 * As jambonz's TaskRasa: a round is a nested gather's work (the prompt
 * said with `tts` while the caller's speech is recognised with
 * `recognizer`, `timeout` from the prompt's end); a final transcript goes
 * to Rasa (rasa_bot.c), whose answer is the next round's prompt. No
 * speech in time ends the verb with rasaResult timeout; a hang-up or a
 * replaced list with "caller hungup". The verb JSON is checked against
 * its spec of @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_stt.h>
#include <fs/fs_leg.h>
#include "rasa.h"
#include "schema.h"

static void rasa_round_close(struct rasa *r)
{
	fs_stt_close(r->stt);
	r->stt = NULL;
	if (r->round)
		fs_scope_close(r->round);
	r->round = mem_deref(r->round);
	r->prompt = mem_deref(r->prompt);
	r->timer = mem_deref(r->timer);
	r->prompting = false;
	json_object_put(r->say);
	r->say = NULL;
}

static void rasa_destructor(void *data)
{
	struct rasa *r = data;

	rasa_round_close(r);
	json_object_put(r->recog);
}

const struct json_object *rasa_prop(const struct rasa *r, const char *k)
{
	struct json_object *v = NULL;

	(void)json_object_object_get_ex(fs_task_data(r->t), k, &v);
	return v;
}

static struct json_object *rasa_result(const char *result)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "rasaResult",
			       json_object_new_string(result));
	return o;
}

void rasa_end(struct rasa *r, const char *result)
{
	const struct json_object *hook = rasa_prop(r, "actionHook");

	rasa_round_close(r);
	if (r->reported) {
		fs_task_done(r->t, 0, NULL, NULL);
		return;
	}
	r->reported = true;
	fs_info("rasa", "%s: %s", fs_call_sid(r->c), result);
	fs_task_done(r->t, 0, hook, hook ? rasa_result(result) : NULL);
}

static void rasa_timeout(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	rasa_end(arg, "timeout");
}

/* `timeout` from now (the prompt's end, or the caller's words changing) */
static void rasa_arm(struct rasa *r)
{
	if (r->prompting || !r->timeout_ms || !r->round)
		return;
	if (r->timer)
		fs_scope_close(r->timer);
	r->timer = mem_deref(r->timer);
	if (fs_scope_alloc(&r->timer, r->round, "rasa-timer") ||
	    fs_scope_listen(r->timer, NULL, r->timeout_ms, rasa_timeout, r,
			    NULL))
		rasa_end(r, "timeout");
}

static void rasa_quit(struct rasa *r, int err, const char *why)
{
	char esc[160];

	fs_log_escape(esc, sizeof(esc), why);
	fs_warn("rasa", "%s: recognition failed: %s", fs_call_sid(r->c), esc);
	rasa_round_close(r);
	r->reported = true;
	fs_task_done(r->t, err, NULL, NULL);
}

static const char *rasa_transcript(const struct json_object *evt)
{
	struct json_object *alts, *alt, *v;

	if (!json_object_object_get_ex(evt, "alternatives", &alts) ||
	    !json_object_is_type(alts, json_type_array) ||
	    !(alt = json_object_array_get_idx(alts, 0)) ||
	    !json_object_object_get_ex(alt, "transcript", &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void rasa_heard(int err, const struct json_object *evt, void *arg)
{
	struct rasa *r = arg;
	struct json_object *v;
	const char *text;
	char *utt = NULL;

	if (err || !evt) {
		const char *why = NULL;

		if (evt && json_object_object_get_ex(evt, "error", &v))
			why = json_object_get_string(v);
		r->stt = NULL; /* gone with this handler's return */
		rasa_quit(r, err ? err : EPIPE,
			  why ? why : "the recognition ended");
		return;
	}
	text = rasa_transcript(evt);
	if (!text || !*text)
		return;
	if (!json_object_object_get_ex(evt, "is_final", &v) ||
	    !json_object_get_boolean(v)) {
		/* the caller goes on speaking: time from now */
		if (strncmp(r->heard, text, sizeof(r->heard) - 1)) {
			str_ncpy(r->heard, text, sizeof(r->heard));
			rasa_arm(r);
		}
		return;
	}
	/* the gather is over: its prompt, recognition and timer too */
	if (str_dup(&utt, text)) {
		rasa_quit(r, ENOMEM, "out of memory");
		return;
	}
	rasa_round_close(r);
	rasa_user(r, utt);
	mem_deref(utt);
}

static void rasa_prompt_done(int err, const struct fs_prompt_result *res,
			     void *arg)
{
	struct rasa *r = arg;

	(void)res;
	r->prompting = false;
	if (err && err != ECANCELED)
		fs_warn("rasa", "%s: prompt failed: %m", fs_call_sid(r->c),
			err);
	rasa_arm(r);
}

static int rasa_say(struct rasa *r, const char *text)
{
	const struct json_object *tts = rasa_prop(r, "tts");
	int err;

	r->say = json_object_new_object();
	if (!r->say)
		return ENOMEM;
	json_object_object_add(r->say, "text", json_object_new_string(text));
	if (tts)
		json_object_object_add(
			r->say, "synthesizer",
			json_object_get((struct json_object *)tts));
	err = fs_scope_alloc(&r->prompt, r->round, "say");
	if (err)
		return err;
	r->prompting = true;
	err = fs_prompt_run(r->c, r->prompt, "say", r->say, rasa_prompt_done,
			    r);
	if (err)
		r->prompting = false;
	return err;
}

void rasa_listen(struct rasa *r, const char *text)
{
	int err;

	rasa_round_close(r);
	r->heard[0] = '\0';
	err = fs_scope_alloc(&r->round, fs_task_scope(r->t), "rasa-round");
	if (err) {
		rasa_quit(r, err, "cannot start a round");
		return;
	}
	/* listening while the prompt plays, as gather's listenDuringPrompt */
	err = fs_call_stt(&r->stt, r->c, r->round, r->recog, rasa_heard, r);
	if (err == ENOKEY) {
		/* as gather's SpeechCredentialError: the verb ends, the list
		 * goes on; the log line is the core's */
		r->stt = NULL;
		rasa_round_close(r);
		r->reported = true;
		fs_task_done(r->t, 0, NULL, NULL);
		return;
	}
	if (err) {
		r->stt = NULL;
		rasa_quit(r, err, "cannot start recognition");
		return;
	}
	if (text && *text && rasa_say(r, text))
		fs_warn("rasa", "%s: prompt failed", fs_call_sid(r->c));
	rasa_arm(r);
}

static int rasa_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v, *rec = NULL;
	struct rasa *r;
	double secs = 10;

	r = mem_zalloc(sizeof(*r), rasa_destructor);
	if (!r)
		return ENOMEM;
	r->t = t;
	r->c = fs_task_call(t);
	fs_task_set_state(t, r);
	/* jambonz: `timeout || 10`, so 0 is the default too */
	if (json_object_object_get_ex(data, "timeout", &v) &&
	    !isnan(json_object_get_double(v)) && json_object_get_double(v))
		secs = json_object_get_double(v);
	r->timeout_ms = fs_num_u32(secs * 1000, 86400000);
	(void)json_object_object_get_ex(data, "recognizer", &rec);
	r->recog = fs_call_recognizer(r->c, rec);
	if (!r->recog)
		return ENOMEM;
	v = NULL;
	(void)json_object_object_get_ex(data, "prompt", &v);
	rasa_listen(r, v ? json_object_get_string(v) : NULL);
	return 0;
}

/* A hang-up or a replaced list: jambonz's kill */
static void rasa_cancel(struct fs_task *t)
{
	struct rasa *r = fs_task_state(t);
	const struct json_object *hook;

	if (!r)
		return;
	rasa_round_close(r);
	if (r->reported)
		return;
	r->reported = true;
	hook = rasa_prop(r, "actionHook");
	if (hook)
		(void)fs_call_final_hook(r->c, hook,
					 rasa_result("caller hungup"));
}

FS_SCHEMA_PLUGIN(rasa, "rasa", rasa_schema_json, .version = PLUGIN_VERSION,
		 .exec = rasa_exec, .cancel = rasa_cancel,
		 .flags = FS_PLUGIN_NEEDS_MEDIA);
