/**
 * @file conf_hook.c  Hooks of the conference verb: a waitHook's answer is
 *                    verbs (fs_call_hook_verbs), a statusHook outlives
 *                    the member (fs_call_hook_post)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_conf.h>
#include "base/log.h"
#include "call/call.h"
#include "call/ws_app.h"

/* One request awaiting its answer; freed by the answer or the scope */
struct conf_ask {
	struct fs_call *c;
	struct fs_listener *bind;
	fs_hook_verbs_h *h;
	void *arg;
};

static void conf_ask_release(void *arg)
{
	struct conf_ask *a = arg;

	a->bind = NULL;
	mem_deref(a);
}

static void conf_ask_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct conf_ask *a = arg;
	struct json_object *verbs = NULL;
	fs_hook_verbs_h *h = a->h;
	void *harg = a->arg;

	if (a->bind)
		fs_listener_cancel(a->bind);
	a->bind = NULL;
	if (!err && resp->status >= 300) {
		fs_warn("conference", "%s: waitHook answered %u",
			fs_call_sid(a->c), resp->status);
		err = EPROTO;
	}
	if (!err) {
		verbs = resp->len ? json_tokener_parse(resp->body)
				  : json_object_new_array();
		if (!json_object_is_type(verbs, json_type_array)) {
			fs_warn("conference",
				"%s: waitHook answer is not a verb array",
				fs_call_sid(a->c));
			err = EPROTO;
		}
	}
	mem_deref(a);
	h(err, err ? NULL : verbs, harg);
	json_object_put(verbs);
}

static struct json_object *conf_payload(struct fs_call *c,
					struct json_object *fields)
{
	struct json_object *payload = call_payload(c);

	if (payload && json_object_is_type(fields, json_type_object)) {
		json_object_object_foreach(fields, k, v)
		{
			json_object_object_add(payload, k, json_object_get(v));
		}
	}
	json_object_put(fields);
	return payload;
}

static int conf_send(struct fs_call *c, struct fs_scope *scope,
		     const struct json_object *hook,
		     struct json_object *fields, fs_resp_h *resph, void *arg)
{
	struct json_object *payload;
	struct fs_req_opts opts;
	struct fs_hook h;
	int err;

	call_hook_fill(c, hook, &h, &opts);
	if (!*h.url) {
		json_object_put(fields);
		return EINVAL;
	}
	payload = conf_payload(c, fields);
	if (!payload)
		return ENOMEM;
	opts.body = json_object_to_json_string_ext(
		payload,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (c->ws && !ws_app_url_is_http(h.url))
		err = ws_app_request(c->ws, scope, "verb:hook", h.url, payload,
				     resph, arg);
	else
		err = fs_req_send(c->env->req, scope, &h, &opts, resph, arg);
	json_object_put(payload);
	return err;
}

int fs_call_hook_verbs(struct fs_call *c, struct fs_scope *scope,
		       const struct json_object *hook,
		       struct json_object *fields, fs_hook_verbs_h *h,
		       void *arg)
{
	struct conf_ask *a;
	int err;

	if (!c || !scope || !h) {
		json_object_put(fields);
		return EINVAL;
	}
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a) {
		json_object_put(fields);
		return ENOMEM;
	}
	a->c = c;
	a->h = h;
	a->arg = arg;
	err = fs_scope_bind(scope, conf_ask_release, a, &a->bind);
	if (err) {
		json_object_put(fields);
		mem_deref(a);
		return err;
	}
	err = conf_send(c, scope, hook, fields, conf_ask_resp, a);
	if (err && a->bind) {
		/* a cancelled binding runs no release */
		fs_listener_cancel(a->bind);
		mem_deref(a);
	}
	return err;
}

int fs_call_hook_post(struct fs_call *c, const struct json_object *hook,
		      struct json_object *fields)
{
	if (!c) {
		json_object_put(fields);
		return EINVAL;
	}
	return conf_send(c, NULL, hook, fields, NULL, NULL);
}
