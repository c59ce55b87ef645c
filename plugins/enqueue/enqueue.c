/**
 * @file enqueue.c  The enqueue verb: the caller waits in a named queue of
 *                  its account until an agent's dequeue takes it, and
 *                  is then bridged to the agent (fs/fs_queue.h)
 *
 * As jambonz's lib/tasks/enqueue.js: the caller joins the queue (last
 * among its priority), queue:status "join" is sent, the waitHook's verbs
 * play in a loop (enq_wait.c); a dequeue takes it out (queue:status
 * "leave", leaveReason "dequeued") and the two calls are bridged until
 * either hangs up; a leave of the waitHook or a hangup takes it out
 * (leaveReason "abandoned"). The actionHook gets queueSid, queueTime
 * (seconds since it joined) and queueResult: bridged, leave, hangup
 * (the caller hung up while waiting, or the verbs were replaced) or
 * error (the bridge did not come up). The bridge is a two-member room
 * of the mixer, which carries it between loops.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_queue.h>
#include "enq_int.h"
#include "schema.h"

#define ENQ_POLL_MS   100
#define ENQ_BRIDGE_MS 20000 /* jambonz's bridge timeout */

static uint64_t enq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const struct json_object *enq_prop(const struct enq_task *et,
					  const char *k)
{
	struct json_object *v = NULL;

	(void)json_object_object_get_ex(fs_task_data(et->t), k, &v);
	return v;
}

static const char *enq_name(const struct enq_task *et)
{
	const char *s = json_object_get_string(
		(struct json_object *)enq_prop(et, "name"));

	return s ? s : "";
}

static void enq_destructor(void *arg)
{
	struct enq_task *et = arg;

	json_object_put(et->verbs);
	mem_deref(et->wait);
}

struct json_object *enq_fields(const struct enq_task *et)
{
	struct json_object *f = json_object_new_object();
	uint64_t now = enq_now_ms();

	if (!f)
		return NULL;
	json_object_object_add(f, "queueSid", json_object_new_string(et->sid));
	json_object_object_add(
		f, "queueTime",
		json_object_new_int64(
			now > et->start_ms
				? (int64_t)((now - et->start_ms) / 1000)
				: 0));
	return f;
}

/* queue:status, as jambonz's performQueueWebhook */
static void enq_status(struct enq_task *et, const char *event, unsigned length,
		       const char *reason, struct json_object *dequeuer)
{
	struct json_object *f = json_object_new_object();
	int err;

	if (!f) {
		json_object_put(dequeuer);
		return;
	}
	json_object_object_add(f, "event", json_object_new_string(event));
	json_object_object_add(f, "queue",
			       json_object_new_string(enq_name(et)));
	json_object_object_add(f, "length", json_object_new_int64(length));
	if (reason) {
		json_object_object_add(f, "leaveReason",
				       json_object_new_string(reason));
		json_object_object_add(
			f, "leaveTime",
			json_object_new_int64((int64_t)enq_now_ms()));
	} else {
		json_object_object_add(
			f, "joinTime",
			json_object_new_int64((int64_t)et->start_ms));
	}
	if (dequeuer)
		json_object_object_add(f, "dequeuer", dequeuer);
	err = fs_queue_status(et->c, f);
	if (err)
		fs_warn("enqueue", "%s: %s: queue:status %s not sent: %m",
			fs_call_sid(et->c), et->name, event, err);
}

/* Out of the queue by itself (a leave, a hangup): "abandoned" */
static void enq_abandon(struct enq_task *et)
{
	unsigned left = 0;

	enq_wait_stop(et);
	if (!et->q)
		return;
	fs_queue_leave(et->q, &left);
	et->q = NULL;
	enq_status(et, "leave", left, "abandoned", NULL);
}

static void enq_unbridge(struct enq_task *et)
{
	fs_listener_cancel(et->poll);
	et->poll = NULL;
	if (!et->m)
		return;
	fs_conf_leave(et->m, NULL, NULL);
	et->m = NULL;
}

static void enq_finish(struct enq_task *et, const char *result)
{
	struct json_object *f;

	et->result = result;
	enq_abandon(et);
	enq_unbridge(et);
	f = enq_fields(et);
	if (f)
		json_object_object_add(f, "queueResult",
				       json_object_new_string(result));
	fs_info("enqueue", "%s: %s: done (%s)", fs_call_sid(et->c), et->name,
		result);
	fs_task_done(et->t, 0, enq_prop(et, "actionHook"), f);
}

void enq_leave(struct enq_task *et)
{
	enq_finish(et, "leave");
}

static void enq_conf_ev(enum fs_conf_ev ev, void *arg)
{
	struct enq_task *et = arg;

	if (ev != FS_CONF_ENDED)
		return;
	fs_info("enqueue", "%s: %s: the agent left the bridge",
		fs_call_sid(et->c), et->name);
	enq_finish(et, "bridged");
}

/* The agent comes into the bridge within jambonz's 20 s */
static void enq_poll(int err, const char *ev, void *data, void *arg)
{
	struct enq_task *et = arg;

	(void)err;
	(void)ev;
	(void)data;
	et->poll = NULL;
	if (fs_conf_count(et->m) >= 2) {
		et->result = "bridged";
		fs_info("enqueue", "%s: %s: bridged to the agent",
			fs_call_sid(et->c), et->name);
		return;
	}
	if (++et->polls * ENQ_POLL_MS >= ENQ_BRIDGE_MS) {
		fs_warn("enqueue",
			"%s: %s: the agent did not come into the "
			"bridge",
			fs_call_sid(et->c), et->name);
		enq_finish(et, "error");
		return;
	}
	err = fs_scope_listen(fs_task_scope(et->t), NULL, ENQ_POLL_MS,
			      enq_poll, et, &et->poll);
	if (err)
		enq_finish(et, "error");
}

static void enq_queue_ev(enum fs_queue_ev ev, void *arg)
{
	struct enq_task *et = arg;
	int err;

	if (ev != FS_QUEUE_DEQUEUED || !et->q)
		return;
	enq_wait_stop(et);
	fs_info("enqueue", "%s: %s: dequeued", fs_call_sid(et->c), et->name);
	enq_status(et, "leave", fs_queue_length(et->q), "dequeued",
		   fs_queue_dequeuer(et->q));
	err = fs_conf_bridge(&et->m, et->c, fs_task_scope(et->t),
			     fs_call_sid(et->c), fs_queue_beep(et->q),
			     enq_conf_ev, et);
	fs_queue_leave(et->q, NULL);
	et->q = NULL;
	if (err) {
		fs_warn("enqueue", "%s: %s: cannot bridge: %m",
			fs_call_sid(et->c), et->name, err);
		enq_finish(et, "error");
		return;
	}
	enq_poll(0, NULL, NULL, et);
}

/* The queue's size as it joined (the cluster's with Redis): "join" */
static void enq_joined(int err, unsigned pos, unsigned size, void *arg)
{
	struct enq_task *et = arg;

	(void)pos;
	enq_status(et, "join", err ? fs_queue_length(et->q) : size, NULL,
		   NULL);
	enq_wait_start(et);
}

static int enq_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *prio;
	struct enq_task *et;
	double p = FS_QUEUE_PRIO_DFLT;
	int err;

	et = mem_zalloc(sizeof(*et), enq_destructor);
	if (!et)
		return ENOMEM;
	et->t = t;
	et->c = fs_task_call(t);
	et->result = "hangup"; /* jambonz's state while it waits */
	fs_task_set_state(t, et);
	fs_log_escape(et->name, sizeof(et->name), enq_name(et));
	if (json_object_object_get_ex(data, "priority", &prio))
		p = json_object_get_double(prio);
	if (p < 0)
		fs_warn("enqueue",
			"%s: %s: priority %d is invalid (a non-negative "
			"number): 999 is used",
			fs_call_sid(et->c), et->name, (int)p);
	err = fs_queue_join(&et->q, et->c, fs_task_scope(t), enq_name(et), p,
			    enq_queue_ev, et);
	if (err) {
		fs_warn("enqueue", "%s: cannot join queue '%s': %m%s",
			fs_call_sid(et->c), et->name, err,
			err == EINVAL ? " (a name of 1 to 128 characters, "
					"no control characters)"
				      : "");
		return err;
	}
	et->start_ms = enq_now_ms();
	str_ncpy(et->sid, fs_queue_sid(et->q), sizeof(et->sid));
	err = fs_queue_place(et->q, fs_task_scope(t), enq_joined, et);
	if (err)
		enq_joined(err, 0, 0, et);
	return 0;
}

/* A hangup or the verbs replaced: out of the queue or the bridge;
 * jambonz still posts the actionHook, whose answer is not acted on */
static void enq_cancel(struct fs_task *t)
{
	struct enq_task *et = fs_task_state(t);
	const struct json_object *hook;
	struct json_object *f;

	/* not started (a refused name) or already out */
	if (!et || (!et->q && !et->m))
		return;
	hook = enq_prop(et, "actionHook");
	fs_info("enqueue", "%s: %s: %s while %s", fs_call_sid(et->c), et->name,
		fs_call_alive(et->c) ? "verbs replaced" : "hangup",
		et->q ? "queued" : "bridged");
	enq_abandon(et);
	enq_unbridge(et);
	f = enq_fields(et);
	if (f)
		json_object_object_add(f, "queueResult",
				       json_object_new_string(et->result));
	if (hook && fs_call_hook_post(et->c, hook, f))
		fs_warn("enqueue", "%s: %s: actionHook not sent",
			fs_call_sid(et->c), et->name);
	else if (!hook)
		json_object_put(f);
}

FS_SCHEMA_PLUGIN(enqueue, "enqueue", enqueue_schema_json,
		 .version = PLUGIN_VERSION, .exec = enq_exec,
		 .cancel = enq_cancel, .flags = FS_PLUGIN_NEEDS_MEDIA);
