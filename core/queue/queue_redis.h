/**
 * @file queue_redis.h  Queues of the cluster in Redis, in jambonz's
 *                      layout (@jambonz/realtimedb-helpers' sorted sets)
 *
 * A queue is the sorted set "queue:<account_sid>:<name>"; a member is
 * "<join ms>:<service url>/v1/enqueue/<call sid>" scored by its
 * priority, so Redis orders by priority, then join time. Its position
 * is ZRANK, its queue's size ZCARD. An agent takes the first member
 * (ZRANGE 0 0, or ZSCAN for a call sid) and wins it when its ZREM
 * removes it; a member of this instance is then told directly, one of
 * another is told by a POST to its URL (jambonz's event "dequeue"),
 * and the media of the two goes between the instances' relays
 * (queue_relay.h).
 */
#ifndef QUEUE_REDIS_H
#define QUEUE_REDIS_H

#include <stdbool.h>
#include <fs/fs_queue.h>

struct fs_call;
struct fs_scope;
struct redisreg;

/** @return the cluster's Redis client when queues are shared, or NULL */
struct redisreg *queue_redis(const struct fs_call *c);

/** The host of this instance's service URL, for its relays */
void queue_redis_host(const struct redisreg *rr, char *buf, size_t sz);

/** The member's place: ZRANK, then ZCARD; h later on the loop */
int queue_redis_place(struct redisreg *rr, struct fs_scope *scope,
		      const char *key, const char *member, fs_queue_place_h *h,
		      void *arg);

/** Take a member as fs_queue_take() does */
int queue_redis_take(struct fs_call *c, struct redisreg *rr,
		     struct fs_scope *scope, const char *key, const char *sid,
		     bool beep, const char *dequeuer, fs_queue_take_h *h,
		     void *arg);

#endif
