/**
 * @file sipfwd.c  Stateless forwarding of SIP between the event loops
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "app.h"
#include "base/log.h"
#include "sip/stack.h"
#include "sip/sipcheck.h"
#include "sip/sipfwd.h"

/* Branch prefix of our own Via: marks responses to relay */
#define SIPFWD_BRANCH SIPCHECK_RELAY_BRANCH

struct sipfwd {
	struct sip_stack *l;
	unsigned n;
	const struct sa *targets;
	struct sip_lsnr *req;
	struct sip_lsnr *resp;
	struct sa laddr; /* our UDP address, for our Via */
	uint64_t fwd_req, fwd_resp;
	uint64_t log_sec;
	uint32_t log_n;
};

static void sipfwd_destructor(void *data)
{
	struct sipfwd *f = data;

	mem_deref(f->req);
	mem_deref(f->resp);
}

/* The loop named by a Contact we gave ("fs-<k>", sip/stack.h), or -1 */
static int sipfwd_contact_loop(const struct pl *user, unsigned nloops)
{
	uint32_t k = 0;

	if (user->l < 4 || user->l > 6 || memcmp(user->p, "fs-", 3))
		return -1;
	for (size_t i = 3; i < user->l; i++) {
		if (user->p[i] < '0' || user->p[i] > '9')
			return -1;
		k = k * 10 + (uint32_t)(user->p[i] - '0');
	}
	return k < nloops ? (int)k : -1;
}

unsigned sipfwd_owner(const struct sip_msg *msg, unsigned nloops)
{
	int k;

	/* a TCP connection ends in one loop, which keeps its calls; UDP
	 * calls spread by Call-ID */
	if (nloops <= 1 || msg->tp != SIP_TRANSP_UDP)
		return 0;
	/* a request inside a dialog we made names its loop in the Contact
	 * we gave: a call we placed has a Call-ID of libre's choosing,
	 * which may hash to another loop than the one that placed it */
	if (msg->req && pl_isset(&msg->to.tag)) {
		k = sipfwd_contact_loop(&msg->uri.user, nloops);
		if (k >= 0)
			return (unsigned)k;
	}
	return hash_joaat_pl(&msg->callid) % nloops;
}

/* A Via value without its received and rport parameters: where the
 * caller is comes from the packet, never from what the caller wrote */
static int sipfwd_write_via(struct mbuf *mb, const struct pl *val)
{
	const char *p = val->p, *end = val->p + val->l;
	int err = 0;
	bool first = true;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		struct pl seg = {p, (size_t)(stop - p)}, name;
		const char *eq = memchr(seg.p, '=', seg.l);

		name.p = seg.p;
		name.l = eq ? (size_t)(eq - seg.p) : seg.l;
		while (name.l && (name.p[0] == ' ' || name.p[0] == '\t'))
			name.p++, name.l--;
		while (name.l && (name.p[name.l - 1] == ' ' ||
				  name.p[name.l - 1] == '\t'))
			name.l--;
		if (first || (pl_strcasecmp(&name, "received") &&
			      pl_strcasecmp(&name, "rport")))
			err |= mbuf_printf(mb, "%s%r", first ? "" : ";", &seg);
		first = false;
		p = semi ? semi + 1 : end;
	}
	return err;
}

/* Headers and body of msg, optionally without its first Via */
static int sipfwd_write_rest(struct mbuf *mb, const struct sip_msg *msg,
			     bool drop_via, const struct sa *src)
{
	bool first_via = true;
	struct le *le;
	int err = 0;

	for (le = msg->hdrl.head; le; le = le->next) {
		const struct sip_hdr *h = le->data;

		if (h->id == SIP_HDR_VIA && first_via) {
			first_via = false;
			if (drop_via)
				continue;
			if (src) {
				/* the caller's Via learns where it really is,
				 * so the response can find its way back */
				err |= mbuf_printf(mb, "%r: ", &h->name);
				err |= sipfwd_write_via(mb, &h->val);
				err |= mbuf_printf(mb,
						   ";received=%j;rport=%u\r\n",
						   src, sa_port(src));
				continue;
			}
		}
		if (h->id == SIP_HDR_MAX_FORWARDS && msg->req) {
			uint32_t mf = pl_u32(&h->val);

			err |= mbuf_printf(mb, "%r: %u\r\n", &h->name,
					   mf ? mf - 1 : 0);
			continue;
		}
		err |= mbuf_printf(mb, "%r: %r\r\n", &h->name, &h->val);
	}
	err |= mbuf_write_str(mb, "\r\n");
	if (mbuf_get_left(msg->mb))
		err |= mbuf_write_mem(mb, mbuf_buf(msg->mb),
				      mbuf_get_left(msg->mb));
	return err;
}

static bool sipfwd_request(const struct sip_msg *msg, void *arg)
{
	struct sipfwd *f = arg;
	unsigned k = sipfwd_owner(msg, f->n);
	const struct sip_hdr *mf;
	struct mbuf *mb;
	int err;

	if (!k)
		return false;
	mf = sip_msg_hdr(msg, SIP_HDR_MAX_FORWARDS);
	if (mf && pl_u32(&mf->val) == 0) {
		(void)sip_reply(f->l->sip, msg, 483, "Too Many Hops");
		return true;
	}
	mb = mbuf_alloc(1024 + mbuf_get_left(msg->mb));
	if (!mb)
		return true;
	/* the branch derives from the caller's, so a CANCEL or the ACK of
	 * an error reaches the same transaction as its INVITE */
	err = mbuf_printf(mb, "%r %r SIP/2.0\r\n", &msg->met, &msg->ruri);
	err |= mbuf_printf(
		mb, "Via: SIP/2.0/UDP %J;branch=" SIPFWD_BRANCH "%08x%08x\r\n",
		&f->laddr, hash_joaat_pl(&msg->via.branch),
		hash_joaat_pl(&msg->callid));
	err |= sipfwd_write_rest(mb, msg, false, &msg->src);
	if (!err) {
		mb->pos = 0;
		err = sip_send(f->l->sip, NULL, SIP_TRANSP_UDP, &f->targets[k],
			       mb);
	}
	if (err)
		fs_warn("sipfwd", "cannot forward %r to loop %u: %m",
			&msg->met, k, err);
	f->fwd_req++;
	mem_deref(mb);
	return true;
}

/* Where a response goes: the second Via, as received/rport say */
static int sipfwd_next_hop(const struct sip_msg *msg, struct sa *dst,
			   enum sip_transp *tpp)
{
	const struct sip_hdr *second = NULL;
	bool first = true;
	struct sip_via via;
	struct pl rcv, rport;
	struct le *le;
	int err;

	for (le = msg->hdrl.head; le; le = le->next) {
		const struct sip_hdr *h = le->data;

		if (h->id != SIP_HDR_VIA)
			continue;
		if (first) {
			first = false;
			continue;
		}
		second = h;
		break;
	}
	if (!second)
		return ENOENT;
	err = sip_via_decode(&via, &second->val);
	if (err)
		return err;
	*dst = via.addr;
	if (!msg_param_decode(&via.params, "received", &rcv))
		(void)sa_set(dst, &rcv, sa_port(&via.addr));
	if (!msg_param_decode(&via.params, "rport", &rport) && pl_u32(&rport))
		sa_set_port(dst, pl_u32(&rport));
	if (!sa_port(dst))
		sa_set_port(dst, via.tp == SIP_TRANSP_TLS ? 5061 : 5060);
	*tpp = via.tp;
	return 0;
}

static bool sipfwd_response(const struct sip_msg *msg, void *arg)
{
	struct sipfwd *f = arg;
	enum sip_transp tp = SIP_TRANSP_UDP;
	bool ours = msg->via.branch.l >= sizeof(SIPFWD_BRANCH) - 1 &&
		    !memcmp(msg->via.branch.p, SIPFWD_BRANCH,
			    sizeof(SIPFWD_BRANCH) - 1);
	unsigned k = 0;
	struct mbuf *mb;
	struct sa dst;
	int err;

	/* not relayed by us: another loop's own request, if its Via (which
	 * that loop wrote) names its socket; else the first loop's own */
	for (unsigned i = 1; !ours && i < f->n; i++) {
		if (sa_cmp(&msg->via.addr, &f->targets[i], SA_ALL))
			k = i;
	}
	if (!ours && !k)
		return false;
	if (ours && !sipcheck_from_loop(f->l, msg)) {
		uint64_t sec = tmr_jiffies() / 1000;

		/* a forged answer would make us send to any address in
		 * its second Via: only the loops answer our requests */
		SIPCHECK_COUNT(f->l->app, relay_spoofed);
		if (sec != f->log_sec)
			f->log_sec = sec, f->log_n = 0;
		if (f->log_n++ < 20)
			fs_warn("sipfwd",
				"%u response with relay branch from %J (not "
				"a loop): dropped",
				msg->scode, &msg->src);
		return true;
	}
	if (ours) {
		err = sipfwd_next_hop(msg, &dst, &tp);
		if (err)
			return true;
	} else {
		/* an answer to a request another loop sent, arriving here
		 * because the peer answers to the address it knows rather
		 * than to the Via */
		dst = f->targets[k];
	}
	mb = mbuf_alloc(1024 + mbuf_get_left(msg->mb));
	if (!mb)
		return true;
	err = mbuf_printf(mb, "SIP/2.0 %u %r\r\n", msg->scode, &msg->reason);
	err |= sipfwd_write_rest(mb, msg, ours, NULL);
	if (!err) {
		mb->pos = 0;
		err = sip_send(f->l->sip, NULL, tp, &dst, mb);
	}
	if (err)
		fs_warn("sipfwd", "cannot relay %u to %J: %m", msg->scode,
			&dst, err);
	f->fwd_resp++;
	mem_deref(mb);
	return true;
}

int sipfwd_alloc(struct sipfwd **fp, struct sip_stack *l, unsigned nloops,
		 const struct sa *targets)
{
	struct sipfwd *f;
	int err;

	if (!fp || !l || !targets || nloops < 2)
		return EINVAL;
	f = mem_zalloc(sizeof(*f), sipfwd_destructor);
	if (!f)
		return ENOMEM;
	f->l = l;
	f->n = nloops;
	f->targets = targets;
	err = sip_transp_laddr(l->sip, &f->laddr, SIP_TRANSP_UDP, NULL);
	/* where the other loops see our relayed requests come from */
	if (!err)
		l->app->loop_addr[0] = f->laddr;
	if (!err)
		err = sip_listen(&f->req, l->sip, true, sipfwd_request, f);
	if (!err)
		err = sip_listen(&f->resp, l->sip, false, sipfwd_response, f);
	if (err) {
		mem_deref(f);
		return err;
	}
	*fp = f;
	return 0;
}
