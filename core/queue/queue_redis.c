/**
 * @file queue_redis.c  Queues of the cluster in Redis (queue_redis.h)
 *
 * An operation is a few Redis commands in a row, each answered on the
 * loop (redisreg_ask), bound to the plugin's scope: the scope closing
 * cancels the command waiting and frees it.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_queue.h>
#include "base/log.h"
#include "app.h"
#include "call/call.h"
#include "cluster/cluster.h"
#include "cluster/redisreg.h"
#include "sip/stack.h"
#include "queue/queue.h"
#include "queue/queue_redis.h"
#include "queue/queue_relay.h"

#define QR_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct queue_rop {
	struct fs_call *c;
	struct redisreg *rr;
	struct fs_scope *scope;
	struct fs_listener *bind;
	struct redisreg_query *rq;
	struct queue_relay *relay;
	char *key;
	char *member;
	char *dequeuer;
	bool beep;
	unsigned pos;
	char sid[40];
	fs_queue_place_h *ph;
	fs_queue_take_h *th;
	void *arg;
};

struct redisreg *queue_redis(const struct fs_call *c)
{
	return c && c->env ? cluster_redis(c->env->stk->app->cluster) : NULL;
}

void queue_redis_host(const struct redisreg *rr, char *buf, size_t sz)
{
	const char *s = redisreg_self(rr), *p;
	size_t n;

	p = s ? strstr(s, "://") : NULL;
	p = p ? p + 3 : "127.0.0.1";
	n = strcspn(p, ":/");
	if (n >= sz)
		n = sz - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static void rop_destructor(void *arg)
{
	struct queue_rop *op = arg;

	redisreg_cancel(op->rq);
	mem_deref(op->key);
	mem_deref(op->member);
	mem_deref(op->dequeuer);
}

static void rop_release(void *arg)
{
	struct queue_rop *op = arg;

	op->bind = NULL;
	mem_deref(op);
}

/* The plugin's answer; the operation ends */
static void rop_end(struct queue_rop *op, int err, unsigned pos, unsigned size)
{
	fs_listener_cancel(op->bind);
	op->bind = NULL;
	op->rq = NULL;
	if (op->ph)
		op->ph(err, pos, size, op->arg);
	else if (op->th)
		op->th(err, err ? NULL : op->sid, op->arg);
	mem_deref(op);
}

static int rop_ask(struct queue_rop *op, unsigned argc,
		   const char *const *argv, redisreg_ask_h *h)
{
	op->rq = NULL;
	return redisreg_ask(op->rr, argc, argv, h, op, &op->rq);
}

static int rop_alloc(struct queue_rop **opp, struct redisreg *rr,
		     struct fs_scope *scope, const char *key)
{
	struct queue_rop *op = mem_zalloc(sizeof(*op), rop_destructor);
	int err;

	if (!op)
		return ENOMEM;
	op->rr = rr;
	op->scope = scope;
	err = str_dup(&op->key, key);
	if (!err)
		err = fs_scope_bind(scope, rop_release, op, &op->bind);
	if (err) {
		mem_deref(op);
		return err;
	}
	*opp = op;
	return 0;
}

/* ---- the place: ZRANK, ZCARD ---- */

static void rop_card(int err, const struct json_object *reply, void *arg)
{
	struct queue_rop *op = arg;

	if (!err && !json_object_is_type(reply, json_type_int))
		err = ENOENT;
	rop_end(op, err, op->pos,
		err ? 0 : (unsigned)json_object_get_int64(reply));
}

static void rop_rank(int err, const struct json_object *reply, void *arg)
{
	struct queue_rop *op = arg;
	const char *argv[] = {"ZCARD", op->key};

	if (!err && !json_object_is_type(reply, json_type_int))
		err = ENOENT; /* nil: out of the queue */
	if (!err) {
		op->pos = (unsigned)json_object_get_int64(reply);
		err = rop_ask(op, 2, argv, rop_card);
	}
	if (err)
		rop_end(op, err, 0, 0);
}

int queue_redis_place(struct redisreg *rr, struct fs_scope *scope,
		      const char *key, const char *member, fs_queue_place_h *h,
		      void *arg)
{
	struct queue_rop *op;
	int err = rop_alloc(&op, rr, scope, key);

	if (err)
		return err;
	op->ph = h;
	op->arg = arg;
	{
		const char *argv[] = {"ZRANK", key, member};

		err = rop_ask(op, 3, argv, rop_rank);
	}
	if (err) {
		fs_listener_cancel(op->bind);
		mem_deref(op);
	}
	return err;
}

/* ---- the take: find, ZREM, tell ---- */

static void rop_told(int err, const struct fs_resp *resp, void *arg)
{
	struct queue_rop *op = arg;

	if (!err && resp->status != 202 && resp->status != 200) {
		fs_info("queue", "%s: the instance of %s answered %u",
			fs_call_sid(op->c), op->sid, resp->status);
		err = ENOENT;
	}
	if (err) {
		if (err != ENOENT)
			fs_warn("queue",
				"%s: cannot tell the instance of %s: %m",
				fs_call_sid(op->c), op->sid, err);
		queue_relay_close(op->relay);
		op->relay = NULL;
		err = ENOENT; /* as gone: the agent tries again */
	}
	rop_end(op, err, 0, 0);
}

/* The member is another instance's: POST jambonz's "dequeue" to it */
static int rop_tell(struct queue_rop *op, const char *url)
{
	struct fs_req_opts opts = {0};
	struct fs_hook h = {.url = url};
	struct json_object *b, *d;
	char host[64], addr[64], notify[300];
	int err;

	queue_redis_host(op->rr, host, sizeof(host));
	err = queue_relay_start(op->scope, host, op->sid, NULL, addr,
				sizeof(addr), &op->relay);
	if (err)
		return err;
	b = json_object_new_object();
	if (!b)
		return ENOMEM;
	re_snprintf(notify, sizeof(notify), "%s/v1/dequeue/%s",
		    redisreg_self(op->rr), fs_call_sid(op->c));
	json_object_object_add(b, "event", json_object_new_string("dequeue"));
	json_object_object_add(b, "dequeueSipAddress",
			       json_object_new_string(host));
	json_object_object_add(b, "epUuid",
			       json_object_new_string(fs_call_sid(op->c)));
	json_object_object_add(b, "notifyUrl", json_object_new_string(notify));
	d = op->dequeuer ? json_tokener_parse(op->dequeuer) : NULL;
	if (d)
		json_object_object_add(b, "dequeuer", d);
	json_object_object_add(b, "beep", json_object_new_boolean(op->beep));
	json_object_object_add(b, "mediaAddress",
			       json_object_new_string(addr));
	opts.body = json_object_to_json_string_ext(b, QR_JSON_FLAGS);
	err = fs_req_send(op->c->env->req, op->scope, &h, &opts, rop_told, op);
	json_object_put(b);
	return err;
}

static void rop_removed(int err, const struct json_object *reply, void *arg)
{
	struct queue_rop *op = arg;
	const char *url, *slash;
	char self[300], out[40];

	if (!err && json_object_get_int64(reply) != 1)
		err = ENOENT; /* another agent won it */
	if (err) {
		rop_end(op, err, 0, 0);
		return;
	}
	url = strchr(op->member, ':');
	url = url ? url + 1 : op->member;
	slash = strrchr(url, '/');
	str_ncpy(op->sid, slash ? slash + 1 : url, sizeof(op->sid));
	re_snprintf(self, sizeof(self), "%s/v1/enqueue/",
		    redisreg_self(op->rr));
	if (!strncmp(url, self, strlen(self))) {
		err = queue_take(op->key, op->sid, op->beep, op->dequeuer,
				 NULL, out, sizeof(out));
		rop_end(op, err, 0, 0);
		return;
	}
	fs_info("queue", "%s: %s waits on another instance: %s",
		fs_call_sid(op->c), op->sid, url);
	err = rop_tell(op, url);
	if (err) {
		fs_warn("queue", "%s: cannot take %s: %m", fs_call_sid(op->c),
			op->sid, err);
		queue_relay_close(op->relay);
		op->relay = NULL;
		rop_end(op, err, 0, 0);
	}
}

static void rop_found(int err, const struct json_object *reply, void *arg)
{
	struct queue_rop *op = arg;
	const struct json_object *m = reply;
	const char *argv[3];

	/* ZSCAN: [cursor, [member, score, ...]]; ZRANGE: [member] */
	if (!err && json_object_is_type(m, json_type_array) &&
	    json_object_array_length(m) == 2 &&
	    json_object_is_type(json_object_array_get_idx(m, 1),
				json_type_array))
		m = json_object_array_get_idx(m, 1);
	if (!err && (!json_object_is_type(m, json_type_array) ||
		     !json_object_array_length(m)))
		err = ENOENT;
	if (!err)
		err = str_dup(&op->member,
			      json_object_get_string(
				      json_object_array_get_idx(m, 0)));
	if (!err) {
		argv[0] = "ZREM";
		argv[1] = op->key;
		argv[2] = op->member;
		err = rop_ask(op, 3, argv, rop_removed);
	}
	if (err)
		rop_end(op, err, 0, 0);
}

int queue_redis_take(struct fs_call *c, struct redisreg *rr,
		     struct fs_scope *scope, const char *key, const char *sid,
		     bool beep, const char *dequeuer, fs_queue_take_h *h,
		     void *arg)
{
	struct queue_rop *op;
	char pat[64];
	int err = rop_alloc(&op, rr, scope, key);

	if (err)
		return err;
	op->c = c;
	op->th = h;
	op->arg = arg;
	op->beep = beep;
	if (dequeuer)
		err = str_dup(&op->dequeuer, dequeuer);
	if (!err && sid) {
		const char *argv[] = {"ZSCAN", key,     "0",   "MATCH",
				      pat,     "COUNT", "1000"};

		re_snprintf(pat, sizeof(pat), "*/%s", sid);
		err = rop_ask(op, 7, argv, rop_found);
	} else if (!err) {
		const char *argv[] = {"ZRANGE", key, "0", "0"};

		err = rop_ask(op, 4, argv, rop_found);
	}
	if (err) {
		fs_listener_cancel(op->bind);
		mem_deref(op);
	}
	return err;
}
