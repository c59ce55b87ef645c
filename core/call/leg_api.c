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

#define LEGAPI_RING_MS 60000

struct fs_leg {
	struct leg *leg;
	struct fs_call *call;
	struct fs_listener *bind;
	fs_leg_h *h;
	void *arg;
};

static void legapi_destructor(void *data)
{
	struct fs_leg *fl = data;

	leg_hangup(fl->leg, NULL);
	mem_deref(fl->leg);
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
	if (fl->h)
		fl->h(fl, (enum fs_leg_event)ev, scode, reason, fl->arg);
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
out:
	mem_deref(uri);
	mem_deref(route);
	mem_deref(hdrs);
	return e;
}

void fs_leg_hangup(struct fs_leg *fl)
{
	if (fl)
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
