/**
 * @file directory.h  Where an inbound call finds its account and application
 *
 * Backends behind one asynchronous interface: the embedded file
 * directory (etc/directory.json, or the built-in demo when none) and
 * MySQL/MariaDB with the jambonz tables (dirdb.c, over the process-wide
 * pool of dbpool.c). Lookups answer through a handler so a backend that
 * queries a database never blocks the event loop.
 */
#ifndef DIRECTORY_H
#define DIRECTORY_H

#include <stdint.h>

struct json_object;
struct directory;
struct dbpool;

/** A webhook as configured: url plus optional method and basic auth */
struct dir_hook {
	char *url;
	char *method;
	char *username;
	char *password;
};

/** The application a call runs; a libre mem object, read-only once made */
struct dir_app {
	char *account_sid;
	char *application_sid;
	char *service_provider_sid;
	char *webhook_secret;
	struct dir_hook call_hook;
	struct dir_hook status_hook;
	struct json_object *app_json; /* verb array or NULL */
	struct json_object *env_vars; /* object or NULL */
	char *tts_vendor, *tts_language, *tts_voice;
	char *stt_vendor, *stt_language;
};

/** What the lookup needs from the INVITE (all borrowed) */
struct dir_query {
	const char *called;          /* Request-URI user, '+' stripped */
	const char *account_sid;     /* X-Account-Sid or NULL          */
	const char *application_sid; /* X-Application-Sid or NULL      */
	const char *carrier_sid;     /* X-Voip-Carrier-Sid or NULL     */
};

/**
 * Lookup result.
 *
 * @param err    0, or an errno when no application was found
 * @param scode  SIP status to reject with when err != 0
 * @param reason X-Reason text when err != 0
 * @param app    The application (borrowed; mem_ref to keep) or NULL
 */
typedef void(dir_lookup_h)(int err, uint16_t scode, const char *reason,
			   struct dir_app *app, void *arg);

struct dir_conf {
	const char *file;                 /* JSON directory or "" for none  */
	const struct dir_hook *call_hook; /* DEFAULT_CALL_HOOK or NULL */
	const struct dir_hook *status_hook; /* DEFAULT_CALL_STATUS_HOOK  */
	const char *secret;    /* DEFAULT_WEBHOOK_SECRET         */
	const char *demo_base; /* base URL of the built-in demo  */
	struct dbpool *pool;   /* MySQL pool, or NULL for a file */
	uint32_t cache_ttl_ms; /* MySQL lookup cache, 0 = off    */
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

/** An empty application object (for applications made on the fly) */
int dir_app_new(struct dir_app **ap);

/** Parse a hook from JSON (object or bare URL string) into h */
int dir_hook_from_json(struct dir_hook *h, const struct json_object *o);
void dir_hook_reset(struct dir_hook *h);

#endif
