/**
 * @file directory.h  Where an inbound call finds its account and application
 *
 * Backends behind one asynchronous interface (dir/backend.h): the
 * embedded file directory (dir_file.c: etc/directory.json, or the
 * built-in demo when none) and MySQL/MariaDB with the jambonz tables
 * (dirdb.c, over the process-wide pool of dbpool.c). Lookups answer
 * through a handler so a backend that queries a database never blocks
 * the event loop.
 */
#ifndef DIRECTORY_H
#define DIRECTORY_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "dir/dir_app.h"

struct directory;
struct dbpool;

struct dir_conf {
	const char *file;                 /* JSON directory or "" for none  */
	const struct dir_hook *call_hook; /* DEFAULT_CALL_HOOK or NULL */
	const struct dir_hook *status_hook; /* DEFAULT_CALL_STATUS_HOOK  */
	const char *secret;     /* DEFAULT_WEBHOOK_SECRET         */
	const char *demo_base;  /* base URL of the built-in demo  */
	struct dbpool *pool;    /* MySQL pool, or NULL for a file */
	uint32_t cache_ttl_ms;  /* MySQL lookup cache, 0 = off    */
	const char *enc_secret; /* ENCRYPTION_SECRET (else JWT_SECRET):
				   decrypts what the api-server stored */
	bool legacy_crypto;     /* LEGACY_CRYPTO: AES-256-CTR        */
};

/**
 * Make a loop's directory: the MySQL one when conf->pool is set (the
 * file settings are then ignored), else the file directory. With no
 * file and no default hook, calls run the built-in demo application.
 *
 * @param err Receives "file: reason" on failure
 */
int directory_alloc(struct directory **dp, const struct dir_conf *conf,
		    char *err, size_t errsz);

/**
 * Look up; the handler may run before this returns, or later on this
 * loop (MySQL). A caller that goes away before its handler ran calls
 * directory_cancel().
 *
 * @return 0 (the handler runs exactly once unless cancelled), or an
 *         errno (the handler does not run)
 */
int directory_lookup(struct directory *d, const struct dir_query *q,
		     dir_lookup_h *h, void *arg);

/** Drop every pending lookup of arg: its handler will not run */
void directory_cancel(struct directory *d, const void *arg);

#endif
