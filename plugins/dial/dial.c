/**
 * @file dial.c  The dial verb: call out and bridge the caller
 *
 * Ring up to ten targets at once; the first to answer is bridged
 * with the caller and the others are cancelled. The outcome goes to
 * the actionHook (dial_call_status, dial_sip_status, dial_call_sid,
 * dial_sbc_callid); the verb list goes on when the bridge ends.
 * A listen (or stream) property streams the bridged call, as jambonz's
 * nested listen, from the answer to the bridge's end (the core's listen
 * service, fs/fs_listen.h): its metadata carries the answered leg's
 * fields, its actionHook's answer is not acted on.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_listen.h>
#include "schema.h"

#define DIAL_MAX_TARGETS 10

struct dial;

struct dial_target {
	struct dial *d;
	struct fs_leg *leg;
	const struct json_object *spec; /* its target entry */
	bool done;
};

struct dial {
	struct fs_task *t;
	struct fs_call *call;
	struct dial_target targets[DIAL_MAX_TARGETS];
	size_t n;
	size_t pending;
	struct dial_target *winner;
	struct dial_target *early; /* bridged for early media */
	bool answer_on_bridge;
	bool ended;
	uint32_t time_limit_ms;
	uint16_t last_scode;
	bool any_busy;
	struct fs_listen *listen; /* nested listen, once bridged */
};

static void dial_destructor(void *arg)
{
	struct dial *d = arg;

	fs_listen_stop(d->listen);
	d->listen = mem_deref(d->listen);
}

static void dial_finish(struct dial *d, const char *status, uint16_t scode)
{
	struct json_object *r, *hook = NULL;
	struct dial_target *w = d->winner;

	if (d->ended)
		return;
	d->ended = true;
	/* the stream is the bridge's: it ends before the actionHook */
	fs_listen_stop(d->listen);
	r = json_object_new_object();
	json_object_object_add(r, "dial_call_status",
			       json_object_new_string(status));
	json_object_object_add(r, "dial_sip_status",
			       json_object_new_int(scode));
	if (w) {
		json_object_object_add(
			r, "dial_call_sid",
			json_object_new_string(fs_leg_sid(w->leg)));
		if (fs_leg_callid(w->leg))
			json_object_object_add(
				r, "dial_sbc_callid",
				json_object_new_string(fs_leg_callid(w->leg)));
	}
	fs_info("dial", "%s: dial %s (%u)", fs_call_sid(d->call), status,
		scode);
	(void)json_object_object_get_ex(fs_task_data(d->t), "actionHook",
					&hook);
	fs_task_done(d->t, 0, hook, r);
}

static void dial_time_limit(int err, const char *ev, void *data, void *arg)
{
	struct dial *d = arg;

	(void)err;
	(void)ev;
	(void)data;
	if (d->winner)
		fs_leg_hangup(d->winner->leg);
	dial_finish(d, "completed", 200);
}

static void dial_add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* The answered leg's fields, as jambonz gives a nested listen its
 * dial's call (sd.callInfo): an outbound call, child of the caller's */
static struct json_object *dial_leg_info(struct dial *d,
					 const struct dial_target *dt)
{
	struct json_object *o = fs_call_info(d->call), *v;
	const char *to = NULL;

	if (!o)
		return NULL;
	if (json_object_object_get_ex(dt->spec, "number", &v) ||
	    json_object_object_get_ex(dt->spec, "sipUri", &v) ||
	    json_object_object_get_ex(dt->spec, "name", &v))
		to = json_object_get_string(v);
	dial_add_str(o, "parentCallSid", fs_call_sid(d->call));
	dial_add_str(o, "callSid", fs_leg_sid(dt->leg));
	dial_add_str(o, "callId", fs_leg_callid(dt->leg));
	dial_add_str(o, "direction", "outbound");
	dial_add_str(o, "to", to);
	dial_add_str(o, "callStatus", "in-progress");
	json_object_object_add(o, "sipStatus", json_object_new_int(200));
	return o;
}

/* listen (or stream): the bridged call to a WebSocket server, caller
 * on the left, the answered target on the right in stereo */
static void dial_listen(struct dial *d, const struct dial_target *dt)
{
	const struct json_object *data = fs_task_data(d->t);
	struct fs_listen_opts o = {.post_hook = true};
	struct json_object *spec;
	int err;

	if (!json_object_object_get_ex(data, "listen", &spec) &&
	    !json_object_object_get_ex(data, "stream", &spec))
		return;
	o.info = dial_leg_info(d, dt);
	err = fs_listen_start(&d->listen, d->call, fs_task_scope(d->t), spec,
			      &o, NULL, NULL);
	json_object_put((struct json_object *)o.info);
	if (err)
		fs_warn("dial", "%s: nested listen not started: %m",
			fs_call_sid(d->call), err);
}

static void dial_leg_event(struct fs_leg *leg, enum fs_leg_event ev,
			   uint16_t scode, const char *reason, void *arg)
{
	struct dial_target *dt = arg;
	struct dial *d = dt->d;

	(void)leg;
	(void)reason;
	if (d->ended || dt->done)
		return;

	switch (ev) {
	case FS_LEG_RINGING:
		if (d->answer_on_bridge && !d->winner)
			(void)fs_call_ring(d->call);
		break;

	case FS_LEG_EARLY:
		/* the caller hears the callee's ringback or announcement */
		if (d->answer_on_bridge && !d->winner && !d->early &&
		    !fs_call_early_media(d->call) &&
		    !fs_call_bridge(d->call, dt->leg))
			d->early = dt;
		break;

	case FS_LEG_ANSWERED:
		if (d->winner) {
			fs_leg_hangup(dt->leg);
			dt->done = true;
			break;
		}
		d->winner = dt;
		/* first to answer wins: cancel the others */
		for (size_t i = 0; i < d->n; i++) {
			struct dial_target *o = &d->targets[i];

			if (o != dt && o->leg && !o->done) {
				fs_leg_hangup(o->leg);
				o->done = true;
				d->pending--;
			}
		}
		if (fs_call_answer(d->call) ||
		    fs_call_bridge(d->call, dt->leg)) {
			fs_leg_hangup(dt->leg);
			dial_finish(d, "failed", 500);
			break;
		}
		dial_listen(d, dt);
		if (d->time_limit_ms)
			(void)fs_scope_listen(fs_task_scope(d->t), NULL,
					      d->time_limit_ms,
					      dial_time_limit, d, NULL);
		break;

	case FS_LEG_FAILED:
		dt->done = true;
		if (d->early == dt)
			d->early = NULL;
		if (scode == 486 || scode == 600)
			d->any_busy = true;
		d->last_scode = scode;
		if (--d->pending == 0 && !d->winner) {
			if (d->any_busy)
				dial_finish(d, "busy", 486);
			else if (scode == 487 || scode == 408)
				dial_finish(d, "no-answer", scode);
			else
				dial_finish(d, "failed", scode);
		}
		break;

	case FS_LEG_ENDED:
		dt->done = true;
		if (dt == d->winner)
			dial_finish(d, "completed", 200);
		break;
	}
}

static uint32_t dial_ms(const struct json_object *data, const char *key,
			uint32_t def)
{
	struct json_object *v;
	double secs;

	if (!json_object_object_get_ex(data, key, &v))
		return def;
	secs = json_object_get_double(v);
	return fs_secs_ms(secs, def, 86400000u);
}

static int dial_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *targets, *v, *headers = NULL;
	struct fs_leg_opts o = {0};
	struct dial *d;
	char why[256];
	size_t n;
	int err;

	d = mem_zalloc(sizeof(*d), dial_destructor);
	if (!d)
		return ENOMEM;
	d->t = t;
	d->call = fs_task_call(t);
	fs_task_set_state(t, d);

	if (json_object_object_get_ex(data, "answerOnBridge", &v))
		d->answer_on_bridge = json_object_get_boolean(v);
	d->time_limit_ms = dial_ms(data, "timeLimit", 0);
	o.timeout_ms = dial_ms(data, "timeout", 60000);
	if (json_object_object_get_ex(data, "callerId", &v))
		o.caller_id = json_object_get_string(v);
	if (json_object_object_get_ex(data, "callerName", &v))
		o.caller_name = json_object_get_string(v);
	(void)json_object_object_get_ex(data, "headers", &headers);
	o.headers = headers;

	/* without answerOnBridge the caller is answered as the call is
	 * placed */
	if (!d->answer_on_bridge) {
		err = fs_call_answer(d->call);
		if (err) {
			dial_finish(d, "failed", 500);
			return 0;
		}
	}

	(void)json_object_object_get_ex(data, "target", &targets);
	n = json_object_array_length(targets);
	if (n > DIAL_MAX_TARGETS) {
		fs_warn("dial", "%s: %zu targets, ringing the first %d",
			fs_call_sid(d->call), n, DIAL_MAX_TARGETS);
		n = DIAL_MAX_TARGETS;
	}
	for (size_t i = 0; i < n; i++) {
		struct dial_target *dt = &d->targets[d->n];

		dt->d = d;
		dt->spec = json_object_array_get_idx(targets, i);
		err = fs_leg_dial(&dt->leg, d->call, fs_task_scope(t),
				  json_object_array_get_idx(targets, i), &o,
				  dial_leg_event, dt, why, sizeof(why));
		if (err) {
			fs_warn("dial", "%s: target %zu: %s",
				fs_call_sid(d->call), i, why);
			continue;
		}
		d->n++;
		d->pending++;
	}
	if (!d->pending)
		dial_finish(d, "failed", 400);
	return 0;
}

FS_SCHEMA_PLUGIN(dial, "dial", dial_schema_json, .version = PLUGIN_VERSION,
		 .exec = dial_exec);
