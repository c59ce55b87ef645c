/**
 * @file worker.h  Process-wide worker pool for blocking work
 *
 * Blocking work (speech synthesis, audio decoding, database calls) runs
 * on a small pool of threads; its completion runs back on the re loop of
 * the thread that submitted it, through one mqueue per submitting loop
 * (a "lane", created on that loop's first submit). Several loops may
 * share one pool.
 *
 * Queues: queue 0 (WORKER_QUEUE_POOL) is served by the pool's shared
 * threads. worker_queue_add() creates a named queue with its own
 * dedicated threads, e.g. one thread for a library that keeps
 * process-wide state (espeak-ng).
 *
 * Contract of a job: work(arg) runs once on a worker thread unless the
 * job is cancelled before it starts; done(err, arg) runs exactly once on
 * the submitting thread, with work's return value, or ECANCELED when the
 * job never started. done runs from the submitting loop, or at the
 * latest inside worker_loop_detach() / the pool's destructor on that
 * thread, which wait for running jobs of the thread to finish.
 *
 * Threads: work() must not mem_ref/mem_deref libre objects owned by a
 * loop. It may create libre objects (mem_zalloc) and hand them over,
 * once, to done() through arg: the Debian libre build has no MEM_DEBUG,
 * so mem_zalloc keeps no global list and such a handover is safe. The
 * pool object itself is not reference counted across threads: allocate
 * and destroy it on one thread; every other loop that submitted must
 * call worker_loop_detach() before the pool is destroyed.
 */
#ifndef WORKER_H
#define WORKER_H

#include <stdint.h>

struct json_object;
struct worker;

/** The shared queue, served by the pool's own threads */
#define WORKER_QUEUE_POOL 0

/** Most queues a pool has, including WORKER_QUEUE_POOL */
#define WORKER_QUEUES_MAX 8

/**
 * Work handler, runs on a worker thread.
 *
 * @param arg Job argument
 * @return 0 or errno, passed to the done handler
 */
typedef int(worker_work_h)(void *arg);

/**
 * Completion handler, runs on the submitting thread.
 *
 * @param err Return value of the work handler, or ECANCELED when the job
 *            was cancelled before it started (shutdown)
 * @param arg Job argument
 */
typedef void(worker_done_h)(int err, void *arg);

/**
 * Allocate a pool and start its shared threads. Destroying it
 * (mem_deref, on the allocating thread) stops taking jobs, lets running
 * jobs finish, joins every thread, cancels queued jobs (ECANCELED) and
 * runs the calling thread's pending done handlers.
 *
 * @param wpp      Returns a new reference
 * @param nthreads Shared threads, 1..64
 * @return 0, EINVAL, ENOMEM, or the pthread_create error
 */
int worker_alloc(struct worker **wpp, uint32_t nthreads);

/**
 * Find or create a named queue with dedicated threads. Idempotent by
 * name: a second call returns the same queue (nthreads is then ignored).
 * Thread safe.
 *
 * @param wp       Pool (borrowed)
 * @param name     Queue name (copied, up to 31 chars)
 * @param nthreads Dedicated threads, 1..64
 * @param qidp     Returns the queue id for worker_submit()
 * @return 0, EINVAL, ENOSPC (WORKER_QUEUES_MAX reached), ESHUTDOWN, or
 *         the pthread_create error
 */
int worker_queue_add(struct worker *wp, const char *name, uint32_t nthreads,
		     uint32_t *qidp);

/**
 * Submit a job. Must be called on a thread with a running (or to be
 * run) re loop: the first submit of a thread creates its lane (an mqueue
 * on that thread's loop).
 *
 * @param wp   Pool (borrowed)
 * @param qid  WORKER_QUEUE_POOL or an id from worker_queue_add()
 * @param work Work handler (worker thread)
 * @param done Completion handler (submitting thread), may be NULL
 * @param arg  Argument of both handlers (borrowed by the pool)
 * @return 0 (done will run), or EINVAL, ENOMEM, ESHUTDOWN (pool
 *         stopping): done will not run
 */
int worker_submit(struct worker *wp, uint32_t qid, worker_work_h *work,
		  worker_done_h *done, void *arg);

/**
 * Give the calling thread its lane now rather than at its first submit,
 * so a loop's descriptors (the lane's queue) are the same before and
 * after its first call.
 *
 * @return 0, EINVAL, ENOMEM, or the queue's error
 */
int worker_loop_attach(struct worker *wp);

/**
 * Release the calling thread's lane: cancel its queued jobs, wait for
 * its running jobs, run every pending done handler now. Call it on each
 * loop thread other than the pool's own before that loop ends. A later
 * submit creates a new lane. No-op when the thread has no lane.
 */
void worker_loop_detach(struct worker *wp);

/**
 * Add "threads", "queued", "running", "done", "cancelled" and per-queue
 * "queues": {name: {threads, queued}} to obj. Thread safe.
 */
int worker_metrics(struct worker *wp, struct json_object *obj);

#endif
