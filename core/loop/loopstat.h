/**
 * @file loopstat.h  Every loop's own figures, gathered for /metrics
 *
 * The requestor, listeners, media, speech and audio caches belong to a
 * loop and are read only on its thread. The first loop asks each other
 * loop to write its figures as JSON text on its own thread, and gets
 * them back through a message queue, as updateCall does (update.c).
 */
#ifndef LOOPSTAT_H
#define LOOPSTAT_H

#include <json-c/json.h>

struct app;
struct loop;
struct loopstat;
struct loopstat_job;

/**
 * The answers, on the first loop's thread.
 *
 * @param parts Array indexed by loop (borrowed): loop 0's entry and
 *              those of loops that could not answer are null
 */
typedef void(loopstat_h)(struct json_object *parts, void *arg);

/** Create the gatherer; call on the first loop's thread */
int loopstat_alloc(struct loopstat **sp);

/**
 * Ask loops 1.. for their figures (loop_metrics()); h runs once all
 * have answered, on the first loop's thread.
 *
 * @return 0 (h will run unless cancelled or the loops stop), EINVAL,
 *         ENOMEM, ENOENT when there is no other loop
 */
int loopstat_gather(struct app *app, struct loopstat_job **jp, loopstat_h *h,
		    void *arg);

/** h will not run; the answers still come back and free the job */
void loopstat_cancel(struct loopstat_job *j);

#endif
