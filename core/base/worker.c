/**
 * @file worker.c  Process-wide worker pool for blocking work
 *
 * One mutex guards every queue, lane and job list of a pool: jobs are
 * coarse (milliseconds of synthesis or decoding), so contention is not a
 * concern and a single lock keeps the shutdown paths simple.
 *
 * Completions go back through the submitting thread's lane: the worker
 * appends the finished job to the lane's done list and, when that list
 * was empty, pushes one wake-up on the lane's mqueue. The mqueue carries
 * no data, so nothing is lost when a lane is released with wake-ups in
 * flight, and at most one message per lane sits in its pipe (the pipe
 * can never fill).
 *
 * Memory: jobs and lanes are libre objects of the submitting thread; a
 * worker thread only reads and writes their plain fields under the lock,
 * never changes their reference counts.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/worker.h"
#include "base/log.h"

#define WORKER_THREADS_MAX 64

struct worker_lane {
	struct le le;      /* in worker->lanes while attached */
	struct worker *wp; /* borrowed; the pool outlives its lanes */
	struct mqueue *mq; /* on the owner thread's loop */
	struct list done;  /* finished jobs waiting for delivery */
	uint32_t running;  /* jobs of this lane inside work() */
	bool woken;        /* a wake-up is in the pipe */
};

struct worker_job {
	struct le le; /* in a queue's jobs, then in lane->done */
	struct worker_lane *lane;
	worker_work_h *work;
	worker_done_h *done;
	void *arg;
	int err;
};

struct worker_queue {
	char name[32];
	struct list jobs;
	pthread_cond_t cond; /* signalled when a job is queued or on stop */
	pthread_t *tids;
	uint32_t nthreads;
	uint32_t started; /* threads that were created */
	uint64_t queued;
};

struct worker_thread_arg {
	struct worker *wp;
	struct worker_queue *q;
};

struct worker {
	pthread_mutex_t mtx;
	pthread_cond_t idle; /* signalled when a lane's running job ends */
	pthread_key_t key;   /* thread -> its lane */
	struct worker_queue queues[WORKER_QUEUES_MAX];
	struct worker_thread_arg targs[WORKER_QUEUES_MAX];
	uint32_t nqueues;
	struct list lanes;
	bool stop;
	bool key_ok;
	uint64_t running;
	uint64_t ndone;
	uint64_t ncancelled;
};

/* libre 1.1.0 has no list move: relink element by element */
static void worker_list_move(struct list *dst, struct list *src)
{
	struct le *le;

	while ((le = list_head(src))) {
		void *data = le->data;

		list_unlink(le);
		list_append(dst, le, data);
	}
}

static void *worker_thread(void *arg)
{
	struct worker_thread_arg *ta = arg;
	struct worker *wp = ta->wp;
	struct worker_queue *q = ta->q;

	pthread_mutex_lock(&wp->mtx);
	for (;;) {
		struct worker_job *job;
		struct worker_lane *lane;
		struct le *le;

		le = list_head(&q->jobs);
		while (!wp->stop && !le) {
			pthread_cond_wait(&q->cond, &wp->mtx);
			le = list_head(&q->jobs);
		}
		if (wp->stop)
			break;

		job = le->data;
		list_unlink(&job->le);
		lane = job->lane;
		lane->running++;
		wp->running++;
		pthread_mutex_unlock(&wp->mtx);

		job->err = job->work(job->arg);

		pthread_mutex_lock(&wp->mtx);
		lane->running--;
		wp->running--;
		wp->ndone++;
		list_append(&lane->done, &job->le, job);
		/* a failed wake-up is retried by the lane's next completion */
		if (!lane->woken && !mqueue_push(lane->mq, 0, NULL))
			lane->woken = true;
		pthread_cond_broadcast(&wp->idle);
	}
	pthread_mutex_unlock(&wp->mtx);
	return NULL;
}

/* Run the done handlers of jobs taken off a lane; on its owner thread */
static void worker_deliver(struct list *jobs)
{
	struct le *le;

	while ((le = list_head(jobs))) {
		struct worker_job *job = le->data;

		list_unlink(&job->le);
		if (job->done)
			job->done(job->err, job->arg);
		mem_deref(job);
	}
}

static void worker_lane_wake(int id, void *data, void *arg)
{
	struct worker_lane *lane = arg;
	struct worker *wp = lane->wp;
	struct list jobs = LIST_INIT;

	(void)id;
	(void)data;

	pthread_mutex_lock(&wp->mtx);
	lane->woken = false;
	worker_list_move(&jobs, &lane->done);
	pthread_mutex_unlock(&wp->mtx);

	worker_deliver(&jobs);
}

static void worker_lane_destructor(void *arg)
{
	struct worker_lane *lane = arg;

	mem_deref(lane->mq);
}

/* Move every queued job (or those of one lane) to its lane as cancelled */
static void worker_cancel_queued(struct worker *wp,
				 const struct worker_lane *only)
{
	for (uint32_t i = 0; i < wp->nqueues; i++) {
		struct le *le = list_head(&wp->queues[i].jobs);

		while (le) {
			struct worker_job *job = le->data;

			le = le->next;
			if (only && job->lane != only)
				continue;
			list_unlink(&job->le);
			job->err = ECANCELED;
			wp->ncancelled++;
			list_append(&job->lane->done, &job->le, job);
		}
	}
}

/* Unlink the calling thread's lane; lock held. Returns it or NULL. */
static struct worker_lane *worker_lane_take(struct worker *wp)
{
	struct worker_lane *lane;

	if (!wp->key_ok)
		return NULL;
	lane = pthread_getspecific(wp->key);
	if (!lane)
		return NULL;
	pthread_setspecific(wp->key, NULL);
	list_unlink(&lane->le);
	worker_cancel_queued(wp, lane);
	while (lane->running)
		pthread_cond_wait(&wp->idle, &wp->mtx);
	return lane;
}

static void worker_lane_release(struct worker_lane *lane)
{
	struct list jobs = LIST_INIT;

	/* the lane is unlinked: no worker can reach it any more */
	worker_list_move(&jobs, &lane->done);
	mem_deref(lane);
	worker_deliver(&jobs);
}

void worker_loop_detach(struct worker *wp)
{
	struct worker_lane *lane;

	if (!wp)
		return;
	pthread_mutex_lock(&wp->mtx);
	lane = worker_lane_take(wp);
	pthread_mutex_unlock(&wp->mtx);
	if (lane)
		worker_lane_release(lane);
}

static void worker_destructor(void *arg)
{
	struct worker *wp = arg;
	struct worker_lane *lane;
	struct le *le;

	pthread_mutex_lock(&wp->mtx);
	wp->stop = true;
	for (uint32_t i = 0; i < wp->nqueues; i++)
		pthread_cond_broadcast(&wp->queues[i].cond);
	pthread_mutex_unlock(&wp->mtx);

	/* running jobs finish; queued ones stay queued */
	for (uint32_t i = 0; i < wp->nqueues; i++) {
		struct worker_queue *q = &wp->queues[i];

		for (uint32_t t = 0; t < q->started; t++)
			pthread_join(q->tids[t], NULL);
	}

	pthread_mutex_lock(&wp->mtx);
	worker_cancel_queued(wp, NULL);
	lane = worker_lane_take(wp);
	LIST_FOREACH(&wp->lanes, le) {
		struct worker_lane *other = le->data;

		fs_error("worker",
			 "pool destroyed with a lane still attached"
			 " (%u jobs undelivered): its loop must call"
			 " worker_loop_detach() first",
			 list_count(&other->done));
	}
	pthread_mutex_unlock(&wp->mtx);
	if (lane)
		worker_lane_release(lane);

	for (uint32_t i = 0; i < wp->nqueues; i++) {
		pthread_cond_destroy(&wp->queues[i].cond);
		mem_deref(wp->queues[i].tids);
	}
	if (wp->key_ok)
		pthread_key_delete(wp->key);
	pthread_cond_destroy(&wp->idle);
	pthread_mutex_destroy(&wp->mtx);
}

/* Create a queue and start its threads; lock held */
static int worker_queue_start(struct worker *wp, const char *name,
			      uint32_t nthreads, uint32_t *qidp)
{
	struct worker_queue *q;
	sigset_t all, old;
	uint32_t qid;
	int err = 0;

	if (wp->nqueues >= WORKER_QUEUES_MAX)
		return ENOSPC;
	qid = wp->nqueues;
	q = &wp->queues[qid];
	memset(q, 0, sizeof(*q));
	str_ncpy(q->name, name, sizeof(q->name));
	list_init(&q->jobs);
	q->tids = mem_zalloc(nthreads * sizeof(*q->tids), NULL);
	if (!q->tids)
		return ENOMEM;
	pthread_cond_init(&q->cond, NULL);
	q->nthreads = nthreads;
	wp->targs[qid].wp = wp;
	wp->targs[qid].q = q;
	wp->nqueues++;

	/* signals belong to the loops: workers start with all blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (uint32_t t = 0; t < nthreads; t++) {
		err = pthread_create(&q->tids[t], NULL, worker_thread,
				     &wp->targs[qid]);
		if (err)
			break;
		q->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (err) {
		fs_error("worker", "queue %s: thread start failed: %m", name,
			 err);
		/* threads started so far still serve the queue */
		if (q->started)
			err = 0;
	}
	if (!err && qidp)
		*qidp = qid;
	return err;
}

int worker_alloc(struct worker **wpp, uint32_t nthreads)
{
	struct worker *wp;
	int err;

	if (!wpp || !nthreads || nthreads > WORKER_THREADS_MAX)
		return EINVAL;

	wp = mem_zalloc(sizeof(*wp), worker_destructor);
	if (!wp)
		return ENOMEM;
	pthread_mutex_init(&wp->mtx, NULL);
	pthread_cond_init(&wp->idle, NULL);
	list_init(&wp->lanes);
	err = pthread_key_create(&wp->key, NULL);
	if (err) {
		mem_deref(wp);
		return err;
	}
	wp->key_ok = true;

	pthread_mutex_lock(&wp->mtx);
	err = worker_queue_start(wp, "pool", nthreads, NULL);
	pthread_mutex_unlock(&wp->mtx);
	if (err) {
		mem_deref(wp);
		return err;
	}
	*wpp = wp;
	return 0;
}

int worker_queue_add(struct worker *wp, const char *name, uint32_t nthreads,
		     uint32_t *qidp)
{
	int err;

	if (!wp || !name || !*name || !qidp || !nthreads ||
	    nthreads > WORKER_THREADS_MAX)
		return EINVAL;

	pthread_mutex_lock(&wp->mtx);
	if (wp->stop) {
		err = ESHUTDOWN;
		goto out;
	}
	for (uint32_t i = 0; i < wp->nqueues; i++) {
		if (!strncmp(wp->queues[i].name, name,
			     sizeof(wp->queues[i].name) - 1)) {
			*qidp = i;
			err = 0;
			goto out;
		}
	}
	err = worker_queue_start(wp, name, nthreads, qidp);
out:
	pthread_mutex_unlock(&wp->mtx);
	return err;
}

/* The calling thread's lane, created on first use; lock not held */
static int worker_lane_get(struct worker *wp, struct worker_lane **lanep)
{
	struct worker_lane *lane = pthread_getspecific(wp->key);
	int err;

	if (lane) {
		*lanep = lane;
		return 0;
	}

	lane = mem_zalloc(sizeof(*lane), worker_lane_destructor);
	if (!lane)
		return ENOMEM;
	lane->wp = wp;
	list_init(&lane->done);
	err = mqueue_alloc(&lane->mq, worker_lane_wake, lane);
	if (err) {
		mem_deref(lane);
		return err;
	}
	err = pthread_setspecific(wp->key, lane);
	if (err) {
		mem_deref(lane);
		return err;
	}
	pthread_mutex_lock(&wp->mtx);
	list_append(&wp->lanes, &lane->le, lane);
	pthread_mutex_unlock(&wp->mtx);
	*lanep = lane;
	return 0;
}

int worker_loop_attach(struct worker *wp)
{
	struct worker_lane *lane;

	return wp ? worker_lane_get(wp, &lane) : EINVAL;
}

int worker_submit(struct worker *wp, uint32_t qid, worker_work_h *work,
		  worker_done_h *done, void *arg)
{
	struct worker_lane *lane;
	struct worker_job *job;
	struct worker_queue *q;
	int err;

	if (!wp || !work)
		return EINVAL;

	err = worker_lane_get(wp, &lane);
	if (err)
		return err;

	job = mem_zalloc(sizeof(*job), NULL);
	if (!job)
		return ENOMEM;
	job->lane = lane;
	job->work = work;
	job->done = done;
	job->arg = arg;

	pthread_mutex_lock(&wp->mtx);
	if (wp->stop) {
		err = ESHUTDOWN;
	} else if (qid >= wp->nqueues) {
		err = EINVAL;
	} else {
		q = &wp->queues[qid];
		list_append(&q->jobs, &job->le, job);
		q->queued++;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&wp->mtx);

	if (err)
		mem_deref(job);
	return err;
}

static int worker_add_int(struct json_object *obj, const char *key, int64_t v)
{
	struct json_object *n = json_object_new_int64(v);

	if (!n || json_object_object_add(obj, key, n)) {
		json_object_put(n);
		return ENOMEM;
	}
	return 0;
}

int worker_metrics(struct worker *wp, struct json_object *obj)
{
	struct json_object *qs;
	uint64_t threads = 0, queued = 0;
	int err = 0;

	if (!wp || !obj)
		return EINVAL;
	qs = json_object_new_object();
	if (!qs)
		return ENOMEM;

	pthread_mutex_lock(&wp->mtx);
	for (uint32_t i = 0; i < wp->nqueues; i++) {
		struct worker_queue *q = &wp->queues[i];
		struct json_object *qo = json_object_new_object();
		uint32_t n = list_count(&q->jobs);

		threads += q->started;
		queued += n;
		if (!qo) {
			err = ENOMEM;
			break;
		}
		err |= worker_add_int(qo, "threads", q->started);
		err |= worker_add_int(qo, "queued", n);
		err |= worker_add_int(qo, "submitted", (int64_t)q->queued);
		if (json_object_object_add(qs, q->name, qo)) {
			json_object_put(qo);
			err = ENOMEM;
		}
	}
	err |= worker_add_int(obj, "threads", (int64_t)threads);
	err |= worker_add_int(obj, "queued", (int64_t)queued);
	err |= worker_add_int(obj, "running", (int64_t)wp->running);
	err |= worker_add_int(obj, "done", (int64_t)wp->ndone);
	err |= worker_add_int(obj, "cancelled", (int64_t)wp->ncancelled);
	pthread_mutex_unlock(&wp->mtx);

	if (json_object_object_add(obj, "queues", qs)) {
		json_object_put(qs);
		err = ENOMEM;
	}
	return err ? ENOMEM : 0;
}
