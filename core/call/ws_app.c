/**
 * @file ws_app.c  The jambonz WebSocket API of one call: messages out
 *                 with their acks, commands in
 *
 * Message shapes are those of jambonz's ws-requestor.js: out,
 * {type, msgid, call_sid, hook (verb:hook only), data}; in,
 * {type:"ack", msgid, data} or {type:"command", command, data}. A
 * message we cannot use is answered with jambonz:error and never ends
 * the call.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "app.h"
#include "base/cfg.h"
#include "base/log.h"
#include "base/uuid.h"
#include "call/call.h"
#include "call/session.h"
#include "call/ws_app.h"
#include "dir/dir_app.h"
#include "http/req.h"
#include "sip/stack.h"
#include "verb/vlist.h"

#define WS_LOG         "ws"
#define WS_SUBPROTOCOL "ws.jambonz.org"
#define WS_JSON_FLAGS  (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct ws_app {
	struct fs_call *call; /* borrowed: the call owns us */
	struct req_ws_conn *conn;
	struct list pending; /* struct ws_pend: sent, ack awaited  */
	struct list queue;   /* struct ws_out: before the handshake */
	bool up;             /* handshake done                      */
	bool down;           /* socket over, or closed by us        */
};

/** A message that wants an ack */
struct ws_pend {
	struct le le;
	struct ws_app *w;
	char msgid[UUID_STR_LEN];
	struct tmr tmr;
	struct fs_listener *bind;
	fs_resp_h *resph;
	void *arg;
};

/** A message waiting for the handshake */
struct ws_out {
	struct le le;
	char *text;
};

bool ws_app_hook_is_ws(const struct dir_hook *h)
{
	if (!h || !h->url)
		return false;
	return (h->method && !strcasecmp(h->method, "WS")) ||
	       !strncasecmp(h->url, "ws://", 5) ||
	       !strncasecmp(h->url, "wss://", 6);
}

bool ws_app_url_is_http(const char *url)
{
	return url && (!strncasecmp(url, "http://", 7) ||
		       !strncasecmp(url, "https://", 8));
}

static void ws_pend_destructor(void *arg)
{
	struct ws_pend *p = arg;

	tmr_cancel(&p->tmr);
	fs_listener_cancel(p->bind);
	list_unlink(&p->le);
}

static void ws_out_destructor(void *arg)
{
	struct ws_out *o = arg;

	list_unlink(&o->le);
	mem_deref(o->text);
}

static void ws_app_destructor(void *arg)
{
	struct ws_app *w = arg;

	list_flush(&w->pending);
	list_flush(&w->queue);
	mem_deref(w->conn);
}

/* Hand an answer (or a failure) to the request's handler, once */
static void ws_pend_finish(struct ws_pend *p, int err,
			   const struct fs_resp *resp)
{
	fs_resp_h *h = p->resph;
	void *arg = p->arg;

	/* the handler may close the scope: p goes first */
	fs_listener_cancel(p->bind);
	p->bind = NULL;
	mem_deref(p);
	if (h)
		h(err, resp, arg);
}

static void ws_pend_timeout(void *arg)
{
	struct ws_pend *p = arg;

	fs_warn(WS_LOG, "%s: no ack for %s", p->w->call->sid, p->msgid);
	ws_pend_finish(p, ETIME, NULL);
}

/** Scope closed: forget the message, never call the handler */
static void ws_pend_release(void *arg)
{
	struct ws_pend *p = arg;

	p->bind = NULL;
	p->resph = NULL;
	mem_deref(p);
}

static int ws_app_send_text(struct ws_app *w, const char *text)
{
	struct ws_out *o;
	int err;

	if (w->down)
		return ENOTCONN;
	if (w->up)
		return req_ws_send(w->conn, text);
	o = mem_zalloc(sizeof(*o), ws_out_destructor);
	if (!o)
		return ENOMEM;
	err = str_dup(&o->text, text);
	if (err) {
		mem_deref(o);
		return err;
	}
	list_append(&w->queue, &o->le, o);
	return 0;
}

/* {type, msgid, call_sid, hook, data} as text */
static int ws_app_send(struct ws_app *w, const char *type, const char *msgid,
		       const char *hook, const struct json_object *data)
{
	struct json_object *o = json_object_new_object();
	int err;

	if (!o)
		return ENOMEM;
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "msgid", json_object_new_string(msgid));
	json_object_object_add(o, "call_sid",
			       json_object_new_string(w->call->sid));
	if (hook)
		json_object_object_add(o, "hook",
				       json_object_new_string(hook));
	json_object_object_add(
		o, "data",
		data ? json_object_get((struct json_object *)data)
		     : json_object_new_object());
	err = ws_app_send_text(
		w, json_object_to_json_string_ext(o, WS_JSON_FLAGS));
	json_object_put(o);
	return err;
}

int ws_app_notify(struct ws_app *w, const char *type,
		  const struct json_object *data)
{
	char msgid[UUID_STR_LEN];

	if (!w || !type)
		return EINVAL;
	uuid_v4(msgid);
	return ws_app_send(w, type, msgid, NULL, data);
}

int ws_app_request(struct ws_app *w, struct fs_scope *scope, const char *type,
		   const char *hook, const struct json_object *data,
		   fs_resp_h *resph, void *arg)
{
	const struct cfg *cfg;
	struct ws_pend *p;
	int err;

	if (!w || !type)
		return EINVAL;
	if (w->down)
		return ENOTCONN;
	cfg = w->call->env->stk->app->cfg;
	p = mem_zalloc(sizeof(*p), ws_pend_destructor);
	if (!p)
		return ENOMEM;
	tmr_init(&p->tmr);
	p->w = w;
	p->resph = resph;
	p->arg = arg;
	uuid_v4(p->msgid);
	if (scope) {
		err = fs_scope_bind(scope, ws_pend_release, p, &p->bind);
		if (err)
			goto out;
	}
	err = ws_app_send(w, type, p->msgid, hook, data);
	if (err)
		goto out;
	list_append(&w->pending, &p->le, p);
	/* a message queued for the handshake has that much longer */
	tmr_start(&p->tmr,
		  cfg->ws_response_timeout_ms +
			  (w->up ? 0 : cfg->ws_handshake_timeout_ms),
		  ws_pend_timeout, p);
out:
	if (err)
		mem_deref(p);
	return err;
}

bool ws_app_alive(const struct ws_app *w)
{
	return w && !w->down;
}

void ws_app_close(struct ws_app *w)
{
	if (!w)
		return;
	w->down = true;
	w->up = false;
	req_ws_close(w->conn);
	list_flush(&w->queue);
}

/* ---- what comes in ---- */

/* Log outside text escaped, and tell the app (never ends the call) */
static void ws_app_invalid(struct ws_app *w, const char *text, size_t len,
			   const char *details)
{
	struct json_object *d = json_object_new_object();
	char esc[256];

	log_escape(esc, sizeof(esc), text);
	fs_warn(WS_LOG,
		"%s: invalid message from the application (%zu "
		"bytes): %s: %s",
		w->call->sid, len, details, esc);
	if (!d)
		return;
	json_object_object_add(d, "msg",
			       json_object_new_string("InvalidMessage"));
	json_object_object_add(d, "details", json_object_new_string(details));
	json_object_object_add(d, "content",
			       json_object_new_string_len(text, (int)len));
	(void)ws_app_notify(w, "jambonz:error", d);
	json_object_put(d);
}

static void ws_app_ack(struct ws_app *w, const char *msgid,
		       struct json_object *data)
{
	struct fs_resp resp = {.status = 200, .ctype = "application/json"};
	struct le *le;

	for (le = list_head(&w->pending); le; le = le->next) {
		struct ws_pend *p = le->data;

		if (strcmp(p->msgid, msgid))
			continue;
		/* no data is "nothing new": the list goes on */
		resp.body = data ? json_object_to_json_string_ext(
					   data, WS_JSON_FLAGS)
				 : "[]";
		resp.len = strlen(resp.body);
		resp.attempts = 1;
		ws_pend_finish(p, 0, &resp);
		return;
	}
	fs_info(WS_LOG, "%s: ack for unknown msgid, discarded", w->call->sid);
}

/* redirect: the verbs replace the list, or with queueCommand go after
 * it, as jambonz's _onCommand */
static void ws_app_redirect(struct ws_app *w, const char *text, size_t len,
			    struct json_object *data, bool queue)
{
	struct fs_call *c = w->call;
	struct vlist_limits lim;
	struct vlist *v = NULL;
	const char *body;
	char why[256];

	if (!json_object_is_type(data, json_type_array)) {
		ws_app_invalid(w, text, len,
			       "redirect to a call_hook is not supported yet");
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
static void ws_app_call_status(struct ws_app *w, const char *text, size_t len,
			       struct json_object *data)
{
	struct fs_call *c = w->call;
	struct json_object *st;
	const char *s;

	if (!json_object_object_get_ex(data, "call_status", &st) ||
	    !json_object_is_type(st, json_type_string)) {
		ws_app_invalid(w, text, len,
			       "call:status without call_status");
		return;
	}
	s = json_object_get_string(st);
	if (!strcmp(s, "completed") && c->state == CALL_ANSWERED) {
		fs_info(WS_LOG, "%s: hangup asked by the application", c->sid);
		(void)fs_call_hangup(c, NULL);
	} else if (!strcmp(s, "no-answer") && c->state != CALL_ANSWERED &&
		   !c->uac) {
		fs_info(WS_LOG, "%s: no-answer asked by the application",
			c->sid);
		call_terminate(c, 503, "Service Unavailable", NULL, NULL);
	} else {
		fs_info(WS_LOG, "%s: call:status %s ignored in state %s",
			c->sid, s, call_status_name(c));
	}
}

static void ws_app_command(struct ws_app *w, const char *text, size_t len,
			   struct json_object *o, const char *command,
			   struct json_object *data)
{
	struct json_object *q;
	char why[96];

	if (!strcmp(command, "redirect")) {
		ws_app_redirect(
			w, text, len, data,
			json_object_object_get_ex(o, "queueCommand", &q) &&
				json_object_get_boolean(q));
	} else if (!strcmp(command, "call:status")) {
		ws_app_call_status(w, text, len, data);
	} else {
		re_snprintf(why, sizeof(why), "unsupported command: %s",
			    command);
		ws_app_invalid(w, text, len, why);
	}
}

static const char *ws_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void ws_app_msg(const char *text, size_t len, void *arg)
{
	struct ws_app *w = arg;
	const struct cfg *cfg = w->call->env->stk->app->cfg;
	struct json_tokener *tok;
	struct json_object *o, *data = NULL;
	const char *type, *s;
	char why[96];

	if (w->down || w->call->closing)
		return;
	/* nesting bounded as for webhook answers (HOOK_JSON_MAX_DEPTH),
	 * plus the envelope */
	tok = json_tokener_new_ex(cfg->hook_json_max_depth
					  ? (int)cfg->hook_json_max_depth + 1
					  : JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len)
		o = (json_object_put(o), NULL);
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		ws_app_invalid(w, text, len, "not a JSON object");
		goto out;
	}
	(void)json_object_object_get_ex(o, "data", &data);
	type = ws_str(o, "type");
	if (!type) {
		ws_app_invalid(w, text, len, "type property not supplied");
	} else if (!strcmp(type, "ack")) {
		s = ws_str(o, "msgid");
		if (!s)
			ws_app_invalid(w, text, len, "msgid not supplied");
		else
			ws_app_ack(w, s, data);
	} else if (!strcmp(type, "command")) {
		s = ws_str(o, "command");
		if (!s)
			ws_app_invalid(w, text, len,
				       "command property not supplied");
		else if (!data)
			ws_app_invalid(w, text, len,
				       "data property not supplied");
		else
			ws_app_command(w, text, len, o, s, data);
	} else {
		re_snprintf(why, sizeof(why), "invalid type property: %s",
			    type);
		ws_app_invalid(w, text, len, why);
	}
out:
	json_object_put(o);
}

static void ws_app_estab(void *arg)
{
	struct ws_app *w = arg;
	struct le *le;

	fs_info(WS_LOG, "%s: connected to %H", w->call->sid, req_url_print,
		w->call->app->call_hook.url);
	w->up = true;
	while (!w->down && (le = list_head(&w->queue))) {
		struct ws_out *o = le->data;
		int err = req_ws_send(w->conn, o->text);

		if (err)
			fs_warn(WS_LOG, "%s: send: %m", w->call->sid, err);
		mem_deref(o);
	}
}

static void ws_app_why(char *why, size_t sz, bool was_up, int err)
{
	static const struct {
		bool up;
		int err;
		const char *text;
	} whys[] = {
		{false, EPROTO, "websocket handshake refused"},
		{false, ETIMEDOUT,
		 "websocket handshake timed out "
		 "(JAMBONES_WS_HANDSHAKE_TIMEOUT_MS)"},
		{false, EACCES, "websocket address refused (HTTP_DENY_NETS)"},
		{true, 0, "websocket closed by the application"},
		{true, EFBIG,
		 "websocket message larger than "
		 "JAMBONES_WS_MAX_PAYLOAD"},
		{true, EBADMSG, "binary websocket message"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(whys); i++) {
		if (whys[i].up == was_up && whys[i].err == err) {
			re_snprintf(why, sz, "%s", whys[i].text);
			return;
		}
	}
	re_snprintf(why, sz, "websocket %s: %m",
		    was_up ? "lost" : "connect failed", err);
}

static void ws_app_closed(int err, void *arg)
{
	struct ws_app *w = arg;
	struct fs_call *c = w->call;
	bool was_up = w->up;
	char why[128];

	w->down = true;
	w->up = false;
	list_flush(&w->queue);
	ws_app_why(why, sizeof(why), was_up, err);
	fs_warn(WS_LOG, "%s: %H: %s; the call ends (no reconnect)", c->sid,
		req_url_print, c->app->call_hook.url, why);
	/* requests in flight are bound to the call's scopes, which
	 * closing the call releases without their handlers */
	call_reject_webhook(c, why);
	list_flush(&w->pending);
}

int ws_app_alloc(struct ws_app **wp, struct fs_call *c)
{
	const struct cfg *cfg;
	struct req_ws_opts opts;
	struct fs_hook h = {0};
	struct ws_app *w;
	int err;

	if (!wp || !c || !c->app)
		return EINVAL;
	cfg = c->env->stk->app->cfg;
	w = mem_zalloc(sizeof(*w), ws_app_destructor);
	if (!w)
		return ENOMEM;
	w->call = c;
	list_init(&w->pending);
	list_init(&w->queue);
	dir_hook_req(&c->app->call_hook, &h);
	opts = (struct req_ws_opts){
		.handshake_ms = cfg->ws_handshake_timeout_ms,
		/* jambonz pings only above 15 s */
		.ping_ms = cfg->ws_ping_interval_ms > 15000
				   ? cfg->ws_ping_interval_ms
				   : 0,
		.max_payload = cfg->ws_max_payload,
		.subprotocol = WS_SUBPROTOCOL,
	};
	err = req_ws_open(&w->conn, c->env->req, &h, &opts, ws_app_estab,
			  ws_app_msg, ws_app_closed, w);
	if (err) {
		mem_deref(w);
		return err;
	}
	*wp = w;
	return 0;
}
