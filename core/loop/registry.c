/**
 * @file registry.c  Which event loop owns a call, and updates across loops
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
#include "call/outcall.h"
#include "cluster/redisreg.h"
#include "loop/registry.h"
#include "http/req.h"
#include "base/scope.h"
#include "loop/shard.h"

#define REGISTRY_BUCKETS 4096
/* an owner that takes longer than this is as good as gone */
#define REGISTRY_FWD_TIMEOUT_MS 5000

struct registry_entry {
	struct registry_entry *next;
	char sid[37];
	unsigned loop;
};

struct registry {
	pthread_mutex_t mtx;
	struct registry_entry *bucket[REGISTRY_BUCKETS];
	struct registry_job *jobs; /* updateCalls out to other loops */
	struct mqueue *mq;         /* their answers, to the first loop */

	/* scale-out, set once by registry_cluster() before any call */
	struct app *app;
	struct redisreg *rr; /* shared call_sid -> instance, or NULL */

	/* on the first loop only (the REST listener's) */
	struct list fwds;  /* pending registry_fwd */
	uint64_t fwd_sent; /* updateCalls sent on to an owner */
	uint64_t fwd_done; /* ... that the owner answered      */
	uint64_t fwd_lost; /* ... whose owner was unreachable  */
};

/* An updateCall for a call of another instance, sent on to its owner */
struct registry_fwd {
	struct le le; /* in registry->fwds while pending */
	struct registry *r;
	char sid[64];
	char *body; /* JSON sent on */
	struct redisreg_query *q;
	struct fs_scope *scope; /* the HTTP request to the owner */
	registry_fwd_h *h;
	void *arg;
	uint16_t status;
	char *reply; /* the answer, JSON */
};

/*
 * One updateCall handed to another loop; plain data only. The first loop
 * owns it: it travels to the owning loop's thread and back through two
 * message queues, and only the first loop frees it. h and arg are read
 * and written on the first loop only.
 */
struct registry_job {
	struct registry_job *next, *prev; /* r->jobs, under r->mtx */
	struct registry *r;
	char sid[37];
	char *body; /* JSON text */
	uint16_t status;
	char err[300];
	registry_update_h *h; /* NULL once cancelled */
	void *arg;
};

static void registry_job_free(struct registry_job *j)
{
	struct registry *r = j->r;

	pthread_mutex_lock(&r->mtx);
	if (j->prev)
		j->prev->next = j->next;
	else
		r->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	pthread_mutex_unlock(&r->mtx);
	free(j->body);
	free(j);
}

static void registry_destructor(void *data)
{
	struct registry *r = data;

	/* jobs still travelling when the loops stopped */
	r->mq = mem_deref(r->mq);
	while (r->jobs)
		registry_job_free(r->jobs);

	for (size_t i = 0; i < REGISTRY_BUCKETS; i++) {
		struct registry_entry *e = r->bucket[i];

		while (e) {
			struct registry_entry *n = e->next;

			free(e);
			e = n;
		}
	}
	pthread_mutex_destroy(&r->mtx);
	/* after the worker pool (main_stop order): see redisreg_alloc */
	r->rr = mem_deref(r->rr);
}

static void registry_answer(int id, void *data, void *arg);

int registry_alloc(struct registry **rp)
{
	struct registry *r;
	int err;

	if (!rp)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), registry_destructor);
	if (!r)
		return ENOMEM;
	pthread_mutex_init(&r->mtx, NULL);
	list_init(&r->fwds);
	/* on the first loop's thread: answers run there */
	err = mqueue_alloc(&r->mq, registry_answer, r);
	if (err) {
		mem_deref(r);
		return err;
	}
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
	if (r->rr)
		redisreg_set(r->rr, sid);
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
	if (r->rr)
		redisreg_del(r->rr, sid);
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

/* On the owning loop's thread: apply, then send the answer back */
void registry_job_run(struct app *app, unsigned loop, void *arg)
{
	struct registry_job *j = arg;
	struct json_object *body = json_tokener_parse(j->body);

	struct loop *l = loop ? shard_loop(app->shards[loop]) : app->loop;

	j->status =
		outcall_update(&l->env, j->sid, body, j->err, sizeof(j->err));
	json_object_put(body);
	if (mqueue_push(j->r->mq, 0, j))
		fs_warn("registry", "%s: answer of loop %u lost", j->sid,
			loop);
}

/* On the first loop: the owning loop answered */
static void registry_answer(int id, void *data, void *arg)
{
	struct registry_job *j = data;
	registry_update_h *h = j->h;

	(void)id;
	(void)arg;
	j->h = NULL;
	if (h)
		h(j->status, j->err, j->arg);
	registry_job_free(j);
}

void registry_job_cancel(struct registry_job *j)
{
	/* the answer still comes back, and frees the job */
	if (j)
		j->h = NULL;
}

uint16_t registry_update(struct app *app, const char *sid,
			 const struct json_object *body,
			 struct registry_job **jp, registry_update_h *h,
			 void *arg, char *err, size_t errsz)
{
	struct registry *r = app->registry;
	struct registry_job *j;
	int loop = registry_find(r, sid);

	if (loop < 0) {
		re_snprintf(err, errsz, "call %s not found", sid);
		return 404;
	}
	if (loop == 0)
		return outcall_update(&app->loop->env, sid, body, err, errsz);

	j = calloc(1, sizeof(*j));
	if (!j) {
		re_snprintf(err, errsz, "out of memory");
		return 503;
	}
	j->r = r;
	j->h = h;
	j->arg = arg;
	str_ncpy(j->sid, sid, sizeof(j->sid));
	j->body = strdup(json_object_to_json_string_ext(
		(struct json_object *)body, JSON_C_TO_STRING_PLAIN));
	pthread_mutex_lock(&r->mtx);
	j->next = r->jobs;
	if (r->jobs)
		r->jobs->prev = j;
	r->jobs = j;
	pthread_mutex_unlock(&r->mtx);
	if (!j->body || shard_post(app->shards[loop], j)) {
		registry_job_free(j);
		re_snprintf(err, errsz, "loop %d unavailable", loop);
		return 503;
	}
	*jp = j;
	return 0;
}

/* ---- scale-out: the Redis call registry and forwarding ---- */

int registry_cluster(struct registry *r, struct app *app)
{
	const struct cfg *cfg;
	struct redisreg_conf rc;
	char *self = NULL;
	size_t n;
	int err;

	if (!r || !app || !app->cfg || !app->workers)
		return EINVAL;
	cfg = app->cfg;
	r->app = app;
	if (!cfg->redis_host || !*cfg->redis_host)
		return 0;

	if (cfg->instance_rest_url && *cfg->instance_rest_url)
		err = str_dup(&self, cfg->instance_rest_url);
	else
		err = re_sdprintf(
			&self, "http://%s:%u",
			!*cfg->http_addr || !strcmp(cfg->http_addr, "0.0.0.0")
				? "127.0.0.1"
				: cfg->http_addr,
			cfg->http_port);
	if (err)
		return err;
	/* one spelling, so an owner recognises its own URL */
	n = strlen(self);
	while (n && self[n - 1] == '/')
		self[--n] = '\0';

	rc = (struct redisreg_conf){
		.host = cfg->redis_host,
		.port = (uint16_t)cfg->redis_port,
		.ttl_s = cfg->redis_call_ttl,
		.self = self,
	};
	err = redisreg_alloc(&r->rr, app->workers, &rc);
	mem_deref(self);
	if (err)
		fs_error("registry", "Redis call registry: %m", err);
	return err;
}

static void registry_fwd_destructor(void *data)
{
	struct registry_fwd *f = data;

	list_unlink(&f->le);
	redisreg_cancel(f->q);
	if (f->scope)
		fs_scope_close(f->scope);
	mem_deref(f->scope);
	mem_deref(f->body);
	mem_deref(f->reply);
}

/* Settle a forward and tell its owner (rest.c resumes the request) */
static void registry_fwd_finish(struct registry_fwd *f, uint16_t status,
				const char *reply)
{
	registry_fwd_h *h = f->h;
	struct json_object *o;

	if (!f->h)
		return;
	f->q = NULL;
	list_unlink(&f->le);
	f->status = status;
	if (reply && *reply) {
		(void)str_dup(&f->reply, reply);
	} else {
		o = json_object_new_object();
		if (o) {
			json_object_object_add(
				o, "msg",
				json_object_new_string(
					status < 300 ? "accepted" : "failed"));
			(void)str_dup(&f->reply,
				      json_object_to_json_string_ext(
					      o, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
		}
	}
	f->h = NULL;
	h(f->arg);
}

static void registry_fwd_fail(struct registry_fwd *f, uint16_t status,
			      const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "msg", json_object_new_string(msg));
	registry_fwd_finish(
		f, status,
		o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)
		  : NULL);
	json_object_put(o);
}

static void registry_fwd_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct registry_fwd *f = arg;
	char msg[160];

	fs_debug("registry", "%s: owner answered: %m (%u)", f->sid, err,
		 resp ? resp->status : 0);
	if (!err) {
		f->r->fwd_done++;
		registry_fwd_finish(f, resp->status, resp->body);
		return;
	}
	f->r->fwd_lost++;
	if (err == ECONNREFUSED) {
		/* the owner is gone, and its calls with it: forget them */
		fs_warn("registry", "%s: owner unreachable, call gone",
			f->sid);
		redisreg_del(f->r->rr, f->sid);
		re_snprintf(msg, sizeof(msg), "call %s not found", f->sid);
		registry_fwd_fail(f, 404, msg);
		return;
	}
	fs_warn("registry", "%s: owner did not answer: %m", f->sid, err);
	registry_fwd_fail(f, 504, "the owning instance did not answer");
}

static void registry_fwd_lookup(int err, const char *url, void *arg)
{
	struct registry_fwd *f = arg;
	struct registry *r = f->r;
	struct loop *l = r->app->loop;
	struct fs_req_opts opts = {0};
	struct fs_hook hook = {0};
	char *target = NULL, *hdrs = NULL, msg[160];
	const char *key = r->app->cfg->http_api_key;
	int e;

	f->q = NULL;
	if (err == ENOENT || (!err && !strcmp(url, redisreg_self(r->rr)))) {
		/* unknown, or ours and already over */
		re_snprintf(msg, sizeof(msg), "call %s not found", f->sid);
		registry_fwd_fail(f, 404, msg);
		return;
	}
	if (err) {
		fs_warn("registry", "%s: lookup failed: %m", f->sid, err);
		registry_fwd_fail(f, 503, "call registry unavailable");
		return;
	}

	e = re_sdprintf(&target, "%s/v1/updateCall/%s", url, f->sid);
	if (!e)
		e = re_sdprintf(&hdrs, "%s: %s%s%s", REGISTRY_FWD_HEADER,
				redisreg_self(r->rr),
				key && *key ? "\nAuthorization: Bearer " : "",
				key && *key ? key : "");
	if (!e)
		e = scope_alloc_root(&f->scope, l->env.scopes, "updateCall");
	if (!e) {
		hook.url = target;
		hook.method = "POST";
		opts.body = f->body;
		opts.timeout_ms = REGISTRY_FWD_TIMEOUT_MS;
		e = req_send_hdrs(l->env.req, f->scope, &hook, &opts, hdrs,
				  registry_fwd_resp, f);
	}
	if (!e) {
		fs_info("registry", "%s: updateCall sent on to %s", f->sid,
			url);
		r->fwd_sent++;
	}
	mem_deref(target);
	mem_deref(hdrs);
	if (e) {
		fs_warn("registry", "%s: cannot reach %s: %m", f->sid, url, e);
		registry_fwd_fail(f, 503, "cannot reach the owning instance");
	}
}

int registry_forward(struct registry_fwd **fp, struct app *app,
		     const char *sid, const struct json_object *body,
		     const char *forwarded_by, registry_fwd_h *h, void *arg)
{
	struct registry *r;
	struct registry_fwd *f;
	int err;

	if (!fp || !app || !sid || !body || !h)
		return EINVAL;
	r = app->registry;
	if (!r || !r->rr)
		return ENOTSUP;
	/* one hop only: a stale entry must not bounce a request around */
	if (forwarded_by)
		return ENOENT;

	f = mem_zalloc(sizeof(*f), registry_fwd_destructor);
	if (!f)
		return ENOMEM;
	f->r = r;
	f->h = h;
	f->arg = arg;
	str_ncpy(f->sid, sid, sizeof(f->sid));
	err = str_dup(&f->body, json_object_to_json_string_ext(
					(struct json_object *)body,
					JSON_C_TO_STRING_PLAIN));
	if (!err)
		err = redisreg_get(r->rr, sid, registry_fwd_lookup, f, &f->q);
	if (err) {
		mem_deref(f);
		return err;
	}
	list_append(&r->fwds, &f->le, f);
	*fp = f;
	return 0;
}

void registry_fwd_result(const struct registry_fwd *f, uint16_t *status,
			 const char **body)
{
	if (!f)
		return;
	if (status)
		*status = f->status ? f->status : 500;
	if (body)
		*body = f->reply ? f->reply : "{}";
}

void registry_fwd_abort_all(struct registry *r)
{
	struct le *le;

	if (!r)
		return;
	/* each finish unlinks its forward: the loop ends */
	while ((le = list_head(&r->fwds))) {
		struct registry_fwd *f = le->data;

		redisreg_cancel(f->q);
		f->q = NULL;
		if (f->scope)
			fs_scope_close(f->scope);
		registry_fwd_fail(f, 503, "shutting down");
		list_unlink(&f->le);
	}
}

int registry_metrics(const struct registry *r, struct json_object *obj)
{
	struct json_object *o;
	int err = 0;

	if (!obj)
		return EINVAL;
	if (!r || !r->rr)
		return 0;
	o = json_object_new_object();
	if (!o || json_object_object_add(obj, "redis", o)) {
		json_object_put(o);
		return ENOMEM;
	}
	err = redisreg_metrics(r->rr, o);
	o = json_object_new_object();
	if (!o || json_object_object_add(obj, "forwarded", o)) {
		json_object_put(o);
		return ENOMEM;
	}
	err |= json_object_object_add(
		o, "sent", json_object_new_int64((int64_t)r->fwd_sent));
	err |= json_object_object_add(
		o, "answered", json_object_new_int64((int64_t)r->fwd_done));
	err |= json_object_object_add(
		o, "unreachable", json_object_new_int64((int64_t)r->fwd_lost));
	return err ? ENOMEM : 0;
}
