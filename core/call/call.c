/**
 * @file call.c  An inbound call: SIP dialog, SDP, media, first webhook
 *
 * Until the first verb needs a provisional or final answer, the INVITE is
 * held by a server transaction of our own (100 Trying, CANCEL handling,
 * rejection with X-Reason); the libre session is created only when the
 * call is actually progressed or answered. Teardown is deferred to a
 * zero-delay timer so that no object is freed inside a libre callback
 * that still uses it.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/jsonutil.h"
#include "app.h"
#include "base/cfg.h"
#include "call/call.h"
#include "dir/directory.h"
#include "sip/leg.h"
#include "verb/loader.h"
#include "base/log.h"
#include "sip/stack.h"
#include "media/media.h"
#include "http/req.h"
#include "base/scope.h"
#include "call/session.h"
#include "sip/sipcheck.h"
#include "sip/sipsafe.h"
#include "audio/tts.h"
#include "base/uuid.h"
#include "audio/audio.h"

#define CALL_JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void call_destructor(void *data)
{
	struct fs_call *c = data;

	tmr_cancel(&c->tmr_end);
	directory_cancel(c->env->dir, c);
	list_unlink(&c->le);
	c->session = mem_deref(c->session);
	if (c->scope)
		fs_scope_close(c->scope);
	c->scope = mem_deref(c->scope);
	c->media = mem_deref(c->media);
	/* an outbound call's leg: its dialog, RTP ports and sockets */
	c->uac = mem_deref(c->uac);
	c->sess = mem_deref(c->sess);
	c->st = mem_deref(c->st);
	mem_deref(c->sdpm);
	mem_deref(c->sdp);
	mem_deref(c->invite);
	mem_deref(c->app);
	json_object_put(c->tag);
	json_object_put(c->synth);
	json_object_put(c->recog);
	mem_deref(c->callid);
	mem_deref(c->from_user);
	mem_deref(c->to_user);
	mem_deref(c->caller_name);
	mem_deref(c->final_reason);
	mem_deref(c->call_hook_base);
}

static const char *call_status_name(const struct fs_call *c)
{
	switch (c->state) {
	case CALL_TRYING:
		return "trying";
	case CALL_EARLY:
		return c->early_media ? "early-media" : "ringing";
	case CALL_ANSWERED:
		return "in-progress";
	case CALL_ENDED:
	default:
		if (c->answer_ms)
			return "completed";
		if (c->final_scode == 487 || (c->uac && c->final_scode == 408))
			return "no-answer";
		/* busy is what the far end of an outbound call said; an
		 * inbound call rejected here (sip:decline, webhook error) is
		 * failed whatever the status, as jambonz reports it */
		if (c->uac && (c->final_scode == 486 || c->final_scode == 600))
			return "busy";
		return "failed";
	}
}

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
	if (!re_sdprintf(&s, "http://%s:%u/v1",
			 strcmp(app->cfg->http_addr, "0.0.0.0")
				 ? app->cfg->http_addr
				 : "127.0.0.1",
			 app->cfg->http_port)) {
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
	if (c->recog)
		json_object_put(r), r = json_object_get(c->recog);
	else {
		call_add_str(r, "vendor",
			     c->app && c->app->stt_vendor ? c->app->stt_vendor
							  : "default");
		call_add_str(r, "language",
			     c->app && c->app->stt_language
				     ? c->app->stt_language
				     : "en-US");
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
		opts->base_url = c->app->call_hook.url;
		opts->secret = c->app->webhook_secret;
		/* the call hook's credentials go to its own origin only
		 * (scheme, host and port): "//other-host/x" is relative
		 * too, but names another server */
		if (out->url && !out->username && c->app->call_hook.username &&
		    req_same_origin(out->url, opts->base_url)) {
			out->username = c->app->call_hook.username;
			out->password = c->app->call_hook.password;
		}
	}
	if (!out->url)
		out->url = "";
}

void call_status(struct fs_call *c, const char *status)
{
	struct json_object *p;
	struct fs_req_opts opts = {0};
	struct fs_hook h = {0};
	int err;

	if (!c->app || !c->app->status_hook.url)
		return;
	p = call_payload(c);
	if (status)
		json_object_object_add(p, "call_status",
				       json_object_new_string(status));
	h.url = c->app->status_hook.url;
	h.method = c->app->status_hook.method;
	h.username = c->app->status_hook.username;
	h.password = c->app->status_hook.password;
	opts.base_url = c->app->call_hook.url;
	opts.secret = c->app->webhook_secret;
	opts.body = json_object_to_json_string_ext(p, CALL_JSON_FLAGS);
	/* no scope: the final status must outlive the call */
	err = fs_req_send(c->env->req, NULL, &h, &opts, NULL, NULL);
	if (err)
		fs_warn("call", "%s: status hook: %m", c->sid, err);
	json_object_put(p);
}

static void call_free_deferred(void *arg)
{
	struct fs_call *c = arg;

	list_unlink(&c->le);
	mem_deref(c);
}

/* The one place a call ends: SIP, media, session, status, list */
void call_terminate(struct fs_call *c, uint16_t scode, const char *reason,
		    const char *x_reason, const char *extra_hdrs)
{
	char rbuf[128], xbuf[512];

	if (c->closing)
		return;
	/* X-Reason quotes webhook text (verb and property names, URLs):
	 * escaped, so that it stays one header line */
	if (reason && !sipsafe_value(reason)) {
		sipsafe_clean(rbuf, sizeof(rbuf), reason);
		reason = rbuf;
	}
	if (x_reason) {
		sipsafe_clean(xbuf, sizeof(xbuf), x_reason);
		x_reason = xbuf;
	}
	c->closing = true;
	if (!c->termination_by)
		c->termination_by = "jambonz";

	session_stop(c->session);
	if (c->media)
		media_stream_stop(c->media);

	if (c->uac) {
		/* outbound: CANCEL while ringing, BYE once answered */
		if (c->state != CALL_ANSWERED) {
			c->final_scode = scode;
			(void)str_dup(&c->final_reason, reason);
		}
		if (!c->peer_term)
			leg_hangup(c->uac, extra_hdrs);
	} else if (c->state != CALL_ANSWERED) {
		c->final_scode = scode;
		(void)str_dup(&c->final_reason, reason);
		if (c->sess && !c->peer_term) {
			(void)sipsess_reject(c->sess, scode, reason,
					     "%s%s%s%s",
					     x_reason ? "X-Reason: " : "",
					     x_reason ? x_reason : "",
					     x_reason ? "\r\n" : "",
					     extra_hdrs ? extra_hdrs : "");
		} else if (c->st) {
			(void)sip_treplyf(&c->st, NULL, c->env->stk->sip,
					  c->invite, false, scode, reason,
					  "%s%s%s%sContent-Length: 0\r\n\r\n",
					  x_reason ? "X-Reason: " : "",
					  x_reason ? x_reason : "",
					  x_reason ? "\r\n" : "",
					  extra_hdrs ? extra_hdrs : "");
		}
	} else if (c->sess && !c->peer_term && extra_hdrs) {
		(void)sipsess_set_close_headers(c->sess, "%s", extra_hdrs);
	}
	c->state = CALL_ENDED;

	fs_scope_emit(c->scope, FS_EV_HANGUP, NULL);
	fs_scope_close(c->scope);

	call_status(c, NULL);
	fs_info("call", "%s: ended: %s (%s by %s)", c->sid,
		call_status_name(c), reason ? reason : "", c->termination_by);

	/* deref sends the BYE of an established dialog */
	c->sess = mem_deref(c->sess);
	c->st = mem_deref(c->st);
	if (c->started && c->env->eh)
		c->env->eh(c, CALL_EV_END, c->env->arg);
	tmr_start(&c->tmr_end, 0, call_free_deferred, c);
}

void call_list_ended(struct fs_call *c, bool media_failed)
{
	if (c->state == CALL_ANSWERED)
		call_terminate(c, 200, "OK", NULL, NULL);
	else if (media_failed)
		call_terminate(c, 480, "Temporarily Unavailable",
			       "media failed", NULL);
	else
		call_terminate(c, 603, "Decline", NULL, NULL);
}

static int call_sdp_desc(struct fs_call *c, struct mbuf **descp)
{
	/* answer when the INVITE carried an offer, else make the offer */
	return sdp_encode(descp, c->sdp, !c->has_offer);
}

static void call_media_from_sdp(struct fs_call *c)
{
	const struct sdp_format *fmt, *te;
	enum sdp_dir rdir;
	uint8_t pt;

	fmt = sdp_media_rformat(c->sdpm, NULL);
	if (!fmt)
		return;
	/* a static payload type without a=rtpmap has no name */
	if (fmt->name)
		pt = !strcasecmp(fmt->name, "PCMA") ? MEDIA_PT_PCMA
						    : MEDIA_PT_PCMU;
	else
		pt = fmt->pt == MEDIA_PT_PCMA ? MEDIA_PT_PCMA : MEDIA_PT_PCMU;
	te = sdp_media_rformat(c->sdpm, "telephone-event");
	(void)media_stream_set_peer(c->media, sdp_media_raddr(c->sdpm), pt,
				    te ? te->pt : -1);
	/* libre stores the remote direction mirrored, as what it allows
	 * us: a=sendonly (hold) from the peer reads SDP_RECVONLY */
	rdir = sdp_media_rdir(c->sdpm);
	media_stream_set_dir(c->media, (rdir & SDP_SENDONLY) != 0,
			     (rdir & SDP_RECVONLY) != 0);
	c->has_media = true;
}

/* libre session handlers ------------------------------------------------ */

static int call_sess_offer(struct mbuf **descp, const struct sip_msg *msg,
			   void *arg)
{
	struct fs_call *c = arg;
	int err;

	/* re-INVITE: hold, unhold or a new address */
	if (!mbuf_get_left(msg->mb))
		return sdp_encode(descp, c->sdp, true);
	err = sdp_decode(c->sdp, msg->mb, true);
	if (err) {
		fs_warn("call", "%s: bad SDP in re-INVITE: %m", c->sid, err);
		return err;
	}
	call_media_from_sdp(c);
	fs_info("call", "%s: re-INVITE: media now %s", c->sid,
		sdp_dir_name(sdp_media_rdir(c->sdpm)));
	return sdp_encode(descp, c->sdp, false);
}

static int call_sess_answer(const struct sip_msg *msg, void *arg)
{
	struct fs_call *c = arg;
	int err;

	/* late offer: the answer arrives in the ACK */
	err = sdp_decode(c->sdp, msg->mb, false);
	if (err)
		return err;
	call_media_from_sdp(c);
	if (c->has_media && c->state == CALL_ANSWERED)
		(void)media_stream_start(c->media);
	return 0;
}

static void call_sess_estab(const struct sip_msg *msg, void *arg)
{
	struct fs_call *c = arg;

	(void)msg;
	fs_debug("call", "%s: established", c->sid);
}

static void call_sess_info(struct sip *sip, const struct sip_msg *msg,
			   void *arg)
{
	struct fs_call *c = arg;
	char digit[2] = {0, 0};
	char *ctype = NULL;

	(void)re_sdprintf(&ctype, "%r/%r", &msg->ctyp.type,
			  &msg->ctyp.subtype);
	digit[0] =
		media_dtmf_info_parse(ctype, (const char *)mbuf_buf(msg->mb),
				      mbuf_get_left(msg->mb));
	mem_deref(ctype);
	(void)sip_treply(NULL, sip, msg, digit[0] ? 200 : 415,
			 digit[0] ? "OK" : "Unsupported Media Type");
	if (digit[0]) {
		fs_debug("call", "%s: DTMF %s (INFO)", c->sid, digit);
		fs_scope_emit(c->scope, FS_EV_DTMF, digit);
	}
}

static void call_sess_close(int err, const struct sip_msg *msg, void *arg)
{
	struct fs_call *c = arg;

	(void)msg;
	c->peer_term = true;
	if (!err || err == ECONNRESET)
		c->termination_by = "caller";
	if (c->state == CALL_ANSWERED)
		call_terminate(c, 200, "OK", NULL, NULL);
	else if (err == ECONNRESET)
		call_terminate(c, 487, "Request Terminated", NULL, NULL);
	else
		call_terminate(c, 500, "Server Error", NULL, NULL);
}

void call_media_dtmf(char digit, void *arg)
{
	struct fs_call *c = arg;
	char d[2] = {digit, 0};

	fs_debug("call", "%s: DTMF %s", c->sid, d);
	fs_scope_emit(c->scope, FS_EV_DTMF, d);
}

static int call_accept(struct fs_call *c, uint16_t scode, const char *reason,
		       struct mbuf *desc)
{
	int err;

	/* hand the INVITE over from our transaction to the session's */
	c->st = mem_deref(c->st);
	err = sipsess_accept(
		&c->sess, c->env->stk->sock, c->invite, scode, reason, "fs",
		"application/sdp", desc, NULL, NULL, false, call_sess_offer,
		call_sess_answer, call_sess_estab, call_sess_info, NULL,
		call_sess_close, c,
		"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n");
	return err;
}

/* 183 or 200 with our SDP, on the session or by creating it */
static int call_send_sdp(struct fs_call *c, uint16_t scode, const char *reason)
{
	struct mbuf *desc = NULL;
	int err;

	err = call_sdp_desc(c, &desc);
	if (err)
		return err;
	if (!c->sess)
		err = call_accept(c, scode, reason, desc);
	else if (scode < 200)
		err = sipsess_progress(c->sess, scode, reason, desc, NULL);
	else
		err = sipsess_answer(c->sess, scode, reason, desc, NULL);
	mem_deref(desc);
	return err;
}

int call_progress_media(struct fs_call *c)
{
	int err;

	if (!c || c->closing)
		return ENOTCONN;
	if (c->uac)
		return c->state == CALL_ANSWERED ? 0 : ENOTCONN;
	if (c->state == CALL_ANSWERED || c->early_media)
		return 0;
	err = call_send_sdp(c, 183, "Session Progress");
	if (err)
		return err;
	c->state = CALL_EARLY;
	c->early_media = true;
	if (c->has_media)
		(void)media_stream_start(c->media);
	call_status(c, NULL);
	return 0;
}

int call_answer(struct fs_call *c)
{
	int err;

	if (!c || c->closing)
		return ENOTCONN;
	if (c->uac)
		return c->state == CALL_ANSWERED ? 0 : ENOTCONN;
	if (c->state == CALL_ANSWERED)
		return 0;
	err = call_send_sdp(c, 200, "OK");
	if (err)
		return err;
	c->state = CALL_ANSWERED;
	c->answer_ms = tmr_jiffies();
	if (c->has_media)
		(void)media_stream_start(c->media);
	fs_info("call", "%s: answered", c->sid);
	call_status(c, NULL);
	return 0;
}

/* setup ------------------------------------------------------------------ */

static void call_strans_cancel(void *arg)
{
	struct fs_call *c = arg;

	c->termination_by = "caller";
	call_terminate(c, 487, "Request Terminated", NULL, NULL);
}

void call_start_verbs(struct fs_call *c, struct vlist *v)
{
	int err = session_alloc(&c->session, c);

	if (err) {
		call_terminate(c, 500, "Server Error", "out of memory", NULL);
		return;
	}
	session_replace(c->session, v);
}

/* RFC 3261 reason phrases: JAMBONES_WEBHOOK_ERROR_RETURN may be any
 * 4xx-6xx, and callers and SBCs log the phrase next to the code */
static const char *call_reason_phrase(uint16_t scode)
{
	switch (scode) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 408:
		return "Request Timeout";
	case 480:
		return "Temporarily Unavailable";
	case 486:
		return "Busy Here";
	case 487:
		return "Request Terminated";
	case 488:
		return "Not Acceptable Here";
	case 500:
		return "Server Internal Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Server Time-out";
	case 600:
		return "Busy Everywhere";
	case 603:
		return "Decline";
	default:
		return scode >= 600   ? "Global Failure"
		       : scode >= 500 ? "Server Error"
				      : "Request Failure";
	}
}

void call_reject_webhook(struct fs_call *c, const char *why)
{
	uint16_t scode = (uint16_t)c->env->stk->app->cfg->webhook_error_return;

	if (c->closing)
		return;
	if (c->state == CALL_ANSWERED) {
		fs_warn("call", "%s: hanging up: %s", c->sid, why);
		call_terminate(c, 200, "OK", NULL, NULL);
		return;
	}
	fs_warn("call", "%s: rejecting with %u: %s", c->sid, scode, why);
	call_terminate(c, scode, call_reason_phrase(scode), why, NULL);
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
	if (resp->status < 200 || resp->status >= 300) {
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
	call_start_verbs(c, v);
	mem_deref(v);
}

void call_send_first(struct fs_call *c)
{
	struct json_object *p = call_payload(c);
	struct fs_req_opts opts = {0};
	struct fs_hook h = {0};
	int err;

	if (c->invite)
		call_sip_json(c, p);
	call_defaults_json(c, p);
	json_object_object_add(p, "env_vars",
			       c->app->env_vars
				       ? json_object_get(c->app->env_vars)
				       : json_object_new_object());
	h.url = c->app->call_hook.url;
	h.method = c->app->call_hook.method;
	h.username = c->app->call_hook.username;
	h.password = c->app->call_hook.password;
	opts.secret = c->app->webhook_secret;
	opts.body = json_object_to_json_string_ext(p, CALL_JSON_FLAGS);
	err = fs_req_send(c->env->req, c->scope, &h, &opts, call_first_resp,
			  c);
	json_object_put(p);
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

static void call_app_found(int err, uint16_t scode, const char *reason,
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

static int call_pl_dup(char **dst, const struct pl *pl)
{
	return pl_isset(pl) ? pl_strdup(dst, pl) : 0;
}

static void call_max_duration(int err, const char *ev, void *data, void *arg)
{
	struct fs_call *c = arg;
	uint32_t secs = c->env->stk->app->cfg->max_call_duration_s;

	(void)err;
	(void)ev;
	(void)data;
	if (c->closing)
		return;
	SIPCHECK_COUNT(c->env->stk->app, max_duration);
	fs_warn("call", "%s: MAX_CALL_DURATION_SECS (%u) reached: hanging up",
		c->sid, secs);
	c->termination_by = "jambonz";
	if (c->state == CALL_ANSWERED) {
		(void)str_dup(&c->final_reason, "Max Call Duration Reached");
		call_terminate(c, 200, "OK", NULL,
			       "X-Reason: max call duration\r\n");
	} else {
		call_terminate(c, 480, "Temporarily Unavailable",
			       "max call duration", NULL);
	}
}

static int call_limit_duration(struct fs_call *c)
{
	uint32_t secs = c->env->stk->app->cfg->max_call_duration_s;

	if (!secs)
		return 0;
	return fs_scope_listen(c->scope, NULL, secs * 1000u, call_max_duration,
			       c, NULL);
}

/* An SBC's sid headers name rows of the directory: a sid is a token of
 * at most 64 characters, so nothing else reaches a query, log or
 * X-Reason */
static int call_sid_hdr(char **dst, const struct sip_msg *msg,
			const char *name)
{
	const struct sip_hdr *h = sip_msg_xhdr(msg, name);

	if (!h)
		return 0;
	if (!h->val.l || h->val.l > 64)
		return EINVAL;
	for (size_t i = 0; i < h->val.l; i++) {
		char ch = h->val.p[i];

		if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_' &&
		    ch != '.')
			return EINVAL;
	}
	return pl_strdup(dst, &h->val);
}

int call_room(const struct app *app)
{
	uint32_t max = app->cfg->max_calls;

	if (app->draining)
		return ESHUTDOWN;
	if (max &&
	    __atomic_load_n(&app->calls_active, __ATOMIC_RELAXED) >= max)
		return EBUSY;
	return 0;
}

/* Admission of a new INVITE on the owning loop; true if answered here */
static bool call_admit(struct call_env *env, const struct sip_msg *msg)
{
	struct sip_stack *stk = env->stk;
	const struct cfg *cfg = stk->app->cfg;
	int room = call_room(stk->app);

	if (room == ESHUTDOWN) {
		(void)sip_treply(NULL, stk->sip, msg, 503,
				 "Service Unavailable");
		return true;
	}
	if (room == EBUSY) {
		SIPCHECK_COUNT(stk->app, max_calls);
		fs_warn("call", "INVITE from %J: MAX_CALLS (%u) reached: 503",
			&msg->src, cfg->max_calls);
		(void)sip_treplyf(NULL, NULL, stk->sip, msg, false, 503,
				  "Service Unavailable",
				  "Retry-After: 5\r\n"
				  "Content-Length: 0\r\n\r\n");
		return true;
	}
	return false;
}

void call_inbound(struct call_env *env, const struct sip_msg *msg)
{
	struct sip_stack *stk = env->stk;
	static const char *const sid_hdrs[] = {
		"X-Account-Sid", "X-Application-Sid", "X-Voip-Carrier-Sid"};
	char *sids[3] = {NULL, NULL, NULL};
	struct dir_query q = {0};
	struct fs_call *c;
	struct sa laddr;
	int err;

	if (call_admit(env, msg))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(sid_hdrs); i++) {
		if (call_sid_hdr(&sids[i], msg, sid_hdrs[i]) != EINVAL)
			continue;
		SIPCHECK_COUNT(stk->app, bad_sid);
		fs_warn("call", "INVITE from %J: malformed %s: 400", &msg->src,
			sid_hdrs[i]);
		(void)sip_treplyf(NULL, NULL, stk->sip, msg, false, 400,
				  "Bad Request",
				  "X-Reason: malformed %s\r\n"
				  "Content-Length: 0\r\n\r\n",
				  sid_hdrs[i]);
		goto out;
	}

	if (call_alloc(&c, env)) {
		(void)sip_treply(NULL, stk->sip, msg, 500, "Server Error");
		goto out;
	}
	c->invite = mem_ref((void *)msg);

	err = sip_strans_alloc(&c->st, stk->sip, msg, call_strans_cancel, c);
	if (!err)
		err = sip_treply(&c->st, stk->sip, msg, 100, "Trying");
	if (err) {
		fs_warn("call", "cannot answer INVITE: %m", err);
		mem_deref(c);
		goto out;
	}
	call_start(c);

	err = call_pl_dup(&c->callid, &msg->callid);
	err |= call_pl_dup(&c->from_user, &msg->from.uri.user);
	err |= call_pl_dup(&c->to_user, &msg->uri.user);
	err |= call_pl_dup(&c->caller_name, &msg->from.dname);
	if (err) {
		call_terminate(c, 500, "Server Error", "out of memory", NULL);
		goto out;
	}
	fs_info("call", "%s: INVITE from %s to %s (Call-ID %s, loop %u)",
		c->sid, c->from_user, c->to_user, c->callid, stk->idx);

	/* SDP: offer in the INVITE, or a late offer in our 200 */
	laddr = msg->dst;
	err = media_stream_alloc(&c->media, stk->media, call_media_dtmf, c);
	if (err) {
		call_terminate(c, 503, "Service Unavailable", "no media ports",
			       NULL);
		goto out;
	}
	err = sdp_session_alloc(&c->sdp, &laddr);
	err |= sdp_media_add(&c->sdpm, c->sdp, "audio",
			     media_stream_port(c->media), "RTP/AVP");
	err |= sdp_format_add(NULL, c->sdpm, false, "0", "PCMU", 8000, 1, NULL,
			      NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, c->sdpm, false, "8", "PCMA", 8000, 1, NULL,
			      NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, c->sdpm, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-16");
	if (err) {
		call_terminate(c, 500, "Server Error", "SDP", NULL);
		goto out;
	}
	if (mbuf_get_left(msg->mb)) {
		size_t pos = msg->mb->pos;

		c->has_offer = true;
		err = sdp_decode(c->sdp, msg->mb, true);
		msg->mb->pos = pos;
		if (err) {
			call_terminate(c, 400, "Bad Request", "malformed SDP",
				       NULL);
			goto out;
		}
		/* port 0 (stream declined) or an address libre could not
		 * parse: formats are then not even listed, so say why */
		if (!sa_isset(sdp_media_raddr(c->sdpm), SA_ALL)) {
			call_terminate(c, 488, "Not Acceptable Here",
				       "no usable audio stream (address or "
				       "port)",
				       NULL);
			goto out;
		}
		if (!sdp_media_rformat(c->sdpm, "PCMU") &&
		    !sdp_media_rformat(c->sdpm, "PCMA")) {
			call_terminate(c, 488, "Not Acceptable Here",
				       "no common codec (PCMU, PCMA)", NULL);
			goto out;
		}
		call_media_from_sdp(c);
	}

	q.called = c->to_user;
	q.account_sid = sids[0];
	q.application_sid = sids[1];
	q.carrier_sid = sids[2];
	err = directory_lookup(env->dir, &q, call_app_found, c);
	if (err)
		call_terminate(c, 500, "Server Error", "directory error",
			       NULL);
out:
	for (size_t i = 0; i < ARRAY_SIZE(sids); i++)
		mem_deref(sids[i]);
}

int call_alloc(struct fs_call **cp, struct call_env *env)
{
	struct fs_call *c;
	int err;

	if (!cp || !env)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c)
		return ENOMEM;
	tmr_init(&c->tmr_end);
	c->env = env;
	c->start_ms = tmr_jiffies();
	uuid_v4(c->sid);
	rand_str(c->trace_id, sizeof(c->trace_id));
	err = scope_alloc_root(&c->scope, env->scopes, c->sid);
	if (!err)
		err = call_limit_duration(c);
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}

void call_start(struct fs_call *c)
{
	if (!c || c->started)
		return;
	c->started = true;
	list_append(&c->env->calls, &c->le, c);
	if (c->env->eh)
		c->env->eh(c, CALL_EV_START, c->env->arg);
}

struct fs_call *call_find(const struct call_env *env, const char *call_sid)
{
	struct le *le;

	if (!env || !call_sid)
		return NULL;
	LIST_FOREACH(&env->calls, le) {
		struct fs_call *c = le->data;

		if (!strcmp(c->sid, call_sid))
			return c;
	}
	return NULL;
}

void call_close_all(struct call_env *env)
{
	struct le *le;

	if (!env)
		return;
	le = list_head(&env->calls);
	while (le) {
		struct fs_call *c = le->data;

		le = le->next;
		if (!c->closing)
			fs_call_hangup(c, NULL);
	}
	/* calls free themselves from a zero-delay timer; drop them now */
	list_flush(&env->calls);
}

/* public API -------------------------------------------------------------- */

const char *fs_call_sid(const struct fs_call *c)
{
	return c ? c->sid : NULL;
}

struct fs_scope *fs_call_scope(const struct fs_call *c)
{
	return c ? c->scope : NULL;
}

bool fs_call_answered(const struct fs_call *c)
{
	return c && c->state == CALL_ANSWERED;
}

bool fs_call_alive(const struct fs_call *c)
{
	return c && !c->closing;
}

int fs_call_hangup(struct fs_call *c, const struct json_object *headers)
{
	char *hdrs = NULL;
	int err;

	if (!c)
		return EINVAL;
	if (c->closing)
		return 0;
	err = leg_headers(&hdrs, headers);
	if (err)
		return err;
	c->termination_by = "jambonz";
	if (c->state == CALL_ANSWERED)
		call_terminate(c, 200, "OK", NULL, hdrs);
	else
		call_terminate(c, 603, "Decline", NULL, hdrs);
	mem_deref(hdrs);
	return 0;
}

int fs_call_reject(struct fs_call *c, uint16_t status, const char *reason,
		   const struct json_object *headers)
{
	char *hdrs = NULL;
	int err;

	if (!c || status < 300 || status > 699)
		return EINVAL;
	if (c->state == CALL_ANSWERED)
		return EALREADY;
	if (c->closing)
		return 0;
	if (reason && (!sipsafe_value(reason) || strlen(reason) > 128)) {
		fs_warn("call",
			"%s: sip:decline reason '%s' refused: control "
			"characters or longer than 128",
			c->sid, reason);
		reason = NULL;
	}
	err = leg_headers(&hdrs, headers);
	if (err)
		return err;
	c->termination_by = "jambonz";
	/* no reason: the standard phrase of the status, as a SIP stack
	 * fills it in for jambonz */
	call_terminate(c, status,
		       reason && *reason ? reason : call_reason_phrase(status),
		       NULL, hdrs);
	mem_deref(hdrs);
	return 0;
}

int fs_call_set_tag(struct fs_call *c, struct json_object *data)
{
	if (!c)
		return EINVAL;
	json_object_put(c->tag);
	c->tag = json_object_get(data);
	return 0;
}

static void call_merge(struct json_object **dst, const struct json_object *src)
{
	if (!src || !json_object_is_type(src, json_type_object))
		return;
	if (!*dst)
		*dst = json_object_new_object();
	json_object_object_foreach((struct json_object *)src, k, v)
	{
		json_object_object_add(*dst, k, json_object_get(v));
	}
}

int fs_call_set_defaults(struct fs_call *c, const struct json_object *synth,
			 const struct json_object *recog)
{
	if (!c)
		return EINVAL;
	call_merge(&c->synth, synth);
	call_merge(&c->recog, recog);
	return 0;
}

const char *fs_call_from(const struct fs_call *c)
{
	return c ? c->from_user : NULL;
}

int fs_call_answer(struct fs_call *c)
{
	return call_answer(c);
}

int fs_call_early_media(struct fs_call *c)
{
	return call_progress_media(c);
}

int fs_call_ring(struct fs_call *c)
{
	int err;

	if (!c || c->closing)
		return ENOTCONN;
	if (c->uac || c->state != CALL_TRYING)
		return 0;
	err = call_accept(c, 180, "Ringing", NULL);
	if (err)
		return err;
	c->state = CALL_EARLY;
	call_status(c, NULL);
	return 0;
}

const struct json_object *fs_call_synth(const struct fs_call *c)
{
	return c ? c->synth : NULL;
}

/* playback bound to a scope */
struct call_play {
	struct fs_call *c;
	struct fs_listener *bind;
	fs_play_h *h;
	void *arg;
};

static void call_play_done(int err, uint64_t samples, void *arg);

static void call_play_release(void *arg)
{
	struct call_play *p = arg;

	/* scope closed: stop without calling the owner back. The playback
	 * may have ended already (a far end that hung up stops the media
	 * first) with its handler queued: that one must not run either */
	p->bind = NULL;
	if (p->c->playing == p) {
		p->c->playing = NULL;
		media_stream_play_stop(p->c->media, false);
	}
	media_stream_play_forget(p->c->media, call_play_done, p);
	mem_deref(p);
}

static void call_play_done(int err, uint64_t samples, void *arg)
{
	struct call_play *p = arg;
	fs_play_h *h = p->h;
	void *harg = p->arg;

	if (p->c->playing == p)
		p->c->playing = NULL;
	if (p->bind) {
		fs_listener_cancel(p->bind);
		p->bind = NULL;
		mem_deref(p);
		if (h)
			h(err, samples, harg);
	}
}

int fs_call_play(struct fs_call *c, struct fs_scope *scope,
		 struct fs_audio *audio, const struct fs_play_opts *opts,
		 fs_play_h *h, void *arg)
{
	struct call_play *p;
	int err;

	if (!c || !scope || !audio)
		return EINVAL;
	if (c->closing || !c->has_media)
		return ENOTCONN;
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	p->c = c;
	p->h = h;
	p->arg = arg;
	err = fs_scope_bind(scope, call_play_release, p, &p->bind);
	if (err) {
		mem_deref(p);
		return err;
	}
	c->playing = p;
	err = media_stream_play(c->media, audio, opts ? opts->loops : 1,
				opts ? opts->offset : 0,
				opts ? opts->max_ms : 0, call_play_done, p);
	if (err) {
		c->playing = NULL;
		fs_listener_cancel(p->bind);
		mem_deref(p);
	}
	return err;
}

void fs_call_play_stop(struct fs_call *c)
{
	if (c && c->media)
		media_stream_play_stop(c->media, true);
}

int fs_call_tts(struct fs_call *c, struct fs_scope *scope,
		const struct json_object *synth, const char *text,
		fs_audio_h *h, void *arg)
{
	const char *vendor, *lang, *voice;

	if (!c || !scope || !text)
		return EINVAL;
	vendor = jsonutil_str(synth, "vendor");
	if (!vendor)
		vendor = jsonutil_str(c->synth, "vendor");
	lang = jsonutil_str(synth, "language");
	if (!lang)
		lang = jsonutil_str(c->synth, "language");
	voice = jsonutil_str(synth, "voice");
	if (!voice && (!vendor || !jsonutil_str(synth, "vendor")))
		voice = jsonutil_str(c->synth, "voice");
	return tts_synth(c->env->tts, vendor, lang, voice, text, false, scope,
			 h, arg);
}

int fs_call_audio(struct fs_call *c, struct fs_scope *scope, const char *url,
		  fs_audio_h *h, void *arg)
{
	if (!c || !scope || !url)
		return EINVAL;
	return audiocache_get(c->env->audio, url, scope, h, arg);
}
