/**
 * @file ws_policy.h  When a WebSocket application's socket is tried again:
 *                    the #rc= / #rp= fragment of its URL and the back-off,
 *                    as jambonz's ws-requestor.js and base-requestor.js
 */
#ifndef WS_POLICY_H
#define WS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define WS_POLICY_MAX_RECONNECTS 5
#define WS_POLICY_FIRST_BACKOFF  500

/** Retry policy flags (#rp=ct,4xx,5xx,rt,all; "ct" when none) */
enum {
	WS_RP_CT = 1 << 0,  /* refused or reset connection            */
	WS_RP_RT = 1 << 1,  /* request timeout (never on a socket)    */
	WS_RP_4XX = 1 << 2, /* handshake answered 4xx                 */
	WS_RP_5XX = 1 << 3, /* handshake answered 5xx                 */
	WS_RP_ALL = 1 << 4,
};

struct ws_policy {
	/* #rc=: jambonz's Math.min(Math.abs(parseInt(rc)) || 5, 5). It
	 * bounds both the retries of one connect (rc + 1 attempts) and
	 * the sockets of a call (a drop is reconnected while fewer than
	 * rc have been up) */
	uint32_t max_reconnects;
	unsigned rp; /* WS_RP_* */
};

/** Read the fragment of url (NULL or none: the defaults) */
void ws_policy_parse(struct ws_policy *p, const char *url);

/** The delay after ms: doubled below 2 s, then 2 s more each time */
uint32_t ws_policy_next_backoff(uint32_t ms);

/**
 * Whether a failed connect (req_ws's err) is tried again under p.
 * libre reports any handshake answer but 101 as EPROTO without its
 * status, which both 4xx and 5xx take.
 */
bool ws_policy_retry(const struct ws_policy *p, int err);

/**
 * Whether a connect that has failed tries times (1 after the first
 * attempt) gets another: rc retries, each for an error the policy takes,
 * as jambonz's connect loop
 */
bool ws_policy_again(const struct ws_policy *p, uint32_t tries, int err);

#endif
