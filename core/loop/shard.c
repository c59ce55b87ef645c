/**
 * @file shard.c  Event loops 1..SIP_LOOPS-1, each on its own thread
 *
 * A shard is a whole loop (SIP stack, media, requestor, calls) created
 * and run on its thread; libre objects never cross threads. The only
 * cross-thread traffic is SIP over loopback (sipfwd.c) and the messages
 * below: shard_call() work, reloads and the stop.
 */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <re.h>
#include "app.h"
#include "base/log.h"
#include "base/timer.h"
#include "loop/loop.h"
#include "loop/shard.h"
#include "base/worker.h"

#define SHARD_MAX_FDS 65536

struct shard {
	struct app *app;
	unsigned idx;
	pthread_t tid;
	sem_t ready;
	int err;
	struct mqueue *mq; /* written once before ready, then read-only */
	struct loop *loop; /* idem */
	uint64_t cfg_gen;  /* written by the shard, read by loop 0 */
	bool running;
};

enum { SHARD_STOP = 0, SHARD_CALL = 1, SHARD_RECONF = 2 };

/* malloc'd: made on one thread, freed on the shard's */
struct shard_msg {
	shard_h *h;
	void *arg;
};

static void shard_mq(int id, void *data, void *arg)
{
	struct shard *s = arg;

	if (id == SHARD_CALL) {
		struct shard_msg m = *(struct shard_msg *)data;

		free(data);
		m.h(s->loop, m.arg);
		return;
	}
	if (id == SHARD_RECONF) {
		loop_reconf(s->loop,
			    __atomic_load_n(&s->app->cfg, __ATOMIC_ACQUIRE));
		/* every event before this one has run to completion, and
		 * none keeps a configuration pointer across events: the
		 * older ones may go */
		__atomic_store_n(&s->cfg_gen, (uint64_t)(uintptr_t)data,
				 __ATOMIC_RELEASE);
		return;
	}
	loop_close(s->loop);
	re_cancel();
}

struct loop *shard_loop(const struct shard *s)
{
	return s ? s->loop : NULL;
}

int shard_reconf(struct shard *s, uint64_t gen)
{
	if (!s || !s->mq)
		return EINVAL;
	return mqueue_push(s->mq, SHARD_RECONF, (void *)(uintptr_t)gen);
}

uint64_t shard_cfg_gen(const struct shard *s)
{
	return s ? __atomic_load_n(&s->cfg_gen, __ATOMIC_ACQUIRE) : 0;
}

int shard_call(struct shard *s, shard_h *h, void *arg)
{
	struct shard_msg *m;
	int err;

	if (!s || !s->mq || !h)
		return EINVAL;
	m = malloc(sizeof(*m));
	if (!m)
		return ENOMEM;
	m->h = h;
	m->arg = arg;
	err = mqueue_push(s->mq, SHARD_CALL, m);
	if (err)
		free(m);
	return err;
}

static void *shard_main(void *arg)
{
	struct shard *s = arg;
	struct loop *l = NULL;
	int err;

	err = re_thread_init();
	if (err) {
		s->err = err;
		sem_post(&s->ready);
		return NULL;
	}
	(void)fd_setsize(SHARD_MAX_FDS);
	timer_gauge_set(&s->app->loops[s->idx].timers);
	__atomic_store_n(&s->app->loops[s->idx].tid, (int)gettid(),
			 __ATOMIC_RELAXED);
	err = loop_alloc(&l, s->app, s->idx);
	s->loop = l;
	if (!err)
		err = mqueue_alloc(&s->mq, shard_mq, s);
	s->err = err;
	sem_post(&s->ready);
	if (!err)
		(void)re_main(NULL);

	s->loop = NULL;
	l = mem_deref(l);
	s->mq = mem_deref(s->mq);
	if (s->app->workers)
		worker_loop_detach(s->app->workers);
	timer_gauge_set(NULL);
	__atomic_store_n(&s->app->loops[s->idx].timers, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->app->loops[s->idx].tid, 0, __ATOMIC_RELAXED);
	re_thread_close();
	return NULL;
}

static void shard_destructor(void *data)
{
	struct shard *s = data;

	shard_stop(s);
	sem_destroy(&s->ready);
}

int shard_start(struct shard **sp, struct app *app, unsigned idx)
{
	sigset_t all, old;
	struct shard *s;
	int err;

	if (!sp || !app || !idx)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), shard_destructor);
	if (!s)
		return ENOMEM;
	s->app = app;
	s->idx = idx;
	sem_init(&s->ready, 0, 0);

	/* signals belong to the main loop */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&s->tid, NULL, shard_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		mem_deref(s);
		return err;
	}
	s->running = true;
	while (sem_wait(&s->ready) && errno == EINTR)
		;
	if (s->err) {
		err = s->err;
		mem_deref(s);
		return err;
	}
	*sp = s;
	return 0;
}

void shard_stop(struct shard *s)
{
	if (!s || !s->running)
		return;
	if (s->mq)
		(void)mqueue_push(s->mq, 0, NULL);
	pthread_join(s->tid, NULL);
	s->running = false;
}
