/**
 * @file registry.c  Which event loop owns a call (call_sid -> loop)
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "base/cfg.h"
#include "base/log.h"
#include "loop/loop.h"
#include "cluster/cluster.h"
#include "loop/registry.h"
#include "http/req.h"
#include "base/scope.h"

#define REGISTRY_BUCKETS 4096

struct registry_entry {
	struct registry_entry *next;
	char sid[37];
	unsigned loop;
};

struct registry {
	pthread_mutex_t mtx;
	struct registry_entry *bucket[REGISTRY_BUCKETS];
	struct cluster *cl; /* shared with other instances, or NULL */
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

int registry_alloc(struct registry **rp, struct cluster *cl)
{
	struct registry *r;

	if (!rp)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), registry_destructor);
	if (!r)
		return ENOMEM;
	pthread_mutex_init(&r->mtx, NULL);
	r->cl = cl;
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
	/* one entry per sid: a second add moves it, so that one del
	 * forgets the call */
	for (struct registry_entry **pp = &r->bucket[i]; *pp;
	     pp = &(*pp)->next) {
		if (!strcmp((*pp)->sid, e->sid)) {
			struct registry_entry *old = *pp;

			*pp = old->next;
			free(old);
			break;
		}
	}
	e->next = r->bucket[i];
	r->bucket[i] = e;
	pthread_mutex_unlock(&r->mtx);
	cluster_call_add(r->cl, sid);
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
	cluster_call_del(r->cl, sid);
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
