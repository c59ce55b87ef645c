/**
 * @file dbpool.h  Process-wide MySQL/MariaDB connection pool
 *
 * The pool is shared by every event loop. All database I/O runs on the
 * worker threads of its own worker queue ("mysql"); the loops only
 * submit jobs (dbpool_submit) and read the figures (dbpool_metrics).
 * Connections are opened on demand up to a limit, reused most recently
 * used first, closed after an idle timeout by a sweeper thread, and a
 * lookup that cannot get one before its deadline fails with ETIMEDOUT.
 *
 * Threads: the pool object is allocated and destroyed on the main
 * thread, after every worker thread has been joined (the worker pool is
 * destroyed first). Everything else is guarded by the pool's mutex or is
 * atomic; connections are used by one thread at a time.
 */
#ifndef DBPOOL_H
#define DBPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include "base/worker.h"

struct json_object;
struct dbpool;
struct dbpool_conn;

/** Most prepared statements kept per connection (ids 0..N-1) */
#define DBPOOL_STMTS_MAX 16

/** Most parameters and result columns of one statement */
#define DBPOOL_PARAMS_MAX 8
#define DBPOOL_COLS_MAX   24

struct dbpool_conf {
	const char *host;
	uint16_t port;
	const char *user;
	const char *password;
	const char *database;
	uint32_t limit;              /* most open connections          */
	uint32_t idle_timeout_ms;    /* idle connection lifetime       */
	uint32_t acquire_timeout_ms; /* longest wait for a connection  */
	uint32_t query_timeout_ms;   /* connect, read and write        */
};

/**
 * Row handler of dbpool_query, on the worker thread.
 *
 * @param ncols Columns in the row
 * @param cols  Column values (borrowed, valid during the call; NULL for
 *              SQL NULL; numbers as text)
 * @param arg   Handler argument
 * @return 0, or an errno that ends the query with that error (the rest
 *         of the result is read and dropped)
 */
typedef int(dbpool_row_h)(unsigned ncols, const char *const *cols, void *arg);

/**
 * The body of a job that holds a connection; runs on a worker thread.
 * It must be repeatable: when it fails with ENOTCONN (the connection
 * broke) it runs once more on a fresh connection.
 */
typedef int(dbpool_run_h)(struct dbpool_conn *conn, void *arg);

/**
 * Allocate the pool on the main thread: initialises the client library,
 * adds the worker queue "mysql" (threads: the pool limit plus a few that
 * wait for a connection, so that the acquire timeout applies) and starts
 * the idle sweeper. No connection is opened yet.
 *
 * @param pp   Returns a new reference
 * @param wp   Worker pool (borrowed; must be destroyed before the pool)
 * @param conf Settings (copied)
 * @return 0, EINVAL, ENOMEM, or a thread error
 */
int dbpool_alloc(struct dbpool **pp, struct worker *wp,
		 const struct dbpool_conf *conf);

/**
 * Submit a job to the pool's worker queue; see worker_submit().
 * Called on an event loop thread.
 */
int dbpool_submit(struct dbpool *p, worker_work_h *work, worker_done_h *done,
		  void *arg);

/** @return milliseconds of the monotonic clock (any thread) */
uint64_t dbpool_now_ms(void);

/** @return the acquire timeout, ms */
uint32_t dbpool_acquire_timeout(const struct dbpool *p);

/**
 * Run fn with a connection: acquire one (waiting until deadline_ms at
 * most), call fn, and release it. When fn returns ENOTCONN the
 * connection is dropped and fn runs once more on a fresh one. Worker
 * thread only.
 *
 * @param deadline_ms dbpool_now_ms() value after which acquiring fails
 * @return fn's result, or ETIMEDOUT (no connection in time), ENOTCONN
 *         (cannot connect / connection lost), ESHUTDOWN
 */
int dbpool_run(struct dbpool *p, uint64_t deadline_ms, dbpool_run_h *fn,
	       void *arg);

/**
 * Execute a prepared statement (prepared on first use per connection)
 * and call rowh for each row. Worker thread, inside dbpool_run().
 *
 * @param id      Statement id, below DBPOOL_STMTS_MAX; one id, one sql
 * @param sql     Statement text with '?' placeholders
 * @param params  Parameter values (borrowed; NULL = SQL NULL)
 * @param nparams Number of parameters
 * @return 0, ENOTCONN (connection lost: retry elsewhere), EIO (the
 *         server refused the statement), EINVAL, ENOMEM, or rowh's error
 */
int dbpool_query(struct dbpool_conn *conn, unsigned id, const char *sql,
		 const char *const *params, unsigned nparams,
		 dbpool_row_h *rowh, void *arg);

/**
 * Match subject against a POSIX extended regular expression, compiled
 * once and cached process-wide. Any thread.
 *
 * @return 0 (see *matchp), EINVAL (the pattern does not compile), ENOMEM
 */
int dbpool_regex_match(struct dbpool *p, const char *pattern,
		       const char *subject, bool *matchp);

/**
 * Stop handing out connections: lookups waiting for one fail at once
 * with ESHUTDOWN, so that the worker threads can be joined without
 * waiting out the acquire timeout. Queries already running finish.
 * Call it before destroying the worker pool. Any thread.
 */
void dbpool_stop(struct dbpool *p);

/** Count a lookup answered from (hit) or missing in a loop's cache */
void dbpool_cache_count(struct dbpool *p, bool hit);

/**
 * Add the pool figures to obj: backend, limit, connections, in_use,
 * idle, waits, timeouts, errors, queries, connects, retries, lookups,
 * cache_hits, cache_misses. Any thread.
 */
int dbpool_metrics(struct dbpool *p, struct json_object *obj);

#endif
