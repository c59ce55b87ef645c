/**
 * @file conf_wait.c  What a member hears while it waits for the room to
 *                    start, or while on hold: the verbs of a hook
 *
 * As jambonz: the hook is asked (verb:hook with the call's fields), its
 * say, play and pause verbs run in order, then 750 ms of silence and the
 * hook is asked again, until the room starts or the hold ends; an empty
 * answer ends the loop (silence from then on), and so does a failure.
 * jambonz allows only say, play and pause there; a `leave` is taken here
 * too, and takes the member out of the room (see doc.md). An enterHook
 * is asked once, its verbs run once, and the member then joins: there a
 * failure, an empty answer or another verb only ends it, as jambonz logs
 * the error and joins.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_conf.h>
#include <fs/fs_queue.h>
#include "conf_int.h"

#define CONF_WAIT_GAP_MS 750

static void conf_wait_next(struct conf_task *ct);
static void conf_wait_ask(struct conf_task *ct);

/* An enterHook ran (or failed): the member joins */
static bool conf_wait_ended(struct conf_task *ct)
{
	void (*done)(struct conf_task *) = ct->wait_done;

	if (!done)
		return false;
	conf_wait_stop(ct);
	done(ct);
	return true;
}

static void conf_wait_gap(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	conf_wait_ask(arg);
}

static void conf_wait_prompt(int err, const struct fs_prompt_result *res,
			     void *arg)
{
	struct conf_task *ct = arg;

	(void)res;
	if (err && err != ECANCELED)
		fs_info("conference", "%s: %s: a waitHook verb failed: %m",
			fs_call_sid(ct->c), ct->name, err);
	conf_wait_next(ct);
}

static void conf_wait_paused(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	conf_wait_next(arg);
}

static void conf_wait_next(struct conf_task *ct)
{
	const struct json_object *data = NULL;
	struct json_object *v, *len;
	const char *verb;
	char esc[64];
	int err;

	if (ct->vi >= json_object_array_length(ct->verbs)) {
		if (conf_wait_ended(ct))
			return;
		err = fs_scope_listen(ct->wait, NULL, CONF_WAIT_GAP_MS,
				      conf_wait_gap, ct, NULL);
		if (err)
			fs_warn("conference", "%s: waitHook stops: %m",
				fs_call_sid(ct->c), err);
		return;
	}
	v = json_object_array_get_idx(ct->verbs, ct->vi++);
	verb = fs_verb_split(v, &data);
	if (verb && (!strcmp(verb, "say") || !strcmp(verb, "play"))) {
		err = fs_prompt_run(ct->c, ct->wait, verb, data,
				    conf_wait_prompt, ct);
	} else if (verb && !strcmp(verb, "pause")) {
		double secs = 0;

		if (json_object_object_get_ex(data, "length", &len))
			secs = json_object_get_double(len);
		err = fs_scope_listen(ct->wait, NULL,
				      fs_secs_ms(secs, 1, 3600000u),
				      conf_wait_paused, ct, NULL);
	} else if (verb && !strcmp(verb, "leave") && !ct->wait_done) {
		conf_finish(ct, "leave");
		return;
	} else {
		fs_log_escape(esc, sizeof(esc), verb ? verb : "?");
		fs_warn("conference",
			"%s: %s: unsupported verb in conference %s: "
			"'%s' (only say, play, pause%s)",
			fs_call_sid(ct->c), ct->name,
			ct->wait_done ? "enterHook" : "waitHook", esc,
			ct->wait_done ? "" : " and leave");
		(void)conf_wait_ended(ct);
		return;
	}
	if (err) {
		fs_warn("conference", "%s: %s: waitHook %s failed: %m",
			fs_call_sid(ct->c), ct->name, verb, err);
		conf_wait_next(ct);
	}
}

static void conf_wait_verbs(int err, const struct json_object *verbs,
			    void *arg)
{
	struct conf_task *ct = arg;

	if (err) {
		fs_info("conference", "%s: %s: %s failed: %m",
			fs_call_sid(ct->c), ct->name,
			ct->wait_done ? "enterHook" : "waitHook", err);
		(void)conf_wait_ended(ct);
		return;
	}
	json_object_put(ct->verbs);
	ct->verbs = json_object_get((struct json_object *)verbs);
	ct->vi = 0;
	/* jambonz stops asking after an empty answer */
	if (!json_object_array_length(ct->verbs)) {
		(void)conf_wait_ended(ct);
		return;
	}
	conf_wait_next(ct);
}

static void conf_wait_ask(struct conf_task *ct)
{
	int err = fs_call_hook_verbs(ct->c, ct->wait, ct->wait_hook, NULL,
				     conf_wait_verbs, ct);

	if (err) {
		fs_warn("conference", "%s: %s: cannot ask the waitHook: %m",
			fs_call_sid(ct->c), ct->name, err);
		(void)conf_wait_ended(ct);
	}
}

static void conf_wait_begin(struct conf_task *ct,
			    const struct json_object *hook,
			    void (*done)(struct conf_task *ct))
{
	int err;

	conf_wait_stop(ct);
	if (!hook) {
		if (done)
			done(ct);
		return;
	}
	err = fs_scope_alloc(&ct->wait, fs_task_scope(ct->t), "waitHook");
	if (err) {
		fs_warn("conference", "%s: waitHook: %m", fs_call_sid(ct->c),
			err);
		if (done)
			done(ct);
		return;
	}
	ct->wait_hook = hook;
	ct->wait_done = done;
	conf_wait_ask(ct);
}

void conf_wait_start(struct conf_task *ct, const struct json_object *hook)
{
	conf_wait_begin(ct, hook, NULL);
}

void conf_wait_once(struct conf_task *ct, const struct json_object *hook,
		    void (*done)(struct conf_task *ct))
{
	conf_wait_begin(ct, hook, done);
}

void conf_wait_stop(struct conf_task *ct)
{
	ct->wait_done = NULL;
	if (!ct->wait)
		return;
	/* the prompt's data (in verbs) is let go after the prompt */
	fs_scope_close(ct->wait);
	ct->wait = mem_deref(ct->wait);
	json_object_put(ct->verbs);
	ct->verbs = NULL;
	ct->wait_hook = NULL;
}
