/**
 * @file cluster.h  Several instances: a call registry in Redis, and
 *                  updateCalls sent on to the instance owning the call
 */
#ifndef CLUSTER_H
#define CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct cluster;
struct json_object;

struct cluster_fwd;
struct sip_stack;

/** Marks an updateCall one instance sent on to another: never again */
#define CLUSTER_FWD_HEADER "X-Fs-Forwarded-By"

/**
 * Share this instance's calls in Redis when JAMBONES_REDIS_HOST is set,
 * ping the jambonz SBCs when JAMBONES_SBCS is (*clp stays NULL when
 * neither is). Call once, after the worker pool and
 * before the first loop takes calls; destroy it after the worker pool.
 *
 * @return 0, EINVAL, ENOMEM
 */
int cluster_alloc(struct cluster **clp, struct app *app);

/**
 * The first loop is up: OPTIONS pings to JAMBONES_SBCS from its SIP
 * stack, and, in a jambonz cluster (JAMBONES_SBCS or the MySQL
 * directory) with Redis, this instance in jambonz's sets (fsUUIDs,
 * <cluster>:active-fs, <cluster>:fs-service-url) until it drains.
 * On that loop; cl may be NULL.
 *
 * @return 0, EINVAL (a bad JAMBONES_SBCS), ENOMEM
 */
int cluster_start(struct cluster *cl, struct sip_stack *stk);

/** Stop pinging and leave jambonz's sets, before the first loop goes */
void cluster_stop(struct cluster *cl);

/** @return true when call statuses go to Redis: Redis in a jambonz
 *          cluster (JAMBONES_SBCS or the MySQL directory); cl may be
 *          NULL */
bool cluster_tracks_calls(const struct cluster *cl);

/**
 * A call status (the webhook payload of call/call_hook.c) into the hash
 * the jambonz api-server lists live calls from: call:<account>:<sid>,
 * in active-call-sids, as realtimedb-helpers' updateCallStatus(). Any
 * loop.
 */
void cluster_call_status(struct cluster *cl, const struct json_object *p);

/** A call of this instance started or ended (any loop; cl may be NULL) */
void cluster_call_add(struct cluster *cl, const char *sid);
void cluster_call_del(struct cluster *cl, const char *sid);

/** Called once the forward has its answer (on the first loop) */
typedef void(cluster_fwd_h)(void *arg);

/**
 * Send an updateCall for a call this instance does not own on to the
 * instance that does, per the Redis registry. On the first loop (the
 * REST listener's). h runs later, exactly once, unless the returned
 * object is freed first; cluster_fwd_result() then has the answer.
 *
 * @param fp           Returns a new reference; freeing it abandons
 * @param forwarded_by The request's CLUSTER_FWD_HEADER value, or NULL
 * @return 0 (h will run), ENOTSUP (no Redis), ENOENT (already sent on
 *         once), ESHUTDOWN, ENOMEM, EINVAL: h will not run
 */
int cluster_forward(struct cluster_fwd **fp, struct app *app, const char *sid,
		    const struct json_object *body, const char *forwarded_by,
		    cluster_fwd_h *h, void *arg);

/** The answer of a finished forward: HTTP status and JSON body */
void cluster_fwd_result(const struct cluster_fwd *f, uint16_t *status,
			const char **body);

/** Finish every pending forward now with 503 (listener shutdown) */
void cluster_fwd_abort_all(struct cluster *cl);

/** Add "redis" and "forwarded" figures to obj when Redis is on */
int cluster_metrics(const struct cluster *cl, struct json_object *obj);

/** @return the Redis client of the cluster, or NULL without Redis */
struct redisreg *cluster_redis(const struct cluster *cl);

#endif
