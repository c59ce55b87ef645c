/**
 * @file ws_app.c  The jambonz WebSocket API of one call: its socket,
 *                 messages out with their acks, and the reconnects
 *
 * Message shapes are those of jambonz's ws-requestor.js: out,
 * {type, msgid, call_sid, hook (verb:hook, session:redirect), data};
 * in (ws_in.c), {type:"ack", msgid, data} or {type:"command", command,
 * data}. A socket the application drops is opened again under the
 * URL's #rc=/#rp= policy (ws_policy.c) and greeted with
 * session:reconnect; what the call sends meanwhile waits for it.
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
#include "call/ws_app.h"
#include "call/ws_int.h"
#include "call/session.h"
#include "dir/dir_app.h"
#include "http/req.h"
#include "sip/stack.h"

#define WS_SUBPROTOCOL "ws.jambonz.org"

/** A message that wants an ack */
struct ws_pend {
	struct le le;
	struct ws_app *w;
	char msgid[UUID_STR_LEN];
	struct tmr tmr; /* armed once the message is on the wire */
	struct fs_listener *bind;
	fs_resp_h *resph;
	void *arg;
};

/** A message waiting for a socket */
struct ws_out {
	struct le le;
	char *text;
	char msgid[UUID_STR_LEN]; /* of its ws_pend, or "" */
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

struct app_ws_stats *ws_app_stats(const struct ws_app *w)
{
	const struct sip_stack *stk = w->call->env->stk;

	return &stk->app->loops[stk->idx].ws;
}

static void ws_pend_destructor(void *arg)
{
	struct ws_pend *p = arg;

	tmr_cancel(&p->tmr);
	fs_listener_cancel(p->bind);
	list_unlink(&p->le);
	if (p->w && p->w->newp == p)
		p->w->newp = NULL;
}

static void ws_out_destructor(void *arg)
{
	struct ws_out *o = arg;

	list_unlink(&o->le);
	mem_deref(o->text);
}

/* the socket that was up is gone: out of the gauge */
static void ws_app_uncount(struct ws_app *w)
{
	if (!w->counted)
		return;
	w->counted = false;
	(void)__atomic_sub_fetch(&ws_app_stats(w)->open, 1, __ATOMIC_RELAXED);
}

static void ws_app_destructor(void *arg)
{
	struct ws_app *w = arg;

	tmr_cancel(&w->tmr_rc);
	ws_cmd_flush(w);
	list_flush(&w->pending);
	list_flush(&w->queue);
	mem_deref(w->conn);
	json_object_put(w->sdata);
	ws_app_uncount(w);
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

/* An ack as the handler sees it: a 200 with the ack's JSON, and no data
 * is "nothing new" (the list goes on) */
static void ws_pend_answer(struct ws_pend *p, const char *body)
{
	struct fs_resp resp = {.status = 200,
			       .ctype = "application/json",
			       .body = body ? body : "[]",
			       .attempts = 1};

	resp.len = strlen(resp.body);
	ws_pend_finish(p, 0, &resp);
}

/* The socket was closed on purpose: a request gets "nothing new", as
 * jambonz's requestor returns nothing then */
static void ws_pend_nothing(void *arg)
{
	ws_pend_answer(arg, NULL);
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

static struct ws_pend *ws_pend_find(const struct ws_app *w, const char *msgid)
{
	for (struct le *le = list_head(&w->pending); le; le = le->next) {
		struct ws_pend *p = le->data;

		if (!strcmp(p->msgid, msgid))
			return p;
	}
	return NULL;
}

/* The message is on the wire: its ack is awaited from now on, as
 * jambonz starts the timer when it sends */
static void ws_pend_arm(struct ws_app *w, const char *msgid)
{
	struct ws_pend *p = *msgid ? ws_pend_find(w, msgid) : NULL;

	if (p)
		tmr_start(&p->tmr,
			  w->call->env->stk->app->cfg->ws_response_timeout_ms,
			  ws_pend_timeout, p);
}

static int ws_app_wire(struct ws_app *w, const char *text)
{
	int err = req_ws_send(w->conn, text);

	if (!err)
		WS_STAT(w, msgs_out, 1);
	return err;
}

/* Send now, or queue for the socket coming (back) up */
static int ws_app_send_text(struct ws_app *w, const char *text,
			    const char *msgid)
{
	struct ws_out *o;
	int err;

	if (w->down)
		return ENOTCONN;
	if (w->up && !w->rc_wait) {
		err = ws_app_wire(w, text);
		if (!err && msgid)
			ws_pend_arm(w, msgid);
		return err;
	}
	o = mem_zalloc(sizeof(*o), ws_out_destructor);
	if (!o)
		return ENOMEM;
	err = str_dup(&o->text, text);
	if (err) {
		mem_deref(o);
		return err;
	}
	if (msgid)
		str_ncpy(o->msgid, msgid, sizeof(o->msgid));
	list_append(&w->queue, &o->le, o);
	return 0;
}

/* {type, msgid, call_sid, hook, data} as text */
static int ws_app_send(struct ws_app *w, const char *type, const char *msgid,
		       const char *hook, const struct json_object *data,
		       bool acked, bool now)
{
	struct json_object *o = json_object_new_object();
	const char *text;
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
	text = json_object_to_json_string_ext(o, WS_JSON_FLAGS);
	if (now) {
		/* session:reconnect goes before what waits for it */
		err = ws_app_wire(w, text);
		if (!err && acked)
			ws_pend_arm(w, msgid);
	} else {
		err = ws_app_send_text(w, text, acked ? msgid : NULL);
	}
	json_object_put(o);
	return err;
}

int ws_app_notify(struct ws_app *w, const char *type,
		  const struct json_object *data)
{
	char msgid[UUID_STR_LEN];
	int err;

	if (!w || !type)
		return EINVAL;
	if (w->quiet)
		return 0;
	uuid_v4(msgid);
	err = ws_app_send(w, type, msgid, NULL, data, false, false);
	if (!err && !strcmp(type, "jambonz:error"))
		WS_STAT(w, errors_sent, 1);
	return err;
}

static int ws_pend_alloc(struct ws_pend **pp, struct ws_app *w,
			 struct fs_scope *scope, fs_resp_h *resph, void *arg)
{
	struct ws_pend *p = mem_zalloc(sizeof(*p), ws_pend_destructor);
	int err;

	if (!p)
		return ENOMEM;
	tmr_init(&p->tmr);
	p->w = w;
	p->resph = resph;
	p->arg = arg;
	uuid_v4(p->msgid);
	if (scope) {
		err = fs_scope_bind(scope, ws_pend_release, p, &p->bind);
		if (err) {
			mem_deref(p);
			return err;
		}
	}
	list_append(&w->pending, &p->le, p);
	*pp = p;
	return 0;
}

int ws_app_request(struct ws_app *w, struct fs_scope *scope, const char *type,
		   const char *hook, const struct json_object *data,
		   fs_resp_h *resph, void *arg)
{
	struct ws_pend *p;
	int err;

	if (!w || !type)
		return EINVAL;
	if (w->down)
		return ENOTCONN;
	err = ws_pend_alloc(&p, w, scope, resph, arg);
	if (err)
		return err;
	if (w->quiet) {
		fs_debug(WS_LOG,
			 "%s: %s dropped: the application closed "
			 "its socket",
			 w->call->sid, type);
		tmr_start(&p->tmr, 0, ws_pend_nothing, p);
		return 0;
	}
	if (!strcmp(type, "session:new")) {
		/* session:reconnect carries it again */
		json_object_put(w->sdata);
		w->sdata = json_object_get((struct json_object *)data);
		w->newp = p;
	}
	err = ws_app_send(w, type, p->msgid, hook, data, true, false);
	if (err)
		mem_deref(p);
	return err;
}

bool ws_app_alive(const struct ws_app *w)
{
	return w && !w->down && !w->quiet;
}

void ws_app_close(struct ws_app *w)
{
	if (!w)
		return;
	w->down = true;
	w->up = false;
	tmr_cancel(&w->tmr_rc);
	req_ws_close(w->conn);
	ws_app_uncount(w);
	list_flush(&w->queue);
	ws_cmd_flush(w);
}

/* ---- acks ---- */

void ws_app_ack(struct ws_app *w, const char *msgid, struct json_object *data)
{
	struct ws_pend *p = ws_pend_find(w, msgid);

	if (!p) {
		fs_info(WS_LOG, "%s: ack for unknown msgid, discarded",
			w->call->sid);
		return;
	}
	ws_pend_answer(
		p, data ? json_object_to_json_string_ext(data, WS_JSON_FLAGS)
			: NULL);
}

/* ---- the socket, and getting it back ---- */

static int ws_app_connect(struct ws_app *w);

/* Send what waited for the socket, arming the acks it carries */
static void ws_app_flush_queue(struct ws_app *w)
{
	struct le *le;

	while (!w->down && w->up && (le = list_head(&w->queue))) {
		struct ws_out *o = le->data;
		int err = ws_app_wire(w, o->text);

		if (err)
			fs_warn(WS_LOG, "%s: send: %m", w->call->sid, err);
		else
			ws_pend_arm(w, o->msgid);
		mem_deref(o);
	}
}

/* session:reconnect's ack: what waited goes out. Its data is ignored,
 * as jambonz ignores it */
static void ws_app_rc_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct ws_app *w = arg;
	struct fs_call *c = w->call;

	(void)resp;
	w->rc_wait = false;
	if (err) {
		/* jambonz's _onSessionReconnectError: hang up */
		fs_warn(WS_LOG, "%s: session:reconnect %s; the call ends",
			c->sid,
			err == ETIME ? "not acked in time "
				       "(JAMBONES_WS_API_MSG_RESPONSE_TIMEOUT)"
				     : "failed");
		list_flush(&w->queue);
		call_reject_webhook(c,
				    "websocket session:reconnect not acked");
		return;
	}
	ws_app_flush_queue(w);
}

/* A new socket after a drop: session:reconnect with session:new's data */
static void ws_app_send_reconnect(struct ws_app *w)
{
	struct fs_call *c = w->call;
	struct ws_pend *p;
	int err;

	WS_STAT(w, reconnects, 1);
	if (w->newp) {
		/* session:new was never acked: the ack of session:reconnect
		 * answers it (its msgid moves over, its deadline runs on) */
		p = w->newp;
		uuid_v4(p->msgid);
		err = ws_app_send(w, "session:reconnect", p->msgid, NULL,
				  w->sdata, false, true);
		if (!err)
			ws_app_flush_queue(w);
	} else {
		err = ws_pend_alloc(&p, w, c->scope, ws_app_rc_resp, w);
		if (!err) {
			w->rc_wait = true;
			err = ws_app_send(w, "session:reconnect", p->msgid,
					  NULL, w->sdata, true, true);
			if (err) {
				w->rc_wait = false;
				mem_deref(p);
			}
		}
	}
	if (err)
		fs_warn(WS_LOG, "%s: session:reconnect: %m", c->sid, err);
}

static void ws_app_estab(void *arg)
{
	struct ws_app *w = arg;

	fs_info(WS_LOG, "%s: connected to %H%s", w->call->sid, req_url_print,
		w->call->app->call_hook.url, w->conns ? " again" : "");
	w->up = true;
	w->tries = 0;
	w->conns++;
	w->counted = true;
	WS_STAT(w, opened, 1);
	(void)__atomic_add_fetch(&ws_app_stats(w)->open, 1, __ATOMIC_RELAXED);
	if (w->conns > 1)
		ws_app_send_reconnect(w);
	else
		ws_app_flush_queue(w);
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

/* Over for good: the call ends as a failed webhook ends it */
static void ws_app_give_up(struct ws_app *w, const char *why)
{
	struct fs_call *c = w->call;

	w->down = true;
	tmr_cancel(&w->tmr_rc);
	list_flush(&w->queue);
	/* requests in flight are bound to the call's scopes, which
	 * closing the call releases without their handlers */
	call_reject_webhook(c, why);
	list_flush(&w->pending);
}

static void ws_app_connect_failed(struct ws_app *w, int err);

static void ws_app_retry_tmr(void *arg)
{
	struct ws_app *w = arg;
	int err = ws_app_connect(w);

	/* refused before any packet (HTTP_DENY_NETS): as a failed attempt */
	if (err)
		ws_app_connect_failed(w, err);
}

static void ws_app_schedule(struct ws_app *w)
{
	uint32_t ms = w->backoff_ms;

	w->backoff_ms = ws_policy_next_backoff(w->backoff_ms);
	tmr_start(&w->tmr_rc, ms, ws_app_retry_tmr, w);
}

/* A connect failed: jambonz's connect loop tries rc more times, each
 * after the back-off, while the policy (#rp=) takes the error */
static void ws_app_connect_failed(struct ws_app *w, int err)
{
	struct fs_call *c = w->call;
	char why[128];

	WS_STAT(w, handshake_failures, 1);
	ws_app_why(why, sizeof(why), false, err);
	w->tries++;
	if (ws_policy_again(&w->pol, w->tries, err)) {
		fs_info(WS_LOG, "%s: %H: %s; try %u of %u in %u ms", c->sid,
			req_url_print, c->app->call_hook.url, why,
			w->tries + 1, w->pol.max_reconnects + 1,
			w->backoff_ms);
		ws_app_schedule(w);
		return;
	}
	if (w->conns)
		fs_warn(WS_LOG,
			"%s: %H: %s; reconnecting failed after %u attempts: "
			"the call ends",
			c->sid, req_url_print, c->app->call_hook.url, why,
			w->tries);
	else
		fs_warn(WS_LOG, "%s: %H: %s; the call ends", c->sid,
			req_url_print, c->app->call_hook.url, why);
	ws_app_give_up(w, why);
}

/* The socket that was up went: reconnected while fewer than #rc= have
 * been up, as jambonz's _onSocketClosed. A message we refused (too
 * large, binary) ends the call instead */
static void ws_app_dropped(struct ws_app *w, int err)
{
	struct fs_call *c = w->call;
	char why[128];
	struct le *le;

	ws_app_why(why, sizeof(why), true, err);
	if (err == EFBIG || err == EBADMSG ||
	    w->conns >= w->pol.max_reconnects) {
		fs_warn(WS_LOG, "%s: %H: %s; the call ends (%s)", c->sid,
			req_url_print, c->app->call_hook.url, why,
			err == EFBIG || err == EBADMSG ? "no reconnect"
						       : "no reconnect left");
		ws_app_give_up(w, why);
		return;
	}
	fs_warn(WS_LOG, "%s: %H: %s; reconnecting in %u ms", c->sid,
		req_url_print, c->app->call_hook.url, why, w->backoff_ms);
	/* what was in flight is abandoned, unless session:new was never
	 * acked: session:reconnect answers for it */
	if (!w->newp) {
		while ((le = list_head(&w->pending)))
			ws_pend_finish(le->data, ENOTCONN, NULL);
	}
	if (w->down || c->closing)
		return;
	ws_app_schedule(w);
}

static void ws_app_closed(int err, void *arg)
{
	struct ws_app *w = arg;
	bool was_up = w->up;
	uint16_t code = req_ws_peer_code(w->conn);

	w->up = false;
	w->rc_wait = false;
	w->conn = mem_deref(w->conn);
	if (was_up && code == 1000 && !w->down) {
		struct le *le;

		fs_info(WS_LOG,
			"%s: %H: the application closed the socket "
			"(1000): no reconnect; the verbs left run and the "
			"call ends after them",
			w->call->sid, req_url_print,
			w->call->app->call_hook.url);
		w->quiet = true;
		ws_app_uncount(w);
		list_flush(&w->queue);
		while ((le = list_head(&w->pending)))
			ws_pend_finish(le->data, ENOTCONN, NULL);
		session_wake(w->call->session);
		return;
	}
	ws_app_uncount(w);
	if (w->down)
		return;
	if (was_up)
		ws_app_dropped(w, err);
	else
		ws_app_connect_failed(w, err);
}

static int ws_app_connect(struct ws_app *w)
{
	struct fs_call *c = w->call;
	const struct cfg *cfg = c->env->stk->app->cfg;
	struct req_ws_opts opts;
	struct fs_hook h = {0};

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
	w->conn = mem_deref(w->conn);
	return req_ws_open(&w->conn, c->env->req, &h, &opts, ws_app_estab,
			   ws_in_msg, ws_app_closed, w);
}

int ws_app_alloc(struct ws_app **wp, struct fs_call *c)
{
	struct ws_app *w;
	int err;

	if (!wp || !c || !c->app)
		return EINVAL;
	w = mem_zalloc(sizeof(*w), ws_app_destructor);
	if (!w)
		return ENOMEM;
	w->call = c;
	list_init(&w->pending);
	list_init(&w->queue);
	list_init(&w->side);
	tmr_init(&w->tmr_rc);
	ws_policy_parse(&w->pol, c->app->call_hook.url);
	w->backoff_ms = WS_POLICY_FIRST_BACKOFF;
	err = ws_app_connect(w);
	if (err) {
		mem_deref(w);
		return err;
	}
	*wp = w;
	return 0;
}

void ws_app_verb_status(struct fs_call *c, const char *event, const char *name,
			const struct json_object *data)
{
	struct json_object *d, *id;

	if (!c || !c->ws || !c->notify_events)
		return;
	d = json_object_new_object();
	if (!d)
		return;
	json_object_object_add(d, "event", json_object_new_string(event));
	if (json_object_object_get_ex(data, "id", &id))
		json_object_object_add(d, "id", json_object_get(id));
	json_object_object_add(d, "name", json_object_new_string(name));
	(void)ws_app_notify(c->ws, "verb:status", d);
	json_object_put(d);
}
