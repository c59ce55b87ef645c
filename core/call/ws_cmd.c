/**
 * @file ws_cmd.c  Commands from a WebSocket application, as jambonz's
 *                 CallSession _onCommand and its _lcc* handlers
 *
 * Where a REST updateCall does the same (mute_status, tag) the command is
 * handed to outcall_update(), so both behave alike. A command we cannot
 * carry out is answered with jambonz:error; jambonz only logs it.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_conf.h>
#include "app.h"
#include "base/log.h"
#include "call/call.h"
#include "call/outcall.h"
#include "call/session.h"
#include "call/ws_app.h"
#include "call/ws_int.h"
#include "dir/dir_app.h"
#include "sip/sipsafe.h"
#include "sip/stack.h"
#include "verb/loader.h"
#include "verb/task.h"
#include "verb/vlist.h"

/** A config command's verb, run beside the verb list: freed once done,
 * or when the socket's owner goes */
struct ws_side {
	struct le le;
	struct ws_app *w;
	struct fs_task *t;
	bool done;
	struct tmr tmr; /* frees a finished task off its plugin's stack */
};

static void ws_side_destructor(void *arg)
{
	struct ws_side *s = arg;

	tmr_cancel(&s->tmr);
	list_unlink(&s->le);
	if (s->t && !s->done)
		task_cancel(s->t);
	mem_deref(s->t);
}

void ws_cmd_flush(struct ws_app *w)
{
	list_flush(&w->side);
}

static struct ws_side *ws_side_alloc(struct ws_app *w)
{
	struct ws_side *s = mem_zalloc(sizeof(*s), ws_side_destructor);

	if (!s)
		return NULL;
	s->w = w;
	tmr_init(&s->tmr);
	list_append(&w->side, &s->le, s);
	return s;
}

static void ws_side_free(void *arg)
{
	mem_deref(arg);
}

/* redirect: verbs replace the list, or with queueCommand go after it;
 * an object is a new call_hook (jambonz's _lccCallHook) */
static void ws_cmd_redirect(struct ws_app *w, const char *text, size_t len,
			    struct json_object *data, bool queue)
{
	struct fs_call *c = w->call;
	struct vlist_limits lim;
	struct vlist *v = NULL;
	struct json_object *hook;
	const char *body;
	char why[256];

	if (json_object_is_type(data, json_type_object)) {
		if (!json_object_object_get_ex(data, "call_hook", &hook)) {
			ws_app_invalid(w, text, len,
				       "redirect without call_hook");
			return;
		}
		fs_info(WS_LOG, "%s: redirect to a new call_hook", c->sid);
		if (session_redirect(c->session, hook))
			ws_app_invalid(w, text, len,
				       "redirect: bad call_hook, or no "
				       "application running");
		return;
	}
	if (!json_object_is_type(data, json_type_array)) {
		ws_app_invalid(w, text, len,
			       "redirect data must be verbs or {call_hook}");
		return;
	}
	body = json_object_to_json_string_ext(data, WS_JSON_FLAGS);
	session_limits(c, &lim);
	if (vlist_from_body(&v, c->env->stk->app->loader, &lim, body,
			    strlen(body), why, sizeof(why))) {
		ws_app_invalid(w, text, len, why);
		return;
	}
	fs_info(WS_LOG, "%s: redirect: %zu verbs%s", c->sid, v->n,
		queue ? ", queued" : "");
	if (!c->session)
		call_start_verbs(c, v);
	else if (!queue)
		session_replace(c->session, v);
	else if (session_append(c->session, v))
		fs_warn(WS_LOG, "%s: queued verbs dropped", c->sid);
	mem_deref(v);
}

/* call:status: "completed" hangs up an answered call, "no-answer"
 * rejects one not yet answered, as jambonz's _lccCallStatus */
static void ws_cmd_call_status(struct ws_app *w, const char *text, size_t len,
			       struct json_object *data)
{
	struct fs_call *c = w->call;
	const char *s = ws_str(data, "call_status");

	if (!s) {
		ws_app_invalid(w, text, len,
			       "call:status without call_status");
		return;
	}
	if (!strcmp(s, "completed") && c->state == CALL_ANSWERED) {
		fs_info(WS_LOG, "%s: hangup asked by the application", c->sid);
		(void)fs_call_hangup(c, NULL);
	} else if (!strcmp(s, "no-answer") && c->state != CALL_ANSWERED &&
		   !c->uac) {
		fs_info(WS_LOG, "%s: no-answer asked by the application",
			c->sid);
		call_terminate(c, 503, "Service Unavailable", NULL, NULL);
	} else {
		char esc[64];

		log_escape(esc, sizeof(esc), s);
		fs_info(WS_LOG, "%s: call:status %s ignored in state %s",
			c->sid, esc, call_status_name(c));
	}
}

/* The one member of an updateCall body (mute_status, tag), through the
 * REST handler */
static void ws_cmd_update(struct ws_app *w, const char *text, size_t len,
			  const char *key, struct json_object *val)
{
	struct fs_call *c = w->call;
	struct json_object *body = json_object_new_object();
	char err[160] = "";
	uint16_t st;

	if (!body)
		return;
	json_object_object_add(body, key, json_object_get(val));
	st = outcall_update(c->env, c->sid, body, err, sizeof(err));
	json_object_put(body);
	if (st >= 300)
		ws_app_invalid(w, text, len, err);
	else
		fs_info(WS_LOG, "%s: %s applied", c->sid, key);
}

/* mute:status: data is "mute"/"unmute" or {mute_status} */
static void ws_cmd_mute(struct ws_app *w, const char *text, size_t len,
			struct json_object *data)
{
	struct json_object *v = data;

	if (json_object_is_type(data, json_type_object) &&
	    !json_object_object_get_ex(data, "mute_status", &v)) {
		ws_app_invalid(w, text, len,
			       "mute:status without mute_status");
		return;
	}
	ws_cmd_update(w, text, len, "mute_status", v);
}

/* tag: {tag: {...}} replaces the call's customerData */
static void ws_cmd_tag(struct ws_app *w, const char *text, size_t len,
		       struct json_object *data)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, "tag", &v)) {
		ws_app_invalid(w, text, len, "tag without tag");
		return;
	}
	ws_cmd_update(w, text, len, "tag", v);
}

/* listen:status (or stream:status): {listen_status} (or stream_status)
 * "pause" or "resume", as updateCall: told to the call's listens (a verb,
 * dial's nested one, the background one) by an event on its scope */
static void ws_cmd_listen(struct ws_app *w, const char *text, size_t len,
			  struct json_object *data)
{
	struct fs_call *c = w->call;
	struct json_object *v = NULL;
	const char *st;

	if (!json_object_object_get_ex(data, "listen_status", &v))
		(void)json_object_object_get_ex(data, "stream_status", &v);
	st = json_object_is_type(v, json_type_string)
		     ? json_object_get_string(v)
		     : NULL;
	if (!st || (strcmp(st, "pause") && strcmp(st, "resume"))) {
		ws_app_invalid(w, text, len,
			       "listen:status without listen_status pause "
			       "or resume");
		return;
	}
	if (!fs_scope_emit(c->scope, FS_EV_LISTEN_STATUS, (void *)st))
		fs_info(WS_LOG, "%s: listen:status %s: no listen is running",
			c->sid, st);
	else
		fs_info(WS_LOG, "%s: listen:status %s applied", c->sid, st);
}

/*
 * conf:mute-status {conf_mute_status}, conf:hold-status {conf_hold_status,
 * wait_hook}, conf:participant-action {action, tag, wait_hook}: as the
 * updateCall fields, told to the call's conference verb by an event on
 * its scope; jambonz only logs when the call is in no conference.
 */
static void ws_cmd_conf(struct ws_app *w, const char *text, size_t len,
			const char *command, struct json_object *data)
{
	static const struct {
		const char *cmd, *key, *ev, *a, *b;
	} k[] = {
		{"conf:mute-status", "conf_mute_status", FS_EV_CONF_MUTE,
		 "mute", "unmute"},
		{"conf:hold-status", "conf_hold_status", FS_EV_CONF_HOLD,
		 "hold", "unhold"},
		{"conf:participant-action", "action", FS_EV_CONF_ACTION, NULL,
		 NULL},
	};
	struct fs_call *c = w->call;
	struct json_object *v = NULL;
	const char *st;
	char why[96];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(k); i++)
		if (!strcmp(command, k[i].cmd))
			break;
	if (i == ARRAY_SIZE(k)) {
		ws_app_invalid(w, text, len, "unsupported command");
		return;
	}
	(void)json_object_object_get_ex(data, k[i].key, &v);
	st = json_object_is_type(v, json_type_string)
		     ? json_object_get_string(v)
		     : NULL;
	if (!st || (k[i].a && strcmp(st, k[i].a) && strcmp(st, k[i].b))) {
		if (k[i].a)
			re_snprintf(why, sizeof(why), "%s without %s %s or %s",
				    k[i].cmd, k[i].key, k[i].a, k[i].b);
		else
			re_snprintf(why, sizeof(why), "%s without action",
				    k[i].cmd);
		ws_app_invalid(w, text, len, why);
		return;
	}
	if (!fs_scope_emit(c->scope, k[i].ev, data))
		fs_info(WS_LOG, "%s: %s: the call is not in a conference",
			c->sid, k[i].cmd);
	else
		fs_info(WS_LOG, "%s: %s applied", c->sid, k[i].cmd);
}

/* The command's callSid (jambonz's ws-requestor reads it, node-client-ws
 * sends it), or NULL */
static const char *ws_cmd_sid(const struct json_object *o)
{
	return ws_str(o, "callSid") ? ws_str(o, "callSid")
				    : ws_str(o, "call_sid");
}

/* sip:request: {sip_request: {method, content_type, content, headers}};
 * dtmf: {dtmf: {digit, duration}}, as updateCall carries them out: in
 * the call's dialog, or the bridged leg's when callSid names it */
static void ws_cmd_sip(struct ws_app *w, const char *text, size_t len,
		       struct json_object *o, struct json_object *data,
		       const char *key, const char *missing)
{
	struct fs_call *c = w->call;
	struct json_object *v;
	char err[200] = "";

	if (!json_object_object_get_ex(data, key, &v)) {
		ws_app_invalid(w, text, len, missing);
		return;
	}
	if (outcall_sip_cmd(c, ws_cmd_sid(o), key, v, err, sizeof(err)) >= 300)
		ws_app_invalid(w, text, len, err);
	else
		fs_info(WS_LOG, "%s: %s applied", c->sid, key);
}

static void ws_side_task_done(struct fs_task *t, int err,
			      const struct json_object *hook,
			      struct json_object *result, void *arg)
{
	struct ws_side *s = arg;

	(void)t;
	(void)hook;
	json_object_put(result);
	s->done = true;
	if (err)
		fs_warn(WS_LOG, "%s: config command: %m", s->w->call->sid,
			err);
	tmr_start(&s->tmr, 0, ws_side_free, s);
}

/* config: a config verb with data's properties, run at once beside the
 * verb list, as jambonz's _lccConfig */
static void ws_cmd_config(struct ws_app *w, const char *text, size_t len,
			  struct json_object *data)
{
	struct fs_call *c = w->call;
	struct json_object *arr, *verb;
	struct vlist_limits lim;
	struct vlist *v = NULL;
	struct plugin *p = NULL;
	struct ws_side *s;
	const char *body;
	char why[256];
	int err;

	if (!json_object_is_type(data, json_type_object)) {
		ws_app_invalid(w, text, len, "config data must be an object");
		return;
	}
	arr = json_object_new_array();
	verb = NULL;
	if (!arr || json_object_deep_copy(data, &verb, NULL)) {
		json_object_put(arr);
		return;
	}
	json_object_object_add(verb, "verb", json_object_new_string("config"));
	json_object_array_add(arr, verb);
	body = json_object_to_json_string_ext(arr, WS_JSON_FLAGS);
	session_limits(c, &lim);
	err = vlist_from_body(&v, c->env->stk->app->loader, &lim, body,
			      strlen(body), why, sizeof(why));
	json_object_put(arr);
	if (err) {
		ws_app_invalid(w, text, len, why);
		return;
	}
	ws_app_config_seen(c, v->items[0].data);
	s = ws_side_alloc(w);
	err = s ? loader_acquire(c->env->stk->app->loader, "config", &p)
		: ENOMEM;
	if (!err) {
		err = task_alloc(&s->t, c, c->scope, p, "config",
				 v->items[0].data, ws_side_task_done, s);
		if (err)
			loader_release(p);
	}
	if (!err)
		err = task_exec(s->t);
	mem_deref(v);
	if (err) {
		fs_warn(WS_LOG, "%s: config command: %m", c->sid, err);
		mem_deref(s);
		return;
	}
	fs_info(WS_LOG, "%s: config command applied", c->sid);
}

/* scheme://host[:port] of url, as jambonz's requestor.baseUrl */
static int ws_base_url(char **outp, const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	size_t n;

	if (!p)
		return EINVAL;
	n = (size_t)(p + 3 - url) + strcspn(p + 3, "/?#");
	return re_sdprintf(outp, "%b", url, n);
}

/* dial: a new outbound call (jambonz's _lccCallDial posts data to its
 * own createCall); a relative call_hook is taken from this app's host */
static void ws_cmd_dial(struct ws_app *w, const char *text, size_t len,
			struct json_object *data)
{
	struct fs_call *c = w->call;
	struct json_object *body = NULL, *hook;
	char sid[37] = "", *callid = NULL, *base = NULL, *abs = NULL;
	char err[200] = "";
	int e;

	if (!json_object_is_type(data, json_type_object) ||
	    json_object_deep_copy(data, &body, NULL)) {
		ws_app_invalid(w, text, len, "dial data must be an object");
		return;
	}
	if (c->app->account_sid)
		json_object_object_add(
			body, "account_sid",
			json_object_new_string(c->app->account_sid));
	if (json_object_object_get_ex(body, "call_hook", &hook)) {
		const char *u = json_object_is_type(hook, json_type_string)
					? json_object_get_string(hook)
					: ws_str(hook, "url");

		if (u && *u == '/' &&
		    !ws_base_url(&base, c->app->call_hook.url) &&
		    !re_sdprintf(&abs, "%s%s", base, u)) {
			if (json_object_is_type(hook, json_type_string))
				json_object_object_add(
					body, "call_hook",
					json_object_new_string(abs));
			else
				json_object_object_add(
					hook, "url",
					json_object_new_string(abs));
		}
	}
	e = outcall_create(c->env, body, sid, &callid, err, sizeof(err));
	json_object_put(body);
	mem_deref(base);
	mem_deref(abs);
	mem_deref(callid);
	if (e) {
		char why[240];

		re_snprintf(why, sizeof(why), "dial: %s",
			    *err ? err : "call not placed");
		ws_app_invalid(w, text, len, why);
		return;
	}
	fs_info(WS_LOG, "%s: dial command placed call %s", c->sid, sid);
}

/* whisper: {whisper: verbs} to the party the message's callSid names
 * (the call's own, or its bridged leg's), as jambonz's _lccWhisper */
static void ws_cmd_whisper(struct ws_app *w, const char *text, size_t len,
			   struct json_object *o, struct json_object *data)
{
	struct fs_call *c = w->call;
	const char *sid = ws_cmd_sid(o);
	char err[200] = "";
	uint16_t st;

	if (!json_object_object_get_ex(data, "whisper", NULL)) {
		ws_app_invalid(w, text, len, "whisper without whisper");
		return;
	}
	st = outcall_dial_cmd(c, sid ? sid : c->sid, data, err, sizeof(err));
	if (st >= 300)
		ws_app_invalid(w, text, len, err);
}

void ws_cmd_run(struct ws_app *w, const char *text, size_t len,
		struct json_object *o, const char *command,
		struct json_object *data)
{
	struct json_object *q;
	char why[96];

	if (!strcmp(command, "redirect")) {
		ws_cmd_redirect(
			w, text, len, data,
			json_object_object_get_ex(o, "queueCommand", &q) &&
				json_object_get_boolean(q));
	} else if (!strcmp(command, "call:status")) {
		ws_cmd_call_status(w, text, len, data);
	} else if (!strcmp(command, "mute:status")) {
		ws_cmd_mute(w, text, len, data);
	} else if (!strcmp(command, "listen:status") ||
		   !strcmp(command, "stream:status")) {
		ws_cmd_listen(w, text, len, data);
	} else if (!strcmp(command, "tag")) {
		ws_cmd_tag(w, text, len, data);
	} else if (!strncmp(command, "conf:", 5)) {
		ws_cmd_conf(w, text, len, command, data);
	} else if (!strcmp(command, "sip:request")) {
		ws_cmd_sip(w, text, len, o, data, "sip_request",
			   "sip:request without sip_request");
	} else if (!strcmp(command, "dtmf")) {
		ws_cmd_sip(w, text, len, o, data, "dtmf",
			   "dtmf without a digit (0-9, *, #, A-D)");
	} else if (!strcmp(command, "config")) {
		ws_cmd_config(w, text, len, data);
	} else if (!strcmp(command, "dial")) {
		ws_cmd_dial(w, text, len, data);
	} else if (!strcmp(command, "whisper")) {
		ws_cmd_whisper(w, text, len, o, data);
	} else {
		re_snprintf(why, sizeof(why), "unsupported command: %s",
			    command);
		ws_app_invalid(w, text, len, why);
	}
}

void ws_app_config_seen(struct fs_call *c, const struct json_object *data)
{
	struct json_object *v;

	if (c && json_object_object_get_ex(data, "notifyEvents", &v) &&
	    json_object_get_boolean(v))
		c->notify_events = true;
}
