/**
 * @file update.c  updateCall on the loop that owns the call
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include <fs/fs_scope.h>
#include <fs/fs_tap.h>
#include <fs/fs_stt.h>
#include <fs/fs_conf.h>
#include "base/log.h"
#include "call/call.h"
#include "call/outcall.h"
#include "loop/loop.h"
#include "loop/registry.h"
#include "loop/shard.h"
#include "loop/update.h"

struct update {
	pthread_mutex_t mtx;
	struct update_job *jobs; /* out to other loops, under mtx */
	struct mqueue *mq;       /* their answers, to the first loop */
};

/*
 * One updateCall handed to another loop; plain data only. The first loop
 * owns it: it travels to the owning loop's thread and back through two
 * message queues, and only the first loop frees it. h and arg are read
 * and written on the first loop only.
 */
struct update_job {
	struct update_job *next, *prev; /* u->jobs, under u->mtx */
	struct update *u;
	unsigned loop;
	char sid[37];
	char *body; /* JSON text */
	uint16_t status;
	char err[300];
	update_h *h; /* NULL once cancelled */
	void *arg;
};

static void update_job_free(struct update_job *j)
{
	struct update *u = j->u;

	pthread_mutex_lock(&u->mtx);
	if (j->prev)
		j->prev->next = j->next;
	else
		u->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	pthread_mutex_unlock(&u->mtx);
	free(j->body);
	free(j);
}

static void update_destructor(void *data)
{
	struct update *u = data;

	/* jobs still travelling when the loops stopped */
	u->mq = mem_deref(u->mq);
	while (u->jobs)
		update_job_free(u->jobs);
	pthread_mutex_destroy(&u->mtx);
}

/* On the first loop: the owning loop answered */
static void update_answer(int id, void *data, void *arg)
{
	struct update_job *j = data;
	update_h *h = j->h;

	(void)id;
	(void)arg;
	j->h = NULL;
	if (h)
		h(j->status, j->err, j->arg);
	update_job_free(j);
}

int update_alloc(struct update **up)
{
	struct update *u;
	int err;

	if (!up)
		return EINVAL;
	u = mem_zalloc(sizeof(*u), update_destructor);
	if (!u)
		return ENOMEM;
	pthread_mutex_init(&u->mtx, NULL);
	/* on the first loop's thread: answers run there */
	err = mqueue_alloc(&u->mq, update_answer, u);
	if (err) {
		mem_deref(u);
		return err;
	}
	*up = u;
	return 0;
}

/*
 * listen_status (or stream_status, its other name) and transcribe_status:
 * "pause" or "resume" the call's listen or transcribe, told by an event
 * on the call's scope; jambonz only logs when no such verb runs, and so
 * do we. The rest of the body goes to outcall_update.
 */
static const struct {
	const char *key, *ev, *verb;
} update_status[] = {
	{"listen_status", FS_EV_LISTEN_STATUS, "listen"},
	{"stream_status", FS_EV_LISTEN_STATUS, "listen"},
	{"transcribe_status", FS_EV_TRANSCRIBE_STATUS, "transcribe"},
};

static bool update_is_status(const char *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(update_status); i++)
		if (!strcmp(k, update_status[i].key))
			return true;
	return false;
}

/*
 * conf_hold_status, conf_mute_status and conferenceParticipantAction,
 * in jambonz's order (one of them), for the call's conference verb: an
 * event on the call's scope with the body. jambonz only logs when the
 * call is in no conference, and so do we.
 *
 * @return 0 when the body has none of them, else the status
 */
static uint16_t update_conf(struct call_env *env, const char *sid,
			    const struct json_object *body, char *err,
			    size_t errsz)
{
	static const struct {
		const char *key, *ev, *a, *b;
	} k[] = {
		{"conf_hold_status", FS_EV_CONF_HOLD, "hold", "unhold"},
		{"conf_mute_status", FS_EV_CONF_MUTE, "mute", "unmute"},
		{"conferenceParticipantAction", FS_EV_CONF_ACTION, NULL, NULL},
		/* POST /v1/conference/{callSid} (rest.c wraps its body) */
		{FS_EV_CONF_START, FS_EV_CONF_START, NULL, NULL},
	};
	struct json_object *v = NULL;
	struct fs_call *c;
	const char *st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(k); i++)
		if (json_object_object_get_ex(body, k[i].key, &v))
			break;
	if (i == ARRAY_SIZE(k))
		return 0;
	if (k[i].a) {
		st = json_object_get_string(v);
		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(st, k[i].a) && strcmp(st, k[i].b))) {
			re_snprintf(err, errsz, "%s must be %s or %s",
				    k[i].key, k[i].a, k[i].b);
			return 400;
		}
	} else if (!strcmp(k[i].key, FS_EV_CONF_START)) {
		c = call_find(env, sid);
		if (!c) {
			re_snprintf(err, errsz, "call %s not found", sid);
			return 404;
		}
		if (fs_scope_emit(c->scope, k[i].ev, v))
			return 202;
		re_snprintf(err, errsz,
			    "conference api failure: indicated call is not "
			    "waiting");
		return 422;
	} else if (!json_object_is_type(v, json_type_object) ||
		   !json_object_object_get_ex(v, "action", NULL)) {
		re_snprintf(err, errsz,
			    "conferenceParticipantAction must be an object "
			    "with an action");
		return 400;
	}
	c = call_find(env, sid);
	if (!c) {
		re_snprintf(err, errsz, "call %s not found", sid);
		return 404;
	}
	if (!fs_scope_emit(c->scope, k[i].ev, k[i].a ? (void *)body : v))
		fs_info("update", "%s: %s: the call is not in a conference",
			sid, k[i].key);
	return 202;
}

static uint16_t update_apply(struct call_env *env, const char *sid,
			     const struct json_object *body, char *err,
			     size_t errsz)
{
	struct json_object *v = NULL, *rest;
	const char *st;
	struct fs_call *c;
	size_t i;
	uint16_t r;

	r = update_conf(env, sid, body, err, errsz);
	if (r)
		return r;
	for (i = 0; i < ARRAY_SIZE(update_status); i++)
		if (json_object_object_get_ex(body, update_status[i].key, &v))
			break;
	if (i == ARRAY_SIZE(update_status))
		return outcall_update(env, sid, body, err, errsz);
	st = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) ||
	    (strcmp(st, "pause") && strcmp(st, "resume"))) {
		re_snprintf(err, errsz, "%s must be pause or resume",
			    update_status[i].key);
		return 400;
	}
	c = call_find(env, sid);
	if (!c) {
		re_snprintf(err, errsz, "call %s not found", sid);
		return 404;
	}
	if (!fs_scope_emit(c->scope, update_status[i].ev, (void *)st))
		fs_info("update", "%s: %s %s: no %s is running", sid,
			update_status[i].key, st, update_status[i].verb);
	rest = json_object_new_object();
	if (!rest) {
		re_snprintf(err, errsz, "out of memory");
		return 503;
	}
	json_object_object_foreach((struct json_object *)body, k, kv)
	{
		if (!update_is_status(k))
			json_object_object_add(rest, k, json_object_get(kv));
	}
	r = json_object_object_length(rest)
		    ? outcall_update(env, sid, rest, err, errsz)
		    : 202;
	json_object_put(rest);
	return r;
}

static void update_send_back(struct update_job *j)
{
	if (mqueue_push(j->u->mq, 0, j))
		fs_warn("update", "%s: answer of loop %u lost", j->sid,
			j->loop);
}

/*
 * sip_request, as jambonz's update-call.js: the REST answer waits for
 * the far end's and carries it, 200 {status, reason}; no answer (a
 * timeout, the dialog gone) is jambonz's error shape, 500 {msg}.
 */
struct update_sipreq {
	struct update_job *j;
	struct fs_listener *bind; /* to the call's scope */
};

static bool update_is_sipreq(const struct json_object *body)
{
	static const char *const first[] = {
		"call_status",
		"whisper",
		"child_call_hook",
		"call_hook",
		"conf_hold_status",
		"conf_mute_status",
		"conferenceParticipantAction",
		FS_EV_CONF_START,
	};

	if (!json_object_object_get_ex(body, "sip_request", NULL))
		return false;
	/* a key handled before it (outcall_update's order) answers 202 */
	for (size_t i = 0; i < ARRAY_SIZE(first); i++)
		if (json_object_object_get_ex(body, first[i], NULL))
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(update_status); i++)
		if (json_object_object_get_ex(body, update_status[i].key,
					      NULL))
			return false;
	return true;
}

static void update_sipreq_h(int err, uint16_t scode, const char *reason,
			    void *arg)
{
	struct update_sipreq *q = arg;
	struct update_job *j = q->j;
	struct json_object *o;

	fs_listener_cancel(q->bind);
	mem_deref(q);
	o = err ? NULL : json_object_new_object();
	if (o) {
		json_object_object_add(o, "status",
				       json_object_new_int(scode));
		json_object_object_add(o, "reason",
				       json_object_new_string(reason));
		j->status = 200;
		str_ncpy(j->err,
			 json_object_to_json_string_ext(
				 o, JSON_C_TO_STRING_PLAIN),
			 sizeof(j->err));
		json_object_put(o);
	} else {
		j->status = 500;
		re_snprintf(j->err, sizeof(j->err),
			    "sip_request: no answer from the far end: %s",
			    err == ETIMEDOUT ? "timeout" : "dialog ended");
	}
	update_send_back(j);
}

/* the call ended first: its request's answer will not come */
static void update_sipreq_release(void *arg)
{
	struct update_sipreq *q = arg;
	struct update_job *j = q->j;

	mem_deref(q);
	j->status = 500;
	re_snprintf(j->err, sizeof(j->err),
		    "sip_request: the call ended before an answer");
	update_send_back(j);
}

static void update_sipreq(struct call_env *env, struct update_job *j,
			  const struct json_object *body)
{
	struct update_sipreq *q = NULL;
	struct json_object *v = NULL;
	struct fs_call *c = call_find(env, j->sid);

	(void)json_object_object_get_ex(body, "sip_request", &v);
	if (!c || c->closing) {
		j->status = 404;
		re_snprintf(j->err, sizeof(j->err), "call %s not found",
			    j->sid);
		goto out;
	}
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q ||
	    fs_scope_bind(c->scope, update_sipreq_release, q, &q->bind)) {
		j->status = 503;
		re_snprintf(j->err, sizeof(j->err), "out of memory");
		goto out;
	}
	q->j = j;
	j->status = outcall_sip_request(c, NULL, v, update_sipreq_h, q, j->err,
					sizeof(j->err));
	if (j->status == 202)
		return;
	/* not sent: jambonz's answer without a stable dialog is 500 */
	if (j->status == 422)
		j->status = 500;
	fs_listener_cancel(q->bind);
out:
	mem_deref(q);
	update_send_back(j);
}

/* On the owning loop's thread: apply, then send the answer back */
static void update_run(struct loop *l, void *arg)
{
	struct update_job *j = arg;
	struct json_object *body = json_tokener_parse(j->body);

	if (update_is_sipreq(body)) {
		update_sipreq(&l->env, j, body);
		json_object_put(body);
		return;
	}
	j->status =
		update_apply(&l->env, j->sid, body, j->err, sizeof(j->err));
	json_object_put(body);
	update_send_back(j);
}

void update_job_cancel(struct update_job *j)
{
	/* the answer still comes back, and frees the job */
	if (j)
		j->h = NULL;
}

uint16_t update_call(struct app *app, const char *sid,
		     const struct json_object *body, struct update_job **jp,
		     update_h *h, void *arg, char *err, size_t errsz)
{
	struct update *u = app->update;
	struct update_job *j;
	int loop = registry_find(app->registry, sid);

	if (loop < 0) {
		re_snprintf(err, errsz, "call %s not found", sid);
		return 404;
	}
	/* a sip_request waits for the far end, even on this loop */
	if (loop == 0 && !update_is_sipreq(body))
		return update_apply(&app->loop->env, sid, body, err, errsz);
	if (!u || (unsigned)loop >= APP_MAX_LOOPS) {
		re_snprintf(err, errsz, "loop %d unavailable", loop);
		return 503;
	}

	j = calloc(1, sizeof(*j));
	if (!j) {
		re_snprintf(err, errsz, "out of memory");
		return 503;
	}
	j->u = u;
	j->loop = (unsigned)loop;
	j->h = h;
	j->arg = arg;
	str_ncpy(j->sid, sid, sizeof(j->sid));
	j->body = strdup(json_object_to_json_string_ext(
		(struct json_object *)body, JSON_C_TO_STRING_PLAIN));
	pthread_mutex_lock(&u->mtx);
	j->next = u->jobs;
	if (u->jobs)
		u->jobs->prev = j;
	u->jobs = j;
	pthread_mutex_unlock(&u->mtx);
	if (j->body && loop == 0) {
		update_run(app->loop, j);
		*jp = j;
		return 0;
	}
	if (!j->body || shard_call(app->shards[loop], update_run, j)) {
		update_job_free(j);
		re_snprintf(err, errsz, "loop %d unavailable", loop);
		return 503;
	}
	*jp = j;
	return 0;
}
