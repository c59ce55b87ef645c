/**
 * @file dir_app.h  The application a call runs, and webhooks as
 *                  configured: what every directory backend answers
 */
#ifndef DIR_APP_H
#define DIR_APP_H

#include <stdbool.h>
#include <stdint.h>

struct json_object;

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
	char *sip_realm; /* the account's: user targets without one */
	struct dir_hook call_hook;
	struct dir_hook status_hook;
	struct json_object *app_json; /* verb array or NULL */
	struct json_object *env_vars; /* object or NULL */
	char *tts_vendor, *tts_language, *tts_voice;
	char *stt_vendor, *stt_language;
	struct json_object *speech; /* the account's speech credentials,
				       decrypted: rows as speechcred.h
				       reads them, or NULL */
	/* outdials through a jambonz SBC (call_sbc.c): the carriers a
	 * phone target's trunk names (name -> voip_carrier_sid, the
	 * account's before its service provider's) and Microsoft Teams */
	struct json_object *carriers; /* object or NULL */
	/* lookupCarrierByPhoneNumber(): the account's phone_numbers with
	 * a carrier (number -> voip_carrier_sid, the account's before its
	 * service provider's), for a phone target without a trunk */
	struct json_object *number_carriers; /* object or NULL */
	char *ms_teams_fqdn;                 /* the service provider's */
	char *tenant_fqdn;                   /* the account's tenant   */
};

/** What the lookup needs from the INVITE (all borrowed) */
struct dir_query {
	const char *called;          /* Request-URI user, '+' stripped */
	const char *account_sid;     /* X-Account-Sid or NULL          */
	const char *application_sid; /* X-Application-Sid or NULL      */
	const char *carrier_sid;     /* X-Voip-Carrier-Sid or NULL     */
	const char *realm;           /* X-Authenticated-User's realm:
					the account's device calling
					application, or NULL          */
	bool rest; /* createCall: the account alone is an answer (an
		      application with no hook) when no application is
		      found */
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

/** An empty application object (for applications made on the fly) */
int dir_app_new(struct dir_app **ap);

/**
 * A stored application (base: the directory's row, its account's
 * secret, env_vars and speech) under what a request names (over: its
 * call_hook, call_status_hook, app_json win).
 *
 * @param ap Returns a new object
 * @return 0, EINVAL, ENOMEM
 */
int dir_app_merge(struct dir_app **ap, const struct dir_app *base,
		  const struct dir_app *over);

/** Parse a hook from JSON (object or bare URL string) into h */
int dir_hook_from_json(struct dir_hook *h, const struct json_object *o);
void dir_hook_reset(struct dir_hook *h);

/** The request fields of a hook (borrowed from dh, which must outlive h) */
struct fs_hook;
void dir_hook_req(const struct dir_hook *dh, struct fs_hook *h);

/** Copy src (may be NULL) into dst; ENOMEM */
int dir_hook_copy(struct dir_hook *dst, const struct dir_hook *src);

/** Replace *dst by a copy of s; "" and NULL both leave NULL */
int dir_strdup(char **dst, const char *s);

#endif
