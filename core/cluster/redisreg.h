/**
 * @file redisreg.h  Call registry in Redis: call_sid -> owning instance
 *
 * Instances behind one SIP dispatcher share a Redis key per live call,
 * "fs:call:<call_sid>" = the REST base URL of the instance that owns the
 * call, with a TTL, so that a REST request for the call can be sent on
 * to its owner from any instance.
 *
 * Redis is spoken with blocking hiredis on a dedicated worker queue of
 * one thread: commands run in submission order (a call's SET is never
 * overtaken by its DEL), no event loop ever waits on Redis, and the
 * connection and the set of live calls belong to that one thread. The
 * live set is re-announced whenever the connection comes back (Redis
 * restarted empty) and its TTLs are refreshed every third of the TTL,
 * so entries of an instance that died expire on their own.
 */
#ifndef REDISREG_H
#define REDISREG_H

#include <stdint.h>

struct json_object;
struct redisreg;
struct redisreg_query;
struct worker;

struct redisreg_conf {
	const char *host; /* Redis host (copied)                       */
	uint16_t port;
	uint32_t ttl_s;   /* key lifetime, seconds                    */
	const char *self; /* this instance's REST base URL (copied)   */
};

/**
 * Start the registry client on the calling thread's loop (the refresh
 * timer lives there). Does not wait for Redis: the first command
 * connects, a lost connection is retried at most once a second.
 *
 * Destroy it (mem_deref, on the allocating thread) only after the
 * worker pool: its thread owns the connection until joined.
 *
 * @return 0, EINVAL, ENOMEM, or the error of worker_queue_add()
 */
int redisreg_alloc(struct redisreg **rrp, struct worker *wp,
		   const struct redisreg_conf *conf);

/** Announce a call owned by this instance; any loop thread */
void redisreg_set(struct redisreg *rr, const char *sid);

/** Forget a call; any loop thread */
void redisreg_del(struct redisreg *rr, const char *sid);

/**
 * Lookup result, on the thread that asked.
 *
 * @param err 0 with url set, ENOENT (no such call), or the failure
 *            (ECONNREFUSED Redis unreachable, EPROTO, ECANCELED
 *            shutdown)
 * @param url Owner's REST base URL (borrowed), NULL unless err is 0
 */
typedef void(redisreg_get_h)(int err, const char *url, void *arg);

/**
 * Look a call up. h runs exactly once, later, on the calling thread,
 * unless redisreg_cancel() runs first.
 *
 * @param qp Returns a handle valid until h runs or the cancel
 * @return 0, EINVAL, ENOMEM, ESHUTDOWN (h will not run)
 */
int redisreg_get(struct redisreg *rr, const char *sid, redisreg_get_h *h,
		 void *arg, struct redisreg_query **qp);

/** Drop a pending lookup: its handler will not run. NULL is ignored. */
void redisreg_cancel(struct redisreg_query *q);

/**
 * Send one command of plain string arguments (copied), in submission
 * order with every other: jambonz's keys and sets (cluster.c). Its
 * answer is not read; a failure is logged and counted.
 *
 * @return 0, EINVAL (no argument or more than 48), ENOMEM, ENOSPC
 *         (too many commands waiting: dropped)
 */
int redisreg_cmd(struct redisreg *rr, unsigned argc, const char *const *argv);

/**
 * One command as redisreg_cmd(), whose reply h gets later on the
 * calling thread (unless redisreg_cancel() first): reply is an integer,
 * a string, an array of them or NULL (nil), borrowed; err as for GET.
 *
 * @return 0, EINVAL, ENOMEM, ENOSPC
 */
typedef void(redisreg_ask_h)(int err, const struct json_object *reply,
			     void *arg);
int redisreg_ask(struct redisreg *rr, unsigned argc, const char *const *argv,
		 redisreg_ask_h *h, void *arg, struct redisreg_query **qp);

/** @return this instance's REST base URL (borrowed) */
const char *redisreg_self(const struct redisreg *rr);

/**
 * Add "up", "sets", "dels", "gets", "refreshed", "errors", "dropped",
 * "commands", "live" to obj. Thread safe.
 */
int redisreg_metrics(const struct redisreg *rr, struct json_object *obj);

#endif
