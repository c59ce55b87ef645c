/**
 * @file sipcheck.c  What a request must pass before it is routed
 *
 * RFC 3261 8.2 in the order a UAS applies it, then admission of new
 * INVITEs. libre itself drops what it cannot parse at all (no start
 * line, an undecodable CSeq, From or To); everything it does take comes
 * through here first. Answers go through a server transaction, so
 * retransmissions of a refused INVITE get the same answer and its ACK
 * is absorbed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "base/cfg.h"
#include "base/log.h"
#include "sip/stack.h"
#include "base/netlist.h"
#include "sip/sipcheck.h"
#include "sip/sipdlg.h"
#include "sip/siprate.h"

/* Most sources with an INVITE bucket per loop */
#define SIPCHECK_RATE_SOURCES 10000
/* Warnings per second before the rest are only counted */
#define SIPCHECK_LOG_PER_SEC 20
#define SIPCHECK_MAX_TAGS    16

struct sipcheck {
	struct sip_stack *l;
	struct sip_lsnr *lsnr;
	struct siprate *rate;
	char *nets_str; /* SBC_TRUSTED_NETS the list below was made from */
	struct netlist *nets;
	uint64_t log_sec;
	uint32_t log_n, log_quiet;
};

static void sipcheck_destructor(void *data)
{
	struct sipcheck *sc = data;

	sc->lsnr = mem_deref(sc->lsnr);
	sc->rate = mem_deref(sc->rate);
	sc->nets_str = mem_deref(sc->nets_str);
	sc->nets = mem_deref(sc->nets);
}

int sipcheck_print_pl(struct re_printf *pf, void *arg)
{
	const struct pl *pl = arg;
	size_t n = pl ? min(pl->l, 80) : 0;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		unsigned char ch = (unsigned char)pl->p[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			err = re_hprintf(pf, "%c", ch);
		else
			err = re_hprintf(pf, "\\x%02x", ch);
	}
	if (!err && pl && pl->l > n)
		err = re_hprintf(pf, "...");
	return err;
}

/* Warnings about hostile traffic must not become a flood of their own */
static bool sipcheck_log_ok(struct sipcheck *sc)
{
	uint64_t sec = tmr_jiffies() / 1000;

	if (sec != sc->log_sec) {
		if (sc->log_quiet)
			fs_warn("sipcheck",
				"%u more refused requests not "
				"logged",
				sc->log_quiet);
		sc->log_sec = sec;
		sc->log_n = 0;
		sc->log_quiet = 0;
	}
	if (sc->log_n++ < SIPCHECK_LOG_PER_SEC)
		return true;
	sc->log_quiet++;
	return false;
}

static void sipcheck_refuse(struct sipcheck *sc, const struct sip_msg *msg,
			    uint16_t scode, const char *reason,
			    const char *why, const char *extra)
{
	if (sipcheck_log_ok(sc))
		fs_warn("sipcheck", "%H from %J: %u %s (%s)",
			sipcheck_print_pl, &msg->met, &msg->src, scode, reason,
			why);
	(void)sip_treplyf(NULL, NULL, sc->l->sip, msg, false, scode, reason,
			  "%sContent-Length: 0\r\n\r\n", extra ? extra : "");
}

static void sipcheck_drop(struct sipcheck *sc, const struct sip_msg *msg,
			  const char *why)
{
	if (sipcheck_log_ok(sc))
		fs_warn("sipcheck", "%H from %J dropped: %s",
			sipcheck_print_pl, &msg->met, &msg->src, why);
}

static bool sipcheck_digits(const struct pl *pl, unsigned maxlen, uint64_t *vp)
{
	uint64_t v = 0;

	if (!pl->l || pl->l > maxlen)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(pl->p[i] - '0');
	}
	*vp = v;
	return true;
}

static bool sipcheck_tchar(char c)
{
	/* RFC 3261 token */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("-.!%*_+`'~", c);
}

static bool sipcheck_token(const struct pl *pl)
{
	if (!pl->l)
		return false;
	for (size_t i = 0; i < pl->l; i++)
		if (!pl->p[i] || !sipcheck_tchar(pl->p[i]))
			return false;
	return true;
}

/* CSeq: 1*DIGIT LWS Method, below 2**31, the method of the request */
static const char *sipcheck_cseq(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	struct pl num, met;
	uint64_t v;
	size_t i = 0;

	if (!h)
		return "no CSeq";
	while (i < h->val.l && h->val.p[i] >= '0' && h->val.p[i] <= '9')
		i++;
	num.p = h->val.p;
	num.l = i;
	if (!sipcheck_digits(&num, 10, &v) || v > 0x7fffffffu)
		return "bad CSeq number";
	if (i >= h->val.l || (h->val.p[i] != ' ' && h->val.p[i] != '\t'))
		return "bad CSeq";
	while (i < h->val.l && (h->val.p[i] == ' ' || h->val.p[i] == '\t'))
		i++;
	met.p = h->val.p + i;
	met.l = h->val.l - i;
	if (!sipcheck_token(&met))
		return "bad CSeq method";
	if (pl_cmp(&met, &msg->met))
		return "CSeq method does not match the request";
	return NULL;
}

/* Control characters (NUL included) in the start line or headers */
static bool sipcheck_ctl_free(const struct sip_msg *msg)
{
	const char *p = msg->met.p;
	const char *end = (const char *)mbuf_buf(msg->mb);

	if (!p || end < p)
		return true;
	for (; p < end; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n') ||
		    ch == 0x7f)
			return false;
	}
	return true;
}

struct sipcheck_unsup {
	char buf[512];
	size_t len;
	unsigned n;
	bool bad;
};

static bool sipcheck_require_h(const struct sip_hdr *hdr,
			       const struct sip_msg *msg, void *arg)
{
	struct sipcheck_unsup *u = arg;
	int n;

	(void)msg;
	/* the tags are echoed in our answer: tokens only */
	if (!sipcheck_token(&hdr->val) || u->n >= SIPCHECK_MAX_TAGS) {
		u->bad = true;
		return true;
	}
	n = re_snprintf(u->buf + u->len, sizeof(u->buf) - u->len, "%s%r",
			u->n ? ", " : "", &hdr->val);
	if (n < 0 || (size_t)n >= sizeof(u->buf) - u->len) {
		u->bad = true;
		return true;
	}
	u->len += (size_t)n;
	u->n++;
	return false;
}

static bool sipcheck_scheme_ok(const struct pl *s)
{
	return !pl_strcasecmp(s, "sip") || !pl_strcasecmp(s, "sips") ||
	       !pl_strcasecmp(s, "tel");
}

/* RFC 3261 8.2: the answer for a request that is not well formed, or 0 */
static uint16_t sipcheck_conform(struct sipcheck *sc,
				 const struct sip_msg *msg, bool relayed)
{
	static const struct {
		enum sip_hdrid id;
		const char *name;
	} once[] = {
		{SIP_HDR_CALL_ID, "Call-ID"},
		{SIP_HDR_CSEQ, "CSeq"},
		{SIP_HDR_FROM, "From"},
		{SIP_HDR_TO, "To"},
	};
	struct app *app = sc->l->app;
	bool ack = !pl_strcmp(&msg->met, "ACK");
	const struct sip_hdr *h;
	char why[96], extra[600];
	const char *e;
	uint64_t v;
	uint32_t n;

	for (size_t i = 0; i < ARRAY_SIZE(once); i++) {
		n = sip_msg_hdr_count(msg, once[i].id);
		if (n == 1)
			continue;
		re_snprintf(why, sizeof(why), "%s %s", once[i].name,
			    n ? "repeated" : "missing");
		goto bad;
	}
	if (!pl_isset(&msg->callid)) {
		re_snprintf(why, sizeof(why), "empty Call-ID");
		goto bad;
	}
	e = sipcheck_cseq(msg);
	if (e) {
		str_ncpy(why, e, sizeof(why));
		goto bad;
	}
	if (!sipcheck_ctl_free(msg)) {
		str_ncpy(why, "control character in headers", sizeof(why));
		goto bad;
	}

	n = sip_msg_hdr_count(msg, SIP_HDR_CONTENT_LENGTH);
	if (n > 1) {
		str_ncpy(why, "Content-Length repeated", sizeof(why));
		goto bad;
	}
	if (n) {
		size_t body = mbuf_get_left(msg->mb);

		if (!sipcheck_digits(&msg->clen, 10, &v)) {
			str_ncpy(why, "bad Content-Length", sizeof(why));
			goto bad;
		}
		if (v > body) {
			re_snprintf(why, sizeof(why),
				    "Content-Length %llu, body %zu bytes",
				    (unsigned long long)v, body);
			goto bad;
		}
		/* RFC 3261 18.3: over UDP, bytes past the length are
		 * not part of the message */
		if (v < body)
			msg->mb->end = msg->mb->pos + (size_t)v;
	}

	n = sip_msg_hdr_count(msg, SIP_HDR_MAX_FORWARDS);
	if (n > 1) {
		str_ncpy(why, "Max-Forwards repeated", sizeof(why));
		goto bad;
	}
	if (n) {
		if (!sipcheck_digits(&msg->maxfwd, 3, &v) || v > 255) {
			str_ncpy(why, "bad Max-Forwards", sizeof(why));
			goto bad;
		}
		/* the hop between loops is ours: loop 0 checked it */
		if (!v && !relayed) {
			SIPCHECK_COUNT(app, too_many_hops);
			if (ack)
				return 1;
			sipcheck_refuse(sc, msg, 483, "Too Many Hops",
					"Max-Forwards 0", NULL);
			return 483;
		}
	}

	if (!sipcheck_scheme_ok(&msg->uri.scheme)) {
		SIPCHECK_COUNT(app, bad_scheme);
		if (ack)
			return 1;
		sipcheck_refuse(sc, msg, 416, "Unsupported URI Scheme",
				"Request-URI scheme", NULL);
		return 416;
	}

	/* RFC 3261 8.2.2.3: we support no extension; ACK and CANCEL are
	 * never refused for one */
	if (!ack && pl_strcmp(&msg->met, "CANCEL") &&
	    sip_msg_hdr(msg, SIP_HDR_REQUIRE)) {
		struct sipcheck_unsup u = {.len = 0};

		(void)sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE,
					sipcheck_require_h, &u);
		if (u.bad) {
			str_ncpy(why, "bad Require", sizeof(why));
			goto bad;
		}
		SIPCHECK_COUNT(app, bad_extension);
		re_snprintf(extra, sizeof(extra), "Unsupported: %s\r\n",
			    u.buf);
		re_snprintf(why, sizeof(why), "Require: %s", u.buf);
		sipcheck_refuse(sc, msg, 420, "Bad Extension", why, extra);
		return 420;
	}

	if (!pl_strcmp(&msg->met, "INVITE") && mbuf_get_left(msg->mb)) {
		if (!sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE)) {
			str_ncpy(why, "body without Content-Type",
				 sizeof(why));
			goto bad;
		}
		h = sip_msg_hdr(msg, SIP_HDR_CONTENT_ENCODING);
		if (h && pl_strcasecmp(&h->val, "identity")) {
			SIPCHECK_COUNT(app, bad_media_type);
			sipcheck_refuse(sc, msg, 415, "Unsupported Media Type",
					"Content-Encoding",
					"Accept: application/sdp\r\n"
					"Accept-Encoding: identity\r\n");
			return 415;
		}
		if (pl_strcasecmp(&msg->ctyp.type, "application") ||
		    pl_strcasecmp(&msg->ctyp.subtype, "sdp")) {
			SIPCHECK_COUNT(app, bad_media_type);
			sipcheck_refuse(sc, msg, 415, "Unsupported Media Type",
					"body is not SDP",
					"Accept: application/sdp\r\n");
			return 415;
		}
	}
	return 0;

bad:
	SIPCHECK_COUNT(app, bad_request);
	if (ack) {
		sipcheck_drop(sc, msg, why);
		return 1;
	}
	sipcheck_refuse(sc, msg, 400, "Bad Request", why, NULL);
	return 400;
}

bool sipcheck_is_relay_via(const struct sip_msg *msg)
{
	const size_t n = sizeof(SIPCHECK_RELAY_BRANCH) - 1;

	return msg->via.branch.l >= n &&
	       !memcmp(msg->via.branch.p, SIPCHECK_RELAY_BRANCH, n);
}

bool sipcheck_from_loop(const struct sip_stack *l, const struct sip_msg *msg)
{
	const struct app *app = l->app;

	if (msg->tp != SIP_TRANSP_UDP)
		return false;
	for (unsigned i = 0; i < app->nloops && i < APP_MAX_LOOPS; i++) {
		if (i == l->idx || !sa_isset(&app->loop_addr[i], SA_ALL))
			continue;
		if (sa_cmp(&app->loop_addr[i], &msg->src, SA_ALL))
			return true;
	}
	return false;
}

/* The trusted networks of the current configuration (it may be reloaded) */
static const struct netlist *sipcheck_trusted(struct sipcheck *sc)
{
	const char *s = sc->l->app->cfg->sbc_trusted_nets;
	char why[160];

	if (!s || !*s)
		return NULL;
	if (sc->nets_str && !strcmp(sc->nets_str, s))
		return sc->nets;
	sc->nets = mem_deref(sc->nets);
	sc->nets_str = mem_deref(sc->nets_str);
	if (netlist_parse_some(&sc->nets, s, why, sizeof(why)))
		fs_error("sipcheck", "SBC_TRUSTED_NETS: %s", why);
	(void)str_dup(&sc->nets_str, s);
	return sc->nets;
}

static bool sipcheck_request(const struct sip_msg *msg, void *arg)
{
	struct sipcheck *sc = arg;
	struct app *app = sc->l->app;
	const struct cfg *cfg = app->cfg;
	const struct netlist *nets;
	bool relayed = false;

	if (sipcheck_is_relay_via(msg)) {
		/* only a loop puts this branch on top; from anyone else it
		 * is a forgery meant to be trusted as relayed */
		if (!sipcheck_from_loop(sc->l, msg)) {
			SIPCHECK_COUNT(app, relay_spoofed);
			sipcheck_drop(sc, msg, "relay Via not from a loop");
			return true;
		}
		relayed = true;
	}
	if (!pl_isset(&msg->via.sentby)) {
		/* no Via: nowhere to send an answer */
		SIPCHECK_COUNT(app, dropped);
		sipcheck_drop(sc, msg, "no Via");
		return true;
	}
	if (sipcheck_conform(sc, msg, relayed))
		return true;
	/* a NOTIFY of a call's dialog (a REFER's progress), which the
	 * session layer after us does not take */
	if (sipdlg_offer(sc->l, msg))
		return true;

	/* a new INVITE from outside: who may send it, and how often */
	if (relayed || pl_strcmp(&msg->met, "INVITE") ||
	    pl_isset(&msg->to.tag))
		return false;
	nets = sipcheck_trusted(sc);
	if (cfg->sbc_trusted_nets[0] && !netlist_match(nets, &msg->src)) {
		SIPCHECK_COUNT(app, untrusted);
		sipcheck_refuse(sc, msg, 403, "Forbidden",
				"source not in SBC_TRUSTED_NETS", NULL);
		return true;
	}
	if (!siprate_take(sc->rate, &msg->src, cfg->sip_invite_rate,
			  cfg->sip_invite_burst, tmr_jiffies())) {
		SIPCHECK_COUNT(app, rate_limited);
		sipcheck_refuse(sc, msg, 503, "Service Unavailable",
				"over SIP_INVITE_RATE", "Retry-After: 1\r\n");
		return true;
	}
	return false;
}

int sipcheck_alloc(struct sipcheck **scp, struct sip_stack *l)
{
	struct sipcheck *sc;
	int err;

	if (!scp || !l || !l->sip)
		return EINVAL;
	sc = mem_zalloc(sizeof(*sc), sipcheck_destructor);
	if (!sc)
		return ENOMEM;
	sc->l = l;
	err = siprate_alloc(&sc->rate, SIPCHECK_RATE_SOURCES);
	if (!err)
		err = sip_listen(&sc->lsnr, l->sip, true, sipcheck_request,
				 sc);
	if (err) {
		mem_deref(sc);
		return err;
	}
	*scp = sc;
	return 0;
}

/* networks --------------------------------------------------------------- */

/* metrics ---------------------------------------------------------------- */

int sipcheck_metrics(const struct app *app, const struct sipcheck *sc,
		     struct json_object *o)
{
	static const struct sipcheck_stats none;
	const struct sipcheck_stats *s = app->sipstats ? app->sipstats : &none;
	const struct {
		const char *name;
		const uint64_t *v;
	} f[] = {
		{"dropped", &s->dropped},
		{"bad_request", &s->bad_request},
		{"too_many_hops", &s->too_many_hops},
		{"bad_extension", &s->bad_extension},
		{"unsupported_media_type", &s->bad_media_type},
		{"unsupported_uri_scheme", &s->bad_scheme},
		{"relay_spoofed", &s->relay_spoofed},
		{"untrusted_source", &s->untrusted},
		{"invite_rate_limited", &s->rate_limited},
		{"max_calls_rejected", &s->max_calls},
		{"max_duration_ended", &s->max_duration},
		{"account_mismatch", &s->account_mismatch},
		{"bad_sid_header", &s->bad_sid},
	};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(f) && !err; i++)
		err = json_object_object_add(
			o, f[i].name,
			json_object_new_int64((int64_t)__atomic_load_n(
				f[i].v, __ATOMIC_RELAXED)));
	if (!err && sc)
		err = json_object_object_add(
			o, "rate_sources",
			json_object_new_int64(siprate_count(sc->rate)));
	return err ? ENOMEM : 0;
}
