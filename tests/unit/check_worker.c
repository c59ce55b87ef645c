/**
 * @file check_worker.c  Worker pool: completions on the submitting loop,
 *                       dedicated queues, several loops, shutdown
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "base/worker.h"

struct job {
	pthread_t worker;    /* thread that ran work() */
	pthread_t completer; /* thread that ran done() */
	int ret;             /* what work() returns */
	int err;             /* what done() got */
	int done;
	unsigned sleep_ms;
};

static int job_work(void *arg)
{
	struct job *j = arg;

	j->worker = pthread_self();
	if (j->sleep_ms)
		usleep(j->sleep_ms * 1000);
	return j->ret;
}

static void job_done(int err, void *arg)
{
	struct job *j = arg;

	j->completer = pthread_self();
	j->err = err;
	j->done++;
}

struct batch {
	struct job *v;
	int n;
};

static int batch_done(void *arg)
{
	struct batch *b = arg;

	for (int i = 0; i < b->n; i++) {
		if (!b->v[i].done)
			return 0;
	}
	return 1;
}

static int64_t metric(struct worker *wp, const char *key)
{
	struct json_object *o = json_object_new_object(), *v;
	int64_t n;

	ck_assert_int_eq(worker_metrics(wp, o), 0);
	ck_assert(json_object_object_get_ex(o, key, &v));
	n = json_object_get_int64(v);
	json_object_put(o);
	return n;
}

START_TEST(worker_pool_basic)
{
	struct job jobs[100];
	struct batch b = {jobs, 100};
	struct worker *wp;

	memset(jobs, 0, sizeof(jobs));
	ck_assert_int_eq(worker_alloc(&wp, 3), 0);
	for (int i = 0; i < 100; i++) {
		jobs[i].ret = i % 7;
		ck_assert_int_eq(worker_submit(wp, WORKER_QUEUE_POOL, job_work,
					       job_done, &jobs[i]),
				 0);
	}
	ck_assert_int_eq(fixture_run_until(batch_done, &b, 5000), 0);
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(jobs[i].done, 1);
		ck_assert_int_eq(jobs[i].err, i % 7);
		ck_assert(!pthread_equal(jobs[i].worker, pthread_self()));
		ck_assert(pthread_equal(jobs[i].completer, pthread_self()));
	}
	ck_assert_int_eq(metric(wp, "done"), 100);
	ck_assert_int_eq(metric(wp, "threads"), 3);
	mem_deref(wp);
}
END_TEST

START_TEST(worker_named_queue)
{
	struct job jobs[50];
	struct batch b = {jobs, 50};
	struct worker *wp;
	uint32_t q1, q2;

	memset(jobs, 0, sizeof(jobs));
	ck_assert_int_eq(worker_alloc(&wp, 2), 0);
	ck_assert_int_eq(worker_queue_add(wp, "single", 1, &q1), 0);
	ck_assert_int_ne(q1, WORKER_QUEUE_POOL);
	ck_assert_int_eq(worker_queue_add(wp, "single", 4, &q2), 0);
	ck_assert_uint_eq(q1, q2);
	ck_assert_int_eq(metric(wp, "threads"), 3);

	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(
			worker_submit(wp, q1, job_work, job_done, &jobs[i]),
			0);
	}
	ck_assert_int_eq(fixture_run_until(batch_done, &b, 5000), 0);
	/* one dedicated thread ran them all */
	for (int i = 1; i < 50; i++)
		ck_assert(pthread_equal(jobs[i].worker, jobs[0].worker));
	mem_deref(wp);
}
END_TEST

/* A second loop that submits its own jobs */
struct loop2 {
	struct worker *wp;
	struct job jobs[20];
	int err;
	pthread_t self;
};

static int loop2_done(void *arg)
{
	struct loop2 *l = arg;
	struct batch b = {l->jobs, 20};

	return batch_done(&b);
}

static void *loop2_main(void *arg)
{
	struct loop2 *l = arg;

	l->self = pthread_self();
	l->err = re_thread_init();
	if (l->err)
		return NULL;
	for (int i = 0; i < 20; i++) {
		l->jobs[i].sleep_ms = 1;
		l->err |= worker_submit(l->wp, WORKER_QUEUE_POOL, job_work,
					job_done, &l->jobs[i]);
	}
	if (!l->err)
		l->err = fixture_run_until(loop2_done, l, 5000);
	worker_loop_detach(l->wp);
	re_thread_close();
	return NULL;
}

START_TEST(worker_two_loops)
{
	struct loop2 l;
	struct job jobs[20];
	struct batch b = {jobs, 20};
	pthread_t tid;

	memset(&l, 0, sizeof(l));
	memset(jobs, 0, sizeof(jobs));
	ck_assert_int_eq(worker_alloc(&l.wp, 2), 0);
	ck_assert_int_eq(pthread_create(&tid, NULL, loop2_main, &l), 0);
	for (int i = 0; i < 20; i++) {
		jobs[i].sleep_ms = 1;
		ck_assert_int_eq(worker_submit(l.wp, WORKER_QUEUE_POOL,
					       job_work, job_done, &jobs[i]),
				 0);
	}
	ck_assert_int_eq(fixture_run_until(batch_done, &b, 5000), 0);
	pthread_join(tid, NULL);
	ck_assert_int_eq(l.err, 0);

	/* each completion ran on the loop that submitted it */
	for (int i = 0; i < 20; i++) {
		ck_assert(pthread_equal(jobs[i].completer, pthread_self()));
		ck_assert_int_eq(l.jobs[i].done, 1);
		ck_assert(pthread_equal(l.jobs[i].completer, l.self));
	}
	mem_deref(l.wp);
}
END_TEST

START_TEST(worker_shutdown_cancels)
{
	struct job jobs[6];
	struct worker *wp;

	memset(jobs, 0, sizeof(jobs));
	ck_assert_int_eq(worker_alloc(&wp, 1), 0);
	jobs[0].sleep_ms = 100;
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(worker_submit(wp, WORKER_QUEUE_POOL, job_work,
					       job_done, &jobs[i]),
				 0);
	}
	usleep(20000); /* the first job is running */

	/* the destructor finishes the running job, cancels the rest */
	mem_deref(wp);
	ck_assert_int_eq(jobs[0].done, 1);
	ck_assert_int_eq(jobs[0].err, 0);
	for (int i = 1; i < 6; i++) {
		ck_assert_int_eq(jobs[i].done, 1);
		ck_assert_int_eq(jobs[i].err, ECANCELED);
	}
}
END_TEST

START_TEST(worker_detach_delivers)
{
	struct job jobs[10];
	struct worker *wp;

	memset(jobs, 0, sizeof(jobs));
	ck_assert_int_eq(worker_alloc(&wp, 1), 0);
	for (int i = 0; i < 10; i++) {
		jobs[i].sleep_ms = 5;
		ck_assert_int_eq(worker_submit(wp, WORKER_QUEUE_POOL, job_work,
					       job_done, &jobs[i]),
				 0);
	}
	usleep(8000);
	worker_loop_detach(wp);
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(jobs[i].done, 1);
		ck_assert(jobs[i].err == 0 || jobs[i].err == ECANCELED);
	}
	ck_assert_int_eq(jobs[0].err, 0);
	ck_assert_int_eq(jobs[9].err, ECANCELED);

	/* a later submit attaches again */
	memset(jobs, 0, sizeof(jobs));
	ck_assert_int_eq(worker_submit(wp, WORKER_QUEUE_POOL, job_work,
				       job_done, &jobs[0]),
			 0);
	{
		struct batch b = {jobs, 1};

		ck_assert_int_eq(fixture_run_until(batch_done, &b, 5000), 0);
	}
	mem_deref(wp);
}
END_TEST

START_TEST(worker_bad_args)
{
	struct worker *wp = NULL;
	struct job j = {0};
	uint32_t q;
	char name[16];

	ck_assert_int_eq(worker_alloc(&wp, 0), EINVAL);
	ck_assert_int_eq(worker_alloc(NULL, 1), EINVAL);
	ck_assert_int_eq(worker_alloc(&wp, 1), 0);
	ck_assert_int_eq(worker_submit(wp, 5, job_work, job_done, &j), EINVAL);
	ck_assert_int_eq(worker_submit(wp, 0, NULL, job_done, &j), EINVAL);
	ck_assert_int_eq(worker_queue_add(wp, "", 1, &q), EINVAL);
	for (int i = 1; i < WORKER_QUEUES_MAX; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		ck_assert_int_eq(worker_queue_add(wp, name, 1, &q), 0);
	}
	ck_assert_int_eq(worker_queue_add(wp, "one-too-many", 1, &q), ENOSPC);
	mem_deref(wp);
	ck_assert_int_eq(j.done, 0);
}
END_TEST

extern Suite *worker_suite(void);

Suite *worker_suite(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("pool");

	tcase_add_checked_fixture(tc, fixture_re_setup, fixture_re_teardown);
	tcase_set_timeout(tc, fixture_timeout(10));
	tcase_add_test(tc, worker_pool_basic);
	tcase_add_test(tc, worker_named_queue);
	tcase_add_test(tc, worker_two_loops);
	tcase_add_test(tc, worker_shutdown_cancels);
	tcase_add_test(tc, worker_detach_delivers);
	tcase_add_test(tc, worker_bad_args);
	suite_add_tcase(s, tc);
	return s;
}
