/**
 * @file leg.c  An outbound call leg: INVITE out, its answer, media, BYE
 *
 * Used by the dial verb (the B leg, bridged to the caller) and by
 * createCall (an outbound call running its own verbs). The leg belongs
 * to the loop it was placed from, so a bridge never crosses threads.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "sip/leg.h"
#include "base/log.h"
#include "sip/stack.h"
#include "media/media.h"
#include "sip/sipsafe.h"
#include "base/uuid.h"
#include "base/cfg.h"
#include "app.h"
#include "sip/sbchdr.h"

struct leg {
	struct sip_stack *l;
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *sdpm;
	struct media_stream *media;
	struct tmr tmr; /* ring timeout, and deferred events */
	leg_h *h;
	void *arg;
	char sid[37];
	char *callid;
	char *auth_user, *auth_pass;
	uint16_t scode;
	char reason[64];
	bool answered;
	bool done; /* FAILED or ENDED delivered, or hung up */
	bool has_media;
	void (*dtmfh)(char digit, void *arg); /* INFO digits too */
	void *dtmf_arg;
	leg_hold_h *holdh;
	void *hold_arg;
	leg_refer_h *referh;
	void *refer_arg;
	bool held; /* the far end put us on hold (re-INVITE) */
};

static void leg_destructor(void *data)
{
	struct leg *leg = data;

	tmr_cancel(&leg->tmr);
	leg->done = true;
	/* deref sends CANCEL or BYE as the dialog state requires */
	leg->sess = mem_deref(leg->sess);
	leg->media = mem_deref(leg->media);
	mem_deref(leg->sdpm);
	mem_deref(leg->sdp);
	mem_deref(leg->callid);
	mem_deref(leg->auth_user);
	mem_deref(leg->auth_pass);
}

static void leg_event(struct leg *leg, enum leg_event ev, uint16_t scode,
		      const char *reason)
{
	if (leg->done)
		return;
	if (ev == LEG_FAILED || ev == LEG_ENDED) {
		leg->done = true;
		tmr_cancel(&leg->tmr);
		if (leg->media)
			media_stream_stop(leg->media);
	}
	leg->scode = scode;
	str_ncpy(leg->reason, reason ? reason : "", sizeof(leg->reason));
	if (leg->h)
		leg->h(leg, ev, scode, leg->reason, leg->arg);
}

static void leg_media_from_sdp(struct leg *leg)
{
	if (!sa_isset(sdp_media_raddr(leg->sdpm), SA_ALL) ||
	    media_stream_set_peer_sdp(leg->media, leg->sdpm))
		return;
	media_stream_set_dir(leg->media, true, true);
	(void)media_stream_start(leg->media);
	leg->has_media = true;
}

static int leg_answer_h(const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	int err;

	err = sdp_decode(leg->sdp, msg->mb, false);
	if (err) {
		fs_warn("leg", "%s: bad SDP answer: %m", leg->sid, err);
		return err;
	}
	leg_media_from_sdp(leg);
	return 0;
}

/* A re-INVITE of the answered leg: sendonly, inactive or a null address
 * is hold (RFC 3264 section 8.4), anything else takes it back. libre
 * keeps the remote direction as seen from here: the far end's sendonly
 * is our recvonly */
static void leg_hold_check(struct leg *leg, const struct sip_msg *msg)
{
	enum sdp_dir dir = sdp_media_rdir(leg->sdpm);
	bool held = dir == SDP_RECVONLY || dir == SDP_INACTIVE ||
		    !sa_isset(sdp_media_raddr(leg->sdpm), SA_ADDR);
	char from[256], to[256];

	if (held == leg->held)
		return;
	leg->held = held;
	fs_info("leg", "%s: %s by the far end", leg->sid,
		held ? "on hold" : "off hold");
	if (!leg->holdh)
		return;
	(void)pl_strcpy(&msg->from.val, from, sizeof(from));
	(void)pl_strcpy(&msg->to.val, to, sizeof(to));
	leg->holdh(held, from, to, leg->hold_arg);
}

static int leg_offer_h(struct mbuf **descp, const struct sip_msg *msg,
		       void *arg)
{
	struct leg *leg = arg;
	int err;

	if (!mbuf_get_left(msg->mb))
		return sdp_encode(descp, leg->sdp, true);
	err = sdp_decode(leg->sdp, msg->mb, true);
	if (err)
		return err;
	leg_media_from_sdp(leg);
	err = sdp_encode(descp, leg->sdp, false);
	if (!err && leg->answered)
		leg_hold_check(leg, msg);
	return err;
}

static void leg_progr_h(const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	char reason[64];

	pl_strcpy(&msg->reason, reason, sizeof(reason));
	leg_event(leg, leg->has_media ? LEG_EARLY : LEG_RINGING, msg->scode,
		  reason);
}

static void leg_estab_h(const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;

	(void)msg;
	tmr_cancel(&leg->tmr);
	leg->answered = true;
	leg_event(leg, LEG_ANSWERED, 200, "OK");
}

static void leg_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	char reason[64] = "";
	uint16_t scode;

	if (leg->answered) {
		leg_event(leg, LEG_ENDED, 200, "OK");
		return;
	}
	if (msg && !msg->req && msg->scode >= 300) {
		scode = msg->scode;
		pl_strcpy(&msg->reason, reason, sizeof(reason));
	} else if (err == ETIMEDOUT) {
		scode = 408;
		str_ncpy(reason, "Request Timeout", sizeof(reason));
	} else {
		scode = 500;
		re_snprintf(reason, sizeof(reason), "%m", err);
	}
	leg_event(leg, LEG_FAILED, scode, reason);
}

/* A digit in an INFO from the far end goes where its RFC 4733 digits
 * go; any other INFO is only acknowledged, as before */
static void leg_info_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	char *ctype = NULL;
	char digit;

	(void)re_sdprintf(&ctype, "%r/%r", &msg->ctyp.type,
			  &msg->ctyp.subtype);
	digit = media_dtmf_info_parse(ctype, (const char *)mbuf_buf(msg->mb),
				      mbuf_get_left(msg->mb));
	mem_deref(ctype);
	(void)sip_treply(NULL, sip, msg, 200, "OK");
	if (digit && leg->dtmfh && !leg->done)
		leg->dtmfh(digit, leg->dtmf_arg);
}

/* A REFER from the far end: its taker answers it (now or later), else
 * 501 as before */
static void leg_sess_refer(struct sip *sip, const struct sip_msg *msg,
			   void *arg)
{
	struct leg *leg = arg;

	if (!leg->referh || leg->done || !leg->answered) {
		(void)sip_reply(sip, msg, 501, "Not Implemented");
		return;
	}
	leg->referh(msg, leg->refer_arg);
}

/* RFC 4733 digits go where the leg's owner wants them (it may change) */
static void leg_media_dtmf(char digit, void *arg)
{
	struct leg *leg = arg;

	if (leg->dtmfh && !leg->done)
		leg->dtmfh(digit, leg->dtmf_arg);
}

static int leg_auth_h(char **user, char **pass, const char *realm, void *arg)
{
	struct leg *leg = arg;
	int err;

	(void)realm;
	if (!leg->auth_user)
		return EAUTH;
	err = str_dup(user, leg->auth_user);
	err |= str_dup(pass, leg->auth_pass ? leg->auth_pass : "");
	return err;
}

static void leg_timeout(void *arg)
{
	struct leg *leg = arg;

	/* CANCEL the INVITE; the caller sees no-answer */
	leg->sess = mem_deref(leg->sess);
	leg_event(leg, LEG_FAILED, 487, "Request Terminated");
}

int leg_headers(char **outp, const struct json_object *headers)
{
	struct mbuf *mb;
	int err = 0;

	*outp = NULL;
	if (!json_object_is_type(headers, json_type_object))
		return 0;
	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;
	json_object_object_foreach((struct json_object *)headers, k, v)
	{
		const char *val = json_object_get_string(v);

		/* header injection: a name is a token, a value one line;
		 * the stack's own headers are not the webhook's to add */
		if (!sipsafe_token(k)) {
			fs_warn("leg", "header '%s' refused: not a SIP token",
				k);
			continue;
		}
		if (sipsafe_reserved(k)) {
			fs_warn("leg",
				"header '%s' refused: set by the SIP stack",
				k);
			continue;
		}
		/* a NUL inside the JSON string would cut the value short */
		if (!val || !sipsafe_value(val) ||
		    (json_object_is_type(v, json_type_string) &&
		     strlen(val) != (size_t)json_object_get_string_len(v))) {
			fs_warn("leg",
				"header '%s' refused: value has control "
				"characters: '%s'",
				k, val ? val : "");
			continue;
		}
		err |= mbuf_printf(mb, "%s: %s\r\n", k, val);
	}
	if (!err && mb->end) {
		mb->pos = 0;
		err = mbuf_strdup(mb, outp, mb->end);
	}
	mem_deref(mb);
	return err;
}

int leg_connect(struct leg **lp, struct sip_stack *l,
		const struct leg_params *p, leg_h *h, void *arg)
{
	struct mbuf *desc = NULL;
	char *from_uri = NULL, *from_user = NULL, *from_name = NULL;
	struct leg_params sbcp;
	char *hdrs = NULL;
	const char *routev[1];
	struct sa laddr;
	struct leg *leg = NULL;
	int err;

	if (!lp || !l || !p || !p->uri)
		return EINVAL;
	/* the last line against header injection: callers check first */
	if (!sipsafe_uri(p->uri) || (p->route && !sipsafe_value(p->route))) {
		fs_warn("leg", "refused: bad URI or route '%s'", p->uri);
		return EINVAL;
	}
	err = sipsafe_user(&from_user, p->from_user && *p->from_user
					       ? p->from_user
					       : "anonymous");
	if (!err && p->from_name)
		err = sipsafe_dname(&from_name, p->from_name);
	if (err) {
		fs_warn("leg", "refused: caller id '%s' or name '%s': %m",
			p->from_user ? p->from_user : "",
			p->from_name ? p->from_name : "", err);
		goto out;
	}

	leg = mem_zalloc(sizeof(*leg), leg_destructor);
	if (!leg) {
		err = ENOMEM;
		goto out;
	}
	tmr_init(&leg->tmr);
	leg->l = l;
	leg->h = h;
	leg->arg = arg;
	uuid_v4(leg->sid);
	leg->dtmfh = p->dtmfh;
	leg->dtmf_arg = p->dtmf_arg;
	if (p->sbc && sbchdr_enabled(l->app->cfg)) {
		err = sbchdr_build(&hdrs, p->headers, p->sbc, leg->sid);
		if (err)
			goto out;
		sbcp = *p;
		sbcp.headers = hdrs;
		p = &sbcp;
	}
	if (p->auth_user) {
		err = str_dup(&leg->auth_user, p->auth_user);
		err |= str_dup(&leg->auth_pass,
			       p->auth_pass ? p->auth_pass : "");
		if (err)
			goto out;
	}

	err = media_stream_alloc(&leg->media, l->media, leg_media_dtmf, leg);
	if (err)
		goto out;
	laddr = l->addr;
	err = sdp_session_alloc(&leg->sdp, &laddr);
	err |= sdp_media_add(&leg->sdpm, leg->sdp, "audio",
			     media_stream_port(leg->media), "RTP/AVP");
	err |= sdp_format_add(NULL, leg->sdpm, false, "0", "PCMU", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, leg->sdpm, false, "8", "PCMA", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, leg->sdpm, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-16");
	if (!err)
		err = sdp_encode(&desc, leg->sdp, true);
	if (err)
		goto out;

	err = re_sdprintf(&from_uri, "sip:%s@%J", from_user, &l->addr);
	if (err)
		goto out;
	routev[0] = p->route;
	err = sipsess_connect(
		&leg->sess, l->sock, p->uri, from_name, from_uri, l->cuser,
		p->route ? routev : NULL, p->route ? 1 : 0, "application/sdp",
		desc, leg_auth_h, leg, false, leg_offer_h, leg_answer_h,
		leg_progr_h, leg_estab_h, leg_info_h, leg_sess_refer,
		leg_close_h, leg, "%s", p->headers ? p->headers : "");
	if (err) {
		fs_warn("leg", "cannot call %s: %m", p->uri, err);
		goto out;
	}
	(void)str_dup(&leg->callid,
		      sip_dialog_callid(sipsess_dialog(leg->sess)));
	if (p->timeout_ms)
		tmr_start(&leg->tmr, p->timeout_ms, leg_timeout, leg);
	fs_info("leg", "%s: INVITE %s (Call-ID %s)", leg->sid, p->uri,
		leg->callid ? leg->callid : "?");
out:
	mem_deref(desc);
	mem_deref(from_uri);
	mem_deref(from_user);
	mem_deref(from_name);
	mem_deref(hdrs);
	if (err)
		mem_deref(leg);
	else
		*lp = leg;
	return err;
}

void leg_hangup(struct leg *leg, const char *headers)
{
	if (!leg || leg->done)
		return;
	leg->done = true;
	tmr_cancel(&leg->tmr);
	if (leg->sess && headers && leg->answered)
		(void)sipsess_set_close_headers(leg->sess, "%s", headers);
	leg->sess = mem_deref(leg->sess);
	if (leg->media)
		media_stream_stop(leg->media);
}

struct media_stream *leg_media(const struct leg *leg)
{
	return leg ? leg->media : NULL;
}

const char *leg_sid(const struct leg *leg)
{
	return leg ? leg->sid : NULL;
}

const char *leg_callid(const struct leg *leg)
{
	return leg ? leg->callid : NULL;
}

uint16_t leg_scode(const struct leg *leg)
{
	return leg ? leg->scode : 0;
}

bool leg_answered(const struct leg *leg)
{
	return leg && leg->answered;
}

struct sip_dialog *leg_dialog(const struct leg *leg)
{
	if (!leg || leg->done || !leg->answered || !leg->sess)
		return NULL;
	return sipsess_dialog(leg->sess);
}

int leg_hold(struct leg *leg, bool hold)
{
	struct mbuf *desc = NULL;
	int err;

	if (!leg || leg->done || !leg->answered || !leg->sess)
		return ENOTCONN;
	/* RFC 3264 section 8.4: sendonly holds the far end, we still send
	 * (what it hears on hold) */
	sdp_media_set_ldir(leg->sdpm, hold ? SDP_SENDONLY : SDP_SENDRECV);
	err = sdp_encode(&desc, leg->sdp, true);
	if (!err)
		err = sipsess_modify(leg->sess, desc);
	mem_deref(desc);
	if (err)
		fs_warn("leg", "%s: %s re-INVITE not sent: %m", leg->sid,
			hold ? "hold" : "unhold", err);
	else
		fs_info("leg", "%s: %s re-INVITE sent", leg->sid,
			hold ? "hold" : "unhold");
	return err;
}

void leg_set_hold(struct leg *leg, leg_hold_h *h, void *arg)
{
	if (!leg)
		return;
	leg->holdh = h;
	leg->hold_arg = arg;
}

void leg_set_refer(struct leg *leg, leg_refer_h *h, void *arg)
{
	if (!leg)
		return;
	leg->referh = h;
	leg->refer_arg = arg;
}

void leg_set_owner(struct leg *leg, leg_h *h, void *arg,
		   void (*dtmfh)(char digit, void *arg), void *dtmf_arg)
{
	if (!leg)
		return;
	leg->h = h;
	leg->arg = arg;
	leg->dtmfh = dtmfh;
	leg->dtmf_arg = dtmf_arg;
	leg->holdh = NULL;
	leg->referh = NULL;
}
