/**
 * @file registry.c  Which event loop owns a call, and updates across loops
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "log.h"
#include "loop.h"
#include "outcall.h"
#include "registry.h"
#include "shard.h"

#define REGISTRY_BUCKETS 4096
#define REGISTRY_WAIT_MS 2000

struct registry_entry {
	struct registry_entry *next;
	char sid[37];
	unsigned loop;
};

struct registry {
	pthread_mutex_t mtx;
	struct registry_entry *bucket[REGISTRY_BUCKETS];
};

/* One updateCall handed to another loop; plain data only */
struct registry_job {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	char sid[37];
	char *body; /* JSON text */
	uint16_t status;
	char err[300];
	bool done;
	bool abandoned; /* the waiter gave up: the runner frees */
};

static void registry_destructor(void *data)
{
	struct registry *r = data;

	for (size_t i = 0; i < REGISTRY_BUCKETS; i++) {
		struct registry_entry *e = r->bucket[i];

		while (e) {
			struct registry_entry *n = e->next;

			free(e);
			e = n;
		}
	}
	pthread_mutex_destroy(&r->mtx);
}

int registry_alloc(struct registry **rp)
{
	struct registry *r;

	if (!rp)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), registry_destructor);
	if (!r)
		return ENOMEM;
	pthread_mutex_init(&r->mtx, NULL);
	*rp = r;
	return 0;
}

static size_t registry_slot(const char *sid)
{
	return hash_joaat_str(sid) % REGISTRY_BUCKETS;
}

void registry_add(struct registry *r, const char *sid, unsigned loop)
{
	struct registry_entry *e;
	size_t i;

	if (!r || !sid)
		return;
	/* malloc, not mem_zalloc: entries are freed by whichever thread
	 * ends the call, and read by others */
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	str_ncpy(e->sid, sid, sizeof(e->sid));
	e->loop = loop;
	i = registry_slot(sid);
	pthread_mutex_lock(&r->mtx);
	e->next = r->bucket[i];
	r->bucket[i] = e;
	pthread_mutex_unlock(&r->mtx);
}

void registry_del(struct registry *r, const char *sid)
{
	struct registry_entry **pp, *e;

	if (!r || !sid)
		return;
	pthread_mutex_lock(&r->mtx);
	for (pp = &r->bucket[registry_slot(sid)]; (e = *pp); pp = &e->next) {
		if (!strcmp(e->sid, sid)) {
			*pp = e->next;
			free(e);
			break;
		}
	}
	pthread_mutex_unlock(&r->mtx);
}

int registry_find(struct registry *r, const char *sid)
{
	struct registry_entry *e;
	int loop = -1;

	if (!r || !sid)
		return -1;
	pthread_mutex_lock(&r->mtx);
	for (e = r->bucket[registry_slot(sid)]; e; e = e->next) {
		if (!strcmp(e->sid, sid)) {
			loop = (int)e->loop;
			break;
		}
	}
	pthread_mutex_unlock(&r->mtx);
	return loop;
}

static void registry_job_free(struct registry_job *j)
{
	pthread_mutex_destroy(&j->mtx);
	pthread_cond_destroy(&j->cond);
	free(j->body);
	free(j);
}

void registry_job_run(struct app *app, unsigned loop, void *arg)
{
	struct registry_job *j = arg;
	struct json_object *body = json_tokener_parse(j->body);
	char err[300] = "";
	uint16_t status;
	bool abandoned;

	status = outcall_update(loop ? shard_loop(app->shards[loop])
				     : app->loop,
				j->sid, body, err, sizeof(err));
	json_object_put(body);
	pthread_mutex_lock(&j->mtx);
	j->status = status;
	str_ncpy(j->err, err, sizeof(j->err));
	j->done = true;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->mtx);
	if (abandoned)
		registry_job_free(j);
}

uint16_t registry_update(struct app *app, const char *sid,
			 const struct json_object *body, char *err,
			 size_t errsz)
{
	struct registry_job *j;
	struct timespec until;
	int loop = registry_find(app->registry, sid);
	uint16_t status;
	bool done;

	if (loop < 0) {
		re_snprintf(err, errsz, "call %s not found", sid);
		return 404;
	}
	if (loop == 0)
		return outcall_update(app->loop, sid, body, err, errsz);

	j = calloc(1, sizeof(*j));
	if (!j)
		return 503;
	pthread_mutex_init(&j->mtx, NULL);
	pthread_cond_init(&j->cond, NULL);
	str_ncpy(j->sid, sid, sizeof(j->sid));
	j->body = strdup(json_object_to_json_string_ext(
		(struct json_object *)body, JSON_C_TO_STRING_PLAIN));
	if (!j->body || shard_post(app->shards[loop], j)) {
		registry_job_free(j);
		re_snprintf(err, errsz, "loop %d unavailable", loop);
		return 503;
	}

	/* the owning loop answers within microseconds unless it is
	 * overloaded; never wait forever on it */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REGISTRY_WAIT_MS / 1000;
	pthread_mutex_lock(&j->mtx);
	while (!j->done &&
	       pthread_cond_timedwait(&j->cond, &j->mtx, &until) != ETIMEDOUT)
		;
	done = j->done;
	if (!done)
		j->abandoned = true;
	pthread_mutex_unlock(&j->mtx);
	if (!done) {
		re_snprintf(err, errsz, "loop %d did not answer", loop);
		return 503;
	}
	status = j->status;
	str_ncpy(err, j->err, errsz);
	registry_job_free(j);
	return status;
}
