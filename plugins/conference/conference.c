/**
 * @file conference.c  The conference verb: the call joins a room of this
 *                     instance (the core's mixer, fs/fs_conf.h)
 *
 * As jambonz's lib/tasks/conference.js: a room that has not started
 * (no member with startConferenceOnEnter, which is true unless false)
 * makes its members wait, hearing the waitHook's verbs; an enterHook's
 * verbs run on the member alone before it is in; the statusHook
 * gets start, join, leave, end, start-talking and stop-talking as
 * listed in statusEvents (the starter's hook and events serve the whole
 * room); the task ends when the member leaves: the room ended
 * (its last endConferenceOnExit member left, endConferenceDuration
 * after), a kick, a `leave` of the waitHook, a hangup or the verbs
 * replaced, and its actionHook gets the call's fields. updateCall's
 * conf_mute_status (every member that is not a moderator), conf_hold_status
 * and conferenceParticipantAction, and their WebSocket commands, reach it as
 * events on the call scope. The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_conf.h>
#include "conf_int.h"
#include "schema.h"

static const struct json_object *conf_prop(const struct fs_task *t,
					   const char *k)
{
	struct json_object *v = NULL;

	(void)json_object_object_get_ex(fs_task_data(t), k, &v);
	return v;
}

static void conf_destructor(void *arg)
{
	struct conf_task *ct = arg;

	json_object_put(ct->verbs);
	json_object_put(ct->status);
	json_object_put(ct->hold_hook);
	mem_deref(ct->wait);
}

static bool conf_wants(const struct conf_task *ct, const char *ev)
{
	struct json_object *evs;
	size_t i, n;

	if (!ct->status ||
	    !json_object_object_get_ex(ct->status, "statusEvents", &evs) ||
	    !json_object_is_type(evs, json_type_array))
		return false;
	n = json_object_array_length(evs);
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(
			json_object_array_get_idx(evs, i));

		if (s && !strcmp(s, ev))
			return true;
	}
	return false;
}

static void conf_iso_now(char *buf, size_t sz)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (!strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm))
		s[0] = '\0';
	snprintf(buf, sz, "%.24s.%03dZ", s,
		 (int)(ts.tv_nsec / 1000000) % 1000);
}

/* jambonz's _notifyConferenceEvent: the statusHook, if it wants ev */
static void conf_notify(struct conf_task *ct, const char *ev, unsigned members)
{
	struct json_object *f, *hook;
	struct timespec ts;
	const char *name;
	char iso[40];
	double dur = 0;
	int err;

	if (!conf_wants(ct, ev) ||
	    !json_object_object_get_ex(ct->status, "statusHook", &hook))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ct->start_ms)
		dur = ((double)ts.tv_sec * 1000 + ts.tv_nsec / 1e6 -
		       (double)ct->start_ms) /
		      1000.0;
	conf_iso_now(iso, sizeof(iso));
	name = json_object_get_string(
		(struct json_object *)conf_prop(ct->t, "name"));
	f = json_object_new_object();
	if (!f)
		return;
	json_object_object_add(f, "event", json_object_new_string(ev));
	json_object_object_add(f, "duration",
			       json_object_new_double(dur < 0 ? 0 : dur));
	json_object_object_add(f, "time", json_object_new_string(iso));
	json_object_object_add(f, "members", json_object_new_int(members));
	json_object_object_add(f, "conferenceSid",
			       json_object_new_string(ct->sid));
	json_object_object_add(f, "friendlyName",
			       json_object_new_string(name ? name : ""));
	err = fs_call_hook_post(ct->c, hook, f);
	if (err)
		fs_warn("conference", "%s: %s: statusHook %s not sent: %m",
			fs_call_sid(ct->c), ct->name, ev, err);
}

/* The starter's statusHook serves the room; a waiting one uses its own */
static void conf_take_status(struct conf_task *ct, bool own)
{
	struct json_object *o = NULL, *v;

	if (!own) {
		o = fs_conf_status(ct->m);
	} else if ((v = (struct json_object *)conf_prop(ct->t,
							"statusHook"))) {
		o = json_object_new_object();
		if (o) {
			json_object_object_add(o, "statusHook",
					       json_object_get(v));
			v = (struct json_object *)conf_prop(ct->t,
							    "statusEvents");
			if (v)
				json_object_object_add(o, "statusEvents",
						       json_object_get(v));
		}
	}
	json_object_put(ct->status);
	ct->status = o;
}

/* The enterHook's verbs ran: the member is heard and hears the room */
static void conf_entered(struct conf_task *ct)
{
	ct->entering = false;
	fs_conf_hold(ct->m, false);
	fs_info("conference", "%s: %s: enterHook done, in", fs_call_sid(ct->c),
		ct->name);
	conf_notify(ct, "join", fs_conf_count(ct->m));
}

/* In the room (at once, or once it started); as jambonz's
 * _joinConference: "start", the enterHook's verbs, then in and "join" */
static void conf_in(struct conf_task *ct)
{
	const struct json_object *enter = conf_prop(ct->t, "enterHook");

	ct->start_ms = fs_conf_start_ms(ct->m);
	if (fs_conf_starter(ct->m))
		conf_notify(ct, "start", 0);
	if (enter) {
		ct->entering = true;
		fs_conf_hold(ct->m, true);
		conf_wait_once(ct, enter, conf_entered);
		return;
	}
	conf_notify(ct, "join", fs_conf_count(ct->m));
}

/* Out of the room, the statusHook told; the fields of the actionHook */
static void conf_out(struct conf_task *ct, const char *why)
{
	unsigned left = 0;
	bool ended = false, was_in;

	conf_wait_stop(ct);
	if (!ct->m)
		return;
	fs_info("conference", "%s: %s: out (%s)", fs_call_sid(ct->c), ct->name,
		why);
	was_in = !fs_conf_waiting(ct->m);
	fs_conf_leave(ct->m, &left, &ended);
	ct->m = NULL;
	/* as jambonz, whose final check is for members that joined */
	if (!was_in)
		return;
	conf_notify(ct, "leave", left);
	/* jambonz's endConferenceOnExit member says "end" as it leaves,
	 * even when the room lives on (another such member, a grace) */
	if (ended || json_object_get_boolean((struct json_object *)conf_prop(
			     ct->t, "endConferenceOnExit")))
		conf_notify(ct, "end", left);
}

void conf_finish(struct conf_task *ct, const char *why)
{
	conf_out(ct, why);
	fs_task_done(ct->t, 0, conf_prop(ct->t, "actionHook"), NULL);
}

static void conf_ev(enum fs_conf_ev ev, void *arg)
{
	struct conf_task *ct = arg;

	switch (ev) {
	case FS_CONF_STARTED:
		fs_info("conference", "%s: %s: started, joining",
			fs_call_sid(ct->c), ct->name);
		conf_wait_stop(ct);
		conf_take_status(ct, true);
		conf_in(ct);
		break;
	case FS_CONF_ENDED:
		conf_finish(ct, "the room ended");
		break;
	case FS_CONF_TALKING:
		conf_notify(ct, "start-talking", fs_conf_count(ct->m));
		break;
	case FS_CONF_QUIET:
		conf_notify(ct, "stop-talking", fs_conf_count(ct->m));
		break;
	}
}

static bool conf_in_room(struct conf_task *ct, const char *what)
{
	if (ct->m && !fs_conf_waiting(ct->m) && !ct->entering)
		return true;
	fs_info("conference",
		"%s: %s: %s: not in a conference (waiting, or its enterHook "
		"runs)",
		fs_call_sid(ct->c), ct->name, what);
	return false;
}

static const char *conf_field(const struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* jambonz's doConferenceHold: mute and deaf, its wait_hook meanwhile */
static void conf_hold(struct conf_task *ct, bool hold, const char *wait_hook)
{
	if (ct->held != hold) {
		ct->held = hold;
		fs_conf_hold(ct->m, hold);
		fs_info("conference", "%s: %s: %s", fs_call_sid(ct->c),
			ct->name, hold ? "on hold" : "off hold");
	}
	if (wait_hook) {
		json_object_put(ct->hold_hook);
		ct->hold_hook = json_object_new_string(wait_hook);
	}
	if (hold && ct->hold_hook)
		conf_wait_start(ct, ct->hold_hook);
	else if (!hold)
		conf_wait_stop(ct);
}

static void conf_on_mute(int err, const char *ev, void *data, void *arg)
{
	struct conf_task *ct = arg;
	const char *st = conf_field(data, "conf_mute_status");

	(void)err;
	(void)ev;
	if (!st || !conf_in_room(ct, "conf_mute_status"))
		return;
	fs_info("conference", "%s: %s: %s non-moderators", fs_call_sid(ct->c),
		ct->name, strcmp(st, "mute") ? "unmuting" : "muting");
	fs_conf_mute_others(ct->m, !strcmp(st, "mute"));
	/* as jambonz: a hold's wait_hook is not cut */
	if (!ct->held)
		conf_wait_stop(ct);
}

static void conf_on_hold(int err, const char *ev, void *data, void *arg)
{
	struct conf_task *ct = arg;
	const char *st = conf_field(data, "conf_hold_status");

	(void)err;
	(void)ev;
	if (!st || !conf_in_room(ct, "conf_hold_status"))
		return;
	conf_hold(ct, !strcmp(st, "hold"), conf_field(data, "wait_hook"));
}

static void conf_set_tag(struct conf_task *ct, bool coach, const char *tag)
{
	int err = coach ? fs_conf_coach(ct->m, tag) : fs_conf_tag(ct->m, tag);

	if (err)
		fs_warn("conference", "%s: %s: %s refused: %m",
			fs_call_sid(ct->c), ct->name,
			coach ? "speakOnlyTo" : "memberTag", err);
}

static void conf_on_action(int err, const char *ev, void *data, void *arg)
{
	struct conf_task *ct = arg;
	const char *a = conf_field(data, "action");
	const char *tag = conf_field(data, "tag");
	char esc[64];

	(void)err;
	(void)ev;
	if (!a || !conf_in_room(ct, "conferenceParticipantAction"))
		return;
	if (!strcmp(a, "tag") || !strcmp(a, "untag"))
		conf_set_tag(ct, false, strcmp(a, "tag") ? NULL : tag);
	else if (!strcmp(a, "coach") || !strcmp(a, "uncoach"))
		conf_set_tag(ct, true, strcmp(a, "coach") ? NULL : tag);
	else if (!strcmp(a, "hold") || !strcmp(a, "unhold"))
		conf_hold(ct, !strcmp(a, "hold"),
			  conf_field(data, "wait_hook"));
	else if (!strcmp(a, "mute") || !strcmp(a, "unmute"))
		fs_conf_mute(ct->m, !strcmp(a, "mute"));
	else if (!strcmp(a, "kick"))
		conf_finish(ct, "kicked");
	else {
		fs_log_escape(esc, sizeof(esc), a);
		fs_info("conference",
			"%s: %s: unhandled participant action '%s'",
			fs_call_sid(ct->c), ct->name, esc);
	}
}

static void conf_on_start(int err, const char *ev, void *data, void *arg)
{
	struct conf_task *ct = arg;
	const char *addr = conf_field(data, "conferenceSipAddress");
	char esc[128];

	(void)err;
	(void)ev;
	if (addr) {
		/* jambonz would REFER the call there */
		fs_log_escape(esc, sizeof(esc), addr);
		fs_warn("conference",
			"%s: %s: refused: the room started on another "
			"instance (%s); rooms are not shared between "
			"instances, the member stays in this one's",
			fs_call_sid(ct->c), ct->name, esc);
		return;
	}
	fs_info("conference", "%s: %s: told the conference started: %s",
		fs_call_sid(ct->c), ct->name,
		ct->m && !fs_conf_waiting(ct->m) ? "in already"
						 : "still not started here");
}

static void conf_on_dtmf(int err, const char *ev, void *data, void *arg)
{
	struct conf_task *ct = arg;
	const char *d = data;

	(void)err;
	(void)ev;
	if (ct->m && d && *d && !fs_conf_waiting(ct->m))
		fs_conf_dtmf(ct->m, *d);
}

static int conf_listen(struct conf_task *ct)
{
	struct fs_scope *sc = fs_task_scope(ct->t);
	struct json_object *v;
	int err = 0;

	err |= fs_scope_listen(sc, FS_EV_CONF_MUTE, 0, conf_on_mute, ct, NULL);
	err |= fs_scope_listen(sc, FS_EV_CONF_HOLD, 0, conf_on_hold, ct, NULL);
	err |= fs_scope_listen(sc, FS_EV_CONF_ACTION, 0, conf_on_action, ct,
			       NULL);
	err |= fs_scope_listen(sc, FS_EV_CONF_START, 0, conf_on_start, ct,
			       NULL);
	v = (struct json_object *)conf_prop(ct->t, "distributeDtmf");
	if (json_object_get_boolean(v))
		err |= fs_scope_listen(sc, FS_EV_DTMF, 0, conf_on_dtmf, ct,
				       NULL);
	return err ? ENOMEM : 0;
}

static int conf_exec(struct fs_task *t, const struct json_object *data)
{
	struct conf_task *ct;
	const char *name;
	int err;

	ct = mem_zalloc(sizeof(*ct), conf_destructor);
	if (!ct)
		return ENOMEM;
	ct->t = t;
	ct->c = fs_task_call(t);
	fs_task_set_state(t, ct);
	name = json_object_get_string(
		(struct json_object *)conf_prop(t, "name"));
	fs_log_escape(ct->name, sizeof(ct->name), name ? name : "");

	err = fs_conf_join(&ct->m, ct->c, fs_task_scope(t), data, conf_ev, ct);
	if (err == EBUSY) {
		/* jambonz: the join fails, no actionHook, the list goes on */
		fs_warn("conference",
			"%s: conference '%s' is full (maxParticipants): "
			"not joined",
			fs_call_sid(ct->c), ct->name);
		fs_task_done(t, 0, NULL, NULL);
		return 0;
	}
	if (err) {
		fs_warn("conference", "%s: cannot join conference '%s': %m",
			fs_call_sid(ct->c), ct->name, err);
		return err;
	}
	str_ncpy(ct->sid, fs_conf_sid(ct->m), sizeof(ct->sid));
	err = conf_listen(ct);
	if (err)
		return err;
	if (fs_conf_waiting(ct->m)) {
		conf_take_status(ct, true);
		conf_wait_start(ct, conf_prop(t, "waitHook"));
		return 0;
	}
	conf_take_status(ct, fs_conf_starter(ct->m));
	conf_in(ct);
	return 0;
}

/* A hangup or the verbs replaced: out of the room; jambonz still posts
 * the actionHook, whose answer is not acted on here */
static void conf_cancel(struct fs_task *t)
{
	struct conf_task *ct = fs_task_state(t);
	const struct json_object *hook = conf_prop(t, "actionHook");

	if (!ct || !ct->m)
		return;
	conf_out(ct, fs_call_alive(ct->c) ? "verbs replaced" : "hangup");
	if (hook && fs_call_hook_post(ct->c, hook, NULL))
		fs_warn("conference", "%s: %s: actionHook not sent",
			fs_call_sid(ct->c), ct->name);
}

FS_SCHEMA_PLUGIN(conference, "conference", conference_schema_json,
		 .version = PLUGIN_VERSION, .exec = conf_exec,
		 .cancel = conf_cancel, .flags = FS_PLUGIN_NEEDS_MEDIA);
