/**
 * @file sip_request.c  The sip:request verb: a request in the call's dialog
 *
 * Send INFO, NOTIFY, MESSAGE or any other request that does not make or
 * end a dialog, with the verb's method, body and headers, and report the
 * answer to the actionHook as jambonz does: {result: "success",
 * sipStatus} or {result: "failed", err}. As in jambonz (StableCall) the
 * call must be answered already: it is not answered for this verb.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <fs/fs.h>
#include "schema.h"

struct sipreq_state {
	struct json_object *hdrs; /* the verb's headers but Content-Type */
	char *body;               /* the verb's body and "\n", as jambonz */
};

static void sipreq_state_destructor(void *arg)
{
	struct sipreq_state *s = arg;

	json_object_put(s->hdrs);
	mem_deref(s->body);
}

static void sipreq_hook(struct fs_task *t, const char *err, uint16_t scode)
{
	struct json_object *hook = NULL, *res = json_object_new_object();

	(void)json_object_object_get_ex(fs_task_data(t), "actionHook", &hook);
	if (res && !err) {
		json_object_object_add(res, "result",
				       json_object_new_string("success"));
		json_object_object_add(res, "sipStatus",
				       json_object_new_int(scode));
	} else if (res) {
		json_object_object_add(res, "result",
				       json_object_new_string("failed"));
		json_object_object_add(res, "err",
				       json_object_new_string(err));
	}
	fs_task_done(t, 0, hook, res);
}

static void sipreq_resp(int err, uint16_t scode, const char *reason, void *arg)
{
	char why[64];

	(void)reason;
	if (!err) {
		sipreq_hook(arg, NULL, scode);
		return;
	}
	(void)re_snprintf(why, sizeof(why), "%s",
			  err == ETIMEDOUT ? "request timed out"
					   : "request failed");
	sipreq_hook(arg, why, 0);
}

static int sipreq_exec(struct fs_task *t, const struct json_object *data)
{
	struct fs_call *c = fs_task_call(t);
	struct fs_sipreq r = {0};
	struct sipreq_state *s;
	struct json_object *v, *hdrs = NULL;
	const char *m = NULL, *body = NULL, *ctype = NULL;
	char method[16], esc[64];
	size_t i;
	int err;

	if (!fs_call_answered(c)) {
		fs_warn("sip:request", "%s: the call is not answered: skipped",
			fs_call_sid(c));
		fs_task_done(t, ENOTCONN, NULL, NULL);
		return 0;
	}
	if (json_object_object_get_ex(data, "method", &v))
		m = json_object_get_string(v);
	for (i = 0; m && m[i] && i < sizeof(method) - 1; i++)
		method[i] =
			(char)(m[i] >= 'a' && m[i] <= 'z' ? m[i] - 32 : m[i]);
	method[i] = '\0';
	if (json_object_object_get_ex(data, "body", &v))
		body = json_object_get_string(v);
	(void)json_object_object_get_ex(data, "headers", &hdrs);

	s = mem_zalloc(sizeof(*s), sipreq_state_destructor);
	if (!s)
		return ENOMEM;
	fs_task_set_state(t, s);
	s->hdrs = json_object_new_object();
	if (!s->hdrs)
		return ENOMEM;
	/* the Content-Type is the request's own header line */
	if (json_object_is_type(hdrs, json_type_object)) {
		json_object_object_foreach(hdrs, k, hv)
		{
			if (!strcasecmp(k, "Content-Type"))
				ctype = json_object_get_string(hv);
			else
				json_object_object_add(s->hdrs, k,
						       json_object_get(hv));
		}
	}
	if (body && *body) {
		if (re_sdprintf(&s->body, "%s\n", body))
			return ENOMEM;
		if (!ctype)
			ctype = "text/plain";
	}
	r.method = method;
	r.ctype = ctype;
	r.body = s->body;
	r.body_len = s->body ? strlen(s->body) : 0;
	r.headers = s->hdrs;
	r.what = "sip:request";
	err = fs_call_request(c, fs_task_scope(t), &r, sipreq_resp, t);
	if (err) {
		(void)fs_log_escape(esc, sizeof(esc), m ? m : "");
		fs_warn("sip:request", "%s: %s not sent: %s", fs_call_sid(c),
			esc,
			err == EINVAL ? "not a method this verb may send, or "
					"a Content-Type with control "
					"characters"
			: err == ENOTSUP ? "not on an outbound call yet"
					 : "the call has ended");
		sipreq_hook(t,
			    err == EINVAL    ? "invalid request"
			    : err == ENOTSUP ? "not supported on this call"
					     : "call not connected",
			    0);
	}
	return 0;
}

FS_SCHEMA_PLUGIN(sip_request, "sip:request", sip_request_schema_json,
		 .version = PLUGIN_VERSION, .exec = sipreq_exec);
