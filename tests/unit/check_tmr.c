/**
 * @file check_tmr.c  The timer heap behind tmr_* (core/base/timer.c):
 *                    order, handlers, clock edges, libre really calling
 *                    it, and a randomized comparison with libre's list
 *
 * Most tests use the entry points that take the clock (timer_*_at) on a
 * list of their own, so they are exact and do not depend on the
 * machine's speed; the tests of the real API allow for the clock moving
 * by a millisecond.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "base/timer.h"
#include "tmr_ref.h"

/* What the handlers of one test saw, as a string of letters */
struct rec {
	char log[128];
	size_t n;
	struct list *l;
	uint64_t now;
	struct tmr *t; /* the test's timers, 'A' is t[0] */
	int again;     /* restarts left for handlers that restart */
};

struct tag {
	struct rec *r;
	char c;
};

static void rec_mark(struct rec *r, char c)
{
	if (r->n + 1 < sizeof(r->log))
		r->log[r->n++] = c;
	r->log[r->n] = '\0';
}

static void mark_h(void *arg)
{
	struct tag *g = arg;

	rec_mark(g->r, g->c);
}

static void tmr_setup(void)
{
	fixture_re_setup();
}

static void tmr_teardown(void)
{
	fixture_re_teardown();
}

/* The heap of a list goes when its last timer goes (nothing left for
 * re_thread_close() to leak) */
static void assert_list_empty(struct list *l)
{
	ck_assert_uint_eq(timer_pending(l), 0);
	ck_assert_ptr_null(l->head);
	ck_assert_uint_eq(timer_next_at(l, 0), 0);
}

START_TEST(tmr_expiry_order)
{
	struct list l = LIST_INIT;
	struct rec r = {.n = 0};
	struct tmr t[5];
	struct tag g[5];
	const uint64_t delay[5] = {30, 10, 20, 10, 0};

	for (int i = 0; i < 5; i++) {
		tmr_init(&t[i]);
		g[i] = (struct tag){&r, (char)('A' + i)};
		timer_start_at(&l, &t[i], 1000, delay[i], mark_h, &g[i]);
		ck_assert(tmr_isrunning(&t[i]));
	}
	ck_assert_uint_eq(timer_pending(&l), 5);

	timer_poll_at(&l, 999);
	ck_assert_str_eq(r.log, "");
	timer_poll_at(&l, 1000);
	ck_assert_str_eq(r.log, "E");
	timer_poll_at(&l, 1009);
	ck_assert_str_eq(r.log, "E");
	timer_poll_at(&l, 1010);
	ck_assert_str_eq(r.log, "EBD");
	/* one late poll runs everything due, still in expiry order */
	timer_poll_at(&l, 5000);
	ck_assert_str_eq(r.log, "EBDCA");
	for (int i = 0; i < 5; i++)
		ck_assert(!tmr_isrunning(&t[i]));
	assert_list_empty(&l);
}
END_TEST

enum { EQ_N = 100 };
static uint32_t eq_fired[EQ_N], eq_nf;

static void eq_h(void *arg)
{
	eq_fired[eq_nf++] = *(uint32_t *)arg;
}

static void noop_h(void *arg)
{
	(void)arg;
}

START_TEST(tmr_equal_expiry_start_order)
{
	enum { N = EQ_N };
	struct list l = LIST_INIT;
	struct tmr t[N];
	uint32_t id[N], perm[N];
	uint64_t s = 0x9e3779b97f4a7c15ULL;

	/* start N timers for the same millisecond in a shuffled order,
	 * with different delays from different start times */
	for (uint32_t i = 0; i < N; i++)
		perm[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j, x;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		j = (uint32_t)(s % (i + 1));
		x = perm[i], perm[i] = perm[j], perm[j] = x;
	}
	for (uint32_t k = 0; k < N; k++) {
		uint32_t i = perm[k];

		id[i] = i;
		tmr_init(&t[i]);
		timer_start_at(&l, &t[i], 1000 + k, 500 - k, NULL, NULL);
		ck_assert(!tmr_isrunning(&t[i])); /* no handler: not armed */
	}
	assert_list_empty(&l);

	for (uint32_t k = 0; k < N; k++) {
		uint32_t i = perm[k];

		timer_start_at(&l, &t[i], 1000 + k, 500 - k, eq_h, &id[i]);
	}
	/* a restart goes behind the others of its millisecond */
	timer_start_at(&l, &t[perm[0]], 1200, 300, eq_h, &id[perm[0]]);
	/* a cancelled one is simply gone */
	tmr_cancel(&t[perm[1]]);
	ck_assert(!tmr_isrunning(&t[perm[1]]));

	timer_poll_at(&l, 1499);
	ck_assert_uint_eq(eq_nf, 0);
	timer_poll_at(&l, 1500);
	ck_assert_uint_eq(eq_nf, N - 1);
	for (uint32_t k = 2; k < N; k++)
		ck_assert_uint_eq(eq_fired[k - 2], perm[k]);
	ck_assert_uint_eq(eq_fired[N - 2], perm[0]);
	assert_list_empty(&l);
}
END_TEST

/* A cancels B, C restarts itself once with delay 0, D restarts A, E
 * cancels itself: all five due in the same poll */
static struct tmr hs_t[5];
static struct tag hs_g[5];

static void hs_h(void *arg)
{
	struct tag *g = arg;
	struct rec *r = g->r;

	rec_mark(r, g->c);
	/* inside its own handler a timer is no longer running */
	ck_assert(!tmr_isrunning(&hs_t[g->c - 'A']));
	ck_assert_uint_eq(tmr_get_expire(&hs_t[g->c - 'A']), 0);

	switch (g->c) {
	case 'A':
		if (r->again)
			tmr_cancel(&hs_t[1]);
		break;
	case 'C':
		if (r->again-- > 0) {
			timer_start_at(r->l, &hs_t[2], r->now, 0, hs_h, g);
			ck_assert(tmr_isrunning(&hs_t[2]));
		}
		break;
	case 'D':
		timer_start_at(r->l, &hs_t[0], r->now, 5, hs_h, &hs_g[0]);
		break;
	case 'E':
		tmr_cancel(&hs_t[4]);
		/* and restarted and cancelled again */
		timer_start_at(r->l, &hs_t[4], r->now, 1, hs_h, g);
		tmr_cancel(&hs_t[4]);
		break;
	}
}

START_TEST(tmr_handlers_cancel_restart)
{
	struct list l = LIST_INIT;
	struct rec r = {.n = 0, .l = &l, .now = 2000, .again = 1};

	for (int i = 0; i < 5; i++) {
		tmr_init(&hs_t[i]);
		hs_g[i] = (struct tag){&r, (char)('A' + i)};
		timer_start_at(&l, &hs_t[i], 1990, 10, hs_h, &hs_g[i]);
	}
	timer_poll_at(&l, 2000);
	/* B was cancelled by A before its turn; C's restart with delay 0
	 * ran in the same poll, after the ones already due (libre does
	 * the same: the clock is read once per poll) */
	ck_assert_str_eq(r.log, "ACDEC");
	ck_assert(tmr_isrunning(&hs_t[0]));
	ck_assert(!tmr_isrunning(&hs_t[1]));
	ck_assert(!tmr_isrunning(&hs_t[4]));
	ck_assert_uint_eq(timer_pending(&l), 1);
	ck_assert_uint_eq(timer_next_at(&l, 2000), 5);

	r.now = 2005;
	timer_poll_at(&l, 2005);
	ck_assert_str_eq(r.log, "ACDECA");
	assert_list_empty(&l);
}
END_TEST

static void self_restart_h(void *arg)
{
	struct rec *r = arg;

	rec_mark(r, 'x');
	if (r->again-- > 0) {
		/* restart from its own handler: a periodic timer */
		timer_start_at(r->l, r->t, r->now, 20, self_restart_h, r);
		ck_assert(tmr_isrunning(r->t));
		ck_assert_uint_eq(timer_expire_at(r->t, r->now), 20);
	}
}

START_TEST(tmr_periodic_from_handler)
{
	struct list l = LIST_INIT;
	struct tmr t;
	struct rec r = {.n = 0, .l = &l, .t = &t, .again = 3};

	tmr_init(&t);
	timer_start_at(&l, &t, 0, 20, self_restart_h, &r);
	for (r.now = 0; r.now <= 200; r.now++) {
		timer_poll_at(&l, r.now);
		ck_assert_uint_eq(r.n, r.now / 20 > 4 ? 4 : r.now / 20);
	}
	ck_assert_str_eq(r.log, "xxxx");
	assert_list_empty(&l);
}
END_TEST

START_TEST(tmr_zero_delay_next_poll)
{
	struct list l = LIST_INIT;
	struct rec r = {.n = 0};
	struct tag g = {&r, 'z'};
	struct tmr t;

	tmr_init(&t);
	timer_start_at(&l, &t, 500, 0, mark_h, &g);
	/* never synchronously, but due at once */
	ck_assert_str_eq(r.log, "");
	ck_assert(tmr_isrunning(&t));
	ck_assert_uint_eq(timer_next_at(&l, 500), 1);
	ck_assert_uint_eq(timer_expire_at(&t, 500), 0);
	timer_poll_at(&l, 500);
	ck_assert_str_eq(r.log, "z");
	assert_list_empty(&l);

	/* the real API on this thread's list */
	tmr_start(&t, 0, mark_h, &g);
	ck_assert_str_eq(r.log, "z");
	ck_assert_uint_eq(tmr_next_timeout(tmrl_get()), 1);
	tmr_poll(tmrl_get());
	ck_assert_str_eq(r.log, "zz");
	ck_assert(!tmr_isrunning(&t));
}
END_TEST

START_TEST(tmr_next_timeout_exact)
{
	struct list l = LIST_INIT;
	struct tmr a, b;
	uint64_t v, now;

	tmr_init(&a);
	tmr_init(&b);
	ck_assert_uint_eq(timer_next_at(&l, 1000), 0); /* none: 0 */
	timer_start_at(&l, &a, 1000, 20, noop_h, NULL);
	for (uint64_t d = 0; d < 20; d++)
		ck_assert_uint_eq(timer_next_at(&l, 1000 + d), 20 - d);
	ck_assert_uint_eq(timer_next_at(&l, 1020), 1); /* due: 1 */
	ck_assert_uint_eq(timer_next_at(&l, 9999), 1);
	timer_start_at(&l, &b, 1003, 5, noop_h, NULL);
	ck_assert_uint_eq(timer_next_at(&l, 1003), 5);
	tmr_cancel(&b);
	ck_assert_uint_eq(timer_next_at(&l, 1003), 17);
	tmr_cancel(&a);
	assert_list_empty(&l);

	/* the real clock: at most the millisecond that passed */
	now = tmr_jiffies();
	tmr_start(&a, 20, noop_h, NULL);
	v = tmr_next_timeout(tmrl_get());
	ck_assert_uint_le(v, 20);
	ck_assert_uint_ge(v + (tmr_jiffies() - now), 20);
	tmr_cancel(&a);
	ck_assert_uint_eq(tmr_next_timeout(tmrl_get()), 0);
}
END_TEST

START_TEST(tmr_get_expire_values)
{
	struct list l = LIST_INIT;
	struct tmr t;
	uint64_t now, v;

	tmr_init(&t);
	ck_assert_uint_eq(tmr_get_expire(&t), 0);
	ck_assert_uint_eq(tmr_get_expire(NULL), 0);
	timer_start_at(&l, &t, 100, 250, noop_h, NULL);
	ck_assert_uint_eq(timer_expire_at(&t, 100), 250);
	ck_assert_uint_eq(timer_expire_at(&t, 349), 1);
	ck_assert_uint_eq(timer_expire_at(&t, 350), 0);
	ck_assert_uint_eq(timer_expire_at(&t, 400), 0);
	ck_assert_uint_eq(t.jfs, 350);
	tmr_cancel(&t);
	ck_assert_uint_eq(timer_expire_at(&t, 100), 0);
	assert_list_empty(&l);

	now = tmr_jiffies();
	tmr_start(&t, 1500, noop_h, NULL);
	v = tmr_get_expire(&t);
	ck_assert_uint_le(v, 1500);
	ck_assert_uint_ge(v + (tmr_jiffies() - now), 1500);
	tmr_cancel(&t);
	ck_assert_uint_eq(tmr_get_expire(&t), 0);
}
END_TEST

START_TEST(tmr_far_future_and_huge_delays)
{
	const uint64_t now = 1764590000000ULL; /* a 2025 wall clock */
	const uint64_t hour = 3600000, day = 24 * hour;
	struct list l = LIST_INIT, ref = LIST_INIT;
	struct rec r = {.n = 0};
	struct tag g[5];
	struct tmr t[5], rt;

	for (int i = 0; i < 5; i++) {
		tmr_init(&t[i]);
		g[i] = (struct tag){&r, (char)('A' + i)};
	}
	timer_start_at(&l, &t[0], now, 3 * day, mark_h, &g[0]);
	timer_start_at(&l, &t[1], now, hour, mark_h, &g[1]);
	ck_assert_uint_eq(timer_next_at(&l, now), hour);
	ck_assert_uint_eq(timer_expire_at(&t[0], now), 3 * day);

	/* the largest delays saturate at the end of time instead of
	 * wrapping round to "now" */
	timer_start_at(&l, &t[2], now, UINT64_MAX, mark_h, &g[2]);
	timer_start_at(&l, &t[3], now, UINT64_MAX - now / 2, mark_h, &g[3]);
	timer_start_at(&l, &t[4], now, UINT64_MAX - now - 1, mark_h, &g[4]);
	ck_assert_uint_eq(t[2].jfs, UINT64_MAX);
	ck_assert_uint_eq(t[3].jfs, UINT64_MAX);
	ck_assert_uint_eq(t[4].jfs, UINT64_MAX - 1);
	ck_assert_uint_eq(timer_expire_at(&t[2], now), UINT64_MAX - now);

	timer_poll_at(&l, now + hour - 1);
	ck_assert_str_eq(r.log, "");
	timer_poll_at(&l, now + hour);
	ck_assert_str_eq(r.log, "B");
	/* days ahead are still exact; past 24.8 days the answer stops at
	 * INT_MAX, since re_main() casts it to int for epoll_wait() */
	ck_assert_uint_eq(timer_next_at(&l, now + hour), 3 * day - hour);
	timer_poll_at(&l, now + 3 * day - 1);
	ck_assert_str_eq(r.log, "B");
	timer_poll_at(&l, now + 3 * day);
	ck_assert_str_eq(r.log, "BA");
	ck_assert_uint_eq(timer_next_at(&l, now + 3 * day), INT_MAX);
	ck_assert_uint_eq(timer_next_at(&l, UINT64_MAX - 2), 1);

	/* a century on, still waiting */
	timer_poll_at(&l, now + 36500 * day);
	ck_assert_str_eq(r.log, "BA");
	timer_poll_at(&l, UINT64_MAX - 1);
	ck_assert_str_eq(r.log, "BAE");
	timer_poll_at(&l, UINT64_MAX);
	ck_assert_str_eq(r.log, "BAECD"); /* equal expiry: start order */
	assert_list_empty(&l);

	/* libre's own list wraps: the same start runs at the next poll */
	tmr_init(&rt);
	ref_tmr_start(&ref, &rt, now, UINT64_MAX, mark_h, &g[0]);
	ck_assert_uint_eq(rt.jfs, now - 1);
	ref_tmr_poll(&ref, now);
	ck_assert_str_eq(r.log, "BAECDA");
}
END_TEST

START_TEST(tmr_gauge_published)
{
	uint32_t gauge = 99;
	struct tmr t[2];

	tmr_init(&t[0]);
	tmr_init(&t[1]);
	timer_gauge_set(&gauge);
	ck_assert_uint_eq(gauge, 0);
	tmr_start(&t[0], 60000, noop_h, NULL);
	tmr_start(&t[1], 60000, noop_h, NULL);
	/* published when re_main() is about to sleep */
	ck_assert_uint_eq(gauge, 0);
	(void)tmr_next_timeout(tmrl_get());
	ck_assert_uint_eq(gauge, 2);
	tmr_cancel(&t[0]);
	(void)tmr_next_timeout(tmrl_get());
	ck_assert_uint_eq(gauge, 1);
	timer_gauge_set(NULL);
	tmr_cancel(&t[1]);
	(void)tmr_next_timeout(tmrl_get());
	ck_assert_uint_eq(gauge, 1);
}
END_TEST

/* A timer wiped while armed (tmr_init on it, memory reused): libre's
 * poll would spin on it for ever, the heap drops the entry */
START_TEST(tmr_overwritten_while_armed)
{
	struct list l = LIST_INIT;
	struct rec r = {.n = 0};
	struct tag g[2] = {{&r, 'A'}, {&r, 'B'}};
	struct tmr t[2];

	tmr_init(&t[0]);
	tmr_init(&t[1]);
	timer_start_at(&l, &t[0], 0, 5, mark_h, &g[0]);
	timer_start_at(&l, &t[1], 0, 6, mark_h, &g[1]);
	tmr_init(&t[0]);
	timer_poll_at(&l, 10);
	ck_assert_str_eq(r.log, "B");
	assert_list_empty(&l);
}
END_TEST

static char *status_text(void)
{
	char *s = NULL;

	ck_assert_int_eq(re_sdprintf(&s, "%H", tmr_status, NULL), 0);
	return s;
}

START_TEST(tmr_status_text)
{
	struct tmr t[3];
	char *s;

	s = status_text();
	ck_assert_str_eq(s ? s : "", "");
	mem_deref(s);
	for (int i = 0; i < 3; i++) {
		tmr_init(&t[i]);
		tmr_start(&t[i], 10000 + i, noop_h, NULL);
	}
	ck_assert_uint_eq(timer_pending(tmrl_get()), 3);
	s = status_text();
	/* api/metrics.c and operators read libre's first line */
	ck_assert_msg(!strncmp(s, "Timers (3):\n", 12), "%s", s);
	ck_assert_ptr_nonnull(strstr(s, "expire="));
	mem_deref(s);
	for (int i = 0; i < 3; i++)
		tmr_cancel(&t[i]);
	ck_assert_uint_eq(timer_pending(tmrl_get()), 0);
	s = status_text();
	ck_assert_str_eq(s ? s : "", "");
	mem_deref(s);
}
END_TEST

/* libre.so calls the heap: its PLT resolves to the executable's tmr_* */

static int re_fired;

static void stop_h(void *arg)
{
	(void)arg;
	++re_fired;
	re_cancel();
}

static void dns_h(int err, const struct dnshdr *hdr, struct list *ansl,
		  struct list *authl, struct list *addl, void *arg)
{
	(void)err, (void)hdr, (void)ansl, (void)authl, (void)addl, (void)arg;
}

START_TEST(tmr_libre_uses_ours)
{
	struct dnsc *dnsc = NULL;
	struct dns_query *q = NULL;
	struct sa srv;
	struct tmr t;
	uint64_t polls;
	uint32_t n0;
	void *libre_start;

	ck_assert_int_eq(timer_check(), 0);
	libre_start = dlsym(RTLD_NEXT, "tmr_start");
	ck_assert_ptr_nonnull(libre_start);
	ck_assert_ptr_ne(libre_start, (void *)tmr_start);

	/* re_main() polls and sleeps through our heap: with libre's own
	 * tmr_poll it would never see this timer and never return */
	polls = timer_polls();
	tmr_init(&t);
	tmr_start(&t, 3, stop_h, NULL);
	ck_assert_int_eq(re_main(NULL), 0);
	ck_assert_int_eq(re_fired, 1);
	ck_assert_uint_gt(timer_polls(), polls);

	/* and a timer libre starts inside its own code (the DNS client's
	 * retransmission timer of a UDP query) lands in it too */
	ck_assert_int_eq(sa_set_str(&srv, "127.0.0.1", 9), 0);
	n0 = timer_pending(tmrl_get());
	ck_assert_int_eq(dnsc_alloc(&dnsc, NULL, &srv, 1), 0);
	ck_assert_uint_eq(timer_pending(tmrl_get()), n0);
	ck_assert_int_eq(dnsc_query(&q, dnsc, "example.com", DNS_TYPE_A,
				    DNS_CLASS_IN, true, dns_h, NULL),
			 0);
	ck_assert_uint_eq(timer_pending(tmrl_get()), n0 + 1);
	q = mem_deref(q);
	ck_assert_uint_eq(timer_pending(tmrl_get()), n0);
	dnsc = mem_deref(dnsc);
	ck_assert_uint_eq(timer_pending(tmrl_get()), n0);
}
END_TEST

/* Each event loop thread has its own heap, as libre has its own list */
struct thr {
	struct list *own;
	struct tmr tmr;
	uint32_t pending;
	uint64_t polls;
	int fired;
	int err;
};

static void thr_h(void *arg)
{
	struct thr *th = arg;

	++th->fired;
	re_cancel();
}

static void *thr_main(void *arg)
{
	struct thr *th = arg;

	th->err = re_thread_init();
	if (th->err)
		return NULL;
	th->own = tmrl_get();
	tmr_init(&th->tmr);
	tmr_start(&th->tmr, 2, thr_h, th);
	th->pending = timer_pending(tmrl_get());
	th->err = re_main(NULL);
	th->polls = timer_polls();
	re_thread_close();
	return NULL;
}

START_TEST(tmr_per_thread)
{
	struct thr th;
	struct tmr mine;
	pthread_t tid;
	uint64_t polls = timer_polls();

	memset(&th, 0, sizeof(th));
	tmr_init(&mine);
	tmr_start(&mine, 60000, noop_h, NULL);
	ck_assert_uint_eq(timer_pending(tmrl_get()), 1);

	ck_assert_int_eq(pthread_create(&tid, NULL, thr_main, &th), 0);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_int_eq(th.err, 0);
	ck_assert_ptr_ne(th.own, tmrl_get());
	ck_assert_uint_eq(th.pending, 1);
	ck_assert_int_eq(th.fired, 1);
	ck_assert_uint_gt(th.polls, 0);

	/* this thread's heap and poll count are untouched */
	ck_assert_uint_eq(timer_pending(tmrl_get()), 1);
	ck_assert(tmr_isrunning(&mine));
	ck_assert_uint_eq(timer_polls(), polls);
	tmr_cancel(&mine);
	ck_assert_uint_eq(timer_pending(tmrl_get()), 0);
}
END_TEST

/*
 * Randomized: the same schedule through libre's list (tmr_ref.h) and the
 * heap, on a fake clock. The driver moves the clock, starts, restarts
 * and cancels timers and polls; handlers log their timer and, from a
 * random stream of their own world, restart themselves (0 included),
 * start, restart or cancel others. The two worlds draw the same numbers
 * as long as they fire the same timers in the same order, so one
 * difference shows as different logs. After every poll the logs, the
 * next timeout and every timer's state and expiry must be equal.
 */
struct world;

struct rt_ctx {
	struct world *w;
	uint32_t id;
};

struct world {
	bool ref;
	struct list l;
	uint64_t now;
	uint64_t rng;
	uint32_t nt;
	uint32_t maxdelay;
	struct tmr *t;
	struct rt_ctx *ctx;
	uint32_t *log;
	size_t nlog;
	size_t maxlog;
	uint32_t budget; /* handler actions left: bounds restart chains */
};

static uint32_t rt_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static void rt_handler(void *arg);

static void rt_start(struct world *w, uint32_t i, uint64_t delay)
{
	if (w->ref)
		ref_tmr_start(&w->l, &w->t[i], w->now, delay, rt_handler,
			      &w->ctx[i]);
	else
		timer_start_at(&w->l, &w->t[i], w->now, delay, rt_handler,
			       &w->ctx[i]);
}

static void rt_cancel(struct world *w, uint32_t i)
{
	if (w->ref)
		ref_tmr_cancel(&w->l, &w->t[i]);
	else
		tmr_cancel(&w->t[i]);
}

static void rt_handler(void *arg)
{
	struct rt_ctx *c = arg;
	struct world *w = c->w;
	uint32_t x, other;

	if (tmr_isrunning(&w->t[c->id]))
		ck_abort_msg("timer %u running in its own handler", c->id);
	if (w->nlog < w->maxlog)
		w->log[w->nlog++] = c->id;
	if (!w->budget)
		return;
	--w->budget;

	x = rt_rand(&w->rng);
	other = rt_rand(&w->rng) % w->nt;
	switch (x % 10) {
	case 0:
	case 1:
	case 2:
		rt_start(w, c->id, rt_rand(&w->rng) % (w->maxdelay + 1));
		break;
	case 3:
		rt_start(w, c->id, 0);
		break;
	case 4:
	case 5:
		rt_cancel(w, other);
		break;
	case 6:
		rt_start(w, other, rt_rand(&w->rng) % (w->maxdelay + 1));
		break;
	case 7:
		rt_start(w, other, 0);
		break;
	case 8:
		/* restarted, then cancelled, in one handler */
		rt_start(w, c->id, 1);
		rt_cancel(w, c->id);
		break;
	default:
		break;
	}
}

static void rt_world_init(struct world *w, bool ref, uint32_t nt,
			  uint32_t maxdelay, uint64_t seed, size_t maxlog)
{
	memset(w, 0, sizeof(*w));
	w->ref = ref;
	list_init(&w->l);
	w->now = 1764590000000ULL;
	w->rng = seed;
	w->nt = nt;
	w->maxdelay = maxdelay;
	w->t = calloc(nt, sizeof(*w->t));
	w->ctx = calloc(nt, sizeof(*w->ctx));
	w->log = calloc(maxlog, sizeof(*w->log));
	w->maxlog = maxlog;
	w->budget = 20 * nt;
	ck_assert(w->t && w->ctx && w->log);
	for (uint32_t i = 0; i < nt; i++) {
		tmr_init(&w->t[i]);
		w->ctx[i] = (struct rt_ctx){w, i};
	}
}

static void rt_world_close(struct world *w)
{
	for (uint32_t i = 0; i < w->nt; i++)
		rt_cancel(w, i);
	if (!w->ref)
		assert_list_empty(&w->l);
	ck_assert_ptr_null(w->l.head);
	free(w->t);
	free(w->ctx);
	free(w->log);
}

/* One driver operation, applied to both worlds */
struct rt_op {
	uint8_t kind; /* 0 start, 1 start delay 0, 2 cancel */
	uint32_t id;
	uint64_t delay;
};

static void rt_apply(struct world *w, const struct rt_op *op, size_t n,
		     uint64_t dt)
{
	for (size_t k = 0; k < n; k++) {
		switch (op[k].kind) {
		case 0:
			rt_start(w, op[k].id, op[k].delay);
			break;
		case 1:
			rt_start(w, op[k].id, 0);
			break;
		default:
			rt_cancel(w, op[k].id);
			break;
		}
	}
	w->now += dt;
	if (w->ref)
		ref_tmr_poll(&w->l, w->now);
	else
		timer_poll_at(&w->l, w->now);
}

/* plain comparisons, one assertion on a difference: Check reports every
 * passing assertion to its parent, which would dominate the run */
static void rt_compare(struct world *a, struct world *b, uint32_t step)
{
	uint64_t na = ref_tmr_next_timeout(&a->l, a->now);
	uint64_t nb = timer_next_at(&b->l, b->now);

	if (a->nlog != b->nlog)
		ck_abort_msg("step %u: %zu fired, %zu by the list", step,
			     b->nlog, a->nlog);
	if (memcmp(a->log, b->log, a->nlog * sizeof(*a->log)))
		ck_abort_msg("step %u: firing order differs from the list",
			     step);
	if (na != nb)
		ck_abort_msg("step %u: next timeout %llu, %llu by the list",
			     step, (unsigned long long)nb,
			     (unsigned long long)na);
	for (uint32_t i = 0; i < a->nt; i++) {
		if (tmr_isrunning(&a->t[i]) != tmr_isrunning(&b->t[i]) ||
		    ref_tmr_get_expire(&a->t[i], a->now) !=
			    timer_expire_at(&b->t[i], b->now))
			ck_abort_msg("step %u: timer %u differs", step, i);
	}
}

static size_t rt_run(uint64_t seed, uint32_t nt, uint32_t maxdelay,
		     uint32_t steps)
{
	const size_t maxlog = 400000;
	struct world a, b;
	struct rt_op op[8];
	uint64_t drv = seed * 0x2545f4914f6cdd1dULL + 1;
	size_t fired;

	rt_world_init(&a, true, nt, maxdelay, seed, maxlog);
	rt_world_init(&b, false, nt, maxdelay, seed, maxlog);

	for (uint32_t step = 0; step < steps; step++) {
		size_t n = step == 0 ? 0 : rt_rand(&drv) % 4;
		uint64_t dt = rt_rand(&drv) % 6;

		/* the first step arms every timer */
		if (step == 0) {
			for (uint32_t i = 0; i < nt; i++) {
				struct rt_op o = {
					0, i, rt_rand(&drv) % (maxdelay + 1)};

				rt_apply(&a, &o, 1, 0);
				rt_apply(&b, &o, 1, 0);
			}
		}
		for (size_t k = 0; k < n; k++) {
			uint32_t x = rt_rand(&drv);

			op[k].kind = x % 8 < 5 ? 0 : x % 8 < 6 ? 1 : 2;
			op[k].id = rt_rand(&drv) % nt;
			op[k].delay = rt_rand(&drv) % (maxdelay + 1);
		}
		if (rt_rand(&drv) % 64 == 0)
			dt = maxdelay / 2; /* a late poll */
		rt_apply(&a, op, n, dt);
		rt_apply(&b, op, n, dt);
		rt_compare(&a, &b, step);
	}
	fired = b.nlog;
	ck_assert_uint_lt(fired, maxlog);
	rt_world_close(&a);
	rt_world_close(&b);
	return fired;
}

START_TEST(tmr_random_vs_libre_list)
{
	size_t fired = 0;

	/* few timers and short delays: many equal expiries */
	for (uint64_t seed = 1; seed <= 12; seed++)
		fired += rt_run(seed, 48, 30, 3000);
	/* a larger heap, so that removals sift both ways */
	fired += rt_run(77, 2000, 2500, 2500);
	ck_assert_uint_gt(fired, 10000);
}
END_TEST

extern Suite *tmr_suite(void);

Suite *tmr_suite(void)
{
	Suite *s = suite_create("tmr");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmr_setup, tmr_teardown);
	tcase_set_timeout(tc, fixture_timeout(60));
	tcase_add_test(tc, tmr_expiry_order);
	tcase_add_test(tc, tmr_equal_expiry_start_order);
	tcase_add_test(tc, tmr_handlers_cancel_restart);
	tcase_add_test(tc, tmr_periodic_from_handler);
	tcase_add_test(tc, tmr_zero_delay_next_poll);
	tcase_add_test(tc, tmr_next_timeout_exact);
	tcase_add_test(tc, tmr_get_expire_values);
	tcase_add_test(tc, tmr_far_future_and_huge_delays);
	tcase_add_test(tc, tmr_overwritten_while_armed);
	tcase_add_test(tc, tmr_gauge_published);
	tcase_add_test(tc, tmr_status_text);
	tcase_add_test(tc, tmr_libre_uses_ours);
	tcase_add_test(tc, tmr_per_thread);
	tcase_add_test(tc, tmr_random_vs_libre_list);
	suite_add_tcase(s, tc);
	return s;
}
