/**
 * @file call_dlg.c  Requests in a call's dialog (include/fs/fs_sip.h):
 *                   INFO, NOTIFY, MESSAGE, REFER from verbs and from
 *                   WebSocket commands, through one path
 *
 * The application's headers pass the checks of the dial verb's
 * (sipsafe: a token for a name, one line for a value, none of the
 * stack's own) before leg_headers() writes them; a refused one is logged
 * escaped here, so the warning never carries the control characters.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/log.h"
#include "call/call.h"
#include "sip/leg.h"
#include "sip/sipsafe.h"
#include "sip/stack.h"
#include "call/outcall.h"

/* The longest a request waits for the ACK of the call's 2xx */
#define CALL_DLG_ACK_WAIT_MS 2000

/* One request held or in flight, bound to its owner's scope */
struct call_sipreq {
	struct le le; /* c->dlg_wait while held for the ACK */
	struct fs_call *c;
	struct sip_request *req;
	struct fs_listener *bind;
	fs_sipreq_h *h;
	void *arg;
	struct mbuf *text; /* headers and body after our own, until sent */
	char method[16];
	char what[24];
};

static void call_sipreq_destructor(void *data)
{
	struct call_sipreq *p = data;

	list_unlink(&p->le);
	mem_deref(p->text);
}

/* the owner's scope closed: libre drops the handler of a request still
 * in flight when its handle goes */
static void call_sipreq_release(void *arg)
{
	struct call_sipreq *p = arg;

	p->bind = NULL;
	mem_deref(p->req);
	mem_deref(p);
}

static void call_sipreq_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct call_sipreq *p = arg;
	fs_sipreq_h *h = p->h;
	void *harg = p->arg;
	char reason[128] = "";
	uint16_t scode = 0;

	if (msg && msg->scode < 200)
		return;
	if (!err && msg) {
		scode = msg->scode;
		(void)pl_strcpy(&msg->reason, reason, sizeof(reason));
	}
	if (err)
		fs_info("call", "%s: %s: %s failed: %m", p->c->sid, p->what,
			p->method, err);
	else
		fs_info("call", "%s: %s: %s answered %u", p->c->sid, p->what,
			p->method, scode);
	/* libre cleared p->req before calling here and frees it after */
	p->req = NULL;
	fs_listener_cancel(p->bind);
	mem_deref(p);
	if (h) {
		char esc[160];

		log_escape(esc, sizeof(esc), reason);
		h(err, scode, esc, harg);
	}
}

/* The application's headers as lines, what the checks refuse left out
 * with a warning that quotes it escaped */
static int call_dlg_headers(char **outp, const struct fs_call *c,
			    const char *what,
			    const struct json_object *headers)
{
	struct json_object *ok;
	int err;

	*outp = NULL;
	if (!json_object_is_type(headers, json_type_object))
		return 0;
	ok = json_object_new_object();
	if (!ok)
		return ENOMEM;
	json_object_object_foreach((struct json_object *)headers, k, v)
	{
		const char *val = json_object_get_string(v);
		char ek[64], ev[128];

		if (val && sipsafe_token(k) && !sipsafe_reserved(k) &&
		    sipsafe_value(val) &&
		    (!json_object_is_type(v, json_type_string) ||
		     strlen(val) == (size_t)json_object_get_string_len(v))) {
			json_object_object_add(ok, k, json_object_get(v));
			continue;
		}
		log_escape(ek, sizeof(ek), k);
		log_escape(ev, sizeof(ev), val ? val : "");
		fs_warn("call",
			"%s: %s header '%s' refused: not a token, set by the "
			"SIP stack, or a value with control characters: '%s'",
			c->sid, what, ek, ev);
	}
	err = leg_headers(outp, ok);
	json_object_put(ok);
	return err;
}

static bool call_method_ok(const char *m)
{
	size_t n = m ? strlen(m) : 0;

	if (!n || n >= 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(m[i] >= 'A' && m[i] <= 'Z'))
			return false;
	/* these make or end dialogs: never the application's to send */
	return strcmp(m, "INVITE") && strcmp(m, "ACK") && strcmp(m, "BYE") &&
	       strcmp(m, "CANCEL") && strcmp(m, "PRACK");
}

/* In leg's dialog (an outbound call's, or a dial's bridged leg: sent at
 * once, leg alive), else the inbound call's */
static int call_sipreq_send(struct call_sipreq *p, struct leg *leg)
{
	struct fs_call *c = p->c;
	struct sip_dialog *dlg;
	int err;

	if (c->state != CALL_ANSWERED || c->closing)
		return ENOTCONN;
	dlg = leg ? leg_dialog(leg) : c->sess ? sipsess_dialog(c->sess) : NULL;
	if (!dlg)
		return ENOTCONN;
	err = sip_drequestf(&p->req, c->env->stk->sip, true, p->method, dlg, 0,
			    NULL, NULL, call_sipreq_resp, p, "%b",
			    p->text->buf, p->text->end);
	if (err) {
		fs_listener_cancel(p->bind);
		mem_deref(p);
		return err;
	}
	p->text = mem_deref(p->text);
	fs_info("call", "%s: %s: %s sent", c->sid, p->what, p->method);
	return 0;
}

/* Send what waited for the ACK; a request that cannot go now is
 * answered to its owner as failed, as a send error would be */
static void call_dlg_flush(struct fs_call *c)
{
	tmr_cancel(&c->tmr_dlg);
	while (c->dlg_wait.head) {
		struct call_sipreq *p = c->dlg_wait.head->data;
		fs_sipreq_h *h = p->h;
		void *harg = p->arg;
		int err;

		list_unlink(&p->le);
		err = call_sipreq_send(p, NULL);
		if (err) {
			fs_info("call", "%s: %s: %s not sent: %m", c->sid,
				p->what, p->method, err);
			if (h)
				h(err, 0, "", harg);
		}
	}
}

void call_dlg_acked(struct fs_call *c)
{
	if (!c)
		return;
	c->acked = true;
	call_dlg_flush(c);
}

static void call_dlg_wait_over(void *arg)
{
	struct fs_call *c = arg;

	fs_info("call",
		"%s: no ACK for the 200 in %u ms: sending the "
		"requests held for it",
		c->sid, CALL_DLG_ACK_WAIT_MS);
	call_dlg_flush(c);
}

int fs_call_request(struct fs_call *c, struct fs_scope *scope,
		    const struct fs_sipreq *r, fs_sipreq_h *h, void *arg)
{
	if (!c)
		return EINVAL;
	/* an outbound call's dialog is its leg's (sip/leg.c) */
	return call_dlg_request(c, c->sess ? NULL : c->uac, scope, r, h, arg);
}

int call_dlg_request(struct fs_call *c, struct leg *leg,
		     struct fs_scope *scope, const struct fs_sipreq *r,
		     fs_sipreq_h *h, void *arg)
{
	struct sip_dialog *dlg;
	struct call_sipreq *p;
	char *hdrs = NULL;
	size_t blen;
	int err;

	if (!c || !scope || !r || !call_method_ok(r->method))
		return EINVAL;
	if (r->ctype && (!sipsafe_value(r->ctype) || strlen(r->ctype) > 128))
		return EINVAL;
	blen = r->body ? r->body_len : 0;
	if (blen && !r->ctype)
		return EINVAL;
	if (c->state != CALL_ANSWERED || c->closing)
		return ENOTCONN;
	dlg = leg ? leg_dialog(leg) : c->sess ? sipsess_dialog(c->sess) : NULL;
	if (!dlg)
		return ENOTCONN;
	err = call_dlg_headers(&hdrs, c, r->what ? r->what : r->method,
			       r->headers);
	if (err)
		return err;
	p = mem_zalloc(sizeof(*p), call_sipreq_destructor);
	if (!p) {
		mem_deref(hdrs);
		return ENOMEM;
	}
	p->c = c;
	p->h = h;
	p->arg = arg;
	str_ncpy(p->method, r->method, sizeof(p->method));
	str_ncpy(p->what, r->what ? r->what : "request", sizeof(p->what));
	p->text = mbuf_alloc(256 + blen);
	err = p->text ? 0 : ENOMEM;
	if (!err)
		err = mbuf_printf(p->text,
				  "%s%s%s"
				  "%s"
				  "Content-Length: %zu\r\n"
				  "\r\n",
				  r->ctype ? "Content-Type: " : "",
				  r->ctype ? r->ctype : "",
				  r->ctype ? "\r\n" : "", hdrs ? hdrs : "",
				  blen);
	if (!err && blen)
		err = mbuf_write_mem(p->text, (const uint8_t *)r->body, blen);
	mem_deref(hdrs);
	if (!err)
		err = fs_scope_bind(scope, call_sipreq_release, p, &p->bind);
	if (err) {
		mem_deref(p);
		return err;
	}
	/* a request must not overtake the 200 it belongs to: with several
	 * loops the 200 leaves through the first loop (sipfwd.c) and this
	 * request from the call's own, and a UA that gets it first drops
	 * the call */
	if (!leg && !c->acked && c->invite) {
		list_append(&c->dlg_wait, &p->le, p);
		if (!tmr_isrunning(&c->tmr_dlg))
			tmr_start(&c->tmr_dlg, CALL_DLG_ACK_WAIT_MS,
				  call_dlg_wait_over, c);
		fs_debug("call", "%s: %s: %s held for the ACK", c->sid,
			 p->what, p->method);
		return 0;
	}
	return call_sipreq_send(p, leg);
}

int fs_call_remote_host(const struct fs_call *c, char *buf, size_t sz)
{
	const struct sip_hdr *hdr;
	struct sip_addr addr;
	int n;

	if (!c || !buf || !sz)
		return EINVAL;
	/* the dialog's remote target: the INVITE's Contact (re-INVITEs that
	 * move it are rare for an SBC, and jambonz reads it the same way) */
	hdr = c->invite ? sip_msg_hdr(c->invite, SIP_HDR_CONTACT) : NULL;
	if (!hdr || sip_addr_decode(&addr, &hdr->val))
		return ENOTCONN;
	if (addr.uri.port)
		n = re_snprintf(buf, sz, "%r:%u", &addr.uri.host,
				(unsigned)addr.uri.port);
	else
		n = re_snprintf(buf, sz, "%r", &addr.uri.host);
	return n < 0 || (size_t)n >= sz ? ENOMEM : 0;
}
