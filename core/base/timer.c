/**
 * @file timer.c  libre's tmr_* API on a 4-ary heap per thread
 *
 * libre 1.1.0 keeps the timers of a thread in a list sorted by expiry
 * and walks it on every tmr_start(): over UDP each finished SIP
 * transaction keeps a 32 s timer, so at a few hundred calls/s every start
 * walks tens of thousands of entries. The executable defines the tmr_*
 * functions instead and exports them (scripts/gen-syms); libre.so calls
 * them through its PLT, so its SIP, DNS and session timers land here as
 * well as ours and the plugins'. tmr_jiffies() and tmrl_get() stay
 * libre's.
 *
 * Why an implicit heap keyed on (expiry, start sequence) rather than a
 * timing wheel:
 * - it reproduces the list's order exactly: the list is sorted by
 *   expiry and a timer goes after those with the same expiry, i.e. by
 *   (jfs, start order), whatever the clock does. tmr_jiffies() is the
 *   wall clock (gettimeofday), so a step back gives timers that expire
 *   "before" the present; a wheel would have to guess where they go;
 * - tmr_next_timeout() is exact to the millisecond by reading the root,
 *   where a hierarchical wheel only knows the slot of a far timer;
 * - no work while idle (no ticking through empty slots, no cascading);
 * - O(log n) start, cancel and expiry on one array of 24-byte entries
 *   that keeps the keys next to each other. Four children per node
 *   rather than two: 9 levels instead of 17 at 100 000 timers, and each
 *   level moved costs a write into a timer (its index) that is usually
 *   not in cache, while the extra comparisons stay within one or two
 *   cache lines of the array (bench/timers: cancel and expiry about
 *   30 % cheaper than with two).
 *
 * Layout in struct tmr (allocated by libre, plugins and us, so it stays
 * as re_tmr.h has it): while armed, le.list is the thread's timer list
 * the timer is on and le.data its index in that list's heap; le.prev
 * and le.next stay NULL. th is non-NULL exactly while armed, which is
 * what tmr_isrunning() reads; jfs is the expiry as in libre.
 *
 * The heap hangs off the thread's struct list (libre's main.c hands it
 * to tmr_poll() and tmr_next_timeout() and touches nothing in it): its
 * head points to the heap, not to a list element. So the heap follows
 * libre's own per-thread choice: a thread without a loop of its own
 * that starts a timer between re_thread_enter() and re_thread_leave()
 * arms it on the main loop, as with libre. The heap is freed when its
 * last timer goes, so re_thread_close() (which frees the thread's
 * context and with it the list) cannot leak it.
 *
 * Deliberate differences from libre 1.1.0, none of which its callers
 * can rely on the other way:
 * - now + delay saturates at UINT64_MAX: libre wraps, and a huge delay
 *   made the timer fire at once;
 * - tmr_next_timeout() answers at most INT_MAX ms: re_main() casts it to
 *   int for epoll_wait(), and a timer more than 24.8 days away made the
 *   loop sleep forever (or a wrapped number of milliseconds);
 * - tmr_status() prints the timers in heap order (the first one is the
 *   next to expire), not sorted.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "base/timer.h"

/* One armed timer; the key is copied from the timer so that sifting
 * compares within the array instead of following pointers */
struct tq_ent {
	uint64_t jfs;
	uint64_t seq; /* start order, breaks ties between equal expiries */
	struct tmr *tmr;
};

struct tq {
	uint32_t n;
	uint32_t cap;
	uint64_t seq; /* next start sequence */
	struct tq_ent v[];
};

enum {
	TQ_CAP_MIN = 64,
	TQ_ARITY = 4,
};

/* tmr_poll() calls of this thread: how tests see that re_main() drives
 * this code and not libre's list */
static __thread uint64_t tq_polls;

/* where this thread publishes its count, or NULL */
static __thread uint32_t *tq_gauge;

static inline struct tq *tq_of(const struct list *tmrl)
{
	return tmrl ? (struct tq *)(void *)tmrl->head : NULL;
}

static inline bool tq_before(const struct tq_ent *a, const struct tq_ent *b)
{
	return a->jfs < b->jfs || (a->jfs == b->jfs && a->seq < b->seq);
}

static inline void tq_place(struct tq *q, uint32_t i, const struct tq_ent *e)
{
	q->v[i] = *e;
	e->tmr->le.data = (void *)(uintptr_t)i;
}

static void tq_sift_up(struct tq *q, uint32_t i, const struct tq_ent *e)
{
	while (i > 0) {
		uint32_t p = (i - 1) / TQ_ARITY;

		if (!tq_before(e, &q->v[p]))
			break;
		tq_place(q, i, &q->v[p]);
		i = p;
	}
	tq_place(q, i, e);
}

static void tq_sift_down(struct tq *q, uint32_t i, const struct tq_ent *e)
{
	for (;;) {
		uint32_t c = TQ_ARITY * i + 1, end = c + TQ_ARITY, m;

		if (c >= q->n)
			break;
		if (end > q->n)
			end = q->n;
		m = c;
		for (++c; c < end; c++) {
			if (tq_before(&q->v[c], &q->v[m]))
				m = c;
		}
		if (!tq_before(&q->v[m], e))
			break;
		tq_place(q, i, &q->v[m]);
		i = m;
	}
	tq_place(q, i, e);
}

/* Move the entry at i to its place after its key changed */
static void tq_fix(struct tq *q, uint32_t i)
{
	const struct tq_ent e = q->v[i];

	if (i > 0 && tq_before(&e, &q->v[(i - 1) / TQ_ARITY]))
		tq_sift_up(q, i, &e);
	else
		tq_sift_down(q, i, &e);
}

/* Drop the entry at i; frees the heap with its last entry. The timer of
 * that entry is not touched. */
static void tq_remove_at(struct list *tmrl, struct tq *q, uint32_t i)
{
	if (--q->n == 0) {
		free(q);
		tmrl->head = NULL;
		return;
	}
	if (i == q->n)
		return;

	q->v[i] = q->v[q->n];
	tq_fix(q, i);
}

/* Where an armed timer's entry is, or NULL when it is not where it says
 * (its memory was overwritten or copied while armed: touching the heap
 * through it would spread the damage) */
static struct tq *tq_find(const struct tmr *tmr, uint32_t *ip)
{
	struct tq *q = tq_of(tmr->le.list);
	uint32_t i = (uint32_t)(uintptr_t)tmr->le.data;

	if (!q || i >= q->n || q->v[i].tmr != tmr)
		return NULL;
	*ip = i;
	return q;
}

static void tq_detach(struct tmr *tmr)
{
	tmr->le.list = NULL;
	tmr->le.data = NULL;
}

static struct tq *tq_reserve(struct list *tmrl)
{
	struct tq *q = tq_of(tmrl);
	uint32_t cap;

	if (q && q->n < q->cap)
		return q;

	cap = q ? q->cap * 2 : TQ_CAP_MIN;
	if (q && q->cap > UINT32_MAX / 2)
		cap = 0;
	q = cap ? realloc(q, sizeof(*q) + (size_t)cap * sizeof(q->v[0]))
		: NULL;
	if (!q) {
		/* tmr_start() cannot report an error, and a timer that never
		 * fires leaves every state machine above it stuck (SIP
		 * transactions would never end): stop loudly instead */
		(void)fprintf(stderr, "tmr_start: no memory for %u timers\n",
			      cap);
		abort();
	}
	if (!tmrl->head) {
		q->n = 0;
		q->seq = 0;
	}
	q->cap = cap;
	tmrl->head = (struct le *)(void *)q;
	return q;
}

void timer_start_at(struct list *tmrl, struct tmr *tmr, uint64_t now,
		    uint64_t delay, tmr_h *th, void *arg)
{
	struct tq *q = NULL;
	uint32_t i = 0;
	struct tq_ent e;

	if (!tmr)
		return;

	if (tmr->th && tmr->le.list)
		q = tq_find(tmr, &i);

	tmr->th = th;
	tmr->arg = arg;

	if (th && tmrl) {
		tmr->jfs = delay > UINT64_MAX - now ? UINT64_MAX : now + delay;

		/* a restart on the same thread (an idle timer pushed back on
		 * every packet, say) moves the entry instead of removing and
		 * adding it */
		if (q && tmr->le.list == tmrl) {
			q->v[i].jfs = tmr->jfs;
			q->v[i].seq = q->seq++;
			tq_fix(q, i);
			return;
		}
	}

	if (q)
		tq_remove_at(tmr->le.list, q, i);
	tq_detach(tmr);

	if (!th)
		return;
	if (!tmrl) {
		tmr->th = NULL;
		return;
	}

	q = tq_reserve(tmrl);
	tmr->le.prev = NULL;
	tmr->le.next = NULL;
	tmr->le.list = tmrl;
	e.jfs = tmr->jfs;
	e.seq = q->seq++;
	e.tmr = tmr;
	++q->n;
	tq_sift_up(q, q->n - 1, &e);
}

void timer_poll_at(struct list *tmrl, uint64_t now)
{
	++tq_polls;

	/* the heap is read again after every handler: it may have started,
	 * cancelled or restarted anything, and the heap may have moved or
	 * gone. A timer started by a handler that is already due (delay 0
	 * within the same millisecond) runs in this poll, after the ones
	 * that were due before it, as with libre's list. */
	for (;;) {
		struct tq *q = tq_of(tmrl);
		struct tmr *tmr;
		tmr_h *th;
		void *arg;
		bool ok;

		if (!q || !q->n || q->v[0].jfs > now)
			break;

		/* the root goes whatever state its timer is in, so that a
		 * damaged entry cannot make this loop spin */
		tmr = q->v[0].tmr;
		ok = tmr->le.list == tmrl && !tmr->le.data;
		tq_remove_at(tmrl, q, 0);
		if (!ok)
			continue;

		th = tmr->th;
		arg = tmr->arg;
		tmr->th = NULL;
		tq_detach(tmr);

		if (th)
			th(arg);
	}
}

uint64_t timer_next_at(const struct list *tmrl, uint64_t now)
{
	const struct tq *q = tq_of(tmrl);
	uint64_t left;

	if (!q || !q->n)
		return 0; /* no timer: wait for I/O alone */

	if (q->v[0].jfs <= now)
		return 1; /* 0 would mean "no timer" to re_main() */

	left = q->v[0].jfs - now;
	return left > INT_MAX ? INT_MAX : left;
}

uint64_t timer_expire_at(const struct tmr *tmr, uint64_t now)
{
	if (!tmr || !tmr->th)
		return 0;

	return tmr->jfs > now ? tmr->jfs - now : 0;
}

uint32_t timer_pending(const struct list *tmrl)
{
	const struct tq *q = tq_of(tmrl);

	return q ? q->n : 0;
}

uint64_t timer_polls(void)
{
	return tq_polls;
}

void timer_gauge_set(uint32_t *gauge)
{
	tq_gauge = gauge;
	if (gauge)
		__atomic_store_n(gauge, timer_pending(tmrl_get()),
				 __ATOMIC_RELAXED);
}

int timer_check(void)
{
	static const struct {
		const char *name;
		void *fn;
	} own[] = {
		{"tmr_init", (void *)tmr_init},
		{"tmr_start", (void *)tmr_start},
		{"tmr_cancel", (void *)tmr_cancel},
		{"tmr_poll", (void *)tmr_poll},
		{"tmr_next_timeout", (void *)tmr_next_timeout},
		{"tmr_get_expire", (void *)tmr_get_expire},
		{"tmr_status", (void *)tmr_status},
		{"tmr_debug", (void *)tmr_debug},
	};

	/* the first definition in the global scope is what libre.so's PLT
	 * binds to: ours only if the executable exports it */
	for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
		if (dlsym(RTLD_DEFAULT, own[i].name) != own[i].fn)
			return ENOSYS;
	}
	return 0;
}


/* libre's API */

void tmr_init(struct tmr *tmr)
{
	if (!tmr)
		return;

	memset(tmr, 0, sizeof(*tmr));
}

void tmr_start(struct tmr *tmr, uint64_t delay, tmr_h *th, void *arg)
{
	if (!tmr)
		return;

	/* a cancel needs neither the list (the timer knows its own) nor
	 * the clock */
	timer_start_at(th ? tmrl_get() : NULL, tmr, th ? tmr_jiffies() : 0,
		       delay, th, arg);
}

void tmr_cancel(struct tmr *tmr)
{
	tmr_start(tmr, 0, NULL, NULL);
}

void tmr_poll(struct list *tmrl)
{
	timer_poll_at(tmrl, tmr_jiffies());
}

uint64_t tmr_next_timeout(struct list *tmrl)
{
	/* re_main() asks right before it sleeps: publishing here, once per
	 * loop iteration rather than on every start and cancel, gives the
	 * count the loop sleeps with */
	if (tq_gauge)
		__atomic_store_n(tq_gauge, timer_pending(tmrl),
				 __ATOMIC_RELAXED);

	return timer_next_at(tmrl, tmr_jiffies());
}

uint64_t tmr_get_expire(const struct tmr *tmr)
{
	if (!tmr || !tmr->th)
		return 0;

	return timer_expire_at(tmr, tmr_jiffies());
}

int tmr_status(struct re_printf *pf, void *unused)
{
	const struct tq *q = tq_of(tmrl_get());
	uint64_t now;
	int err;

	(void)unused;

	/* same text as libre's (api/metrics.c and operators read the
	 * first line), nothing at all when no timer is armed */
	if (!q || !q->n)
		return 0;

	err = re_hprintf(pf, "Timers (%u):\n", q->n);
	now = tmr_jiffies();
	for (uint32_t i = 0; i < q->n; i++) {
		const struct tmr *tmr = q->v[i].tmr;

		err |= re_hprintf(
			pf, "  %p: th=%p expire=%llums\n", (const void *)tmr,
			(void *)tmr->th,
			(unsigned long long)timer_expire_at(tmr, now));
	}
	if (q->n > 100)
		err |= re_hprintf(pf, "    (Dumped Timers: %u)\n", q->n);

	return err;
}

void tmr_debug(void)
{
	if (timer_pending(tmrl_get()))
		(void)re_fprintf(stderr, "%H", tmr_status, NULL);
}
