/**
 * @file req_int.h  Requestor internals shared by req*.c and the unit tests
 */
#ifndef REQ_INT_H
#define REQ_INT_H

#include <stddef.h>
#include <stdint.h>

/** Failure classes of the "#rc=N&rp=LIST" retry policy */
enum req_rp {
	REQ_RP_CT = 1 << 0,    /* connect failure (refused, DNS)      */
	REQ_RP_RT = 1 << 1,    /* response timeout                    */
	REQ_RP_4XX = 1 << 2,   /* HTTP 4xx                            */
	REQ_RP_5XX = 1 << 3,   /* HTTP 5xx                            */
	REQ_RP_OTHER = 1 << 4, /* anything else (only with "all")     */
	REQ_RP_ALL = 0x1f,
};

enum {
	REQ_RC_MAX = 5, /* most retries a URL may ask for      */
};

/** Retry policy of one request */
struct req_retry {
	uint32_t rc; /* retries allowed, 0..REQ_RC_MAX       */
	uint32_t rp; /* enum req_rp bits                     */
};

/**
 * Parse a URL fragment ("rc=2&rp=5xx,ct", without '#'). Unknown keys and
 * list items are ignored, rc is clamped to REQ_RC_MAX; the defaults
 * (rc 0, rp ct) apply to whatever is absent.
 *
 * @param rt   Receives the policy
 * @param frag Fragment (borrowed), may be NULL
 * @return 0 or EINVAL (rt NULL)
 */
int req_retry_parse(struct req_retry *rt, const char *frag);

/**
 * Back-off before retry n (1 = first): 500 ms doubling while under 2 s,
 * then 2 s more each time (500, 1000, 2000, 4000, 6000).
 */
uint32_t req_retry_delay(uint32_t n);

/**
 * Format the Jambonz-Signature header line:
 * "Jambonz-Signature: t=<t>,v1=<hex HMAC-SHA256(secret, "<t>." body)>".
 *
 * @param buf    Output, NUL-terminated
 * @param sz     Size of buf (>= 128 is always enough)
 * @param secret Webhook secret (borrowed)
 * @param t      Unix time in seconds
 * @param body   Exact body bytes sent (borrowed), may be NULL if len 0
 * @param len    Body length
 * @return 0, EINVAL, ENOMEM, EOVERFLOW (buf too small)
 */
int req_sig_header(char *buf, size_t sz, const char *secret, uint64_t t,
		   const char *body, size_t len);

#endif
