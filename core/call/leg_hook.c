/**
 * @file leg_hook.c  A leg's hooks: its child call:status, the fields of
 *                   a child call and the hooks a plugin posts for a call
 *                   or a leg
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "call/call.h"
#include "sip/leg.h"
#include "base/log.h"
#include "call/ws_app.h"
#include "dir/dir_app.h"
#include "call/leg_int.h"

/*
 * call:status of the child leg to the application's status hook, as
 * jambonz's SingleDialer posts it for every change: the caller's fields
 * with the leg's call_sid, parent_call_sid and its own status. No scope:
 * the last one must outlive the dial.
 */
void legapi_status(struct fs_leg *fl, const char *status, uint16_t scode,
		   const char *reason)
{
	struct fs_call *c = fl->call;
	struct fs_req_opts opts = {0};
	struct fs_hook h = {0};
	struct json_object *p;
	bool end;
	int err;

	if (fl->final)
		return;
	end = strcmp(status, "trying") && strcmp(status, "ringing") &&
	      strcmp(status, "early-media") && strcmp(status, "in-progress");
	fl->final = end;
	fl->status = status;
	if (scode) {
		fl->scode = scode;
		str_ncpy(fl->reason, reason ? reason : "", sizeof(fl->reason));
	}
	if (!c->app)
		return;
	p = fs_leg_fields(fl);
	if (!p)
		return;
	if (!strcmp(status, "completed") && fl->answer_ms)
		json_object_object_add(
			p, "duration",
			json_object_new_int64(
				(int64_t)((tmr_jiffies() - fl->answer_ms) /
					  1000)));
	if (c->ws && !ws_app_url_is_http(c->app->status_hook.url)) {
		err = ws_app_notify(c->ws, "call:status", p);
		if (err && err != ENOTCONN)
			fs_warn("leg", "%s: call:status: %m", leg_sid(fl->leg),
				err);
	} else if (c->app->status_hook.url) {
		dir_hook_req(&c->app->status_hook, &h);
		opts.base_url = c->app->call_hook.url;
		opts.secret = c->app->webhook_secret;
		opts.body =
			json_object_to_json_string_ext(p, LEGAPI_JSON_FLAGS);
		err = fs_req_send(c->env->req, NULL, &h, &opts, NULL, NULL);
		if (err)
			fs_warn("leg", "%s: status hook: %m", leg_sid(fl->leg),
				err);
	}
	json_object_put(p);
}

static void legapi_add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

struct json_object *fs_leg_fields(const struct fs_leg *fl)
{
	struct json_object *o;

	if (!fl)
		return NULL;
	o = call_payload(fl->call);
	if (!o)
		return NULL;
	/* the caller's own, not the child's */
	json_object_object_del(o, "sbc_callid");
	json_object_object_del(o, "call_termination_by");
	json_object_object_del(o, "duration");
	legapi_add_str(o, "call_sid", leg_sid(fl->leg));
	legapi_add_str(o, "parent_call_sid", fl->call->sid);
	legapi_add_str(o, "direction", "outbound");
	legapi_add_str(o, "call_id", leg_callid(fl->leg));
	legapi_add_str(o, "to", fl->to);
	legapi_add_str(o, "call_status", fl->status ? fl->status : "trying");
	json_object_object_add(
		o, "sip_status",
		json_object_new_int(fl->scode ? fl->scode : 100));
	legapi_add_str(o, "sip_reason", fl->scode ? fl->reason : "Trying");
	return o;
}

/* fields' members over payload's, then payload to hook: a WebSocket
 * application's message of type, else HTTP. Takes both (payload NULL:
 * ENOMEM) */
static int legapi_post(struct fs_call *c, struct fs_scope *scope,
		       const char *type, const struct json_object *hook,
		       struct json_object *payload, struct json_object *fields,
		       fs_resp_h *resph, void *arg)
{
	struct fs_req_opts opts;
	struct fs_hook h;
	int err;

	if (!payload) {
		json_object_put(fields);
		return ENOMEM;
	}
	if (json_object_is_type(fields, json_type_object)) {
		json_object_object_foreach(fields, k, v)
		{
			json_object_object_add(payload, k, json_object_get(v));
		}
	}
	json_object_put(fields);
	call_hook_fill(c, hook, &h, &opts);
	if (!h.url || !*h.url)
		err = EINVAL;
	else if (c->ws && !ws_app_url_is_http(h.url))
		err = ws_app_request(c->ws, scope, type, h.url, payload, resph,
				     arg);
	else {
		opts.body = json_object_to_json_string_ext(payload,
							   LEGAPI_JSON_FLAGS);
		err = fs_req_send(c->env->req, scope, &h, &opts, resph, arg);
	}
	json_object_put(payload);
	return err;
}

int fs_call_hook(struct fs_call *c, struct fs_scope *scope, const char *type,
		 const struct json_object *hook, struct json_object *fields,
		 fs_resp_h *h, void *arg)
{
	if (!c || !scope || !type) {
		json_object_put(fields);
		return EINVAL;
	}
	return legapi_post(c, scope, type, hook, call_payload(c), fields, h,
			   arg);
}

int fs_leg_hook(struct fs_leg *fl, struct fs_scope *scope, const char *type,
		const struct json_object *hook, struct json_object *fields,
		fs_resp_h *h, void *arg)
{
	if (!fl || !scope || !type) {
		json_object_put(fields);
		return EINVAL;
	}
	return legapi_post(fl->call, scope, type, hook, fs_leg_fields(fl),
			   fields, h, arg);
}

/* The caller hung up mid-bridge: the actionHook still goes ---------------- */

int fs_call_final_hook(struct fs_call *c, const struct json_object *hook,
		       struct json_object *fields)
{
	if (!c) {
		json_object_put(fields);
		return EINVAL;
	}
	return legapi_post(c, NULL, "verb:hook", hook, call_payload(c), fields,
			   NULL, NULL);
}
