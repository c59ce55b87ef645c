/**
 * @file check_sipfwd.c  Which loop owns a SIP message, and the stateless
 *                       relay between the first loop and the others
 *
 * The relay runs on one libre SIP stack; the "other loop" and the caller
 * are plain UDP sockets of the same thread, so every datagram the relay
 * sends can be decoded and inspected.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "app.h"
#include "sip/sipcheck.h"
#include "sip/sipfwd.h"
#include "sip/stack.h"

#define FWD_SPREAD_N 4000

static void sipfwd_setup(void)
{
	fixture_re_setup();
}

static void sipfwd_teardown(void)
{
	fixture_re_teardown();
}

/* A request (resp false) or a 180 of a dialog with this Call-ID */
static struct sip_msg *sipfwd_msg(const char *callid, const char *branch,
				  bool resp, enum sip_transp tp)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	ck_assert_ptr_nonnull(mb);
	err = mbuf_printf(mb,
			  "%s\r\n"
			  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
			  "From: <sip:alice@192.0.2.1>;tag=a1\r\n"
			  "To: <sip:100@127.0.0.1>\r\n"
			  "Call-ID: %s\r\n"
			  "CSeq: 1 INVITE\r\n"
			  "Max-Forwards: 70\r\n"
			  "Content-Length: 0\r\n\r\n",
			  resp ? "SIP/2.0 180 Ringing"
			       : "INVITE sip:100@127.0.0.1 SIP/2.0",
			  branch, callid);
	ck_assert_int_eq(err, 0);
	mb->pos = 0;
	ck_assert_int_eq(sip_msg_decode(&msg, mb), 0);
	msg->tp = tp;
	mem_deref(mb);
	return msg;
}

static unsigned sipfwd_owner_of(const char *callid, const char *branch,
				bool resp, enum sip_transp tp, unsigned n)
{
	struct sip_msg *msg = sipfwd_msg(callid, branch, resp, tp);
	unsigned k = sipfwd_owner(msg, n);

	mem_deref(msg);
	return k;
}

START_TEST(sipfwd_owner_stable)
{
	char callid[64];

	for (unsigned i = 0; i < 200; i++) {
		unsigned k;

		snprintf(callid, sizeof(callid), "stable-%u@192.0.2.1", i);
		k = sipfwd_owner_of(callid, "z9hG4bK1", false, SIP_TRANSP_UDP,
				    4);
		ck_assert_uint_lt(k, 4);
		/* the ACK, BYE and CANCEL of the call (other branch) and
		 * its responses must reach the same loop as its INVITE */
		ck_assert_uint_eq(sipfwd_owner_of(callid, "z9hG4bKother",
						  false, SIP_TRANSP_UDP, 4),
				  k);
		ck_assert_uint_eq(sipfwd_owner_of(callid, "z9hG4bK1", true,
						  SIP_TRANSP_UDP, 4),
				  k);
	}
}
END_TEST

/* Each loop gets its share of FWD_SPREAD_N calls within 15 % */
static void sipfwd_check_spread(unsigned n)
{
	unsigned count[8] = {0};
	unsigned share = FWD_SPREAD_N / n;
	char callid[64];

	ck_assert_uint_le(n, 8);
	for (unsigned i = 0; i < FWD_SPREAD_N; i++) {
		/* shaped like the Call-IDs of common user agents */
		snprintf(callid, sizeof(callid), "%08x-%04x@10.0.%u.%u",
			 i * 2654435761u, i & 0xffff, i / 256 % 256, i % 256);
		count[sipfwd_owner_of(callid, "z9hG4bK1", false,
				      SIP_TRANSP_UDP, n)]++;
	}
	for (unsigned k = 0; k < n; k++) {
		ck_assert_msg(count[k] > share * 85 / 100 &&
				      count[k] < share * 115 / 100,
			      "%u loops: loop %u got %u of %u calls", n, k,
			      count[k], FWD_SPREAD_N);
	}
}

START_TEST(sipfwd_owner_spread)
{
	sipfwd_check_spread(2);
	sipfwd_check_spread(3);
	sipfwd_check_spread(4);
	sipfwd_check_spread(7);
}
END_TEST

/* A BYE to ruri inside a dialog (To-tag) or outside it */
static unsigned sipfwd_owner_bye(const char *ruri, const char *callid,
				 bool dialog, unsigned n)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb = mbuf_alloc(512);
	unsigned k;

	ck_assert_ptr_nonnull(mb);
	ck_assert_int_eq(mbuf_printf(mb,
				     "BYE %s SIP/2.0\r\n"
				     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch="
				     "z9hG4bKb\r\n"
				     "From: <sip:bob@192.0.2.1>;tag=b1\r\n"
				     "To: <sip:alice@127.0.0.1>%s\r\n"
				     "Call-ID: %s\r\n"
				     "CSeq: 2 BYE\r\n"
				     "Content-Length: 0\r\n\r\n",
				     ruri, dialog ? ";tag=t1" : "", callid),
			 0);
	mb->pos = 0;
	ck_assert_int_eq(sip_msg_decode(&msg, mb), 0);
	msg->tp = SIP_TRANSP_UDP;
	k = sipfwd_owner(msg, n);
	mem_deref(msg);
	mem_deref(mb);
	return k;
}

/* A call we placed has libre's Call-ID: requests of its dialog find the
 * loop that placed it by the Contact user we gave, "fs-<k>" */
START_TEST(sipfwd_owner_contact)
{
	char callid[64];

	for (unsigned i = 0; i < 64; i++) {
		unsigned h;

		snprintf(callid, sizeof(callid), "placed-%u", i);
		h = sipfwd_owner_bye("sip:x@127.0.0.1", callid, true, 4);
		for (unsigned k = 0; k < 4; k++) {
			char ruri[64];

			snprintf(ruri, sizeof(ruri),
				 "sip:fs-%u@127.0.0.1:5060", k);
			ck_assert_uint_eq(
				sipfwd_owner_bye(ruri, callid, true, 4), k);
			/* outside a dialog the Call-ID decides */
			ck_assert_uint_eq(
				sipfwd_owner_bye(ruri, callid, false, 4), h);
		}
		/* no such loop, or not our shape: the Call-ID decides */
		ck_assert_uint_eq(sipfwd_owner_bye("sip:fs-4@127.0.0.1",
						   callid, true, 4),
				  h);
		ck_assert_uint_eq(sipfwd_owner_bye("sip:fs-1x@127.0.0.1",
						   callid, true, 4),
				  h);
		ck_assert_uint_eq(
			sipfwd_owner_bye("sip:fs-@127.0.0.1", callid, true, 4),
			h);
		ck_assert_uint_eq(sipfwd_owner_bye("sip:fs-9999999@127.0.0.1",
						   callid, true, 4),
				  h);
	}
}
END_TEST

START_TEST(sipfwd_owner_first_loop)
{
	char callid[64];
	unsigned udp_other = 0;

	for (unsigned i = 0; i < 64; i++) {
		snprintf(callid, sizeof(callid), "first-%u", i);
		/* a TCP or TLS connection ends in the first loop */
		ck_assert_uint_eq(sipfwd_owner_of(callid, "z9hG4bK1", false,
						  SIP_TRANSP_TCP, 4),
				  0);
		ck_assert_uint_eq(sipfwd_owner_of(callid, "z9hG4bK1", false,
						  SIP_TRANSP_TLS, 4),
				  0);
		/* one loop, or none configured: no division by zero */
		ck_assert_uint_eq(sipfwd_owner_of(callid, "z9hG4bK1", false,
						  SIP_TRANSP_UDP, 1),
				  0);
		ck_assert_uint_eq(sipfwd_owner_of(callid, "z9hG4bK1", false,
						  SIP_TRANSP_UDP, 0),
				  0);
		if (sipfwd_owner_of(callid, "z9hG4bK1", false, SIP_TRANSP_UDP,
				    4))
			udp_other++;
	}
	/* the same Call-IDs over UDP do leave the first loop */
	ck_assert_uint_gt(udp_other, 0);
}
END_TEST

START_TEST(sipfwd_alloc_refused)
{
	struct sipfwd *f = NULL;
	struct sip_stack stk = {0};
	struct sa t[2];

	memset(t, 0, sizeof(t));
	/* one loop needs no relay */
	ck_assert_int_eq(sipfwd_alloc(&f, &stk, 1, t), EINVAL);
	ck_assert_int_eq(sipfwd_alloc(&f, &stk, 2, NULL), EINVAL);
	ck_assert_int_eq(sipfwd_alloc(&f, NULL, 2, t), EINVAL);
	ck_assert_int_eq(sipfwd_alloc(NULL, &stk, 2, t), EINVAL);
	ck_assert_ptr_null(f);
}
END_TEST

/* ---- the relay, on a real SIP stack ---- */

struct fwd_sock {
	struct udp_sock *us;
	struct sa addr;
	struct mbuf *last; /* last datagram received */
	unsigned n;
};

static struct {
	struct sip *sip;
	struct sip_stack stk;
	struct app app;
	struct sipcheck_stats stats;
	struct sa targets[2];
	struct sipfwd *fwd;
	struct fwd_sock cli;   /* the caller */
	struct fwd_sock loop1; /* the other loop's private port */
} fwd;

static void fwd_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct fwd_sock *s = arg;

	(void)src;
	mem_deref(s->last);
	s->last = mbuf_alloc(mbuf_get_left(mb));
	ck_assert_ptr_nonnull(s->last);
	ck_assert_int_eq(
		mbuf_write_mem(s->last, mbuf_buf(mb), mbuf_get_left(mb)), 0);
	s->last->pos = 0;
	s->n++;
}

static void fwd_sock_open(struct fwd_sock *s)
{
	struct sa a;

	ck_assert_int_eq(sa_set_str(&a, "127.0.0.1", 0), 0);
	ck_assert_int_eq(udp_listen(&s->us, &a, fwd_recv, s), 0);
	ck_assert_int_eq(udp_local_get(s->us, &s->addr), 0);
}

static void fwd_setup(void)
{
	struct sa a;

	fixture_re_setup();
	memset(&fwd, 0, sizeof(fwd));
	ck_assert_int_eq(
		sip_alloc(&fwd.sip, NULL, 16, 16, 16, "fs-test", NULL, NULL),
		0);
	ck_assert_int_eq(sa_set_str(&a, "127.0.0.1", 0), 0);
	ck_assert_int_eq(sip_transp_add(fwd.sip, SIP_TRANSP_UDP, &a), 0);
	ck_assert_int_eq(sip_transp_laddr(fwd.sip, &fwd.targets[0],
					  SIP_TRANSP_UDP, NULL),
			 0);
	fwd_sock_open(&fwd.cli);
	fwd_sock_open(&fwd.loop1);
	fwd.targets[1] = fwd.loop1.addr;
	fwd.app.nloops = 2;
	fwd.app.loop_addr[1] = fwd.loop1.addr;
	fwd.app.sipstats = &fwd.stats;
	fwd.stk.app = &fwd.app;
	fwd.stk.sip = fwd.sip;
	ck_assert_int_eq(sipfwd_alloc(&fwd.fwd, &fwd.stk, 2, fwd.targets), 0);
	/* the relay tells the other loops where its requests come from */
	ck_assert(sa_cmp(&fwd.app.loop_addr[0], &fwd.targets[0], SA_ALL));
}

static void fwd_teardown(void)
{
	fwd.fwd = mem_deref(fwd.fwd);
	fwd.cli.us = mem_deref(fwd.cli.us);
	fwd.loop1.us = mem_deref(fwd.loop1.us);
	fwd.cli.last = mem_deref(fwd.cli.last);
	fwd.loop1.last = mem_deref(fwd.loop1.last);
	sip_close(fwd.sip, true);
	fwd.sip = mem_deref(fwd.sip);
	fixture_re_teardown();
}

/* A Call-ID that sipfwd_owner() gives to loop k of 2 */
static void fwd_callid(char *buf, size_t sz, unsigned k)
{
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(buf, sz, "relay-%u@192.0.2.9", i);
		if (sipfwd_owner_of(buf, "z9hG4bK1", false, SIP_TRANSP_UDP,
				    2) == k)
			return;
	}
	ck_abort_msg("no Call-ID for loop %u", k);
}

static void fwd_send(struct udp_sock *us, const char *fmt, const char *callid,
		     unsigned mf)
{
	struct mbuf *mb = mbuf_alloc(1024);

	ck_assert_ptr_nonnull(mb);
	ck_assert_int_eq(mbuf_printf(mb, fmt, callid, mf), 0);
	mb->pos = 0;
	ck_assert_int_eq(udp_send(us, &fwd.targets[0], mb), 0);
	mem_deref(mb);
}

/* The caller claims an address in its Via (received=) that the relay
 * must replace by the one the packet came from */
static const char fwd_invite[] =
	"INVITE sip:100@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.9:5060;received=198.51.100.66;"
	"branch=z9hG4bKcaller1;rport=7777\r\n"
	"From: <sip:alice@192.0.2.9>;tag=a1\r\n"
	"To: <sip:100@127.0.0.1>\r\n"
	"Call-ID: %s\r\n"
	"CSeq: 1 INVITE\r\n"
	"Max-Forwards: %u\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 5\r\n\r\nhello";

static bool fwd_has(const struct pl *pl, const char *str)
{
	size_t n = strlen(str);

	for (size_t i = 0; i + n <= pl->l; i++) {
		if (!memcmp(pl->p + i, str, n))
			return true;
	}
	return false;
}

static int fwd_got(void *arg)
{
	return ((struct fwd_sock *)arg)->n > 0;
}

START_TEST(sipfwd_relay_request)
{
	struct sip_msg *msg = NULL;
	const struct sip_hdr *via2 = NULL, *mf;
	struct pl rcv, rport;
	char callid[64], want[16];
	unsigned vias = 0;
	struct le *le;

	fwd_callid(callid, sizeof(callid), 1);
	fwd_send(fwd.cli.us, fwd_invite, callid, 70);
	ck_assert_int_eq(fixture_run_until(fwd_got, &fwd.loop1, 2000), 0);
	ck_assert_int_eq(sip_msg_decode(&msg, fwd.loop1.last), 0);
	ck_assert(msg->req);
	ck_assert_int_eq(pl_strcmp(&msg->met, "INVITE"), 0);
	ck_assert_int_eq(pl_strcmp(&msg->callid, callid), 0);
	/* our own Via on top, with the relay's branch */
	ck_assert_uint_ge(msg->via.branch.l, strlen(SIPCHECK_RELAY_BRANCH));
	ck_assert(!memcmp(msg->via.branch.p, SIPCHECK_RELAY_BRANCH,
			  strlen(SIPCHECK_RELAY_BRANCH)));
	ck_assert(sa_cmp(&msg->via.addr, &fwd.targets[0], SA_ALL));
	for (le = msg->hdrl.head; le; le = le->next) {
		const struct sip_hdr *h = le->data;

		if (h->id == SIP_HDR_VIA && ++vias == 2)
			via2 = h;
	}
	ck_assert_uint_eq(vias, 2);
	/* the caller's Via says where the packet really came from, and
	 * only that: its own received and rport are gone */
	ck_assert_ptr_nonnull(via2);
	ck_assert(!fwd_has(&via2->val, "198.51.100.66"));
	ck_assert(!fwd_has(&via2->val, "7777"));
	ck_assert_int_eq(re_regex(via2->val.p, via2->val.l,
				  ";received=[^;]+;rport=[0-9]+", &rcv,
				  &rport),
			 0);
	ck_assert_int_eq(pl_strcmp(&rcv, "127.0.0.1"), 0);
	snprintf(want, sizeof(want), "%u", sa_port(&fwd.cli.addr));
	ck_assert_int_eq(pl_strcmp(&rport, want), 0);
	ck_assert(fwd_has(&via2->val, "branch=z9hG4bKcaller1"));
	/* one hop more */
	mf = sip_msg_hdr(msg, SIP_HDR_MAX_FORWARDS);
	ck_assert_ptr_nonnull(mf);
	ck_assert_uint_eq(pl_u32(&mf->val), 69);
	ck_assert_uint_eq(mbuf_get_left(msg->mb), 5);
	ck_assert(!memcmp(mbuf_buf(msg->mb), "hello", 5));
	/* nothing went back to the caller */
	ck_assert_uint_eq(fwd.cli.n, 0);
	mem_deref(msg);
}
END_TEST

START_TEST(sipfwd_relay_too_many_hops)
{
	struct sip_msg *msg = NULL;
	char callid[64];

	fwd_callid(callid, sizeof(callid), 1);
	fwd_send(fwd.cli.us, fwd_invite, callid, 0);
	ck_assert_int_eq(fixture_run_until(fwd_got, &fwd.cli, 2000), 0);
	ck_assert_int_eq(sip_msg_decode(&msg, fwd.cli.last), 0);
	ck_assert(!msg->req);
	ck_assert_uint_eq(msg->scode, 483);
	ck_assert_uint_eq(fwd.loop1.n, 0);
	mem_deref(msg);
}
END_TEST

/* The other loop's 180 to a relayed INVITE */
static const char fwd_ringing[] =
	"SIP/2.0 180 Ringing\r\n"
	"Via: SIP/2.0/UDP %J;branch=" SIPCHECK_RELAY_BRANCH
	"0000000100000002\r\n"
	"Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKcaller1;"
	"received=127.0.0.1;rport=%u\r\n"
	"From: <sip:alice@192.0.2.9>;tag=a1\r\n"
	"To: <sip:100@127.0.0.1>;tag=b2\r\n"
	"Call-ID: %s\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

static void fwd_send_ringing(struct udp_sock *us, const char *callid)
{
	struct mbuf *mb = mbuf_alloc(1024);

	ck_assert_ptr_nonnull(mb);
	ck_assert_int_eq(mbuf_printf(mb, fwd_ringing, &fwd.targets[0],
				     sa_port(&fwd.cli.addr), callid),
			 0);
	mb->pos = 0;
	ck_assert_int_eq(udp_send(us, &fwd.targets[0], mb), 0);
	mem_deref(mb);
}

START_TEST(sipfwd_relay_response)
{
	struct sip_msg *msg = NULL;
	char callid[64];

	fwd_callid(callid, sizeof(callid), 1);
	fwd_send_ringing(fwd.loop1.us, callid);
	ck_assert_int_eq(fixture_run_until(fwd_got, &fwd.cli, 2000), 0);
	ck_assert_int_eq(sip_msg_decode(&msg, fwd.cli.last), 0);
	ck_assert(!msg->req);
	ck_assert_uint_eq(msg->scode, 180);
	/* our Via is taken off: the caller sees its own on top */
	ck_assert_int_eq(pl_strcmp(&msg->via.branch, "z9hG4bKcaller1"), 0);
	ck_assert_int_eq(pl_strcmp(&msg->callid, callid), 0);
	ck_assert_uint_eq(fwd.stats.relay_spoofed, 0);
	mem_deref(msg);
}
END_TEST

static int fwd_never(void *arg)
{
	(void)arg;
	return 0;
}

START_TEST(sipfwd_relay_spoofed_dropped)
{
	char callid[64];

	fwd_callid(callid, sizeof(callid), 1);
	/* the same response, but from the caller's socket: anyone could
	 * send it to make us send to the address in its second Via */
	fwd_send_ringing(fwd.cli.us, callid);
	(void)fixture_run_until(fwd_never, NULL, 300);
	ck_assert_uint_eq(fwd.stats.relay_spoofed, 1);
	ck_assert_uint_eq(fwd.cli.n, 0);
	ck_assert_uint_eq(fwd.loop1.n, 0);
}
END_TEST

extern Suite *sipfwd_suite(void);

Suite *sipfwd_suite(void)
{
	Suite *s = suite_create("sipfwd");
	TCase *tc = tcase_create("owner");
	TCase *tr = tcase_create("relay");

	tcase_add_checked_fixture(tc, sipfwd_setup, sipfwd_teardown);
	tcase_add_test(tc, sipfwd_owner_stable);
	tcase_add_test(tc, sipfwd_owner_spread);
	tcase_add_test(tc, sipfwd_owner_first_loop);
	tcase_add_test(tc, sipfwd_owner_contact);
	tcase_add_test(tc, sipfwd_alloc_refused);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tr, fwd_setup, fwd_teardown);
	tcase_set_timeout(tr, fixture_timeout(10));
	tcase_add_test(tr, sipfwd_relay_request);
	tcase_add_test(tr, sipfwd_relay_too_many_hops);
	tcase_add_test(tr, sipfwd_relay_response);
	tcase_add_test(tr, sipfwd_relay_spoofed_dropped);
	suite_add_tcase(s, tr);
	return s;
}
