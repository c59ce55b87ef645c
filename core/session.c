/**
 * @file session.c  Runs a call's verb list, one task at a time
 *
 * Steps are taken from a zero-delay timer rather than from inside the
 * plugin callback that ended the previous task, so a plugin's stack has
 * unwound before its task is freed and the next verb starts.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "app.h"
#include "call.h"
#include "loader.h"
#include "log.h"
#include "loop.h"
#include "session.h"
#include "task.h"

struct session {
	struct fs_call *call; /* borrowed: the call owns the session */
	struct vlist *verbs;
	size_t idx;
	struct fs_task *cur;
	struct fs_task *prev;        /* ended, freed at the next step */
	struct fs_scope *hook_scope; /* in-flight actionHook */
	struct tmr tmr;
	bool stopped;
};

static void vlist_destructor(void *data)
{
	struct vlist *v = data;

	for (size_t i = 0; i < v->n; i++) {
		mem_deref(v->items[i].name);
		json_object_put(v->items[i].data);
	}
	mem_deref(v->items);
}

int vlist_parse(struct vlist **vp, struct loader *l,
		const struct json_object *arr, char *err, size_t errsz)
{
	struct vlist *v;
	size_t n;
	int e = 0;

	if (!vp || !l || !err)
		return EINVAL;
	if (!json_object_is_type(arr, json_type_array)) {
		re_snprintf(err, errsz,
			    "malformed jambonz payload: must be array");
		return EPROTO;
	}
	n = json_object_array_length(arr);
	v = mem_zalloc(sizeof(*v), vlist_destructor);
	if (!v)
		return ENOMEM;
	if (n) {
		v->items = mem_zalloc(n * sizeof(*v->items), NULL);
		if (!v->items) {
			mem_deref(v);
			return ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL;
		struct json_object *data = NULL;

		e = loader_validate(l, json_object_array_get_idx(arr, i),
				    &name, &data, err, errsz);
		if (e)
			break;
		e = str_dup(&v->items[i].name, name);
		v->items[i].data = data;
		v->n = i + 1;
		if (e)
			break;
	}
	if (e)
		mem_deref(v);
	else
		*vp = v;
	return e;
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

void session_replace(struct session *s, struct vlist *v)
{
	if (!s || s->stopped)
		return;
	if (s->cur) {
		task_cancel(s->cur);
		mem_deref(s->prev);
		s->prev = s->cur;
		s->cur = NULL;
	}
	session_abort_hook(s);
	mem_deref(s->verbs);
	s->verbs = mem_ref(v);
	s->idx = 0;
	session_schedule(s);
}

void session_stop(struct session *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	tmr_cancel(&s->tmr);
	if (s->cur) {
		task_cancel(s->cur);
		mem_deref(s->prev);
		s->prev = s->cur;
		s->cur = NULL;
	}
	session_abort_hook(s);
}

static void session_hook_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct session *s = arg;
	struct fs_call *c = s->call;
	struct json_object *doc = NULL;
	struct vlist *v = NULL;
	char why[256];

	session_abort_hook(s);
	if (err) {
		fs_warn("session", "%s: actionHook failed: %m", c->sid, err);
		goto next;
	}
	if (resp->status >= 300) {
		fs_warn("session", "%s: actionHook answered %u", c->sid,
			resp->status);
		goto next;
	}
	if (!resp->len || !resp->ctype || !strstr(resp->ctype, "json"))
		goto next;
	doc = json_tokener_parse(resp->body);
	if (!doc) {
		fs_warn("session", "%s: actionHook answer is not JSON",
			c->sid);
		goto next;
	}
	if (json_object_is_type(doc, json_type_array) &&
	    !json_object_array_length(doc))
		goto next;
	if (vlist_parse(&v, c->loop->app->loader, doc, why, sizeof(why))) {
		fs_warn("session", "%s: actionHook answer refused: %s", c->sid,
			why);
		goto next;
	}
	json_object_put(doc);
	session_replace(s, v);
	mem_deref(v);
	return;
next:
	json_object_put(doc);
	session_schedule(s);
}

/* Post the call's payload (plus extra fields) to hook; its answer comes
 * to session_hook_resp */
static int session_send_hook(struct session *s, const struct json_object *hook,
			     struct json_object *extra, const char *what)
{
	struct fs_call *c = s->call;
	struct json_object *payload = call_payload(c);
	struct fs_req_opts opts;
	struct fs_hook h;
	int e;

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
	if (!e)
		e = fs_req_send(c->loop->req, s->hook_scope, &h, &opts,
				session_hook_resp, s);
	json_object_put(payload);
	if (e)
		session_abort_hook(s);
	return e;
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
	mem_deref(s->prev);
	s->prev = s->cur;
	s->cur = NULL;

	if (!hook || s->stopped) {
		json_object_put(result);
		session_schedule(s);
		return;
	}
	e = session_send_hook(s, hook, result, "actionHook");
	json_object_put(result);
	if (e) {
		fs_warn("session", "%s: cannot send actionHook: %m", c->sid,
			e);
		session_schedule(s);
	}
}

int session_redirect(struct session *s, const struct json_object *hook)
{
	int e;

	if (!s || s->stopped)
		return ESHUTDOWN;
	if (s->cur) {
		task_cancel(s->cur);
		mem_deref(s->prev);
		s->prev = s->cur;
		s->cur = NULL;
	}
	session_abort_hook(s);
	tmr_cancel(&s->tmr);
	/* the verbs left are dropped: the hook's answer replaces them */
	s->idx = s->verbs ? s->verbs->n : 0;
	e = session_send_hook(s, hook, NULL, "redirect");
	if (e)
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
		s->stopped = true;
		call_list_ended(c, false);
		return;
	}
	it = &s->verbs->items[s->idx++];

	err = loader_acquire(c->loop->app->loader, it->name, &p);
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
	err = task_alloc(&t, c, p, it->name, it->data, session_task_done, s);
	if (err) {
		loader_release(p);
		fs_error("session", "%s: %s: %m", c->sid, it->name, err);
		session_schedule(s);
		return;
	}
	s->cur = t;
	fs_debug("session", "%s: running %s", c->sid, it->name);
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
