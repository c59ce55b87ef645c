/**
 * @file queue.c  The queues of this instance (queue.h)
 *
 * One mutex for the list of queues and their members: a queue operation
 * is a walk of a short list, never a call into anything else but
 * mqueue_push (a write to a pipe).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "queue/queue.h"

struct queue_list {
	struct queue_list *next;
	char *key;
	struct queue_entry *head;
	unsigned n;
};

static struct {
	pthread_mutex_t mtx;
	struct queue_list *queues;
	uint64_t seq;
} reg = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

double queue_score(double priority)
{
	return priority >= 0 ? priority : 999;
}

bool queue_before(const struct queue_entry *a, const struct queue_entry *b)
{
	if (a->prio != b->prio)
		return a->prio < b->prio;
	if (a->ms != b->ms)
		return a->ms < b->ms;
	return a->seq < b->seq;
}

/* Under reg.mtx */
static struct queue_list *queue_find(const char *key)
{
	struct queue_list *q;

	for (q = reg.queues; q; q = q->next)
		if (!strcmp(q->key, key))
			return q;
	return NULL;
}

/* Under reg.mtx: a queue whose last member went */
static void queue_drop(struct queue_list *q)
{
	struct queue_list **pp;

	if (q->head)
		return;
	for (pp = &reg.queues; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	free(q->key);
	free(q);
}

/* Under reg.mtx */
static void queue_unlink(struct queue_entry *e)
{
	struct queue_list *q = e->q;
	struct queue_entry **pp;

	for (pp = &q->head; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			q->n--;
			break;
		}
	}
	e->next = NULL;
	e->q = NULL;
}

int queue_add(const char *key, struct queue_entry *e, unsigned *size)
{
	struct queue_entry **pp;
	struct queue_list *q;

	if (!key || !e)
		return EINVAL;
	if (e->q)
		return EALREADY;
	pthread_mutex_lock(&reg.mtx);
	q = queue_find(key);
	if (!q) {
		q = calloc(1, sizeof(*q));
		if (q)
			q->key = strdup(key);
		if (!q || !q->key) {
			free(q);
			pthread_mutex_unlock(&reg.mtx);
			return ENOMEM;
		}
		q->next = reg.queues;
		reg.queues = q;
	}
	e->seq = ++reg.seq;
	for (pp = &q->head; *pp && !queue_before(e, *pp); pp = &(*pp)->next)
		;
	e->next = *pp;
	*pp = e;
	e->q = q;
	q->n++;
	if (size)
		*size = q->n;
	pthread_mutex_unlock(&reg.mtx);
	return 0;
}

bool queue_remove(struct queue_entry *e, unsigned *size)
{
	struct queue_list *q;
	bool was;

	if (size)
		*size = 0;
	if (!e)
		return false;
	pthread_mutex_lock(&reg.mtx);
	q = e->q;
	was = q != NULL;
	if (q) {
		queue_unlink(e);
		if (size)
			*size = q->n;
		queue_drop(q);
	}
	pthread_mutex_unlock(&reg.mtx);
	return was;
}

int queue_place(const struct queue_entry *e, unsigned *pos, unsigned *size)
{
	const struct queue_entry *x;
	unsigned i = 0;
	int err = ENOENT;

	pthread_mutex_lock(&reg.mtx);
	if (e && e->q) {
		for (x = e->q->head; x && x != e; x = x->next)
			i++;
		*pos = i;
		*size = e->q->n;
		err = 0;
	}
	pthread_mutex_unlock(&reg.mtx);
	return err;
}

int queue_take(const char *key, const char *sid, bool beep,
	       const char *dequeuer, const char *peer, char *out, size_t sz)
{
	struct queue_entry *e = NULL;
	struct queue_list *q;
	char *by = NULL;

	if (!key && !sid)
		return EINVAL;
	if (dequeuer && !(by = strdup(dequeuer)))
		return ENOMEM;
	pthread_mutex_lock(&reg.mtx);
	for (q = key ? queue_find(key) : reg.queues; q && !e;
	     q = key ? NULL : q->next)
		for (e = q->head; e && sid && strcmp(e->sid, sid); e = e->next)
			;
	if (e) {
		q = e->q;
		queue_unlink(e);
		e->left = q->n;
		e->taken = true;
		queue_drop(q);
		e->beep = beep;
		free(e->dequeuer);
		e->dequeuer = by;
		by = NULL;
		str_ncpy(e->peer, peer ? peer : "", sizeof(e->peer));
		str_ncpy(out, e->sid, sz);
		mqueue_push(e->mq, QUEUE_MQ_DEQUEUED, NULL);
	}
	pthread_mutex_unlock(&reg.mtx);
	free(by);
	return e ? 0 : ENOENT;
}

unsigned queue_size(const char *key)
{
	struct queue_list *q;
	unsigned n;

	pthread_mutex_lock(&reg.mtx);
	q = queue_find(key);
	n = q ? q->n : 0;
	pthread_mutex_unlock(&reg.mtx);
	return n;
}

unsigned queue_count(void)
{
	struct queue_list *q;
	unsigned n = 0;

	pthread_mutex_lock(&reg.mtx);
	for (q = reg.queues; q; q = q->next)
		n++;
	pthread_mutex_unlock(&reg.mtx);
	return n;
}
