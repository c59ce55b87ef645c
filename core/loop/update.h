/**
 * @file update.h  updateCall on the loop that owns the call
 *
 * REST requests arrive on the first loop; the call may live on another.
 * The update travels to the owning loop's thread as plain data, runs
 * there (outcall_update) and its answer comes back to the first loop
 * through a message queue, without blocking either loop.
 */
#ifndef UPDATE_H
#define UPDATE_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct json_object;
struct update;
struct update_job;

/** Make the first loop's end of the queues; on the first loop's thread */
int update_alloc(struct update **up);

/** The owning loop's answer to an updateCall (on the first loop) */
typedef void(update_h)(uint16_t status, const char *err, void *arg);

/**
 * Apply an updateCall on the loop that owns the call. A call of the
 * first loop is answered at once; one of another loop is handed to its
 * thread and h runs later on the first loop, without blocking it.
 *
 * @param jp Receives the pending job when 0 is returned; cancel it with
 *           update_job_cancel() if arg goes away first
 * @return HTTP status (202, 400, 404, 422, 503) with err set on
 *         failure, or 0: h will run exactly once unless cancelled
 */
uint16_t update_call(struct app *app, const char *sid,
		     const struct json_object *body, struct update_job **jp,
		     update_h *h, void *arg, char *err, size_t errsz);

/** h of a pending update_call() will not run (first loop only) */
void update_job_cancel(struct update_job *j);

#endif
