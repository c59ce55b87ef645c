/**
 * @file call_event.c  What a verb hears of its call's dialog and reports
 *                     on the side (include/fs/fs_sip.h): NOTIFYs taken
 *                     while a REFER is in progress, eventHook requests
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/log.h"
#include "call/call.h"
#include "call/ws_app.h"
#include "sip/sipdlg.h"
#include "sip/stack.h"

/* A call's taker of NOTIFYs, bound to the verb's scope */
struct call_notify {
	struct fs_call *c;
	struct sipdlg_lsnr *lsnr;
	struct fs_listener *bind;
	fs_notify_h *h;
	void *arg;
};

static void call_notify_destructor(void *arg)
{
	struct call_notify *n = arg;

	mem_deref(n->lsnr);
}

static void call_notify_release(void *arg)
{
	struct call_notify *n = arg;

	n->bind = NULL;
	mem_deref(n);
}

static bool call_notify_req(const struct sip_msg *msg, void *arg)
{
	struct call_notify *n = arg;
	struct fs_call *c = n->c;
	struct sip_dialog *dlg = c->sess ? sipsess_dialog(c->sess) : NULL;
	const struct sip_hdr *ev;
	struct fs_sip_notify info;
	char *event = NULL, *ctype = NULL, *body = NULL;

	if (!dlg || !sip_dialog_cmp(dlg, msg))
		return false;
	if (!sip_dialog_rseq_valid(dlg, msg)) {
		(void)sip_treply(NULL, c->env->stk->sip, msg, 500,
				 "Server Internal Error");
		return true;
	}
	(void)sip_treply(NULL, c->env->stk->sip, msg, 200, "OK");
	ev = sip_msg_hdr(msg, SIP_HDR_EVENT);
	if (ev)
		(void)pl_strdup(&event, &ev->val);
	if (pl_isset(&msg->ctyp.type))
		(void)re_sdprintf(&ctype, "%r/%r", &msg->ctyp.type,
				  &msg->ctyp.subtype);
	(void)re_sdprintf(&body, "%b", mbuf_buf(msg->mb),
			  mbuf_get_left(msg->mb));
	info.event = event ? event : "";
	info.ctype = ctype ? ctype : "";
	info.body = body ? body : "";
	info.body_len = body ? strlen(body) : 0;
	fs_debug("call", "%s: NOTIFY taken", c->sid);
	/* the handler may close the scope, and with it n */
	n->h(&info, n->arg);
	mem_deref(event);
	mem_deref(ctype);
	mem_deref(body);
	return true;
}

int fs_call_notifies(struct fs_call *c, struct fs_scope *scope, fs_notify_h *h,
		     void *arg)
{
	struct call_notify *n;
	int err;

	if (!c || !scope || !h)
		return EINVAL;
	if (!c->sess)
		return ENOTSUP;
	n = mem_zalloc(sizeof(*n), call_notify_destructor);
	if (!n)
		return ENOMEM;
	n->c = c;
	n->h = h;
	n->arg = arg;
	err = sipdlg_listen(&n->lsnr, c->env->stk, call_notify_req, n);
	if (!err)
		err = fs_scope_bind(scope, call_notify_release, n, &n->bind);
	if (err)
		mem_deref(n);
	return err;
}

static void call_event_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct fs_call *c = arg;

	if (err)
		fs_warn("call", "%s: eventHook failed: %m", c->sid, err);
	else if (resp && resp->status >= 300)
		fs_warn("call", "%s: eventHook answered %u", c->sid,
			resp->status);
}

int fs_call_event_hook(struct fs_call *c, struct fs_scope *scope,
		       const struct json_object *hook,
		       struct json_object *fields)
{
	struct json_object *payload;
	struct fs_req_opts opts;
	struct fs_hook h;
	int err;

	if (!c || !scope) {
		json_object_put(fields);
		return EINVAL;
	}
	call_hook_fill(c, hook, &h, &opts);
	if (!*h.url) {
		json_object_put(fields);
		return EINVAL;
	}
	payload = call_payload(c);
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
	opts.body = json_object_to_json_string_ext(
		payload,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (c->ws && !ws_app_url_is_http(h.url))
		err = ws_app_request(c->ws, scope, "verb:hook", h.url, payload,
				     call_event_resp, c);
	else
		err = fs_req_send(c->env->req, scope, &h, &opts,
				  call_event_resp, c);
	json_object_put(payload);
	return err;
}
