/**
 * @file directory.h  Where an inbound call finds its account and application
 *
 * Backends behind one asynchronous interface: the embedded file
 * directory (etc/directory.json, or the built-in demo when none) and,
 * later, MySQL. Lookups answer through a handler so a backend that
 * queries a database never blocks the event loop.
 */
#ifndef DIRECTORY_H
#define DIRECTORY_H

#include <stdint.h>

struct json_object;
struct directory;

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
	const char *file;             /* JSON directory or "" for none  */
	const struct dir_hook *call_hook;   /* DEFAULT_CALL_HOOK or NULL */
	const struct dir_hook *status_hook; /* DEFAULT_CALL_STATUS_HOOK  */
	const char *secret;           /* DEFAULT_WEBHOOK_SECRET         */
	const char *demo_base;        /* base URL of the built-in demo  */
};

/**
 * Load the file directory. With no file and no default hook, calls run
 * the built-in demo application.
 *
 * @param err Receives "file: reason" on failure
 */
int directory_alloc(struct directory **dp, const struct dir_conf *conf,
		    char *err, size_t errsz);

/** Look up; the handler may run before this returns */
int directory_lookup(struct directory *d, const struct dir_query *q,
		     dir_lookup_h *h, void *arg);

/** Parse a hook from JSON (object or bare URL string) into h */
int dir_hook_from_json(struct dir_hook *h, const struct json_object *o);
void dir_hook_reset(struct dir_hook *h);

#endif
