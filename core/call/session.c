/**
 * @file session.c  Runs a call's verb list, one task at a time
 *
 * Steps are taken from a zero-delay timer rather than from inside the
 * plugin callback that ended the previous task, so a plugin's stack has
 * unwound before its task is freed and the next verb starts.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "app.h"
#include "call/call.h"
#include "base/cfg.h"
#include "verb/loader.h"
#include "base/log.h"
#include "sip/stack.h"
#include "call/session.h"
#include "verb/task.h"
#include "call/ws_app.h"
#include "dir/dir_app.h"
#include "http/req.h"

struct session {
	struct fs_call *call; /* borrowed: the call owns the session */
	struct vlist *verbs;
	size_t idx;
	struct fs_task *cur;
	struct fs_task *prev;        /* ended, freed at the next step */
	struct fs_scope *hook_scope; /* in-flight actionHook */
	struct tmr tmr;
	uint32_t rounds;    /* actionHook and redirect requests sent */
	bool hook_fatal;    /* a failure of the hook in flight ends the list */
	bool hook_ends;     /* ... and the call: a redirect verb's hook */
	bool end_call;      /* the list ran out for good: no waiting for a
			       WebSocket application's commands */
	char hook_verb[16]; /* the verb whose actionHook is in flight */
	char *base;         /* a redirect moved the application to another
			       origin: relative hooks go there, without the call
			       hook's credentials (jambonz's requestor handover) */
	struct dir_hook status; /* a redirect's statusHook, else no url */
	bool stopped;
};

const char *session_hook_err(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return "timed out (JAMBONES_HTTP_TIMEOUT)";
	case ETIME: /* ws_app.c: a message of a WebSocket application */
		return "not acked in time "
		       "(JAMBONES_WS_API_MSG_RESPONSE_TIMEOUT)";
	case EFBIG:
		return "answer larger than HTTP_MAX_BODY";
	case EACCES:
		return "address refused (HTTP_DENY_NETS)";
	default:
		return NULL;
	}
}

void session_limits(const struct fs_call *c, struct vlist_limits *lim)
{
	const struct cfg *cfg = c->env->stk->app->cfg;

	lim->max_verbs = cfg->max_verbs_per_doc;
	lim->max_depth = cfg->hook_json_max_depth;
}

static void session_destructor(void *data)
{
	struct session *s = data;

	tmr_cancel(&s->tmr);
	if (s->cur)
		task_cancel(s->cur);
	s->cur = mem_deref(s->cur);
	s->prev = mem_deref(s->prev);
	if (s->hook_scope)
		fs_scope_close(s->hook_scope);
	s->hook_scope = mem_deref(s->hook_scope);
	mem_deref(s->verbs);
	mem_deref(s->base);
	dir_hook_reset(&s->status);
}

const char *session_hook_base(const struct session *s)
{
	return s ? s->base : NULL;
}

const struct dir_hook *session_status_hook(const struct session *s)
{
	return s && s->status.url ? &s->status : NULL;
}

bool session_hook_status_ok(uint16_t status)
{
	/* jambonz's http-requestor takes these three, nothing else */
	return status == 200 || status == 202 || status == 204;
}

static void session_step(void *arg);

static void session_schedule(struct session *s)
{
	if (!s->stopped)
		tmr_start(&s->tmr, 0, session_step, s);
}

int session_alloc(struct session **sp, struct fs_call *call)
{
	struct session *s;

	if (!sp || !call)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), session_destructor);
	if (!s)
		return ENOMEM;
	tmr_init(&s->tmr);
	s->call = call;
	*sp = s;
	return 0;
}

static void session_abort_hook(struct session *s)
{
	if (s->hook_scope)
		fs_scope_close(s->hook_scope);
	s->hook_scope = mem_deref(s->hook_scope);
}

/* The task that ended or was cancelled is freed at the next step, once
 * the plugin's stack has unwound */
static void session_retire(struct session *s)
{
	if (s->cur)
		ws_app_verb_status(s->call, "finished", fs_task_name(s->cur),
				   fs_task_data(s->cur));
	mem_deref(s->prev);
	s->prev = s->cur;
	s->cur = NULL;
}

/* Cancel the running task and the hook in flight */
static void session_halt(struct session *s)
{
	if (s->cur) {
		task_cancel(s->cur);
		session_retire(s);
	}
	session_abort_hook(s);
}

void session_replace(struct session *s, struct vlist *v)
{
	if (!s || s->stopped)
		return;
	session_halt(s);
	mem_deref(s->verbs);
	s->verbs = mem_ref(v);
	s->idx = 0;
	session_schedule(s);
}

int session_append(struct session *s, const struct vlist *v)
{
	struct vlist *nv = NULL;
	int err;

	if (!s || s->stopped)
		return ESHUTDOWN;
	err = vlist_concat(&nv, s->verbs, s->idx, v);
	if (err)
		return err;
	mem_deref(s->verbs);
	s->verbs = nv;
	s->idx = 0;
	/* a list that had run out (waiting for commands) goes on */
	if (!s->cur && !s->hook_scope)
		session_schedule(s);
	return 0;
}

void session_wake(struct session *s)
{
	if (s && !s->cur && !s->hook_scope)
		session_schedule(s);
}

void session_stop(struct session *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	tmr_cancel(&s->tmr);
	session_halt(s);
}

/*
 * A failed actionHook, as jambonz: a redirect verb's ends the list and
 * the call (its exec throws, the task loop breaks); gather reports it
 * (call:status with error and reason, jambonz:error to a WebSocket
 * application) and the list goes on, as every other verb's does; an
 * updateCall call_hook drops the verbs left
 */
static void session_hook_failed(struct session *s, const char *why)
{
	struct fs_call *c = s->call;

	if (s->hook_ends) {
		fs_warn("session",
			"%s: redirect actionHook failed: %s; the call ends",
			c->sid, why);
		s->end_call = true;
	} else if (s->hook_fatal) {
		fs_warn("session",
			"%s: redirect failed: %s; the verbs left are dropped",
			c->sid, why);
	} else {
		fs_warn("session",
			"%s: %s actionHook failed: %s; the list goes on",
			c->sid, s->hook_verb, why);
	}
	if (s->hook_fatal && s->verbs)
		s->idx = s->verbs->n;
	if (!strcmp(s->hook_verb, "gather"))
		call_hook_error(c, s->hook_verb, "invalid actionHook response",
				why);
}

static void session_hook_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct session *s = arg;
	struct fs_call *c = s->call;
	struct vlist_limits lim;
	struct vlist *v = NULL;
	char why[256];
	int e;

	session_abort_hook(s);
	if (session_hook_err(err)) {
		re_snprintf(why, sizeof(why), "%s", session_hook_err(err));
		goto fail;
	}
	if (err) {
		re_snprintf(why, sizeof(why), "%m", err);
		goto fail;
	}
	if (!session_hook_status_ok(resp->status)) {
		re_snprintf(why, sizeof(why), "answered %u", resp->status);
		goto fail;
	}
	if (!resp->len || !resp->ctype || !strstr(resp->ctype, "json"))
		goto next;
	session_limits(c, &lim);
	e = vlist_from_body(&v, c->env->stk->app->loader, &lim, resp->body,
			    resp->len, why, sizeof(why));
	if (e == EPROTO &&
	    vlist_body_not_array(resp->body, resp->len, lim.max_depth)) {
		/* JSON but no verb array: jambonz's performAction ignores
		 * it, and the list goes on */
		fs_info("session",
			"%s: %s actionHook answer is not an array: "
			"ignored",
			c->sid, s->hook_verb);
		goto next;
	}
	if (e) {
		char w[sizeof(why)];

		re_snprintf(w, sizeof(w), "answer refused: %s", why);
		str_ncpy(why, w, sizeof(why));
		goto fail;
	}
	/* an empty array leaves the list as it is */
	if (!v->n) {
		mem_deref(v);
		goto next;
	}
	session_replace(s, v);
	mem_deref(v);
	return;
fail:
	session_hook_failed(s, why);
next:
	session_schedule(s);
}

/*
 * A WebSocket application's session:redirect to an absolute http(s) URL
 * hands the session to HTTP, as jambonz's requestor does ('handover'):
 * the socket is closed (1000), that URL is the base of the call's hooks
 * from now on, and the call runs as a webhook application (its list
 * running out ends it).
 */
static void session_handover(struct session *s, const char *url)
{
	struct fs_call *c = s->call;
	char *nb = NULL;

	fs_info("session",
		"%s: session:redirect to %H: the session goes on over HTTP, "
		"the WebSocket closes",
		c->sid, req_url_print, url);
	if (!str_dup(&nb, url)) {
		mem_deref(s->base);
		s->base = nb;
	}
	/* kept until the call goes: this may run inside one of its own
	 * message handlers (a redirect command) */
	ws_app_close(c->ws);
	mem_deref(c->ws_gone);
	c->ws_gone = c->ws;
	c->ws = NULL;
}

/* Post the call's payload (plus extra fields) to hook; its answer comes
 * to session_hook_resp. A WebSocket application gets it as a message of
 * type (verb:hook, or session:redirect for a new application) */
static int session_send_hook(struct session *s, const struct json_object *hook,
			     struct json_object *extra, const char *what,
			     const char *type)
{
	struct fs_call *c = s->call;
	uint32_t max = c->env->stk->app->cfg->max_hook_rounds;
	struct json_object *payload;
	struct fs_req_opts opts;
	struct fs_hook h;
	char why[96];
	int e;

	/* a hook answering a redirect to itself would loop for ever, at
	 * the speed of the network */
	if (max && s->rounds >= max) {
		re_snprintf(why, sizeof(why),
			    "%u hook requests: MAX_HOOK_ROUNDS reached", max);
		fs_warn("session", "%s: %s refused, call ends: %s", c->sid,
			what, why);
		call_reject_webhook(c, why);
		return ECANCELED;
	}
	s->rounds++;
	payload = call_payload(c);
	if (extra) {
		json_object_object_foreach(extra, k, val)
		{
			json_object_object_add(payload, k,
					       json_object_get(val));
		}
	}
	call_hook_fill(c, hook, &h, &opts);
	if (!h.url || !*h.url) {
		json_object_put(payload);
		return EINVAL;
	}
	opts.body = json_object_to_json_string_ext(
		payload,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	e = fs_scope_alloc(&s->hook_scope, c->scope, what);
	if (!e && c->ws && !strcmp(type, "session:redirect") &&
	    ws_app_url_is_http(h.url))
		session_handover(s, h.url);
	/* a WebSocket application takes its hooks over the socket, but
	 * an absolute http(s) hook still goes over HTTP, as in jambonz */
	if (!e && c->ws && !ws_app_url_is_http(h.url))
		e = ws_app_request(c->ws, s->hook_scope, type, h.url, payload,
				   session_hook_resp, s);
	else if (!e)
		e = fs_req_send(c->env->req, s->hook_scope, &h, &opts,
				session_hook_resp, s);
	json_object_put(payload);
	if (e)
		session_abort_hook(s);
	return e;
}

static const char *session_hook_url(const struct json_object *hook)
{
	struct json_object *v;

	if (json_object_is_type(hook, json_type_string))
		return json_object_get_string((struct json_object *)hook);
	if (json_object_object_get_ex(hook, "url", &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/*
 * A redirect verb, as jambonz's redirect task: an absolute http(s)
 * actionHook on another origin than the current one becomes the base of
 * the call's relative hooks from now on (its requestor is handed over,
 * without the old one's credentials); a statusHook replaces the call's
 * status hook
 */
static void session_rebase(struct session *s, const struct json_object *data)
{
	struct fs_call *c = s->call;
	struct json_object *hook = NULL, *sh = NULL;
	const char *url, *cur;

	(void)json_object_object_get_ex(data, "actionHook", &hook);
	url = session_hook_url(hook);
	cur = s->base ? s->base : c->app->call_hook.url;
	/* a WebSocket application's hooks go over its socket */
	if (!c->ws && ws_app_url_is_http(url) && !req_same_origin(url, cur)) {
		char *nb = NULL;

		if (!str_dup(&nb, url)) {
			mem_deref(s->base);
			s->base = nb;
			fs_info("session",
				"%s: redirect to another origin: relative "
				"hooks now go to %H",
				c->sid, req_url_print, url);
		}
	}
	if (json_object_object_get_ex(data, "statusHook", &sh) &&
	    !dir_hook_from_json(&s->status, sh))
		fs_info("session", "%s: redirect: status hook now %H", c->sid,
			req_url_print, s->status.url);
	else if (sh)
		dir_hook_reset(&s->status);
}

static void session_task_done(struct fs_task *t, int err,
			      const struct json_object *hook,
			      struct json_object *result, void *arg)
{
	struct session *s = arg;
	struct fs_call *c = s->call;
	int e;

	if (t != s->cur) {
		json_object_put(result);
		return;
	}
	if (err)
		fs_warn("session", "%s: %s ended with error: %m", c->sid,
			fs_task_name(t), err);
	session_retire(s);

	if (!hook || s->stopped) {
		json_object_put(result);
		session_schedule(s);
		return;
	}
	/* a redirect verb's hook is a new application: session:redirect,
	 * as jambonz's performAction */
	s->hook_fatal = s->hook_ends = !strcmp(fs_task_name(t), "redirect");
	str_ncpy(s->hook_verb, fs_task_name(t), sizeof(s->hook_verb));
	if (s->hook_ends)
		session_rebase(s, fs_task_data(t));
	e = session_send_hook(s, hook, result, "actionHook",
			      s->hook_fatal ? "session:redirect"
					    : "verb:hook");
	json_object_put(result);
	if (e == ECANCELED) {
		return;
	} else if (e) {
		char why[64];

		/* a hook that cannot be sent fails as one that got no
		 * answer: a redirect's ends the call */
		re_snprintf(why, sizeof(why), "cannot send: %m", e);
		session_hook_failed(s, why);
		session_schedule(s);
	}
}

int session_redirect(struct session *s, const struct json_object *hook)
{
	int e;

	if (!s || s->stopped)
		return ESHUTDOWN;
	session_halt(s);
	tmr_cancel(&s->tmr);
	/* the verbs left are dropped: the hook's answer replaces them */
	s->idx = s->verbs ? s->verbs->n : 0;
	s->hook_fatal = true;
	s->hook_ends = false;
	str_ncpy(s->hook_verb, "redirect", sizeof(s->hook_verb));
	e = session_send_hook(s, hook, NULL, "redirect", "session:redirect");
	if (e && e != ECANCELED)
		session_schedule(s);
	return e;
}

static void session_step(void *arg)
{
	struct session *s = arg;
	struct fs_call *c = s->call;
	struct plugin *p = NULL;
	struct fs_task *t = NULL;
	const struct vitem *it;
	struct json_object *early;
	int err;

	s->prev = mem_deref(s->prev);
	if (s->stopped || s->cur || s->hook_scope)
		return;
	if (!s->verbs || s->idx >= s->verbs->n) {
		/* a WebSocket application may send verbs at any time:
		 * the call waits for them, as jambonz does */
		if (!s->end_call && ws_app_alive(c->ws)) {
			fs_debug("session",
				 "%s: verbs done, waiting for "
				 "commands",
				 c->sid);
			return;
		}
		s->stopped = true;
		call_list_ended(c, false);
		return;
	}
	it = &s->verbs->items[s->idx++];

	err = loader_acquire(c->env->stk->app->loader, it->name, &p);
	if (err) {
		fs_error("session", "%s: verb %s unavailable: %m", c->sid,
			 it->name, err);
		session_schedule(s);
		return;
	}
	if (plugin_flags(p) & FS_PLUGIN_NEEDS_MEDIA) {
		if (json_object_object_get_ex(it->data, "earlyMedia",
					      &early) &&
		    json_object_get_boolean(early) &&
		    c->state != CALL_ANSWERED)
			err = call_progress_media(c);
		else
			err = call_answer(c);
		if (err) {
			fs_error("session", "%s: no media for %s: %m", c->sid,
				 it->name, err);
			loader_release(p);
			s->stopped = true;
			call_list_ended(c, true);
			return;
		}
	}
	err = task_alloc(&t, c, c->scope, p, it->name, it->data,
			 session_task_done, s);
	if (err) {
		loader_release(p);
		fs_error("session", "%s: %s: %m", c->sid, it->name, err);
		session_schedule(s);
		return;
	}
	s->cur = t;
	fs_debug("session", "%s: running %s", c->sid, it->name);
	/* jambonz sends "starting" before the verb runs, so a config that
	 * turns notifyEvents on is heard of from its "finished" on */
	ws_app_verb_status(c, "starting", it->name, it->data);
	if (!strcmp(it->name, "config"))
		ws_app_config_seen(c, it->data);
	err = task_exec(t);
	if (err && s->cur == t) {
		if (err == ENOSYS)
			fs_error("session",
				 "%s: verb %s cannot run in this build",
				 c->sid, it->name);
		else
			fs_error("session", "%s: %s failed: %m", c->sid,
				 it->name, err);
		task_cancel(t);
		mem_deref(s->prev);
		s->prev = t;
		s->cur = NULL;
		session_schedule(s);
	}
}
