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

/**
 * Apply an updateCall on the loop that owns the call, waiting for its
 * answer (bounded).
 *
 * @return HTTP status (202, 400, 404, 422, 503) with err set on failure
 */
uint16_t registry_update(struct app *app, const char *sid,
			 const struct json_object *body, char *err,
			 size_t errsz);

/** Run on the owning loop: the job of registry_update (shard.c) */
void registry_job_run(struct app *app, unsigned loop, void *job);

#endif
