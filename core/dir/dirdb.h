/**
 * @file dirdb.h  The MySQL directory: jambonz tables through the pool
 *
 * One dirdb per event loop, in front of the process-wide dbpool: it
 * keeps the loop's short TTL cache of lookups and the lookups in flight.
 * Each cache miss is one job on the pool's worker queue that runs the
 * whole routing (account, then application) on one connection and hands
 * the finished struct dir_app back to the loop.
 */
#ifndef DIRDB_H
#define DIRDB_H

#include <stdbool.h>
#include <stdint.h>
#include "dir/dir_app.h"

struct dbpool;
struct dirdb;

/**
 * @param dp     Returns a new reference
 * @param pool   The process-wide pool (borrowed; outlives the dirdb)
 * @param ttl_ms Cache lifetime of a lookup result; 0 = no cache
 * @param secret ENCRYPTION_SECRET for the speech credentials (copied),
 *               NULL or "" when none is set: they are then skipped
 * @param legacy LEGACY_CRYPTO
 */
int dirdb_alloc(struct dirdb **dp, struct dbpool *pool, uint32_t ttl_ms,
		const char *secret, bool legacy);

/**
 * Look up a call's application. A cached result answers before this
 * returns; otherwise h runs later on this loop, unless cancelled.
 *
 * @return 0 (h will run), EINVAL, ENOMEM, ESHUTDOWN (h will not run)
 */
int dirdb_lookup(struct dirdb *db, const struct dir_query *q, dir_lookup_h *h,
		 void *arg);

/** Drop the handlers of every lookup in flight for arg */
void dirdb_cancel(struct dirdb *db, const void *arg);

/** Its operations for the front end (directory.c) */
struct dir_ops;
extern const struct dir_ops dirdb_ops;

#endif
