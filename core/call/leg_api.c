/**
 * @file leg_api.c  The plugin side of outbound legs (include/fs/fs_leg.h):
 *                  a leg's dial, its life and its bridge to the call
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
#include "sip/stack.h"
#include "media/media.h"
#include "sip/sipsafe.h"
#include "sip/target.h"
#include "sip/sbchdr.h"
#include "call/call_sbc.h"
#include "call/outcall.h"
#include "call/leg_int.h"

#define LEGAPI_RING_MS 60000

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

int fs_leg_request(struct fs_leg *fl, struct fs_scope *scope,
		   const struct fs_sipreq *r, fs_sipreq_h *h, void *arg)
{
	if (!fl || !fl->leg)
		return EINVAL;
	if (fl->final)
		return ENOTCONN;
	return call_dlg_request(fl->call, fl->leg, scope, r, h, arg);
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
