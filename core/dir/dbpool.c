/**
 * @file dbpool.c  Process-wide MySQL/MariaDB connection pool
 *
 * One mutex guards the idle list, the counters and the regex cache; the
 * blocking calls (connect, queries, close) always run with it released.
 * A condition variable on the monotonic clock wakes threads waiting for
 * a connection; a second one paces the idle sweeper.
 *
 * Why the worker queue has more threads than the pool has connections:
 * the threads beyond the limit are the ones that wait, with a deadline,
 * for a connection. Were there only as many threads as connections, a
 * lookup stuck behind a slow query would wait in the worker queue where
 * no deadline applies. A job that starts after its deadline fails at
 * once, so the queue drains fast when the database is saturated.
 *
 * A lost connection (server restarted, network cut, server-side idle
 * timeout) is only noticed by the query that hits it: dbpool_run() then
 * reruns the job once on a freshly opened connection rather than on
 * another idle one, which after a restart would be just as dead.
 */
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <mysql.h>
#include <errmsg.h>
#include <re.h>
#include <json-c/json.h>
#include "dir/dbpool.h"
#include "base/log.h"

/* Threads that wait for a connection beyond the limit, and the most */
#define DBPOOL_SPARE_THREADS 8
#define DBPOOL_THREADS_MAX   64

/* Column values up to this size are read without a second fetch */
#define DBPOOL_COL_BUF 256

/* Compiled patterns kept; more are compiled per use */
#define DBPOOL_REGEX_MAX 1024

/* Server errors that mean the session is gone (mysqld_error.h) */
#define DBPOOL_ER_SERVER_SHUTDOWN   1053
#define DBPOOL_ER_CONNECTION_KILLED 1927
#define DBPOOL_ER_CLIENT_TIMEOUT    4031

struct dbpool_conn {
	struct le le;     /* in pool->idle while idle */
	struct dbpool *p; /* the pool outlives its connections */
	MYSQL *my;
	MYSQL_STMT *stmts[DBPOOL_STMTS_MAX];
	uint64_t last_used;
};

struct dbpool_regex {
	struct le le;
	char *pattern;
	regex_t re;
	bool ok;
};

struct dbpool {
	pthread_mutex_t mtx;
	pthread_cond_t freed; /* a connection or a slot became free */
	pthread_cond_t sweep; /* wakes the sweeper early (stop) */
	pthread_t sweeper;
	bool sync_ok; /* mutex and conditions initialised */
	bool sweeper_ok;
	bool stop;
	bool down; /* last connect failed: log recovery once */

	struct worker *wp; /* borrowed */
	uint32_t qid;

	char *host, *user, *password, *database;
	uint16_t port;
	uint32_t limit;
	uint32_t idle_ms;
	uint32_t acquire_ms;
	uint32_t query_s;

	struct list idle; /* dbpool_conn, most recently used last */
	uint32_t total;   /* open or opening connections */
	uint32_t in_use;

	struct list regexes; /* dbpool_regex */
	uint32_t nregex;

	struct {
		uint64_t waits, timeouts, errors, queries, connects, retries,
			lookups;
		uint64_t cache_hits, cache_misses; /* atomic */
	} st;
};

uint64_t dbpool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timespec dbpool_abstime(uint64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

static void dbpool_conn_destructor(void *data)
{
	struct dbpool_conn *c = data;

	list_unlink(&c->le);
	for (unsigned i = 0; i < DBPOOL_STMTS_MAX; i++) {
		if (c->stmts[i])
			mysql_stmt_close(c->stmts[i]);
	}
	if (c->my)
		mysql_close(c->my);
}

static void dbpool_regex_destructor(void *data)
{
	struct dbpool_regex *r = data;

	list_unlink(&r->le);
	if (r->ok)
		regfree(&r->re);
	mem_deref(r->pattern);
}

static void dbpool_destructor(void *data)
{
	struct dbpool *p = data;
	struct le *le;

	/* the client library was initialised before the pool existed */
	if (!p->sync_ok)
		goto out;
	pthread_mutex_lock(&p->mtx);
	p->stop = true;
	pthread_cond_broadcast(&p->sweep);
	pthread_cond_broadcast(&p->freed);
	pthread_mutex_unlock(&p->mtx);
	if (p->sweeper_ok)
		pthread_join(p->sweeper, NULL);

	/* the worker threads are joined already: nobody else is left */
	if (p->in_use)
		fs_error("dbpool", "destroyed with %u connections in use",
			 p->in_use);
	while ((le = list_head(&p->idle)))
		mem_deref(le->data);
	list_flush(&p->regexes);

	pthread_cond_destroy(&p->sweep);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->mtx);
out:
	mem_deref(p->host);
	mem_deref(p->user);
	mem_deref(p->password);
	mem_deref(p->database);
	mysql_library_end();
}

/* Close what has been idle too long; the sweeper's only job */
static void dbpool_sweep(struct dbpool *p)
{
	struct list old = LIST_INIT;
	uint64_t now = dbpool_now_ms();
	struct le *le;

	pthread_mutex_lock(&p->mtx);
	le = list_head(&p->idle);
	while (le) {
		struct dbpool_conn *c = le->data;

		le = le->next;
		if (now - c->last_used < p->idle_ms)
			continue;
		list_unlink(&c->le);
		list_append(&old, &c->le, c);
		p->total--;
	}
	if (!list_isempty(&old))
		pthread_cond_broadcast(&p->freed);
	pthread_mutex_unlock(&p->mtx);

	if (!list_isempty(&old))
		fs_debug("dbpool", "closing %u idle connections",
			 list_count(&old));
	/* mysql_close says goodbye to the server: outside the lock */
	while ((le = list_head(&old)))
		mem_deref(le->data);
}

static void *dbpool_sweeper(void *arg)
{
	struct dbpool *p = arg;
	uint64_t every = p->idle_ms / 4;

	if (every < 250)
		every = 250;
	if (every > 30000)
		every = 30000;

	pthread_mutex_lock(&p->mtx);
	while (!p->stop) {
		struct timespec ts = dbpool_abstime(dbpool_now_ms() + every);

		(void)pthread_cond_timedwait(&p->sweep, &p->mtx, &ts);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mtx);
		dbpool_sweep(p);
		pthread_mutex_lock(&p->mtx);
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

static int dbpool_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;
	int err;

	err = pthread_condattr_init(&ca);
	if (err)
		return err;
	err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
	return err;
}

int dbpool_alloc(struct dbpool **pp, struct worker *wp,
		 const struct dbpool_conf *conf)
{
	struct dbpool *p;
	sigset_t all, old;
	uint32_t nthreads;
	int err;

	if (!pp || !wp || !conf || !conf->host || !*conf->host || !conf->limit)
		return EINVAL;

	/* not thread safe: once, on the main thread, before any worker
	 * touches the library */
	if (mysql_library_init(0, NULL, NULL))
		return ENOMEM;

	p = mem_zalloc(sizeof(*p), dbpool_destructor);
	if (!p) {
		mysql_library_end();
		return ENOMEM;
	}
	pthread_mutex_init(&p->mtx, NULL);
	err = dbpool_cond_init(&p->freed);
	if (!err)
		err = dbpool_cond_init(&p->sweep);
	if (err) {
		/* glibc conditions hold no resources: nothing to destroy */
		mem_deref(p);
		return err;
	}
	p->sync_ok = true;
	list_init(&p->idle);
	list_init(&p->regexes);
	p->wp = wp;
	p->port = conf->port;
	p->limit = conf->limit;
	p->idle_ms = conf->idle_timeout_ms;
	p->acquire_ms = conf->acquire_timeout_ms;
	p->query_s = (conf->query_timeout_ms + 999) / 1000;
	if (!p->query_s)
		p->query_s = 1;

	err = str_dup(&p->host, conf->host);
	err |= str_dup(&p->user, conf->user ? conf->user : "");
	err |= str_dup(&p->password, conf->password ? conf->password : "");
	err |= str_dup(&p->database, conf->database ? conf->database : "");
	if (err) {
		err = ENOMEM;
		goto out;
	}

	nthreads = conf->limit + DBPOOL_SPARE_THREADS;
	if (nthreads > DBPOOL_THREADS_MAX)
		nthreads = DBPOOL_THREADS_MAX;
	err = worker_queue_add(wp, "mysql", nthreads, &p->qid);
	if (err) {
		fs_error("dbpool", "worker queue: %m", err);
		goto out;
	}

	/* signals belong to the loops */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&p->sweeper, NULL, dbpool_sweeper, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto out;
	p->sweeper_ok = true;

	fs_info("dbpool",
		"MySQL directory %s@%s:%u/%s: up to %u connections "
		"(%u threads), idle %u ms, acquire %u ms",
		p->user, p->host, p->port, p->database, p->limit, nthreads,
		p->idle_ms, p->acquire_ms);
out:
	if (err)
		mem_deref(p);
	else
		*pp = p;
	return err;
}

int dbpool_submit(struct dbpool *p, worker_work_h *work, worker_done_h *done,
		  void *arg)
{
	if (!p)
		return EINVAL;
	return worker_submit(p->wp, p->qid, work, done, arg);
}

uint32_t dbpool_acquire_timeout(const struct dbpool *p)
{
	return p ? p->acquire_ms : 0;
}

/* Open a connection; no lock held. ENOTCONN when the server is away. */
static int dbpool_connect(struct dbpool *p, struct dbpool_conn **cp)
{
	struct dbpool_conn *c;
	bool was_down;

	c = mem_zalloc(sizeof(*c), dbpool_conn_destructor);
	if (!c)
		return ENOMEM;
	c->p = p;
	c->my = mysql_init(NULL);
	if (!c->my) {
		mem_deref(c);
		return ENOMEM;
	}
	(void)mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &p->query_s);
	(void)mysql_options(c->my, MYSQL_OPT_READ_TIMEOUT, &p->query_s);
	(void)mysql_options(c->my, MYSQL_OPT_WRITE_TIMEOUT, &p->query_s);
	(void)mysql_options(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");

	if (!mysql_real_connect(c->my, p->host, p->user, p->password,
				p->database, p->port, NULL, 0)) {
		pthread_mutex_lock(&p->mtx);
		was_down = p->down;
		p->down = true;
		p->st.errors++;
		pthread_mutex_unlock(&p->mtx);
		/* once per outage, not once per call */
		if (!was_down)
			fs_warn("dbpool", "cannot connect to %s:%u: %s",
				p->host, p->port, mysql_error(c->my));
		mem_deref(c);
		return ENOTCONN;
	}

	pthread_mutex_lock(&p->mtx);
	was_down = p->down;
	p->down = false;
	p->st.connects++;
	pthread_mutex_unlock(&p->mtx);
	if (was_down)
		fs_info("dbpool", "connected to %s:%u again", p->host,
			p->port);
	c->last_used = dbpool_now_ms();
	*cp = c;
	return 0;
}

/* Give a slot back (connection closed or never opened); lock held */
static void dbpool_slot_free(struct dbpool *p)
{
	p->total--;
	p->in_use--;
	pthread_cond_signal(&p->freed);
}

static int dbpool_acquire(struct dbpool *p, uint64_t deadline,
			  struct dbpool_conn **cp)
{
	struct dbpool_conn *c;
	bool waited = false;
	int err;

	pthread_mutex_lock(&p->mtx);
	for (;;) {
		struct timespec ts;
		struct le *le;

		if (p->stop) {
			pthread_mutex_unlock(&p->mtx);
			return ESHUTDOWN;
		}
		le = list_tail(&p->idle);
		if (le) {
			c = le->data;
			list_unlink(&c->le);
			p->in_use++;
			pthread_mutex_unlock(&p->mtx);
			*cp = c;
			return 0;
		}
		if (p->total < p->limit)
			break;
		if (dbpool_now_ms() >= deadline) {
			p->st.timeouts++;
			pthread_mutex_unlock(&p->mtx);
			return ETIMEDOUT;
		}
		if (!waited) {
			p->st.waits++;
			waited = true;
		}
		ts = dbpool_abstime(deadline);
		(void)pthread_cond_timedwait(&p->freed, &p->mtx, &ts);
	}

	/* take a slot, then connect without the lock */
	p->total++;
	p->in_use++;
	pthread_mutex_unlock(&p->mtx);

	err = dbpool_connect(p, &c);
	if (err) {
		pthread_mutex_lock(&p->mtx);
		dbpool_slot_free(p);
		pthread_mutex_unlock(&p->mtx);
		return err;
	}
	*cp = c;
	return 0;
}

static void dbpool_release(struct dbpool *p, struct dbpool_conn *c,
			   bool broken)
{
	pthread_mutex_lock(&p->mtx);
	if (broken || p->stop) {
		dbpool_slot_free(p);
		pthread_mutex_unlock(&p->mtx);
		mem_deref(c);
		return;
	}
	c->last_used = dbpool_now_ms();
	list_append(&p->idle, &c->le, c);
	p->in_use--;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->mtx);
}

int dbpool_run(struct dbpool *p, uint64_t deadline_ms, dbpool_run_h *fn,
	       void *arg)
{
	struct dbpool_conn *c = NULL;
	uint64_t t0;
	int err;

	if (!p || !fn)
		return EINVAL;

	pthread_mutex_lock(&p->mtx);
	p->st.lookups++;
	pthread_mutex_unlock(&p->mtx);

	err = dbpool_acquire(p, deadline_ms, &c);
	if (err)
		return err;

	t0 = dbpool_now_ms();
	err = fn(c, arg);
	/* a read timeout also reads as a lost connection: a query that ran
	 * out of time is not tried again */
	if (err == ENOTCONN &&
	    dbpool_now_ms() - t0 < (uint64_t)p->query_s * 1000) {
		pthread_mutex_lock(&p->mtx);
		p->st.retries++;
		pthread_mutex_unlock(&p->mtx);
		/* keep the slot, swap the connection */
		mem_deref(c);
		c = NULL;
		err = dbpool_connect(p, &c);
		if (err) {
			pthread_mutex_lock(&p->mtx);
			dbpool_slot_free(p);
			pthread_mutex_unlock(&p->mtx);
			return err;
		}
		err = fn(c, arg);
	}
	dbpool_release(p, c, err == ENOTCONN);
	return err;
}

static bool dbpool_lost(unsigned int e)
{
	switch (e) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_COMMANDS_OUT_OF_SYNC:
	case DBPOOL_ER_SERVER_SHUTDOWN:
	case DBPOOL_ER_CONNECTION_KILLED:
	case DBPOOL_ER_CLIENT_TIMEOUT:
		return true;
	default:
		return e >= CR_MIN_ERROR && e <= CR_MAX_ERROR &&
		       e != CR_OUT_OF_MEMORY;
	}
}

/* Log a statement error once, map it to ENOTCONN or EIO */
static int dbpool_stmt_err(struct dbpool_conn *c, MYSQL_STMT *st,
			   const char *what)
{
	unsigned int e = st ? mysql_stmt_errno(st) : mysql_errno(c->my);
	const char *msg = st ? mysql_stmt_error(st) : mysql_error(c->my);

	pthread_mutex_lock(&c->p->mtx);
	c->p->st.errors++;
	pthread_mutex_unlock(&c->p->mtx);
	if (dbpool_lost(e)) {
		fs_debug("dbpool", "%s: connection lost: %u %s", what, e, msg);
		return ENOTCONN;
	}
	fs_warn("dbpool", "%s: %u %s", what, e, msg);
	return EIO;
}

static int dbpool_prepare(struct dbpool_conn *c, unsigned id, const char *sql,
			  MYSQL_STMT **stp)
{
	MYSQL_STMT *st = c->stmts[id];
	int err;

	if (st) {
		*stp = st;
		return 0;
	}
	st = mysql_stmt_init(c->my);
	if (!st)
		return ENOMEM;
	if (mysql_stmt_prepare(st, sql, strlen(sql))) {
		err = dbpool_stmt_err(c, st, "prepare");
		mysql_stmt_close(st);
		return err;
	}
	c->stmts[id] = st;
	*stp = st;
	return 0;
}

struct dbpool_result {
	MYSQL_BIND bind[DBPOOL_COLS_MAX];
	char buf[DBPOOL_COLS_MAX][DBPOOL_COL_BUF];
	unsigned long len[DBPOOL_COLS_MAX];
	my_bool isnull[DBPOOL_COLS_MAX];
	my_bool error[DBPOOL_COLS_MAX];
	char *big[DBPOOL_COLS_MAX];
	const char *cols[DBPOOL_COLS_MAX];
};

/* Point cols at the current row, fetching long values in full */
static int dbpool_row(MYSQL_STMT *st, struct dbpool_result *r, unsigned ncols)
{
	for (unsigned i = 0; i < ncols; i++) {
		MYSQL_BIND b;

		if (r->isnull[i]) {
			r->cols[i] = NULL;
			continue;
		}
		if (r->len[i] < DBPOOL_COL_BUF) {
			r->buf[i][r->len[i]] = '\0';
			r->cols[i] = r->buf[i];
			continue;
		}
		r->big[i] = mem_alloc(r->len[i] + 1, NULL);
		if (!r->big[i])
			return ENOMEM;
		memset(&b, 0, sizeof(b));
		b.buffer_type = MYSQL_TYPE_STRING;
		b.buffer = r->big[i];
		b.buffer_length = r->len[i] + 1;
		if (mysql_stmt_fetch_column(st, &b, i, 0))
			return EIO;
		r->big[i][r->len[i]] = '\0';
		r->cols[i] = r->big[i];
	}
	return 0;
}

int dbpool_query(struct dbpool_conn *conn, unsigned id, const char *sql,
		 const char *const *params, unsigned nparams,
		 dbpool_row_h *rowh, void *arg)
{
	MYSQL_BIND pb[DBPOOL_PARAMS_MAX];
	struct dbpool_result *r;
	MYSQL_STMT *st = NULL;
	unsigned ncols;
	int err, rc;

	if (!conn || !sql || id >= DBPOOL_STMTS_MAX ||
	    nparams > DBPOOL_PARAMS_MAX || (nparams && !params))
		return EINVAL;

	pthread_mutex_lock(&conn->p->mtx);
	conn->p->st.queries++;
	pthread_mutex_unlock(&conn->p->mtx);

	err = dbpool_prepare(conn, id, sql, &st);
	if (err)
		return err;
	if (mysql_stmt_param_count(st) != nparams)
		return EINVAL;

	memset(pb, 0, sizeof(pb));
	for (unsigned i = 0; i < nparams; i++) {
		if (!params[i]) {
			pb[i].buffer_type = MYSQL_TYPE_NULL;
			continue;
		}
		pb[i].buffer_type = MYSQL_TYPE_STRING;
		pb[i].buffer = (void *)params[i];
		pb[i].buffer_length = strlen(params[i]);
	}
	if (nparams && mysql_stmt_bind_param(st, pb))
		return dbpool_stmt_err(conn, st, "bind");
	if (mysql_stmt_execute(st))
		return dbpool_stmt_err(conn, st, "execute");

	ncols = mysql_stmt_field_count(st);
	if (ncols > DBPOOL_COLS_MAX) {
		mysql_stmt_free_result(st);
		return EINVAL;
	}

	/* ~7 KB: kept off the worker's stack */
	r = mem_zalloc(sizeof(*r), NULL);
	if (!r) {
		mysql_stmt_free_result(st);
		return ENOMEM;
	}
	for (unsigned i = 0; i < ncols; i++) {
		r->bind[i].buffer_type = MYSQL_TYPE_STRING;
		r->bind[i].buffer = r->buf[i];
		r->bind[i].buffer_length = DBPOOL_COL_BUF;
		r->bind[i].length = &r->len[i];
		r->bind[i].is_null = &r->isnull[i];
		r->bind[i].error = &r->error[i];
	}
	if (ncols && mysql_stmt_bind_result(st, r->bind)) {
		err = dbpool_stmt_err(conn, st, "bind result");
		goto out;
	}

	/* read every row even after an error: the connection must end up
	 * with no pending result */
	while (ncols) {
		int e;

		rc = mysql_stmt_fetch(st);
		if (rc == MYSQL_NO_DATA)
			break;
		if (rc == 1) {
			if (!err)
				err = dbpool_stmt_err(conn, st, "fetch");
			break;
		}
		e = dbpool_row(st, r, ncols);
		if (!e && !err && rowh)
			e = rowh(ncols, r->cols, arg);
		if (e && !err)
			err = e;
		for (unsigned i = 0; i < ncols; i++)
			r->big[i] = mem_deref(r->big[i]);
	}
out:
	mysql_stmt_free_result(st);
	mem_deref(r);
	return err;
}

int dbpool_regex_match(struct dbpool *p, const char *pattern,
		       const char *subject, bool *matchp)
{
	struct dbpool_regex *r = NULL, *fresh;
	struct le *le;
	int err;

	if (!p || !pattern || !subject || !matchp)
		return EINVAL;

	pthread_mutex_lock(&p->mtx);
	LIST_FOREACH(&p->regexes, le) {
		struct dbpool_regex *x = le->data;

		if (!strcmp(x->pattern, pattern)) {
			r = x;
			break;
		}
	}
	pthread_mutex_unlock(&p->mtx);

	/* compiled patterns are never freed before the pool, and glibc's
	 * regexec may share one regex_t between threads */
	if (r) {
		if (!r->ok)
			return EINVAL;
		*matchp = !regexec(&r->re, subject, 0, NULL, 0);
		return 0;
	}

	fresh = mem_zalloc(sizeof(*fresh), dbpool_regex_destructor);
	if (!fresh)
		return ENOMEM;
	err = str_dup(&fresh->pattern, pattern);
	if (err) {
		mem_deref(fresh);
		return err;
	}
	fresh->ok = !regcomp(&fresh->re, pattern, REG_EXTENDED | REG_NOSUB);
	if (!fresh->ok)
		fs_warn("dbpool", "call_routes regex '%s' does not compile",
			pattern);
	else
		*matchp = !regexec(&fresh->re, subject, 0, NULL, 0);
	err = fresh->ok ? 0 : EINVAL;

	pthread_mutex_lock(&p->mtx);
	if (p->nregex < DBPOOL_REGEX_MAX) {
		list_append(&p->regexes, &fresh->le, fresh);
		p->nregex++;
		fresh = NULL;
	}
	pthread_mutex_unlock(&p->mtx);
	/* a twin compiled meanwhile by another thread is harmless */
	mem_deref(fresh);
	return err;
}

void dbpool_stop(struct dbpool *p)
{
	if (!p || !p->sync_ok)
		return;
	pthread_mutex_lock(&p->mtx);
	p->stop = true;
	pthread_cond_broadcast(&p->freed);
	pthread_cond_broadcast(&p->sweep);
	pthread_mutex_unlock(&p->mtx);
}

void dbpool_cache_count(struct dbpool *p, bool hit)
{
	if (!p)
		return;
	if (hit)
		__atomic_add_fetch(&p->st.cache_hits, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&p->st.cache_misses, 1, __ATOMIC_RELAXED);
}

static int dbpool_json_int(struct json_object *obj, const char *key, int64_t v)
{
	struct json_object *n = json_object_new_int64(v);

	if (!n || json_object_object_add(obj, key, n)) {
		json_object_put(n);
		return ENOMEM;
	}
	return 0;
}

int dbpool_metrics(struct dbpool *p, struct json_object *obj)
{
	struct json_object *s;
	int err = 0;

	if (!p || !obj)
		return EINVAL;
	s = json_object_new_string("mysql");
	if (!s || json_object_object_add(obj, "backend", s)) {
		json_object_put(s);
		return ENOMEM;
	}
	pthread_mutex_lock(&p->mtx);
	err |= dbpool_json_int(obj, "limit", p->limit);
	err |= dbpool_json_int(obj, "connections", p->total);
	err |= dbpool_json_int(obj, "in_use", p->in_use);
	err |= dbpool_json_int(obj, "idle", list_count(&p->idle));
	err |= dbpool_json_int(obj, "waits", (int64_t)p->st.waits);
	err |= dbpool_json_int(obj, "timeouts", (int64_t)p->st.timeouts);
	err |= dbpool_json_int(obj, "errors", (int64_t)p->st.errors);
	err |= dbpool_json_int(obj, "queries", (int64_t)p->st.queries);
	err |= dbpool_json_int(obj, "connects", (int64_t)p->st.connects);
	err |= dbpool_json_int(obj, "retries", (int64_t)p->st.retries);
	err |= dbpool_json_int(obj, "lookups", (int64_t)p->st.lookups);
	pthread_mutex_unlock(&p->mtx);
	err |= dbpool_json_int(
		obj, "cache_hits",
		(int64_t)__atomic_load_n(&p->st.cache_hits, __ATOMIC_RELAXED));
	err |= dbpool_json_int(obj, "cache_misses",
			       (int64_t)__atomic_load_n(&p->st.cache_misses,
							__ATOMIC_RELAXED));
	return err ? ENOMEM : 0;
}
