/**
 * @file queue.h  The queues of this instance: plain data shared by every
 *                loop, behind one mutex
 *
 * A member is an entry owned by its waiter's loop (fs_queue, queue_api.c)
 * and linked into its queue while it waits. An agent taking it unlinks
 * it under the lock and pushes FS_QUEUE_DEQUEUED to the waiter's mqueue;
 * the waiter leaving takes the same lock, so it is never pushed to
 * after. The order is jambonz's sorted set's: priority, then join time
 * (then the order of joining, for the same millisecond).
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUEUE_MQ_DEQUEUED 1

struct mqueue;
struct queue_list;

struct queue_entry {
	struct queue_entry *next; /* in its queue, under the lock */
	struct queue_list *q;     /* its queue while linked */
	char sid[40];             /* the waiter's call sid */
	double prio;
	uint64_t ms;  /* when it joined, ms since the epoch */
	uint64_t seq; /* the order of joining */
	struct mqueue *mq;
	unsigned left;  /* set by the taker: the queue's size after */
	bool taken;     /* set by the taker */
	bool beep;      /* set by the taker */
	char *dequeuer; /* set by the taker: its call's fields, JSON text */
	char peer[64];  /* set by a taker on another instance: its relay */
};

/** jambonz's score: a negative priority is 999 */
double queue_score(double priority);

/** @return true when a comes before b in a queue */
bool queue_before(const struct queue_entry *a, const struct queue_entry *b);

/**
 * Link e into the queue key (made on first use) in order.
 *
 * @param size The queue's size afterwards
 * @return 0, EINVAL, EALREADY (linked), ENOMEM
 */
int queue_add(const char *key, struct queue_entry *e, unsigned *size);

/**
 * Unlink e when it is still linked (a queue with no member left is freed).
 *
 * @param size The queue's size afterwards (0 when e was not linked and
 *             its queue is gone)
 * @return true when e was linked
 */
bool queue_remove(struct queue_entry *e, unsigned *size);

/** @return 0 and e's position (from 0) and its queue's size, or ENOENT */
int queue_place(const struct queue_entry *e, unsigned *pos, unsigned *size);

/**
 * Take the first member of key, or the one with call sid sid, and tell
 * it (QUEUE_MQ_DEQUEUED) with beep, dequeuer and peer (the taker's relay
 * on another instance, or NULL), copied. key NULL: any queue (the REST
 * route of a taker on another instance, which names the call only).
 *
 * @param out Gets the member's call sid
 * @return 0, ENOENT (no such member), ENOMEM
 */
int queue_take(const char *key, const char *sid, bool beep,
	       const char *dequeuer, const char *peer, char *out, size_t sz);

/** @return the queue's size (0: no such queue) */
unsigned queue_size(const char *key);

/** @return queues with members on this instance */
unsigned queue_count(void);

#endif
