/**
 * @file loopstat.c  Every loop's own figures, gathered for /metrics
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "base/log.h"
#include "loop/loop.h"
#include "loop/loopstat.h"
#include "loop/shard.h"

struct loopstat {
	pthread_mutex_t mtx;
	struct loopstat_job *jobs; /* travelling, under mtx */
	struct mqueue *mq;         /* answers, to the first loop */
};

struct loopstat_part {
	struct loopstat_job *j;
	unsigned idx;
	char *text; /* written on loop idx's thread, then read on the first */
};

/*
 * One gathering; the first loop owns it. Each part travels to its loop
 * and back; the job is freed on the first loop when the last part is
 * back. h and arg are used on the first loop only.
 */
struct loopstat_job {
	struct loopstat_job *next, *prev;
	struct loopstat *s;
	unsigned n, pending;
	loopstat_h *h; /* NULL once cancelled */
	void *arg;
	struct loopstat_part part[APP_MAX_LOOPS];
};

static void loopstat_job_free(struct loopstat_job *j)
{
	struct loopstat *s = j->s;

	pthread_mutex_lock(&s->mtx);
	if (j->prev)
		j->prev->next = j->next;
	else
		s->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	pthread_mutex_unlock(&s->mtx);
	for (unsigned i = 0; i < j->n; i++)
		free(j->part[i].text);
	free(j);
}

static void loopstat_destructor(void *data)
{
	struct loopstat *s = data;

	/* jobs whose loops stopped before answering */
	s->mq = mem_deref(s->mq);
	while (s->jobs)
		loopstat_job_free(s->jobs);
	pthread_mutex_destroy(&s->mtx);
}

static void loopstat_finish(struct loopstat_job *j)
{
	struct json_object *parts;
	loopstat_h *h = j->h;

	j->h = NULL;
	if (h) {
		parts = json_object_new_array_ext((int)j->n);
		for (unsigned i = 0; parts && i < j->n; i++) {
			struct json_object *p =
				j->part[i].text
					? json_tokener_parse(j->part[i].text)
					: NULL;

			if (json_object_array_put_idx(parts, i, p))
				json_object_put(p);
		}
		h(parts, j->arg);
		json_object_put(parts);
	}
	loopstat_job_free(j);
}

/* On the first loop: one loop answered */
static void loopstat_answer(int id, void *data, void *arg)
{
	struct loopstat_part *p = data;
	struct loopstat_job *j = p->j;

	(void)id;
	(void)arg;
	if (!--j->pending)
		loopstat_finish(j);
}

int loopstat_alloc(struct loopstat **sp)
{
	struct loopstat *s;
	int err;

	if (!sp)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), loopstat_destructor);
	if (!s)
		return ENOMEM;
	pthread_mutex_init(&s->mtx, NULL);
	err = mqueue_alloc(&s->mq, loopstat_answer, s);
	if (err) {
		mem_deref(s);
		return err;
	}
	*sp = s;
	return 0;
}

/* On loop idx's thread: its figures as text, then back */
static void loopstat_run(struct loop *l, void *arg)
{
	struct loopstat_part *p = arg;
	struct json_object *doc = json_object_new_object();

	if (doc && !loop_metrics(l, doc))
		p->text = strdup(json_object_to_json_string_ext(
			doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	if (mqueue_push(p->j->s->mq, 0, p))
		fs_warn("loopstat", "figures of loop %u lost", p->idx);
}

void loopstat_cancel(struct loopstat_job *j)
{
	if (j)
		j->h = NULL;
}

int loopstat_gather(struct app *app, struct loopstat_job **jp, loopstat_h *h,
		    void *arg)
{
	struct loopstat *s;
	struct loopstat_job *j;
	unsigned n;

	if (!app || !jp || !h)
		return EINVAL;
	s = app->loopstat;
	n = app->nloops < APP_MAX_LOOPS ? app->nloops : APP_MAX_LOOPS;
	if (!s || n < 2)
		return ENOENT;
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	j->s = s;
	j->n = n;
	j->h = h;
	j->arg = arg;
	j->part[0].j = j;
	/* one count held while sending, so no answer finishes early */
	j->pending = 1;
	pthread_mutex_lock(&s->mtx);
	j->next = s->jobs;
	if (s->jobs)
		s->jobs->prev = j;
	s->jobs = j;
	pthread_mutex_unlock(&s->mtx);
	for (unsigned i = 1; i < n; i++) {
		j->part[i].j = j;
		j->part[i].idx = i;
		if (!app->shards[i])
			continue;
		++j->pending;
		if (shard_call(app->shards[i], loopstat_run, &j->part[i]))
			--j->pending;
	}
	*jp = j;
	/* answers come through the queue, never from inside this call */
	if (!--j->pending) {
		j->pending = 1;
		(void)mqueue_push(s->mq, 0, &j->part[0]);
	}
	return 0;
}
