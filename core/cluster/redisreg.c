/**
 * @file redisreg.c  Call registry in Redis: call_sid -> owning instance
 *
 * Everything that touches Redis runs in work handlers of one dedicated
 * worker queue ("redis", one thread): the hiredis context, the set of
 * live calls and the reconnect state are only ever used from that
 * thread, so they need no lock. Loops only submit commands (plain data)
 * and read the statistics, which are atomics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <hiredis.h>
#include <re.h>
#include <json-c/json.h>
#include "base/log.h"
#include "cluster/redisreg.h"
#include "base/worker.h"

#define REDISREG_LOG     "redis"
#define REDISREG_PREFIX  "fs:call:"
#define REDISREG_SID_MAX 64
#define REDISREG_URL_MAX 512
#define REDISREG_BUCKETS 4096

enum {
	REDISREG_TIMEOUT_MS = 500,    /* connect and each reply         */
	REDISREG_RETRY_MS = 1000,     /* between connect attempts       */
	REDISREG_MAX_PENDING = 20000, /* queued commands before drops   */
	REDISREG_BATCH = 256,         /* pipelined commands per flush   */
};

/* A live call of this instance: only the Redis thread touches these */
struct redisreg_live {
	struct redisreg_live *next;
	char sid[REDISREG_SID_MAX];
};

struct redisreg_stats {
	uint64_t sets;
	uint64_t dels;
	uint64_t gets;
	uint64_t refreshed;
	uint64_t errors;
	uint64_t dropped;
	uint64_t cmds;
	uint64_t live;
	uint32_t pending;
	bool up;
};

struct redisreg {
	struct worker *wp; /* borrowed: outlives us per redisreg_alloc */
	uint32_t qid;
	char *host;
	uint16_t port;
	uint32_t ttl_s;
	char *self;
	struct tmr refresh; /* on the allocating loop */

	/* the Redis thread's own state */
	redisContext *ctx;
	uint64_t retry_at; /* monotonic ms of the next connect attempt */
	bool was_down;     /* log once per outage, not per command    */
	struct redisreg_live *bucket[REDISREG_BUCKETS];

	struct redisreg_stats st; /* atomics */
};

enum redisreg_op {
	REDISREG_SET,
	REDISREG_DEL,
	REDISREG_GET,
	REDISREG_REFRESH,
	REDISREG_CMD,
	REDISREG_ASK, /* a CMD whose reply is read (redisreg_ask) */
};

#define REDISREG_ARGS_MAX 48

/* One command: a libre object of the submitting thread, plain data */
struct redisreg_job {
	struct redisreg *rr;
	enum redisreg_op op;
	char sid[REDISREG_SID_MAX];
	char url[REDISREG_URL_MAX]; /* GET: the answer */
	struct redisreg_query *q;   /* GET: the asker's handle */
	/* CMD: the arguments, NUL-separated in one buffer */
	char *args;
	unsigned argc;
	struct json_object *reply; /* ASK: the reply */
};

struct redisreg_query {
	struct redisreg_job *job; /* NULL once answered or cancelled */
	redisreg_ask_h *ah;
	redisreg_get_h *h;
	void *arg;
};

#define RR_ADD(p, n) __atomic_add_fetch(p, n, __ATOMIC_RELAXED)
#define RR_SUB(p, n) __atomic_sub_fetch(p, n, __ATOMIC_RELAXED)
#define RR_GET(p)    __atomic_load_n(p, __ATOMIC_RELAXED)
#define RR_PUT(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)

static uint64_t redisreg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t redisreg_slot(const char *sid)
{
	return hash_joaat_str(sid) % REDISREG_BUCKETS;
}

/* ---- the Redis thread ---- */

static void redisreg_live_add(struct redisreg *rr, const char *sid)
{
	size_t i = redisreg_slot(sid);
	struct redisreg_live *e;

	for (e = rr->bucket[i]; e; e = e->next) {
		if (!strcmp(e->sid, sid))
			return;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	str_ncpy(e->sid, sid, sizeof(e->sid));
	e->next = rr->bucket[i];
	rr->bucket[i] = e;
	RR_ADD(&rr->st.live, 1);
}

static void redisreg_live_del(struct redisreg *rr, const char *sid)
{
	struct redisreg_live **pp, *e;

	for (pp = &rr->bucket[redisreg_slot(sid)]; (e = *pp); pp = &e->next) {
		if (!strcmp(e->sid, sid)) {
			*pp = e->next;
			free(e);
			RR_SUB(&rr->st.live, 1);
			return;
		}
	}
}

static void redisreg_drop_ctx(struct redisreg *rr, const char *what)
{
	if (rr->ctx) {
		fs_warn(REDISREG_LOG, "%s: %s", what,
			rr->ctx->err ? rr->ctx->errstr : "no reply");
		redisFree(rr->ctx);
		rr->ctx = NULL;
	}
	RR_PUT(&rr->st.up, false);
	RR_ADD(&rr->st.errors, 1);
	rr->was_down = true;
	rr->retry_at = redisreg_now_ms() + REDISREG_RETRY_MS;
}

/* Read the replies of queued pipelined commands */
static bool redisreg_flush(struct redisreg *rr, uint32_t *queued)
{
	for (; *queued; --*queued) {
		void *reply = NULL;

		if (redisGetReply(rr->ctx, &reply) != REDIS_OK)
			return false;
		freeReplyObject(reply);
		RR_ADD(&rr->st.refreshed, 1);
	}
	return true;
}

/*
 * Send one command per live call (SET on reconnect, EXPIRE on refresh),
 * pipelined in bounded batches. Returns false when the connection broke.
 */
static bool redisreg_announce(struct redisreg *rr, bool set)
{
	uint32_t queued = 0;

	for (size_t i = 0; i < REDISREG_BUCKETS; i++) {
		for (struct redisreg_live *e = rr->bucket[i]; e; e = e->next) {
			if (set)
				redisAppendCommand(
					rr->ctx,
					"SET " REDISREG_PREFIX "%s %s EX %u",
					e->sid, rr->self, rr->ttl_s);
			else
				redisAppendCommand(rr->ctx,
						   "EXPIRE " REDISREG_PREFIX
						   "%s %u",
						   e->sid, rr->ttl_s);
			if (++queued == REDISREG_BATCH &&
			    !redisreg_flush(rr, &queued))
				return false;
		}
	}
	return redisreg_flush(rr, &queued);
}

/* The connection, (re)made when needed; NULL while Redis is away */
static redisContext *redisreg_conn(struct redisreg *rr)
{
	struct timeval tv = {0, REDISREG_TIMEOUT_MS * 1000};
	redisContext *ctx;

	if (rr->ctx)
		return rr->ctx;
	/* fail fast while down: commands queue behind a slow connect */
	if (redisreg_now_ms() < rr->retry_at)
		return NULL;

	ctx = redisConnectWithTimeout(rr->host, rr->port, tv);
	if (!ctx || ctx->err) {
		if (!rr->was_down)
			fs_warn(REDISREG_LOG, "cannot reach %s:%u: %s",
				rr->host, rr->port,
				ctx ? ctx->errstr : "out of memory");
		if (ctx)
			redisFree(ctx);
		rr->was_down = true;
		rr->retry_at = redisreg_now_ms() + REDISREG_RETRY_MS;
		RR_ADD(&rr->st.errors, 1);
		return NULL;
	}
	(void)redisSetTimeout(ctx, tv);
	rr->ctx = ctx;
	RR_PUT(&rr->st.up, true);
	fs_info(REDISREG_LOG, "connected to %s:%u", rr->host, rr->port);

	/* Redis may have restarted empty: tell it about our calls again */
	if (rr->was_down && !redisreg_announce(rr, true)) {
		redisreg_drop_ctx(rr, "re-announcing calls");
		return NULL;
	}
	rr->was_down = false;
	return rr->ctx;
}

/* A reply as JSON: integers, strings (null for nil) and arrays of them */
static struct json_object *redisreg_json(const redisReply *r)
{
	struct json_object *a;

	switch (r->type) {
	case REDIS_REPLY_INTEGER:
		return json_object_new_int64(r->integer);
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		return json_object_new_string_len(r->str, (int)r->len);
	case REDIS_REPLY_ARRAY:
		a = json_object_new_array();
		for (size_t i = 0; a && i < r->elements; i++)
			json_object_array_add(a, redisreg_json(r->element[i]));
		return a;
	default:
		return NULL;
	}
}

static int redisreg_work(void *arg)
{
	struct redisreg_job *job = arg;
	struct redisreg *rr = job->rr;
	redisReply *reply = NULL;
	redisContext *ctx;
	int err = 0;

	if (job->op == REDISREG_SET)
		redisreg_live_add(rr, job->sid);
	else if (job->op == REDISREG_DEL)
		redisreg_live_del(rr, job->sid);

	ctx = redisreg_conn(rr);
	if (!ctx)
		return ECONNREFUSED;

	switch (job->op) {
	case REDISREG_SET:
		reply = redisCommand(ctx, "SET " REDISREG_PREFIX "%s %s EX %u",
				     job->sid, rr->self, rr->ttl_s);
		break;
	case REDISREG_DEL:
		reply = redisCommand(ctx, "DEL " REDISREG_PREFIX "%s",
				     job->sid);
		break;
	case REDISREG_GET:
		reply = redisCommand(ctx, "GET " REDISREG_PREFIX "%s",
				     job->sid);
		break;
	case REDISREG_ASK:
	case REDISREG_CMD: {
		const char *argv[REDISREG_ARGS_MAX];
		size_t argvlen[REDISREG_ARGS_MAX];
		const char *a = job->args;

		for (unsigned i = 0; i < job->argc; i++) {
			argv[i] = a;
			argvlen[i] = strlen(a);
			a += argvlen[i] + 1;
		}
		reply = redisCommandArgv(ctx, (int)job->argc, argv, argvlen);
		RR_ADD(&rr->st.cmds, 1);
		break;
	}
	case REDISREG_REFRESH:
		if (!redisreg_announce(rr, false)) {
			redisreg_drop_ctx(rr, "refreshing calls");
			return EPROTO;
		}
		return 0;
	}
	if (!reply) {
		redisreg_drop_ctx(rr, "command failed");
		return EPROTO;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		fs_warn(REDISREG_LOG, "%s", reply->str);
		RR_ADD(&rr->st.errors, 1);
		err = EPROTO;
	} else if (job->op == REDISREG_ASK) {
		job->reply = redisreg_json(reply);
	} else if (job->op == REDISREG_GET) {
		if (reply->type != REDIS_REPLY_STRING)
			err = ENOENT;
		else if (reply->len >= sizeof(job->url))
			err = EPROTO;
		else
			str_ncpy(job->url, reply->str, sizeof(job->url));
	}
	freeReplyObject(reply);
	return err;
}

/* ---- the submitting loops ---- */

static void redisreg_done(int err, void *arg)
{
	struct redisreg_job *job = arg;
	struct redisreg_query *q = job->q;

	RR_SUB(&job->rr->st.pending, 1);
	if (q) {
		q->job = NULL;
		if (q->ah)
			q->ah(err, job->reply, q->arg);
		else if (q->h)
			q->h(err, err ? NULL : job->url, q->arg);
		mem_deref(q);
	}
	mem_deref(job);
}

static void redisreg_job_destructor(void *data)
{
	struct redisreg_job *job = data;

	mem_deref(job->args);
	json_object_put(job->reply);
}

static int redisreg_submit_job(struct redisreg *rr, enum redisreg_op op,
			       const char *sid, struct redisreg_query *q,
			       char *args, unsigned argc)
{
	struct redisreg_job *job;
	int err;

	if (!rr || (op != REDISREG_REFRESH && op != REDISREG_CMD &&
		    op != REDISREG_ASK && (!sid || !*sid))) {
		mem_deref(args);
		return EINVAL;
	}
	/* a Redis that stopped answering must not grow memory without
	 * bound: past the cap commands are dropped (TTLs clean up) */
	if (RR_ADD(&rr->st.pending, 1) > REDISREG_MAX_PENDING) {
		RR_SUB(&rr->st.pending, 1);
		RR_ADD(&rr->st.dropped, 1);
		mem_deref(args);
		return ENOSPC;
	}
	job = mem_zalloc(sizeof(*job), redisreg_job_destructor);
	if (!job) {
		RR_SUB(&rr->st.pending, 1);
		mem_deref(args);
		return ENOMEM;
	}
	job->rr = rr;
	job->op = op;
	job->q = q;
	job->args = args;
	job->argc = argc;
	if (sid)
		str_ncpy(job->sid, sid, sizeof(job->sid));
	err = worker_submit(rr->wp, rr->qid, redisreg_work, redisreg_done,
			    job);
	if (err) {
		RR_SUB(&rr->st.pending, 1);
		mem_deref(job);
		return err;
	}
	if (q)
		q->job = job;
	return 0;
}

static int redisreg_submit(struct redisreg *rr, enum redisreg_op op,
			   const char *sid, struct redisreg_query *q)
{
	return redisreg_submit_job(rr, op, sid, q, NULL, 0);
}

static int redisreg_args(char **ap, unsigned argc, const char *const *argv)
{
	size_t len = 0, off = 0;
	char *args;

	if (!argc || argc > REDISREG_ARGS_MAX || !argv)
		return EINVAL;
	for (unsigned i = 0; i < argc; i++) {
		if (!argv[i])
			return EINVAL;
		len += strlen(argv[i]) + 1;
	}
	args = mem_alloc(len, NULL);
	if (!args)
		return ENOMEM;
	for (unsigned i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		memcpy(args + off, argv[i], n);
		off += n;
	}
	*ap = args;
	return 0;
}

int redisreg_cmd(struct redisreg *rr, unsigned argc, const char *const *argv)
{
	char *args = NULL;
	int err = rr ? redisreg_args(&args, argc, argv) : EINVAL;

	if (err)
		return err;
	return redisreg_submit_job(rr, REDISREG_CMD, NULL, NULL, args, argc);
}

int redisreg_ask(struct redisreg *rr, unsigned argc, const char *const *argv,
		 redisreg_ask_h *h, void *arg, struct redisreg_query **qp)
{
	struct redisreg_query *q;
	char *args = NULL;
	int err;

	if (!rr || !h || !qp)
		return EINVAL;
	err = redisreg_args(&args, argc, argv);
	if (err)
		return err;
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q) {
		mem_deref(args);
		return ENOMEM;
	}
	q->ah = h;
	q->arg = arg;
	err = redisreg_submit_job(rr, REDISREG_ASK, NULL, q, args, argc);
	if (err) {
		mem_deref(q);
		return err;
	}
	*qp = q;
	return 0;
}

void redisreg_set(struct redisreg *rr, const char *sid)
{
	if (!redisreg_submit(rr, REDISREG_SET, sid, NULL))
		RR_ADD(&rr->st.sets, 1);
}

void redisreg_del(struct redisreg *rr, const char *sid)
{
	if (!redisreg_submit(rr, REDISREG_DEL, sid, NULL))
		RR_ADD(&rr->st.dels, 1);
}

int redisreg_get(struct redisreg *rr, const char *sid, redisreg_get_h *h,
		 void *arg, struct redisreg_query **qp)
{
	struct redisreg_query *q;
	int err;

	if (!rr || !h || !qp)
		return EINVAL;
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q)
		return ENOMEM;
	q->h = h;
	q->arg = arg;
	err = redisreg_submit(rr, REDISREG_GET, sid, q);
	if (err) {
		mem_deref(q);
		return err == ENOSPC ? ESHUTDOWN : err;
	}
	RR_ADD(&rr->st.gets, 1);
	*qp = q;
	return 0;
}

void redisreg_cancel(struct redisreg_query *q)
{
	/* the job still holds q and frees it when it completes */
	if (q) {
		q->h = NULL;
		q->ah = NULL;
	}
}

const char *redisreg_self(const struct redisreg *rr)
{
	return rr ? rr->self : NULL;
}

static void redisreg_refresh_h(void *arg)
{
	struct redisreg *rr = arg;

	(void)redisreg_submit(rr, REDISREG_REFRESH, NULL, NULL);
	tmr_start(&rr->refresh, (uint64_t)rr->ttl_s * 1000 / 3,
		  redisreg_refresh_h, rr);
}

static void redisreg_destructor(void *data)
{
	struct redisreg *rr = data;

	tmr_cancel(&rr->refresh);
	/* the worker pool is gone: no thread uses these any more */
	if (rr->ctx)
		redisFree(rr->ctx);
	for (size_t i = 0; i < REDISREG_BUCKETS; i++) {
		struct redisreg_live *e = rr->bucket[i];

		while (e) {
			struct redisreg_live *n = e->next;

			free(e);
			e = n;
		}
	}
	mem_deref(rr->host);
	mem_deref(rr->self);
}

int redisreg_alloc(struct redisreg **rrp, struct worker *wp,
		   const struct redisreg_conf *conf)
{
	struct redisreg *rr;
	int err;

	if (!rrp || !wp || !conf || !conf->host || !*conf->host ||
	    !conf->self || !*conf->self || !conf->ttl_s)
		return EINVAL;
	rr = mem_zalloc(sizeof(*rr), redisreg_destructor);
	if (!rr)
		return ENOMEM;
	rr->wp = wp;
	rr->port = conf->port;
	rr->ttl_s = conf->ttl_s;
	tmr_init(&rr->refresh);
	err = str_dup(&rr->host, conf->host);
	if (!err)
		err = str_dup(&rr->self, conf->self);
	if (!err)
		err = worker_queue_add(wp, "redis", 1, &rr->qid);
	if (err) {
		mem_deref(rr);
		return err;
	}
	tmr_start(&rr->refresh, (uint64_t)rr->ttl_s * 1000 / 3,
		  redisreg_refresh_h, rr);
	fs_info(REDISREG_LOG, "call registry on %s:%u as %s (ttl %us)",
		rr->host, rr->port, rr->self, rr->ttl_s);
	*rrp = rr;
	return 0;
}

static int redisreg_add_int(struct json_object *obj, const char *key,
			    int64_t v)
{
	struct json_object *n = json_object_new_int64(v);

	if (!n || json_object_object_add(obj, key, n)) {
		json_object_put(n);
		return ENOMEM;
	}
	return 0;
}

int redisreg_metrics(const struct redisreg *rr, struct json_object *obj)
{
	struct redisreg_stats *st;
	int err = 0;

	if (!rr || !obj)
		return EINVAL;
	st = (struct redisreg_stats *)&rr->st;
	err |= redisreg_add_int(obj, "up", RR_GET(&st->up) ? 1 : 0);
	err |= redisreg_add_int(obj, "sets", (int64_t)RR_GET(&st->sets));
	err |= redisreg_add_int(obj, "dels", (int64_t)RR_GET(&st->dels));
	err |= redisreg_add_int(obj, "gets", (int64_t)RR_GET(&st->gets));
	err |= redisreg_add_int(obj, "refreshed",
				(int64_t)RR_GET(&st->refreshed));
	err |= redisreg_add_int(obj, "errors", (int64_t)RR_GET(&st->errors));
	err |= redisreg_add_int(obj, "dropped", (int64_t)RR_GET(&st->dropped));
	err |= redisreg_add_int(obj, "commands", (int64_t)RR_GET(&st->cmds));
	err |= redisreg_add_int(obj, "live", (int64_t)RR_GET(&st->live));
	err |= redisreg_add_int(obj, "pending", (int64_t)RR_GET(&st->pending));
	return err ? ENOMEM : 0;
}
