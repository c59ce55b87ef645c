/**
 * @file outcall.c  Calls placed from the REST API, and updates to calls
 *
 * An outbound call is an fs_call whose SIP side is a leg (leg.c) rather
 * than an inbound dialog: once the far end answers, the session:new
 * webhook (direction outbound) or app_json gives its verbs, exactly as
 * for an inbound call.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/jsonutil.h"
#include "app.h"
#include "call/call.h"
#include "base/cfg.h"
#include "dir/directory.h"
#include "sip/leg.h"
#include "verb/loader.h"
#include "base/log.h"
#include "sip/stack.h"
#include "media/media.h"
#include "base/scope.h"
#include "call/session.h"
#include "sip/sipsafe.h"
#include "call/outcall.h"
#include "sip/target.h"
#include "base/uuid.h"
#include "sip/sbchdr.h"
#include "call/call_sbc.h"

#define OUTCALL_RING_MS 60000
#define OUTCALL_MAX_MS  86400000u /* a day: timeout, timeLimit */

static void outcall_time_limit(int err, const char *ev, void *data, void *arg)
{
	struct fs_call *c = arg;

	(void)err;
	(void)ev;
	(void)data;
	fs_info("call", "%s: timeLimit reached", c->sid);
	fs_call_hangup(c, NULL);
}

/* The far end answered and the application is known: run it */
static void outcall_run(struct fs_call *c)
{
	struct vlist *v = NULL;
	char why[300];

	if (c->time_limit_ms)
		(void)fs_scope_listen(c->scope, NULL, c->time_limit_ms,
				      outcall_time_limit, c, NULL);
	if (c->app->app_json) {
		if (vlist_parse(&v, c->env->stk->app->loader, c->app->app_json,
				why, sizeof(why))) {
			fs_warn("call", "%s: app_json refused: %s", c->sid,
				why);
			call_terminate(c, 200, "OK", NULL, NULL);
			return;
		}
		call_start_verbs(c, v);
		mem_deref(v);
		return;
	}
	call_send_first(c);
}

static void outcall_answered(struct fs_call *c)
{
	c->state = CALL_ANSWERED;
	c->answer_ms = tmr_jiffies();
	c->has_media = true;
	fs_info("call", "%s: answered", c->sid);
	call_status(c, NULL);
	outcall_run(c);
}

static void outcall_leg_h(struct leg *leg, enum leg_event ev, uint16_t scode,
			  const char *reason, void *arg)
{
	struct fs_call *c = arg;

	(void)leg;
	if (c->closing)
		return;
	switch (ev) {
	case LEG_RINGING:
		if (c->state == CALL_TRYING) {
			c->state = CALL_EARLY;
			call_status(c, NULL);
		}
		break;
	case LEG_EARLY:
		if (!c->early_media) {
			c->state = CALL_EARLY;
			c->early_media = true;
			call_status(c, NULL);
		}
		break;
	case LEG_ANSWERED:
		outcall_answered(c);
		break;
	case LEG_FAILED:
		c->peer_term = true;
		c->termination_by = "caller";
		call_terminate(c, scode, reason, NULL, NULL);
		break;
	case LEG_ENDED:
		c->peer_term = true;
		c->termination_by = "caller";
		call_terminate(c, 200, "OK", NULL, NULL);
		break;
	}
}

/* The application of a REST call: from the body, like a directory row */
static int outcall_app(struct dir_app **ap, const struct cfg *cfg,
		       const struct json_object *body, bool stored, char *err,
		       size_t errsz)
{
	struct json_object *v;
	struct dir_app *a;
	int e = 0;

	e = dir_app_new(&a);
	if (e)
		return e;
	if (json_object_object_get_ex(body, "call_hook", &v) &&
	    dir_hook_from_json(&a->call_hook, v)) {
		re_snprintf(err, errsz, "call_hook must be a URL or {url}");
		e = EINVAL;
	}
	if (!e && json_object_object_get_ex(body, "call_status_hook", &v) &&
	    dir_hook_from_json(&a->status_hook, v)) {
		re_snprintf(err, errsz,
			    "call_status_hook must be a URL or {url}");
		e = EINVAL;
	}
	if (!e && json_object_object_get_ex(body, "app_json", &v)) {
		a->app_json =
			json_object_is_type(v, json_type_string)
				? json_tokener_parse(json_object_get_string(v))
				: json_object_get(v);
		if (!json_object_is_type(a->app_json, json_type_array)) {
			re_snprintf(err, errsz,
				    "app_json must be an array of verbs");
			e = EINVAL;
		}
	}
	/* with a MySQL directory the stored application may have them */
	if (!e && !a->call_hook.url && !a->app_json && !stored) {
		re_snprintf(err, errsz, "call_hook or app_json is required");
		e = EINVAL;
	}
	if (!e) {
		const char *acct = jsonutil_str(body, "account_sid");
		const char *app = jsonutil_str(body, "application_sid");

		e |= acct ? str_dup(&a->account_sid, acct) : 0;
		e |= app ? str_dup(&a->application_sid, app) : 0;
		if (!stored && cfg->default_webhook_secret &&
		    *cfg->default_webhook_secret)
			e |= str_dup(&a->webhook_secret,
				     cfg->default_webhook_secret);
		if (e)
			e = ENOMEM;
	}
	if (e)
		mem_deref(a);
	else
		*ap = a;
	return e;
}

static const struct json_object *outcall_obj(const struct json_object *o,
					     const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* The call itself, once its application is known */
static int outcall_place(struct call_env *env, const struct json_object *body,
			 struct dir_app *app, const char *uri,
			 const char *route, const char *hdrs, char *sid,
			 char **callidp, char *err, size_t errsz)
{
	struct sip_stack *stk = env->stk;
	const struct json_object *to = outcall_obj(body, "to");
	struct leg_params p = {0};
	struct sbchdr sbc = {0};
	struct json_object *v;
	struct fs_call *c;
	double secs;
	int e;

	e = call_alloc(&c, env);
	if (e)
		return ENOMEM;
	c->app = mem_ref(app);
	e = str_dup(&c->from_user, jsonutil_str(body, "from")
					   ? jsonutil_str(body, "from")
					   : "anonymous");
	if (jsonutil_str(body, "callerName"))
		e |= str_dup(&c->caller_name,
			     jsonutil_str(body, "callerName"));
	{
		const char *user = NULL;

		/* "to" of the payload: the number, user or URI called */
		if (!(user = jsonutil_str(to, "number")) &&
		    !(user = jsonutil_str(to, "name")))
			user = jsonutil_str(to, "sipUri");
		e |= str_dup(&c->to_user, user ? user : "");
	}
	if (json_object_object_get_ex(body, "tag", &v) &&
	    json_object_is_type(v, json_type_object))
		c->tag = json_object_get(v);
	secs = 0;
	if (json_object_object_get_ex(body, "timeLimit", &v))
		secs = json_object_get_double(v);
	c->time_limit_ms = fs_secs_ms(secs, 0, OUTCALL_MAX_MS);
	if (e) {
		mem_deref(c);
		return ENOMEM;
	}
	call_synth_defaults(c);

	secs = 0;
	if (json_object_object_get_ex(body, "timeout", &v))
		secs = json_object_get_double(v);
	p.uri = uri;
	p.from_user = c->from_user;
	p.from_name = c->caller_name;
	p.headers = hdrs;
	p.route = route;
	p.timeout_ms = fs_secs_ms(secs, OUTCALL_RING_MS, OUTCALL_MAX_MS);
	p.dtmfh = call_media_dtmf;
	p.dtmf_arg = c;
	/* create-call.js: the call's own sid, the trace, fromHost; with
	 * the directory the trunk's carrier (or the caller ID's) and the
	 * Teams FQDNs */
	sbc.routing = jsonutil_str(to, "type");
	sbc.call_sid = c->sid;
	sbc.fs_uuid = stk->app->fs_uuid;
	sbc.account_sid = app->account_sid;
	sbc.application_sid = app->application_sid;
	sbc.trace_id = c->trace_id;
	sbc.from_host = jsonutil_str(body, "fromHost");
	sbc.sip_proxy = jsonutil_str(to, "proxy");
	sbc.override_to = jsonutil_str(to, "overrideTo");
	call_sbc_teams(&sbc, app, to);
	call_sbc_carrier(&sbc, app, c->sid, to, jsonutil_str(body, "from"));
	p.sbc = &sbc;
	e = leg_connect(&c->uac, stk, &p, outcall_leg_h, c);
	if (e) {
		re_snprintf(err, errsz, "cannot call %s: %m", uri, e);
		mem_deref(c);
		return e;
	}
	c->media = mem_ref(leg_media(c->uac));
	(void)str_dup(&c->callid, leg_callid(c->uac));
	call_start(c);
	call_status(c, "trying");
	fs_info("call", "%s: createCall to %s (Call-ID %s, loop %u)", c->sid,
		uri, c->callid, stk->idx);
	str_ncpy(sid, c->sid, 37);
	if (callidp)
		(void)str_dup(callidp, c->callid ? c->callid : "");
	return 0;
}

/*
 * createCall with the MySQL directory: as jambonz's create-call.js, the
 * account (webhook_secret, carriers, Teams settings, sip_realm) and the
 * stored application (hooks, env_vars, speech defaults) are read before
 * the INVITE leaves; the REST request waits (bounded by the directory's
 * deadline) and gets the answer jambonz gives.
 */
struct outcall_pend {
	struct call_env *env;
	struct json_object *body;
	struct dir_app *req; /* what the request body named */
	char *hdrs;
	outcall_created_h *h;
	void *arg;
};

static void outcall_pend_destructor(void *data)
{
	struct outcall_pend *op = data;

	json_object_put(op->body);
	mem_deref(op->req);
	mem_deref(op->hdrs);
}

void outcall_create_cancel(struct outcall_pend *op)
{
	if (!op)
		return;
	directory_cancel(op->env->dir, op);
	mem_deref(op);
}

/* The target as create-call.js dials it: a user without a realm gets
 * the account's; a teams target needs the account's Teams settings */
static int outcall_dir_target(struct json_object **tp,
			      const struct json_object *to,
			      const struct dir_app *app, char *err,
			      size_t errsz)
{
	const char *type = jsonutil_str(to, "type");
	const char *name = jsonutil_str(to, "name");
	char *full = NULL;

	*tp = NULL;
	if (type && !strcmp(type, "teams") && !app->ms_teams_fqdn) {
		re_snprintf(err, errsz,
			    "dial to ms teams not allowed; account must "
			    "first be configured with teams info");
		return EPERM;
	}
	if (!type || strcmp(type, "user") || !name || strchr(name, '@'))
		return 0;
	if (!app->sip_realm) {
		re_snprintf(err, errsz, "no sip realm configured for account");
		return EINVAL;
	}
	if (json_object_deep_copy((struct json_object *)to, tp, NULL) ||
	    re_sdprintf(&full, "%s@%s", name, app->sip_realm) ||
	    json_object_object_add(*tp, "name",
				   json_object_new_string(full))) {
		json_object_put(*tp);
		*tp = NULL;
		mem_deref(full);
		return ENOMEM;
	}
	mem_deref(full);
	return 0;
}

static void outcall_dir_found(int err, uint16_t scode, const char *reason,
			      struct dir_app *app, void *arg)
{
	struct outcall_pend *op = arg;
	const struct cfg *cfg = op->env->stk->app->cfg;
	struct json_object *to = NULL;
	struct dir_app *merged = NULL;
	char *uri = NULL, *route = NULL, *callid = NULL;
	char sid[37] = "", msg[300] = "";
	uint16_t status = 500;

	if (err == ENOENT && scode == 503)
		/* lookupAccountDetails(): "invalid accountSid", a 500 */
		re_snprintf(msg, sizeof(msg), "invalid accountSid: %s",
			    op->req->account_sid);
	else if (err)
		str_ncpy(msg, reason ? reason : "directory error",
			 sizeof(msg));
	if (!err)
		err = dir_app_merge(&merged, app, op->req);
	if (!err && !merged->call_hook.url && !merged->app_json) {
		str_ncpy(msg,
			 "no call_hook or app_json in the request or the "
			 "application",
			 sizeof(msg));
		status = 400;
		err = ENOENT;
	}
	if (!err) {
		err = outcall_dir_target(&to, outcall_obj(op->body, "to"),
					 merged, msg, sizeof(msg));
		status = err == EINVAL ? 400 : 500;
	}
	if (!err) {
		err = target_resolve(cfg,
				     to ? to : outcall_obj(op->body, "to"),
				     &uri, &route, msg, sizeof(msg));
		status = err == EINVAL || err == ENOTSUP ? 400 : 500;
	}
	if (!err && to)
		json_object_object_add(op->body, "to", json_object_get(to));
	/* other calls may have come or a drain begun while it waited */
	if (!err && call_room(op->env->stk->app)) {
		str_ncpy(msg, "no room for new calls (MAX_CALLS or draining)",
			 sizeof(msg));
		status = 503;
		err = EBUSY;
	}
	if (!err) {
		err = outcall_place(op->env, op->body, merged, uri, route,
				    op->hdrs, sid, &callid, msg, sizeof(msg));
		status = err ? 500 : 201;
	}
	if (err) {
		char esc[sizeof(msg) * 4];

		if (!*msg)
			re_snprintf(msg, sizeof(msg), "%m", err);
		/* a target's reason may quote the request */
		(void)log_escape(esc, sizeof(esc), msg);
		fs_warn("call", "createCall: %u %s", status, esc);
	}
	op->h(status, sid, callid, msg, op->arg);
	json_object_put(to);
	mem_deref(merged);
	mem_deref(uri);
	mem_deref(route);
	mem_deref(callid);
	mem_deref(op);
}

static int outcall_dir_lookup(struct call_env *env, struct json_object *body,
			      struct dir_app *req, const char *hdrs,
			      outcall_created_h *h, void *arg,
			      struct outcall_pend **opp)
{
	struct dir_query q = {0};
	struct outcall_pend *op;
	int err;

	op = mem_zalloc(sizeof(*op), outcall_pend_destructor);
	if (!op)
		return ENOMEM;
	op->env = env;
	op->req = mem_ref(req);
	op->h = h;
	op->arg = arg;
	/* a copy: "to" may get the account's realm */
	if (json_object_deep_copy(body, &op->body, NULL) ||
	    (hdrs && str_dup(&op->hdrs, hdrs))) {
		mem_deref(op);
		return ENOMEM;
	}
	q.account_sid = req->account_sid;
	q.application_sid = req->application_sid;
	q.rest = true;
	/* the handler may run before this returns, and then frees op */
	*opp = op;
	err = directory_lookup(env->dir, &q, outcall_dir_found, op);
	if (err) {
		*opp = NULL;
		mem_deref(op);
	}
	return err;
}

int outcall_create_async(struct call_env *env, const struct json_object *body,
			 char *sid, char **callidp, char *err, size_t errsz,
			 outcall_created_h *h, void *arg,
			 struct outcall_pend **opp)
{
	struct sip_stack *stk = env->stk;
	const struct cfg *cfg = stk->app->cfg;
	struct json_object *to, *v;
	char *uri = NULL, *route = NULL, *hdrs = NULL;
	struct dir_app *app = NULL;
	bool stored;
	int e;

	if (!json_object_is_type(body, json_type_object)) {
		re_snprintf(err, errsz, "body must be a JSON object");
		return EINVAL;
	}
	if (!json_object_object_get_ex(body, "to", &to) ||
	    !json_object_is_type(to, json_type_object)) {
		re_snprintf(err, errsz, "missing 'to'");
		return EINVAL;
	}
	/* the same ceiling as inbound calls, and no new calls while
	 * draining: the caller may try another instance */
	e = call_room(stk->app);
	if (e == ESHUTDOWN) {
		re_snprintf(err, errsz, "draining: no new calls");
		return EBUSY;
	}
	if (e) {
		fs_warn("call", "createCall: MAX_CALLS (%u) reached: 503",
			cfg->max_calls);
		re_snprintf(err, errsz, "MAX_CALLS (%u) reached",
			    cfg->max_calls);
		return EBUSY;
	}
	/* a MySQL directory holds the account and its applications */
	stored = stk->app->dbpool && jsonutil_str(body, "account_sid") && h &&
		 opp;
	/* with the directory the target is resolved once the account is
	 * known (its realm, its Teams settings) */
	if (!stored) {
		e = target_resolve(cfg, to, &uri, &route, err, errsz);
		if (e)
			return e == ENOTSUP ? EINVAL : e;
	}
	{
		const char *from = jsonutil_str(body, "from");
		const char *name = jsonutil_str(body, "callerName");
		char *tmp = NULL;

		/* they become the From header: refuse what cannot be one */
		if (from && sipsafe_user(&tmp, from)) {
			re_snprintf(err, errsz, "from '%s' refused", from);
			e = EINVAL;
		}
		tmp = mem_deref(tmp);
		if (!e && name && sipsafe_dname(&tmp, name)) {
			re_snprintf(err, errsz, "callerName '%s' refused",
				    name);
			e = EINVAL;
		}
		mem_deref(tmp);
		if (e)
			goto out;
	}
	if (stored) {
		const char *acct = jsonutil_str(body, "account_sid");
		const char *asid = jsonutil_str(body, "application_sid");

		if (!call_sbc_sid_ok(acct, strlen(acct)) ||
		    (asid && !call_sbc_sid_ok(asid, strlen(asid)))) {
			re_snprintf(err, errsz,
				    "account_sid and application_sid must be "
				    "sids (letters, digits, '-', '_', '.')");
			e = EINVAL;
			goto out;
		}
	}
	e = outcall_app(&app, cfg, body, stored, err, errsz);
	if (e)
		goto out;
	/* verbs that would only be refused once the far end answers are
	 * a bad body: say so now rather than ring someone for nothing */
	if (app->app_json) {
		struct vlist *vl = NULL;

		e = vlist_parse(&vl, stk->app->loader, app->app_json, err,
				errsz);
		mem_deref(vl);
		if (e) {
			e = EINVAL;
			goto out;
		}
	}
	if (json_object_object_get_ex(body, "headers", &v)) {
		if (!json_object_is_type(v, json_type_object)) {
			re_snprintf(err, errsz, "headers must be an object");
			e = EINVAL;
			goto out;
		}
		e = leg_headers(&hdrs, v);
		if (e)
			goto out;
	}
	if (stored) {
		e = outcall_dir_lookup(env, (struct json_object *)body, app,
				       hdrs, h, arg, opp);
		if (e) {
			fs_warn("call", "createCall: directory lookup: %m", e);
			re_snprintf(err, errsz, "directory unavailable");
		} else
			e = EINPROGRESS;
		goto out;
	}
	e = outcall_place(env, body, app, uri, route, hdrs, sid, callidp, err,
			  errsz);
out:
	mem_deref(app);
	mem_deref(uri);
	mem_deref(route);
	mem_deref(hdrs);
	return e;
}

/* A createCall nobody waits for (the WebSocket dial command): its
 * outcome is only logged */
static void outcall_log_h(uint16_t status, const char *sid, const char *callid,
			  const char *msg, void *arg)
{
	(void)callid;
	(void)msg; /* outcall_dir_found() logged it */
	(void)arg;
	if (status == 201)
		fs_info("call", "%s: createCall placed", sid);
}

int outcall_create(struct call_env *env, const struct json_object *body,
		   char *sid, char **callidp, char *err, size_t errsz)
{
	struct outcall_pend *op = NULL;
	int e;

	e = outcall_create_async(env, body, sid, callidp, err, errsz,
				 outcall_log_h, NULL, &op);
	if (e != EINPROGRESS)
		return e;
	str_ncpy(sid, "(directory)", 37);
	return 0;
}

int outcall_adopt(struct fs_call *parent, struct leg *leg, const char *to,
		  const struct json_object *hook)
{
	struct vlist *v = NULL;
	struct fs_call *c;
	char why[128];
	int e;

	if (!parent || !leg || !leg_answered(leg) || !parent->app)
		return EINVAL;
	e = call_alloc(&c, parent->env);
	if (e)
		return e;
	/* the child keeps its call_sid, as jambonz's AdultingCallSession */
	str_ncpy(c->sid, leg_sid(leg), sizeof(c->sid));
	c->app = mem_ref(parent->app);
	e = str_dup(&c->from_user,
		    parent->from_user ? parent->from_user : "anonymous");
	e |= str_dup(&c->to_user, to ? to : "");
	e |= str_dup(&c->callid, leg_callid(leg) ? leg_callid(leg) : "");
	if (!e) {
		/* no verbs until the hook's answer */
		struct json_object *none = json_object_new_array();

		e = none ? vlist_parse(&v, parent->env->stk->app->loader, none,
				       why, sizeof(why))
			 : ENOMEM;
		json_object_put(none);
	}
	if (e) {
		mem_deref(c);
		return ENOMEM;
	}
	c->uac = mem_ref(leg);
	c->media = mem_ref(leg_media(leg));
	c->state = CALL_ANSWERED;
	c->answer_ms = tmr_jiffies();
	c->has_media = true;
	call_synth_defaults(c);
	leg_set_owner(leg, outcall_leg_h, c, call_media_dtmf, c);
	call_start(c);
	fs_info("call",
		"%s: the dial leg of %s runs an application of its "
		"own",
		c->sid, parent->sid);
	call_start_verbs(c, v);
	mem_deref(v);
	if (session_redirect(c->session, hook))
		fs_call_hangup(c, NULL);
	return 0;
}

/* updateCall ------------------------------------------------------------ */

/* An in-dialog request on the call's leg, inbound or outbound; its
 * answer is logged (fs_call_request's own line) and handed to h if any */
static uint16_t outcall_send_sip(struct fs_call *c, struct fs_leg *leg,
				 const char *method, const char *ctype,
				 const char *body,
				 const struct json_object *headers,
				 const char *what, fs_sipreq_h *h, void *harg,
				 char *err, size_t errsz)
{
	struct fs_sipreq r = {0};
	int e;

	r.method = method;
	r.ctype = ctype;
	r.body = body;
	r.body_len = body ? strlen(body) : 0;
	r.headers = headers;
	r.what = what;
	e = leg ? fs_leg_request(leg, c->scope, &r, h, harg)
		: fs_call_request(c, c->scope, &r, h, harg);
	if (!e)
		return 202;
	re_snprintf(err, errsz, "%s not sent: %s", what,
		    e == ENOTCONN ? "call not answered" : "error");
	return e == ENOTCONN ? 422 : 400;
}

/* sip_request: {method (INFO, NOTIFY, MESSAGE), content_type, content,
 * headers}, as jambonz's _lccSipRequest */
uint16_t outcall_sip_request(struct fs_call *c, struct fs_leg *leg,
			     const struct json_object *r, fs_sipreq_h *h,
			     void *harg, char *err, size_t errsz)
{
	static const char *const methods[] = {"INFO", "NOTIFY", "MESSAGE"};
	struct json_object *hdrs = NULL;
	const char *m = jsonutil_str(r, "method");
	const char *ctype = jsonutil_str(r, "content_type");
	const char *body = jsonutil_str(r, "content");
	char up[16];
	size_t i;

	for (i = 0; m && i < ARRAY_SIZE(methods); i++)
		if (!strcasecmp(m, methods[i]))
			break;
	if (!m || i == ARRAY_SIZE(methods)) {
		re_snprintf(err, errsz,
			    "sip:request method must be INFO, NOTIFY or "
			    "MESSAGE");
		return 400;
	}
	if (ctype && (!sipsafe_value(ctype) || strlen(ctype) > 128)) {
		re_snprintf(err, errsz, "sip:request content_type refused");
		return 400;
	}
	if (body && !ctype) {
		re_snprintf(err, errsz,
			    "sip:request content without content_type");
		return 400;
	}
	str_ncpy(up, methods[i], sizeof(up));
	(void)json_object_object_get_ex(r, "headers", &hdrs);
	return outcall_send_sip(c, leg, up, ctype, body, hdrs, "sip:request",
				h, harg, err, errsz);
}

/* dtmf: {digit, duration}, sent as jambonz's _lccDtmf: a SIP INFO of
 * application/dtmf with X-Reason: Dtmf */
static uint16_t outcall_dtmf(struct fs_call *c, struct fs_leg *leg,
			     const struct json_object *d, char *err,
			     size_t errsz)
{
	const char *digit = jsonutil_str(d, "digit");
	struct json_object *dur, *hdrs;
	char body[64];
	int64_t ms = 250;
	uint16_t st;

	if (!digit || strlen(digit) != 1 ||
	    !strchr("0123456789*#ABCDabcd", *digit)) {
		re_snprintf(err, errsz,
			    "dtmf without a digit (0-9, *, #, A-D)");
		return 400;
	}
	if (json_object_object_get_ex(d, "duration", &dur)) {
		ms = json_object_get_int64(dur);
		if (ms < 40 || ms > 5000) {
			re_snprintf(err, errsz,
				    "dtmf duration must be 40..5000 ms");
			return 400;
		}
	}
	re_snprintf(body, sizeof(body), "Signal=%s\nDuration=%lld ", digit,
		    (long long)ms);
	hdrs = json_object_new_object();
	if (!hdrs)
		return 503;
	json_object_object_add(hdrs, "X-Reason",
			       json_object_new_string("Dtmf"));
	st = outcall_send_sip(c, leg, "INFO", "application/dtmf", body, hdrs,
			      "dtmf", NULL, NULL, err, errsz);
	json_object_put(hdrs);
	return st;
}

/*
 * whisper and child_call_hook act on the dial verb's bridge: the verb
 * takes them from an event on the call's scope (fs_leg.h), as jambonz
 * hands them to its current Dial task; none is there outside a dial.
 */
uint16_t outcall_dial_cmd(struct fs_call *c, const char *target_sid,
			  const struct json_object *body, char *err,
			  size_t errsz)
{
	struct fs_dial_cmd cmd = {0};
	struct json_object *v;

	cmd.call_sid = target_sid;
	cmd.cmd = json_object_object_get_ex(body, "whisper", &v)
			  ? "whisper"
			  : "child_call_hook";
	(void)json_object_object_get_ex(body, cmd.cmd, &v);
	cmd.data = v;
	if (!fs_scope_emit(c->scope, FS_EV_DIAL_CMD, &cmd)) {
		re_snprintf(err, errsz, "%s: no dial verb is bridged",
			    cmd.cmd);
		return 422;
	}
	if (cmd.err == EINVAL) {
		re_snprintf(err, errsz, "%s: %s", cmd.cmd,
			    cmd.why[0] ? cmd.why : "bad value");
		return 400;
	}
	if (cmd.err) {
		re_snprintf(err, errsz, "%s: %s", cmd.cmd,
			    cmd.why[0] ? cmd.why : "not possible now");
		return 422;
	}
	return 202;
}

uint16_t outcall_sip_cmd(struct fs_call *c, const char *target_sid,
			 const char *key, const struct json_object *val,
			 char *err, size_t errsz)
{
	struct fs_dial_cmd cmd = {.cmd = "leg", .call_sid = target_sid};

	/* another call_sid than the call's: the running dial's bridged
	 * leg, as jambonz's currentTask.dlg */
	if (target_sid && strcmp(target_sid, c->sid)) {
		(void)fs_scope_emit(c->scope, FS_EV_DIAL_CMD, &cmd);
		if (!cmd.leg) {
			re_snprintf(err, errsz,
				    "%s: no bridged leg has call_sid %s", key,
				    target_sid);
			return 422;
		}
	}
	if (!strcmp(key, "dtmf"))
		return outcall_dtmf(c, cmd.leg, val, err, errsz);
	return outcall_sip_request(c, cmd.leg, val, NULL, NULL, err, errsz);
}

uint16_t outcall_update(struct call_env *env, const char *call_sid,
			const struct json_object *body, char *err,
			size_t errsz)
{
	struct fs_call *c = call_find(env, call_sid);
	struct json_object *v;
	bool did = false;

	if (!c || c->closing) {
		re_snprintf(err, errsz, "call %s not found", call_sid);
		return 404;
	}
	if (!json_object_is_type(body, json_type_object)) {
		re_snprintf(err, errsz, "body must be a JSON object");
		return 400;
	}

	if (json_object_object_get_ex(body, "call_status", &v)) {
		const char *st = json_object_get_string(v);

		if (!st ||
		    (strcmp(st, "completed") && strcmp(st, "no-answer"))) {
			re_snprintf(err, errsz,
				    "call_status must be completed or "
				    "no-answer");
			return 400;
		}
		if (!strcmp(st, "completed")) {
			if (c->state != CALL_ANSWERED) {
				re_snprintf(err, errsz,
					    "call is not answered: use "
					    "no-answer");
				return 422;
			}
			fs_call_hangup(c, NULL);
		} else {
			if (c->state == CALL_ANSWERED) {
				re_snprintf(err, errsz,
					    "call is answered: use "
					    "completed");
				return 422;
			}
			/* jambonz answers an inbound call 503 and cancels
			 * an outbound one (its INVITE ends 487) */
			c->termination_by = "jambonz";
			if (c->uac)
				call_terminate(c, 487, "Request Terminated",
					       NULL, NULL);
			else
				call_terminate(c, 503, "Service Unavailable",
					       NULL, NULL);
		}
		return 202;
	}

	if (json_object_object_get_ex(body, "call_status_hook", NULL) &&
	    !json_object_object_get_ex(body, "call_hook", NULL)) {
		re_snprintf(err, errsz,
			    "call_status_hook can be updated only when "
			    "call_hook is also being updated");
		return 400;
	}
	if (json_object_object_get_ex(body, "whisper", &v) ||
	    json_object_object_get_ex(body, "child_call_hook", &v)) {
		uint16_t st = outcall_dial_cmd(c, call_sid, body, err, errsz);

		if (st >= 300)
			return st;
		did = true;
	}
	if (json_object_object_get_ex(body, "call_hook", &v)) {
		if (!c->session || c->state == CALL_ENDED) {
			re_snprintf(err, errsz,
				    "call has no running application");
			return 422;
		}
		if (json_object_object_get_ex(body, "call_status_hook", NULL))
			fs_info("call",
				"%s: call_status_hook in updateCall "
				"ignored",
				c->sid);
		if (session_redirect(c->session, v)) {
			re_snprintf(err, errsz, "bad call_hook");
			return 400;
		}
		did = true;
	}
	if (json_object_object_get_ex(body, "sip_request", &v))
		return outcall_sip_request(c, NULL, v, NULL, NULL, err, errsz);
	if (json_object_object_get_ex(body, "dtmf", &v))
		return outcall_dtmf(c, NULL, v, err, errsz);
	if (json_object_object_get_ex(body, "mute_status", &v)) {
		const char *m = json_object_get_string(v);

		if (!m || (strcmp(m, "mute") && strcmp(m, "unmute"))) {
			re_snprintf(err, errsz,
				    "mute_status must be mute or unmute");
			return 400;
		}
		if (!c->media) {
			re_snprintf(err, errsz, "call has no media");
			return 422;
		}
		media_stream_mute(c->media, !strcmp(m, "mute"));
		did = true;
	}
	if (json_object_object_get_ex(body, "tag", &v)) {
		if (!json_object_is_type(v, json_type_object)) {
			re_snprintf(err, errsz, "tag must be an object");
			return 400;
		}
		fs_call_set_tag(c, v);
		did = true;
	}
	if (!did) {
		re_snprintf(err, errsz,
			    "nothing to do: give call_status, call_hook, "
			    "child_call_hook, whisper, mute_status or "
			    "tag");
		return 400;
	}
	return 202;
}
