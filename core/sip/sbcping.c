/**
 * @file sbcping.c  OPTIONS pings to the jambonz SBCs (sbc-pinger.js)
 *
 * As jambonz-feature-server's pingProxies(): one OPTIONS to each SBC of
 * JAMBONES_SBCS, with X-FS-Status "open" (or "closed" while draining),
 * X-FS-Calls (the calls in progress) and X-FS-ServiceUrl. The answer is
 * only logged: an SBC that does not answer gets the next ping anyway.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "app.h"
#include "base/log.h"
#include "sip/sbcping.h"
#include "sip/sipsafe.h"
#include "sip/stack.h"

#define SBCPING_MAX     16
#define SBCPING_TICK_MS 1000

struct sbcping_sbc {
	char uri[300];
	struct sip_request *req; /* in flight, or NULL */
	struct sbcping *p;
};

struct sbcping {
	struct sip_stack *stk; /* borrowed: the loop outlives us */
	struct tmr tmr;
	char *service_url;
	uint32_t interval_ms;
	uint64_t next_ms;
	bool closed; /* what the last ping said */
	bool pinged;
	uint32_t cseq;
	uint64_t sent, answered;
	unsigned n;
	struct sbcping_sbc sbc[SBCPING_MAX];
};

static void sbcping_destructor(void *data)
{
	struct sbcping *p = data;

	tmr_cancel(&p->tmr);
	for (unsigned i = 0; i < p->n; i++)
		p->sbc[i].req = mem_deref(p->sbc[i].req);
	mem_deref(p->service_url);
}

static void sbcping_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct sbcping_sbc *s = arg;

	s->req = NULL;
	if (err) {
		fs_debug("sbcping", "%s: %m", s->uri, err);
		return;
	}
	s->p->answered++;
	fs_debug("sbcping", "%s: %u", s->uri, msg->scode);
}

static void sbcping_send(struct sbcping *p)
{
	struct app *app = p->stk->app;
	bool closed = __atomic_load_n(&app->draining, __ATOMIC_RELAXED);
	uint32_t calls = __atomic_load_n(&app->calls_active, __ATOMIC_RELAXED);

	p->closed = closed;
	p->pinged = true;
	for (unsigned i = 0; i < p->n; i++) {
		struct sbcping_sbc *s = &p->sbc[i];
		int err;

		/* the last one went unanswered: it gives way */
		s->req = mem_deref(s->req);
		err = sip_requestf(&s->req, p->stk->sip, true, "OPTIONS",
				   s->uri, NULL, NULL, NULL, sbcping_resp, s,
				   "Max-Forwards: 70\r\n"
				   "To: <%s>\r\n"
				   "From: <sip:feature-server@%J>;tag=%x\r\n"
				   "Call-ID: %x%x@feature-server\r\n"
				   "CSeq: %u OPTIONS\r\n"
				   "X-FS-Status: %s\r\n"
				   "X-FS-Calls: %u\r\n"
				   "%s%s%s"
				   "Content-Length: 0\r\n\r\n",
				   s->uri, &p->stk->addr, rand_u32(),
				   rand_u32(), rand_u32(), ++p->cseq,
				   closed ? "closed" : "open", calls,
				   p->service_url ? "X-FS-ServiceUrl: " : "",
				   p->service_url ? p->service_url : "",
				   p->service_url ? "\r\n" : "");
		if (err)
			fs_warn("sbcping", "OPTIONS to %s: %m", s->uri, err);
		else
			p->sent++;
	}
}

static void sbcping_tick(void *arg)
{
	struct sbcping *p = arg;
	bool closed =
		__atomic_load_n(&p->stk->app->draining, __ATOMIC_RELAXED);
	uint64_t now = tmr_jiffies();

	tmr_start(&p->tmr, SBCPING_TICK_MS, sbcping_tick, p);
	/* jambonz pings at once when it starts or stops drying up */
	if (now >= p->next_ms || (p->pinged && closed != p->closed)) {
		if (p->pinged && closed != p->closed)
			fs_info("sbcping", "telling the SBCs: %s",
				closed ? "closed" : "open");
		sbcping_send(p);
		p->next_ms = now + p->interval_ms;
	}
}

static int sbcping_add(struct sbcping *p, const char *s, size_t n)
{
	char hp[256];

	if (!n)
		return 0;
	if (n >= sizeof(hp) || p->n == SBCPING_MAX)
		return EINVAL;
	memcpy(hp, s, n);
	hp[n] = '\0';
	if (!strncmp(hp, "sip:", 4))
		memmove(hp, hp + 4, n - 3);
	if (!sipsafe_hostport(hp)) {
		fs_error("sbcping", "JAMBONES_SBCS: '%s' is not host[:port]",
			 hp);
		return EINVAL;
	}
	re_snprintf(p->sbc[p->n].uri, sizeof(p->sbc[p->n].uri), "sip:%s", hp);
	p->sbc[p->n].p = p;
	p->n++;
	return 0;
}

int sbcping_alloc(struct sbcping **pp, struct sip_stack *stk,
		  const struct sbcping_conf *conf)
{
	struct sbcping *p;
	const char *s, *e;
	int err = 0;

	if (!pp || !stk || !conf || !conf->sbcs || !conf->interval_ms)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), sbcping_destructor);
	if (!p)
		return ENOMEM;
	p->stk = stk;
	p->interval_ms = conf->interval_ms;
	tmr_init(&p->tmr);
	for (s = conf->sbcs; *s && !err; s = e) {
		s += strspn(s, ", ");
		e = s + strcspn(s, ", ");
		err = sbcping_add(p, s, (size_t)(e - s));
	}
	if (!err && !p->n)
		err = EINVAL;
	if (!err && conf->service_url && *conf->service_url) {
		if (!sipsafe_value(conf->service_url))
			err = EINVAL;
		else
			err = str_dup(&p->service_url, conf->service_url);
	}
	if (err) {
		mem_deref(p);
		return err;
	}
	/* the first ping once we are up, as sbc-pinger.js does */
	p->next_ms = tmr_jiffies() + SBCPING_TICK_MS;
	tmr_start(&p->tmr, SBCPING_TICK_MS, sbcping_tick, p);
	fs_info("sbcping", "OPTIONS to %u SBC(s) every %u ms", p->n,
		p->interval_ms);
	*pp = p;
	return 0;
}

void sbcping_counts(const struct sbcping *p, uint64_t *sent,
		    uint64_t *answered)
{
	if (sent)
		*sent = p ? p->sent : 0;
	if (answered)
		*answered = p ? p->answered : 0;
}
