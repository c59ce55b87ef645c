/**
 * @file leg_api.c  The plugin side of outbound legs (include/fs/fs_leg.h)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/jsonutil.h"
#include "app.h"
#include "call/call.h"
#include "sip/leg.h"
#include "base/log.h"
#include "sip/stack.h"
#include "media/media.h"
#include "sip/sipsafe.h"
#include "sip/target.h"
#include "sip/sbchdr.h"
#include "call/call_sbc.h"
#include "call/ws_app.h"
#include "dir/dir_app.h"
#include "call/outcall.h"

#define LEGAPI_RING_MS 60000

#define LEGAPI_JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A playback toward the leg only */
struct legapi_play {
	struct fs_leg *fl;
	struct fs_listener *bind;
	fs_play_h *h;
	void *arg;
};

struct fs_leg {
	struct leg *leg;
	struct fs_call *call;
	struct fs_listener *bind;
	fs_leg_h *h;
	void *arg;
	fs_leg_dtmf_h *dtmfh;
	void *dtmf_arg;
	fs_leg_hold_h *holdh;
	void *hold_arg;
	fs_leg_refer_h *referh;
	void *refer_arg;
	struct legapi_play *playing;
	char *to;           /* the number, user or URI called */
	const char *status; /* call_status of the child, as jambonz's */
	uint16_t scode;
	char reason[64];
	uint64_t answer_ms;
	bool final; /* its last call:status went out */
};

static void legapi_play_stop(struct fs_leg *fl);

/*
 * call:status of the child leg to the application's status hook, as
 * jambonz's SingleDialer posts it for every change: the caller's fields
 * with the leg's call_sid, parent_call_sid and its own status. No scope:
 * the last one must outlive the dial.
 */
static void legapi_status(struct fs_leg *fl, const char *status,
			  uint16_t scode, const char *reason)
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

/* We end the leg: an answered one completed, a ringing one cancelled
 * (its INVITE ends 487: no-answer, as jambonz reports it) */
static void legapi_end(struct fs_leg *fl)
{
	if (!fl->leg || fl->final)
		return;
	if (leg_answered(fl->leg))
		legapi_status(fl, "completed", 0, NULL);
	else
		legapi_status(fl, "no-answer", 487, "Request Terminated");
}

static void legapi_destructor(void *data)
{
	struct fs_leg *fl = data;

	legapi_play_stop(fl);
	legapi_end(fl);
	leg_hangup(fl->leg, NULL);
	mem_deref(fl->leg);
	mem_deref(fl->to);
}

/* The owner's scope closed: hang up quietly */
static void legapi_release(void *arg)
{
	struct fs_leg *fl = arg;

	fl->bind = NULL;
	mem_deref(fl);
}

static void legapi_event(struct leg *leg, enum leg_event ev, uint16_t scode,
			 const char *reason, void *arg)
{
	struct fs_leg *fl = arg;

	(void)leg;
	switch (ev) {
	case LEG_RINGING:
		legapi_status(fl, "ringing", scode, reason);
		break;
	case LEG_EARLY:
		legapi_status(fl, "early-media", scode, reason);
		break;
	case LEG_ANSWERED:
		fl->answer_ms = tmr_jiffies();
		legapi_status(fl, "in-progress", 200, "OK");
		break;
	case LEG_FAILED:
		legapi_play_stop(fl);
		legapi_status(fl,
			      scode == 486 || scode == 600 ? "busy"
			      : scode == 487               ? "no-answer"
							   : "failed",
			      scode, reason);
		break;
	case LEG_ENDED:
		legapi_play_stop(fl);
		legapi_status(fl, "completed", 0, NULL);
		break;
	}
	if (fl->h)
		fl->h(fl, (enum fs_leg_event)ev, scode, reason, fl->arg);
}

static void legapi_dtmf(char digit, void *arg)
{
	struct fs_leg *fl = arg;

	if (fl->dtmfh)
		fl->dtmfh(fl, digit, fl->dtmf_arg);
}

int fs_leg_dial(struct fs_leg **lp, struct fs_call *c, struct fs_scope *scope,
		const struct json_object *target, const struct fs_leg_opts *o,
		fs_leg_h *h, void *arg, char *err, size_t errsz)
{
	struct json_object *auth = NULL, *thdrs = NULL, *merged = NULL;
	struct leg_params p = {0};
	char *uri = NULL, *route = NULL, *hdrs = NULL;
	struct json_object *rt;
	struct sbchdr sbc;
	struct fs_leg *fl;
	int e;

	if (!lp || !c || !scope || !target || !err)
		return EINVAL;
	/* the realm of a user target, in a jambonz cluster */
	rt = call_sbc_target(c, target);
	e = target_resolve(c->env->stk->app->cfg, rt, &uri, &route, err,
			   errsz);
	json_object_put(rt);
	if (e)
		return EINVAL;
	if (o && (o->caller_id || o->caller_name)) {
		char *tmp = NULL;

		if (o->caller_id && sipsafe_user(&tmp, o->caller_id)) {
			re_snprintf(err, errsz, "callerId '%s' refused",
				    o->caller_id);
			e = EINVAL;
		}
		tmp = mem_deref(tmp);
		if (!e && o->caller_name &&
		    sipsafe_dname(&tmp, o->caller_name)) {
			re_snprintf(err, errsz, "callerName '%s' refused",
				    o->caller_name);
			e = EINVAL;
		}
		mem_deref(tmp);
		if (e)
			goto out;
	}

	/* the verb's headers, then the target's own on top */
	merged = json_object_new_object();
	if (o && json_object_is_type(o->headers, json_type_object)) {
		json_object_object_foreach((struct json_object *)o->headers, k,
					   v)
		{
			json_object_object_add(merged, k, json_object_get(v));
		}
	}
	if (json_object_object_get_ex(target, "headers", &thdrs) &&
	    json_object_is_type(thdrs, json_type_object)) {
		json_object_object_foreach(thdrs, k, v)
		{
			json_object_object_add(merged, k, json_object_get(v));
		}
	}
	e = leg_headers(&hdrs, merged);
	json_object_put(merged);
	if (e)
		goto out;

	fl = mem_zalloc(sizeof(*fl), legapi_destructor);
	if (!fl) {
		e = ENOMEM;
		goto out;
	}
	fl->call = c;
	fl->h = h;
	fl->arg = arg;
	(void)json_object_object_get_ex(target, "auth", &auth);
	/* the user goes into a quoted-string of the Authorization header */
	if (jsonutil_str(auth, "username") &&
	    (!sipsafe_value(jsonutil_str(auth, "username")) ||
	     strpbrk(jsonutil_str(auth, "username"), "\"\\"))) {
		re_snprintf(err, errsz, "auth username '%s' refused",
			    jsonutil_str(auth, "username"));
		mem_deref(fl);
		e = EINVAL;
		goto out;
	}
	p.uri = uri;
	p.route = route;
	p.from_user = o && o->caller_id ? o->caller_id : c->from_user;
	p.from_name = o ? o->caller_name : NULL;
	p.headers = hdrs;
	p.auth_user = jsonutil_str(auth, "username");
	p.auth_pass = jsonutil_str(auth, "password");
	p.timeout_ms = o && o->timeout_ms ? o->timeout_ms : LEGAPI_RING_MS;
	call_sbc_dial(&sbc, c, target);
	p.sbc = &sbc;
	p.dtmfh = legapi_dtmf;
	p.dtmf_arg = fl;
	{
		const char *to;

		if (!(to = jsonutil_str(target, "number")) &&
		    !(to = jsonutil_str(target, "name")))
			to = jsonutil_str(target, "sipUri");
		if (to && str_dup(&fl->to, to)) {
			mem_deref(fl);
			e = ENOMEM;
			goto out;
		}
	}
	e = fs_scope_bind(scope, legapi_release, fl, &fl->bind);
	if (e) {
		mem_deref(fl);
		goto out;
	}
	e = leg_connect(&fl->leg, c->env->stk, &p, legapi_event, fl);
	if (e) {
		re_snprintf(err, errsz, "cannot call %s: %m", uri, e);
		fs_listener_cancel(fl->bind);
		mem_deref(fl);
		goto out;
	}
	*lp = fl;
	legapi_status(fl, "trying", 100, "Trying");
out:
	mem_deref(uri);
	mem_deref(route);
	mem_deref(hdrs);
	return e;
}

void fs_leg_hangup(struct fs_leg *fl)
{
	if (!fl)
		return;
	legapi_play_stop(fl);
	legapi_end(fl);
	leg_hangup(fl->leg, NULL);
}

const char *fs_leg_sid(const struct fs_leg *fl)
{
	return fl ? leg_sid(fl->leg) : NULL;
}

const char *fs_leg_callid(const struct fs_leg *fl)
{
	return fl ? leg_callid(fl->leg) : NULL;
}

int fs_call_bridge(struct fs_call *c, struct fs_leg *fl)
{
	if (!c || !fl || !c->media || !leg_media(fl->leg))
		return EINVAL;
	if (c->closing)
		return ENOTCONN;
	media_stream_unbridge(c->media);
	return media_stream_bridge(c->media, leg_media(fl->leg));
}

void fs_call_unbridge(struct fs_call *c)
{
	if (c && c->media)
		media_stream_unbridge(c->media);
}

void fs_leg_set_dtmf(struct fs_leg *fl, fs_leg_dtmf_h *h, void *arg)
{
	if (!fl)
		return;
	fl->dtmfh = h;
	fl->dtmf_arg = arg;
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

static void legapi_hold(bool held, const char *from, const char *to, void *arg)
{
	struct fs_leg *fl = arg;

	if (fl->holdh)
		fl->holdh(fl, held, from, to, fl->hold_arg);
}

void fs_leg_set_hold(struct fs_leg *fl, fs_leg_hold_h *h, void *arg)
{
	if (!fl)
		return;
	fl->holdh = h;
	fl->hold_arg = arg;
	leg_set_hold(fl->leg, h ? legapi_hold : NULL, fl);
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

/* Playback toward the leg ------------------------------------------------ */

static void legapi_play_done(int err, uint64_t samples, void *arg);

static void legapi_play_release(void *arg)
{
	struct legapi_play *p = arg;
	struct media_stream *ms = leg_media(p->fl->leg);

	p->bind = NULL;
	if (p->fl->playing == p) {
		p->fl->playing = NULL;
		media_stream_play_stop(ms, false);
	}
	media_stream_play_forget(ms, legapi_play_done, p);
	mem_deref(p);
}

static void legapi_play_done(int err, uint64_t samples, void *arg)
{
	struct legapi_play *p = arg;
	fs_play_h *h = p->h;
	void *harg = p->arg;

	if (p->fl->playing == p)
		p->fl->playing = NULL;
	if (!p->bind)
		return;
	fs_listener_cancel(p->bind);
	p->bind = NULL;
	mem_deref(p);
	if (h)
		h(err, samples, harg);
}

/* The leg goes: what plays to it ends without a word to its owner */
static void legapi_play_stop(struct fs_leg *fl)
{
	struct legapi_play *p = fl->playing;

	if (!p)
		return;
	fl->playing = NULL;
	media_stream_play_stop(leg_media(fl->leg), false);
	media_stream_play_forget(leg_media(fl->leg), legapi_play_done, p);
	fs_listener_cancel(p->bind);
	mem_deref(p);
}

int fs_leg_play(struct fs_leg *fl, struct fs_scope *scope,
		struct fs_audio *audio, fs_play_h *h, void *arg)
{
	struct legapi_play *p;
	int err;

	if (!fl || !scope || !audio)
		return EINVAL;
	if (!leg_answered(fl->leg) || fl->final || !leg_media(fl->leg))
		return ENOTCONN;
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	p->fl = fl;
	p->h = h;
	p->arg = arg;
	err = fs_scope_bind(scope, legapi_play_release, p, &p->bind);
	if (err) {
		mem_deref(p);
		return err;
	}
	legapi_play_stop(fl);
	fl->playing = p;
	err = media_stream_play(leg_media(fl->leg), audio, 1, 0, 0,
				legapi_play_done, p);
	if (err) {
		fl->playing = NULL;
		fs_listener_cancel(p->bind);
		mem_deref(p);
	}
	return err;
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

int fs_leg_request(struct fs_leg *fl, struct fs_scope *scope,
		   const struct fs_sipreq *r, fs_sipreq_h *h, void *arg)
{
	if (!fl || !fl->leg)
		return EINVAL;
	if (fl->final)
		return ENOTCONN;
	return call_dlg_request(fl->call, fl->leg, scope, r, h, arg);
}

/* REFERs of the far end ------------------------------------------------- */

struct fs_leg_refer {
	struct sip *sip; /* the loop's stack outlives its calls */
	struct sip_msg *msg;
	bool replied;
};

static void legapi_refer_destructor(void *data)
{
	struct fs_leg_refer *r = data;

	if (!r->replied)
		(void)sip_reply(r->sip, r->msg, 500, "Server Internal Error");
	mem_deref(r->msg);
}

struct fs_leg_refer *legapi_refer_alloc(struct sip *sip,
					const struct sip_msg *msg)
{
	struct fs_leg_refer *r =
		mem_zalloc(sizeof(*r), legapi_refer_destructor);

	if (!r) {
		(void)sip_reply(sip, msg, 500, "Server Internal Error");
		return NULL;
	}
	r->sip = sip;
	r->msg = mem_ref((struct sip_msg *)msg);
	return r;
}

static void legapi_refer(const struct sip_msg *msg, void *arg)
{
	struct fs_leg *fl = arg;
	struct fs_leg_refer *r =
		legapi_refer_alloc(fl->call->env->stk->sip, msg);
	uint16_t st;

	if (!r)
		return;
	st = fl->referh ? fl->referh(fl, r, fl->refer_arg) : 501;
	if (st)
		fs_leg_refer_reply(r, st, call_reason_phrase(st));
	mem_deref(r);
}

int fs_leg_hold(struct fs_leg *fl, bool hold)
{
	if (!fl || !fl->leg)
		return EINVAL;
	if (fl->final)
		return ENOTCONN;
	return leg_hold(fl->leg, hold);
}

void fs_leg_set_refer(struct fs_leg *fl, fs_leg_refer_h *h, void *arg)
{
	if (!fl)
		return;
	fl->referh = h;
	fl->refer_arg = arg;
	leg_set_refer(fl->leg, h ? legapi_refer : NULL, fl);
}

void fs_leg_refer_reply(struct fs_leg_refer *r, uint16_t scode,
			const char *reason)
{
	if (!r || r->replied)
		return;
	r->replied = true;
	(void)sip_reply(r->sip, r->msg, scode,
			reason ? reason : call_reason_phrase(scode));
}

static void legapi_hdr_str(struct json_object *o, const char *k,
			   const struct pl *v)
{
	char *s = NULL;

	if (v && pl_isset(v) && !pl_strdup(&s, v))
		json_object_object_add(o, k, json_object_new_string(s));
	mem_deref(s);
}

/* The user of a name-addr or URI, or a tel: URI's number */
static void legapi_hdr_user(struct json_object *o, const char *k,
			    const struct pl *v)
{
	struct sip_addr addr;
	struct pl num;

	if (!re_regex(v->p, v->l, "tel:[^;>]+", &num)) {
		legapi_hdr_str(o, k, &num);
		return;
	}
	if (!sip_addr_decode(&addr, v) && pl_isset(&addr.uri.user))
		legapi_hdr_str(o, k, &addr.uri.user);
}

/* Every X- header by its name, as jambonz's customHeaders */
static void legapi_xhdrs(struct json_object *o, const struct sip_msg *msg)
{
	struct le *le;

	LIST_FOREACH(&msg->hdrl, le) {
		const struct sip_hdr *hdr = le->data;
		char name[64];

		if (hdr->name.l < 3 || hdr->name.l >= sizeof(name) ||
		    (hdr->name.p[0] != 'x' && hdr->name.p[0] != 'X') ||
		    hdr->name.p[1] != '-')
			continue;
		(void)pl_strcpy(&hdr->name, name, sizeof(name));
		legapi_hdr_str(o, name, &hdr->val);
	}
}

struct json_object *fs_leg_refer_details(const struct fs_leg_refer *r)
{
	const struct sip_hdr *to, *by, *ua;
	struct json_object *o;

	if (!r)
		return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	to = sip_msg_hdr(r->msg, SIP_HDR_REFER_TO);
	by = sip_msg_hdr(r->msg, SIP_HDR_REFERRED_BY);
	ua = sip_msg_hdr(r->msg, SIP_HDR_USER_AGENT);
	if (to) {
		legapi_hdr_str(o, "sip_refer_to", &to->val);
		legapi_hdr_user(o, "refer_to_user", &to->val);
	}
	if (by) {
		legapi_hdr_str(o, "sip_referred_by", &by->val);
		legapi_hdr_user(o, "referred_by_user", &by->val);
	}
	if (ua)
		legapi_hdr_str(o, "sip_user_agent", &ua->val);
	legapi_xhdrs(o, r->msg);
	return o;
}

int fs_leg_adopt(struct fs_leg *fl, const struct json_object *hook)
{
	int err;

	if (!fl || !fl->leg || fl->final)
		return ENOTCONN;
	if (!json_object_is_type(hook, json_type_string) &&
	    !json_object_is_type(hook, json_type_object))
		return EINVAL;
	legapi_play_stop(fl);
	err = outcall_adopt(fl->call, fl->leg, fl->to, hook);
	if (err)
		return err;
	/* the new call holds the leg and posts its statuses */
	fl->final = true;
	fl->leg = mem_deref(fl->leg);
	return 0;
}
