/**
 * @file call_hook.c  A call's application: directory answer, first
 *                    webhook, status hooks, the webhook payload
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "app.h"
#include "base/cfg.h"
#include "base/log.h"
#include "call/call.h"
#include "call/session.h"
#include "call/ws_app.h"
#include "cluster/cluster.h"
#include "dir/directory.h"
#include "http/req.h"
#include "sip/sipcheck.h"
#include "sip/stack.h"

#define CALL_JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void call_add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void call_add_hdr(struct json_object *o, const char *k,
			 const struct sip_msg *msg, const char *name)
{
	const struct sip_hdr *h = sip_msg_xhdr(msg, name);
	char *v = NULL;

	if (!h || re_sdprintf(&v, "%r", &h->val))
		return;
	json_object_object_add(o, k, json_object_new_string(v));
	mem_deref(v);
}

struct json_object *call_payload(const struct fs_call *c)
{
	struct json_object *o = json_object_new_object();
	const struct app *app = c->env->stk->app;
	char *s = NULL;
	uint16_t scode;

	call_add_str(o, "call_sid", c->sid);
	call_add_str(o, "direction", c->uac ? "outbound" : "inbound");
	call_add_str(o, "from", c->from_user ? c->from_user : "");
	call_add_str(o, "to", c->to_user ? c->to_user : "");
	call_add_str(o, "call_id", c->callid);
	if (c->invite)
		call_add_hdr(o, "sbc_callid", c->invite, "X-CID");
	switch (c->state) {
	case CALL_TRYING:
		scode = 100;
		break;
	case CALL_EARLY:
		scode = c->early_media ? 183 : 180;
		break;
	case CALL_ANSWERED:
		scode = 200;
		break;
	default:
		scode = c->final_scode ? c->final_scode : 200;
	}
	json_object_object_add(o, "sip_status", json_object_new_int(scode));
	call_add_str(o, "sip_reason",
		     c->state == CALL_ENDED && c->final_reason
			     ? c->final_reason
			     : (scode == 100   ? "Trying"
				: scode == 180 ? "Ringing"
				: scode == 183 ? "Session Progress"
					       : "OK"));
	call_add_str(o, "call_status", call_status_name(c));
	call_add_str(o, "account_sid", c->app ? c->app->account_sid : NULL);
	call_add_str(o, "application_sid",
		     c->app ? c->app->application_sid : NULL);
	call_add_str(o, "service_provider_sid",
		     c->app ? c->app->service_provider_sid : NULL);
	call_add_str(o, "trace_id", c->trace_id);
	if (!re_sdprintf(&s, "%J", &c->env->stk->addr)) {
		call_add_str(o, "fs_sip_address", s);
		s = mem_deref(s);
	}
	call_add_str(o, "caller_name", c->caller_name);
	if (c->invite) {
		call_add_hdr(o, "originating_sip_ip", c->invite,
			     "X-Forwarded-For");
		call_add_hdr(o, "originating_sip_trunk_name", c->invite,
			     "X-Originating-Carrier");
	}
	if (!cfg_http_url(&s, app->cfg, "/v1")) {
		call_add_str(o, "api_base_url", s);
		s = mem_deref(s);
	}
	if (c->state == CALL_ENDED) {
		if (c->termination_by)
			call_add_str(o, "call_termination_by",
				     c->termination_by);
		if (c->answer_ms)
			json_object_object_add(
				o, "duration",
				json_object_new_int(
					(int)((tmr_jiffies() - c->answer_ms +
					       500) /
					      1000)));
	}
	if (c->tag)
		json_object_object_add(o, "customerData",
				       json_object_get(c->tag));
	return o;
}

static void call_sip_json(const struct fs_call *c, struct json_object *o)
{
	struct json_object *sip = json_object_new_object();
	struct json_object *hdrs = json_object_new_object();
	const struct sip_msg *m = c->invite;
	struct le *le;
	char *s = NULL;

	for (le = m->hdrl.head; le; le = le->next) {
		const struct sip_hdr *h = le->data;
		char *name = NULL, *val = NULL;
		struct json_object *prev;

		if (re_sdprintf(&name, "%r", &h->name) ||
		    re_sdprintf(&val, "%r", &h->val)) {
			mem_deref(name);
			mem_deref(val);
			continue;
		}
		/* jambonz lower-cases names; repeated headers join with ","
		 */
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (json_object_object_get_ex(hdrs, name, &prev)) {
			char *joined = NULL;

			if (!re_sdprintf(&joined, "%s,%s",
					 json_object_get_string(prev), val))
				json_object_object_add(
					hdrs, name,
					json_object_new_string(joined));
			mem_deref(joined);
		} else {
			json_object_object_add(hdrs, name,
					       json_object_new_string(val));
		}
		mem_deref(name);
		mem_deref(val);
	}
	json_object_object_add(sip, "headers", hdrs);
	if (!re_sdprintf(&s, "%b", mbuf_buf(m->mb), mbuf_get_left(m->mb))) {
		call_add_str(sip, "body", s);
		s = mem_deref(s);
	}
	call_add_str(sip, "method", "INVITE");
	call_add_str(sip, "version", "2.0");
	if (!re_sdprintf(&s, "%r", &m->ruri)) {
		call_add_str(sip, "uri", s);
		s = mem_deref(s);
	}
	json_object_object_add(o, "sip", sip);
}

static void call_defaults_json(const struct fs_call *c, struct json_object *o)
{
	struct json_object *d = json_object_new_object();
	struct json_object *r = json_object_new_object();

	json_object_object_add(d, "synthesizer", json_object_get(c->synth));
	if (c->recog) {
		json_object_put(r), r = json_object_get(c->recog);
	} else {
		/* the application's, else the server's (STT_VENDOR) */
		const struct cfg *cfg = c->env->stk->app->cfg;
		const char *vendor = c->app ? c->app->stt_vendor : NULL;
		const char *lang = c->app ? c->app->stt_language : NULL;

		if (!vendor || !*vendor)
			vendor =
				*cfg->stt_vendor ? cfg->stt_vendor : "default";
		if (!lang || !*lang)
			lang = *cfg->stt_language ? cfg->stt_language
						  : "en-US";
		call_add_str(r, "vendor", vendor);
		call_add_str(r, "language", lang);
	}
	json_object_object_add(d, "recognizer", r);
	json_object_object_add(o, "defaults", d);
}

void call_hook_fill(const struct fs_call *c, const struct json_object *hook,
		    struct fs_hook *out, struct fs_req_opts *opts)
{
	struct json_object *v;

	memset(out, 0, sizeof(*out));
	memset(opts, 0, sizeof(*opts));
	if (json_object_is_type(hook, json_type_string)) {
		out->url = json_object_get_string((struct json_object *)hook);
	} else if (json_object_is_type(hook, json_type_object)) {
		if (json_object_object_get_ex(hook, "url", &v))
			out->url = json_object_get_string(v);
		if (json_object_object_get_ex(hook, "method", &v))
			out->method = json_object_get_string(v);
		if (json_object_object_get_ex(hook, "username", &v))
			out->username = json_object_get_string(v);
		if (json_object_object_get_ex(hook, "password", &v))
			out->password = json_object_get_string(v);
	}
	if (c->app) {
		const char *rebased = session_hook_base(c->session);

		opts->base_url = rebased ? rebased : c->app->call_hook.url;
		opts->secret = c->app->webhook_secret;
		/* the call hook's credentials go to its own origin only
		 * (scheme, host and port): "//other-host/x" is relative
		 * too, but names another server. After a redirect to
		 * another origin none go, as jambonz's new requestor has
		 * none */
		if (out->url && !out->username && !rebased &&
		    c->app->call_hook.username &&
		    req_same_origin(out->url, opts->base_url)) {
			out->username = c->app->call_hook.username;
			out->password = c->app->call_hook.password;
		}
	}
	if (!out->url)
		out->url = "";
}

/* Where a call:status goes: a redirect's statusHook, else the
 * application's; over a WebSocket application's socket unless that hook
 * is a webhook of its own; nowhere when the hook was the socket of a
 * session that went over to HTTP (jambonz's notifier stays the closed
 * socket) */
enum status_route { STATUS_NOWHERE, STATUS_SOCKET, STATUS_WEBHOOK };

static enum status_route call_status_route(const struct fs_call *c,
					   const struct dir_hook **shp)
{
	const struct dir_hook *sh = session_status_hook(c->session);

	if (!sh)
		sh = &c->app->status_hook;
	*shp = sh;
	if (c->ws && !ws_app_url_is_http(sh->url))
		return STATUS_SOCKET;
	if (!sh->url || ws_app_hook_is_ws(sh) ||
	    (!ws_app_url_is_http(sh->url) &&
	     ws_app_hook_is_ws(&c->app->call_hook)))
		return STATUS_NOWHERE;
	return STATUS_WEBHOOK;
}

/* call:status with p (taken) to where it goes */
static void call_status_send(struct fs_call *c, struct json_object *p)
{
	const struct dir_hook *sh;
	struct fs_req_opts opts = {0};
	struct fs_hook h = {0};
	int err = 0;

	switch (call_status_route(c, &sh)) {
	case STATUS_SOCKET:
		err = ws_app_notify(c->ws, "call:status", p);
		if (err && err != ENOTCONN)
			fs_warn("call", "%s: call:status: %m", c->sid, err);
		break;
	case STATUS_WEBHOOK:
		dir_hook_req(sh, &h);
		opts.base_url = c->app->call_hook.url;
		opts.secret = c->app->webhook_secret;
		opts.body = json_object_to_json_string_ext(p, CALL_JSON_FLAGS);
		/* no scope: the final status must outlive the call */
		err = fs_req_send(c->env->req, NULL, &h, &opts, NULL, NULL);
		if (err)
			fs_warn("call", "%s: status hook: %m", c->sid, err);
		break;
	case STATUS_NOWHERE:
		break;
	}
	json_object_put(p);
}

void call_status(struct fs_call *c, const char *status)
{
	struct app *app = c->env->stk->app;
	struct json_object *p;

	if (!c->app)
		return;
	p = call_payload(c);
	if (status)
		json_object_object_add(p, "call_status",
				       json_object_new_string(status));
	/* the jambonz portal's live calls, from Redis */
	if (cluster_tracks_calls(app->cluster))
		cluster_call_status(app->cluster, p);
	call_status_send(c, p);
}

void call_hook_error(struct fs_call *c, const char *verb, const char *msg,
		     const char *reason)
{
	struct json_object *p;

	if (!c->app)
		return;
	if (c->ws) {
		p = json_object_new_object();
		call_add_str(p, "msg", msg);
		call_add_str(p, "details", reason);
		call_add_str(p, "verb", verb);
		(void)ws_app_notify(c->ws, "jambonz:error", p);
		json_object_put(p);
	}
	p = call_payload(c);
	call_add_str(p, "error", msg);
	call_add_str(p, "reason", reason);
	call_status_send(c, p);
}

void call_start_verbs(struct fs_call *c, struct vlist *v)
{
	int err;

	/* a WebSocket application's redirect may have started it before
	 * session:new was acked */
	if (c->session) {
		session_replace(c->session, v);
		return;
	}
	err = session_alloc(&c->session, c);

	if (err) {
		call_terminate(c, 500, "Server Error", "out of memory", NULL);
		return;
	}
	session_replace(c->session, v);
}

static void call_first_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct fs_call *c = arg;
	struct vlist_limits lim;
	struct vlist *v = NULL;
	char why[300];
	int e;

	if (session_hook_err(err)) {
		re_snprintf(why, sizeof(why), "webhook %s",
			    session_hook_err(err));
		call_reject_webhook(c, why);
		return;
	}
	if (err) {
		re_snprintf(why, sizeof(why), "webhook error: %m", err);
		call_reject_webhook(c, why);
		return;
	}
	if (!session_hook_status_ok(resp->status)) {
		re_snprintf(why, sizeof(why), "webhook returned %u",
			    resp->status);
		call_reject_webhook(c, why);
		return;
	}
	if (!resp->len) {
		call_reject_webhook(c, "webhook returned no verbs");
		return;
	}
	session_limits(c, &lim);
	e = vlist_from_body(&v, c->env->stk->app->loader, &lim, resp->body,
			    resp->len, why, sizeof(why));
	if (e) {
		call_reject_webhook(c, why);
		return;
	}
	if (c->ws && c->state == CALL_TRYING)
		call_status(c, "trying");
	call_start_verbs(c, v);
	mem_deref(v);
}

/* Open the socket of a WebSocket application once; a failure ends the
 * call as a failed first webhook does. @return 0 or the error */
static int call_ws_open(struct fs_call *c)
{
	char why[96];
	int err;

	if (c->ws || !ws_app_hook_is_ws(&c->app->call_hook))
		return 0;
	err = ws_app_alloc(&c->ws, c);
	if (err) {
		re_snprintf(why, sizeof(why), "websocket call_hook: %m", err);
		call_reject_webhook(c, why);
	}
	return err;
}

void call_send_first(struct fs_call *c)
{
	struct json_object *p = call_payload(c);
	struct fs_req_opts opts = {0};
	struct fs_hook h = {0};
	int err;

	/* an inbound call's socket opens here, an outbound call's once
	 * the far end answers */
	if (call_ws_open(c)) {
		json_object_put(p);
		return;
	}
	if (c->invite)
		call_sip_json(c, p);
	call_defaults_json(c, p);
	json_object_object_add(p, "env_vars",
			       c->app->env_vars
				       ? json_object_get(c->app->env_vars)
				       : json_object_new_object());
	if (c->ws) {
		err = ws_app_request(c->ws, c->scope, "session:new", NULL, p,
				     call_first_resp, c);
		json_object_put(p);
		goto out;
	}
	dir_hook_req(&c->app->call_hook, &h);
	opts.secret = c->app->webhook_secret;
	opts.body = json_object_to_json_string_ext(p, CALL_JSON_FLAGS);
	err = fs_req_send(c->env->req, c->scope, &h, &opts, call_first_resp,
			  c);
	json_object_put(p);
out:
	if (err) {
		char why[160];

		re_snprintf(why, sizeof(why), "webhook error: %m", err);
		call_reject_webhook(c, why);
	}
}

void call_synth_defaults(struct fs_call *c)
{
	const struct cfg *cfg = c->env->stk->app->cfg;
	const struct dir_app *a = c->app;

	c->synth = json_object_new_object();
	call_add_str(c->synth, "vendor",
		     a->tts_vendor ? a->tts_vendor : cfg->tts_vendor);
	call_add_str(c->synth, "language",
		     a->tts_language ? a->tts_language : cfg->tts_language);
	call_add_str(c->synth, "voice",
		     a->tts_voice ? a->tts_voice : cfg->tts_voice);
}

void call_app_found(int err, uint16_t scode, const char *reason,
		    struct dir_app *app, void *arg)
{
	struct fs_call *c = arg;
	struct vlist *v = NULL;
	char why[300];

	if (c->closing)
		return;
	if (err) {
		if (err == EPERM)
			SIPCHECK_COUNT(c->env->stk->app, account_mismatch);
		fs_warn("call", "%s: %u %s", c->sid, scode, reason);
		call_terminate(c, scode, call_reason_phrase(scode), reason,
			       NULL);
		return;
	}
	c->app = mem_ref(app);
	call_synth_defaults(c);
	if (!app->app_json && ws_app_hook_is_ws(&app->call_hook)) {
		/* jambonz sends "trying" once session:new is acked */
		call_send_first(c);
		return;
	}
	call_status(c, "trying");

	if (app->app_json) {
		if (vlist_parse(&v, c->env->stk->app->loader, app->app_json,
				why, sizeof(why))) {
			call_reject_webhook(c, why);
			return;
		}
		call_start_verbs(c, v);
		mem_deref(v);
		return;
	}
	call_send_first(c);
}
