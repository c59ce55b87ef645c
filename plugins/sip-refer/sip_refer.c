/**
 * @file sip_refer.c  The sip:refer verb: transfer the call with a REFER
 *
 * As jambonz's TaskSipRefer: a REFER in the caller's dialog with
 * Refer-To (a bare number or user becomes sip:N@<the far end's host>;
 * a URI is sent as given, with X-Refer-To-Leave-Untouched: true) and
 * Referred-By (default: the caller's number, with its display name),
 * plus the verb's headers. A final answer other than 202 goes to the
 * actionHook as {refer_status}. After a 202 the NOTIFYs (message/sipfrag)
 * report the transfer: each status goes to the eventHook as
 * {event: "transfer-status", call_status}, and the first final one ends
 * the verb with {refer_status: 202, final_referred_call_status}; with no
 * final NOTIFY in 15 s the verb ends with {refer_status: 202}. As in
 * jambonz the call must be answered (StableCall); it is not hung up
 * here: the far end ends it after a transfer.
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

#define REFER_NOTIFY_MS 15000

struct refer {
	struct fs_task *t;
	struct json_object *hdrs;
	char *refer_to, *referred_by;
	uint16_t status; /* the REFER's answer, 0 while none */
	bool done;
};

static void refer_destructor(void *arg)
{
	struct refer *r = arg;

	json_object_put(r->hdrs);
	mem_deref(r->refer_to);
	mem_deref(r->referred_by);
}

/* A URI as jambonz tells one from a bare number or user */
static bool refer_is_uri(const char *s)
{
	return *s == '<' || *s == '"' || !strncmp(s, "sip:", 4) ||
	       !strncmp(s, "tel:", 4);
}

/* No control character: a URI from the verb goes into a header as given */
static bool refer_text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* A user part we write into sip:USER@host ourselves: RFC 3261's
 * unreserved and user-unreserved characters, and escapes */
static bool refer_user_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			    "XYZ"
			    "0123456789-_.!~*'()&=+$,;?/%",
			    s[i]))
			return false;
	}
	return true;
}

static void refer_end(struct refer *r, struct json_object *res)
{
	struct json_object *hook = NULL;

	if (r->done) {
		json_object_put(res);
		return;
	}
	r->done = true;
	(void)json_object_object_get_ex(fs_task_data(r->t), "actionHook",
					&hook);
	fs_task_done(r->t, 0, res ? hook : NULL, res);
}

static struct json_object *refer_result(uint16_t status, int final)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "refer_status", json_object_new_int(status));
	if (final)
		json_object_object_add(o, "final_referred_call_status",
				       json_object_new_int(final));
	return o;
}

static void refer_timeout(int err, const char *ev, void *data, void *arg)
{
	struct refer *r = arg;

	(void)err;
	(void)ev;
	(void)data;
	fs_info("sip:refer", "%s: no final NOTIFY in 15 s, going on",
		fs_call_sid(fs_task_call(r->t)));
	refer_end(r, refer_result(r->status, 0));
}

/* message/sipfrag: "SIP/2.0 180 Ringing" */
static int refer_sipfrag_status(const char *body)
{
	const char *p = strstr(body, "SIP/2.0");
	unsigned long v;
	char *end;

	if (!p)
		return 0;
	p += 7;
	while (*p == ' ' || *p == '\t')
		++p;
	v = strtoul(p, &end, 10);
	return end > p && v >= 100 && v <= 699 ? (int)v : 0;
}

static void refer_notify(const struct fs_sip_notify *n, void *arg)
{
	struct refer *r = arg;
	struct json_object *hook = NULL, *ev;
	int status;

	if (r->done || !strstr(n->ctype, "message/sipfrag"))
		return;
	status = refer_sipfrag_status(n->body);
	if (!status)
		return;
	fs_info("sip:refer", "%s: transfer status %d",
		fs_call_sid(fs_task_call(r->t)), status);
	if (json_object_object_get_ex(fs_task_data(r->t), "eventHook",
				      &hook)) {
		ev = json_object_new_object();
		if (ev) {
			json_object_object_add(
				ev, "event",
				json_object_new_string("transfer-status"));
			json_object_object_add(ev, "call_status",
					       json_object_new_int(status));
		}
		/* bound to the call: the last status is still told after
		 * the verb ended on it */
		(void)fs_call_event_hook(fs_task_call(r->t),
					 fs_call_scope(fs_task_call(r->t)),
					 hook, ev);
	}
	if (status >= 200)
		refer_end(r, refer_result(202, status));
}

static void refer_resp(int err, uint16_t scode, const char *reason, void *arg)
{
	struct refer *r = arg;

	if (err) {
		/* jambonz logs it and goes on without an actionHook */
		fs_warn("sip:refer", "%s: REFER failed: %m",
			fs_call_sid(fs_task_call(r->t)), err);
		refer_end(r, NULL);
		return;
	}
	fs_info("sip:refer", "%s: received %u %s to REFER",
		fs_call_sid(fs_task_call(r->t)), scode, reason);
	r->status = scode;
	if (scode != 202) {
		refer_end(r, refer_result(scode, 0));
		return;
	}
	if (fs_scope_listen(fs_task_scope(r->t), NULL, REFER_NOTIFY_MS,
			    refer_timeout, r, NULL))
		refer_end(r, refer_result(scode, 0));
}

/* Refer-To and Referred-By as jambonz's _normalizeReferHeaders */
static int refer_headers(struct refer *r, const struct json_object *data,
			 bool *leave)
{
	struct fs_call *c = fs_task_call(r->t);
	struct json_object *v, *info;
	const char *to = NULL, *by = NULL, *name = NULL;
	char host[128];
	int err;

	if (json_object_object_get_ex(data, "referTo", &v))
		to = json_object_get_string(v);
	if (json_object_object_get_ex(data, "referredBy", &v))
		by = json_object_get_string(v);
	if (json_object_object_get_ex(data, "referredByDisplayName", &v))
		name = json_object_get_string(v);
	if (!to || !*to)
		return EINVAL;
	err = fs_call_remote_host(c, host, sizeof(host));
	if (err)
		return err;
	*leave = refer_is_uri(to);
	if (*leave && (!refer_text_ok(to) || strlen(to) > 512))
		return EINVAL;
	if (*leave)
		err = str_dup(&r->refer_to, to);
	else if (!refer_user_ok(to))
		return EINVAL;
	else
		err = re_sdprintf(&r->refer_to, "sip:%s@%s", to, host);
	if (err)
		return err;
	if (!by || !*by)
		by = fs_call_from(c);
	if (!by || !*by)
		by = "anonymous";
	if (refer_is_uri(by))
		return refer_text_ok(by) && strlen(by) <= 512
			       ? str_dup(&r->referred_by, by)
			       : EINVAL;
	if (!refer_user_ok(by))
		return EINVAL;
	/* the caller's display name by default, as jambonz's callingName */
	info = (!name || !*name) ? fs_call_info(c) : NULL;
	if (info && json_object_object_get_ex(info, "callerName", &v))
		name = json_object_get_string(v);
	/* a quote or backslash would end the quoted display name early */
	if (name && *name && !strpbrk(name, "\"\\") && refer_text_ok(name))
		err = re_sdprintf(&r->referred_by, "\"%s\"<sip:%s@%s>", name,
				  by, host);
	else
		err = re_sdprintf(&r->referred_by, "<sip:%s@%s>", by, host);
	json_object_put(info);
	return err;
}

static int refer_exec(struct fs_task *t, const struct json_object *data)
{
	struct fs_call *c = fs_task_call(t);
	struct fs_sipreq req = {0};
	struct json_object *hdrs = NULL;
	struct refer *r;
	bool leave = false;
	char esc[160];
	int err;

	if (!fs_call_answered(c)) {
		fs_warn("sip:refer", "%s: the call is not answered: skipped",
			fs_call_sid(c));
		fs_task_done(t, ENOTCONN, NULL, NULL);
		return 0;
	}
	r = mem_zalloc(sizeof(*r), refer_destructor);
	if (!r)
		return ENOMEM;
	r->t = t;
	fs_task_set_state(t, r);
	r->hdrs = json_object_new_object();
	if (!r->hdrs)
		return ENOMEM;
	err = refer_headers(r, data, &leave);
	if (err) {
		struct json_object *v = NULL;

		(void)json_object_object_get_ex(data, "referTo", &v);
		(void)fs_log_escape(esc, sizeof(esc),
				    v ? json_object_get_string(v) : "");
		fs_warn("sip:refer", "%s: REFER to '%s' not sent: %s",
			fs_call_sid(c), esc,
			err == EINVAL ? "referTo or referredBy is neither a "
					"URI nor a plain user"
				      : "no dialog to send it in");
		fs_task_done(t, err, NULL, NULL);
		return 0;
	}
	(void)json_object_object_get_ex(data, "headers", &hdrs);
	if (json_object_is_type(hdrs, json_type_object)) {
		json_object_object_foreach(hdrs, k, v)
		{
			json_object_object_add(r->hdrs, k, json_object_get(v));
		}
	}
	if (leave)
		json_object_object_add(r->hdrs, "X-Refer-To-Leave-Untouched",
				       json_object_new_string("true"));
	json_object_object_add(r->hdrs, "Refer-To",
			       json_object_new_string(r->refer_to));
	json_object_object_add(r->hdrs, "Referred-By",
			       json_object_new_string(r->referred_by));
	err = fs_call_notifies(c, fs_task_scope(t), refer_notify, r);
	if (!err) {
		req.method = "REFER";
		req.headers = r->hdrs;
		req.what = "sip:refer";
		err = fs_call_request(c, fs_task_scope(t), &req, refer_resp,
				      r);
	}
	if (err) {
		fs_warn("sip:refer", "%s: REFER not sent: %m", fs_call_sid(c),
			err);
		fs_task_done(t, err, NULL, NULL);
	}
	return 0;
}

FS_SCHEMA_PLUGIN(sip_refer, "sip:refer", sip_refer_schema_json,
		 .version = PLUGIN_VERSION, .exec = refer_exec);
