/**
 * @file call_sip.c  The SIP side of an inbound call: INVITE, SDP, session
 *
 * Until the first verb needs a provisional or final answer, the INVITE is
 * held by a server transaction of our own (100 Trying, CANCEL handling,
 * rejection with X-Reason); the libre session is created only when the
 * call is actually progressed or answered.
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
#include "call/call_sbc.h"
#include "call/outcall.h"
#include "dir/directory.h"
#include "media/media.h"
#include "sip/sipcheck.h"
#include "sip/stack.h"

static int call_sdp_desc(struct fs_call *c, struct mbuf **descp)
{
	/* an outbound call's SDP is its leg's: it has none of its own */
	if (!c->sdp)
		return ENOTCONN;
	/* answer when the INVITE carried an offer, else make the offer */
	return sdp_encode(descp, c->sdp, !c->has_offer);
}

static void call_media_from_sdp(struct fs_call *c)
{
	enum sdp_dir rdir;

	/* only no format stops here: the direction applies even when the
	 * address was refused */
	if (media_stream_set_peer_sdp(c->media, c->sdpm) == ENOENT)
		return;
	/* libre stores the remote direction mirrored, as what it allows
	 * us: a=sendonly (hold) from the peer reads SDP_RECVONLY */
	rdir = sdp_media_rdir(c->sdpm);
	media_stream_set_dir(c->media, (rdir & SDP_SENDONLY) != 0,
			     (rdir & SDP_RECVONLY) != 0);
	c->has_media = true;
}

/* The caller's offer holds us: sendonly, inactive or a null address
 * (RFC 3264 section 8.4); libre keeps its direction mirrored */
static bool call_sdp_held(const struct fs_call *c)
{
	enum sdp_dir dir = sdp_media_rdir(c->sdpm);

	return dir == SDP_RECVONLY || dir == SDP_INACTIVE ||
	       !sa_isset(sdp_media_raddr(c->sdpm), SA_ADDR);
}

/* A hold or unhold of the caller, told on the call's scope (dial passes
 * it on to its bridged leg) */
static void call_hold_tell(struct fs_call *c, const struct sip_msg *msg,
			   bool held)
{
	struct fs_call_hold h = {.held = held};
	char from[256], to[256];

	(void)pl_strcpy(&msg->from.val, from, sizeof(from));
	(void)pl_strcpy(&msg->to.val, to, sizeof(to));
	h.from = from;
	h.to = to;
	fs_info("call", "%s: %s by the caller", c->sid,
		held ? "on hold" : "off hold");
	(void)fs_scope_emit(c->scope, FS_EV_CALL_HOLD, &h);
}

/* libre session handlers ------------------------------------------------ */

static int call_sess_offer(struct mbuf **descp, const struct sip_msg *msg,
			   void *arg)
{
	struct fs_call *c = arg;
	bool was;
	int err;

	/* re-INVITE: hold, unhold or a new address */
	if (!mbuf_get_left(msg->mb))
		return sdp_encode(descp, c->sdp, true);
	was = call_sdp_held(c);
	err = sdp_decode(c->sdp, msg->mb, true);
	if (err) {
		fs_warn("call", "%s: bad SDP in re-INVITE: %m", c->sid, err);
		return err;
	}
	call_media_from_sdp(c);
	fs_info("call", "%s: re-INVITE: media now %s", c->sid,
		sdp_dir_name(sdp_media_rdir(c->sdpm)));
	err = sdp_encode(descp, c->sdp, false);
	if (!err && c->state == CALL_ANSWERED && was != call_sdp_held(c))
		call_hold_tell(c, msg, !was);
	return err;
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
	call_dlg_acked(c);
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

/* A REFER of the caller: a dial bridging the call takes it (its
 * referHook), else 501 as before */
static void call_sess_refer(struct sip *sip, const struct sip_msg *msg,
			    void *arg)
{
	struct fs_call *c = arg;
	struct fs_call_refer cr = {0};

	if (c->closing || c->state != CALL_ANSWERED) {
		(void)sip_reply(sip, msg, 501, "Not Implemented");
		return;
	}
	cr.r = legapi_refer_alloc(sip, msg);
	if (!cr.r)
		return;
	if (!fs_scope_emit(c->scope, FS_EV_CALL_REFER, &cr))
		cr.scode = 501;
	if (cr.scode)
		fs_leg_refer_reply(cr.r, cr.scode, NULL);
	mem_deref(cr.r);
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

static int call_accept(struct fs_call *c, uint16_t scode, const char *reason,
		       struct mbuf *desc)
{
	int err;

	/* hand the INVITE over from our transaction to the session's */
	c->st = mem_deref(c->st);
	err = sipsess_accept(
		&c->sess, c->env->stk->sock, c->invite, scode, reason,
		c->env->stk->cuser, "application/sdp", desc, NULL, NULL, false,
		call_sess_offer, call_sess_answer, call_sess_estab,
		call_sess_info, call_sess_refer, call_sess_close, c,
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

static void call_strans_cancel(void *arg)
{
	struct fs_call *c = arg;

	c->termination_by = "caller";
	call_terminate(c, 487, "Request Terminated", NULL, NULL);
}

static int call_pl_dup(char **dst, const struct pl *pl)
{
	return pl_isset(pl) ? pl_strdup(dst, pl) : 0;
}

static int call_sid_hdr(char **dst, const struct sip_msg *msg,
			const char *name)
{
	const struct sip_hdr *h = sip_msg_xhdr(msg, name);

	if (!h)
		return 0;
	if (!call_sbc_sid_ok(h->val.p, h->val.l))
		return EINVAL;
	return pl_strdup(dst, &h->val);
}

/*
 * X-Authenticated-User, sbc-inbound's "user@realm" of a registered
 * device: the realm picks the account's device calling application.
 * Returns the realm (new string), EINVAL when it is not user@host.
 */
static int call_auth_realm(char **realmp, const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_xhdr(msg, "X-Authenticated-User");
	const char *at;
	size_t n;

	if (!h)
		return 0;
	at = pl_strchr(&h->val, '@');
	if (!at || at == h->val.p || h->val.l > 256)
		return EINVAL;
	n = h->val.l - (size_t)(at + 1 - h->val.p);
	if (!n)
		return EINVAL;
	for (const char *p = h->val.p; p < h->val.p + h->val.l; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("-_.!~*'()%+@", *p))
			return EINVAL;
	}
	return re_sdprintf(realmp, "%b", at + 1, n);
}

/* sbc-inbound's Request-URI users: "<prefix><name>" */
static const char *call_uri_name(const char *user, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!user || strncmp(user, prefix, n) ||
	    !call_sbc_sid_ok(user + n, strlen(user + n)))
		return NULL;
	return user + n;
}

/*
 * queue-<name> and conference-<name> from a registered device run the
 * application jambonz's dynamic-apps.js makes: the account from the
 * directory, one dequeue or conference verb.
 */
struct call_dyn {
	struct fs_call *c;
	struct fs_listener *bind; /* to the call's scope */
	const char *verb;
	char name[65];
};

/* The call went first: its lookup answers nobody */
static void call_dyn_release(void *arg)
{
	struct call_dyn *d = arg;

	d->bind = NULL;
	directory_cancel(d->c->env->dir, d);
	mem_deref(d);
}

static struct json_object *call_dyn_verbs(const struct call_dyn *d)
{
	struct json_object *a = json_object_new_array();
	struct json_object *v = json_object_new_object();

	json_object_object_add(v, "verb", json_object_new_string(d->verb));
	json_object_object_add(v, "name", json_object_new_string(d->name));
	if (!strcmp(d->verb, "dequeue")) {
		json_object_object_add(v, "timeout", json_object_new_int(5));
	} else {
		json_object_object_add(v, "beep",
				       json_object_new_boolean(false));
		json_object_object_add(v, "startConferenceOnEnter",
				       json_object_new_boolean(true));
	}
	json_object_array_add(a, v);
	return a;
}

static void call_dyn_found(int err, uint16_t scode, const char *reason,
			   struct dir_app *app, void *arg)
{
	struct call_dyn *d = arg;
	struct fs_call *c = d->c;
	struct dir_app *gen = NULL, *merged = NULL;

	fs_listener_cancel(d->bind);
	d->bind = NULL;
	if (err) {
		mem_deref(d);
		call_app_found(err, scode, reason, NULL, c);
		return;
	}
	err = dir_app_new(&gen);
	if (!err) {
		gen->app_json = call_dyn_verbs(d);
		err = dir_app_merge(&merged, app, gen);
	}
	mem_deref(gen);
	if (!err)
		fs_info("call", "%s: %s '%s' for a registered device", c->sid,
			d->verb, d->name);
	mem_deref(d);
	if (err) {
		call_app_found(err, 500, "out of memory", NULL, c);
		return;
	}
	call_app_found(0, 0, NULL, merged, c);
	mem_deref(merged);
}

static int call_dyn_lookup(struct fs_call *c, struct dir_query *q,
			   const char *verb, const char *name)
{
	struct call_dyn *d = mem_zalloc(sizeof(*d), NULL);
	int err;

	if (!d)
		return ENOMEM;
	d->c = c;
	d->verb = verb;
	str_ncpy(d->name, name, sizeof(d->name));
	err = fs_scope_bind(c->scope, call_dyn_release, d, &d->bind);
	if (err) {
		mem_deref(d);
		return err;
	}
	q->rest = true;
	/* the handler may run before this returns */
	err = directory_lookup(c->env->dir, q, call_dyn_found, d);
	if (err) {
		fs_listener_cancel(d->bind);
		mem_deref(d);
	}
	return err;
}

/*
 * The Request-URI of a registered device's call (jambonz's initLocals):
 * app-<sid> names the application (before X-Application-Sid);
 * queue-<name> and conference-<name> run a generated one.
 *
 * @return true when the call's lookup is under way (or the call ended)
 */
static bool call_device_uri(struct fs_call *c, struct dir_query *q)
{
	const char *name, *verb = NULL;

	name = call_uri_name(c->to_user, "app-");
	if (name) {
		q->application_sid = name;
		return false;
	}
	if (q->application_sid)
		return false;
	if ((name = call_uri_name(c->to_user, "queue-")))
		verb = "dequeue";
	else if ((name = call_uri_name(c->to_user, "conference-")))
		verb = "conference";
	if (!verb)
		return false;
	if (call_dyn_lookup(c, q, verb, name))
		call_terminate(c, 500, "Server Error", "directory error",
			       NULL);
	return true;
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
	char *realm = NULL;
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
	if (call_auth_realm(&realm, msg) == EINVAL) {
		SIPCHECK_COUNT(stk->app, bad_sid);
		fs_warn("call",
			"INVITE from %J: malformed X-Authenticated-User: 400",
			&msg->src);
		(void)sip_treplyf(
			NULL, NULL, stk->sip, msg, false, 400, "Bad Request",
			"X-Reason: malformed X-Authenticated-User\r\n"
			"Content-Length: 0\r\n\r\n");
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
	/* sbc-inbound's Request-URIs, as jambonz's middleware reads them:
	 * a registered device may call an application, a queue or a
	 * conference by name; context- is a call another feature server
	 * handed over through its Redis, which this one cannot read */
	if (stk->app->dbpool && realm) {
		q.realm = realm;
		if (call_device_uri(c, &q))
			goto out;
	}
	if (stk->app->dbpool && call_uri_name(c->to_user, "context-")) {
		fs_warn("call",
			"%s: a call handed over by another feature server "
			"(context-): not supported",
			c->sid);
		call_terminate(c, 480, "Temporarily Unavailable",
			       "no configured application", NULL);
		goto out;
	}
	err = directory_lookup(env->dir, &q, call_app_found, c);
	if (err)
		call_terminate(c, 500, "Server Error", "directory error",
			       NULL);
out:
	for (size_t i = 0; i < ARRAY_SIZE(sids); i++)
		mem_deref(sids[i]);
	mem_deref(realm);
}

int call_ring(struct fs_call *c)
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
