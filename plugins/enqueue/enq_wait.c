/**
 * @file enq_wait.c  What a caller hears while it waits in the queue: the
 *                   verbs of the waitHook
 *
 * As jambonz's _doWait: 500 ms of silence, then the hook is asked with
 * the caller's place (queuePosition from 0, queueSize, queueTime,
 * queueSid, callSid, callId), its say, play, pause and tag verbs run in
 * order, and again, until the caller is dequeued or leaves; an empty
 * answer ends the loop (silence from then on), and so do a failure and
 * a verb that is not one of those (jambonz refuses the whole answer
 * then). A leave stops there and takes the caller out of the queue.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_queue.h>
#include "enq_int.h"

#define ENQ_WAIT_GAP_MS 500

static void enq_wait_next(struct enq_task *et);
static void enq_wait_gap(struct enq_task *et);

static const struct json_object *enq_prop(const struct enq_task *et,
					  const char *k)
{
	struct json_object *v = NULL;

	(void)json_object_object_get_ex(fs_task_data(et->t), k, &v);
	return v;
}

static void enq_wait_done(int err, const struct fs_prompt_result *res,
			  void *arg)
{
	struct enq_task *et = arg;

	(void)res;
	if (err && err != ECANCELED)
		fs_info("enqueue", "%s: %s: a waitHook verb failed: %m",
			fs_call_sid(et->c), et->name, err);
	enq_wait_next(et);
}

static void enq_wait_timer(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	enq_wait_next(arg);
}

static bool enq_wait_allowed(const char *verb)
{
	static const char *const ok[] = {"say", "play", "pause", "leave",
					 "tag"};

	for (size_t i = 0; verb && i < ARRAY_SIZE(ok); i++)
		if (!strcmp(verb, ok[i]))
			return true;
	return false;
}

/* jambonz checks the whole answer before running any of it */
static bool enq_wait_check(struct enq_task *et)
{
	size_t i, n = json_object_array_length(et->verbs);
	const struct json_object *data;
	const char *verb;
	char esc[64];

	for (i = 0; i < n; i++) {
		verb = fs_verb_split(json_object_array_get_idx(et->verbs, i),
				     &data);
		if (enq_wait_allowed(verb))
			continue;
		fs_log_escape(esc, sizeof(esc), verb ? verb : "?");
		fs_warn("enqueue",
			"%s: %s: unsupported verb in enqueue waitHook: '%s' "
			"(only say, play, pause, leave and tag): the waitHook "
			"stops",
			fs_call_sid(et->c), et->name, esc);
		return false;
	}
	return true;
}

static void enq_wait_next(struct enq_task *et)
{
	const struct json_object *data = NULL;
	struct json_object *len, *v;
	const char *verb;
	int err = 0;

	if (et->vi >= json_object_array_length(et->verbs)) {
		enq_wait_gap(et);
		return;
	}
	v = json_object_array_get_idx(et->verbs, et->vi++);
	verb = fs_verb_split(v, &data);
	if (!strcmp(verb, "leave")) {
		fs_info("enqueue", "%s: %s: the waitHook answered leave",
			fs_call_sid(et->c), et->name);
		enq_leave(et);
		return;
	}
	if (!strcmp(verb, "tag")) {
		if (json_object_object_get_ex(data, "data", &v))
			err = fs_call_set_tag(et->c, v);
		if (err)
			fs_info("enqueue", "%s: %s: waitHook tag: %m",
				fs_call_sid(et->c), et->name, err);
		enq_wait_next(et);
		return;
	}
	if (!strcmp(verb, "pause")) {
		double secs = 0;

		if (json_object_object_get_ex(data, "length", &len))
			secs = json_object_get_double(len);
		err = fs_scope_listen(et->wait, NULL,
				      fs_secs_ms(secs, 1, 3600000u),
				      enq_wait_timer, et, NULL);
	} else {
		err = fs_prompt_run(et->c, et->wait, verb, data, enq_wait_done,
				    et);
	}
	if (err) {
		fs_warn("enqueue", "%s: %s: waitHook %s failed: %m",
			fs_call_sid(et->c), et->name, verb, err);
		enq_wait_next(et);
	}
}

static void enq_wait_verbs(int err, const struct json_object *verbs, void *arg)
{
	struct enq_task *et = arg;

	if (err) {
		fs_info("enqueue", "%s: %s: waitHook failed: %m: it stops",
			fs_call_sid(et->c), et->name, err);
		return;
	}
	json_object_put(et->verbs);
	et->verbs = json_object_get((struct json_object *)verbs);
	et->vi = 0;
	/* jambonz stops asking after an empty answer */
	if (!json_object_array_length(et->verbs) || !enq_wait_check(et))
		return;
	enq_wait_next(et);
}

static void enq_wait_placed(int err, unsigned pos, unsigned size, void *arg)
{
	struct enq_task *et = arg;
	struct json_object *f = enq_fields(et), *v;

	if (!f)
		return;
	if (err)
		fs_info("enqueue", "%s: %s: no place in the queue: %m",
			fs_call_sid(et->c), et->name, err);
	json_object_object_add(f, "queueSize",
			       json_object_new_int64(err ? 0 : size));
	json_object_object_add(f, "queuePosition",
			       json_object_new_int64(err ? 0 : pos));
	json_object_object_add(f, "callSid",
			       json_object_new_string(fs_call_sid(et->c)));
	v = fs_call_info(et->c);
	if (v) {
		struct json_object *x;

		if (json_object_object_get_ex(v, "callId", &x))
			json_object_object_add(f, "callId",
					       json_object_get(x));
		if (json_object_object_get_ex(v, "customerData", &x))
			json_object_object_add(f, "customerData",
					       json_object_get(x));
		json_object_put(v);
	}
	err = fs_call_hook_verbs(et->c, et->wait, enq_prop(et, "waitHook"), f,
				 enq_wait_verbs, et);
	if (err)
		fs_warn("enqueue", "%s: %s: cannot ask the waitHook: %m",
			fs_call_sid(et->c), et->name, err);
}

static void enq_wait_ask(int err, const char *ev, void *data, void *arg)
{
	struct enq_task *et = arg;

	(void)ev;
	(void)data;
	(void)err;
	err = fs_queue_place(et->q, et->wait, enq_wait_placed, et);
	if (err)
		fs_warn("enqueue", "%s: %s: waitHook stops: %m",
			fs_call_sid(et->c), et->name, err);
}

static void enq_wait_gap(struct enq_task *et)
{
	int err = fs_scope_listen(et->wait, NULL, ENQ_WAIT_GAP_MS,
				  enq_wait_ask, et, NULL);

	if (err)
		fs_warn("enqueue", "%s: %s: waitHook stops: %m",
			fs_call_sid(et->c), et->name, err);
}

void enq_wait_start(struct enq_task *et)
{
	int err;

	if (!enq_prop(et, "waitHook"))
		return;
	err = fs_scope_alloc(&et->wait, fs_task_scope(et->t), "waitHook");
	if (err) {
		fs_warn("enqueue", "%s: waitHook: %m", fs_call_sid(et->c),
			err);
		return;
	}
	enq_wait_gap(et);
}

void enq_wait_stop(struct enq_task *et)
{
	if (!et->wait)
		return;
	fs_scope_close(et->wait);
	et->wait = mem_deref(et->wait);
	json_object_put(et->verbs);
	et->verbs = NULL;
}
