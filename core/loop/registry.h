/**
 * @file registry.h  Which event loop owns a call (call_sid -> loop)
 *
 * REST requests arrive on the first loop; a call may live on another.
 * The registry is the one structure shared by all loops, behind a mutex,
 * holding plain data only.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct json_object;
struct registry;

int registry_alloc(struct registry **rp);
void registry_add(struct registry *r, const char *sid, unsigned loop);
void registry_del(struct registry *r, const char *sid);

/** @return the owning loop, or -1 when the call is not known */
int registry_find(struct registry *r, const char *sid);

struct registry_job;

/** The owning loop's answer to an updateCall (on the first loop) */
typedef void(registry_update_h)(uint16_t status, const char *err, void *arg);

/**
 * Apply an updateCall on the loop that owns the call. A call of the
 * first loop is answered at once; one of another loop is handed to its
 * thread and h runs later on the first loop, without blocking it.
 *
 * @param jp Receives the pending job when 0 is returned; cancel it with
 *           registry_job_cancel() if arg goes away first
 * @return HTTP status (202, 400, 404, 422, 503) with err set on
 *         failure, or 0: h will run exactly once unless cancelled
 */
uint16_t registry_update(struct app *app, const char *sid,
			 const struct json_object *body,
			 struct registry_job **jp, registry_update_h *h,
			 void *arg, char *err, size_t errsz);

/** h of a pending registry_update() will not run (first loop only) */
void registry_job_cancel(struct registry_job *j);

/** Run on the owning loop: the job of registry_update (shard.c) */
void registry_job_run(struct app *app, unsigned loop, void *job);

/* ---- scale-out: several instances share a call registry in Redis ---- */

struct registry_fwd;

/** Marks an updateCall one instance sent on to another: never again */
#define REGISTRY_FWD_HEADER "X-Fs-Forwarded-By"

/**
 * Share this instance's calls in Redis when JAMBONES_REDIS_HOST is set
 * (no-op otherwise). Call once, after the worker pool and before the
 * first loop takes calls; destroy the registry after the worker pool.
 *
 * @return 0, EINVAL, ENOMEM
 */
int registry_cluster(struct registry *r, struct app *app);

/** Called once the forward has its answer (on the first loop) */
typedef void(registry_fwd_h)(void *arg);

/**
 * Send an updateCall for a call this instance does not own on to the
 * instance that does, per the Redis registry. On the first loop (the
 * REST listener's). h runs later, exactly once, unless the returned
 * object is freed first; registry_fwd_result() then has the answer.
 *
 * @param fp           Returns a new reference; freeing it abandons
 * @param forwarded_by The request's REGISTRY_FWD_HEADER value, or NULL
 * @return 0 (h will run), ENOTSUP (no Redis), ENOENT (already sent on
 *         once), ESHUTDOWN, ENOMEM, EINVAL: h will not run
 */
int registry_forward(struct registry_fwd **fp, struct app *app,
		     const char *sid, const struct json_object *body,
		     const char *forwarded_by, registry_fwd_h *h, void *arg);

/** The answer of a finished forward: HTTP status and JSON body */
void registry_fwd_result(const struct registry_fwd *f, uint16_t *status,
			 const char **body);

/** Finish every pending forward now with 503 (listener shutdown) */
void registry_fwd_abort_all(struct registry *r);

/** Add "redis" and "forwarded" figures to obj when Redis is on */
int registry_metrics(const struct registry *r, struct json_object *obj);

#endif
