/**
 * @file queue_api.c  Named queues for plugins (include/fs/fs_queue.h):
 *                    a waiter's member object on its own loop, the
 *                    agent's take, and queue:status
 *
 * A member lives on its call's loop, bound to the plugin's scope; its
 * entry (queue.c) is what other loops see. Answers that jambonz reads
 * from Redis (a place, a take) reach the plugin later on the loop, from
 * a timer of the plugin's scope, so that a plugin never runs inside its
 * own call into the queue, and a Redis backend answers the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_queue.h>
#include "base/log.h"
#include "call/call.h"
#include "call/ws_app.h"
#include "dir/dir_app.h"
#include "sip/stack.h"
#include "cluster/redisreg.h"
#include "queue/queue.h"
#include "queue/queue_redis.h"
#include "queue/queue_relay.h"

#define QUEUE_JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct fs_queue {
	struct fs_call *c;
	struct queue_entry e;
	struct mqueue *mq;
	struct fs_listener *bind;
	fs_queue_h *h;
	void *arg;
	char *sid;
	char esc[300]; /* sid escaped for log lines */
	unsigned joined;
	struct fs_scope *scope; /* the plugin's, borrowed */
	struct redisreg *rr;    /* the cluster's queues, or NULL */
	char *member;           /* its member in Redis */
};

/* An answer on its way to the plugin */
struct queue_op {
	struct fs_listener *bind;
	int err;
	unsigned pos, size;
	char sid[40];
	fs_queue_place_h *ph;
	fs_queue_take_h *th;
	void *arg;
};

static uint64_t queue_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool fs_queue_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > FS_QUEUE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static int queue_key(char **kp, const struct fs_call *c, const char *name)
{
	if (!fs_queue_name_ok(name))
		return EINVAL;
	return re_sdprintf(kp, "queue:%s:%s",
			   c->app && c->app->account_sid ? c->app->account_sid
							 : "",
			   name);
}

static void queue_op_release(void *arg)
{
	struct queue_op *op = arg;

	op->bind = NULL;
	mem_deref(op);
}

static void queue_op_fire(int err, const char *ev, void *data, void *arg)
{
	struct queue_op *op = arg;

	(void)err;
	(void)ev;
	(void)data;
	/* a cancelled binding runs no release */
	fs_listener_cancel(op->bind);
	op->bind = NULL;
	if (op->ph)
		op->ph(op->err, op->pos, op->size, op->arg);
	else if (op->th)
		op->th(op->err, op->err ? NULL : op->sid, op->arg);
	mem_deref(op);
}

/* op's handler from a timer of scope; the scope closing frees it */
static int queue_op_later(struct queue_op *op, struct fs_scope *scope)
{
	int err = fs_scope_bind(scope, queue_op_release, op, &op->bind);

	if (err) {
		mem_deref(op);
		return err;
	}
	/* after the binding: the scope removes the timer first */
	err = fs_scope_listen(scope, NULL, 1, queue_op_fire, op, NULL);
	if (err) {
		fs_listener_cancel(op->bind);
		mem_deref(op);
	}
	return err;
}

/* Out of the queue when still in it; Redis's member too */
static bool queue_out(struct fs_queue *q, unsigned *left)
{
	const char *argv[3];

	if (!queue_remove(&q->e, left))
		return false;
	if (q->rr && q->member) {
		argv[0] = "ZREM";
		argv[1] = q->sid;
		argv[2] = q->member;
		if (redisreg_cmd(q->rr, 3, argv))
			fs_warn("queue", "%s: %s: not removed from Redis",
				fs_call_sid(q->c), q->esc);
	}
	return true;
}

static void queue_destructor(void *arg)
{
	struct fs_queue *q = arg;

	queue_out(q, NULL);
	mem_deref(q->member);
	/* after the entry: nobody pushes to the mqueue any more */
	mem_deref(q->mq);
	free(q->e.dequeuer);
	mem_deref(q->sid);
}

static void queue_release(void *arg)
{
	struct fs_queue *q = arg;

	q->bind = NULL;
	mem_deref(q);
}

static void queue_mq_h(int id, void *data, void *arg)
{
	struct fs_queue *q = arg;

	(void)data;
	if (id != QUEUE_MQ_DEQUEUED)
		return;
	/* taken by an agent of another instance: the media goes between
	 * the two instances' relays */
	if (q->e.peer[0]) {
		char host[64], addr[64];
		int err;

		queue_redis_host(q->rr, host, sizeof(host));
		err = queue_relay_start(q->scope, host, q->e.sid, q->e.peer,
					addr, sizeof(addr), NULL);
		if (err)
			fs_warn("queue",
				"%s: no relay to the agent's "
				"instance: %m",
				fs_call_sid(q->c), err);
	}
	if (q->h)
		q->h(FS_QUEUE_DEQUEUED, q->arg);
}

int fs_queue_join(struct fs_queue **qp, struct fs_call *c,
		  struct fs_scope *scope, const char *name, double priority,
		  fs_queue_h *h, void *arg)
{
	struct fs_queue *q;
	int err;

	if (!qp || !c || !scope || !fs_queue_name_ok(name))
		return EINVAL;
	if (!fs_call_alive(c))
		return ENOTCONN;
	if (fs_scope_closed(scope))
		return ESHUTDOWN;
	q = mem_zalloc(sizeof(*q), queue_destructor);
	if (!q)
		return ENOMEM;
	q->c = c;
	q->h = h;
	q->arg = arg;
	q->scope = scope;
	q->rr = queue_redis(c);
	str_ncpy(q->e.sid, c->sid, sizeof(q->e.sid));
	q->e.prio = queue_score(priority);
	q->e.ms = queue_now_ms();
	err = queue_key(&q->sid, c, name);
	if (!err) {
		fs_log_escape(q->esc, sizeof(q->esc), q->sid);
		err = mqueue_alloc(&q->mq, queue_mq_h, q);
	}
	if (err)
		goto fail;
	q->e.mq = q->mq;
	err = queue_add(q->sid, &q->e, &q->joined);
	if (err)
		goto fail;
	if (q->rr) {
		char prio[32];
		const char *argv[4] = {"ZADD", q->sid, prio, NULL};

		re_snprintf(prio, sizeof(prio), "%.3f", q->e.prio);
		err = re_sdprintf(&q->member, "%llu:%s/v1/enqueue/%s",
				  (unsigned long long)q->e.ms,
				  redisreg_self(q->rr), c->sid);
		argv[3] = q->member;
		if (!err)
			err = redisreg_cmd(q->rr, 4, argv);
		if (err)
			goto fail;
	}
	err = fs_scope_bind(scope, queue_release, q, &q->bind);
	if (err)
		goto fail;
	fs_info("queue", "%s: joined %s on loop %u (%u members, priority %d)",
		c->sid, q->esc, c->env->stk->idx, q->joined, (int)q->e.prio);
	*qp = q;
	return 0;
fail:
	mem_deref(q);
	return err;
}

void fs_queue_leave(struct fs_queue *q, unsigned *left)
{
	unsigned n = 0;

	if (left)
		*left = 0;
	if (!q)
		return;
	if (queue_out(q, &n))
		fs_info("queue", "%s: left %s (%u members left)",
			fs_call_sid(q->c), q->esc, n);
	if (left)
		*left = n;
	if (q->bind)
		fs_listener_cancel(q->bind);
	q->bind = NULL;
	mem_deref(q);
}

int fs_queue_place(struct fs_queue *q, struct fs_scope *scope,
		   fs_queue_place_h *h, void *arg)
{
	struct queue_op *op;

	if (!q || !scope || !h)
		return EINVAL;
	if (q->rr && q->e.q)
		return queue_redis_place(q->rr, scope, q->sid, q->member, h,
					 arg);
	op = mem_zalloc(sizeof(*op), NULL);
	if (!op)
		return ENOMEM;
	op->ph = h;
	op->arg = arg;
	op->err = queue_place(&q->e, &op->pos, &op->size);
	return queue_op_later(op, scope);
}

const char *fs_queue_sid(const struct fs_queue *q)
{
	return q ? q->sid : NULL;
}

unsigned fs_queue_length(const struct fs_queue *q)
{
	if (!q)
		return 0;
	return q->e.taken ? q->e.left : q->joined;
}

bool fs_queue_beep(const struct fs_queue *q)
{
	return q && q->e.beep;
}

struct json_object *fs_queue_dequeuer(const struct fs_queue *q)
{
	return q && q->e.dequeuer ? json_tokener_parse(q->e.dequeuer) : NULL;
}

/* jambonz's call sids; anything else names nobody (and no Redis glob) */
static bool queue_sid_ok(const char *sid)
{
	size_t n = strspn(sid, "0123456789abcdefABCDEF-");

	return n && n < 40 && !sid[n];
}

int fs_queue_take(struct fs_call *c, struct fs_scope *scope, const char *name,
		  const char *call_sid, bool beep, fs_queue_take_h *h,
		  void *arg)
{
	struct redisreg *rr = queue_redis(c);
	const char *text;
	struct json_object *p;
	struct queue_op *op;
	char *key = NULL;
	int err;

	if (!c || !scope || !h)
		return EINVAL;
	err = queue_key(&key, c, name);
	if (err)
		return err;
	op = mem_zalloc(sizeof(*op), NULL);
	p = call_payload(c);
	if (!op || !p) {
		json_object_put(p);
		mem_deref(op);
		mem_deref(key);
		return ENOMEM;
	}
	op->th = h;
	op->arg = arg;
	text = json_object_to_json_string_ext(p, QUEUE_JSON_FLAGS);
	if (call_sid && !queue_sid_ok(call_sid)) {
		op->err = ENOENT;
	} else if (rr) {
		err = queue_redis_take(c, rr, scope, key, call_sid, beep, text,
				       h, arg);
		json_object_put(p);
		mem_deref(key);
		mem_deref(op);
		return err;
	} else {
		op->err = queue_take(key, call_sid, beep, text, NULL, op->sid,
				     sizeof(op->sid));
	}
	json_object_put(p);
	mem_deref(key);
	return queue_op_later(op, scope);
}

int fs_queue_status(struct fs_call *c, struct json_object *fields)
{
	struct fs_req_opts opts = {0};
	const struct dir_hook *sh;
	struct json_object *p;
	struct fs_hook h = {0};
	int err = 0;

	if (!c || !c->app) {
		json_object_put(fields);
		return EINVAL;
	}
	p = call_payload(c);
	if (!p) {
		json_object_put(fields);
		return ENOMEM;
	}
	if (json_object_is_type(fields, json_type_object)) {
		json_object_object_foreach(fields, k, v)
		{
			json_object_object_add(p, k, json_object_get(v));
		}
	}
	json_object_put(fields);
	sh = &c->app->status_hook;
	if (c->ws && !ws_app_url_is_http(sh->url)) {
		err = ws_app_notify(c->ws, "queue:status", p);
	} else if (sh->url && !ws_app_hook_is_ws(sh)) {
		dir_hook_req(sh, &h);
		opts.base_url = c->app->call_hook.url;
		opts.secret = c->app->webhook_secret;
		opts.body =
			json_object_to_json_string_ext(p, QUEUE_JSON_FLAGS);
		err = fs_req_send(c->env->req, NULL, &h, &opts, NULL, NULL);
	}
	json_object_put(p);
	return err;
}

const char *fs_verb_split(const struct json_object *v,
			  const struct json_object **data)
{
	struct json_object *n;

	if (!json_object_is_type(v, json_type_object) || !data)
		return NULL;
	if (json_object_object_get_ex(v, "verb", &n)) {
		*data = v;
		return json_object_get_string(n);
	}
	if (json_object_object_length(v) != 1)
		return NULL;
	json_object_object_foreach((struct json_object *)v, k, val)
	{
		*data = val;
		return k;
	}
	return NULL;
}
