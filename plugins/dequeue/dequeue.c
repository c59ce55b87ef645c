/**
 * @file dequeue.c  The dequeue verb: an agent takes a caller waiting in a
 *                  named queue (the longest waiter, or callSid) and is
 *                  bridged to it (fs/fs_queue.h)
 *
 * As jambonz's lib/tasks/dequeue.js: one second after it starts (so the
 * first words are not clipped), the queue is tried, and again every
 * second until a member is found or `timeout` seconds have passed
 * (none: it waits as long as the call lasts); jambonz tries every 5 s.
 * The member is told, and both come into a two-member room of the mixer
 * (the bridge); it comes up within 20 s or the verb ends with
 * dequeueResult "hangup". Either side hanging up ends the bridge. The
 * actionHook gets dequeueResult: complete (after a bridge), timeout
 * (nobody came) or hangup (the bridge did not come up). `beep` plays the
 * mixer's entry tone as the caller comes in.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_queue.h>
#include "schema.h"

#define DEQ_FIRST_MS  1000
#define DEQ_RETRY_MS  1000
#define DEQ_POLL_MS   100
#define DEQ_BRIDGE_MS 20000

struct deq_task {
	struct fs_task *t;
	struct fs_call *c;
	struct fs_conf *m;       /* the bridge (bound to the task scope) */
	struct fs_listener *tmo; /* the timeout, while nobody is found */
	unsigned polls;
	bool bridged;
	char waiter[40];
	char name[300]; /* the queue's name, escaped for logs */
};

static const struct json_object *deq_prop(const struct deq_task *dt,
					  const char *k)
{
	struct json_object *v = NULL;

	(void)json_object_object_get_ex(fs_task_data(dt->t), k, &v);
	return v;
}

static const char *deq_str(const struct deq_task *dt, const char *k)
{
	const struct json_object *v = deq_prop(dt, k);

	return json_object_is_type(v, json_type_string)
		       ? json_object_get_string((struct json_object *)v)
		       : NULL;
}

static struct json_object *deq_result(const char *result)
{
	struct json_object *f = json_object_new_object();

	if (f)
		json_object_object_add(f, "dequeueResult",
				       json_object_new_string(result));
	return f;
}

static void deq_finish(struct deq_task *dt, const char *result)
{
	if (dt->m)
		fs_conf_leave(dt->m, NULL, NULL);
	dt->m = NULL;
	fs_info("dequeue", "%s: %s: done (%s)", fs_call_sid(dt->c), dt->name,
		result);
	fs_task_done(dt->t, 0, deq_prop(dt, "actionHook"), deq_result(result));
}

static void deq_conf_ev(enum fs_conf_ev ev, void *arg)
{
	struct deq_task *dt = arg;

	if (ev != FS_CONF_ENDED)
		return;
	fs_info("dequeue", "%s: %s: the caller %s left the bridge",
		fs_call_sid(dt->c), dt->name, dt->waiter);
	deq_finish(dt, "complete");
}

static void deq_poll(int err, const char *ev, void *data, void *arg)
{
	struct deq_task *dt = arg;

	(void)err;
	(void)ev;
	(void)data;
	if (fs_conf_count(dt->m) >= 2) {
		dt->bridged = true;
		fs_info("dequeue", "%s: %s: bridged to %s", fs_call_sid(dt->c),
			dt->name, dt->waiter);
		return;
	}
	if (++dt->polls * DEQ_POLL_MS >= DEQ_BRIDGE_MS) {
		fs_warn("dequeue", "%s: %s: %s did not come into the bridge",
			fs_call_sid(dt->c), dt->name, dt->waiter);
		deq_finish(dt, "hangup");
		return;
	}
	if (fs_scope_listen(fs_task_scope(dt->t), NULL, DEQ_POLL_MS, deq_poll,
			    dt, NULL))
		deq_finish(dt, "hangup");
}

static void deq_try(int err, const char *ev, void *data, void *arg);

static void deq_taken(int err, const char *sid, void *arg)
{
	struct deq_task *dt = arg;

	/* as jambonz, which logs a failed look and looks again */
	if (err && err != ENOENT)
		fs_info("dequeue", "%s: %s: the queue did not answer: %m",
			fs_call_sid(dt->c), dt->name, err);
	if (err)
		err = fs_scope_listen(fs_task_scope(dt->t), NULL, DEQ_RETRY_MS,
				      deq_try, dt, NULL);
	if (err) {
		fs_warn("dequeue", "%s: %s: %m", fs_call_sid(dt->c), dt->name,
			err);
		deq_finish(dt, "hangup");
		return;
	}
	if (!sid)
		return;
	fs_listener_cancel(dt->tmo);
	dt->tmo = NULL;
	str_ncpy(dt->waiter, sid, sizeof(dt->waiter));
	fs_info("dequeue", "%s: %s: took %s", fs_call_sid(dt->c), dt->name,
		dt->waiter);
	err = fs_conf_bridge(&dt->m, dt->c, fs_task_scope(dt->t), sid, false,
			     deq_conf_ev, dt);
	if (err) {
		fs_warn("dequeue", "%s: %s: cannot bridge to %s: %m",
			fs_call_sid(dt->c), dt->name, dt->waiter, err);
		deq_finish(dt, "hangup");
		return;
	}
	deq_poll(0, NULL, NULL, dt);
}

static void deq_timeout(int err, const char *ev, void *data, void *arg)
{
	struct deq_task *dt = arg;

	(void)err;
	(void)ev;
	(void)data;
	dt->tmo = NULL;
	fs_info("dequeue", "%s: %s: timed out, nobody waiting",
		fs_call_sid(dt->c), dt->name);
	deq_finish(dt, "timeout");
}

static void deq_try(int err, const char *ev, void *data, void *arg)
{
	struct deq_task *dt = arg;
	const struct json_object *beep = deq_prop(dt, "beep");

	(void)ev;
	(void)data;
	(void)err;
	err = fs_queue_take(
		dt->c, fs_task_scope(dt->t), deq_str(dt, "name"),
		deq_str(dt, "callSid"),
		json_object_get_boolean((struct json_object *)beep), deq_taken,
		dt);
	if (err) {
		fs_warn("dequeue", "%s: %s: cannot take from the queue: %m",
			fs_call_sid(dt->c), dt->name, err);
		deq_finish(dt, "hangup");
	}
}

static int deq_exec(struct fs_task *t, const struct json_object *data)
{
	struct deq_task *dt;
	struct json_object *v;
	const char *name;
	double secs = 0;

	dt = mem_zalloc(sizeof(*dt), NULL);
	if (!dt)
		return ENOMEM;
	dt->t = t;
	dt->c = fs_task_call(t);
	fs_task_set_state(t, dt);
	name = deq_str(dt, "name");
	fs_log_escape(dt->name, sizeof(dt->name), name ? name : "");
	if (!fs_queue_name_ok(name)) {
		fs_warn("dequeue",
			"%s: invalid queue name '%s' (1 to 128 characters, "
			"no control characters)",
			fs_call_sid(dt->c), dt->name);
		return EINVAL;
	}
	if (json_object_object_get_ex(data, "timeout", &v))
		secs = json_object_get_double(v);
	fs_info("dequeue", "%s: %s: waiting for a member%s",
		fs_call_sid(dt->c), dt->name,
		secs > 0 ? " (with a timeout)" : "");
	if (secs > 0) {
		int err = fs_scope_listen(fs_task_scope(t), NULL,
					  fs_secs_ms(secs, 1, 86400000u),
					  deq_timeout, dt, &dt->tmo);

		if (err)
			return err;
	}
	return fs_scope_listen(fs_task_scope(t), NULL, DEQ_FIRST_MS, deq_try,
			       dt, NULL);
}

/* A hangup or the verbs replaced: the bridge ends (the caller's verb
 * ends with queueResult bridged); jambonz posts the actionHook */
static void deq_cancel(struct fs_task *t)
{
	struct deq_task *dt = fs_task_state(t);
	const struct json_object *hook;

	if (!dt || !dt->m)
		return;
	hook = deq_prop(dt, "actionHook");
	fs_info("dequeue", "%s: %s: %s while bridged to %s",
		fs_call_sid(dt->c), dt->name,
		fs_call_alive(dt->c) ? "verbs replaced" : "hangup",
		dt->waiter);
	fs_conf_leave(dt->m, NULL, NULL);
	dt->m = NULL;
	if (hook && fs_call_hook_post(dt->c, hook, deq_result("complete")))
		fs_warn("dequeue", "%s: %s: actionHook not sent",
			fs_call_sid(dt->c), dt->name);
}

FS_SCHEMA_PLUGIN(dequeue, "dequeue", dequeue_schema_json,
		 .version = PLUGIN_VERSION, .exec = deq_exec,
		 .cancel = deq_cancel, .flags = FS_PLUGIN_NEEDS_MEDIA);
